"""The pure decisions behind Redis coming back empty: the status an agent at a live console gets back
(``telephony/agents/presence.py``) and what a chat continued with a lost session becomes
(``telephony/chat/resume.py``)."""

from __future__ import annotations

import json

import pytest
from redis.asyncio import Redis
from redis.exceptions import ConnectionError as RedisConnectionError

from dialog import catalogue
from telephony.agents.events import EventBus
from telephony.agents.presence import comeback_status
from telephony.agents.repo import AgentState
from telephony.agents.roster import Agent, AgentStatus
from telephony.chat.resume import (
    REQUEUE_PRIORITY,
    lost_kind,
    lost_thread,
    requeue_outcome,
    thread_reply,
)
from telephony.chat.stream import ChatWatch, customer_stream

ANNA = Agent(id="anna", name="Anna", contact="client:anna", queues=("obsluga",), token_sha256="a" * 64)


@pytest.mark.parametrize(
    ("seen", "back"),
    [("available", "available"), ("wrap_up", "wrap_up"), ("busy", "wrap_up"), ("offline", "offline")],
)
def test_an_agent_comes_back_as_last_seen_but_never_busy_without_the_call(seen: AgentStatus, back: str) -> None:
    assert comeback_status(AgentState(ANNA, seen, 0.0, reserved_for="t1" if seen == "busy" else None)) == back


def test_a_lost_thread_keeps_the_id_and_holds_the_exchange() -> None:
    lost = lost_thread("s-1", "chat", "a kiedy dojdzie?", "thread", now=100.0)
    assert lost.session.id == "s-1" and lost.reply == catalogue.CHAT_THREAD_LOST
    assert lost.session.history == [("caller", "a kiedy dojdzie?"), ("bot", catalogue.CHAT_THREAD_LOST)]
    assert lost.session.expects == "text" and lost.session.offer is None  # nothing pending from before
    reply = thread_reply(lost)
    assert reply["session_id"] == "s-1" and reply["action"] == "clarify" and reply["transfer"] is None


def test_only_a_client_in_a_hand_off_with_agents_to_go_back_to_is_requeued() -> None:
    assert lost_kind("t-9", live=True) == "handoff"
    assert lost_kind("t-9", live=False) == "thread"  # no Redis hand-off here: the apology alone
    assert lost_kind(None, live=True) == "thread"
    lost = lost_thread("s-2", "chat", "halo?", "handoff", now=1.0)
    assert lost.reply == catalogue.CHAT_HANDOFF_LOST
    outcome = requeue_outcome("s-2", "obsluga", lost.reply)
    assert outcome.transfer is not None and outcome.transfer.queue == "obsluga"
    assert outcome.transfer.priority == REQUEUE_PRIORITY and not outcome.transfer.emergency


class _Vanished:
    """A hand-off whose record Redis no longer has (the only thing ``customer_stream`` asks here)."""

    async def record(self, tid: str) -> None:
        return None


async def test_a_customer_stream_says_the_hand_off_was_lost_and_how_to_get_it_back() -> None:
    watch = ChatWatch(EventBus(Redis()))  # never started: the stream only registers its wake-up event
    chunks = [c async for c in customer_stream(_Vanished(), watch, "t-1")]  # type: ignore[arg-type]
    status = json.loads(chunks[-1].split("data: ", 1)[1])
    assert status == {
        "status": "ended",
        "transfer_id": "t-1",
        "ended_by": "lost",
        "text": catalogue.CHAT_HANDOFF_LOST_WRITE,
    }


class _DownThenVanished:
    """Redis refuses the first read (an outage), then answers without the record (it came back empty)."""

    def __init__(self) -> None:
        self.reads = 0

    async def record(self, tid: str) -> None:
        self.reads += 1
        if self.reads == 1:
            raise RedisConnectionError("Connection refused")
        return None


async def test_a_customer_stream_stays_open_through_an_outage_then_says_the_hand_off_was_lost() -> None:
    watch = ChatWatch(EventBus(Redis()))
    stream = customer_stream(_DownThenVanished(), watch, "t-2", keepalive_s=0.01)  # type: ignore[arg-type]
    chunks = [c async for c in stream]
    assert chunks[1] == ": store unavailable\n\n"  # not an error after the response started
    assert json.loads(chunks[-1].split("data: ", 1)[1])["ended_by"] == "lost"
