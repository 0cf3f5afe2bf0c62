"""A Home Assistant conversation with the Wyoming server over real TCP (the ``wyoming`` package's own client,
a new connection per utterance, as Home Assistant opens them) while its Redis fails between turns: killed and
restarted with its data (an outage), then killed and restarted without it (empty). A private redis-server
holds the conversation's record and dialog session; the real dialog engine answers.

What must hold: the turn during the outage goes on from the server's own copies (the order number asked
for is understood) and reaches Redis once it is back; after Redis came back empty, "a ile to kosztuje?"
gets ``CALL_THREAD_LOST`` (the whole question again) and a question that stands alone is answered; one
session id all conversation long. No timing is asserted: each step waits for the server's reply.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from wyoming.asr import Transcript
from wyoming.client import AsyncTcpClient
from wyoming.event import Event

from dialog import catalogue
from dialog.store import RedisStore, SessionRepo
from telephony.speaker.conversation import CONVERSATION_KEY
from telephony.speaker.server import start_wyoming
from tests.support.lost_session import demo_engine
from tests.support.redis import RedisServer, own_redis  # noqa: F401  (fixture)
from tests.support.servers import free_port
from tests.support.speaker import services_with

CONVERSATION = "01JHA5SPEAKERKITCHEN"  # Home Assistant's conversation id for the satellite
ASKED = "Gdzie jest moja paczka?"
DIGITS = "cztery osiem dwa jeden trzy"
ANSWERED = "Zamówienie numer 48213 zostało wysłane."
FOLLOW_UP = "a ile to kosztuje?"
HOURS = "Jakie są godziny otwarcia sklepu?"


@asynccontextmanager
async def serving(store: RedisStore) -> AsyncIterator[int]:
    port = free_port()
    server = await start_wyoming(f"tcp://127.0.0.1:{port}", services_with(demo_engine(store), store))
    try:
        yield port
    finally:
        await server.stop()


async def ask(port: int, text: str) -> Event:
    """One utterance on a new connection, as Home Assistant sends it: the reply (``handled``)."""
    async with AsyncTcpClient("127.0.0.1", port) as client:
        await client.write_event(Transcript(text, context={"conversation_id": CONVERSATION}).event())
        while True:
            event = await client.read_event()
            assert event is not None, "the server closed without a reply"
            if event.type in ("handled", "not-handled"):
                return event


async def test_a_speaker_conversation_through_redis_down_then_back_empty(own_redis: RedisServer) -> None:  # noqa: F811
    store = RedisStore(own_redis.url)
    try:
        async with serving(store) as port:
            said = [await ask(port, ASKED)]
            own_redis.kill()  # down: the next turn goes on from the server's copies
            said.append(await ask(port, DIGITS))
            own_redis.restart()  # back, with its data
            assert await store.ping()
            said.append(await ask(port, "tak"))
            session_id = said[0].data["context"]["infolinia_session_id"]
            during = await SessionRepo(store).load(session_id)
            own_redis.kill()
            own_redis.persist = False
            own_redis.restart()  # back empty: the conversation's record and session gone
            assert await store.ping() and await store.get(CONVERSATION_KEY.format(CONVERSATION)) is None
            said += [await ask(port, FOLLOW_UP), await ask(port, HOURS)]
            after = await SessionRepo(store).load(session_id)
            record = await store.get(CONVERSATION_KEY.format(CONVERSATION))
    finally:
        await store.close()

    texts = [event.data["text"] for event in said]
    assert texts[0] == catalogue.ASK_ORDER_NUMBER and texts[1].startswith(ANSWERED)
    assert texts[2] == catalogue.HOW_CAN_I_HELP  # "tak" to "Czy mogę pomóc w czymś jeszcze?" asked in the outage
    assert during is not None and during.caller_turns() == [ASKED, DIGITS, "tak"]  # the outage's turn in Redis
    assert texts[3] == catalogue.CALL_THREAD_LOST and texts[4].startswith("Nasze sklepy są otwarte")
    assert {event.data["context"]["infolinia_session_id"] for event in said} == {session_id}
    assert after is not None and after.caller_turns() == [FOLLOW_UP, HOURS] and after.slots["thread_lost"] == "thread"
    assert record is not None and record["session_id"] == session_id
