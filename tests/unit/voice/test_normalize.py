"""Polish text normalisation for TTS: every expected string is what a native speaker says aloud."""

from __future__ import annotations

import pytest

from voice.normalize import normalize_for_speech, speech_sentences, split_sentences
from voice.normalize_numbers import OrdinalForm, cardinal, ordinal, plural_index

CASES: list[tuple[str, str]] = [
    # złoty: 1 / 2-4 / 5+ / 12-14 / 22 / 101 / 102 / 112
    ("1 zł", "jeden złoty"),
    ("2 zł", "dwa złote"),
    ("4 zł", "cztery złote"),
    ("5 zł", "pięć złotych"),
    ("12 zł", "dwanaście złotych"),
    ("13 zł", "trzynaście złotych"),
    ("14 zł", "czternaście złotych"),
    ("21 zł", "dwadzieścia jeden złotych"),
    ("22 zł", "dwadzieścia dwa złote"),
    ("25 zł", "dwadzieścia pięć złotych"),
    ("101 zł", "sto jeden złotych"),
    ("102 zł", "sto dwa złote"),
    ("112 zł", "sto dwanaście złotych"),
    ("100 PLN", "sto złotych"),
    ("15 zł", "piętnaście złotych"),
    ("1 000 000 zł", "milion złotych"),
    # grosz
    ("1 gr", "jeden grosz"),
    ("2 gr", "dwa grosze"),
    ("5 gr", "pięć groszy"),
    ("13 gr", "trzynaście groszy"),
    ("22 gr", "dwadzieścia dwa grosze"),
    ("0,01 zł", "jeden grosz"),
    ("0,50 zł", "pięćdziesiąt groszy"),
    ("1,02 zł", "jeden złoty dwa grosze"),
    ("Kosztuje 19,99 zł.", "Kosztuje dziewiętnaście złotych dziewięćdziesiąt dziewięć groszy."),
    ("Rata: 1 234,56 zł.", "Rata: tysiąc dwieście trzydzieści cztery złote pięćdziesiąt sześć groszy."),
    (
        "Abonament 49,99 zł/mies.",
        "Abonament czterdzieści dziewięć złotych dziewięćdziesiąt dziewięć groszy miesięcznie.",
    ),
    ("Zwrot do 100 zł.", "Zwrot do stu złotych."),
    ("5 tys. zł", "pięć tysięcy złotych"),
    ("9,99 €", "dziewięć euro dziewięćdziesiąt dziewięć centów"),
    ("15 EUR", "piętnaście euro"),
    # cardinals, agreement, decimals, negatives, percentages, units
    ("Mam 3 paczki.", "Mam trzy paczki."),
    ("Zostały 2 sztuki.", "Zostały dwie sztuki."),
    ("Masz 1 nową wiadomość.", "Masz jedną nową wiadomość."),
    ("Czekają 2 osoby.", "Czekają dwie osoby."),
    ("Dyżur mają 2 konsultantów.", "Dyżur mają dwóch konsultantów."),
    ("Zwrot w ciągu 14 dni.", "Zwrot w ciągu czternastu dni."),
    ("Dostawa 3-5 dni.", "Dostawa od trzech do pięciu dni."),
    ("Ponad 10 000 klientów.", "Ponad dziesięć tysięcy klientów."),
    ("2,5 kg", "dwa i pół kilograma"),
    ("1,5 kg", "półtora kilograma"),
    ("0,5 l", "pół litra"),
    ("3,2 km", "trzy przecinek dwa kilometra"),
    ("-5°C", "minus pięć stopni Celsjusza"),
    ("5%", "pięć procent"),
    ("2%", "dwa procent"),
    ("do 5%", "do pięciu procent"),
    ("1 szt.", "jedna sztuka."),
    ("ok. 3 min", "około trzech minut"),
    ("Limit 5 GB", "Limit pięć gigabajtów"),
    ("na 2 piętrze", "na drugim piętrze"),
    ("1. piętro", "pierwsze piętro"),
    # a day's singular after 2+ is an ordinal (an office's "do 15 dnia" was said "do piętnastu dnia")
    ("do 15 dnia ostatniego miesiąca", "do piętnastego dnia ostatniego miesiąca"),
    ("w 21 dniu", "w dwudziestym pierwszym dniu"),
    ("to 2 dzień", "to drugi dzień"),
    ("w ciągu 1 dnia", "w ciągu jednego dnia"),
    ("1. dnia miesiąca", "pierwszego dnia miesiąca"),
    ("za 15 dni", "za piętnaście dni"),
    # the genitive of negation: a negated verb's amount ("nie przekracza 100 zł" was said "sto złotych")
    ("Zwrot nie przekracza 100 zł.", "Zwrot nie przekracza stu złotych."),
    ("Nie przekracza 1 zł", "Nie przekracza jednego złotego"),
    ("nie przekracza 22 zł", "nie przekracza dwudziestu dwóch złotych"),
    ("nie przekracza 2,50 zł", "nie przekracza dwóch złotych pięćdziesięciu groszy"),
    ("kwota nieprzekraczająca 2 500 zł", "kwota nieprzekraczająca dwóch tysięcy pięciuset złotych"),
    ("Paczka nie przekracza 30 kg.", "Paczka nie przekracza trzydziestu kilogramów."),
    ("jeśli nie przekroczy 3 dni", "jeśli nie przekroczy trzech dni"),
    ("nie przekracza 5%", "nie przekracza pięciu procent"),
    ("nie pobieramy 10 zł opłaty", "nie pobieramy dziesięciu złotych opłaty"),
    ("przekracza 100 zł", "przekracza sto złotych"),  # not negated: the accusative
    ("nie więcej niż 100 zł", "nie więcej niż sto złotych"),  # after "niż": the compared word's case
    ("niestety 5 zł", "niestety pięć złotych"),  # "nie" inside another word is no negation
    # dates and years: genitive ordinals, as Poles read dates
    ("25.11.2026", "dwudziestego piątego listopada dwa tysiące dwudziestego szóstego roku"),
    ("2026-11-25", "dwudziestego piątego listopada dwa tysiące dwudziestego szóstego roku"),
    ("do 25 listopada", "do dwudziestego piątego listopada"),
    (
        "1 stycznia 2027 r. ceny rosną",
        "pierwszego stycznia dwa tysiące dwudziestego siódmego roku ceny rosną",
    ),
    ("3.12.2000", "trzeciego grudnia dwutysięcznego roku"),
    ("W 1999 r. powstała firma.", "W tysiąc dziewięćset dziewięćdziesiątym dziewiątym roku powstała firma."),
    ("w dniach 3–5 maja", "w dniach od trzeciego do piątego maja"),
    # hours: feminine ordinals in the preposition's case, minutes as cardinals
    ("o 14:30", "o czternastej trzydzieści"),
    ("do 14:30", "do czternastej trzydzieści"),
    ("14:00", "czternasta"),
    ("o 14:00", "o czternastej"),
    ("8:05", "ósma zero pięć"),
    ("przed 8:00", "przed ósmą"),
    ("między 8:00 a 10:00", "między ósmą a dziesiątą"),
    ("o godz. 8", "o godzinie ósmej"),
    ("do godz. 18.00", "do godziny osiemnastej"),
    ("pn.–pt. 8:00–18:00", "od poniedziałku do piątku od ósmej do osiemnastej"),
    (
        "Czynne pon.-pt. w godz. 8-16, sob. 9-14.",
        "Czynne od poniedziałku do piątku w godzinach od ósmej do szesnastej, sobota od dziewiątej do czternastej.",
    ),
    ("Spotkajmy się o 9.", "Spotkajmy się o dziewiątej."),
    # phone numbers in their written groups, identifiers digit by digit
    ("+48 600 100 200", "plus czterdzieści osiem, sześćset, sto, dwieście"),
    ("600-100-200", "sześćset, sto, dwieście"),
    ("22 111 22 33", "dwadzieścia dwa, sto jedenaście, dwadzieścia dwa, trzydzieści trzy"),
    ("tel. 600100200", "telefon sześćset, sto, dwieście"),
    (
        "Zadzwoń pod nr tel. 801 123 456.",
        "Zadzwoń pod numerem telefonu osiemset jeden, sto dwadzieścia trzy, czterysta pięćdziesiąt sześć.",
    ),
    ("zamówienie nr 48213", "zamówienie numer cztery osiem dwa jeden trzy"),
    ("Numer zamówienia: 48213.", "Numer zamówienia: cztery osiem dwa jeden trzy."),
    ("pokój nr 5", "pokój numer pięć"),
    (
        "Przesyłka 123456789012",
        "Przesyłka jeden dwa trzy, cztery pięć sześć, siedem osiem dziewięć, zero jeden dwa",
    ),
    (
        "Zamówienie ZAM-2026/0042",
        "Zamówienie zet a em myślnik dwa zero dwa sześć ukośnik zero zero cztery dwa",
    ),
    (
        "NIP 123-456-32-18",
        "nip sto dwadzieścia trzy, czterysta pięćdziesiąt sześć, trzydzieści dwa, osiemnaście",
    ),
    # addresses, postcodes, abbreviations
    ("00-950 Warszawa", "zero zero, dziewięćset pięćdziesiąt Warszawa"),
    (
        "ul. Długa 5/12, 31-150 Kraków",
        "ulica Długa pięć przez dwanaście, trzydzieści jeden, sto pięćdziesiąt Kraków",
    ),
    ("Odbiór przy ul. Długiej 5.", "Odbiór przy ulicy Długiej pięć."),
    ("Zapraszamy na ul. Długą.", "Zapraszamy na ulicę Długą."),
    ("ul. św. Marcina 3", "ulica świętego Marcina trzy"),
    ("pl. Wolności 1", "plac Wolności jeden"),
    ("np. jutro", "na przykład jutro"),
    ("tj. w piątek", "to jest w piątek"),
    ("Buty, torby itd. Zapraszamy!", "Buty, torby i tak dalej. Zapraszamy!"),
    ("Wszystko ok.", "Wszystko okej."),
    ("W zestawie m.in. kabel.", "W zestawie między innymi kabel."),
    ("Sklep Demo sp. z o.o.", "Sklep Demo spółka z ograniczoną odpowiedzialnością."),
    # e-mail, web addresses, acronyms
    ("pomoc@sklep-demo.pl", "pomoc małpa sklep myślnik demo kropka pe el"),
    ("www.sklep-demo.pl", "wu wu wu kropka sklep myślnik demo kropka pe el"),
    (
        "Zwroty: https://www.sklep-demo.pl/zwroty.",
        "Zwroty: wu wu wu kropka sklep myślnik demo kropka pe el ukośnik zwroty.",
    ),
    ("jan.kowalski@example.com", "jan kropka kowalski małpa example kropka kom"),
    ("Zapłać BLIK-iem.", "Zapłać blikiem."),
    ("Kod BLIK przyjdzie SMS-em.", "Kod blik przyjdzie esemesem."),
    ("Link w SMS-ie.", "Link w esemesie."),
    ("Faktura VAT w PDF.", "Faktura vat w pe de ef."),
    ("Kod kraju PL.", "Kod kraju pe el."),
    ("Wiek XXI.", "Wiek XXI."),
    # ordinary text is left alone, whitespace collapsed, punctuation kept
    ("Dzień dobry, w czym mogę pomóc?", "Dzień dobry, w czym mogę pomóc?"),
    ("Łączę z konsultantem,   proszę chwilę   poczekać…", "Łączę z konsultantem, proszę chwilę poczekać…"),
    ("Proszę podać numer zamówienia.", "Proszę podać numer zamówienia."),
    ("Dziękuję, do widzenia!", "Dziękuję, do widzenia!"),
    ("  \n ", ""),
]


