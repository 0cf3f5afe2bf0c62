"""The harm checks of ``dialog.escalation_harm`` word by word: what was swallowed and that it was, a "nie" just
before the event undoing it (the sentence model alone cannot tell "nie wypiło" from "wypiło")."""

from __future__ import annotations

import pytest

from dialog.engine_cues import tokens
from dialog.escalation_harm import poisoned


@pytest.mark.parametrize(
    "text",
    [
        "dziecko wypiło płyn do prania",
        "corka wypila domestos",
        "syn połknął baterię",
        "mama wzięła za dużo tabletek",
        "dziecko zjadło tabletki babci",
        "dziecko zjadło tabletkę do zmywarki",
        "maz wypil rozpuszczalnik",
    ],
)
def test_swallowed_poison_or_too_many_pills(text: str) -> None:
    assert poisoned(tokens(text))


@pytest.mark.parametrize(
    "text",
    [
        "dziecko nie wypiło płynu, tylko go rozlało",
        "ile tabletek do zmywarki na jedno mycie?",
        "wzięłam tabletkę przeciwbólową",
        "czy płyn do prania jest bezpieczny dla dzieci?",
        "wypiłem wodę z kranu",
        "mama zjadła obiad i wzięła leki",
    ],
)
def test_nothing_swallowed_or_a_usual_dose(text: str) -> None:
    assert not poisoned(tokens(text))
