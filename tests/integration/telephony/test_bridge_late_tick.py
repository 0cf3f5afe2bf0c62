"""A hold tick that comes late (sent just before the agent joined, then slow: a busy worker, a Redis failover's
retries) to a caller who is talking to the agent, or has finished talking: f039c72's rule read any tick 30 s after
the claim (or once the transfer completed) as a claim that never became a bridge, so such a tick ended a real
conversation: the transfer 'fallback', the agent's leg hung up, the caller moved to the apology and the fallback
number (after a talk: out of the survey to the fallback number). The agent's joining the room is news of the
bridge (the room's participant-join), and a tick after it changes nothing.

Real parts: the whole gateway over a private redis-server, the Twilio REST stand-in, signed Twilio callbacks
over HTTP (``tests/support/outage.py``).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from dialog.ports import CallerInfo, Outcome, Transfer
from telephony.call.deps import CallContext
from telephony.devtools.faults_world import CALLED, CALLER, FALLBACK
from telephony.transfer.twiml import AGENT_LABEL
from tests.support.outage import form, outage_gateway, twiml
from tests.support.redis import RedisServer, own_redis  # noqa: F401  (fixture)
from tests.support.transfer import NoChannel


@pytest.mark.parametrize("when", ["talking", "after_the_talk"])
async def test_a_late_hold_tick_never_ends_a_real_bridge(
    own_redis: RedisServer,  # noqa: F811
    tmp_path: Path,
    when: str,
) -> None:
    async with outage_gateway(own_redis, tmp_path, agent_status="available") as w:
        tid, sid = await w.start("reklamacje")
        rung = await w.twilio.next("create")
        joined = twiml(await w.signed(f"/twilio/transfer/{tid}/agent/anna/answer", form(rung.call_sid, Digits="1")))
        assert joined.find("Dial/Conference") is not None
        room = {"ConferenceSid": "CF" + "1" * 32, "ParticipantLabel": AGENT_LABEL}
        join = form(rung.call_sid, StatusCallbackEvent="participant-join", SequenceNumber="2", **room)
        assert (await w.signed(f"/twilio/transfer/{tid}/conference", join)).status_code == 200
        record = await w.warm.p.store.get(tid)
        assert record is not None and record.status == "connected" and record.connected_at is not None
        await w.warm.p.store.update(tid, connected_at=record.connected_at - 120)  # two minutes of talk
        if when == "after_the_talk":
            ended = form(rung.call_sid, CallStatus="completed")
            assert (await w.signed(f"/twilio/transfer/{tid}/agent/anna/status", ended)).status_code == 200
        w.twilio.drain()

        await w.signed(f"/twilio/transfer/{tid}/hold", form(sid))  # the late tick
        assert await w.status(tid) == ("connected" if when == "talking" else "completed")
        moved = [r for r in w.twilio.drain() if r.kind == "update"]
        assert not moved, [(r.call_sid, r.get("Status"), r.get("Twiml")) for r in moved]  # nobody hung up or moved
        anna = await w.gateway.transfer.agents.agents.get("anna")  # type: ignore[union-attr]
        assert anna is not None and anna.status == ("busy" if when == "talking" else "wrap_up")
        after = twiml(await w.signed(f"/twilio/transfer/{tid}/after-room", form(sid, DialCallStatus="completed")))
        assert after.findtext("Dial") != FALLBACK  # the end of a talk: no apology and fallback number


async def test_a_second_transfer_of_the_same_call_does_not_inherit_the_first_bridge(
    own_redis: RedisServer,  # noqa: F811
    tmp_path: Path,
) -> None:
    """The same caller transferred again in the same call (a new transfer, a new room): the first room's news of
    the bridge is the first transfer's. A claim on the second that never becomes a bridge is still stranded (the
    caller leaves the silent room for the fallback), and a late tick of the first moves nobody."""
    async with outage_gateway(own_redis, tmp_path, agent_status="available") as w:
        tid, sid = await w.start("reklamacje")
        rung = await w.twilio.next("create")
        await w.signed(f"/twilio/transfer/{tid}/agent/anna/answer", form(rung.call_sid, Digits="1"))
        room = {"ConferenceSid": "CF" + "1" * 32, "ParticipantLabel": AGENT_LABEL}
        join = form(rung.call_sid, StatusCallbackEvent="participant-join", SequenceNumber="2", **room)
        await w.signed(f"/twilio/transfer/{tid}/conference", join)
        await w.signed(f"/twilio/transfer/{tid}/agent/anna/status", form(rung.call_sid, CallStatus="completed"))
        agents = w.gateway.transfer.agents.agents  # type: ignore[union-attr]
        await agents.set_status("anna", "available", expect=("wrap_up",))

        ctx = CallContext(sid, "MZ" + "4" * 32, "sess-o", CallerInfo("phone", CALLER, {"to": CALLED}), [], NoChannel())
        outcome = Outcome("sess-o", "transfer", "Łączę.", transfer=Transfer("reklamacje", "complaint", 0, "Znowu."))
        second = await w.warm.start(ctx, outcome)
        assert second != tid
        again = await w.twilio.next("create")
        await w.signed(f"/twilio/transfer/{second}/agent/anna/answer", form(again.call_sid, Digits="1"))
        record = await w.warm.p.store.get(second)
        assert record is not None and record.status == "connected" and getattr(record, "bridged_at", None) is None
        assert record.connected_at is not None
        await w.warm.p.store.update(second, connected_at=record.connected_at - 120)  # she never joined the room
        w.twilio.drain()

        await w.signed(f"/twilio/transfer/{tid}/hold", form(sid))  # a late tick of the first room
        assert not [r for r in w.twilio.drain() if r.kind == "update"]
        await w.signed(f"/twilio/transfer/{second}/hold", form(sid))
        assert await w.status(second) == "fallback"  # the second claim is stranded, the first bridge not inherited
