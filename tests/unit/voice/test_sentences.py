"""The one Polish sentence splitter (voice.sentences): whole texts, and the same texts arriving in pieces."""

from __future__ import annotations

import pytest

from voice.sentences import NOT_FINAL, SentenceStream, cut_opening, first_clause, split_clauses, split_sentences

CASES = [
    ("Dzień dobry. W czym mogę pomóc?", ["Dzień dobry.", "W czym mogę pomóc?"]),
    ("Nie. Paczka dotarła wczoraj.", ["Nie.", "Paczka dotarła wczoraj."]),
    ("Tak! Zamówienie jest w drodze…  Coś jeszcze?", ["Tak!", "Zamówienie jest w drodze…", "Coś jeszcze?"]),
    ("Odbiór przy ul. Długiej 5. Zapraszamy.", ["Odbiór przy ul. Długiej 5.", "Zapraszamy."]),
    ("Czynne do godz. 18. Dziękujemy.", ["Czynne do godz. 18.", "Dziękujemy."]),
    ("Paczka nr 48 z dnia 12.05.2026 r. Kurier jedzie.", ["Paczka nr 48 z dnia 12.05.2026 r.", "Kurier jedzie."]),
    ("Waga 2.5 kg, cena 19,99 zł. Dostawa gratis.", ["Waga 2.5 kg, cena 19,99 zł.", "Dostawa gratis."]),
    ("Mamy m.in. buty, tzw. trampki itd. Zapraszamy.", ["Mamy m.in. buty, tzw. trampki itd.", "Zapraszamy."]),
    ("Oddzwoni dr Nowak, tel. 123 456 789. Do usłyszenia.", ["Oddzwoni dr Nowak, tel. 123 456 789.", "Do usłyszenia."]),
    ("Dostawa trwa ok. 3 dni. Wszystko ok. Dzięki.", ["Dostawa trwa ok. 3 dni.", "Wszystko ok.", "Dzięki."]),
    ("Mamy buty, torby itd. oraz akcesoria. Koniec", ["Mamy buty, torby itd. oraz akcesoria.", "Koniec"]),
    ("Odbierze J. Kowalski. 1. Zaloguj się. 2. Kliknij.", ["Odbierze J. Kowalski.", "1. Zaloguj się.", "2. Kliknij."]),
    ("Powiedział: „Jutro.” Potem (jak zwykle.) Wyszedł.", ["Powiedział: „Jutro.”", "Potem (jak zwykle.)", "Wyszedł."]),
    ("Pierwszy akapit\n\nDrugi  akapit", ["Pierwszy akapit", "Drugi akapit"]),
    ("Bez kropki", ["Bez kropki"]),
    ("   ", []),
]  # fmt: skip


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_whole_text(text: str, expected: list[str]) -> None:
    assert split_sentences(text) == expected


@pytest.mark.parametrize(("text", "expected"), CASES)
@pytest.mark.parametrize("size", [1, 2, 5, 13])
def test_text_in_pieces_is_cut_like_the_whole_text(text: str, expected: list[str], size: int) -> None:
    stream, got = SentenceStream(), []
    for i in range(0, len(text), size):
        got += stream.feed(text[i : i + size])
    rest = stream.flush()
    assert [*got, *([rest] if rest else [])] == expected


def test_a_sentence_closes_once_the_next_word_shows_it_is_not_an_abbreviation() -> None:
    stream = SentenceStream()
    assert stream.feed("Dzień dob") == []
    assert stream.feed("ry. ") == []  # 'dobry. oraz' would go on: the next character decides
    assert stream.feed("Paczka przyjdzie np. ") == ["Dzień dobry."]
    assert stream.feed("Jutro o 12.") == []  # 'np. Jutro' does not close it, nor may '12.' yet
    assert stream.feed("30. Czy") == ["Paczka przyjdzie np. Jutro o 12.30."]
    assert stream.feed(" mogę pomóc?") == []
    assert stream.flush() == "Czy mogę pomóc?"
    assert stream.flush() == ""  # flushed: the stream starts afresh


def test_the_abbreviation_list_is_lower_case_and_holds_the_common_ones() -> None:
    assert {"np.", "tzw.", "ul.", "godz.", "nr", "tel.", "m.in.", "dr"} <= NOT_FINAL
    assert all(a == a.lower() for a in NOT_FINAL)
    assert "itd." not in NOT_FINAL  # 'itd.' may end a sentence: '..., torby itd. Zapraszamy.'


