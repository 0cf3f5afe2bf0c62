"""A person who does not respond, a poisoning, water reaching electricity, an intruder now, a flood at any named
building: emergencies (a missed one is the worst failure), told in everyday words, questions, without Polish letters
and with phone recognition's slips. Written before the rules: "sąsiad leży na klatce i nie odpowiada" went to the
complaints queue ("nie odpowiada" read as a broken device), "dziecko wypiło płyn do prania, co robić?" and "zalało
urząd" were not understood, "co robić, woda dochodzi do kontaktów" got a clarifying question. Their everyday
look-alikes (a phone, a mailbox, an office that "nie odpowiada", a router that "leży", a phone "zalany" with coffee,
voices heard on the line) stay as they were. Through the real engine on several KBs of tests/data."""

from __future__ import annotations

import pytest

from tests.e2e.dialog.emergency_probes import said, urgent

UNRESPONSIVE = [  # a person who does not respond, does not breathe, collapsed or lies and does not move
    ("telecom", "sąsiad leży na klatce i nie odpowiada"),
    ("urzad", "sasiad lezy na klatce i nie odpowiada"),
    ("agd", "mąż nie oddycha, co robić?"),
    ("water", "babcia leży na podłodze i się nie rusza"),
    ("telecom", "tata nie odpowiada i nie mogę go dobudzić"),
    ("klinika", "kolega zasłabł i leży bez ruchu"),
    ("urzad", "jakiś pan leży na chodniku przed urzędem i nie oddycha"),
    ("shop", "co mam robić, dziecko przestało oddychać"),
    ("klinika", "pacjent w poczekalni osunął się i nie odpowiada"),
    ("urzad", "ktos lezy pod drzwiami urzedu i nie odpowiada"),
    ("telecom", "mama nie odpowiada, leży w łazience"),
    ("agd", "dziadek zasłabł, nie odpowiada na pytania"),
    ("water", "mężczyzna leży w wodzie i nie odpowiada"),
    ("shop", "na przystanku leży jakiś pan i nie odpowiada"),
    ("telecom", "mama nie daje się dobudzić"),
    ("urzad", "sasiatka lezy na schodach i nie odpowiada"),
    ("klinika", "znalazlam tate na podlodze, nie odpowiada"),
]
POISONED = [  # cleaning products, pills, a battery swallowed or drunk
    ("agd", "dziecko wypiło płyn do prania, co robić?"),
    ("agd", "jak ratować dziecko, które wypiło płyn do prania"),
    ("shop", "syn połknął baterię"),
    ("agd", "córka napiła się płynu do naczyń"),
    ("klinika", "mama połknęła za dużo tabletek"),
    ("agd", "dziecko zjadło kapsułkę do prania"),
    ("water", "maz wypil wybielacz"),
    ("telecom", "corka wypila domestos co robic"),
    ("klinika", "dziecko zjadło tabletki babci, co robić?"),
    ("agd", "synek napił się odkamieniacza z ekspresu"),
    ("urzad", "co zrobic jak dziecko wypilo kreta do rur"),
    ("klinika", "mama wzięła za dużo tabletek nasennych"),
    ("agd", "dziecko zjadło tabletkę do zmywarki"),
    ("telecom", "syn zjadł baterię z pilota, co robić?"),
    ("shop", "syn wypił wybielacz z kubka do kawy"),  # a poison named: the coffee beside it is no harmless drink
    ("agd", "córka napiła się odkamieniacza do ekspresu do kawy"),
]
WATER_ON_POWER = [  # water reaching sockets, fuses, an extension cord
    ("water", "co robić, woda dochodzi do kontaktów"),
    ("water", "woda leje się na gniazdko"),
    ("agd", "zalało gniazdka w łazience"),
    ("water", "woda cieknie do skrzynki z bezpiecznikami"),
    ("urzad", "woda dochodzi do przedluzacza, co robic?"),
    ("telecom", "woda kapie z sufitu prosto na listwę z kontaktami"),
    ("agd", "pralka stoi w wodzie i jest pod napięciem"),
    ("shop", "zamókł bezpiecznik w piwnicy, co robić?"),
    ("klinika", "woda leci po ścianie do gniazdka przy łóżku pacjenta"),
]
INTRUDERS = [  # a stranger in the caller's place now
    ("urzad", "w piwnicy ktoś jest, słyszę obce głosy"),
    ("water", "ktoś obcy chodzi po moim domu"),
    ("telecom", "ktoś próbuje otworzyć moje drzwi"),
    ("shop", "ktoś wszedł do mieszkania, słyszę kroki"),
    ("agd", "ktos obcy jest w mieszkaniu, co mam robic?"),
    ("klinika", "jakiś mężczyzna włamuje się do piwnicy"),
    ("water", "ktoś dobija się do drzwi i szarpie klamką"),
    ("telecom", "slysze kroki na strychu a jestem sama w domu"),
    ("urzad", "obcy facet zagląda mi w okna, co mam robić?"),
    ("shop", "ktoś wszedł do mieszkania sąsiada, drzwi są wyważone"),
    ("agd", "ktoś jest w moim domu"),
    ("water", "slysze kogos w piwnicy a mieszkam sama"),
]
FLOODED = [  # a flood at any named building or room
    ("urzad", "zalało urząd"),
    ("urzad", "zalało nam szkołę"),
    ("telecom", "zalało nam biuro"),
    ("klinika", "zalało przychodnię"),
    ("water", "woda zalewa garaż"),
    ("shop", "zalalo sklep"),
    ("telecom", "zalało serwerownię, co robić?"),
    ("klinika", "zalewa nam poczekalnię, woda jest wszędzie"),
    ("urzad", "zalalo archiwum w piwnicy urzedu"),
    ("agd", "podtopiło nam magazyn, woda po kostki"),
]
EMERGENCIES = UNRESPONSIVE + POISONED + WATER_ON_POWER + INTRUDERS + FLOODED


