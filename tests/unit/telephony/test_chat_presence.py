"""Whether a waiting chat customer left (``telephony/chat/presence.py``), decided on scripted records and times:
gone only while waiting, only past the grace since their latest stamp (or the queueing), and the stamps one
worker writes throttled, a new stream at once; the setting's floor keeps the grace above a stream's silences; and a
silence of the gateway's own (a start, Redis out of reach) is never taken for the customer's."""

from __future__ import annotations

import pytest
from pydantic import ValidationError
from redis.exceptions import ConnectionError as RedisConnectionError

from telephony.agents.events import RESYNC, ConsoleEvent
from telephony.chat.presence import LEFT_GRACE_S, SEEN_EVERY_S, SeenStamps, is_gone, last_seen, said_left
from telephony.chat.stream import ChatWatch
from telephony.settings import Settings
from telephony.transfer.record import TransferRecord

GRACE = 150.0


def chat(status: str = "waiting", seen: float | None = None, channel: str = "chat") -> TransferRecord:
    extra = {} if seen is None else {"customer_seen_at": seen}
    return TransferRecord.model_validate(
        {"tid": "t1", "call_sid": "chat:s1", "channel": channel, "queue": "obsluga", "reason": "requested_human",
         "created_at": 1000.0, "enqueued_at": 1000.0, "status": status, **extra}
    )  # fmt: skip


def test_a_customer_never_stamped_is_never_ended_for_it() -> None:
    """No stamp at all: their stream may be open on a worker of an older release (a rolling update), which stamps
    nothing; ending them would end a customer who is there. Their wait still counts from the queueing."""
    assert last_seen(chat()) == 1000.0
    assert not is_gone(chat(), 1000.0 + GRACE + 1, GRACE)
    assert not is_gone(chat(), 1_000_000.0, GRACE)
    assert is_gone(chat(seen=1000.0), 1000.0 + GRACE + 1, GRACE)  # seen once by a worker that stamps: judged
    word = chat()
    word.customer_left_at = 1000.0  # type: ignore[attr-defined]  (a beacon of a page whose stream is elsewhere)
    assert not is_gone(word, 1000.0 + LEFT_GRACE_S + 1, GRACE)


def test_the_latest_stamp_restarts_the_grace() -> None:
    assert not is_gone(chat(seen=1100.0), 1100.0 + GRACE, GRACE)
    assert is_gone(chat(seen=1100.0), 1100.0 + GRACE + 1, GRACE)
    assert is_gone(chat("ringing", seen=1100.0), 1100.0 + GRACE + 1, GRACE)  # offered to an agent: still waiting


@pytest.mark.parametrize(("status", "channel"), [("connected", "chat"), ("abandoned", "chat"), ("waiting", "phone")])
def test_only_a_chat_still_waiting_can_be_left(status: str, channel: str) -> None:
    assert not is_gone(chat(status, channel=channel), 1_000_000.0, GRACE)


def test_stamps_are_throttled_per_hand_off_and_a_new_stream_stamps_at_once() -> None:
    stamps = SeenStamps()
    assert stamps.due("t1", 0.0)
    assert not stamps.due("t1", SEEN_EVERY_S - 1)  # a stream's events, a message: no write each
    assert stamps.due("t2", 1.0)  # another hand-off has its own
    assert stamps.due("t1", 5.0, force=True)  # a stream (re)connected
    assert not stamps.due("t1", 6.0)
    assert stamps.due("t1", 5.0 + SEEN_EVERY_S)
    assert stamps.due("t1", 1.0)  # a clock gone backwards never blocks a stamp for good


def test_the_grace_must_outlast_a_streams_silence() -> None:
    assert Settings().chat_gone_after_s == 150
    assert Settings(chat_gone_after_s=60).chat_gone_after_s == 60
    with pytest.raises(ValidationError, match="greater than or equal to 60"):
        Settings(chat_gone_after_s=30)


def test_a_silence_of_ours_is_not_the_customers() -> None:
    """A worker that just started, or whose watch lost Redis at 1200, ends nobody's wait before 1200 + the grace."""
    assert is_gone(chat(seen=1100.0), 1100.0 + GRACE + 1, GRACE, since=1000.0)
    assert not is_gone(chat(seen=1100.0), 1100.0 + GRACE + 1, GRACE, since=1200.0)
    assert is_gone(chat(seen=1100.0), 1200.0 + GRACE + 1, GRACE, since=1200.0)


async def test_the_watch_says_when_redis_was_out_of_reach() -> None:
    told: list[str] = []

    async def down() -> None:
        raise RedisConnectionError("Connection refused")

    watch = ChatWatch(None, sweep=down, unreachable=lambda: told.append("x"))  # type: ignore[arg-type]
    await watch._sweep()  # the sweep found Redis down
    watch._wake(ConsoleEvent(RESYNC, None, None, {}))  # the subscription came back after losing events
    watch._wake(ConsoleEvent("chat_message", None, "t1", {}))  # an ordinary event says nothing
    assert told == ["x", "x"]


def test_a_page_that_said_it_went_has_a_shorter_grace_until_it_is_seen_again() -> None:
    left = chat(seen=1100.0)
    left.customer_left_at = 1120.0  # type: ignore[attr-defined]  (a field of the record's extra keys)
    assert said_left(left) == 1120.0
    assert not is_gone(left, 1120.0 + LEFT_GRACE_S, GRACE)  # counted from the word, not the last stamp
    assert is_gone(left, 1120.0 + LEFT_GRACE_S + 1, GRACE)
    assert not is_gone(left, 1120.0 + LEFT_GRACE_S + 1, GRACE, since=1150.0)  # our own silence still counts
    back = chat(seen=1121.0)  # the reloaded page's stream, after the word
    back.customer_left_at = 1120.0  # type: ignore[attr-defined]
    assert said_left(back) is None and not is_gone(back, 1120.0 + LEFT_GRACE_S + 1, GRACE)
    assert is_gone(left, 1120.0 + 31, 30.0)  # never longer than the configured grace
