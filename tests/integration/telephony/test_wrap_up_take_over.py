"""A wrap-up taken over from a live request that stalled past ``DEAD_CLAIM_S`` (c16d8f6): the request that took it
over finishes the wrap-up, and the stalled one, waking, writes nothing more. It had only its outcome write guarded
by the claim: once awake it wrote its history note over the one of the request that took over (the history then
named another outcome than the conversation's), and its callback, if it had asked for one."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

import telephony.console.actions as actions
import telephony.console.wrapup as wrapup
from telephony.console.deps import WrapUpClaim
from telephony.transfer.store import TransferStore
from tests.integration.telephony.test_wrap_up_claim import GUARD_S, counted_notes
from tests.integration.telephony.test_wrap_up_once import AGENTS, _chat_in_wrap_up
from tests.support.live_chat import live_chat_world


async def test_a_stalled_wrap_up_taken_over_writes_nothing_after_the_take_over(
    redis_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    written, second_done = asyncio.Event(), asyncio.Event()
    original_write = WrapUpClaim.write

    async def stalled_write(self: WrapUpClaim, tid: str, **fields: Any) -> bool:
        wrote = await original_write(self, tid, **fields)
        if not written.is_set():  # the first request: stalls after its outcome, past the other's take-over
            written.set()
            await asyncio.wait_for(second_done.wait(), GUARD_S)
        return wrote

    monkeypatch.setattr(wrapup, "DEAD_CLAIM_S", 0.2)  # how long the second waits is not what this checks
    monkeypatch.setattr(WrapUpClaim, "write", stalled_write)
    notes = counted_notes(monkeypatch, wrapup)
    async with live_chat_world(redis_url, tmp_path, AGENTS) as w:
        tid = await _chat_in_wrap_up(w)

        async def second() -> Any:
            await written.wait()
            try:
                return await w.agent("POST", "/v1/agents/me/wrap-up", "anna", json={"outcome": "escalated"})
            finally:
                second_done.set()

        first, then = await asyncio.gather(
            w.agent("POST", "/v1/agents/me/wrap-up", "anna", json={"outcome": "resolved"}), second()
        )
        assert then.status_code == 200, then.text
        assert (await w.agent("GET", f"/v1/transfers/{tid}", "anna")).json()["outcome"] == "escalated"
        assert notes == ["escalated"], "the stalled request wrote its note after the take-over"
        assert first.status_code == 409, first.text  # it was taken over: told so, not 'done'
        assert (await w.agent("GET", "/v1/agents/me", "anna")).json()["status"] == "available"


async def test_a_stalled_logout_taken_over_by_a_wrap_up_writes_no_note_after_it(
    redis_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The other way round: a logout in wrap-up wrote 'logged_out' (there was no outcome yet) and stalled; the
    agent's wrap-up took the claim over after DEAD_CLAIM_S and wrote its outcome and note; the logout, waking, wrote
    its 'logged_out' note over it (the history said logged out, the conversation 'resolved')."""
    written, wrapped = asyncio.Event(), asyncio.Event()
    original_unset = TransferStore.update_unset

    async def stalled_unset(self: TransferStore, tid: str, field: str, value: Any) -> bool:
        done = await original_unset(self, tid, field, value)
        if value == "logged_out":
            written.set()
            await asyncio.wait_for(wrapped.wait(), GUARD_S)
        return done

    monkeypatch.setattr(wrapup, "DEAD_CLAIM_S", 0.2)
    monkeypatch.setattr(TransferStore, "update_unset", stalled_unset)
    notes = counted_notes(monkeypatch, wrapup, actions)
    async with live_chat_world(redis_url, tmp_path, AGENTS) as w:
        tid = await _chat_in_wrap_up(w)

        async def wrap_once_logged_out() -> Any:
            await written.wait()
            try:
                return await w.agent("POST", "/v1/agents/me/wrap-up", "anna", json={"outcome": "resolved"})
            finally:
                wrapped.set()

        left, then = await asyncio.gather(
            w.agent("PUT", "/v1/agents/anna/status", "anna", json={"status": "offline"}), wrap_once_logged_out()
        )
        assert then.status_code == 200 and left.status_code == 200, (then.text, left.text)
        assert (await w.agent("GET", f"/v1/transfers/{tid}", "anna")).json()["outcome"] == "resolved"
        assert notes == ["resolved"], "the stalled logout wrote its note after the take-over"
        assert (await w.agent("GET", "/v1/agents/me", "anna")).json()["status"] == "offline"  # it left all the same
