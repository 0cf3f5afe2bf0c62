"""Who is accused: a review of this session's escalation changes found grievances against the company mended at
the cost of real frauds (someone else's fraud told beside a charge the company made, impostors "od was") and a
new false alarm ("podaje się za pomocą zastrzyku"). Each failed before its fix."""

from __future__ import annotations

import pytest

from dialog.engine_understand import cue_reasons
from dialog.escalation import detect_reason, urgent_cue
from dialog.escalation_kinds import identity_taken, protects, someone_hurt, threatened
from dialog.mood import without_insults

# someone else's fraud, told together with a charge the company made: still a fraud (urgent, 112 advice)
FRAUD_WITH_A_CHARGE = [
    "wyłudzono ode mnie kod, a potem pobraliście opłatę za usługę premium",
    "ktoś mnie oszukał przez telefon i przez to naliczyliście mi opłatę",
    "oszukali mnie na wnuczka a wy pobraliście mi prowizję",
    "ktoś wyłudził ode mnie dane, a naliczyliście mi abonament za nowy numer",
]


@pytest.mark.parametrize("text", FRAUD_WITH_A_CHARGE)
def test_someone_elses_fraud_stays_urgent_beside_a_charge_by_the_company(text: str) -> None:
    assert detect_reason(text) == "urgent"


# "podaje się za" about a price or a medicine is no impersonation
NOT_IMPERSONATION = [
    "ten lek podaje się za pomocą zastrzyku?",
    "czy cenę podaje się za minutę czy za cały miesiąc",
    "czy numer konta podaje się za pośrednictwem aplikacji",
]


@pytest.mark.parametrize("text", NOT_IMPERSONATION)
def test_podaje_sie_za_without_a_person_is_no_fraud(text: str) -> None:
    assert detect_reason(text) != "urgent"


# swindlers calling "from you" (posing as the company) are not a name given to the company
SCAMMERS_FROM_YOU = [
    "dzwonią do mnie oszuści od was",
    "oszuści od was dzwonią i chcą mój PIN",
]


@pytest.mark.parametrize("text", SCAMMERS_FROM_YOU)
def test_scammers_posing_as_the_company_are_kept(text: str) -> None:
    assert without_insults(text) == text  # "od was": who they pretend to be, not a name given to you


# acute harm the cues knew nothing of (a review: by meaning alone these were misses or complaints)
ACUTE = [
    "mama zemdlała",
    "dziecko ma drgawki",
    "tata upadł i nie reaguje",
    "w piwnicy leży człowiek i się nie rusza",
    "skończyły mi się leki na serce i mam duszności",
    "wasz kurier potrącił mnie samochodem",
    "mama straciła przytomność",
    "syn dostał ataku astmy",
    "ratunku",
    "ktoś chce mi ukraść konto",
]


@pytest.mark.parametrize("text", ACUTE)
def test_acute_harm_is_urgent_by_its_words(text: str) -> None:
    assert detect_reason(text) == "urgent"


@pytest.mark.parametrize("text", ["telewizor nie reaguje na pilota", "router nie reaguje", "strona się nie rusza"])
def test_a_device_that_does_not_respond_is_no_emergency(text: str) -> None:
    assert detect_reason(text) != "urgent"


