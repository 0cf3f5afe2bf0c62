"""One wrap-up per conversation, however many copies of the request arrive at once (the fifth hostile probe):
ten identical ``POST /v1/agents/me/wrap-up`` sent together were each answered 200, each wrote the outcome and
a history note (the notes overwrote each other, two were kept) and each made the agent available again, since
the status change from available to available counted as done."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import pytest

from telephony.agents.presence import Presence
from tests.support.live_chat import LiveChatWorld, live_chat_world

AGENTS = {"anna": "Anna Nowak"}


async def _chat_in_wrap_up(w: LiveChatWorld) -> str:
    assert (await w.agent("PUT", "/v1/agents/anna/status", "anna", json={"status": "available"})).status_code == 200
    tid = str((await w.chat("Chcę rozmawiać z konsultantem"))["handoff"]["transfer_id"])
    assert (await w.agent("POST", f"/v1/chats/{tid}/accept", "anna")).status_code == 200
    assert (await w.agent("POST", f"/v1/chats/{tid}/end", "anna")).status_code == 200
    return tid


async def test_ten_wrap_ups_at_once_over_the_api_record_one_outcome(redis_url: str, tmp_path: Path) -> None:
    async with live_chat_world(redis_url, tmp_path, AGENTS) as w:
        tid = await _chat_in_wrap_up(w)
        sent = await asyncio.gather(
            *[w.agent("POST", "/v1/agents/me/wrap-up", "anna", json={"outcome": f"kod-{i}"}) for i in range(10)]
        )
        done = [r.json() for r in sent if r.status_code == 200]
        assert len(done) == 1 and sorted(r.status_code for r in sent) == [200] + [409] * 9
        record = (await w.agent("GET", f"/v1/transfers/{tid}", "anna")).json()
        assert record["outcome"] == done[0]["outcome"]
        assert (await w.agent("GET", "/v1/agents/me", "anna")).json()["status"] == "available"
        # the next wrap-up episode is not blocked by the last one
        tid = await _chat_in_wrap_up(w)
        again = await w.agent("POST", "/v1/agents/me/wrap-up", "anna", json={"outcome": "resolved"})
        assert again.status_code == 200 and again.json()["transfer_id"] == tid


async def test_two_console_wrap_ups_at_once_finish_it_once(redis_url: str, tmp_path: Path) -> None:
    """The console's form without JavaScript (a double click posts twice)."""
    async with live_chat_world(redis_url, tmp_path, AGENTS) as w:
        await _chat_in_wrap_up(w)
        base = w.agents.base
        async with httpx.AsyncClient(base_url=base, timeout=10) as console:
            login = await console.post("/agents/login", data={"token": "token-anna"}, headers={"Origin": base})
            assert login.status_code == 303
            headers = {"Origin": base, "X-Requested-With": "fetch", "Accept": "application/json"}
            posts = [console.post("/agents/wrap-up", data={"outcome": "resolved"}, headers=headers) for _ in range(2)]
            answers = sorted((r.status_code, r.json()["message"]) for r in await asyncio.gather(*posts))
        assert answers[0] == (200, "Obsługa zakończona. Status: Dostępny.")
        assert answers[1][0] == 409 and answers[1][1] == "Nie ma rozmowy do zakończenia."


async def test_the_api_s_wrap_up_notes_the_presence_as_the_console_s_does(
    redis_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The console's wrap-up has the presence note the agent available at once (a Redis that loses it a moment
    later gets them back available, not in wrap-up: ``Presence``); the API's, a near-copy, noted nothing."""
    async with live_chat_world(redis_url, tmp_path, AGENTS) as w:
        await _chat_in_wrap_up(w)
        noted = _counted_presence_notes(monkeypatch)
        done = await w.agent("POST", "/v1/agents/me/wrap-up", "anna", json={"outcome": "resolved"})
        assert done.status_code == 200 and done.json()["status"] == "available", done.text
    assert noted == ["note"]


async def test_the_api_s_available_in_wrap_up_is_refused_as_the_console_s_is(redis_url: str, tmp_path: Path) -> None:
    """``PUT /v1/agents/{id}/status`` available from wrap-up ended it with no outcome and no history note (the
    console refuses its „Dostępny” there: "Najpierw zakończ…"): an integration's status call closed the
    conversation with none. Now it is a 409 that says how to end it, and the wrap-up is still there to finish."""
    async with live_chat_world(redis_url, tmp_path, AGENTS) as w:
        tid = await _chat_in_wrap_up(w)
        back = await w.agent("PUT", "/v1/agents/anna/status", "anna", json={"status": "available"})
        assert back.status_code == 409 and "/v1/agents/me/wrap-up" in back.json()["detail"], back.text
        assert (await w.agent("GET", "/v1/agents/me", "anna")).json()["status"] == "wrap_up"
        assert (await w.agent("GET", f"/v1/transfers/{tid}", "anna")).json().get("outcome") is None
        done = await w.agent("POST", "/v1/agents/me/wrap-up", "anna", json={"outcome": "resolved"})
        assert done.status_code == 200 and done.json()["status"] == "available"


async def test_the_api_s_available_notes_the_presence_as_the_console_s_does(
    redis_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The console's „Dostępny” has the presence note the agent available at once (``became_available``: a
    Redis that loses it a moment later gets them back on duty, not as last seen off duty); ed563bc gave the
    API's wrap-up the same note, but the API's own ``PUT .../status`` available still noted nothing."""
    async with live_chat_world(redis_url, tmp_path, AGENTS) as w:
        noted = _counted_presence_notes(monkeypatch)
        went = await w.agent("PUT", "/v1/agents/anna/status", "anna", json={"status": "available"})
        assert went.status_code == 200 and went.json()["previous"] == "offline", went.text
        again = await w.agent("PUT", "/v1/agents/anna/status", "anna", json={"status": "available"})
        assert again.status_code == 200 and again.json()["previous"] == "available", again.text
    assert noted == ["note"]  # once: available to available changes nothing, as in the console


def _counted_presence_notes(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """One "note" per presence note from now on (each still written)."""
    noted: list[str] = []
    original = Presence.note

    async def counted(self: Presence) -> None:
        noted.append("note")
        await original(self)

    monkeypatch.setattr(Presence, "note", counted)
    return noted
