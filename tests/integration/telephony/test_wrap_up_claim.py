"""The wrap-up claim (``one_wrap_up``) covers everything that ends a wrap-up, and is only ever freed by its
holder (a review of the fifth hostile probe's fixes). Logging out in wrap-up also writes an outcome
(``logged_out``) and a history note, without the claim: a wrap-up and a logout at once (the console's
"Wyloguj" right after "Zakończ", or an API client beside the console) wrote two outcomes, and the API's
wrap-up answered 409 after writing its own. And the claim was freed with a bare DEL: a request slower than
its TTL freed the claim the next request took, and a third copy ran beside the second."""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import anyio
import httpx
import pytest
from redis.asyncio import Redis

import telephony.console.actions as actions
import telephony.console.wrapup as wrapup
from telephony.agents.repo import AgentRepo, AgentState
from telephony.console.deps import WRAP_UP_HOLD_S, one_wrap_up
from telephony.transfer.store import TransferStore
from tests.integration.telephony.test_wrap_up_once import AGENTS, _chat_in_wrap_up
from tests.support.live_chat import live_chat_world

GUARD_S = 5.0  # a bound (under the clients' 10 s) on waits for what takes milliseconds; never decides the order


def counted_notes(monkeypatch: pytest.MonkeyPatch, *modules: Any) -> list[str]:
    """The outcomes of the history notes written through ``modules``' ``note_in_history`` (one note per
    outcome is what these tests check), each still written."""
    notes: list[str] = []
    original_note = actions.note_in_history

    async def counted_note(deps: Any, tid: str, agent_id: str, outcome: str, note: str) -> None:
        notes.append(outcome)
        await original_note(deps, tid, agent_id, outcome, note)

    for module in modules:
        monkeypatch.setattr(module, "note_in_history", counted_note)
    return notes


@pytest.mark.parametrize("leave", ["console logout", "API off duty"])
async def test_leaving_while_a_wrap_up_is_written_keeps_its_one_outcome(
    redis_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, leave: str
) -> None:
    """The order is made, not hoped for: the wrap-up writes its note only once the leaving request has found
    the claim taken (its ``hold`` answered no); a leaving request that takes no claim never gets there."""
    notes: list[tuple[str, str]] = []
    writing, refused = asyncio.Event(), asyncio.Event()
    original_note, original_hold = wrapup.note_in_history, TransferStore.hold

    async def watched_hold(self: TransferStore, key: str, token: str, ttl_s: int) -> bool:
        taken = await original_hold(self, key, token, ttl_s)
        if key == "wrap-up:anna" and not taken and writing.is_set():
            refused.set()  # the leaving request came in while the wrap-up holds the claim
        return taken

    async def slow_note(deps: Any, tid: str, agent_id: str, outcome: str, note: str) -> None:
        notes.append(("wrap-up", outcome))
        writing.set()
        await asyncio.wait_for(refused.wait(), GUARD_S)  # the history write goes on after the logout came in
        await original_note(deps, tid, agent_id, outcome, note)

    async def counted_note(deps: Any, tid: str, agent_id: str, outcome: str, note: str) -> None:
        notes.append(("logout", outcome))
        await original_note(deps, tid, agent_id, outcome, note)

    monkeypatch.setattr(TransferStore, "hold", watched_hold)
    monkeypatch.setattr(wrapup, "note_in_history", slow_note)
    monkeypatch.setattr(actions, "note_in_history", counted_note)
    async with live_chat_world(redis_url, tmp_path, AGENTS) as w:
        tid = await _chat_in_wrap_up(w)
        base = w.agents.base
        async with httpx.AsyncClient(base_url=base, timeout=30) as console:
            login = await console.post("/agents/login", data={"token": "token-anna"}, headers={"Origin": base})
            assert login.status_code == 303

            async def leave_while_writing() -> httpx.Response:
                await writing.wait()
                if leave == "console logout":
                    return await console.post("/agents/logout", headers={"Origin": base})
                return await w.agent("PUT", "/v1/agents/anna/status", "anna", json={"status": "offline"})

            wrapped, left = await asyncio.gather(
                w.agent("POST", "/v1/agents/me/wrap-up", "anna", json={"outcome": "resolved"}), leave_while_writing()
            )
        assert refused.is_set(), "the leaving request never waited for the wrap-up being written"
        assert wrapped.status_code == 200 and left.status_code in (200, 303)
        assert notes == [("wrap-up", "resolved")]  # the logout found the wrap-up done: no second outcome
        assert (await w.agent("GET", f"/v1/transfers/{tid}", "anna")).json()["outcome"] == "resolved"
        assert (await w.agent("GET", "/v1/agents/me", "anna")).json()["status"] == "offline"


