"""Redis dies in the middle of an agent's wrap-up (after the outcome was written, before the agent is made
available again) and comes back 5 s later with its data: the agent's retry must finish the wrap-up, with one
outcome and one history note, never be told there is nothing to close while the console still shows wrap-up.

Real parts: the whole gateway over a real redis-server behind a proxy that kills it right after a chosen reply
(``tests/support/redis_proxy.py``), the Twilio REST stand-in, signed Twilio callbacks and the agents API over HTTP.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest

from dialog import catalogue
from dialog.ports import CallerInfo
from telephony.devtools.faults_world import CALLER
from tests.support.outage import Outage, bearer, form, proxied_gateway, twiml
from tests.support.redis import RedisServer, own_redis  # noqa: F401  (fixture)
from tests.support.redis_proxy import LoseOneReply


async def _talked_and_hung_up(w: Outage) -> str:
    """anna took a caller (1) and the call ended: she is in wrap-up for it; the transfer id."""
    tid, _ = await w.start("reklamacje")
    rung = await w.twilio.next("create")
    twiml(await w.signed(f"/twilio/transfer/{tid}/agent/anna/answer", form(rung.call_sid, Digits="1")))
    await w.signed(f"/twilio/transfer/{tid}/agent/anna/status", form(rung.call_sid, CallStatus="completed"))
    assert await w.status(tid) == "completed"
    return tid


# Where Redis dies: the reply it gave last. The credential brake's script answers :1, then the wrap-up's claim :1,
# then its outcome write :1; the history note is a transaction (MULTI answers +OK).
CUTS = {"claim": ((b"EVALSHA",), b":1", 1), "outcome": ((b"EVALSHA",), b":1", 2), "note": ((b"EXEC",), b"+OK", 0)}


@pytest.mark.parametrize("cut_after", list(CUTS))
async def test_a_wrap_up_cut_by_redis_dying_is_finished_by_the_retry_once_it_is_back(
    own_redis: RedisServer,  # noqa: F811
    tmp_path: Path,
    cut_after: str,
) -> None:
    """Before: the cut request's claim (30 s) outlived it, so the agent's retry once Redis was back answered 409 "not
    in wrap-up (another request is finishing it)" (the console: „Nie ma rozmowy do zakończenia.”) while the agent
    was still in wrap-up, for the rest of those 30 s; and a retry after a cut that had written the history note
    wrote a second one."""
    commands, reply, skip = CUTS[cut_after]
    proxy = LoseOneReply("127.0.0.1", own_redis.port, commands, reply, then=own_redis.kill, skip=skip)
    async with proxied_gateway(proxy, tmp_path, agent_status="available") as w:
        assert w.gateway.history is not None
        history = w.gateway.history.store
        now = time.time()
        await history.saved({"id": "sess-o", "created_at": now, "updated_at": now}, CallerInfo("phone", CALLER, {}))
        tid = await _talked_and_hung_up(w)
        agents = w.gateway.transfer.agents.agents  # type: ignore[union-attr]
        body = {"outcome": "resolved", "note": "Wymiana czajnika."}
        proxy.dropped = False
        cut = await w.http.post(f"{w.base}/v1/agents/me/wrap-up", json=body, headers=bearer("anna"))
        assert proxy.dropped and cut.status_code == 503 and cut.json()["reply"] == catalogue.STORE_DOWN_REPLY
        await asyncio.sleep(5)
        own_redis.restart()
        assert await w.recovery.check()
        record = await w.warm.p.store.get(tid)
        assert record is not None and record.outcome == (None if cut_after == "claim" else "resolved")

        again = await w.http.post(f"{w.base}/v1/agents/me/wrap-up", json=body, headers=bearer("anna"))
        assert again.status_code == 200, again.text  # was: 409 for the claim's 30 s
        record, anna = await w.warm.p.store.get(tid), await agents.get("anna")
        assert record is not None and record.outcome == "resolved" and anna is not None and anna.status == "available"
        kept = await history.get("sess-o")
        assert kept is not None and [n["outcome"] for n in kept["notes"]] == ["resolved"]  # one note, not two
