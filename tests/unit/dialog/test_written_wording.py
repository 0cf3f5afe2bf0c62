"""The text chat reads what the phone hears: its own welcome (brand, notice, no "press zero") and "Proszę
napisać…" where the phone says "Proszę powiedzieć…" (an operator walkthrough found spoken wording in the chat
and a chat that never named the office). One catalogue: the ``_WRITTEN`` variants are overridable texts."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime

import pytest

from dialog import catalogue as say
from dialog.engine import DialogEngine
from dialog.engine_config import EngineConfig
from dialog.factory import bundled
from dialog.kb import KnowledgeBase, load_kb
from dialog.orders import JsonOrders
from dialog.ports import CallerInfo, Outcome
from dialog.prompts import PromptsError, parse_prompts, written_left_default
from dialog.store import MemoryStore, SessionRepo

NOW = datetime(2026, 11, 22, 12, 0).timestamp()
CHAT = CallerInfo(channel="chat")
PHONE = CallerInfo(channel="phone", phone="+48600100200")
SPOKEN_ONLY = re.compile(r"\b(?:powiedz|powtórz|usłysz|słysz|słucha|mówi|nacisn)|cyfra po cyfrze", re.IGNORECASE)


@pytest.fixture(scope="module")
def kb() -> KnowledgeBase:
    return load_kb(bundled("kb.yaml"))


@pytest.fixture
def engine(kb: KnowledgeBase) -> DialogEngine:
    config = EngineConfig(shop_name="Urząd Gminy Kórnik", brand="Urząd Gminy Kórnik")
    orders = JsonOrders(bundled("orders.json"))
    return DialogEngine(kb, orders, SessionRepo(MemoryStore()), config, clock=lambda: NOW)


@pytest.fixture(autouse=True)
def defaults() -> Iterator[None]:
    yield
    say.configure({})


async def turns(engine: DialogEngine, texts: list[str], caller: CallerInfo) -> list[Outcome]:
    """The turns of one conversation begun by the caller's first message (as a chat begins: no greet)."""
    outs: list[Outcome] = []
    for text in texts:
        outs.append(await engine.handle(outs[-1].session_id if outs else None, text, caller))
    return outs


# ---------------------------------------------------------------- the catalogue
def test_every_written_variant_has_its_spoken_text_and_the_same_placeholders() -> None:
    written = {name: text for name, text in say.defaults().items() if name.endswith("_WRITTEN")}
    assert {"CLARIFY_WRITTEN", "KB_OTHER_WORDS_WRITTEN", "ORDER_NOT_FOUND_WRITTEN", "GREETING_WRITTEN"} <= set(written)
    for name, text in written.items():
        spoken = say.defaults()[name.removesuffix("_WRITTEN")]
        assert type(spoken) is type(text), name
        pairs = zip(spoken, text, strict=True) if isinstance(text, tuple) else [(spoken, text)]
        for said, read in pairs:
            assert isinstance(said, str) and isinstance(read, str)
            assert not SPOKEN_ONLY.search(read), (name, read)
            if name != "GREETING_WRITTEN":  # the greeting names the brand as written ({brand}), not {shop}
                assert re.findall(r"{\w+}", said) == re.findall(r"{\w+}", read), name


def test_worded_gives_the_chat_the_written_variant_and_every_voice_the_spoken_text() -> None:
    assert say.worded("KB_OTHER_WORDS", "chat") == "Dobrze. Proszę napisać innymi słowami, o co chodzi."
    for voice in ("phone", "speaker", "voice"):
        assert say.worded("KB_OTHER_WORDS", voice) == say.KB_OTHER_WORDS == say.defaults()["KB_OTHER_WORDS"]
    assert say.worded("YES_NO_AGAIN", "chat") == say.YES_NO_AGAIN  # no variant: one text for every channel
    say.configure({"KB_OTHER_WORDS_WRITTEN": "Dobrze. Proszę opisać sprawę inaczej."})
    assert say.worded("KB_OTHER_WORDS", "chat") == "Dobrze. Proszę opisać sprawę inaczej."  # overridable


def test_written_variants_are_never_pre_rendered_to_audio() -> None:
    fixed, openings = say.fixed_sentences(), say.template_openings()
    variants = [v for n, v in say.defaults().items() if n.endswith("_WRITTEN")]
    written = {t for v in variants for t in (v if isinstance(v, tuple) else [v])}
    assert say.KB_OTHER_WORDS in fixed and say.CLARIFY[1] in fixed  # CLARIFY_WRITTEN[1] too: the same words
    assert written & set(fixed) == {say.CLARIFY[1]}
    assert not [o for o in openings if "napisać" in o or "wpisać" in o]


def test_an_override_of_a_spoken_text_alone_is_named_for_check() -> None:
    """A prompts file written before the chat had its own wording: the chat keeps "Proszę napisać…" as shipped."""
    assert written_left_default({}) is None
    assert written_left_default({"GREETING": "Dzień dobry, tu {shop}."}) is None  # the welcome names the brand
    assert written_left_default({"KB_OTHER_WORDS": "a", "KB_OTHER_WORDS_WRITTEN": "b", "GOODBYE": "c"}) is None
    found = written_left_default({"CLARIFY": ("a {examples}", "b"), "ANSWER_MISSED": "c"})
    assert found is not None and found.startswith("prompts override clarify, answer_missed but not clarify_written")