@pytest.mark.parametrize(("written", "spoken"), CASES, ids=[c[0] for c in CASES])
def test_normalize_for_speech(written: str, spoken: str) -> None:
    assert normalize_for_speech(written) == spoken


def test_table_is_large_enough() -> None:
    assert len(CASES) >= 50


@pytest.mark.parametrize(
    ("n", "form", "spoken"),
    [
        (25, "m_gen", "dwudziestego piątego"),
        (2026, "m_gen", "dwa tysiące dwudziestego szóstego"),
        (2026, "m_loc", "dwa tysiące dwudziestym szóstym"),
        (2, "f_nom", "druga"),
        (3, "f_gen", "trzeciej"),
        (3, "f_acc", "trzecią"),
        (22, "f_gen", "dwudziestej drugiej"),
        (1, "n_nom", "pierwsze"),
    ],
)
def test_ordinal_forms(n: int, form: OrdinalForm, spoken: str) -> None:
    assert ordinal(n, form) == spoken


def test_cardinal_cases_and_plural_rule() -> None:
    assert cardinal(22, "nom", "f") == "dwadzieścia dwie"
    assert cardinal(21, "gen") == "dwudziestu jeden"
    assert cardinal(2500, "gen") == "dwóch tysięcy pięciuset"
    assert [plural_index(n) for n in (1, 2, 4, 5, 12, 14, 21, 22, 25, 102, 112)] == [
        0,
        1,
        1,
        2,
        2,
        2,
        2,
        1,
        2,
        1,
        2,
    ]


