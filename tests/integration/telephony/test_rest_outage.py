"""Issue 12 item 6: Twilio REST down (refused, or black-holed past the client's deadline) during a warm
transfer. The transfer ends in ``fallback`` (out of the queue, so nobody is rung for it later), the agent
reserved for it is free again, and the caller hears an apology (on the stream: the pipeline's fail-safe,
or in the room: each hold tick) while the fallback redirect is retried.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from telephony.twilio.rest import TwilioRestError
from tests.support.outage import bearer, form, outage_gateway, spoken, twiml
from tests.support.redis import RedisServer, own_redis  # noqa: F401  (fixture)


async def test_redirect_refused_ends_the_transfer_and_rings_nobody_later(
    own_redis: RedisServer,  # noqa: F811
    tmp_path: Path,
) -> None:
    async with outage_gateway(own_redis, tmp_path, agent_status="wrap_up") as w:
        w.twilio.set_outage("refuse")
        with pytest.raises(TwilioRestError):  # the pipeline apologises and hands over to the fallback number
            await w.start("reklamacje")
        w.twilio.set_outage(None)
        assert await w.warm.p.store.waiting("reklamacje") == []
        done = await w.http.post(f"{w.base}/v1/agents/me/wrap-up", json={"outcome": "ok"}, headers=bearer("anna"))
        assert done.status_code == 200 and done.json()["status"] == "available"
        assert [r for r in w.twilio.drain() if r.kind == "create"] == []  # nobody rung for a caller who left
        anna = await w.gateway.transfer.agents.agents.get("anna")  # type: ignore[union-attr]
        assert anna is not None and anna.status == "available"


async def test_ringing_black_holed_releases_the_agent_and_the_hold_loop_apologises(
    own_redis: RedisServer,  # noqa: F811
    tmp_path: Path,
) -> None:
    async with outage_gateway(own_redis, tmp_path, agent_status="wrap_up", twilio_timeout_s=0.5) as w:
        tid, sid = await w.start("reklamacje")  # in the room, waiting: anna is in wrap-up
        assert await w.status(tid) == "waiting"
        w.twilio.set_outage("blackhole")
        # anna is free: ringing her goes past the REST deadline
        done = await w.http.post(f"{w.base}/v1/agents/me/wrap-up", json={"outcome": "ok"}, headers=bearer("anna"))
        assert done.status_code == 200
        assert await w.status(tid) == "fallback"
        anna = await w.gateway.transfer.agents.agents.get("anna")  # type: ignore[union-attr]
        assert anna is not None and anna.status == "available" and anna.no_answers == 0
        assert "twilio_rest" in (await w.http.get(f"{w.base}/readyz")).json()["degraded"]
        hold = twiml(await w.signed(f"/twilio/transfer/{tid}/hold", form(sid)))
        assert spoken(hold) and hold.find("Redirect") is not None  # apology and music, never silence
        w.twilio.set_outage(None)
