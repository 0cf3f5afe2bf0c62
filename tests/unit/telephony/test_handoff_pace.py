"""The customer's messages per live-chat hand-off (``Limiter.hit_handoff``, INFOLINIA_RATE_LIMIT_HANDOFF): each
hand-off counts its own, whichever address they come from; past the rule, the seconds until the next may go."""

from __future__ import annotations

from limits import parse
from limits.aio.storage import MemoryStorage
from limits.aio.strategies import SlidingWindowCounterRateLimiter

from telephony.access.ratelimit import Limiter, Rules
from tests.support.windows import inside_one_window


async def test_each_hand_off_counts_its_own_messages_and_says_when_the_next_may_go() -> None:
    limiter = Limiter(MemoryStorage(), Rules(per_handoff="3/minute;5/hour"))
    await inside_one_window(60.0)  # the four hits in one minute: a minute ending between them lets the fourth by
    assert [await limiter.hit_handoff("t-flood") for _ in range(3)] == [None, None, None]
    retry = await limiter.hit_handoff("t-flood")
    assert retry is not None and 1.0 <= retry <= 60.0
    assert await limiter.hit_handoff("t-other") is None  # another customer's hand-off is not slowed down
    assert await limiter.hit_ip("10.0.0.1") is None  # nor the address's own count (a separate rule)


async def test_each_reply_of_the_agent_s_opens_a_fresh_count_and_a_flood_without_one_stays_capped() -> None:
    limiter = Limiter(MemoryStorage(), Rules(per_handoff="3/hour"))  # hours: no window ends during the test
    assert [await limiter.hit_handoff("t-talk", 0) for _ in range(3)] == [None, None, None]
    assert await limiter.hit_handoff("t-talk", 0) is not None  # no reply yet: still refused
    assert [await limiter.hit_handoff("t-talk", 7) for _ in range(3)] == [None, None, None]  # the agent's seq 7
    assert await limiter.hit_handoff("t-talk", 7) is not None


async def test_a_message_the_hour_refuses_takes_no_minute_slot() -> None:
    storage = MemoryStorage()
    limiter = Limiter(storage, Rules(per_handoff="5/minute;3/hour"))
    answers = [await limiter.hit_handoff("t-hour") for _ in range(5)]
    assert answers[:3] == [None, None, None] and None not in answers[3:]  # the hour's rule refuses the last two
    counter = SlidingWindowCounterRateLimiter(storage)
    minute = await counter.get_window_stats(parse("5/minute"), "handoff", "t-hour", "0")
    assert minute.remaining >= 2  # the two refused took nothing (they used to: the minute's count went on to 5)
