"""The harm checks of ``dialog.escalation_harm`` word by word: what was swallowed and that it was, a "nie" just
before the event undoing it (the sentence model alone cannot tell "nie wypiło" from "wypiło")."""

from __future__ import annotations

import pytest

from dialog.engine_cues import tokens
from dialog.escalation_harm import intruder, poisoned, water_on_power


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
        "dziecko połknęło baterię od zegarka",
        "syn wypił chlor",
        "mama wzięła kilka tabletek nasennych",
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


@pytest.mark.parametrize(
    "text",
    [
        "woda dochodzi do kontaktów",
        "woda leje się na gniazdko",
        "zalało gniazdka w łazience",
        "woda cieknie do skrzynki z bezpiecznikami",
        "pralka stoi w wodzie i jest pod napięciem",
    ],
)
def test_water_reaching_electricity(text: str) -> None:
    assert water_on_power(tokens(text))


@pytest.mark.parametrize(
    "text",
    [
        "woda nie dochodzi do kontaktów",
        "podajcie kontakt do działu obsługi wody",
        "woda leci z kranu słabym strumieniem, proszę o kontakt",
        "jak podłączyć pralkę do prądu i wody?",
        "czy bezpiecznik w zmywarce chroni przed zalaniem?",
    ],
)
def test_water_that_reaches_nothing_live(text: str) -> None:
    assert not water_on_power(tokens(text))


@pytest.mark.parametrize(
    "text",
    [
        "w piwnicy ktoś jest, słyszę obce głosy",
        "ktoś obcy chodzi po moim domu",
        "ktoś próbuje otworzyć moje drzwi",
        "ktos obcy jest w mieszkaniu",
        "słyszę kroki na strychu",
    ],
)
def test_a_stranger_in_the_callers_place(text: str) -> None:
    assert intruder(tokens(text))


@pytest.mark.parametrize(
    "text",
    [
        "słyszę obce głosy w słuchawce",
        "czy ktoś jest w urzędzie w sobotę?",
        "ktoś chodzi po mieszkaniu nad nami",
        "ktoś będzie w domu, żeby odebrać paczkę",
        "nikt obcy nie wszedł do domu",
        "czy ktoś może otworzyć drzwi do archiwum?",
    ],
)
def test_nobody_gets_in(text: str) -> None:
    assert not intruder(tokens(text))


@pytest.mark.parametrize(
    "text",
    [
        "aplikacja wypiła mi baterię w dwie godziny",
        "gra zjadła mi całą baterię",
        "wypiłem kawę z kapsułki i ekspres przecieka",
        "wypiłam kwas foliowy rano",
        "wypiłem wodę z kranu i czuć chlor",
        "mama zażyła lek kilka godzin przed zabiegiem",
        "wziął leki parę minut temu",
    ],
)
def test_a_drained_battery_coffee_or_a_dose_some_time_ago(text: str) -> None:
    assert not poisoned(tokens(text))


@pytest.mark.parametrize(
    "text",
    [
        "ludzie chodzą po korytarzu w urzędzie i nikt nie pomaga",
        "w domu jest nieznane urządzenie podłączone do mojej sieci wifi",
        "w garażu stoi obcy samochód na moim miejscu",
        "w moim pokoju jest słaby zasięg ktoś wie czemu",
        "w kuchni jest obcy zapach z lodówki",
    ],
)
def test_an_office_a_device_or_a_car_is_no_intruder(text: str) -> None:
    assert not intruder(tokens(text))


@pytest.mark.parametrize(
    "text",
    [
        "ktoś się włamuje do mieszkania, co zrobić, żeby",
        "ktoś chodzi po moim domu, jak się schować, żeby mnie nie znalazł",
        "słyszę obce głosy w piwnicy, przyślijcie kogoś, żeby sprawdził",
        "ktoś kręci się w ogrodzie i zagląda w okna, chcę, aby ktoś przyjechał",
        "ktoś się dobija do drzwi mieszkania, jak zrobić, żeby przestał",
        "ktoś wyważa drzwi do mieszkania, żeby ukraść telewizor",
        "kiedyś ktoś się włamał, a teraz znowu ktoś się dobija do drzwi",
    ],
)
def test_a_break_in_told_before_a_purpose(text: str) -> None:
    """What follows "żeby" is a purpose; it no longer cancels the break-in told before it."""
    assert intruder(tokens(text))


@pytest.mark.parametrize(
    "text",
    [
        "ktoś wszedł do mieszkania, żeby odczytać licznik",
        "ktoś wejdzie do mieszkania, żeby naprawić pralkę",
        "czy mogę zostawić klucz sąsiadce, żeby ktoś wszedł do domu po paczkę",
        "jak zrobić, żeby nikt obcy nie wchodził do piwnicy",
        "kiedyś ktoś próbował otworzyć moje drzwi, jak wymienić zamek, żeby był bezpieczniejszy",
        "wczoraj ktoś chodził po moim ogrodzie",
    ],
)
def test_an_errand_a_wish_or_long_ago(text: str) -> None:
    assert not intruder(tokens(text))


@pytest.mark.parametrize(
    "text",
    [
        "Od wczoraj ktoś siedzi w mojej piwnicy i nie chce wyjść.",
        "Ktoś wszedł do domu, żeby niby odczytać licznik, a teraz grzebie w szufladach.",
    ],
)
def test_an_intruder_since_yesterday_or_on_a_pretended_errand(text: str) -> None:
    assert intruder(tokens(text))