@pytest.mark.parametrize("written", [None, "resolved"])
async def test_logging_out_past_a_dead_wrap_up_leaves_one_outcome(
    redis_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, written: str | None
) -> None:
    """A wrap-up request that died holds the claim (``WRAP_UP_HOLD_S``); the logout waits ``LEAVE_WAIT_S``
    for it, then goes anyway. It skipped its ``logged_out`` without the claim: a dead request that wrote no
    outcome left the conversation with none. Now ``logged_out`` goes in only where there is no outcome yet."""
    notes = counted_notes(monkeypatch, actions)
    monkeypatch.setattr(actions, "LEAVE_WAIT_S", 0.2)  # how long it waits is not what this checks
    redis = Redis.from_url(redis_url, decode_responses=True)
    async with live_chat_world(redis_url, tmp_path, AGENTS) as w:
        tid = await _chat_in_wrap_up(w)
        transfers = TransferStore(redis, prefix=w.prefix)
        assert await transfers.hold("wrap-up:anna", "a-request-that-died", WRAP_UP_HOLD_S)
        if written is not None:  # it died after writing the outcome, before making the agent available
            assert await transfers.update(tid, outcome=written)
        base = w.agents.base
        async with httpx.AsyncClient(base_url=base, timeout=30) as console:
            login = await console.post("/agents/login", data={"token": "token-anna"}, headers={"Origin": base})
            assert login.status_code == 303
            out = await console.post("/agents/logout", headers={"Origin": base})
        assert (out.status_code, out.headers["location"]) == (303, "/agents/login?wylogowano")
        assert (await w.agent("GET", f"/v1/transfers/{tid}", "anna")).json()["outcome"] == (written or "logged_out")
        assert notes == ([] if written else ["logged_out"])  # one history note for one outcome, or none added
        assert (await w.agent("GET", "/v1/agents/me", "anna")).json()["status"] == "offline"
    await redis.aclose()


@pytest.mark.parametrize("way", ["API", "console"])
async def test_going_off_duty_in_wrap_up_closes_it_as_a_logout_does(
    redis_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, way: str
) -> None:
    """Off duty (``PUT /v1/agents/{id}/status`` offline, or the console's „Niedostępny”) ended a wrap-up with
    no outcome and no history note: the conversation read as never closed. A logout writes ``logged_out``;
    leaving duty is the same leaving."""
    notes = counted_notes(monkeypatch, actions)
    async with live_chat_world(redis_url, tmp_path, AGENTS) as w:
        tid = await _chat_in_wrap_up(w)
        if way == "API":
            off = await w.agent("PUT", "/v1/agents/anna/status", "anna", json={"status": "offline"})
            assert off.status_code == 200 and off.json()["previous"] == "wrap_up", off.text
        else:
            base = w.agents.base
            async with httpx.AsyncClient(base_url=base, timeout=30) as console:
                login = await console.post("/agents/login", data={"token": "token-anna"}, headers={"Origin": base})
                assert login.status_code == 303
                off = await console.post("/agents/status", data={"status": "offline"}, headers={"Origin": base})
                assert off.status_code in (200, 303), off.text
        assert (await w.agent("GET", f"/v1/transfers/{tid}", "anna")).json()["outcome"] == "logged_out"
        assert notes == ["logged_out"]
        assert (await w.agent("GET", "/v1/agents/me", "anna")).json()["status"] == "offline"


