"""Follow-ups read in the context of the previous topic, in the KB step with scripted knowledge bases: the
aspect-only follow-up ("czy to coś kosztuje?"), numbers in context, the previous entry given again. The
real model is exercised in tests/e2e/dialog/test_walkthroughs.py."""

from __future__ import annotations

import pytest

from dialog.engine_intents import asks_an_aspect, is_follow_up, only_numbers, only_wants_to_ask
from dialog.kb import KBMatch


# ---------------------------------------------------------------- follow-ups
@pytest.mark.parametrize("text", ["a ile to kosztuje?", "a na ile miesięcy", "i do kiedy?", "ile to trwa"])
def test_follow_ups(text: str) -> None:
    assert is_follow_up(text)


@pytest.mark.parametrize("text", ["ile kosztuje dostawa lodówki do domu na piętro", "jak złożyć reklamację"])
def test_not_follow_ups(text: str) -> None:
    assert not is_follow_up(text)


@pytest.mark.parametrize(
    ("text", "aspect"),
    [
        ("czy to coś kosztuje?", True),
        ("a ile to trwa", True),
        ("czy to jest płatne", True),
        ("a gdzie to można zrobić", True),
        ("a ile się na to czeka", True),
        ("a kurs euro?", False),  # names something new
        ("a co z telewizją?", False),
        ("a w turcji?", False),
        ("ile kosztuje dostawa lodówki do domu na piętro", False),  # no follow-up
    ],
)
def test_a_follow_up_that_only_asks_for_an_aspect(text: str, aspect: bool) -> None:
    assert asks_an_aspect(text) is aspect


@pytest.mark.parametrize(
    ("text", "announces"),
    [
        ("mam pytanie", True),
        ("mam pytanie do was", True),
        ("Dzień dobry, chciałbym o coś zapytać", True),
        ("mam sprawę", True),
        ("mam pytanie o dostawę", False),  # names the topic: the KB's
        ("mam pytanie, czy można płacić kartą?", False),  # the question itself
        ("nie mam pytań", False),  # a closing
        ("Chciałbym zapytać o", False),  # broken off: the rest is coming
        ("tak jak mówiłem", False),  # no question announced
        ("mam takie pytanie", True),
        ("mam pytanie o VAT", False),  # a short word may be the topic: the KB's
        ("mam pytanie o PIT", False),
        ("chciałem zapytać o ZUS", False),
        ("mam pytanie w sprawie 5G", False),
        ("tak, o to pytam", False),  # a confirmation of what was offered
        ("tak, właśnie o to pytałem", False),
        ("mam pytanie, bo", False),  # broken off: the rest is coming
    ],
)
def test_a_turn_that_only_announces_a_question(text: str, announces: bool) -> None:
    assert only_wants_to_ask(text) is announces


# ---------------------------------------------------------------- context in the KB step (scripted KB)
class _ContextKB:
    """'a ile to kosztuje' alone points at the delivery price; with the topic 'wniesienie' it is that entry."""

    answer_threshold, confirm_threshold = 0.7, 0.3

    def __init__(self) -> None:
        from dialog.kb import KBEntry

        self.entries = {
            "dostawa-koszt": KBEntry(id="dostawa-koszt", questions=["Ile kosztuje dostawa?"], answer="15 zł")
        }

    def search(self, text: str, k: int = 3) -> list[KBMatch]:
        return [KBMatch("dostawa-koszt", "15 zł", 1.0, 0.5)]

    def search_in_context(self, text: str, context: str, k: int = 3) -> list[KBMatch]:
        entry = "wniesienie" if "piętro" in context else "dostawa-koszt"
        return [KBMatch(entry, "49 zł", 1.0, 0.8)]

    def vocabulary(self) -> list[str]:
        return []


def test_a_follow_up_is_searched_with_the_previous_topic() -> None:
    from dialog.engine_config import EngineConfig
    from dialog.engine_kb import KBStep
    from dialog.session import Session

    step = KBStep(_ContextKB(), EngineConfig())
    s = Session(id="s", topic="czy wniesiecie pralkę na piętro")
    reply = step.ask(s, "a ile to kosztuje?")
    assert reply is not None and reply.kb_id == "wniesienie" and (s.topic or "").endswith("a ile to kosztuje?")
    fresh = Session(id="t")  # no topic: the question alone decides (confirm band here)
    reply = step.ask(fresh, "a ile to kosztuje?")
    assert reply is not None and reply.action == "clarify" and fresh.offer_value == "dostawa-koszt"
    assert step.ask(Session(id="u", topic="wniesienie na piętro"), "ile kosztuje dostawa kurierem do domu") is not None


@pytest.mark.parametrize("text", ["pięć", "Zero.", "16", "5, 2, 0", "yyy siedem", "dwadzieścia jeden"])
def test_a_turn_of_numbers_only_is_no_question_for_the_kb(text: str) -> None:
    """Seen on the shared phone recordings: "pięć" answered with the telecom KB's 5G entry, "zero" with the
    shop's 0 % instalments. Whoever says only a number is reading one out (or was misheard)."""
    from dialog.engine_config import EngineConfig
    from dialog.engine_kb import KBStep
    from dialog.session import Session

    step = KBStep(_ContextKB(), EngineConfig())
    assert only_numbers(text)
    assert step.best(text) is None
    assert step.ask(Session(id="s", topic="czy wniesiecie pralkę na piętro"), text) is None