@pytest.mark.parametrize(("kb", "text"), EMERGENCIES)
async def test_a_person_in_danger_is_an_emergency(kb: str, text: str) -> None:
    outcome = await said(kb, text)
    assert urgent(outcome) and outcome.transfer is not None and outcome.transfer.emergency, outcome


CALM = [
    ("telecom", "telefon nie odpowiada"),
    ("telecom", "telefon leży na biurku i nie odpowiada"),
    ("shop", "córka nie odzywa się do mnie od tygodnia"),
    ("urzad", "mój wniosek leży bez ruchu od miesiąca"),
    ("telecom", "pilot leży na ziemi i nie reaguje"),
    ("telecom", "serwer leży i nie odpowiada od rana"),
    ("shop", "strona sklepu leży, koszyk nie odpowiada"),
    ("shop", "syn nie daje się obudzić rano do szkoły, macie budziki?"),
    ("telecom", "router leży i nie działa"),
    ("telecom", "infolinia nie odpowiada"),
    ("shop", "konsultant nie odpowiada na maila"),
    ("urzad", "urząd nie odpowiada na moje pismo"),
    ("telecom", "syn nie odpowiada na moje wiadomości"),
    ("shop", "aplikacja nie odpowiada"),
    ("shop", "sklep nie odpowiada na reklamację"),
    ("shop", "kurier nie odpowiada na telefony"),
    ("klinika", "lekarz nie odpowiada na moje pytania w portalu"),
    ("agd", "pralka leży na boku po transporcie, czy mogę ją podłączyć?"),
    ("agd", "ile tabletek do zmywarki na jedno mycie?"),
    ("agd", "czy płyn do prania jest bezpieczny dla dzieci?"),
    ("agd", "jak przechowywać kapsułki do prania?"),
    ("klinika", "wzięłam tabletkę przeciwbólową, czy mogę przyjść na badanie?"),
    ("water", "wypiłem wodę z kranu, czy jest zdatna do picia?"),
    ("agd", "jak podłączyć pralkę do prądu i wody?"),
    ("water", "czy mogę pić wodę z kranu?"),
    ("water", "podajcie kontakt do działu obsługi wody"),
    ("water", "woda leci z kranu słabym strumieniem, proszę o kontakt"),
    ("agd", "czy bezpiecznik w zmywarce chroni przed zalaniem?"),
    ("water", "woda nie dochodzi do kontaktów, ale podłoga jest mokra od kranu"),
    ("urzad", "czy w urzędzie jest gniazdko do naładowania telefonu?"),
    ("urzad", "kto jest odpowiedzialny za piwnice w bloku?"),
    ("telecom", "słyszę obce głosy w słuchawce podczas rozmowy"),
    ("water", "ktoś chodzi po mieszkaniu nad nami w nocy i hałasuje"),
    ("water", "czy ktoś musi wejść do piwnicy, żeby odczytać wodomierz?"),
    ("urzad", "czy ktoś może otworzyć drzwi do archiwum?"),
    ("shop", "ktoś będzie w domu, żeby odebrać paczkę"),
    ("agd", "czy ktoś jest w stanie naprawić moją zmywarkę w domu?"),
    ("telecom", "ktoś z mojej rodziny jest w domu i może odebrać router"),
    ("telecom", "zalało mi telefon, czy naprawicie?"),
    ("shop", "zalałem laptopa kawą, czy gwarancja to obejmuje?"),
    ("shop", "zalałem kawą klawiaturę w biurze"),
    ("urzad", "rok temu zalało szkołę, czy remont się skończył?"),
    ("telecom", "zalali nam biuro reklamami, jak zablokować spam?"),
    ("urzad", "była burza, ale biura nie zalało, czy urząd jest dziś otwarty?"),
    ("agd", "zmywarka nie wypompowuje wody"),
    ("telecom", "tablet leży w szufladzie i się nie włącza"),
    ("urzad", "czy jest ktoś, kto mi pomoże z wnioskiem?"),
    ("klinika", "czy mogę brać tabletki przeciwbólowe przed wizytą?"),
    ("klinika", "jak wypełnić ankietę przed szczepieniem dziecka?"),
    ("urzad", "czy urząd jest otwarty w sobotę?"),
    ("water", "czy woda z kranu nadaje się do picia dla niemowląt?"),
]


