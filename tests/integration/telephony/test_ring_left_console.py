"""anna logs out at her console while her phone rings for a caller: the whole gateway (``outage_gateway``:
the product's wiring over a private redis-server and the Twilio REST stand-in). Her ring is cancelled and,
with nobody else staffing the queue, the caller is offered the callback at once. Before, her phone rang on
(the chat hand-off took the ring back as if it were a chat offer) and the caller held in the room with
nobody left to answer, until the queue's maximum wait."""

from __future__ import annotations

from pathlib import Path

from tests.support.live_console import FETCH, console
from tests.support.outage import outage_gateway
from tests.support.redis import RedisServer, own_redis  # noqa: F401  (fixture)


async def test_logging_out_while_rung_moves_the_caller_on_at_once(own_redis: RedisServer, tmp_path: Path) -> None:  # noqa: F811
    async with outage_gateway(own_redis, tmp_path) as w, console(w) as anna:
        went = await anna.client.post("/agents/status", data={"status": "available"}, headers=FETCH)
        assert went.status_code == 200, went.text
        tid, caller = await w.start("reklamacje")
        assert (await w.twilio.next("update")).call_sid == caller  # into the room
        leg = await w.twilio.next("create")
        assert leg.get("To") == "client:anna" and await w.status(tid) == "ringing"

        assert (await anna.client.post("/agents/logout")).status_code == 303

        cancelled, moved = await w.twilio.next(), await w.twilio.next()
        assert (cancelled.call_sid, cancelled.get("Status")) == (leg.call_sid, "canceled")
        assert moved.call_sid == caller and moved.get("Url").endswith(f"/{tid}/callback-offer?queue=reklamacje")
        assert await w.status(tid) == "callback_offered"
        state = await w.gateway.transfer.agents.agents.get("anna")  # type: ignore[union-attr]
        assert state is not None and (state.status, state.reserved_for) == ("offline", None)
