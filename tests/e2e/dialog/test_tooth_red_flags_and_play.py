"""A toothache with a red flag, and hiding told as play: sentences written before the rules of
``dialog.escalation_symptoms._TOOTH_SPREADING`` and ``dialog.escalation_play`` (a third as speech recognition
writes them), each on all seven KBs.

Before: a toothache with a swallow that fails, fever with chills or a heart's signs was urgent on no KB for 7 of
15 (by meaning only, near a dentist's booking); a present hidden, hide-and-seek or a surprise party was urgent on
most KBs for 9 of 18. An intruder told beside a game, a present or a surprise stays urgent (11 of 11, as before).
A lead's check then found "syn bawił się w chowanego i utknął w starej lodówce" calm on every KB (a game word
overruled meaning): only a hidden present overrules it now, and hide-and-seek with someone walking about is
urgent by meaning again (``STILL_URGENT``, strict xfails), as before the rule; a missed emergency costs more.
"""

from __future__ import annotations

import pytest

from tests.e2e.dialog.emergency_probes import KBS, said, urgent

TOOTH_AND_A_RED_FLAG = [
    "Boli mnie ząb i nie mogę przełknąć śliny, gardło mi się zaciska.",
    "ząb mnie boli od wczoraj a dziś nie mogę nic połknąć",
    "boli mnie ząb i mam dreszcze i wysoką gorączkę",
    "Boli ząb, jestem cała rozpalona i trzęsę się z zimna.",
    "Ząb mnie boli, a teraz ból idzie do lewego ramienia i jestem zlany potem.",
    "boli mnie zab i lewa reka dretwieje i jest mi slabo",
    "Od rana boli mnie ząb, mam nudności i oblewa mnie zimny pot.",
    "Boli mnie ząb, spuchła mi cała szyja i ciężko mi oddychać.",
    "boli mnie zab i mam trudnosci z polykaniem i oddychaniem",
    "Ząb boli i mam czterdzieści stopni gorączki, dreszcze mną trzęsą.",
    "Boli mnie ząb, ból schodzi do żuchwy i klatki, jest mi niedobrze.",
    "zab boli i trzese sie cala i mam goraczke",
]

TOOTH_ONLY = [
    "Boli mnie ząb, chciałbym umówić wizytę u dentysty.",
    "boli mnie zab kiedy pije zimne czy moge sie zapisac",
    "Wypadła mi plomba, ząb trochę boli, kiedy jest wolny termin?",
    "Ząb mnie boli przy gryzieniu od tygodnia, ile kosztuje leczenie kanałowe?",
    "boli mnie zab czy przyjmujecie bez skierowania",
    "Mam nadwrażliwe zęby, jaka pasta pomoże?",
    "Dziecku rusza się mleczny ząb, czy trzeba z nim przyjść?",
    "boli mnie zab jaka jest cena wizyty",
    "Boli mnie ząb, czy jutro rano ktoś przyjmie?",
    "Ząb boli mnie tylko przy słodkim, czy to próchnica?",
    "Boli mnie ząb i mam lekką gorączkę, czy mogę przyjść dziś po południu?",
    "zab boli mnie przy przelykaniu zimnej wody czy to nadwrazliwosc",
    "Po znieczuleniu u dentysty drętwieje mi warga, ząb jeszcze boli, czy to normalne?",
    "Wyrwali mi ząb w rękach dobrego chirurga, ile goi się dziąsło?",
]

HIDDEN_FOR_PLAY = [
    "Chcę schować prezent dla żony, żeby go nie znalazła przed świętami.",
    "gdzie schowac prezenty zeby dzieci ich nie znalazly przed mikolajkami",
    "Organizujemy przyjęcie niespodziankę, wszyscy schowamy się w salonie, zanim mąż wejdzie.",
    "Schowałam prezent urodzinowy w szafie, żeby syn go nie zobaczył, czy kurier może przywieźć drugi?",
    "Robimy mamie niespodziankę, schowaliśmy się w kuchni, już wchodzi do domu.",
    "jak schowac prezent zeby maz nie znalazl",
    "Chcę ukryć prezent dla dziecka, żeby nie znalazło, gdzie go najlepiej schować?",
    "schowalismy sie zeby zrobic niespodzianke tacie wlasnie wchodzi do mieszkania",
    "Przygotowujemy imprezę niespodziankę, schowaliśmy się w ciemnym salonie, ktoś otwiera drzwi.",
    "Schowałam prezenty na strychu, żeby wnuki ich nie znalazły, jak długo mogą tam leżeć?",
    "dzieci bawia sie w chowanego czy moge zamowic wiecej pudel",
]

