"""A review of the impostor, card-now, intruder and burst-pipe rules: the everyday look-alikes the new rules made
urgent (a tax office's or ZUS's letter about money owed, a relative's message about a parcel code or a transfer
that came, a question whether someone uses the caller's data, a pipe that may burst one day) and the emergencies
they lost (a card used now asked beside "jak zablokować", someone in the cellar since yesterday, a fake meter
reader rummaging). Sentences written before the rules were read, through the real engine on the KBs of tests/data."""

from __future__ import annotations

import pytest

from tests.e2e.dialog.emergency_probes import said, urgent

OFFICE_CALM = [
    "ZUS pisze, że muszę zwrócić pieniądze za nadpłaconą emeryturę, jak to zrobić?",
    "ZUS napisał, że mam zwrócić pieniądze z zasiłku, czy mogę to rozłożyć na raty?",
    "Urząd skarbowy napisał, że mam dopłacić podatek przelewem do końca kwietnia.",
    "Skarbówka zadzwoniła, że zwrot podatku przyjdzie przelewem, mam czekać?",
    "ZUS twierdzi, że mam nadpłatę i muszę oddać pieniądze, co robić?",
    "Dzwonił urząd skarbowy, że mam nadpłatę, i pieniądze przyjdą przelewem na moje konto.",
]
KIN_CALM = [
    "Córka dostała SMS-a z kodem BLIK i chce zapłacić za zamówienie, jak to zrobić?",
    "Mam wiadomość od córki, że przelew za zamówienie nie doszedł, możecie sprawdzić?",
    "Dostałem SMS-a z kodem, syn chce odebrać za mnie paczkę, może?",
    "Jak wysłać synowi wiadomość z kodem do paczkomatu?",
    "Znajomy napisał mi na Facebooku, że macie promocję za 50 zł, chcę zamówić.",
    "Brat wysłał SMS-a, że przelew za rachunek już poszedł, kiedy go zaksięgujecie?",
    "Mama dostała SMS-a z kodem recepty, a ja chcę wykupić za nią lek, jak to zrobić?",
    "Chcę przenieść numer syna do was, dostałem SMS-a z kodem autoryzacyjnym, co dalej?",
    "Koleżanka poleciła mi na czacie wasz sklep, chcę kupić pralkę za tysiąc złotych.",
    "Syn wyśle mi SMS-em kod do odbioru paczki, czy mogę go podać kurierowi?",
]
OTHER_CALM = [
    "Czy ktoś z waszych pracowników używa moich danych do reklam?",
    "Czy ktoś bierze dane z mojej karty, kiedy płacę zbliżeniowo?",
    "Jak działa ubezpieczenie, gdy woda cieknie z rury u sąsiada?",
]
URGENT_LOST = [
    "Ktoś używa mojej karty, co chwilę schodzą pieniądze z konta.",
    "Ktoś płaci moją kartą, co chwilę przychodzą powiadomienia.",
    "Ktoś loguje się na moje konto, jak go zablokować?",
    "Ktoś kupuje w internecie moją kartą, jak zastrzec kartę?",
    "Ktoś wypłaca pieniądze z mojego konta, jak to zatrzymać?",
    "Od wczoraj ktoś siedzi w mojej piwnicy i nie chce wyjść.",
    "Ktoś wszedł do domu, żeby niby odczytać licznik, a teraz grzebie w szufladach.",
    "Dzwonił ktoś z urzędu skarbowego i chce, żebym mu zapłaciła przelewem karę, bo inaczej przyjdzie komornik.",
    "Syn pisze na Messengerze, że pilnie potrzebuje kodu BLIK, a jego telefon jest zepsuty.",
]
# Missed before the rules too: "każą" was no demand's verb, a deposit machine no scammer's demand.
MISSED = [
    "Dzwonią z banku, mówią, że moje pieniądze są zagrożone, i każą pojechać do wpłatomatu.",
    "Policjant dzwoni i każą mi wpłacić oszczędności we wpłatomacie na bezpieczny rachunek.",
]
KBS = ("water", "shop", "telecom", "agd", "urzad", "klinika")
# Calm again on the KBs where the flowing-water rule made it urgent; on the others it sits near a flood by
# meaning, as it did before that rule (not this review's finding).
SUPPOSED_FLOOD = "Co jeśli zimą pęknie rura i woda zalewa mieszkanie, czy jestem ubezpieczony?"


@pytest.mark.parametrize("kb", KBS)
@pytest.mark.parametrize("text", OFFICE_CALM + KIN_CALM + OTHER_CALM)
async def test_a_letter_a_relatives_message_or_a_what_if_stays_calm(kb: str, text: str) -> None:
    outcome = await said(kb, text)
    assert not urgent(outcome), outcome


@pytest.mark.parametrize("kb", ["water", "shop"])
async def test_a_flood_supposed_beside_cover_stays_calm(kb: str) -> None:
    outcome = await said(kb, SUPPOSED_FLOOD)
    assert not urgent(outcome), outcome


@pytest.mark.parametrize("kb", KBS)
@pytest.mark.parametrize("text", URGENT_LOST + MISSED)
async def test_a_card_used_now_or_an_intruder_still_there_is_urgent(kb: str, text: str) -> None:
    outcome = await said(kb, text)
    assert urgent(outcome), outcome
