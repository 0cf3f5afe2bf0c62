"""Order numbers as callers say them and as Whisper writes them; the yes/no detector."""

from __future__ import annotations

import pytest

from dialog.numbers import extract_order_number, find_order_numbers, is_number_word, yes_no


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("48213", "48213"),
        ("48-213", "48213"),
        ("48 213", "48213"),
        ("48.213", "48213"),
        ("nr 4 8 2 1 3", "48213"),
        ("numer zamówienia to 48213.", "48213"),
        ("czterdzieści osiem tysięcy dwieście trzynaście", "48213"),
        ("czterdziesci osiem tysiecy dwiescie trzynascie", "48213"),  # ASR without diacritics
        ("cztery osiem dwa jeden trzy", "48213"),
        ("czterdzieści osiem dwa trzynaście", "48213"),  # pairs and groups
        ("czterdzieści osiem dwieście trzynaście", "48213"),
        ("czterdzieści, osiem, dwieście trzynaście", "48213"),  # ASR commas inside a number
        ("48 tysięcy 213", "48213"),  # mixed digits and words
        ("yyy cztery yyy osiem dwa jeden trzy", "48213"),  # hesitations inside
        ("dwójka zero zero siedem jedynka", "20071"),  # colloquial digit names
        ("ósemkę czwórkę dwójkę jedynkę trójkę", "84213"),
        ("zero/zero/siedem/dwa", "0072"),  # leading zeros kept
        ("czterdzieści osiem zero trzynaście", "48013"),
        ("sto dwadzieścia trzy czterdzieści pięć", "12345"),
        ("jedenaście tysięcy sto jeden", "11101"),
        ("tysiąc dwieście trzydzieści cztery", "1234"),
        ("pięćdziesiąt tysięcy jeden", "50001"),
        ("czterdzieśći osiem dwieśćie trzynaśćie", "48213"),  # one-letter ASR slips in long words
        ("nie 48213 tylko 48214", "48214"),  # the last number is the caller's final word
        ("nie, chodziło mi o czterdzieści osiem dwa czternaście", "48214"),
        ("5, 3, 7, 6, 1", "53761"),  # Whisper writes digits said one by one with commas
        ("5. 2. 5. 3. 9.", "52539"),
        ("5-2-5-3-9", "52539"),
        ("Pięć dwa Pięć trzy dziewięć Pięć dwa Pięć trzy dziewięć", "52539"),  # Whisper said it twice
    ],
)
def test_extracts_order_number(text: str, expected: str) -> None:
    assert extract_order_number(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "gdzie jest moja paczka",
        "zamówiłem dwa telewizory",
        "trzy dni temu",
        "piec nie grzeje",
        "25 listopada",
    ],
)
def test_no_order_number_in_ordinary_sentences(text: str) -> None:
    assert extract_order_number(text) is None


def test_dates_are_not_glued_into_one_number() -> None:
    assert find_order_numbers("zamówiłem 25.11.2026, numer 48213") == ["2026", "48213"]
    assert extract_order_number("zamówiłem 25.11.2026, numer 48213") == "48213"


def test_length_limits_are_configurable() -> None:
    assert extract_order_number("numer 123", min_digits=3) == "123"
    assert extract_order_number("numer 123") is None
    assert extract_order_number("12345678901234") is None


def test_number_words() -> None:
    assert is_number_word("czterdzieści") and is_number_word("czterdziesci") and is_number_word("dwójkę")
    assert not is_number_word("paczka")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("tak", True),
        ("Tak, poproszę.", True),
        ("no tak", True),
        ("jasne", True),
        ("oczywiście", True),
        ("oczywiscie", True),
        ("zgadza się", True),
        ("no", True),  # colloquial "yeah"
        ("nie ma sprawy", True),
        ("jak najbardziej", True),
        ("nie", False),
        ("Nie, dziękuję.", False),
        ("nie trzeba", False),
        ("no nie", False),
        ("raczej nie", False),
        ("w żadnym wypadku", False),
        ("nie, chodziło mi o inne zamówienie", False),
        ("nie wiem", None),
        ("może", None),
        ("gdzie jest moja paczka", None),
        ("", None),
    ],
)
def test_yes_no(text: str, expected: bool | None) -> None:
    assert yes_no(text) is expected