@pytest.mark.parametrize(("kb", "text"), CALM)
async def test_an_everyday_look_alike_is_no_emergency(kb: str, text: str) -> None:
    outcome = await said(kb, text)
    assert not urgent(outcome), outcome


BESIDE_A_REPORT = [  # a life at risk with a question some KB entry answers (how to report a failure): 112 only
    ("telecom", "sąsiad leży na klatce i nie odpowiada, jak zgłosić awarię?"),
    ("water", "sąsiad leży na klatce i nie odpowiada, gdzie zgłosić awarię?"),
    ("water", "dziecko wypiło płyn do prania, jak zgłosić awarię wody?"),
    ("telecom", "mama nie oddycha, jak zgłosić awarię internetu?"),
]


@pytest.mark.parametrize(("kb", "text"), BESIDE_A_REPORT)
async def test_no_kb_answer_beside_a_life_at_risk(kb: str, text: str) -> None:
    """Someone who does not respond or was poisoned is someone hurt: the 112 advice and a person, never the KB's
    how to report a failure read out beside them (the water and telecom KBs' entries were, before)."""
    outcome = await said(kb, text)
    assert urgent(outcome) and outcome.transfer is not None and not outcome.transfer.answer, outcome


# A review (2026-12): a life at risk asked together with an errand the KB answers for sure. 112 and a person, never
# the errand's answer beside them, as for someone hurt (``dialog.escalation_kinds.someone_hurt``).
LIFE_AND_AN_ERRAND = [
    ("shop", "dziecko wypiło płyn do naczyń jak zgłosić reklamację"),
    ("agd", "dziecko wypiło płyn do naczyń jak zgłosić reklamację"),
    ("telecom", "mama wzięła za dużo tabletek jak zablokować kartę"),
    ("agd", "sąsiad leży na klatce i nie odpowiada, jak złożyć reklamację"),
]


@pytest.mark.parametrize(("kb", "text"), LIFE_AND_AN_ERRAND)
async def test_a_life_at_risk_hears_no_kb_answer_beside_112(kb: str, text: str) -> None:
    outcome = await said(kb, text)
    assert urgent(outcome) and outcome.transfer is not None and outcome.transfer.answer is None, outcome


# A review (2026-12) of the rules above, look-alikes written before reading them; each was no emergency before.
NOBODY_ANSWERS = [  # a complaint, an invoice or a tree nobody answers about; someone of the staff who ignores one
    ("agd", "moja reklamacja leży u was od tygodnia i nikt nie odpowiada"),
    ("shop", "faktura leży w księgowości i nie odpowiadają"),
    ("urzad", "drzewo leży na ulicy i gmina nie odpowiada"),
    ("shop", "towar leży na ziemi w magazynie i nikt nie odpowiada"),
    ("agd", "klimatyzator nie odpowiada i brak świeżego powietrza"),
    ("shop", "ktoś z obsługi nie reaguje na moje skargi"),
]


@pytest.mark.parametrize(("kb", "text"), NOBODY_ANSWERS)
async def test_nobody_answering_is_no_body(kb: str, text: str) -> None:
    assert not urgent(await said(kb, text))


