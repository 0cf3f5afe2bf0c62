"""Escalation reasons, precedence, mood, policy and the agent summary: pure functions, no I/O."""

from __future__ import annotations

import pytest

from dialog.escalation import (
    DEFAULT_PRIORITIES,
    EscalationPolicy,
    detect_reason,
    detect_reasons,
)
from dialog.mood import mood, session_mood
from dialog.session import Session
from dialog.summary import build_summary, summarize

HUMAN = [
    "mój PESEL to 85010212345, proszę o połączenie z rejestracją",  # a clinic walkthrough
    "chcę rozmawiać z konsultantem",
    "z człowiekiem",
    "z żywą osobą",
    "poproszę kogoś",
    "przełącz mnie",
    "operator",
    "konsultant",
    "pracownik",
    "chcę z kimś porozmawiać",
    "daj mi człowieka",
    "chce rozmawiac z czlowiekiem",
    "polacz mnie z konsultantem",
    "nie chcę rozmawiać z automatem",
    "Nie chcę czekać, dajcie konsultanta!",
    "konsultanta poproszę",
    # a public office's wording and everyday ways to ask for a person
    "chciałabym rozmawiać z urzędnikiem",
    "proszę o połączenie z urzędnikiem",
    "proszę o rozmowę z referentem",
    "czy mogę prosić urzędnika",
    "chcę rozmawiać z osobą",
    "czy jest ktoś żywy",
]
COMPLAINT = [
    "reklamacja",
    # a telecom walkthrough: a charge the company made for something not ordered is a disputed bill
    "naliczyliście mi opłaty za usługi premium, których nie zamawiałem",
    "pobraliście mi opłatę za usługę, której nie zamawiałem",
    "obciążyliście mnie za roaming, którego nie włączałem",
    # the caller accuses the company (a charge twice, too much, "oszukaliście"): a dispute, never "call 112"
    "pobraliście mi dwa razy opłatę za abonament",
    "naliczyliście mi za dużo za internet w tym miesiącu",
    "oszukaliście mnie z tą promocją",
    "lekarz był bardzo niemiły, chcę to zgłosić",  # rude staff
    "pani w rejestracji na mnie nakrzyczała",
    "kurier zgniótł karton",
    "to jest oszustwo, naliczyliście mi opłatę za roaming",
    "chcę złożyć reklamację",
    "zepsuty telewizor",
    "uszkodzony towar",
    "wadliwy produkt",
    "pralka nie działa",
    "chcę złożyć skargę",
    "chce zlozyc reklamacje",
    "lodówka przestała chłodzić",
    "telewizor ma rozbity ekran",  # a defect, not an injury ("rozbita głowa" is urgent)
]
URGENT = [
    "pali się",
    # a telecom walkthrough: someone else took the number, card or account; money taken by someone else
    "ktoś wyrobił duplikat mojej karty SIM i nie mam zasięgu",
    "ktoś przejął mój numer",
    "ktoś do mnie dzwoni i podaje się za konsultanta waszej sieci",
    "dzwonił pan, który podał się za policjanta",
    "ktoś pobrał pieniądze z mojej karty bez zgody",
    "pobrali mi z konta pieniądze bez mojej wiedzy",
    "z pralki leci dym",
    "porażenie prądem",
    "to zagrożenie dla zdrowia",
    "to oszustwo",
    "oszuści wyłudzili ode mnie pieniądze przez telefon",  # someone else's fraud stays an emergency
    "ktoś mnie oszukał i wyłudził dane karty",
    "ktoś ukradł moje dane",
    "nieautoryzowana płatność",
    "TO JEST SKANDAL!!!",
    "żenada",
    "jesteście idiotami",
    # ASR-like spellings and everyday words (no diacritics, English "gas", misheard "rz")
    "czuje gas w kuchni",
    "smierdzi gazen",
    "iskży z gniazdka",
    "kradzierz karty",
    "okradli mnie",
    "ktos mi grozi",
    "czad w mieszkaniu",
    "czuć spaleniznę",
    "pali śe",
    "mąż jest nieprzytomny",
    "mama się przewróciła i ma rozbitą głowę",
    "ktoś wykorzystał moją kartę",
]
OFFER = [
    "jestem z firmy, chcemy wykupić pakiety medyczne dla 200 pracowników, jaka cena?",  # not a person wanted
    "rabat dla firmy",
    "czy dostanę taniej",
    "kupię hurtowo",
    "chcę negocjować cenę",
    "indywidualna oferta",
]
NEGATIVE = [
    "czy ktoś z rodziny może odebrać za mnie duplikat karty?",  # nobody took anything over
    "czy ktoś może wyrobić kartę za mnie?",
    "proszę o połączenie z wodociągami",
    "czy pobraliście już opłatę za grudzień",  # a question about a charge, no dispute
    "proszę o połączenie lotu z przesiadką",
    "proszę o połączenie z internetem w nowym mieszkaniu",  # a line, not a person
    "chcę komuś dać bon na prezent",  # "komuś" is a form of "ktoś", but not a request for someone
    "czy ten krem jest bezpieczny dla człowieka",
    "widziałem reklamę w telewizji",
    "ile kosztuje konsultacja",
    "jaki operator dostarcza paczki",
    "materiały reklamowe",
    "nie chcę rozmawiać z konsultantem",
    "gdzie wpisać kod rabatowy",
    "kod rabatowy nie działa",
    "czy kurier zabierze stary zepsuty telewizor",
    "przełącznik jest w zestawie",
    "czy mogę natychmiast anulować zamówienie",
    "ile trwa dostawa",
    "czy grozi mi kara za spóźnienie z opłatą",  # a penalty, not a threat
    "czy grozi mi mandat",
    "czy urzędnik pomoże mi wypełnić wniosek",
    "rozmawiałem z panią wczoraj i obiecała zwrot",  # a report, not a request
    "kuchenka gazowa",
    "mam karte podarunkowa jak ja wykorzystac",  # the infinitive is one letter from "wykorzystal" (fuzzy)
    "jak załatwić orzeczenie o stopniu niepełnosprawności",  # "niepełny" (an incomplete set) is a defect; this is not
    "mam niepełnosprawne dziecko, czy przysługuje ulga",
    "zgoda na leczenie niepełnoletniego pacjenta",
    "Czy niepełnoletni może przyjść na wizytę bez rodzica?",
    "pracuję na niepełny etat, czy należy mi się zasiłek",
    "rodzina niepełna, jakie dokumenty do przedszkola",
]


