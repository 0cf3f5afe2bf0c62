"""The fair scorer of issue 17 against hand-computed cases: normaliser, word and character edits, corpus
rates, and the decoding-loop detector shared with the recognizer's guard."""

from __future__ import annotations

import pytest

from voice.asr_rules import needs_fallback
from voice.asr_score import (
    char_errors,
    error_rate,
    has_loop,
    normalize_text,
    repeated_phrase,
    repeated_run,
    repeats_itself,
    repeats_whole,
    word_errors,
)


@pytest.mark.parametrize(
    ("text", "normal"),
    [
        ("Ten miesiąc minął bardzo szybko.", "ten miesiąc minął bardzo szybko"),
        ("17", "siedemnaście"),
        ("Siedemnaście!", "siedemnaście"),
        ("Zamówienie 4512, proszę.", "zamówienie cztery tysiące pięćset dwanaście proszę"),
        ("0", "zero"),
        ("e-mail", "e mail"),
        ("  Pani\tKowalska\n", "pani kowalska"),
        ("„Cytat” – tak…", "cytat tak"),
        ("20%", "dwadzieścia"),
        ("ZAŻÓŁĆ gęślą", "zażółć gęślą"),
    ],
)
def test_normalize_text(text: str, normal: str) -> None:
    assert normalize_text(text) == normal


def test_the_same_normaliser_on_both_sides() -> None:
    assert word_errors("siedemnaście", "17.") == (0, 1)  # digits in the hypothesis
    assert word_errors("Mam 3 koty", "mam trzy koty") == (0, 3)  # digits in the reference
    assert word_errors("Interesuje mnie historia Polski.", "interesuje mnie, historia polski") == (0, 4)


def test_word_errors_count_substitutions_deletions_insertions() -> None:
    assert word_errors("Lubię czytać przed snem.", "Lubię czytać przed snam.") == (1, 4)
    assert word_errors("a b c", "") == (3, 3)
    assert word_errors("a", "a b c") == (2, 1)
    assert word_errors("ala ma kota", "ala kota ma psa") == (2, 3)  # "kota" inserted, "kota" -> "psa"


def test_char_errors_count_spaces_too() -> None:
    assert char_errors("snem", "snam") == (1, 4)
    assert char_errors("ala ma", "ala") == (3, 6)  # " ma" deleted
    assert char_errors("Zero.", "0") == (0, 4)


def test_error_rate_is_corpus_level() -> None:
    pairs = [("a b c d", "a b c x"), ("e", "")]
    assert error_rate(pairs) == pytest.approx(2 / 5)  # not the mean of 1/4 and 1/1
    assert error_rate([("ab", "ab"), ("cd", "")], chars=True) == pytest.approx(2 / 4)
    assert error_rate([]) == 0.0


def test_repeated_runs_are_loops_and_short_repeats_are_not() -> None:
    assert repeated_run(["0", "0", "0", "0", "0"]) == (0, 1)
    assert repeated_run(["15", "ks", "ks", "ks", "ks"]) == (1, 1)
    assert repeated_run(["a", "b", "a", "b", "a", "b", "a", "b"]) == (0, 2)
    assert repeated_run(["nie", "nie", "nie"]) is None  # a caller may say that
    assert repeated_run(["to", "jest", "to", "jest", "to", "jest"]) is None  # three times only
    assert has_loop("Kupiłem nowy słownik 15 ks. Ks. Ks. Ks. Ks. Ks.")
    assert has_loop("s s s s s s s s s s s s")
    assert not has_loop("Tak, tak, tak.")
    assert not has_loop("")


def test_a_phrase_written_twice_in_a_row_is_found_and_counted_as_a_loop() -> None:
    said = ["moja", "teściowa", "czasem", "przyjeżdża", "do", "nas", "wilkand"]
    assert repeated_phrase(said + said) == (0, 7)
    assert repeated_phrase(["tak", *said, *said, "dobrze"]) == (1, 7)
    assert repeated_phrase(["nie", "wiem", "nie", "wiem"]) is None  # short: a caller says that
    assert repeated_phrase(["to", "jest", "to", "jest", "to", "jest"]) is None  # a 2-word run: ``repeated_run``'s job
    assert repeated_phrase(said) is None and repeated_phrase([]) is None
    assert (
        repeated_phrase(["cztery", "pięć", "jeden", "dwa", "cztery", "pięć", "jeden", "dwa"]) is None
    )  # read-out digits
    echo = "Moja teściowa czasem przyjeżdża do nas Wilkand Moja teściowa czasem przyjeżdża do nas Wilkand"
    assert repeats_itself(echo) and not has_loop(echo)  # the bench's loop count sees it; the 1-3 word rule did not
    assert repeats_itself("0 0 0 0 0") and not repeats_itself("Moja teściowa czasem przyjeżdża do nas.")


@pytest.mark.parametrize(
    ("text", "repeats"),
    [
        # found by a walkthrough: Whisper base with the demo KB's hotwords, on a clean 2.6 s eval recording
        ("Moja teściowa czasem przyjeżdża do nas Wilkand Moja teściowa czasem przyjeżdża do nas Wilkand", True),
        ("Gdzie jest moja paczka? Gdzie jest moja paczka? Gdzie jest moja paczka?", True),
        ("Moja teściowa czasem przyjeżdża do nas w weekend.", False),
        ("tak tak", False),  # a short answer said twice is a caller, not a decoder going back
        ("nie wiem, nie wiem co", False),
        ("", False),
    ],
)
def test_a_whole_text_said_again_is_a_repeat(text: str, repeats: bool) -> None:
    assert repeats_whole(text) is repeats


def test_a_whole_repeat_asks_for_the_fallback_decoding() -> None:
    twice = "Moja teściowa czasem przyjeżdża do nas Wilkand Moja teściowa czasem przyjeżdża do nas Wilkand"
    assert needs_fallback(twice, -0.3, 20, 60)  # a sure log-prob, a low compression ratio: a repeat all the same
    assert not needs_fallback("Moja teściowa czasem przyjeżdża do nas Wilkand", -0.3, 10, 60)