INTRUDER_BESIDE_PLAY = [
    "Bawiłam się z dzieckiem w chowanego, a teraz ktoś obcy wszedł do domu i nas szuka.",
    "schowalam prezent w szafie a teraz ktos sie wlamuje do mieszkania",
    "Chciałam schować prezent, ale usłyszałam obce głosy w piwnicy, ktoś jest w domu.",
    "Schowałam się z dziećmi w łazience, ktoś wyważył drzwi, to nie jest zabawa.",
    "dzieci bawily sie w chowanego a do domu wszedl obcy mezczyzna z nozem",
    "Robiłam mężowi niespodziankę, ale do mieszkania wszedł jakiś obcy facet, schowałam się w szafie.",
    "Schowałem się w szafie, ktoś obcy chodzi po domu, boję się, to nie gra.",
    "ktos wlamal sie do domu schowalam sie z dziecmi w szafie",
    "Schowałam prezent, a teraz słyszę, że ktoś próbuje otworzyć drzwi wytrychem.",
    "Bawimy się w chowanego, ale przez okno wszedł ktoś obcy i jest w salonie.",
    "Zrobiliśmy imprezę niespodziankę, a jakiś pijany obcy wtargnął do domu i grozi nożem.",
]


@pytest.mark.parametrize(("kb", "text"), [(kb, t) for t in TOOTH_AND_A_RED_FLAG + INTRUDER_BESIDE_PLAY for kb in KBS])
async def test_a_toothache_with_a_red_flag_or_an_intruder_beside_a_game_is_urgent(kb: str, text: str) -> None:
    outcome = await said(kb, text)
    assert urgent(outcome), outcome


STILL_URGENT: dict[str, tuple[str, ...]] = {  # urgent by meaning, as before the play rule
    "bawimy sie w chowanego i ktos chodzi po domu i nas szuka": tuple(KBS),
    "Gramy w chowanego, schowałem się pod łóżkiem, a brat chodzi po pokoju i liczy.": tuple(KBS),
    "Bawimy się z dziećmi w chowanego, schowałem się w szafie, a córka mnie szuka.": tuple(
        k for k in KBS if k != "shop"
    ),
}
TRAPPED_IN_PLAY = [
    "syn bawił się w chowanego i utknął w starej lodówce, nie możemy go wyciągnąć",
    "bawimy się w chowanego, a synek się schował i nie możemy go znaleźć od godziny",
    "schowałam prezent w szafie i synek zamknął się w szafie i się dusi",
]


def _calm_cases() -> list[object]:
    out: list[object] = [(kb, t) for t in TOOTH_ONLY + HIDDEN_FOR_PLAY for kb in KBS]
    for text, kbs in STILL_URGENT.items():
        for kb in KBS:
            mark = pytest.mark.xfail(strict=True, reason="urgent by meaning") if kb in kbs else ()
            out.append(pytest.param(kb, text, marks=mark))
    return out


@pytest.mark.parametrize(("kb", "text"), [(kb, t) for t in TRAPPED_IN_PLAY for kb in KBS])
async def test_a_child_trapped_or_missing_in_a_game_is_urgent(kb: str, text: str) -> None:
    outcome = await said(kb, text)
    assert urgent(outcome), outcome


@pytest.mark.parametrize(("kb", "text"), _calm_cases())
async def test_a_toothache_alone_or_hiding_for_play_is_not_urgent(kb: str, text: str) -> None:
    outcome = await said(kb, text)
    assert not urgent(outcome), outcome