# a second review: what the first round of acute cues and "podaje się za" got wrong either way
NOT_URGENT = [
    "Telefon syna nie reaguje na dotyk.",
    "Dekoder nie reaguje na pilota, mąż próbował go resetować.",
    "Dzwoniłam do kuriera, ale on nie odpowiada na telefony.",
    "Moja sprawa się nie rusza od miesiąca, syn złożył wniosek",
    "Insulinę podaje się za pomocą pena, a lekarz przepisał mi strzykawki",
    "W cenniku operatora cenę podaje się za minutę",
    "Komornik potrącił mi z emerytury za dużo",
    "Awaria sparaliżowała cały system płatności w waszym sklepie",
    "Prawie zemdlałam, jak zobaczyłam fakturę za telefon",
    "Ratunku, internet nie działa od rana",
    "Woda z gazem w ogóle nie syczy po otwarciu butelki",
    "Mięso w multicookerze dusi się za długo",
    "Rower łatwo ukraść, szukam mocnego zapięcia",
    "syn się nie budzi rano do szkoły, jak ustawić budzik",
    "mąż nie reaguje na moje prośby, żeby zapłacić za abonament",
]
# Left urgent on purpose (a third review): "syn miał wczoraj atak astmy, chcę umówić wizytę" reaches the urgent
# queue, because the words that would tell a past attack apart ("wczoraj", "tygodnia") also come with emergencies
# happening now ("mama zemdlała, wczoraj też"); an agent's minute costs less than a missed faint.
STILL_URGENT = [
    "Ktoś dzwoni i podaje się za komornika.",
    "Ktoś podaje się za inspektora z sanepidu",
    "Dzwonią od was oszuści i chcą moich danych",
    "Mama nie otwiera oczu.",
    "Tata leży na podłodze i nie daje znaku życia.",
    "Mąż nie budzi się, leży na podłodze.",
    "Mama się przewróciła i nie wstaje.",
    "Dziecko się zachłysnęło i nie łapie powietrza.",
    "Syn się dusi",
    "Mąż ma atak padaczki",
    "Dziecko się dławi",
    "Oparzyłam się wrzątkiem",
    "Słychać syczenie z butli gazowej",
    "padłem ofiarą oszustwa a pobraliście mi opłatę",
    "lekarz zlekceważył objawy, a teraz mąż ma paraliż połowy twarzy",
    # a third review: a guard word elsewhere in the sentence cancelled these
    "mama zemdlała, wczoraj też",
    "córka ma duszności, często tak ma",
    "dzwonię z telefonu sąsiada, mama się przewróciła i nie wstaje",
    "telefon mi wypadł, bo tata upadł i nie reaguje",
    "w sklepie jakiś pan upadł i nie reaguje",
    "kurier upadł przed domem i nie wstaje",
    "dziecko się dusi kawałkiem mięsa",
    "babcia się dusi, woda nie pomaga",
    "ktoś dzwoni, podaje się za konsultanta i oferuje internet za darmo",
    "pan podaje się za pracownika banku i mówi, że za miesiąc zablokują konto",
    # a thirteenth-session probe: "podszył się" (past) is an impostor as "podszywa się" is
    "ktoś podszył się pode mnie w salonie i dostał nową kartę SIM na mój numer",
]


@pytest.mark.parametrize("text", NOT_URGENT)
def test_everyday_words_of_the_acute_cues_are_no_emergency(text: str) -> None:
    assert detect_reason(text) != "urgent"


@pytest.mark.parametrize("text", STILL_URGENT)
def test_emergencies_a_second_review_found_missed_are_urgent(text: str) -> None:
    assert detect_reason(text) == "urgent"


def test_a_device_given_to_someone_still_fails() -> None:
    """Only a person right before "nie" is its subject: "kupiłem mamie pralkę i ona nie wiruje" is a defect."""
    assert detect_reason("kupiłem mamie pralkę i ona nie wiruje") == "complaint"


@pytest.mark.parametrize(
    "text", ["mój syn połknął baterię", "mąż jest nieprzytomny", "tatę potrącił samochód", "mama nie otwiera oczu"]
)
def test_someone_hurt_hears_no_kb_answer_beside_the_emergency(text: str) -> None:
    assert someone_hurt(text)


@pytest.mark.parametrize("text", ["ukradli mi telefon, mam abonament rodzinny", "czuję gaz od rana"])
def test_a_theft_or_a_gas_smell_may_hear_the_kbs_practical_answer(text: str) -> None:
    assert not someone_hurt(text)


# The company called crooks to its face, set apart by punctuation while the caller speaks to "you": anger (an
# apology and a person first), not a fraud to report to 112 (a probe: "Nie chcę z wami rozmawiać, oszuści!").
COMPANY_CALLED_CROOKS = [
    "Nie chcę z wami rozmawiać, oszuści!",
    "Oszuści, znowu naliczyliście mi opłatę!",
    "Nie będę wam więcej płacić, oszuści jedni!",
    "Wiecie, co robicie? Oszuści!",
    "Oszuści! Nie chcę z wami mieć nic wspólnego.",
    "Zrywam z wami umowę, oszuści.",
]


@pytest.mark.parametrize("text", COMPANY_CALLED_CROOKS)
def test_crooks_said_to_the_company_are_anger_not_a_fraud(text: str) -> None:
    assert urgent_cue(text)  # the word alone reads as a fraud
    assert not urgent_cue(without_insults(text))  # judged without the name given to the company


# Robbed by the company, in the caller's words: a grievance for the complaints queue, as "oszukaliście" is; a
# theft by anyone else stays one
@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("Ukradliście mi pieniądze z konta za abonament", "complaint"),
        ("Okradliście mnie z abonamentu", "complaint"),
        ("ukradli mi telefon", "urgent"),
        ("ktoś mnie okradł w autobusie", "urgent"),
        ("Ukradliście mi pieniądze, a ktoś włamał się na moje konto", "urgent"),
    ],
)
def test_robbed_by_the_company_is_a_grievance(text: str, reason: str) -> None:
    assert detect_reason(text) == reason


