"""A Home Assistant conversation with the Wyoming server while its Redis is *stalled* (SIGSTOPped: the kernel
accepts connections, nobody answers), over real TCP with the ``wyoming`` package's own client, the server
built by its composition root (``telephony/app/speaker.py``, ``infolinia wyoming``) on a private redis-server.

Found by a review: the HTTP app's store-health breaker (``telephony/store_health.py``) spared chats and device
turns the timeouts after the first, but the Wyoming server had none: every turn of a stall waited a read and
two writes on Redis (6.0 s, then 3.0 s a turn, with 1.5 s timeouts). Now the server's own breaker opens on the
first timeout, the turns inside the back-off answer at once from the server's copies (still a spoken answer),
and its watcher closes the breaker once Redis answers again. Bounds as in ``test_speaker_redis_stall.py``: each
command that waits on the stalled Redis takes a whole ``TIMEOUT_S``, so under one means none did.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from wyoming.asr import Transcript
from wyoming.client import AsyncTcpClient

from dialog import catalogue
from dialog.store import RedisStore, SessionRepo
from telephony.app.services import Services
from telephony.app.speaker import build_speaker, close_speaker
from telephony.settings import Settings
from telephony.speaker.callback import no_callback_reply
from telephony.speaker.conversation import CONVERSATION_KEY
from telephony.speaker.server import start_wyoming
from tests.support.access import settings_for
from tests.support.redis import RedisServer, own_redis  # noqa: F401  (fixture)
from tests.support.servers import free_port

CONVERSATION = "01JHA5SPEAKERSTALL"
ASKED = "Gdzie jest moja paczka?"
DIGITS = "cztery osiem dwa jeden trzy"
ANSWERED = "Zamówienie numer 48213 zostało wysłane."
PERSON = "chcę rozmawiać z konsultantem"
HOTLINE = "+48221112233"
TIMEOUT_S = 1.5  # the Redis client's and the conversations' (INFOLINIA_CALL_SESSION_TIMEOUT_S) limit
ONE_WAIT_S = 2 * TIMEOUT_S - 0.1  # faster than this: at most one command waited on the stalled Redis
NO_WAIT_S = TIMEOUT_S - 0.1  # faster than this: no command waited on the stalled Redis
CLOSED_WITHIN_S = 20.0  # the watcher pings every second; the back-off alone would last 60 s


@asynccontextmanager
async def speaker_server(settings: Settings) -> AsyncIterator[tuple[int, Services]]:
    """``infolinia wyoming``'s services (breaker and watcher included) served on a free port."""
    services = await build_speaker(settings)
    port = free_port()
    server = await start_wyoming(f"tcp://127.0.0.1:{port}", services)
    try:
        yield port, services
    finally:
        await server.stop()
        await close_speaker(services)


async def ask(port: int, text: str) -> tuple[str, str, float]:
    """One utterance on a new connection, as Home Assistant sends it: the event type, its text, and the time
    the reply took."""
    began = time.monotonic()
    async with AsyncTcpClient("127.0.0.1", port) as client:
        await client.write_event(Transcript(text, context={"conversation_id": CONVERSATION}).event())
        while True:
            event = await client.read_event()
            assert event is not None, "the server closed without a reply"
            if event.type in ("handled", "not-handled"):
                return event.type, str(event.data["text"]), time.monotonic() - began


async def closed(services: Services) -> bool:
    """The breaker closed by the server's watcher, waited for at most ``CLOSED_WITHIN_S``."""
    deadline = time.monotonic() + CLOSED_WITHIN_S
    while services.health is not None and services.health.stalled and time.monotonic() < deadline:
        await asyncio.sleep(0.1)
    return services.health is not None and not services.health.stalled


async def test_a_stalled_redis_costs_a_wyoming_conversation_one_timeout_and_the_watcher_closes_the_breaker(
    own_redis: RedisServer,  # noqa: F811
    tmp_path: Path,
) -> None:
    settings = settings_for(own_redis.url, tmp_path, call_session_timeout_s=TIMEOUT_S, redis_timeout_s=TIMEOUT_S,
                            recovery_interval_s=60.0, fallback_number=HOTLINE)  # fmt: skip
    async with speaker_server(settings) as (port, services):
        before = await ask(port, ASKED)
        own_redis.pause()
        try:
            first = await ask(port, DIGITS)  # its record read times out: the breaker opens
            stalled = services.health is not None and services.health.stalled
            second, person = await ask(port, "tak"), await ask(port, PERSON)
        finally:
            own_redis.resume()
        assert await closed(services), "the watcher did not close the breaker after SIGCONT"
        after = await ask(port, ASKED)
    assert stalled
    assert before[1] == catalogue.ASK_ORDER_NUMBER
    assert first[0] == "handled" and first[1].startswith(ANSWERED)  # the number asked for before the stall
    assert first[2] < ONE_WAIT_S, f"the first turn of the stall waited {first[2]:.2f} s: more than one timeout"
    assert second[:2] == ("handled", catalogue.HOW_CAN_I_HELP)  # spoken, from the server's copies
    assert person[:2] == ("handled", no_callback_reply(HOTLINE))  # no callback nobody could book: the hotline
    for turn in (second, person):
        assert turn[2] < NO_WAIT_S, f"a turn inside the back-off waited {turn[2]:.2f} s on the stalled Redis"
    assert after[0] == "handled" and after[1].startswith(ANSWERED)  # the conversation went on, Redis again
    store = RedisStore(own_redis.url, prefix=settings.redis_prefix)
    try:
        record = await store.get(CONVERSATION_KEY.format(CONVERSATION))
        assert record is not None and isinstance(record["session_id"], str)
        kept = await SessionRepo(store).load(record["session_id"])
    finally:
        await store.close()
    assert kept is not None and kept.caller_turns() == [ASKED, DIGITS, "tak", PERSON, ASKED]  # the stall's too
