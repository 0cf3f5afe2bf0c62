"""What is told once a supposed case is set aside, and a data leak told or only asked about."""

from __future__ import annotations

import pytest

from dialog.engine_cues import tokens
from dialog.escalation_leaks import data_leak, leak_asked
from dialog.escalation_supposed import told_part
from dialog.escalation_water import spilled


@pytest.mark.parametrize(
    ("text", "told"),
    [
        ("co zrobić, gdyby zalało mieszkanie", "co zrobić"),
        ("w razie pożaru gdzie jest wyjście ewakuacyjne", "gdzie jest wyjście ewakuacyjne"),
        ("Czy jeśli pęknie rura i leje się woda, polisa to obejmuje?", "Czy, polisa to obejmuje"),
        ("pali się w kuchni, co mam robić jeśli gaśnica nie działa", "pali się w kuchni, co mam robić"),
        ("jeśli możecie przyjechać pali się w kuchni", "pali się w kuchni"),  # the comma left out
        ("gdy wróciłam do domu z sufitu leciała woda", "gdy wróciłam do domu z sufitu leciała woda"),  # it happened
        ("pękła rura w piwnicy", "pękła rura w piwnicy"),
        ("jeśli możecie pali się garaż, proszę szybko", "pali się garaż, proszę szybko"),  # about the call
        ("gdyby pani mogła dziecko się dusi co mam robić", "dziecko się dusi co mam robić"),
        ("jeśli dobrze słyszę w piwnicy syczy gaz a sąsiedzi śpią", "w piwnicy syczy gaz a sąsiedzi śpią"),
        ("w razie czego mąż leży nieprzytomny co robić", "mąż leży nieprzytomny co robić"),  # just in case
        ("w przypadku mojej mamy ona upadła gdzie dzwonić", "ona upadła gdzie dzwonić"),  # a person
        ("jeśli się nie mylę w kuchni pali się piekarnik", "w kuchni pali się piekarnik"),
        ("jeśli nie mogę zakręcić wody to co robić", "wody to co robić"),
        ("jeśli pali się w kuchni to co robić", "to co robić"),
    ],
)
def test_a_supposed_case_is_set_aside(text: str, told: str) -> None:
    assert told_part(text) == told


@pytest.mark.parametrize(
    ("text", "leak", "asked"),
    [
        ("wyciekły moje dane", True, False),
        ("wyciekły moje dane i ktoś bierze na mnie kredyty", True, False),
        ("czy był u was wyciek danych?", False, True),
        ("jak chronicie dane przed wyciekiem", False, True),
        ("czy moje dane wyciekły w tym incydencie z zeszłego roku", False, True),
        ("czy po wycieku danych ktoś może wziąć na mnie kredyt", True, False),  # harm named: a person decides
        ("wyciek wody przy wodomierzu", False, False),  # water's, not data's
    ],
)
def test_a_data_leak_told_or_asked(text: str, leak: bool, asked: bool) -> None:
    assert (data_leak(tokens(text)), leak_asked(tokens(text))) == (leak, asked)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("zalałem pralkę wodą przy myciu", True),
        ("zalałam słuchawki wodą na basenie", True),
        ("zalałem sąsiadów", False),
        ("zalałem wszystko, woda dalej płynie", False),
    ],
)
def test_something_the_caller_spilled_on(text: str, expected: bool) -> None:
    assert spilled(tokens(text)) is expected