SPLIT_TEXT = (
    "Zapraszamy na ul. Długą 5. Czynne pn.–pt. w godz. 8–16. Cena 2,5 zł. "
    "Zamówienie nr 5 z dnia 25.11.2026 r. Dziękujemy! Czy coś jeszcze? Odbierze J. Kowalski. "
    "1. Zaloguj się. 2. Kliknij.\n\nNowy akapit"
)


def test_split_sentences_keeps_abbreviations_decimals_and_dates_together() -> None:
    assert split_sentences(SPLIT_TEXT) == [
        "Zapraszamy na ul. Długą 5.",
        "Czynne pn.–pt. w godz. 8–16.",
        "Cena 2,5 zł.",
        "Zamówienie nr 5 z dnia 25.11.2026 r.",
        "Dziękujemy!",
        "Czy coś jeszcze?",
        "Odbierze J. Kowalski.",
        "1. Zaloguj się.",
        "2. Kliknij.",
        "Nowy akapit",
    ]


def test_split_sentences_does_not_split_on_lowercase_continuation() -> None:
    assert split_sentences("Mamy buty, torby itd. oraz akcesoria. Koniec") == [
        "Mamy buty, torby itd. oraz akcesoria.",
        "Koniec",
    ]
    assert split_sentences("") == []


def test_speech_sentences_split_then_normalise() -> None:
    assert speech_sentences("Zapraszamy na ul. Długą 5. Zamówienie nr 48213 czeka od godz. 8:00!") == [
        "Zapraszamy na ulicę Długą pięć.",
        "Zamówienie numer cztery osiem dwa jeden trzy czeka od godziny ósmej!",
    ]


def test_normalising_first_then_splitting_gives_the_same_sentences() -> None:
    """voice.tts normalises the whole text and then splits; both orders must agree on ordinary prompts."""
    text = "Paczka dotrze 25.11.2026 r. Kurier będzie ok. 14:00. Koszt: 12,50 zł. Pytania? pomoc@sklep-demo.pl"
    assert split_sentences(normalize_for_speech(text)) == speech_sentences(text)
