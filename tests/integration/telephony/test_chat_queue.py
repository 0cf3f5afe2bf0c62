"""One engine, one queue: chat hand-offs and phone callers in the same Redis queue, served in one order by
the warm transfer's one dispatch (a phone caller is rung, a chat is offered in the console), with the
chat's decline, lapsed offer and business hours, on a real redis-server and a fake clock."""

from __future__ import annotations

from typing import Any

from dialog.ports import Outcome, Transfer
from telephony.agents.events import EventBus
from telephony.agents.waits import HandlingStats
from telephony.chat.handoff import ChatConfig, ChatHandoff, HandoffParts
from telephony.chat.models import ChatRequest, LiveChat
from telephony.chat.presence import LEFT_GRACE_S, SEEN_EVERY_S
from telephony.chat.store import ChatLog
from telephony.chat.stream import ChatWatch, customer_stream
from telephony.chat.turn import _to_agent
from telephony.console.deps import build_agents_deps
from telephony.console.queues import queue_view
from tests.support.transfer import Env, agent, ring

QUEUE = "reklamacje"


def handoff_for(env: Env) -> ChatHandoff:
    """The chat hand-off over the env's warm transfer (its store, agents, clock and dispatch)."""
    parts = HandoffParts(
        store=env.store,
        agents=env.agents,
        events=EventBus(env.redis, prefix=env.prefix),
        stats=HandlingStats(env.redis, prefix=env.prefix),
        hours=env.transfer.p.hours,
        log=ChatLog(env.store),
        dispatch=env.transfer.dispatch_queues,
        clock=env.clock,
    )
    return ChatHandoff(ChatConfig(offer_timeout_s=30.0), parts)


def chat_outcome(session_id: str) -> Outcome:
    return Outcome(session_id, "transfer", "Łączę.", transfer=Transfer(QUEUE, "complaint", 0, "Czajnik z czatu."))


async def test_phone_and_chat_wait_in_one_queue_and_are_served_in_arrival_order(setup: Any) -> None:
    env: Env = await setup([agent("anna", "wrap_up"), agent("bartek", "wrap_up")])
    chat = handoff_for(env)
    phone_tid, _ = await env.start(queue=QUEUE)  # nobody free: the caller waits
    await env.twilio.next("update")
    env.clock.t += 5
    view = await chat.start("sess-chat", chat_outcome("sess-chat"))
    assert view["status"] == "waiting" and view["position"] == 2  # behind the phone caller
    deps = build_agents_deps(env.redis, prefix=env.prefix, hours=env.transfer.p.hours, clock=env.clock)
    queue = await queue_view(deps, QUEUE)
    assert [(w["channel"], w["position"]) for w in queue["waiting"]] == [("phone", 1), ("chat", 2)]
    assert queue["waiting"][1]["session_id"] == "sess-chat" and queue["waiting"][1]["estimate_text"]

    await env.agents.finish_wrap_up("anna")
    await env.transfer.dispatch_queues([QUEUE])
    await ring(env, "anna")  # the phone caller, who came first, is rung
    assert await env.status(phone_tid) == "ringing" and await env.status(view["transfer_id"]) == "waiting"
    await env.agents.finish_wrap_up("bartek")
    await env.transfer.dispatch_queues([QUEUE])
    record = await env.store.get(view["transfer_id"])
    assert record is not None and (record.status, record.agent_id) == ("ringing", "bartek")
    assert env.twilio.drain() == []  # a chat is offered in the console, never dialled