@pytest.mark.parametrize("wrap", ["API", "console"])
@pytest.mark.parametrize("leave", ["console logout", "API off duty"])
async def test_a_wrap_up_slower_than_the_logout_s_wait_writes_nothing_after_it(
    redis_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, leave: str, wrap: str
) -> None:
    """A live wrap-up request that read the agent in wrap-up and then stalled past ``LEAVE_WAIT_S``: the logout
    went on without the claim and wrote ``logged_out``, then the wrap-up woke and wrote its own over it (two
    outcomes, two history notes); going off duty wrote none, so the late wrap-up's was the only one. Now the
    leaving request takes the claim over once it has waited, and a wrap-up writes only while it still holds
    its claim: this one is answered 409, saying the conversation was already closed by the logout (the API's
    wrap-up, and the console's form)."""
    read, left = asyncio.Event(), asyncio.Event()
    wrap_up: list[asyncio.Task[Any] | None] = []
    original_hold, original_get = TransferStore.hold, AgentRepo.get

    async def watched_hold(self: TransferStore, key: str, token: str, ttl_s: int) -> bool:
        taken = await original_hold(self, key, token, ttl_s)
        if key == "wrap-up:anna" and taken and not wrap_up:
            wrap_up.append(asyncio.current_task())  # the wrap-up request (the leaving one never gets it first)
        return taken

    async def stalled_get(self: AgentRepo, agent_id: str) -> AgentState | None:
        state = await original_get(self, agent_id)
        if wrap_up and asyncio.current_task() is wrap_up[0] and not read.is_set():
            read.set()  # the wrap-up has read the agent in wrap-up, and goes on once the leaving is answered
            await asyncio.wait_for(left.wait(), GUARD_S)
        return state

    monkeypatch.setattr(actions, "LEAVE_WAIT_S", 0.2)  # how long it waits is not what this checks
    notes = counted_notes(monkeypatch, wrapup, actions)
    async with live_chat_world(redis_url, tmp_path, AGENTS) as w:
        tid = await _chat_in_wrap_up(w)
        monkeypatch.setattr(TransferStore, "hold", watched_hold)
        monkeypatch.setattr(AgentRepo, "get", stalled_get)
        base = w.agents.base
        async with httpx.AsyncClient(base_url=base, timeout=30) as console:
            login = await console.post("/agents/login", data={"token": "token-anna"}, headers={"Origin": base})
            assert login.status_code == 303

            async def leave_once_read() -> httpx.Response:
                await read.wait()
                if leave == "console logout":
                    gone = await console.post("/agents/logout", headers={"Origin": base})
                else:
                    gone = await w.agent("PUT", "/v1/agents/anna/status", "anna", json={"status": "offline"})
                left.set()
                return gone

            if wrap == "API":
                sent = w.agent("POST", "/v1/agents/me/wrap-up", "anna", json={"outcome": "resolved"})
            else:
                fetch = {"Origin": base, "X-Requested-With": "fetch", "Accept": "application/json"}
                sent = console.post("/agents/wrap-up", data={"outcome": "resolved"}, headers=fetch)
            wrapped, gone = await asyncio.gather(sent, leave_once_read())
        assert gone.status_code in (200, 303)
        assert (await w.agent("GET", f"/v1/transfers/{tid}", "anna")).json()["outcome"] == "logged_out"
        assert notes == ["logged_out"]  # one outcome, one history note
        said = wrapped.json()["detail" if wrap == "API" else "message"]
        assert wrapped.status_code == 409 and ("closed by logging out" in said or "już zamknięta" in said), said
        assert (await w.agent("GET", "/v1/agents/me", "anna")).json()["status"] == "offline"


