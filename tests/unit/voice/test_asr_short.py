"""The closed-vocabulary reading of short answers (issue 17): snapping, when to re-read, which reading wins."""

from __future__ import annotations

from voice.asr_short import NUMBER_WORDS, ShortAnswers, pick_answer, should_reread

ANSWERS = ShortAnswers()


def test_the_vocabulary_is_yes_no_and_the_numbers_a_caller_says_alone() -> None:
    assert {"tak", "nie", "zero", "dziewięć", "dziesięć", "dziewiętnaście", "dwadzieścia"} <= set(ANSWERS.words)
    assert {"dziewięćdziesiąt", "sto", "dziewięćset", "tysiąc"} <= set(NUMBER_WORDS)
    assert len(NUMBER_WORDS) == len(set(NUMBER_WORDS)) == 20 + 8 + 9 + 1


def test_snap_maps_near_readings_to_vocabulary_words() -> None:
    assert ANSWERS.snap("Dwa.") == "dwa"
    assert ANSWERS.snap("Jedennaście") == "jedenaście"  # one letter too many
    assert ANSWERS.snap("DwaNescia") == "dwanaście"
    assert ANSWERS.snap("14") == "czternaście"  # digits are spelled out first
    assert ANSWERS.snap("Tak, tak") == "tak"  # a word said twice in a row is one answer


def test_snap_joins_what_whisper_split_and_reads_teen_ordinals_as_numbers() -> None:
    assert ANSWERS.snap("siedem nasta") == "siedemnaście"
    assert ANSWERS.snap("Dwa naście") == "dwanaście"
    assert ANSWERS.snap("Trzynasty") == "trzynaście"
    assert ANSWERS.snap("dwa trzy") == "dwa trzy"  # two real words stay two


def test_snap_refuses_what_is_not_an_isolated_answer() -> None:
    assert ANSWERS.snap("Pterd") is None  # too far from any word
    assert ANSWERS.snap("Lubię czytać") is None
    assert ANSWERS.snap("jeden dwa trzy cztery") is None  # four words: a phrase, not an answer
    assert ANSWERS.snap("") is None


def test_only_doubtful_short_turns_are_read_again() -> None:
    assert should_reread(ANSWERS, 0.8, "Derva", -1.28)
    assert should_reread(ANSWERS, 0.8, "Siedem Siedem", -0.35)  # sure, but a doubled word
    assert not should_reread(ANSWERS, 0.8, "Cześć.", -0.3)  # a confident word is left alone
    assert not should_reread(ANSWERS, 0.8, "osiem", -0.92)  # already an answer
    assert not should_reread(ANSWERS, 1.6, "Derva", -1.28)  # not a short turn
    assert not should_reread(ANSWERS, 1.2, "Na złamaną kończynę często", -1.0)  # a phrase
    assert not should_reread(ShortAnswers(max_s=0.5), 0.8, "Derva", -1.28)


def test_the_constrained_reading_must_be_sure_and_the_longest_snap_wins() -> None:
    assert pick_answer(ANSWERS, ["Dwa", "Derva"], -0.24) == "dwa"
    assert pick_answer(ANSWERS, ["Pięć", "Kopiwanie"], -1.16) is None  # spelled from pieces, a guess
    assert pick_answer(ANSWERS, ["siedem", "siedem nasta"], -0.22) == "siedemnaście"
    assert pick_answer(ANSWERS, ["Pterd", "Rekter"], -0.3) is None


def test_suppression_leaves_only_the_vocabulary_pieces() -> None:
    pieces: dict[str, int] = {}

    def encode(text: str) -> list[int]:  # a toy tokenizer: one id per distinct 3-letter piece
        return [pieces.setdefault(text[i : i + 3], len(pieces)) for i in range(0, len(text), 3)]

    suppressed = set(ANSWERS.suppressed(encode, vocab_size=5000))
    allowed = set(range(5000)) - suppressed
    assert allowed == set(pieces.values()) and 0 < len(allowed) < 1000
    assert pieces[" pi"] in allowed and 4999 in suppressed