async def test_declined_and_lapsed_offers_go_to_the_next_agent(setup: Any) -> None:
    env: Env = await setup([agent("anna"), agent("bartek"), agent("celina")])
    chat = handoff_for(env)
    tid = (await chat.start("sess-2", chat_outcome("sess-2")))["transfer_id"]
    offered = await env.store.get(tid)
    assert offered is not None and offered.agent_id == "anna"  # longest idle
    assert await chat.accept(tid, "bartek") == "not_offered"
    assert await chat.decline(tid, "anna")
    assert await env.agent_status("anna") == "available"
    offered = await env.store.get(tid)
    assert offered is not None and (offered.status, offered.agent_id) == ("ringing", "bartek")

    env.clock.t += 29
    assert await chat.expire_offers() == 0  # not yet
    env.clock.t += 2
    assert await chat.expire_offers() == 1  # bartek let it lapse: celina gets it
    offered = await env.store.get(tid)
    assert offered is not None and (offered.status, offered.agent_id) == ("ringing", "celina")
    bartek = await env.agents.get("bartek")
    assert bartek is not None and bartek.status == "available" and bartek.no_answers == 1
    assert await chat.accept(tid, "bartek") == "not_offered"  # a late click takes nothing
    assert await chat.accept(tid, "celina") == "ok"
    assert await chat.end(tid, "customer")
    assert await env.agent_status("celina") == "wrap_up"
    messages = await chat.messages(tid)
    assert [m["from"] for m in messages] == ["system", "system"]  # joined, ended
    assert [m["seq"] for m in messages] == [1, 2]


async def test_a_closed_queue_takes_no_chat(setup: Any) -> None:
    env: Env = await setup([agent("anna")], hours="pn-pt 8:00-9:00")  # the clock says noon, a Wednesday
    chat = handoff_for(env)
    view = await chat.start("sess-3", chat_outcome("sess-3"))
    assert view["status"] == "unavailable" and view["opens_text"] == "jutro od 8:00"  # when to write again
    assert await env.store.waiting(QUEUE) == []
    assert await chat.active("sess-3") is None


async def test_a_lapsed_offer_comes_back_to_the_only_free_agent(setup: Any) -> None:
    """piotr alone on duty lets the offer lapse: the chat is his again at once, not parked for good (a
    second lapse in a row takes him offline, like missed rings; back available, he is offered it again)."""
    env: Env = await setup([agent("piotr")])
    chat = handoff_for(env)
    tid = (await chat.start("sess-4", chat_outcome("sess-4")))["transfer_id"]
    env.clock.t += 31
    assert await chat.expire_offers() == 1
    offered = await env.store.get(tid)
    assert offered is not None and (offered.status, offered.agent_id) == ("ringing", "piotr")
    env.clock.t += 31
    assert await chat.expire_offers() == 1
    assert await env.agent_status("piotr") == "offline" and await env.status(tid) == "waiting"
    await env.agents.set_status("piotr", "available")
    await env.transfer.dispatch_queues([QUEUE])
    assert await env.status(tid) == "ringing" and await chat.accept(tid, "piotr") == "ok"


async def test_the_only_free_agent_who_declines_gets_a_pause_before_the_chat_comes_back(setup: Any) -> None:
    """„Odrzuć” by the only agent on duty offered the chat straight back to them (a review): it waits
    ``DECLINE_PAUSE_S`` for someone else, then the sweep offers it to them again (never parked for good)."""
    env: Env = await setup([agent("anna")])
    chat = handoff_for(env)
    tid = (await chat.start("sess-7", chat_outcome("sess-7")))["transfer_id"]
    assert await chat.decline(tid, "anna")
    assert await env.status(tid) == "waiting" and await env.agent_status("anna") == "available"
    env.clock.t += 10
    await chat.expire_offers()
    assert await env.status(tid) == "waiting"  # still within the pause
    env.clock.t += 25
    await chat.expire_offers()
    offered = await env.store.get(tid)
    assert offered is not None and (offered.status, offered.agent_id) == ("ringing", "anna")


async def test_when_everyone_declined_a_new_round_starts_with_who_declined_first(setup: Any) -> None:
    env: Env = await setup([agent("anna"), agent("bartek")])
    chat = handoff_for(env)
    tid = (await chat.start("sess-5", chat_outcome("sess-5")))["transfer_id"]
    assert await chat.decline(tid, "anna")
    env.clock.t += 1
    assert await chat.decline(tid, "bartek")  # both tried and both just declined: each has a pause
    assert await env.status(tid) == "waiting"
    env.clock.t += 30
    await chat.expire_offers()  # round again, anna idle the longest
    offered = await env.store.get(tid)
    assert offered is not None and (offered.status, offered.agent_id) == ("ringing", "anna")