def test_a_follow_up_of_numbers_only_is_read_with_the_topic() -> None:
    """ "a 24?" after a question about instalments is a question about 24 of them, not a number read out."""
    from dialog.engine_config import EngineConfig
    from dialog.engine_kb import KBStep
    from dialog.session import Session

    reply = KBStep(_ContextKB(), EngineConfig()).ask(Session(id="s", topic="wniesienie na piętro"), "a 24?")
    assert reply is not None and reply.kb_id == "wniesienie"


class _AspectKB:
    """After 'ile mam czasu na zwrot': the topic with 'a jak to zrobić' points back at the return period,
    the follow-up read in context plausibly at how to return, its words alone at the password reset."""

    answer_threshold, confirm_threshold = 0.7, 0.4

    def __init__(self, in_context: str) -> None:
        from dialog.kb import KBEntry

        self.in_context = in_context
        self.entries = {i: KBEntry(id=i, questions=[f"Pytanie {i}?"], answer=i) for i in ("termin", "jak", "haslo")}

    def search(self, text: str, k: int = 3) -> list[KBMatch]:
        return [KBMatch("termin", "termin", 1.0, 0.95) if "zwrot" in text else KBMatch("haslo", "haslo", 1.0, 0.8)]

    def search_in_context(self, text: str, context: str, k: int = 3) -> list[KBMatch]:
        return [KBMatch(self.in_context, self.in_context, 1.0, 0.5)]

    def vocabulary(self) -> list[str]:
        return []


@pytest.mark.parametrize(("in_context", "action", "entry"), [("jak", "clarify", "jak"), ("termin", "answer", "termin")])
def test_an_aspect_follow_up_confirms_another_entry_or_answers_the_last_again(
    in_context: str, action: str, entry: str
) -> None:
    """Never the entry its own words find ("jak zrobić" alone: the password reset); an entry the context
    makes plausible is asked about; the entry just given is given again when everything points back to it."""
    from dialog.engine_config import EngineConfig
    from dialog.engine_kb import KBStep
    from dialog.session import Session

    step = KBStep(_AspectKB(in_context), EngineConfig())  # type: ignore[arg-type]
    s = Session(id="s", topic="ile mam czasu na zwrot", kb_given=["termin"])
    reply = step.ask(s, "a jak to zrobić")
    assert reply is not None and reply.action == action
    assert (reply.kb_id if action == "answer" else s.offer_value) == entry


class _TaxKB:
    """An office's two tax entries, as the walkthrough's KB scored them: "na jakie konto przelać ten podatek"
    alone is the account (0.963); read with the previous question about the dates, the dates (0.922)."""

    answer_threshold, confirm_threshold = 0.67, 0.41

    def __init__(self, alone: float = 0.963, in_context: float = 0.922) -> None:
        from dialog.kb import KBEntry

        self.alone, self.context = alone, in_context
        self.entries = {
            "termin": KBEntry(id="termin", questions=["Kiedy płaci się podatek od domu?"], answer="Do 15 marca."),
            "konto": KBEntry(id="konto", questions=["Na jakie konto wpłacić podatek?"], answer="Na rachunek."),
        }

    def search(self, text: str, k: int = 3) -> list[KBMatch]:
        entry, confidence = ("konto", self.alone) if "konto" in text else ("termin", 0.95)
        return [KBMatch(entry, entry, 1.0, confidence)]

    def search_in_context(self, text: str, context: str, k: int = 3) -> list[KBMatch]:
        return [KBMatch("termin", "termin", 1.0, self.context)]

    def vocabulary(self) -> list[str]:
        return []


@pytest.mark.parametrize(("alone", "in_context", "entry"), [(0.963, 0.922, "konto"), (0.72, 0.99, "termin")])
def test_a_follow_up_that_names_another_question_gets_that_answer(alone: float, in_context: float, entry: str) -> None:
    """An office walkthrough: after the payment dates, "na jakie konto przelać ten podatek" ("ten": a
    follow-up) got the dates again, the context reading winning over the turn's own surer one. Now the turn's
    own entry wins unless the context reading is clearly better (the second case)."""
    from dialog.engine_config import EngineConfig
    from dialog.engine_kb import KBStep
    from dialog.session import Session

    step = KBStep(_TaxKB(alone, in_context), EngineConfig())  # type: ignore[arg-type]
    s = Session(id="s")
    first = step.ask(s, "kiedy płacić podatek od domu")
    assert first is not None and first.kb_id == "termin"
    reply = step.ask(s, "na jakie konto przelać ten podatek")
    assert reply is not None and reply.action == "answer" and reply.kb_id == entry
    assert (s.topic == "na jakie konto przelać ten podatek") is (entry == "konto")  # the next turn's topic
