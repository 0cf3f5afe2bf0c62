"""Who is accused: a review of this session's escalation changes found grievances against the company mended at
the cost of real frauds (someone else's fraud told beside a charge the company made, impostors "od was") and a
new false alarm ("podaje się za pomocą zastrzyku"). Each failed before its fix."""

from __future__ import annotations

import pytest

from dialog.escalation import detect_reason
from dialog.escalation_kinds import someone_hurt
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