async def test_the_sweep_offers_a_waiting_chat_to_an_agent_freed_without_a_dispatch(setup: Any) -> None:
    """The chats' safety net (they have no hold loop): a free agent is found at the next sweep."""
    env: Env = await setup([agent("anna", "offline")])
    await env.agents.set_status("anna", "wrap_up", expect=())  # staffed, not free: the chat waits
    chat = handoff_for(env)
    tid = (await chat.start("sess-6", chat_outcome("sess-6")))["transfer_id"]
    assert await env.status(tid) == "waiting"
    await env.agents.finish_wrap_up("anna")  # a path that did not dispatch
    assert await chat.expire_offers() == 0
    offered = await env.store.get(tid)
    assert offered is not None and (offered.status, offered.agent_id) == ("ringing", "anna")


async def test_an_agent_gone_offline_is_not_made_available_by_the_lapse_of_their_offer(setup: Any) -> None:
    env: Env = await setup([agent("anna")])
    chat = handoff_for(env)
    tid = (await chat.start("sess-7", chat_outcome("sess-7")))["transfer_id"]
    await env.agents.set_status("anna", "offline")  # over the API, say, while the chat was offered
    env.clock.t += 31
    assert await chat.expire_offers() == 1
    assert await env.agent_status("anna") == "offline" and await env.status(tid) == "waiting"


class WaitsSeen:
    """The metrics the hand-off reports its waits to (``Metrics.chat_waited`` and friends), as recorded."""

    def __init__(self) -> None:
        self.waited: list[tuple[str, float]] = []
        self.ended: list[str] = []

    def chat_waited(
        self, queue: str, outcome: str, seconds: float, agent: str | None, conversation: str, *, began_ago: float
    ) -> None:
        self.waited.append((outcome, seconds))

    def chat_handoff_ended(self, queue: str, outcome: str) -> None:
        self.ended.append(outcome)

    def chat_handoff(self, queue: str, result: str) -> None:
        pass


async def test_a_customer_who_left_waited_until_last_seen_not_until_the_sweep_noticed(setup: Any) -> None:
    """The wait of a customer who closed the window ends where they were last seen: the grace the sweep gives
    them is not their wait (the abandoned waits' histogram, as a phone caller's hang-up is at once)."""
    env: Env = await setup([agent("anna", "wrap_up")])  # staffed, nobody free: the chat waits
    chat = handoff_for(env)
    chat.p.metrics = seen = WaitsSeen()
    tid = (await chat.start("sess-8", chat_outcome("sess-8")))["transfer_id"]
    env.clock.t += 40
    record = await env.store.get(tid)
    assert record is not None
    await chat.seen(record, force=True)  # their stream, 40 s into the wait; then the tab closed
    env.clock.t += chat.cfg.gone_after_s + 1
    await chat.expire_offers()
    assert await env.status(tid) == "abandoned" and seen.ended == ["abandoned"]
    assert seen.waited == [("abandoned", 40.0)]


async def test_a_message_written_as_the_sweep_ends_the_wait_is_the_bots_not_lost_in_the_ended_chat(setup: Any) -> None:
    """The customer back after the grace (their phone slept) writes just as a sweep ends their wait as gone: the
    sweep lands between this worker's read of the hand-off (still waiting) and its write of the message. The
    message must not go into the ended chat (nobody reads it: its history was kept without it) with a reply
    saying they still wait; it is answered as any message after the wait ended (the bot's turn)."""
    env: Env = await setup([agent("anna", "wrap_up")])  # staffed, nobody free: the chat waits
    chat = handoff_for(env)
    tid = (await chat.start("sess-9", chat_outcome("sess-9")))["transfer_id"]
    record = await env.store.get(tid)
    assert record is not None
    await chat.seen(record, force=True)  # their stream; then the phone slept
    env.clock.t += chat.cfg.gone_after_s + 1

    async def another_workers_sweep(transfer_id: str, replied: int) -> float | None:
        await chat.expire_offers()  # (the message rate is asked between the read and the write)
        return None

    live = LiveChat(chat, ChatWatch(chat.p.events), pace=another_workers_sweep)
    forwarded = await _to_agent(ChatRequest(session_id="sess-9", text="Jestem, nadal czekam"), live)
    assert await env.status(tid) == "abandoned"
    assert forwarded is None  # the bot's turn answers it (and the stream says how to ask for an agent again)


