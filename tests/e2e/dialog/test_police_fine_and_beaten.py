"""The police as the sender of a fine, and someone beaten now: sentences written before the rules of
``dialog.escalation._POLICE`` and ``dialog.escalation_scenes._BEATEN`` (a third as speech recognition writes
them), each on all seven KBs.

Before: a fine the police sent was urgent on most KBs for 10 of 10 (the word "policja" was a legal threat's cue);
someone beaten now was urgent on every KB for 5 of 11, two of them only for "policja" beside it. "Serce mi bije",
a clock, a bell or a record that "bije" stay calm.
"""

from __future__ import annotations

import pytest

from tests.e2e.dialog.emergency_probes import KBS, said, urgent

POLICE_FINE = [
    "Dostałem mandat od policji, czy mogę zapłacić przez internet?",
    "policja wyslala mi mandat za predkosc gdzie sie go placi",
    "Straż miejska i policja przysłały mi mandat, jak złożyć odwołanie?",
    "Mam mandat z policji, ile mam dni na zapłatę?",
    "policja wlepila mi mandat czy moge rozlozyc na raty",
    "Policja przysłała mandat na adres firmy, jak wskazać kierowcę?",
    "dostalem mandat od policji za parkowanie jak zaplacic blikiem",
    "Policja przysłała mi mandat, a nie jechałem tym autem, co zrobić?",
    "czy mandat z policji można opłacić na poczcie",
]

POLICE_BESIDE_DANGER = [
    "Ktoś włamał się do mieszkania, dzwonię na policję, a dostałam dziś mandat od policji.",
    "zglosze was na policje jak nie oddacie pieniedzy",
    "policjant dzwoni i mowi ze musze zaplacic mandat blikiem teraz",
    "Dzwoni ktoś z policji, że mam zapłacić mandat kodem BLIK, bo inaczej mnie zamkną.",
    "Jeśli nie oddacie mi pieniędzy, idę na policję i do prokuratury.",
    "policja przyslala mandat a ktos obcy stoi pod drzwiami i grozi mi nozem",
    "Mandat od policji to nic, mąż mnie bije, proszę o pomoc.",
    "zglaszam na policje oszustwo sprzedawca nie oddaje pieniedzy",
    "Zawiadomię policję, że mnie oszukaliście.",
    "dostalem mandat od policji a sasiad wlasnie stracil przytomnosc",
]

BEATEN = [
    "maz mnie bije",
    "ojciec bije mame",
    "Mandat od policji to nic, mąż mnie bije, proszę o pomoc.",
    "policja przyslala mandat a maz mnie bije",
    "Mój partner mnie bije i zamknął drzwi.",
    "sasiad bije swoje dzieci slysze krzyki",
    "Syn mnie uderza i zabrał mi telefon.",
    "brat kopie mnie i nie przestaje",
    "Mąż znowu mnie pobił, boję się wrócić do domu.",
    "konkubent katuje mame co robic",
    "Ktoś na ulicy bije mojego syna!",
]

BEATS_CALM = [
    "Serce mi szybko bije po kawie, czy mogę pić kawę z tym lekiem?",
    "zegar w kuchni bije co godzine jak to wylaczyc",
    "Wasza oferta bije ceny konkurencji?",
    "dzwon bije w kosciele za glosno",
    "Pies szczeka i kopie w ogrodzie dziury, jaka siatka?",
    "czy ta kosiarka bije rekordy sprzedazy",
    "Syn bije się z myślami, czy zmienić abonament.",
    "mam serce ktore bije nierowno od lat czy moge sie zapisac na badanie",
]


@pytest.mark.parametrize(("kb", "text"), [(kb, t) for t in POLICE_BESIDE_DANGER + BEATEN for kb in KBS])
async def test_someone_beaten_or_the_police_called_is_urgent(kb: str, text: str) -> None:
    outcome = await said(kb, text)
    assert urgent(outcome), outcome


@pytest.mark.parametrize(("kb", "text"), [(kb, t) for t in POLICE_FINE + BEATS_CALM for kb in KBS])
async def test_a_fine_from_the_police_or_a_heart_that_beats_is_not_urgent(kb: str, text: str) -> None:
    outcome = await said(kb, text)
    assert not urgent(outcome), outcome