def test_the_chat_welcome_names_the_brand_as_written_or_the_operators_own_words() -> None:
    welcome = "Dzień dobry, tu Zielony Ogród. Na czacie odpowiada automatyczny asystent."
    assert say.written_welcome("Zielony Ogród") == welcome
    assert say.written_welcome(None) == say.GREETING_NO_BRAND_WRITTEN
    full = say.written_greeting("Zielony Ogród")
    assert full.endswith(f"{say.RODO_NOTICE} {say.HOW_CAN_I_HELP}") and say.DTMF_HINT not in full
    assert say.RODO_NOTICE not in say.written_greeting("Zielony Ogród", notice=False)
    # the genitive phone style ("asystent sklepu Zielony Ogród") never leaks into the chat's welcome
    say.configure({"GREETING": "Dzień dobry, tu automatyczny asystent {shop}.", "SHOP_NAME_PHRASE": "sklepu {brand}"})
    assert say.written_welcome("Zielony Ogród").startswith("Dzień dobry, tu Zielony Ogród.")
    own = parse_prompts({"prompts": {"greeting_written": "Witamy w Urzędzie Gminy Kórnik."}}, "p.yaml")
    say.configure(own.texts)
    assert say.written_welcome(None) == say.written_welcome("Urząd Gminy Kórnik") == "Witamy w Urzędzie Gminy Kórnik."


def test_only_the_chat_welcome_may_leave_its_placeholder_out() -> None:
    with pytest.raises(PromptsError, match=r"greeting: missing placeholder \{shop\}"):
        parse_prompts({"prompts": {"greeting": "Witamy w Urzędzie Gminy Kórnik."}}, "p.yaml")
    with pytest.raises(PromptsError, match=r"greeting_written: unknown placeholder \{shop\} \(allowed: \{brand\}\)"):
        parse_prompts({"prompts": {"greeting_written": "Witamy, tu {shop}."}}, "p.yaml")
    with pytest.raises(PromptsError, match=r"order_not_found_written: missing placeholder \{order_id\}"):
        parse_prompts({"prompts": {"order_not_found_written": "Nie ma takiego zamówienia."}}, "p.yaml")


# ---------------------------------------------------------------- the engine
async def test_a_chat_opens_with_its_written_greeting_and_a_call_with_the_spoken_one(engine: DialogEngine) -> None:
    chat = await engine.greet(None, CHAT)
    assert chat.reply == say.written_greeting("Urząd Gminy Kórnik")
    assert chat.reply.startswith("Dzień dobry, tu Urząd Gminy Kórnik. Na czacie odpowiada")
    phone = await engine.greet(None, PHONE)
    assert phone.reply == say.greeting("Urząd Gminy Kórnik", phone=True)  # unchanged: "Odbiera…", "nacisnąć zero"


async def test_a_chats_first_hello_is_answered_with_the_welcome_naming_the_office(engine: DialogEngine) -> None:
    first, again = await turns(engine, ["dzień dobry", "dzień dobry"], CHAT)
    assert first.action == "answer" and first.reply == (
        "Dzień dobry, tu Urząd Gminy Kórnik. Na czacie odpowiada automatyczny asystent. W czym mogę pomóc?"
    )  # the privacy notice is the widget's to show (GET /v1/chat/greeting), not repeated in the thread
    assert again.reply == say.HELLO_AGAIN  # welcomed once
    (phone,) = await turns(engine, ["dzień dobry"], PHONE)
    assert phone.reply == say.HELLO_AGAIN  # a call was greeted before its first word


async def test_the_chat_is_asked_to_write_and_the_phone_to_say(engine: DialogEngine) -> None:
    (chat_miss,) = await turns(engine, ["jaka jutro będzie pogoda"], CHAT)
    assert "Proszę napisać to innymi słowami, na przykład:" in chat_miss.reply
    (phone_miss,) = await turns(engine, ["jaka jutro będzie pogoda"], PHONE)
    assert "Proszę powiedzieć to innymi słowami, na przykład:" in phone_miss.reply
    _, no = await turns(engine, ["czy macie sklepy", "nie"], CHAT)
    assert no.reply == say.KB_OTHER_WORDS_WRITTEN
    _, no = await turns(engine, ["czy macie sklepy", "nie"], PHONE)
    assert no.reply == say.KB_OTHER_WORDS


async def test_order_numbers_are_typed_in_a_chat_not_said_digit_by_digit(engine: DialogEngine) -> None:
    _, unknown = await turns(engine, ["gdzie jest moja paczka", "99999"], CHAT)
    assert unknown.reply == say.ORDER_NOT_FOUND_WRITTEN.format(order_id="99999") and "cyfra" not in unknown.reply
    _, unknown = await turns(engine, ["gdzie jest moja paczka", "99999"], PHONE)
    assert unknown.reply == say.ORDER_NOT_FOUND.format(order_id="99999")
    _, none = await turns(engine, ["gdzie jest moja paczka", "xyz qwe"], CHAT)
    assert none.expects == "order_number" and none.reply == say.ASK_ORDER_NUMBER_AGAIN_WRITTEN