@pytest.mark.parametrize("text", HUMAN)
def test_requested_human(text: str) -> None:
    assert detect_reason(text) == "requested_human"


@pytest.mark.parametrize("text", COMPLAINT)
def test_complaint(text: str) -> None:
    assert detect_reason(text) == "complaint"


@pytest.mark.parametrize("text", URGENT)
def test_urgent(text: str) -> None:
    assert detect_reason(text) == "urgent"


@pytest.mark.parametrize("text", OFFER)
def test_individual_offer(text: str) -> None:
    assert detect_reason(text) == "individual_offer"


@pytest.mark.parametrize("text", NEGATIVE)
def test_ordinary_questions_do_not_escalate(text: str) -> None:
    assert detect_reason(text) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Mikrofalówka nie podgrzewa.", "complaint"),  # any verb: the generic "X nie <verb>" rule
        ("Ekspres nie spienia mleka.", "complaint"),
        ("Paczka nie przyszła.", None),  # delivery, the order flow handles it
        ("Płatność nie przeszła.", None),
        ("Nie wiem, jak to zrobić.", None),
        ("Czy pralka nie hałasuje?", None),  # a question about a product, not a report
        ("Strona nie odpowiada.", None),
        ("Deszcz padał i nie wychodziliśmy z domu.", None),  # first person plural: what we did, not a device
        ("Przyszedł niepełny zestaw.", "complaint"),  # "niepełny" is still a defect beside "niepełnosprawny"
    ],
)
def test_generic_defect_statements(text: str, expected: str | None) -> None:
    assert detect_reason(text) == expected


def test_precedence_urgent_complaint_human_offer() -> None:
    text = "Skandal! Telewizor zepsuty, chcę reklamację i rozmowę z konsultantem, i rabat dla firmy."
    assert detect_reasons(text) == ["urgent", "complaint", "requested_human", "individual_offer"]
    assert detect_reason("reklamacja, połącz mnie z konsultantem") == "complaint"
    assert detect_reason("zepsuty grzejnik zaczął dymić") == "urgent"


def test_mood_from_words_caps_exclamations_and_repetition() -> None:
    assert mood("gdzie jest moja paczka") == "calm"
    assert mood("ile można czekać") == "impatient"
    assert mood("natychmiast!!") == "impatient"
    assert mood("NATYCHMIAST!!") == "angry"
    assert mood("to skandal") == "angry"
    assert mood("gdzie jest moja paczka", ["gdzie jest moja paczka?"]) == "impatient"  # said again
    turns = ["dzień dobry", "to żenada", "gdzie paczka", "gdzie jest paczka"]
    assert session_mood(turns) == "angry"
    assert session_mood(turns, window=2) == "calm"
    assert session_mood([]) == "calm"


def test_repeated_anger_escalates_as_urgent() -> None:
    previous = ["ile można czekać na tę paczkę"]
    assert detect_reason("ILE MOŻNA CZEKAĆ NA TĘ PACZKĘ!!", previous) == "urgent"


def test_policy_queues_priorities_and_misses() -> None:
    policy = EscalationPolicy()
    assert policy.queue("complaint") == "reklamacje"
    assert policy.queue("individual_offer") == "sprzedaz"
    assert policy.queue("urgent") == policy.queue("requested_human") == policy.queue("not_understood") == "obsluga"
    assert policy.priority("urgent") > policy.priority("complaint") > policy.priority("requested_human")
    assert policy.priority("not_understood") == DEFAULT_PRIORITIES["not_understood"] == 2
    custom = EscalationPolicy(queues={"complaint": "rma"}, priorities={"urgent": 99}, max_misses=3)
    assert custom.queue("complaint") == "rma" and custom.queue("urgent") == "obsluga"
    assert custom.priority("urgent") == 99 and custom.priority("complaint") == 5
    assert custom.decide("bla", [], misses=2) is None
    assert custom.decide("bla", [], misses=3) == "not_understood"
    assert custom.decide("reklamacja", [], misses=3) == "complaint"  # words win over misses


