"""An agent who goes offline while their phone rings (logout, „Niedostępny”, the API): the caller moves on
at once (``WarmTransfer.agent_left``), not after the ring's timeout. Over a real redis-server, the Twilio
REST stand-in and Twilio's callbacks played by the test; the clock is fake and never moves, so whatever
happens did not wait for a timeout."""

from __future__ import annotations

from typing import Any

from telephony.devtools.twilio_standin import RestRequest
from tests.support.transfer import NOON, Env, agent, answer, ring, xml


async def rung(env: Env, agent_id: str) -> tuple[str, RestRequest]:
    """A caller arrives and ``agent_id``'s phone rings; (transfer id, the agent's call as created)."""
    tid, _ = await env.start()
    await env.twilio.next("update")  # the caller into the room
    return tid, await ring(env, agent_id)


async def leaves(env: Env, tid: str, agent_id: str) -> bool:
    """What ``go_offline`` does for a phone ring (``AgentsDeps.on_left``): offline, then the ring back."""
    await env.agents.set_status(agent_id, "offline")
    return await env.transfer.agent_left(tid, agent_id)


async def test_the_next_agent_rings_and_the_leaver_s_phone_stops(setup: Any) -> None:
    env: Env = await setup([agent("anna"), agent("bartek")])
    tid, leg = await rung(env, "anna")
    assert await leaves(env, tid, "anna")
    made = [(r.kind, r.call_sid if r.kind == "update" else r.get("To"), r.get("Status")) for r in env.twilio.drain()]
    assert made[0][:2] == ("create", "client:bartek") and made[1] == ("update", leg.call_sid, "canceled")
    record = await env.store.get(tid)
    assert record is not None and (record.status, record.agent_id, record.tried_agents) == (
        "ringing",
        "bartek",
        ["anna", "bartek"],
    )
    state = await env.agents.get("anna")
    assert state is not None and (state.status, state.no_answers, state.reserved_for) == ("offline", 0, None)
    assert env.clock.t == NOON

    late = {"CallSid": leg.call_sid, "CallStatus": "canceled"}  # Twilio reports the cancelled leg: no change
    await env.post(leg.get("StatusCallback"), late)
    assert await env.status(tid) == "ringing" and await env.agent_status("bartek") == "busy"
    pressed = xml(await env.post(f"{env.base}/twilio/transfer/{tid}/agent/anna/answer", {"Digits": "1"}))
    assert pressed.find("Dial") is None and pressed.find("Hangup") is not None  # her late "1" bridges nothing
    assert not await env.transfer.agent_left(tid, "anna")  # said twice (two workers): once only


async def test_with_nobody_left_the_caller_is_offered_the_callback_now(setup: Any) -> None:
    env: Env = await setup([agent("anna")])
    tid, leg = await rung(env, "anna")
    assert await leaves(env, tid, "anna")
    made = env.twilio.drain()
    assert (made[0].call_sid, made[0].get("Status")) == (leg.call_sid, "canceled")
    # the caller, out of the room to the offer
    assert made[1].get("Url").endswith(f"/{tid}/callback-offer?queue=reklamacje")
    assert await env.status(tid) == "callback_offered" and env.clock.t == NOON


async def test_a_call_she_already_took_stays_hers(setup: Any) -> None:
    env: Env = await setup([agent("anna"), agent("bartek")])
    tid, _ = await env.start()
    await env.twilio.next("update")
    await answer(env, await ring(env, "anna"), "1")
    assert not await leaves(env, tid, "anna")
    assert await env.status(tid) == "connected" and env.twilio.drain() == []


async def test_a_1_pressed_between_the_read_and_the_switch_keeps_the_call_hers(setup: Any) -> None:
    env: Env = await setup([agent("anna"), agent("bartek")])
    tid, leg = await rung(env, "anna")
    switch = env.store.transition

    async def pressed_first(t: str, status: str, **fields: Any) -> Any:  # her "1" lands just before the switch
        if status == "waiting":
            await switch(t, "connected", expect=("ringing",), connected_at=env.clock.t)
        return await switch(t, status, **fields)

    env.store.transition = pressed_first  # type: ignore[method-assign]
    assert not await leaves(env, tid, "anna")
    record = await env.store.get(tid)
    assert record is not None and (record.status, record.agent_id) == ("connected", "anna")
    assert [r for r in env.twilio.drain() if r.call_sid == leg.call_sid] == []  # her leg is not cancelled
