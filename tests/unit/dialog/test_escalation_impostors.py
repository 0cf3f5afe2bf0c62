"""Word-level checks behind the impostor, burst-pipe and drowned-device rules (the engine-level sentences are in
tests/e2e/dialog/test_impostors_and_burst_pipes.py): a tax office or a relative on a messenger wanting a BLIK code,
someone paying with the caller's card now, water flowing beside a question about cover, a phone that got wet."""

from __future__ import annotations

import pytest

from dialog.engine_cues import tokens
from dialog.escalation import detect_reason
from dialog.escalation_scams import card_used_now, scam_in_progress
from dialog.escalation_water import device_drowned, water_flowing_now


@pytest.mark.parametrize(
    "text",
    [
        "dzwonił ktoś z urzędu skarbowego, że mam zaległość i mam zapłacić natychmiast kodem BLIK",
        "pan z skarbówki każe mi przelać pieniądze na konto techniczne",
        "zadzwonił człowiek z zusu i chce żebym podała kod blik",
        "ktoś mówi że jest z urzędu skarbowego i chce kod blik",
        "córka pisze na Messengerze, że potrzebuje kod BLIK na pilne zakupy",
        "siostra pisze na messengerze, żebym jej wysłała kod blik, bo ma problem",
        "dostałem smsa od syna, że zmienił numer i potrzebuje pilnie tysiąc złotych",
    ],
)
def test_an_impostor_wants_a_code_or_money(text: str) -> None:
    assert scam_in_progress(tokens(text))


@pytest.mark.parametrize(
    "text",
    [
        "czy mogę zapłacić podatek blikiem",
        "urząd skarbowy przysłał pismo o zaległości, jak ją spłacić",
        "czy urząd skarbowy dzwoni do podatników w sprawie zaległości",
        "syn pisze na messengerze, że paczka dotarła",
        "córka napisała mi na messengerze, żebym zamówiła jej ładowarkę",
        "nie udaje mi się zapłacić blikiem w banku, co mam zrobić",
        "córka pisze na messengerze, że potrzebuje kod blik, czy naprawdę to ona",
    ],
)
def test_paying_tax_or_a_relatives_message_is_no_scam(text: str) -> None:
    assert not scam_in_progress(tokens(text))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ktoś płaci moją kartą w internecie", "urgent"),
        ("z mojej karty ktoś płaci w sklepach internetowych", "urgent"),
        ("czy ktoś inny może płacić moją kartą za zamówienie", None),
        ("wyciekły moje dane", "urgent"),
        ("kto płaci za wodę, która wyciekła po pęknięciu rury w zeszłym tygodniu", "complaint"),
    ],
)
def test_a_card_used_now_and_a_leak_of_data_not_of_water(text: str, expected: str | None) -> None:
    assert detect_reason(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("rura pękła i tryska woda, czy ubezpieczenie to pokryje", True),
        ("pękła rura, woda się leje, czy ubezpieczenie to pokryje?", True),
        ("czy ubezpieczenie obejmuje zalane mieszkanie?", False),
        ("czy ubezpieczenie pokryje, gdy pęknie rura", False),
        ("woda nie cieknie, rura tylko pękła miesiąc temu", False),
    ],
)
def test_water_flowing_now(text: str, expected: bool) -> None:
    assert water_flowing_now(tokens(text)) is expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("zalało mi telefon", True),
        ("zalałem laptopa kawą", True),
        ("telefon wpadł do wody", True),
        ("zalało mi telefon i mieszkanie", False),
        ("zalało biuro i komputery", False),
        ("telefon mi nie działa", False),
    ],
)
def test_a_drowned_device_is_no_flood(text: str, expected: bool) -> None:
    assert device_drowned(tokens(text)) is expected


@pytest.mark.parametrize(
    "text",
    [
        "ZUS pisze, że muszę zwrócić pieniądze za nadpłaconą emeryturę, jak to zrobić?",
        "Urząd skarbowy napisał, że mam dopłacić podatek przelewem do końca kwietnia.",
        "Skarbówka zadzwoniła, że zwrot podatku przyjdzie przelewem, mam czekać?",
        "ZUS twierdzi, że mam nadpłatę i muszę oddać pieniądze, co robić?",
        "Mam wiadomość od córki, że przelew za zamówienie nie doszedł, możecie sprawdzić?",
        "Mama dostała SMS-a z kodem recepty, a ja chcę wykupić za nią lek, jak to zrobić?",
        "Znajomy napisał mi na Facebooku, że macie promocję za 50 zł, chcę zamówić.",
        "Syn wyśle mi SMS-em kod do odbioru paczki, czy mogę go podać kurierowi?",
    ],
)
def test_an_offices_letter_or_a_relatives_message_about_money_is_no_scam(text: str) -> None:
    assert not scam_in_progress(tokens(text))


@pytest.mark.parametrize(
    "text",
    [
        "Dzwonił ktoś z urzędu skarbowego i chce, żebym mu zapłaciła przelewem karę, bo inaczej przyjdzie komornik.",
        "dzwonią ze skarbówki że jak nie zapłacę dziś to zajmą mi mieszkanie, mam przelać pieniądze",
        "ktoś podaje się za urzędnika skarbówki i chce numer mojej karty",
        "Syn pisze na Messengerze, że pilnie potrzebuje kodu BLIK, a jego telefon jest zepsuty.",
    ],
)
def test_an_office_wanting_a_card_or_payment_under_threat_is_a_scam(text: str) -> None:
    assert scam_in_progress(tokens(text))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Ktoś loguje się na moje konto, jak go zablokować?", True),
        ("Ktoś używa mojej karty, co chwilę schodzą pieniądze z konta.", True),
        ("Czy ktoś z waszych pracowników używa moich danych do reklam?", False),
        ("Czy ktoś bierze dane z mojej karty, kiedy płacę zbliżeniowo?", False),
    ],
)
def test_a_card_used_now(text: str, expected: bool) -> None:
    assert card_used_now(tokens(text)) is expected


@pytest.mark.parametrize(
    "text",
    [
        "Co jeśli zimą pęknie rura i woda zalewa mieszkanie, czy jestem ubezpieczony?",
        "Jak działa ubezpieczenie, gdy woda cieknie z rury u sąsiada?",
    ],
)
def test_water_flowing_in_a_case_supposed_is_not_now(text: str) -> None:
    assert not water_flowing_now(tokens(text))
