"""Word by word: a toothache with a red flag is an acute symptom by rule; hiding told as play (a game, a present,
a surprise) explains whoever walks about, unless a word of danger is told beside it or the play is negated;
someone beaten now is a scene; the police as the sender of a fine is no legal threat."""

from __future__ import annotations

import pytest

from dialog.engine_cues import tokens
from dialog.escalation import urgent_cue
from dialog.escalation_harm import intruder
from dialog.escalation_play import hidden_for_play
from dialog.escalation_scenes import urgent_scene
from dialog.escalation_symptoms import acute_symptoms


@pytest.mark.parametrize(
    "text",
    [
        "boli mnie zab i nie moge polykac sliny",
        "Boli mnie ząb i cała jestem rozpalona, trzęsę się.",
        "boli mnie zab i lewy bark poce sie i jest mi niedobrze",
        "Od rana boli mnie ząb, mam nudności i oblewa mnie zimny pot.",
        "Boli mnie ząb, spuchła mi cała szyja.",
        "ząb boli i ciężko mi oddychać",
    ],
)
def test_a_toothache_with_a_red_flag_is_acute(text: str) -> None:
    assert acute_symptoms(tokens(text))


@pytest.mark.parametrize(
    "text",
    [
        "boli mnie ząb i mam lekką gorączkę",
        "zab boli mnie przy przelykaniu zimnej wody",
        "Po znieczuleniu drętwieje mi warga, ząb jeszcze boli.",
        "boli mnie ząb od tygodnia",
    ],
)
def test_a_toothache_without_a_red_flag_is_not_acute(text: str) -> None:
    assert not acute_symptoms(tokens(text))


@pytest.mark.parametrize(
    "text",
    [
        "bawimy sie w chowanego i ktos chodzi po domu i nas szuka",
        "Schowaliśmy się w ciemnym pokoju, żeby zrobić mężowi niespodziankę, ktoś już wchodzi do domu.",
    ],
)
def test_play_explains_someone_walking_about(text: str) -> None:
    assert not intruder(tokens(text))


@pytest.mark.parametrize(
    "text",
    [
        "Bawimy się w chowanego, ale przez okno wszedł ktoś obcy i jest w salonie.",
        "schowalam prezent w szafie a teraz ktos sie wlamuje do mieszkania",
        "Schowałem się w szafie, ktoś chodzi po domu, to nie jest zabawa.",
        "schowalam sie w szafie ktos chodzi po domu boje sie",
    ],
)
def test_danger_or_a_negated_game_keeps_the_intruder(text: str) -> None:
    assert intruder(tokens(text))


@pytest.mark.parametrize(
    ("text", "played"),
    [
        ("chce schowac prezent zeby dzieci nie znalazly", True),
        ("Bawimy się w chowanego, schowałem się w szafie.", False),  # a game alone: left to meaning
        ("syn bawił się w chowanego i utknął w starej lodówce", False),
        ("schowałam prezent, a ktoś obcy jest w domu", False),
        ("schowałam się w szafie, to nie zabawa", False),
        ("gdzie schować kabel, żeby dzieci nie dosięgły", False),
    ],
)
def test_hidden_for_play(text: str, played: bool) -> None:
    assert hidden_for_play(tokens(text)) is played


@pytest.mark.parametrize(
    ("text", "beaten"),
    [
        ("maz mnie bije", True),
        ("konkubent katuje mame co robic", True),
        ("Serce mi szybko bije po kawie.", False),
        ("zegar w kuchni bije co godzine", False),
        ("Dziecko kopie mnie w brzuchu, jestem w ciąży.", False),
    ],
)
def test_someone_beaten_now(text: str, beaten: bool) -> None:
    assert urgent_scene(tokens(text)) is beaten


@pytest.mark.parametrize(
    ("text", "urgent"),
    [
        ("policja przyslala mandat jak go zaplacic", False),
        ("Mam mandat z policji, ile mam dni na zapłatę?", False),
        ("zglosze was na policje jak nie oddacie pieniedzy", True),
    ],
)
def test_the_police_named_not_as_a_fines_sender(text: str, urgent: bool) -> None:
    assert urgent_cue(text) is urgent
