"""``dialog.escalation_scenes.unresponsive`` word by word: "nie odpowiada" is a body only in a scene of one, with
no thing before it and no errand after it (the sentence model may still hear a hospital stay as urgent; the
words alone must not)."""

from __future__ import annotations

import pytest

from dialog.engine_cues import tokens
from dialog.escalation_scenes import unresponsive


@pytest.mark.parametrize(
    "text",
    [
        "sąsiad leży na klatce i nie odpowiada",
        "sasiatka lezy na schodach i nie odpowiada",
        "znalazlam tate na podlodze, nie odpowiada",
        "kolega zasłabł i leży bez ruchu",
        "mama nie daje się dobudzić",
        "ktos lezy pod drzwiami urzedu i nie odpowiada",
        "ktoś z mojej rodziny leży i nie odpowiada",
        "tata leży na ulicy i nikt nie reaguje",
        "ktoś leży na chodniku i nikt nie reaguje",
        "pan leży na schodach i nie odpowiada",
    ],
)
def test_a_body_that_does_not_respond(text: str) -> None:
    assert unresponsive(tokens(text))


@pytest.mark.parametrize(
    "text",
    [
        "telefon leży na biurku i nie odpowiada",
        "serwer leży i nie odpowiada",
        "mama nie odpowiada na telefon, leży w szpitalu",
        "syn nie odpowiada na moje wiadomości",
        "wniosek leży bez ruchu od miesiąca",
        "córka nie odzywa się do mnie od tygodnia",
        "moja reklamacja leży u was od tygodnia i nikt nie odpowiada",
        "dokumenty leżą w urzędzie i nikt się nie odzywa",
        "faktura leży w księgowości i nie odpowiadają",
        "towar leży na ziemi w magazynie i nikt nie odpowiada",
        "drzewo leży na ulicy i gmina nie odpowiada",
        "klimatyzator nie odpowiada i brak świeżego powietrza",
        "ktoś z obsługi nie reaguje na moje skargi",
    ],
)
def test_a_thing_an_errand_or_a_grudge(text: str) -> None:
    assert not unresponsive(tokens(text))
