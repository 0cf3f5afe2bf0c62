"""A callback another agent holds, through the real gateway and Redis: the supervisor's console lists it with
who holds it, and the supervisor (or the holder, never another agent) hands it back to the open list, by
the API or the console's button."""

from __future__ import annotations

from pathlib import Path

import httpx

from telephony.agents.callbacks import iso_now
from telephony.agents.callbacks_redis import RedisCallbacks
from tests.support.insights import insights_world

FETCH = {"X-Requested-With": "fetch"}


async def _log_in(client: httpx.AsyncClient, agent: str) -> None:
    assert (await client.post("/agents/login", data={"token": f"token-{agent}"})).status_code == 303


async def test_the_supervisor_sees_who_holds_a_callback_and_hands_it_back(redis_url: str, tmp_path: Path) -> None:
    async with insights_world(redis_url, tmp_path) as w:
        book = RedisCallbacks(w.redis, prefix=w.prefix)
        for cb in ("cb1", "cb2"):
            await book.add({"id": cb, "queue": "obsluga", "phone": "+48600100200", "summary": f"oddzwonić {cb}",
                            "created_at": iso_now(), "channel": "phone"})  # fmt: skip
            assert (await w.agent("POST", f"/v1/callbacks/{cb}/claim", "anna")).status_code == 200

        async with httpx.AsyncClient(base_url=w.agents_worker.base, timeout=10) as szef:
            await _log_in(szef, "szef")
            page = (await szef.get("/agents")).text
            assert 'id="callback-cb1"' in page and "Przejęte: Anna Nowak" in page and 'id="release-cb1"' in page
            assert 'id="close-cb1"' not in page  # only the holder closes it
            bartek = await w.agent("POST", "/v1/callbacks/cb1/release", "bartek")
            assert bartek.status_code == 409 and bartek.json()["detail"]["claimed_by"] == "anna"

            released = await szef.post("/agents/callbacks/cb1/release", headers=FETCH)
            assert released.status_code == 200 and "wróciło na listę" in released.json()["message"]
            page = (await szef.get("/agents")).text
            assert "Przejęte: Anna Nowak" in page and 'id="claim-cb1"' in page  # cb2 still anna's, cb1 open

        by_api = await w.agent("POST", "/v1/callbacks/cb2/release", "anna")  # the holder's own
        assert by_api.status_code == 200 and by_api.json()["callback"]["status"] == "pending"
        again = await w.agent("POST", "/v1/callbacks/cb2/release", "szef")
        assert again.status_code == 409 and again.json()["detail"]["error"] == "not_claimed"
        pending = (await w.agent("GET", "/v1/callbacks", "bartek")).json()["callbacks"]
        assert sorted(c["id"] for c in pending) == ["cb1", "cb2"]
        assert (await w.agent("POST", "/v1/callbacks/cb1/claim", "bartek")).status_code == 200