async def test_a_customer_whose_page_said_it_went_waited_until_that_word(setup: Any) -> None:
    """The widget's beacon as the page went (``/left``) is the latest sign of the customer, later than their last
    stamp (a stream stamps every 15 to 30 s): their wait ends there, not up to 30 s earlier."""
    env: Env = await setup([agent("anna", "wrap_up")])
    chat = handoff_for(env)
    chat.p.metrics = seen = WaitsSeen()
    tid = (await chat.start("sess-10", chat_outcome("sess-10")))["transfer_id"]
    env.clock.t += 40
    record = await env.store.get(tid)
    assert record is not None
    await chat.seen(record, force=True)  # their stream, 40 s into the wait
    env.clock.t += 12
    await chat.left(record)  # the tab closed 52 s into the wait, before the stream's next stamp
    env.clock.t += LEFT_GRACE_S + 1
    await chat.expire_offers()
    assert await env.status(tid) == "abandoned"
    assert seen.waited == [("abandoned", 52.0)]


async def test_an_open_stream_with_no_events_keeps_stamping_the_customer(setup: Any) -> None:
    """A waiting customer's stream that carries nothing (no message, no status change) still says they are there:
    each keep-alive tick re-reads the hand-off and stamps it once ``SEEN_EVERY_S`` has passed, so a quiet open
    stream is never taken for a closed tab, however long it stays open."""
    env: Env = await setup([agent("anna", "wrap_up")])  # staffed, nobody free: the chat waits
    chat = handoff_for(env)
    tid = (await chat.start("sess-11", chat_outcome("sess-11")))["transfer_id"]
    stream = customer_stream(chat, ChatWatch(chat.p.events), tid, keepalive_s=0.05)
    try:
        assert (await anext(stream)).startswith("retry:")
        assert (await anext(stream)).startswith("event: status")  # its first tick: stamped at once
        assert await _seen_at(env, tid) == env.clock.t
        for _ in range(2 * round(chat.cfg.gone_after_s / SEEN_EVERY_S)):  # twice the grace, no event at all
            env.clock.t += SEEN_EVERY_S
            assert await anext(stream) == ": keep-alive\n\n"  # (the tick's read and stamp came before it)
            assert await anext(stream) == ": keep-alive\n\n"
            assert await _seen_at(env, tid) == env.clock.t
        await chat.expire_offers()
        assert await env.status(tid) == "waiting"
    finally:
        await stream.aclose()


async def _seen_at(env: Env, tid: str) -> float | None:
    record = await env.store.get(tid)
    assert record is not None
    return getattr(record, "customer_seen_at", None)


async def test_an_offer_whose_customer_is_gone_is_taken_back_and_the_agent_gets_the_next_chat(setup: Any) -> None:
    """A chat offered to anna (ringing) whose customer is gone before she answers: the sweep ends it, anna is
    free again at once (no missed offer counted against her) and is offered the chat waiting behind it; her late
    „Akceptuj” connects her to nobody."""
    env: Env = await setup([agent("anna")])
    chat = handoff_for(env)
    chat.p.metrics = waits = WaitsSeen()
    first = (await chat.start("sess-12", chat_outcome("sess-12")))["transfer_id"]
    offered = await env.store.get(first)
    assert offered is not None and (offered.status, offered.agent_id) == ("ringing", "anna")
    reserved = await env.agent_status("anna")  # as an offer in her console leaves her
    await chat.seen(offered, force=True)  # their stream; then the tab closed
    env.clock.t += 5
    second = (await chat.start("sess-13", chat_outcome("sess-13")))["transfer_id"]  # waits behind it
    record = await env.store.get(second)
    assert record is not None and record.status == "waiting"
    await chat.seen(record, force=True)
    env.clock.t += chat.cfg.gone_after_s - 4  # the first customer's grace is over, the second's not
    assert await chat.expire_offers() == 0  # ended as gone, not a lapsed offer of anna's
    assert await env.status(first) == "abandoned" and waits.ended == ["abandoned"]
    assert await chat.accept(first, "anna") == "gone"
    again = await env.store.get(second)
    assert again is not None and (again.status, again.agent_id) == ("ringing", "anna")
    assert await env.agent_status("anna") == reserved
    state = await env.agents.get("anna")
    assert state is not None and state.no_answers == 0 and state.reserved_for == second  # no missed offer counted
