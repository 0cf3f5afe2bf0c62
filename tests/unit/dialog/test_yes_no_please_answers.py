"""'Proszę' with an answer's words after it (a review of 65826f4, callers' answers run through the engine on
the demo KB): a "proszę" that only says yes to what was proposed ("proszę mi to przeczytać", "proszę o to",
"proszę połączyć" to "Czy połączyć z konsultantem?") and a polite no ("proszę pani, nie", "proszę nie
dzwonić") had become neither, so the offer was dropped and the words went to the KB ("proszę połączyć" was
answered with the discount-code entry). A request with content of its own stays neither."""

from __future__ import annotations

import pytest

from dialog.engine import DialogEngine
from dialog.engine_config import EngineConfig
from dialog.factory import bundled
from dialog.kb import load_kb
from dialog.numbers import yes_no
from dialog.orders import JsonOrders
from dialog.ports import CallerInfo
from dialog.store import MemoryStore, SessionRepo

CHAT = CallerInfo(channel="chat")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # a yes: "proszę" with only the proposal's own verb or a pronoun for it
        ("proszę o to", True),
        ("poproszę o to", True),
        ("proszę mi to przeczytać", True),
        ("proszę przeczytać", True),
        ("proszę połączyć", True),
        ("proszę sprawdzić", True),
        ("proszę o pomoc", None),
        # a no: "proszę" then "nie" alone, "nie trzeba" or "nie" with the verb refused
        ("proszę nie", False),
        ("proszę, nie", False),
        ("proszę pani, nie", False),
        ("proszę pana, nie trzeba", False),
        ("proszę nie dzwonić", False),
        ("proszę mnie nie łączyć", False),
        ("proszę tego nie robić", False),
        # neither: a request of its own, a repeat, a pick, "nie" that is not a refusal
        ("proszę powtórzyć", None),
        ("proszę o to drugie", None),
        ("proszę to drugie", None),
        ("proszę mi powiedzieć, ile kosztuje dostawa", None),
        ("proszę połączyć z konsultantem", None),
        ("proszę mnie przełączyć do działu podatków", None),
        ("proszę, nie mogę dłużej czekać", None),
    ],
)
def test_please_with_an_answers_words_is_that_answer(text: str, expected: bool | None) -> None:
    assert yes_no(text) is expected


@pytest.fixture
def engine() -> DialogEngine:
    orders = JsonOrders(bundled("orders.json"))
    return DialogEngine(load_kb(bundled("kb.yaml")), orders, SessionRepo(MemoryStore()), EngineConfig())


async def test_please_connect_takes_the_offer_of_a_person(engine: DialogEngine) -> None:
    """ "Czy połączyć z konsultantem?" after an order without its number: "proszę połączyć" is the yes."""
    asked = await engine.handle(None, "gdzie jest moja paczka", CHAT)
    offer = await engine.handle(asked.session_id, "nie mam numeru zamówienia", CHAT)
    assert offer.expects == "yes_no", offer
    out = await engine.handle(offer.session_id, "proszę połączyć", CHAT)
    assert out.action == "transfer" and out.transfer is not None, out


async def test_a_polite_no_declines_the_entry_proposed(engine: DialogEngine) -> None:
    """ "Czy chodzi o to: paczkomat?" - "proszę pani, nie": not the entry, and not a question for the KB."""
    asked = await engine.handle(None, "paczkomat", CHAT)
    assert asked.expects == "yes_no", asked
    no = await engine.handle(asked.session_id, "proszę pani, nie", CHAT)
    plain = await engine.handle((await engine.handle(None, "paczkomat", CHAT)).session_id, "nie", CHAT)
    assert (no.action, no.kb_id, no.reply) == (plain.action, plain.kb_id, plain.reply), no
