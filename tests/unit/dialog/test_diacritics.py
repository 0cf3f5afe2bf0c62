"""Polish letters put back into messages typed without them (``dialog.diacritics``), with the real
Polish dictionary of simplemma (a library, not a model) and a recording stand-in for the embedding model."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pytest

from dialog.diacritics import VERSION, Restorer, RestoringEmbedder, known_share, new_known_words


@pytest.mark.parametrize(
    ("typed", "restored"),
    [
        ("czy moge zaplacic przy odbiorze", "czy mogę zapłacić przy odbiorze"),
        ("jak dlugo idzie przesylka", "jak długo idzie przesyłka"),
        ("jak sie zameldowac", "jak się zameldować"),  # "sie" is a word of its own, a rare one
        ("Czesc, prosze o pomoc", "Cześć, proszę o pomoc"),  # capitals and punctuation kept
        ("zamowienie 48213 nie doszlo", "zamówienie 48213 nie doszło"),  # numbers untouched
    ],
)
def test_words_typed_without_diacritics_get_them_back(typed: str, restored: str) -> None:
    assert Restorer().restore(typed) == restored


def test_a_message_with_any_polish_letter_is_left_as_written() -> None:
    assert Restorer().restore("mogę zaplacic kartą") == "mogę zaplacic kartą"


def test_the_kbs_own_spelling_wins_over_a_plain_word_the_dictionary_knows() -> None:
    assert Restorer().restore("meldunek na stale") == "meldunek na stale"  # "stale" (constantly) is a word
    kb = Restorer(["Zameldowanie na pobyt stałe wymaga dowodu."])
    assert kb.restore("meldunek na stale") == "meldunek na stałe"


def test_an_unknown_word_stays_as_typed() -> None:
    assert Restorer().restore("xqzt brzdc") == "xqzt brzdc"


class _Recording:
    model_id = "fake-model"

    def __init__(self) -> None:
        self.seen: list[tuple[str, list[str]]] = []
        self.cleared = 0

    def queries(self, texts: Sequence[str]) -> np.ndarray:
        self.seen.append(("query", list(texts)))
        return np.ones((len(texts), 2), dtype=np.float32)

    def passages(self, texts: Sequence[str]) -> np.ndarray:
        self.seen.append(("passage", list(texts)))
        return np.ones((len(texts), 2), dtype=np.float32)

    def clear_cache(self) -> None:
        self.cleared += 1


def test_the_embedder_sees_restored_queries_and_untouched_passages() -> None:
    inner = _Recording()
    emb = RestoringEmbedder(inner, Restorer())
    emb.queries(["gdzie jest moja przesylka"])
    emb.passages(["Przesylka dociera w 2 dni."])  # an operator's text is the operator's
    emb.clear_cache()
    assert inner.seen == [("query", ["gdzie jest moja przesyłka"]), ("passage", ["Przesylka dociera w 2 dni."])]
    assert inner.cleared == 1
    assert emb.model_id == f"fake-model+{VERSION}"  # cached vectors of restored texts are never mixed up


def test_known_share_counts_words_the_dictionary_or_the_kb_knows() -> None:
    assert known_share("czuję gaz w kuchni") == 1.0
    assert known_share("czuje gaz w kuchni") == 1.0  # "czuje" is a word as typed, too
    assert known_share("w podach baseniej zapadzu ciepła") == 0.25  # "w" is too short to count
    assert known_share("paczka z InPost utknęła") == pytest.approx(2 / 3)  # "z" is too short
    assert known_share("paczka z InPost utknęła", frozenset({"inpost"})) == 1.0
    assert known_share("48213") == 1.0  # no words: nothing garbled


def test_only_the_words_the_embedding_model_reads_are_restored() -> None:
    """A long message costs at most ``MAX_WORDS`` restorations (a few ms), not one per word it has."""
    from dialog.diacritics import MAX_WORDS

    text = " ".join(["moge"] * (MAX_WORDS + 5))
    out = Restorer().restore(text).split()
    assert out[:MAX_WORDS] == ["mogę"] * MAX_WORDS and out[MAX_WORDS:] == ["moge"] * 5


def test_new_known_words_are_the_real_words_a_wording_adds() -> None:
    """Whisper's lower wordings often swap one non-word for another; only a real word (or a KB name) that the
    first wording lacks can change what the turn means."""
    first = "Lubię czytać przed snom"
    assert new_known_words("Lubię czytać przed snam", first) == set()
    assert new_known_words("Lubię czytać przed znam", first) == {"znam"}
    assert new_known_words("jak dlugo idzie przesylka", "jak dlugo idze") == {"idzie", "przesyłka"}  # restored
    assert new_known_words("ile kosztuje xaomi", "ile kosztuje ksiaomi", frozenset({"xaomi"})) == {"xaomi"}
    assert new_known_words("ile kosztuje", "Ile kosztuje dostawa?") == set()  # dropping words adds none


@pytest.mark.parametrize("length", [40, 63, 64, 2000])
def test_a_long_word_is_left_as_typed_without_trying_its_spellings(
    length: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A probe's 63-letter word of "a"s: numpy's int64 product of the 2-letter choices wrapped to a negative
    number (64 letters: 0), the guard passed and 2**63 spellings were tried, one CPU core pinned for good."""
    from dialog import diacritics

    asked: list[str] = []
    monkeypatch.setattr(diacritics, "_known", lambda word: asked.append(word) or False)
    diacritics._spelled.cache_clear()
    assert diacritics._spelled("a" * length) is None and asked == []
    assert diacritics._spelled("zolw") is None and len(asked) == 3 * 2 * 2 - 1  # a short word: every spelling