NOTHING_SWALLOWED = [  # a phone's battery drained, coffee, a supplement, tap water, a dose some time ago
    ("telecom", "aplikacja wypiła mi baterię w dwie godziny"),
    ("telecom", "gra zjadła mi całą baterię"),
    ("agd", "wypiłem kawę z kapsułki i ekspres przecieka"),
    ("klinika", "wypiłam kwas foliowy rano czy mogę iść na badanie krwi"),
    ("water", "wypiłem wodę z kranu i czuć chlor czy jest zdatna do picia"),
    ("klinika", "mama zażyła lek kilka godzin przed zabiegiem czy to problem"),
    ("klinika", "wziął leki parę minut temu czy może jechać na badanie"),
]


@pytest.mark.parametrize(("kb", "text"), NOTHING_SWALLOWED)
async def test_nothing_poisonous_swallowed_is_no_emergency(kb: str, text: str) -> None:
    assert not urgent(await said(kb, text))


FLOOD_OVER_OR_A_FIGURE = [  # a flood that was, an insurance claim, an office drowning in paperwork, a drunk boss
    ("urzad", "urząd był zalany w poniedziałek czy już działa"),
    ("urzad", "szkoła była zalana wczoraj czy jutro są lekcje"),
    ("shop", "magazyn był zalany czy moja paczka przyjdzie"),
    ("water", "zalany garaż a ubezpieczyciel nie chce wypłacić odszkodowania"),
    ("urzad", "urząd tonie we wnioskach dlatego tak długo czekam"),
    ("shop", "kierownik przyszedł zalany do biura"),
]


@pytest.mark.parametrize(("kb", "text"), FLOOD_OVER_OR_A_FIGURE)
async def test_a_flood_over_or_a_figure_of_speech_is_no_emergency(kb: str, text: str) -> None:
    assert not urgent(await said(kb, text))


NO_STRANGER_THERE = [  # people in an office, an unknown device or car, someone asked for advice
    ("urzad", "ludzie chodzą po korytarzu w urzędzie i nikt nie pomaga"),
    ("telecom", "w domu jest nieznane urządzenie podłączone do mojej sieci wifi"),
    ("water", "w garażu stoi obcy samochód na moim miejscu"),
    ("telecom", "w moim pokoju jest słaby zasięg ktoś wie czemu"),
]


@pytest.mark.parametrize(("kb", "text"), NO_STRANGER_THERE)
async def test_no_stranger_in_the_callers_place_is_no_emergency(kb: str, text: str) -> None:
    assert not urgent(await said(kb, text))


@pytest.mark.parametrize(("kb", "text"), [("agd", "ile wody zużywa pralka i jaki kabel jest w zestawie")])
async def test_a_cable_in_the_box_is_no_water_on_power(kb: str, text: str) -> None:
    assert not urgent(await said(kb, text))


STILL_EMERGENCIES = [  # near the look-alikes above, each urgent at e5e6cd7 and so still
    ("urzad", "przyszłam do biura a biuro zalane"),
    ("water", "zalewa garaż czy ubezpieczenie to pokryje"),
    ("urzad", "woda zalewa szkołę czy dostaniemy odszkodowanie"),
    ("telecom", "wróciłam ze szkoły i ktoś jest w moim domu"),
    ("shop", "synek połknął baterię od telefonu"),
    ("klinika", "dziecko zjadło kilka tabletek babci"),
    ("agd", "ktoś z mojej rodziny leży i nie odpowiada"),
    ("telecom", "tata leży na ulicy i nikt nie reaguje"),
]


@pytest.mark.parametrize(("kb", "text"), STILL_EMERGENCIES)
async def test_an_emergency_beside_a_look_alike_stays_one(kb: str, text: str) -> None:
    outcome = await said(kb, text)
    assert urgent(outcome) and outcome.transfer is not None and outcome.transfer.emergency, outcome


MORE_LOOK_ALIKES = [  # a second round of the review: each no emergency before e5e6cd7
    ("telecom", "ktoś nie reaguje na moje zgłoszenie"),
    ("agd", "sąsiad puszcza głośno muzykę i nie reaguje"),
    ("water", "ludzie z administracji chodzą po piwnicach i sprawdzają liczniki"),
    ("agd", "słyszę hałasy z pralki w łazience"),
    ("agd", "słyszę szmery w kuchni jak działa lodówka"),
    ("agd", "woda stoi w zmywarce a kabel jest cały"),
    ("agd", "w pralce stoi woda i nie działa przycisk elektryczny"),
    ("klinika", "babcia wzięła leki dwa razy bo zapomniała"),
]


@pytest.mark.parametrize(("kb", "text"), MORE_LOOK_ALIKES)
async def test_more_look_alikes_are_no_emergency(kb: str, text: str) -> None:
    assert not urgent(await said(kb, text))