# "Oszuści" as what happened to the caller, whoever the caller then speaks to: kept whole, a fraud. Without
# punctuation to set the name apart, or with a third party's call told beside it, the fraud is kept (safety first).
FRAUD_TOLD = [
    "ktoś mnie oszukał",
    "oszuści dzwonią i podają się za was",
    "zostałam oszukana przez fałszywego konsultanta",
    "Dzwonią do mnie oszuści!",
    "Dzwonili do mnie od was, oszuści!",
    "Pomóżcie, dzwonią do mnie oszuści!",
    "Czy wiecie, że dzwonią oszuści?",
    "Oszuści wyczyścili mi konto, zróbcie coś",
    "Dzwonili do mnie, oszuści! Wiecie o tym?",
    "Podają się za was, oszuści!",
    "Ktoś od was wyczyścił mi konto, oszuści!",  # "od was": who the crooks posed as, not whom the caller tells
]


@pytest.mark.parametrize("text", FRAUD_TOLD)
def test_crooks_who_did_something_to_the_caller_stay_a_fraud(text: str) -> None:
    assert without_insults(text) == text and urgent_cue(text)


# Someone took over the caller's card, number, account or data: the KB's practical answer beside the 112 advice
# only from an entry about blocking, reporting or a password, never how to get what was used against them (a SIM
# swap heard how to get a duplicate).
TAKEN_OVER = [
    "ktoś wyrobił duplikat mojej karty SIM, nie mam zasięgu, a z konta znikają pieniądze",
    "nagle straciłam zasięg, a ktoś w salonie wyrobił na mnie duplikat karty SIM",
    "ktoś wyrobił sobie kartę SIM na mój numer i robi przelewy z mojego konta",
    "ktoś podszył się pode mnie w salonie i dostał nową kartę SIM na mój numer",
    "ktoś zamówił na moje dane nowy telefon na abonament",
    "oszust przejął mój numer telefonu i loguje się do mojego banku",
    "Ktoś włamał się na moje konto i zmienił hasło, nie mogę się zalogować.",
    "Przejęli moje konto, nie mogę się zalogować!",
]


@pytest.mark.parametrize("text", TAKEN_OVER)
def test_someone_took_over_what_is_the_callers(text: str) -> None:
    assert identity_taken(text)


@pytest.mark.parametrize(
    "text",
    [
        "czuję gaz w piwnicy",
        "woda leje się z sufitu",
        "ktoś zostawił odkręcony gaz",
        # a plain theft: the owner of a stolen phone or ID asking for a new one wants that answer (a review)
        "Ukradli mi telefon, chcę zamówić duplikat karty SIM.",
        "ktoś ukradł mi dowód osobisty, muszę złożyć wniosek o nowy",
    ],
)
def test_a_danger_or_a_plain_theft_takes_over_nothing(text: str) -> None:
    assert not identity_taken(text)


def test_an_entry_about_blocking_reporting_or_a_password_protects_a_victim() -> None:
    assert protects(["Jak zablokować kartę SIM po zgubieniu lub kradzieży telefonu?", "Zgubiłem telefon"])
    assert protects(["Jak zastrzec dowód osobisty?"])
    assert protects(["Gdzie zgłosić kradzież roweru?"])
    assert protects(["Nie pamiętam hasła do konta, jak je zmienić?"])  # resetting it takes the account back
    assert not protects(["Jak wyrobić duplikat karty SIM?", "Czy mogę dostać eSIM?"])
    assert not protects(["Czy mogę kupić telefon na raty?"])
    assert not protects(["Jakie jest hasło do Wi-Fi w routerze?"])  # a password, but of no account


@pytest.mark.parametrize(
    ("text", "threat"),
    [
        ("Grożą mi śmiercią przez telefon", True),
        ("były mąż mnie nęka i grozi, że mnie pobije", True),
        ("ktoś mnie szantażuje zdjęciami", True),
        ("czy grozi mi kara za spóźnienie", True),  # a word of a threat: only said when urgent was decided elsewhere
        ("jak zapłacić fakturę", False),
        ("internet nie działa od rana", False),
    ],
)
def test_threat_words(text: str, threat: bool) -> None:
    assert threatened(text) is threat


CALM_PROTECTION = ["jak się chronić przed oszustami?", "jak rozpoznać fałszywego doradcę?", "jak uniknąć kradzieży?"]


@pytest.mark.parametrize("text", CALM_PROTECTION)
def test_a_calm_question_about_protection_from_crooks_is_no_emergency_by_its_words(text: str) -> None:
    """A question of how to stay safe names the danger it wants protection from (a review heard 112 for the
    first in every KB); meaning decides, as for "czy macie czujniki gazu?"."""
    assert "urgent" not in cue_reasons(text)


def test_crooks_at_work_asked_about_stay_an_emergency() -> None:
    assert "urgent" in cue_reasons("oszuści dzwonią i podają się za was, jak ich rozpoznać?")
