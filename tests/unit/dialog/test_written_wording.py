"""The text chat reads what the phone hears: its own welcome (brand, notice, no "press zero") and "Proszę
napisać…" where the phone says "Proszę powiedzieć…" (an operator walkthrough found spoken wording in the chat
and a chat that never named the office). One catalogue: the ``_WRITTEN`` variants are overridable texts."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
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
        if isinstance(text, Mapping) and isinstance(spoken, Mapping):  # the transfer lines, by reason
            assert set(text) == set(spoken), name
            pairs = [(spoken[key], text[key]) for key in text]
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
    written = {
        t for v in variants for t in (v.values() if isinstance(v, Mapping) else v if isinstance(v, tuple) else [v])
    }
    assert say.KB_OTHER_WORDS in fixed and say.CLARIFY[1] in fixed  # CLARIFY_WRITTEN[1] too: the same words
    assert written & set(fixed) == {say.CLARIFY[1], say.RODO_NOTICE}  # the notice too, as shipped
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


# ---------------------------------------------------------------- hand-off and privacy
# What a chat must never read as it is handed to an agent or shown the notice: a line to wait on, a signal to
# record after, a call being recorded or connected, a key to press, words to say.
PHONE_ONLY = re.compile(
    r"\b(?:powiedz|usłysz|słysz|nacisn|naciśn|rozłącz|łączę|poczeka|sygna|nagryw)|na linii|cyfra po cyfrze",
    re.IGNORECASE,
)


def chat_handoff_texts() -> list[str]:
    """Every catalogue text a chat can read as it is handed over, refused, ended, slowed down, or shown the notice."""
    return [
        *say.TRANSFER_WRITTEN.values(), say.ANGRY_TRANSFER_WRITTEN, say.ERROR_TRANSFER_WRITTEN, say.RODO_NOTICE_WRITTEN,
        say.CHAT_QUEUED, say.WAIT_ESTIMATE, say.WAIT_FEW_MINUTES, say.WAIT_ABOUT_ONE_MINUTE, say.WAIT_ABOUT_MINUTES,
        say.WAIT_OVER_AN_HOUR, say.CHAT_UNAVAILABLE_CLOSED, say.CHAT_UNAVAILABLE_BUSY, say.EMERGENCY_ADVICE,
        say.CHAT_AGENT_JOINED, say.CHAT_ENDED_BY_AGENT, say.CHAT_ENDED_BY_CUSTOMER, say.CHAT_HANDOFF_LOST,
        say.CHAT_HANDOFF_LOST_WRITE, say.CHAT_THREAD_LOST, say.CHAT_WAIT_FOR_AGENT,
        say.written_greeting("Zielony Ogród"),
    ]  # fmt: skip


def test_nothing_a_chat_reads_as_it_is_handed_over_is_the_phones() -> None:
    assert [text for text in chat_handoff_texts() if PHONE_ONLY.search(text)] == []
    spoken = [*say.TRANSFER.values(), say.ANGRY_TRANSFER, say.ERROR_TRANSFER]
    assert all(PHONE_ONLY.search(text) for text in spoken)  # the phone's lines, unchanged: "łączę…, poczekać"


def test_the_transfer_line_is_written_for_the_chat_and_spoken_for_every_voice() -> None:
    assert say.transfer_line("complaint", "chat") == say.TRANSFER_WRITTEN["complaint"]
    assert say.transfer_line("urgent", "chat", angry=True) == say.ANGRY_TRANSFER_WRITTEN
    for voice in ("phone", "speaker", "voice"):
        assert (
            say.transfer_line("complaint", voice)
            == say.TRANSFER["complaint"]
            == say.defaults()["TRANSFER"]["complaint"]
        )
        assert say.transfer_line("urgent", voice, angry=True) == say.ANGRY_TRANSFER
    say.configure({"TRANSFER_WRITTEN": {"complaint": "Przekazuję rozmowę do działu reklamacji."}})  # overridable
    assert say.transfer_line("complaint", "chat") == "Przekazuję rozmowę do działu reklamacji."
    assert say.transfer_line("urgent", "chat") == say.defaults()["TRANSFER_WRITTEN"]["urgent"]  # the rest kept
    found = written_left_default({"TRANSFER": {"complaint": "Łączę z działem reklamacji."}})
    assert found is not None and "not transfer_written" in found  # `infolinia check` names a phone-only override


def test_the_chats_privacy_notice_is_the_operators_unless_the_chat_gets_its_own() -> None:
    """Legal text: a notice overridden for the phone alone is the chat's too (never the shipped one left behind);
    a phone notice that says calls are recorded gives the chat its own words."""
    say.configure({"RODO_NOTICE": "Administratorem danych jest Zielony Ogród sp. z o.o."})
    assert say.RODO_NOTICE_WRITTEN == say.RODO_NOTICE == "Administratorem danych jest Zielony Ogród sp. z o.o."
    assert written_left_default({"RODO_NOTICE": "Administratorem danych jest Zielony Ogród."}) is None
    say.configure({
        "RODO_NOTICE": "Rozmowa jest nagrywana. Administratorem danych jest Zielony Ogród.",
        "RODO_NOTICE_WRITTEN": "Administratorem danych jest Zielony Ogród.",
    })  # fmt: skip
    assert "nagrywana" in say.greeting("Zielony Ogród", phone=True)
    assert "nagrywana" not in say.written_greeting("Zielony Ogród") and "Zielony Ogród." in say.written_greeting("x")
    say.configure({})
    assert say.RODO_NOTICE_WRITTEN == say.RODO_NOTICE == say.defaults()["RODO_NOTICE"]


async def test_a_chat_handed_to_a_person_reads_the_written_line_and_a_call_hears_the_spoken_one(
    engine: DialogEngine,
) -> None:
    for words, reason in (("chcę rozmawiać z konsultantem", "requested_human"), ("z ładowarki leci dym", "urgent")):
        (chat,) = await turns(engine, [words], CHAT)
        assert (chat.action, chat.reply) == ("transfer", say.TRANSFER_WRITTEN[reason]), words
        (call,) = await turns(engine, [words], PHONE)
        assert (call.action, call.reply) == ("transfer", say.TRANSFER[reason]), words
    chat = await engine.escalate((await turns(engine, ["dzień dobry"], CHAT))[0].session_id, "complaint", CHAT)
    assert chat.reply == say.TRANSFER_WRITTEN["complaint"]