CLAUSES = [
    ("Dzień dobry, tu infolinia sklepu.", ("Dzień dobry,", "tu infolinia sklepu.")),
    ("Kosztuje 12,50 zł, a dostawa jest jutro.", ("Kosztuje 12,50 zł,", "a dostawa jest jutro.")),  # no cut in 12,50
    ("Odbiór od 14:00 – kurier zadzwoni wcześniej.", ("Odbiór od 14:00 –", "kurier zadzwoni wcześniej.")),
    ("Uwaga na jedno: paczka czeka tylko dwa dni.", ("Uwaga na jedno:", "paczka czeka tylko dwa dni.")),
    ("Zamówienie jest opłacone - wyślemy je jutro.", ("Zamówienie jest opłacone -", "wyślemy je jutro.")),
    # 'Tak,' alone is too short: the next comma
    ("Tak, zamówienie jest w drodze, dotrze jutro.", ("Tak, zamówienie jest w drodze,", "dotrze jutro.")),
    ("Zamówienie numer cztery osiem zostało przyjęte i czeka na płatność.",
     ("Zamówienie numer cztery osiem zostało przyjęte", "i czeka na płatność.")),  # no punctuation: before 'i'
    ("Paczka jest w drodze, ale kurier się spóźni i przeprasza.",
     ("Paczka jest w drodze,", "ale kurier się spóźni i przeprasza.")),
    ("Zamówienie zostało wysłane.", ("Zamówienie zostało wysłane.", "")),
    # the rest must be rendered while the head plays: a short head before a long rest is no cut
    ("Dzień dobry, tu asystent sklepu Sklep Demo i chętnie pomogę w sprawie zamówienia.",
     ("Dzień dobry, tu asystent sklepu Sklep Demo", "i chętnie pomogę w sprawie zamówienia.")),
    ("Tak, dziękuję.", ("Tak, dziękuję.", "")),  # both parts would be too short
    ("Paczka  jest\tw drodze,   dotrze\njutro rano.", ("Paczka jest w drodze,", "dotrze jutro rano.")),
]  # fmt: skip


@pytest.mark.parametrize(("sentence", "expected"), CLAUSES)
def test_first_clause(sentence: str, expected: tuple[str, str]) -> None:
    head, rest = first_clause(sentence)
    assert (head, rest) == expected
    assert " ".join(p for p in (head, rest) if p) == " ".join(sentence.split())  # nothing lost or reordered


def test_first_clause_length_is_configurable() -> None:
    assert first_clause("Tak, zamówienie jest w drodze.", min_chars=4) == ("Tak, zamówienie jest w drodze.", "")
    assert first_clause("Tak, zamówienie jest w drodze.", min_chars=4, max_rest_ratio=10) == (
        "Tak,",
        "zamówienie jest w drodze.",
    )
    assert first_clause("Dzień dobry, tu infolinia sklepu.", min_chars=40) == ("Dzień dobry, tu infolinia sklepu.", "")


def test_split_clauses_cuts_only_at_punctuation_followed_by_space() -> None:
    assert split_clauses("Cena 19,99 zł, godzina 14:00; dostawa – jutro.") == [
        "Cena 19,99 zł,",
        "godzina 14:00;",
        "dostawa –",
        "jutro.",
    ]
    assert split_clauses("Bez przecinków i bez dwukropków.") == ["Bez przecinków i bez dwukropków."]


OPENINGS = ("Zamówienie numer", "Czy chodzi o zamówienie numer", "Czy chodzi o")


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        (
            "Zamówienie numer cztery osiem dwa zostało wysłane.",
            ("Zamówienie numer", "cztery osiem dwa zostało wysłane."),
        ),
        ("Czy chodzi o zamówienie numer jeden dwa?", ("Czy chodzi o zamówienie numer", "jeden dwa?")),  # the longest
        ("Czy chodzi o  zwrot?", ("Czy chodzi o", "zwrot?")),  # whitespace collapsed as everywhere here
        ("Zamówienie numerek siedem.", ("", "Zamówienie numerek siedem.")),  # whole words only
        ("Zamówienie numer", ("", "Zamówienie numer")),  # nothing after it: nothing to render meanwhile
        ("Dostawa trwa dwa dni.", ("", "Dostawa trwa dwa dni.")),
    ],
)
def test_cut_opening(sentence: str, expected: tuple[str, str]) -> None:
    assert cut_opening(sentence, OPENINGS) == expected


def test_cut_opening_without_openings_keeps_the_sentence() -> None:
    assert cut_opening("Zamówienie numer 5 zostało wysłane.", ()) == ("", "Zamówienie numer 5 zostało wysłane.")
