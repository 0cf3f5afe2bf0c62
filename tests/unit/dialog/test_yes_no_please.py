"""'Proszę' as a yes, and 'proszę' that starts a request of its own (an operator walkthrough: a chat customer
asked "proszę połączyć mnie z kimś z podatków" while a yes/no question was pending; it was read as a bare
"tak", so the agent's summary and the history said "bez podanej sprawy" and lost "podatki")."""

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
        # "proszę" alone, or with nothing but courtesy, a yes or a number after it: a yes
        ("proszę", True),
        ("Proszę.", True),
        ("tak, proszę", True),
        ("poproszę", True),
        ("Poproszę!", True),
        ("proszę bardzo", True),
        ("proszę bardzo, ale mam jeszcze pytanie", True),
        ("proszę pani, tak", True),
        ("no proszę", True),
        ("proszę, 600 100 200", True),  # a callback's number given with the yes
        ("tak, proszę połączyć", True),  # the yes comes first
        # no is no
        ("nie, proszę", False),
        ("nie, dziękuję", False),
        # a request that starts with "proszę" has its own content: not a yes
        ("proszę połączyć mnie z kimś z podatków", None),
        ("Proszę połączyć mnie z kimś z podatków.", None),
        ("prosze polaczyc mnie z kims z podatkow", None),  # typed without Polish letters
        ("proszę o połączenie z konsultantem", None),
        ("proszę mnie przełączyć do działu podatków", None),
        ("proszę, połączcie mnie z kimś od podatków", None),
        ("proszę bardzo o kontakt z księgową", None),
        ("poproszę o godziny otwarcia urzędu", None),
        ("poproszę numer konta do wpłaty podatku", None),
        ("proszę pani, chcę zapłacić podatek od psa", None),
        ("proszę podać mi termin płatności", None),
    ],
)
def test_please_is_a_yes_only_without_a_request_of_its_own(text: str, expected: bool | None) -> None:
    assert yes_no(text) is expected


@pytest.fixture
def store() -> SessionRepo:
    return SessionRepo(MemoryStore())


@pytest.fixture
def engine(store: SessionRepo) -> DialogEngine:
    return DialogEngine(load_kb(bundled("kb.yaml")), JsonOrders(bundled("orders.json")), store, EngineConfig())


async def test_a_request_for_a_person_while_a_yes_no_is_pending_keeps_its_subject(
    engine: DialogEngine, store: SessionRepo
) -> None:
    """The demo KB asks "Czy chodzi o to: …?" after "paczkomat"; the request for a person that follows names
    the matter, and the agent's summary (and the history's topic, the session's ``first_request``) has it."""
    asked = await engine.handle(None, "paczkomat", CHAT)
    assert asked.expects == "yes_no", asked
    out = await engine.handle(asked.session_id, "proszę połączyć mnie z kimś od dostaw", CHAT)
    assert out.action == "transfer" and out.transfer is not None, out
    assert "Sprawa: „proszę połączyć mnie z kimś od dostaw”." in out.transfer.summary, out.transfer.summary
    session = await store.load(out.session_id)
    assert session is not None and session.first_request == "proszę połączyć mnie z kimś od dostaw"


async def test_a_request_while_a_yes_no_is_pending_is_not_taken_as_its_yes(engine: DialogEngine) -> None:
    """ "Proszę o …" after "Czy chodzi o to: paczkomat?" asks something new: the pending entry is not given."""
    asked = await engine.handle(None, "paczkomat", CHAT)
    confirmed = await engine.handle(asked.session_id, "tak, proszę", CHAT)
    assert confirmed.action == "answer" and confirmed.kb_id is not None, confirmed
    asked = await engine.handle(None, "paczkomat", CHAT)
    other = await engine.handle(asked.session_id, "proszę o informację, ile kosztuje dostawa kurierem", CHAT)
    assert other.kb_id != confirmed.kb_id, other
