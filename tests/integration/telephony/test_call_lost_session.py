"""A phone call in progress while its Redis loses everything, twice: killed and restarted without persistence,
then flushed (a private redis-server for the test). The call runs the real call loop over the in-memory phone
line of ``tests/support/line.py`` (text-in-PCM caller, tone voice) with the real dialog engine, its sessions
and the call record in that Redis.

What must hold: the caller's "tak" to a question Redis forgot gets the apology asking for the whole question
again (``CALL_THREAD_LOST``), not an answer out of context; the question said again is answered; after the
second loss a question that stands alone is simply answered; one session id all call long, the call never
dropped, each loss counted. No timing is asserted: every step waits for the bot's reply.
"""

from __future__ import annotations

from redis.asyncio import Redis

from dialog import catalogue
from dialog.store import RedisStore, SessionRepo
from telephony.call.deps import record_key
from telephony.call.timing import TurnTiming
from telephony.metrics import Metrics
from tests.support.line import SID, call, harness
from tests.support.lost_session import CALLER, EMPTY, demo_engine, replies, script
from tests.support.redis import RedisServer, own_redis  # noqa: F401  (fixture)

ASKED = "Gdzie jest moja paczka?"
OFFER = "Czy chodzi o zamówienie numer 48213?"  # the demo orders know the caller's number
HOURS = "Jakie są godziny otwarcia sklepu?"


async def test_a_call_goes_on_through_redis_losing_its_session_and_says_so_only_when_it_matters(
    own_redis: RedisServer,  # noqa: F811
) -> None:
    store, metrics, answered = RedisStore(own_redis.url), Metrics(), list[TurnTiming]()
    losses = 0

    async def lose_everything() -> None:
        nonlocal losses
        losses += 1
        if losses == 1:  # a crash, and back without its data
            own_redis.kill()
            own_redis.persist = False
            own_redis.restart()
        else:  # an operator's FLUSHALL, or a replica promoted empty
            flusher = Redis.from_url(own_redis.url)
            await flusher.flushall()
            await flusher.aclose()
        assert await store.ping()

    h = await harness(dialog=demo_engine(store), store=store, metrics=metrics, on_turn=answered.append)
    script(h.line, [ASKED, EMPTY, "tak", ASKED, EMPTY, HOURS], lose_everything, answered)
    try:
        report = await call(h, {"from": CALLER})
        kept = await SessionRepo(store).load(report.session_id)
        record = await store.get(record_key(SID))  # the call's record, written after the losses
    finally:
        await store.close()

    said = replies(report)
    assert said[1] == OFFER and said[2] == catalogue.CALL_THREAD_LOST and said[3] == OFFER
    assert said[4].startswith("Nasze sklepy są otwarte") and losses == 2
    assert report.ended == "caller_hung_up" and not report.errors  # never dropped, never silent
    assert kept is not None and kept.id == report.session_id  # one session id through both losses
    assert kept.slots["thread_lost"] == "fresh" and kept.caller_turns() == [HOURS]
    assert record is not None and record["session_id"] == report.session_id
    count = metrics.registry.get_sample_value
    assert count("infolinia_threads_lost_total", {"channel": "phone", "verdict": "apologise"}) == 1.0
    assert count("infolinia_threads_lost_total", {"channel": "phone", "verdict": "fresh"}) == 1.0
