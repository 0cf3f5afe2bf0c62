"""The customer's messages per live-chat hand-off (``Limiter.hit_handoff``, INFOLINIA_RATE_LIMIT_HANDOFF): each
hand-off counts its own, whichever address they come from; past the rule, the seconds until the next may go."""

from __future__ import annotations

from limits.aio.storage import MemoryStorage

from telephony.access.ratelimit import Limiter, Rules


async def test_each_hand_off_counts_its_own_messages_and_says_when_the_next_may_go() -> None:
    limiter = Limiter(MemoryStorage(), Rules(per_handoff="3/minute;5/hour"))
    assert [await limiter.hit_handoff("t-flood") for _ in range(3)] == [None, None, None]
    retry = await limiter.hit_handoff("t-flood")
    assert retry is not None and 1.0 <= retry <= 60.0
    assert await limiter.hit_handoff("t-other") is None  # another customer's hand-off is not slowed down
    assert await limiter.hit_ip("10.0.0.1") is None  # nor the address's own count (a separate rule)