def test_summary_lines() -> None:
    session = Session(id="s", order_id="48213", order_status="shipped", failed_attempts=2, mood="impatient")
    session.first_request = "gdzie jest moja paczka z telewizorem"
    for text in [
        "dzień dobry",
        "gdzie jest moja paczka z telewizorem",
        "48213",
        "no i co dalej",
        "konsultant",
    ]:
        session.add("caller", text)
        session.add("bot", "...")
    summary = build_summary("requested_human", session)
    lines = summary.split("\n")
    assert 2 <= len(lines) <= 5
    assert lines[0] == "Klient prosi o rozmowę z konsultantem. Sprawa: „gdzie jest moja paczka z telewizorem”."
    assert lines[1] == "Zamówienie 48213: wysłane."
    assert lines[2] == "Ostatnio klient powiedział: „48213” / „no i co dalej” / „konsultant”."
    assert lines[3] == "Nieudane próby: 2. Nastrój: zniecierpliwiony."
    short = summarize("not_understood", None, [], 0, "calm")
    assert short == "Asystent nie zrozumiał sprawy klienta.\nNieudane próby: 0. Nastrój: spokojny."
    emergency = summarize("urgent", "tata ma silny ból w klatce piersiowej", [], 0, "calm")  # a clinic walkthrough
    assert emergency.startswith("PILNE: możliwe zagrożenie życia, zdrowia") and "spokojny" not in emergency
    long = summarize("complaint", "x" * 500, ["y" * 500], 1, "angry", note="Uwaga.")
    assert "…" in long and len(long) < 400 and "Uwaga." in long


def test_a_complaint_after_another_question_is_summarised_as_the_complaint() -> None:
    """The agent reads what the transfer is about: the broken TV, not the earlier delivery question."""
    said = ["Ile kosztuje dostawa do paczkomatu?", "chcę złożyć reklamację, telewizor przyszedł zbity"]
    summary = summarize("complaint", said[0], said, 0, "calm").split("\n")
    assert summary[0] == "Reklamacja lub skarga. Sprawa: „chcę złożyć reklamację, telewizor przyszedł zbity”."
    assert summary[1] == "Ostatnio klient powiedział: „Ile kosztuje dostawa do paczkomatu?”."  # quoted once
    fire = summarize("urgent", said[0], [said[0], "pożar!"], 0, "calm").split("\n")
    assert fire[0].endswith("Sprawa: „pożar!”.") and "paczkomatu" in fire[1]  # one word raised it
    yes = summarize("complaint", said[1], [said[1], "tak"], 0, "calm").split("\n")
    assert yes[0].endswith("Sprawa: „chcę złożyć reklamację, telewizor przyszedł zbity”.")  # not „tak”
    asked = summarize("requested_human", said[0], [*said[:1], "konsultant"], 0, "calm").split("\n")
    assert asked[0] == "Klient prosi o rozmowę z konsultantem. Sprawa: „Ile kosztuje dostawa do paczkomatu?”."
    typed = summarize("requested_human", "Chcę rozmawiać z konsultantem.", ["Halo.", "Czekam..."], 0, "calm")
    assert typed.split("\n")[:2] == [  # a chat's full stop is not doubled after the quote; an ellipsis stays
        "Klient prosi o rozmowę z konsultantem. Sprawa: „Chcę rozmawiać z konsultantem”.",
        "Ostatnio klient powiedział: „Halo” / „Czekam...”.",
    ]


def test_an_angry_callers_summary_names_no_danger() -> None:
    """A telecom walkthrough: an urgent transfer for anger alone briefed the agent on "możliwe zagrożenie
    życia, zdrowia lub mienia, kradzież"; it now says the caller is very angry. Any other urgent keeps it."""
    angry = summarize("urgent", "jesteście złodziejami, znowu zawyżona faktura", [], 0, "angry", angry=True)
    assert (
        angry.startswith("PILNE: bardzo zdenerwowany klient. Sprawa: „jesteście złodziejami") and "zagroż" not in angry
    )
    danger = summarize("urgent", "czuję gaz w piwnicy", [], 0, "calm")
    assert danger.startswith("PILNE: możliwe zagrożenie życia")
    assert summarize("complaint", "reklamacja", [], 0, "angry", angry=True).startswith("Reklamacja lub skarga.")


def test_the_readme_examples_of_the_sales_queue_are_what_it_gets() -> None:
    """Found by a water utility's walkthrough: the README's example of the `sprzedaz` queue, "czy da się rozłożyć
    na raty", was no escalation at all (instalments are a KB topic, the shops' KBs answer them); the README now
    names one that is, and says what becomes of instalments."""
    assert detect_reason("czy dostanę rabat przy większym zamówieniu") == "individual_offer"
    assert detect_reason("chcę negocjować cenę") == "individual_offer"
    assert detect_reason("czy da się rozłożyć na raty") is None