async def test_a_wrap_up_that_wrote_before_the_logout_took_over_keeps_its_outcome(
    redis_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The other side of the take-over: a slow wrap-up that wrote its outcome before the logout took the claim
    over keeps it (the logout adds no ``logged_out``), and is answered 200 with the agent's status now (off
    duty), not the 409 it got after writing (nothing told its caller the outcome was in)."""
    wrote, left = asyncio.Event(), asyncio.Event()
    original_finish = AgentRepo.finish_wrap_up

    async def stalled_finish(self: AgentRepo, agent_id: str) -> bool:
        wrote.set()  # the outcome and its note are written; the leaving request goes now
        await asyncio.wait_for(left.wait(), GUARD_S)
        return await original_finish(self, agent_id)

    monkeypatch.setattr(actions, "LEAVE_WAIT_S", 0.2)  # how long it waits is not what this checks
    notes = counted_notes(monkeypatch, wrapup, actions)
    monkeypatch.setattr(AgentRepo, "finish_wrap_up", stalled_finish)
    async with live_chat_world(redis_url, tmp_path, AGENTS) as w:
        tid = await _chat_in_wrap_up(w)

        async def leave_once_written() -> httpx.Response:
            await wrote.wait()
            gone = await w.agent("PUT", "/v1/agents/anna/status", "anna", json={"status": "offline"})
            left.set()
            return gone

        wrapped, gone = await asyncio.gather(
            w.agent("POST", "/v1/agents/me/wrap-up", "anna", json={"outcome": "resolved"}), leave_once_written()
        )
        assert gone.status_code == 200
        assert wrapped.status_code == 200 and wrapped.json()["status"] == "offline", wrapped.text
        assert (await w.agent("GET", f"/v1/transfers/{tid}", "anna")).json()["outcome"] == "resolved"
        assert notes == ["resolved"]
        assert (await w.agent("GET", "/v1/agents/me", "anna")).json()["status"] == "offline"


async def test_a_holder_slower_than_the_claim_does_not_free_the_next_holders(redis_url: str) -> None:
    redis = Redis.from_url(redis_url, decode_responses=True)
    deps = SimpleNamespace(transfers=TransferStore(redis, prefix="claimtest:"))
    async with contextlib.AsyncExitStack() as stack:
        first = one_wrap_up(deps, "anna")  # type: ignore[arg-type]
        assert await first.__aenter__()
        assert not await stack.enter_async_context(one_wrap_up(deps, "anna"))  # type: ignore[arg-type]
        await redis.delete("claimtest:hold:wrap-up:anna")  # the first one's claim lapsed while it still works
        assert await stack.enter_async_context(one_wrap_up(deps, "anna"))  # type: ignore[arg-type]
        await first.__aexit__(None, None, None)  # the slow first one ends now
        assert not await stack.enter_async_context(one_wrap_up(deps, "anna"))  # type: ignore[arg-type]
    async with one_wrap_up(deps, "anna") as again:  # type: ignore[arg-type]
        assert again  # its holder freed it
    await redis.aclose()


async def test_the_console_s_available_in_wrap_up_is_refused_not_a_wrap_up_without_outcome(
    redis_url: str, tmp_path: Path
) -> None:
    """The console disables „Dostępny” in wrap-up, and its server meant to refuse it ("Najpierw zakończ…"), but
    the status change allowed wrap_up -> available: a stale tab (or any POST) ended the wrap-up with no outcome
    and no history note, the one case left where a conversation closed with none (a review)."""
    async with live_chat_world(redis_url, tmp_path, AGENTS) as w:
        tid = await _chat_in_wrap_up(w)
        base = w.agents.base
        async with httpx.AsyncClient(base_url=base, timeout=30) as console:
            login = await console.post("/agents/login", data={"token": "token-anna"}, headers={"Origin": base})
            assert login.status_code == 303
            fetch = {"Origin": base, "X-Requested-With": "fetch", "Accept": "application/json"}
            back = await console.post("/agents/status", data={"status": "available"}, headers=fetch)
        assert back.json()["message"] == actions.WRAP_UP_FIRST, back.text  # was: 200, "Status: Dostępny."
        assert (await w.agent("GET", "/v1/agents/me", "anna")).json()["status"] == "wrap_up"
        assert (await w.agent("GET", f"/v1/transfers/{tid}", "anna")).json().get("outcome") is None
        done = await w.agent("POST", "/v1/agents/me/wrap-up", "anna", json={"outcome": "resolved"})
        assert done.status_code == 200 and done.json()["status"] == "available"


async def test_a_wrap_up_cancelled_by_its_scope_still_gives_its_claim_back(redis_url: str) -> None:
    """A review: the claim was given back by a plain await in ``finally``. A request cancelled by an anyio scope
    (a client gone, a server's deadline) is cancelled again at that await, so the claim held the agent's next
    wrap-up off for ``WRAP_UP_HOLD_S``. The give-back runs to its end through the cancel."""
    redis = Redis.from_url(redis_url)
    deps = SimpleNamespace(transfers=TransferStore(redis, prefix="claimtest-scope:"))
    with anyio.move_on_after(0.05):
        async with one_wrap_up(deps, "anna") as claim:  # type: ignore[arg-type]
            assert claim
            await asyncio.sleep(GUARD_S)  # the wrap-up is being written when the scope is cancelled
    async with asyncio.timeout(GUARD_S), one_wrap_up(deps, "anna") as next_one:  # type: ignore[arg-type]
        assert next_one  # the next wrap-up gets the claim at once, not after WRAP_UP_HOLD_S
    await redis.aclose()
