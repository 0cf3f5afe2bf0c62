"""The review of the toothache, purpose-split, hiding and impostor rules, word by word: a toothache with a sign
of more than a tooth (fainting, no air, a rash, a stiff neck, double vision) is not "only a toothache"; a person
after "jak"/"kiedy" inside a purpose is the wish's condition, not an event; a game explains the hiding; a clerk
who wanted nothing, a courier who lets one pay by BLIK, the firm's IT on the caller's computer, a postwoman
bringing the pension are no impostors."""

from __future__ import annotations

import pytest

from dialog.engine_cues import tokens
from dialog.escalation_symptoms import toothache_only


@pytest.mark.parametrize(
    "text",
    [
        "boli mnie zab i mdleje",
        "Ząb mnie boli i zasłabłam w łazience.",
        "bol zeba i nie moge zlapac powietrza",
        "Boli mnie ząb po znieczuleniu, mam wysypkę na całym ciele i swędzi mnie.",
        "boli mnie zab i widze podwojnie",
        "Boli mnie ząb i mam sztywny kark.",
        "boli mnie ząb i chyba mam zawał",
        "ząb boli i bardzo boli mnie w piersiach",
        "boli mnie zab i nie moge polykac",
        "dziecko połknęło ząb i się krztusi",
        "boli mnie ząb i jestem zlany zimnym potem",
    ],
)
def test_a_tooth_with_a_sign_of_more_is_not_only_a_toothache(text: str) -> None:
    assert not toothache_only(tokens(text))


@pytest.mark.parametrize(
    "text",
    [
        "mam tępy ból zęba",
        "boli mnie zab po plombowaniu czy to normalne",
        "wypadła mi plomba, ząb trochę boli, kiedy mogę przyjść",
        "boli mnie ząb, potem przyjdę na wizytę",
    ],
)
def test_a_toothache_alone(text: str) -> None:
    assert toothache_only(tokens(text))
