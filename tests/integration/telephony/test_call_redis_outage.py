"""A phone call in progress while its Redis is down for a turn: killed, then restarted with its data (a private
redis-server with an fsynced append-only file), and then stopped (SIGSTOP: connections open, nothing answers)
and continued. The call runs the real call loop over the in-memory phone line of ``tests/support/line.py``
(text-in-PCM caller, tone voice) with the real dialog engine, its sessions and the call record in that Redis.

What must hold: the turn during each outage goes on from the call's own copy of its session
(``dialog/session_keeper.py``): the order number the bot asked for while Redis was dead is understood after
it, the order asked about again while Redis stalled is known, and "tak" to the "anything else?" asked then is
answered after it; the call keeps one session id, and that session, with every turn, is in Redis when the call
ends; the caller is never told the thread was lost (it was not), never dropped. No timing is asserted: every
step waits for the bot's reply; a stalled Redis is waited for only the call's ``session_timeout_s``.
"""

from __future__ import annotations

from dialog import catalogue
from dialog.store import RedisStore, SessionRepo
from telephony.call.deps import record_key
from telephony.call.timing import TurnTiming
from tests.support.line import SID, call, harness
from tests.support.lost_session import CALLER, EMPTY, demo_engine, replies, script
from tests.support.redis import RedisServer, own_redis  # noqa: F401  (fixture)

ASKED = "Gdzie jest moja paczka?"
OFFER = "Czy chodzi o zamówienie numer 48213?"  # the demo orders know the caller's number
ANSWERED = "Zamówienie numer 48213 zostało wysłane."
DIGITS = "cztery osiem dwa jeden trzy"


async def test_a_call_keeps_its_session_through_redis_killed_and_stalled_between_turns(
    own_redis: RedisServer,  # noqa: F811
) -> None:
    store, answered, steps = RedisStore(own_redis.url), list[TurnTiming](), list[str]()

    async def outage() -> None:  # down before a turn, back after it: killed, then stalled
        steps.append("step")
        if len(steps) == 1:
            own_redis.kill()
        elif len(steps) == 2:
            own_redis.restart()  # the same port and data (persist)
            assert await store.ping()
        elif len(steps) == 3:
            own_redis.pause()
        else:
            own_redis.resume()

    dialog = demo_engine(store)
    h = await harness(dialog=dialog, store=store, on_turn=answered.append, session_timeout_s=0.5)
    script(h.line, [ASKED, EMPTY, "nie", EMPTY, DIGITS, EMPTY, ASKED, EMPTY, "tak"], outage, answered)
    try:
        report = await call(h, {"from": CALLER})
        kept = await SessionRepo(store).load(report.session_id)
        record = await store.get(record_key(SID))
    finally:
        await store.close()

    said = replies(report)
    assert said[1] == OFFER and said[2] == catalogue.ASK_ORDER_NUMBER  # "nie" with Redis killed: from the copy
    assert said[3].startswith(ANSWERED)  # after the restart: the number the outage turn asked for, understood
    assert said[4].startswith(ANSWERED)  # asked again with Redis stalled: the order known from the copy
    assert said[5] == catalogue.HOW_CAN_I_HELP  # after it: "tak" to "Czy mogę pomóc w czymś jeszcze?"
    assert catalogue.CALL_THREAD_LOST not in said and len(steps) == 4
    assert report.ended == "caller_hung_up" and not report.errors  # never dropped, never silent
    assert kept is not None and kept.id == report.session_id  # one session id through both outages
    assert kept.caller_turns()[:2] == [ASKED, "nie"] and len(kept.caller_turns()) == 5  # every turn, in Redis
    assert record is not None and record["session_id"] == report.session_id
