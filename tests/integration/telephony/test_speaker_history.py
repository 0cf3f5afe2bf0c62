"""A smart speaker's conversation in the history, on real Redis with the real dialog engine: what the
speaker said instead of a transfer, the callback exchange it handled itself, the number given (an agent
looks the conversation up by it), and how it ended; a declined offer counts no transfer, a booked one does."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest

from dialog import catalogue
from dialog.engine import DialogEngine
from dialog.engine_config import EngineConfig
from dialog.factory import bundled
from dialog.kb import load_kb
from dialog.store import RedisStore, SessionRepo
from telephony.agents.callbacks_redis import RedisCallbacks
from telephony.history.store import HistoryStore
from telephony.history.view import OUTCOME_LABELS
from telephony.insights.kpis import KpiStore
from telephony.insights.recorder import TurnKpis
from telephony.speaker.conversation import SpeakerConversations
from tests.support.agents import new_prefix, redis_client

TRANSFER = catalogue.TRANSFER["requested_human"]  # what the engine says; the speaker says otherwise


@dataclass
class World:
    speaker: SpeakerConversations
    engine: DialogEngine
    history: HistoryStore
    kpis: KpiStore
    book: RedisCallbacks

    async def say(self, *turns: str, conversation: str) -> None:
        for text in turns:
            await self.speaker.turn(text, conversation)
        await self.engine.logs.drain()


@pytest.fixture
async def world(redis_url: str) -> AsyncIterator[World]:
    prefix, redis = new_prefix(), redis_client(redis_url)
    store = RedisStore(redis_url, prefix=prefix)
    history = HistoryStore(redis, prefix)
    engine = DialogEngine(load_kb(bundled("kb.yaml")), None, SessionRepo(store), EngineConfig(), history=history)
    kpis = KpiStore(redis, prefix=prefix)
    book = RedisCallbacks(redis, prefix=prefix)
    speaker = SpeakerConversations(engine, store, callbacks=book, kpis=TurnKpis(kpis))
    try:
        yield World(speaker, engine, history, kpis, book)
    finally:
        await store.close()
        await redis.aclose()


async def _transferred(kpis: KpiStore) -> int:
    now = time.time()
    return (await kpis.sums(now - 3600, now + 3600, ("speaker",)))["speaker"].get("transferred", 0)


async def test_a_booked_callback_is_in_the_history_as_said_and_found_by_the_number(world: World) -> None:
    await world.say("chcę rozmawiać z konsultantem", conversation="c1")
    assert await _transferred(world.kpis) == 0  # only offered: nobody has it yet
    await world.say("tak", "600 100 200", "tak", conversation="c1")
    [record] = await world.history.search(caller="600100200")  # the number the agent calls back
    said = [(line["role"], line["text"]) for line in record["transcript"]]
    assert said == [  # what the speaker said instead of the engine's transfer, then the exchange it handled
        ("caller", "chcę rozmawiać z konsultantem"),
        ("bot", catalogue.SPEAKER_CALLBACK_OFFER),
        ("caller", "tak"),
        ("bot", catalogue.CALLBACK_ASK_PHONE),
        ("caller", "[telefon …200]"),  # masked, as every transcript
        ("bot", catalogue.CALLBACK_CONFIRM_PHONE.format(phone="[telefon …200]")),
        ("caller", "tak"),
        ("bot", catalogue.CALLBACK_BOOKED.format(phone="[telefon …200]")),
    ]
    assert ("bot", TRANSFER) not in said and record["caller"] == "+48600100200"
    assert record["outcome"] == "callback" and record["reason"] == "requested_human"
    assert OUTCOME_LABELS[str(record["outcome"])] == "zamówiono telefon od konsultanta"
    assert record["queue"] and [c["phone"] for c in await world.book.pending()] == ["+48600100200"]
    assert await _transferred(world.kpis) == 1  # a person will call: handed over once, when booked


async def test_a_declined_callback_offer_is_no_transfer(world: World) -> None:
    await world.say("chcę rozmawiać z konsultantem", "nie, dziękuję", conversation="c2")
    [record] = await world.history.search()
    said = [(line["role"], line["text"]) for line in record["transcript"]]
    assert said[-2:] == [("caller", "nie, dziękuję"), ("bot", catalogue.DECLINED)]
    assert ("bot", TRANSFER) not in said and record["caller"] is None
    assert record["outcome"] == "callback_not_booked"
    assert OUTCOME_LABELS[str(record["outcome"])] != OUTCOME_LABELS["transferred"]
    assert await _transferred(world.kpis) == 0 and await world.book.pending() == []


async def test_an_angry_caller_hears_the_apology_before_the_offer_and_the_history_keeps_it(world: World) -> None:
    """Urgent for anger alone: the phone and the chat say ANGRY_TRANSFER ("Bardzo przepraszam za kłopot.
    Łączę…"); the speaker cannot connect, but apologises all the same (ANGRY_APOLOGY, a text of its own) before
    offering the call, no 112."""
    await world.say("Jesteście złodziejami, znowu zawyżona faktura!", conversation="c3")
    [record] = await world.history.search()
    said = [(line["role"], line["text"]) for line in record["transcript"]]
    assert said[-1] == ("bot", f"{catalogue.ANGRY_APOLOGY} {catalogue.SPEAKER_CALLBACK_OFFER}")
    assert record["reason"] == "urgent" and catalogue.EMERGENCY_ADVICE not in said[-1][1]
