"""The personal-data masker (``dialog.pii``): real-looking valid numbers get their label, numbers with a
wrong checksum are still masked when long (as ``[numer]``), and what an agent or the dialog needs stays."""

from __future__ import annotations

import pytest

from dialog.pii import classify, kinds, mask, mask_pairs, mask_transcript
from dialog.session import Session
from dialog.summary import summarize

VALID = {
    "pesel": ["44051401359", "90090515836", "85010112345"],
    "nip": ["5260250995", "7740001454", "526-025-09-95", "526-02-50-995"],
    "regon": ["12345678512347"],
    "card": ["4111 1111 1111 1111", "5555-5555-5555-4444", "378282246310005"],
    "iban": ["PL61 1090 1014 0000 0712 1981 2874", "PL27114020040000300201355387", "27 1140 2004 0000 3002 0135 5387"],
    "phone": ["+48 601 234 567", "601-234-567", "601234567", "0048601234567", "22 123 45 67", "(22) 123 45 67"],
}
LABEL = {"pesel": "PESEL", "nip": "NIP", "regon": "REGON", "card": "karta", "iban": "IBAN", "phone": "telefon"}


@pytest.mark.parametrize(("kind", "number"), [(k, n) for k, ns in VALID.items() for n in ns])
def test_valid_numbers_are_masked_with_their_label_and_never_readable(kind: str, number: str) -> None:
    text = f"Proszę zapisać: {number}, dziękuję."
    masked = mask(text)
    assert kinds(text) == [LABEL[kind]]
    digits = "".join(c for c in number if c.isdigit())
    assert digits not in "".join(c for c in masked if c.isdigit())
    assert masked.startswith("Proszę zapisać: [") and masked.endswith("], dziękuję.")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("karta 4111 1111 1111 1111", "karta [karta …1111]"),  # last 4 of a card/account: tells two apart
        ("konto PL61 1090 1014 0000 0712 1981 2874", "konto [IBAN …2874]"),
        ("dzwonię z +48 601 234 567", "dzwonię z [telefon …567]"),
        ("REGON 123456785", "REGON [REGON]"),  # 9 digits are REGON only when named so (else a phone)
        ("pisz na jan.kowalski@poczta.example.pl albo JK+faktury@firma.com.pl", "pisz na [e-mail] albo [e-mail]"),
    ],
)
def test_tokens_keep_only_what_tells_two_apart(text: str, expected: str) -> None:
    assert mask(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("PESEL 44051401358", "PESEL [numer]"),  # wrong checksum: not labelled PESEL, still masked (11 digits)
        ("karta 4111 1111 1111 1112", "karta [numer]"),  # fails Luhn
        ("konto PL61 1090 1014 0000 0712 1981 2875", "konto PL61 [numer]"),  # bad IBAN check digits
        ("mój NIP to 5260250996", "mój NIP to [numer]"),  # named as personal: masked whatever the checksum
        ("NIP 526-025-09-96", "NIP [numer]"),
    ],
)
def test_wrong_checksums_are_not_labelled_but_still_masked(text: str, expected: str) -> None:
    assert mask(text) == expected


def test_a_ten_digit_number_that_is_no_nip_and_not_named_stays_it_may_be_an_order_number() -> None:
    assert classify("5260250996") is None
    assert mask("zamówienie 5260250996") == "zamówienie 5260250996"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("mieszkam na ul. Marszałkowskiej 12/5, 00-950 Warszawa", "mieszkam na [adres], [adres]"),
        ("adres: ulica 3 Maja 12 m. 4", "adres: [adres]"),
        ("al. Jana Pawła II 100 lok 7", "[adres]"),
        ("os. Tysiąclecia 5a", "[adres]"),
        ("kod 31-512 Kraków", "kod [adres]"),
    ],
)
def test_street_addresses_and_postcodes_are_masked(text: str, expected: str) -> None:
    assert mask(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("mój pesel to cztery cztery zero pięć jeden cztery zero jeden trzy pięć dziewięć", "mój pesel to [PESEL]"),
        ("numer sześćset jeden dwieście trzydzieści cztery pięćset sześćdziesiąt siedem", "numer [telefon …567]"),
    ],
)
def test_numbers_said_as_words_count_like_digits(text: str, expected: str) -> None:
    assert mask(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "zamówienie 48213 z 12.05.2024 o 14:30, kwota 1 299,99 zł, 2 sztuki",
        "zamówienie czterdzieści osiem dwa trzynaście",
        "call CA0123456789abcdef0123456789abcdef session 123e4567-e89b-12d3-a456-426614174000 at 2024-05-01 12:30:00",
        "ulica Długa bez numeru, plac zabaw",
    ],
)
def test_order_numbers_dates_amounts_and_ids_are_left_alone(text: str) -> None:
    assert mask(text) == text


def test_kept_values_survive_wherever_they_appear() -> None:
    """A 9-digit order number looks like a phone number: the order id an agent needs is kept."""
    text = "chodzi o zamówienie 601 234 567, mój telefon 601 234 568"
    assert mask(text, keep=["601234567"]) == "chodzi o zamówienie 601 234 567, mój telefon [telefon …568]"
    assert mask(text, keep=[None, ""]) == "chodzi o zamówienie [telefon …567], mój telefon [telefon …568]"


def test_masking_is_idempotent() -> None:
    text = "PESEL 44051401359, karta 4111 1111 1111 1111, ul. Długa 5, jan@example.pl, tel. 601 234 567"
    once = mask(text)
    assert mask(once) == once
    assert kinds(text) == ["PESEL", "karta", "adres", "e-mail", "telefon"]


def test_transcripts_and_histories_have_their_texts_masked_and_nothing_else() -> None:
    entries = [
        {"role": "caller", "turn": 1, "text": "PESEL 44051401359", "source": "asr", "confidence": 0.9},
        {"role": "bot", "id": "s1", "text": "Zamówienie 48213.", "heard": "Zamówienie 48213.", "status": "heard"},
    ]
    masked = mask_transcript(entries, keep=["48213"])
    assert masked[0] == {**entries[0], "text": "PESEL [PESEL]"}
    assert masked[1] == entries[1]
    assert entries[0]["text"] == "PESEL 44051401359"  # the live list is not changed
    assert mask_pairs([("caller", "karta 4111111111111111"), ("bot", "Dziękuję.")]) == [
        ("caller", "karta [karta …1111]"),
        ("bot", "Dziękuję."),
    ]


def test_the_agent_summary_masks_before_shortening_and_keeps_the_order_id() -> None:
    """A card number across the quote's 120-character cut would otherwise leave 10 digits readable."""
    turn = "x" * 100 + " karta 4111 1111 1111 1111 i zamówienie 601234567"
    summary = summarize("requested_human", turn, [turn, "mój PESEL 44051401359"], 0, "calm", "601234567")
    assert "1111 1111" not in summary and "44051401359" not in summary and "[PESEL]" in summary
    assert "Zamówienie 601234567" in summary


def test_a_stored_session_is_masked_and_the_live_one_is_not() -> None:
    session = Session(id="s", order_id="48213")
    session.add("caller", "zamówienie 48213, karta 4111 1111 1111 1111")
    session.first_request = "karta 4111 1111 1111 1111"
    stored = session.stored()
    assert stored["history"] == [["caller", "zamówienie 48213, karta [karta …1111]"]]
    assert stored["first_request"] == "karta [karta …1111]" and stored["order_id"] == "48213"
    assert session.history[0][1].endswith("4111 1111 1111 1111")  # the turn in progress still has it
    assert Session.model_validate(stored).history == [("caller", "zamówienie 48213, karta [karta …1111]")]
