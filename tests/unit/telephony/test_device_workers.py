"""A device's conversation through a Redis outage when its requests land on several workers
(``telephony/speaker/device_turn.py`` over ``dialog/session_keeper.py``), on a real redis-server.

Why: each HTTP worker holds its own copy of a device conversation; a worker whose copy was never written back
(Redis was down at its turn) must not, at a later turn, overwrite what another worker carried the conversation
on to in Redis since: the device heard that worker's replies last.
"""

from __future__ import annotations

from dialog.ports import CallerInfo, Hypothesis
from dialog.store import RedisStore, SessionRepo
from telephony.speaker.device_turn import DeviceThreads
from tests.support.lost_session import demo_engine
from tests.support.redis import RedisServer, own_redis  # noqa: F401  (fixture)

ASKED = "Gdzie jest moja paczka?"
DIGITS = "cztery osiem dwa jeden trzy"
HOURS = "Jakie są godziny otwarcia sklepu?"
VOICE = CallerInfo(channel="voice")


async def test_a_copy_pending_on_one_worker_never_overwrites_what_another_worker_stored_since(
    own_redis: RedisServer,  # noqa: F811
) -> None:
    store = RedisStore(own_redis.url, prefix="dev:")
    dialog = demo_engine(store)
    worker_a, worker_b = DeviceThreads(store_timeout_s=1.0), DeviceThreads(store_timeout_s=1.0)
    first, _ = await worker_a.turn(dialog, None, [Hypothesis(ASKED, 0.9)], VOICE)
    sid = first.session_id
    own_redis.kill()  # down: worker A answers from its copy, which stays pending there
    await worker_a.turn(dialog, sid, [Hypothesis(DIGITS, 0.9)], VOICE)
    own_redis.restart()  # back, with what it had (persisted): the turn before the outage
    await worker_b.turn(dialog, sid, [Hypothesis(HOURS, 0.9)], VOICE)  # the device's next request, on B
    await worker_a.turn(dialog, sid, [Hypothesis("dziękuję", 0.9)], VOICE)  # and the next one on A again
    stored = await SessionRepo(store).load(sid)
    assert stored is not None and stored.id == sid
    assert HOURS in stored.caller_turns()  # B's turn, which the device heard, is not wiped by A's stale copy
    assert stored.caller_turns()[-1] == "dziękuję"
    await store.close()
