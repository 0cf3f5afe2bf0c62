"""Stroke or heart-attack signs told by a relative, a first-aid question in an emergency, a threat at the door and
a scam in progress ("wnuczek dzwoni i chce pieniędzy na kaucję") are emergencies however they are worded; their
everyday look-alikes (paying by BLIK, a first-aid course's price, a blunt bread knife, a past infarct in a
clinic's question) stay calm. Sentences written before the rules, through the real engine on the KBs of
tests/data, in lowercase, without Polish letters and with speech-recognition slips too."""

from __future__ import annotations

import pytest

from tests.e2e.dialog.emergency_probes import said, urgent

_SENTENCES = [
    # stroke and heart-attack signs told by a relative
    "babcia bełkocze i opadł jej kącik ust",
    "tata ma ból w klatce piersiowej i drętwieje mu ręka",
    "mama nie może mówić i ma bezwładną rękę",
    "dziadek nagle belkocze i nie rozumie co sie do niego mowi",
    "mamie opadla twarz z jednej strony",
    "tacie zdretwiala polowa ciala i nie moze wstac",
    "maz mowi niewyraznie i krzywi mu sie twarz co robic",
    "babcia ma krzywe usta i nie może podnieść ręki",
    "zona skarzy sie na silny bol w klatce i poci sie",
    "tata złapał się za serce i mówi że go piecze w mostku",
    "dziadek ma bol za mostkiem promieniujacy do lewej reki",
    "mama nagle przestala mowic i ma opadniety kacik ust",
    "czy to udar babcia nie moze mowic",
    "mama jest po zawale i znowu boli ja w klatce",
    # first aid in an emergency
    "co robić przy zawale",
    "jak zatrzymać krwotok",
    "krew leci i nie przestaje",
    "co robic jak ktos ma zawal serca",
    "jak pomoc osobie z udarem",
    "syn sie skaleczyl i krew leje sie strumieniem",
    "krew nie chce przestac leciec z rany",
    "jak tamowac krwawienie z nogi",
    # a threat at the door
    "ktoś stoi pod drzwiami z nożem",
    "jakis facet z nozem dobija sie do drzwi",
    "pod moimi drzwiami jest mezczyzna z siekiera",
    "ktos z nozem wyważa mi drzwi",
    "ktos chce wejsc do mieszkania z nozem",
    "jakis pijany facet z nozem krzyczy na klatce",
    # scams in progress
    "dzwoni ktoś z banku i chce kod blik",
    "wnuczek dzwoni i chce pieniędzy na kaucję",
    "policjant dzwoni, że mam przelać oszczędności na bezpieczne konto",
    "ktos dzwoni ze jest z banku i kaze mi zainstalowac aplikacje",
    "dzwonil wnuczek ze mial wypadek i potrzebuje pieniedzy",
    "pan z policji kaze mi wyplacic pieniadze i oddac kurierowi",
    "ktos z banku prosi o podanie kodu blik przez telefon",
    "corka pisze z nowego numeru ze pilnie potrzebuje przelewu",
]
EMERGENCIES = [(kb, text) for text in _SENTENCES for kb in ("shop", "klinika")] + [
    (kb, text) for text in _SENTENCES[::4] for kb in ("telecom", "agd", "urzad")
]


@pytest.mark.parametrize(("kb", "text"), EMERGENCIES)
async def test_a_symptom_a_threat_or_a_scam_in_progress_is_urgent(kb: str, text: str) -> None:
    outcome = await said(kb, text)
    assert urgent(outcome), outcome


CALM = [
    ("shop", "czy mogę zapłacić blikiem"),
    ("shop", "jak wygenerować kod blik"),
    ("shop", "kod blik nie przechodzi przy platnosci"),
    ("shop", "czy moge zaplacic kodem blik przy odbiorze"),
    ("shop", "ile kosztuje kurs pierwszej pomocy"),
    ("shop", "czy macie apteczki"),
    ("shop", "czy apteczka samochodowa jest w zestawie"),
    ("shop", "nóż do chleba przyszedł tępy"),
    ("shop", "czy noze kuchenne sa ostre"),
    ("shop", "zestaw nozy przyszedl bez podstawki"),
    ("shop", "babcia chce zamówić telefon dla seniora"),
    ("shop", "czy telefon dla babci ma duze przyciski"),
    ("shop", "wnuczek chce kupic prezent dla babci"),
    ("shop", "czy moge oddac pieniadze na konto bankowe"),
    ("shop", "jak przelac pieniadze na wasze konto"),
    ("shop", "czy mozna zamowic z dostawa pod drzwi"),
    ("shop", "kurier zostawil paczke pod drzwiami"),
    ("shop", "czy kurier zadzwoni przed dostawa"),
    ("shop", "dzwonil do mnie kurier w sprawie paczki"),
    ("shop", "czy bank dzwoni do klientow po kod blik"),
    ("shop", "wnuczek dzwonil ze paczka juz dotarla"),
    ("shop", "zadzwonil kurier ze bedzie jutro, czy moge zaplacic blikiem"),
    ("shop", "dostalem sms z banku o platnosci blikiem w waszym sklepie"),
    ("shop", "czy ciśnieniomierz mierzy puls"),
    ("klinika", "tata ma zawał serca w wywiadzie, czy może iść na rezonans"),
    ("klinika", "mama jest po udarze, czy lekarz przyjmie ja w domu"),
    ("klinika", "mama jest po zawale i pyta o rehabilitacje"),
    ("klinika", "tata przeszedl udar w zeszlym roku, czy moze prowadzic"),
    ("klinika", "tata po udarze ma bezwladna reke, czy przysluguje rehabilitacja domowa"),
    ("klinika", "mama po udarze nadal nie moze mowic, czy jest logopeda"),
    ("klinika", "mama przeszla udar dwa lata temu i od tego czasu ma krzywa twarz, czy jest refundacja"),
    ("klinika", "ile kosztuje kurs pierwszej pomocy"),
    ("klinika", "czy moge umowic wizyte u kardiologa"),
    ("klinika", "jak sie przygotowac do badania krwi"),
    ("klinika", "czy pobranie krwi jest na czczo"),
    ("telecom", "czy moge zaplacic za abonament blikiem"),
    ("telecom", "babcia chce zamowic telefon dla seniora"),
    ("telecom", "dzwonil konsultant z oferta, czy to wy"),
    ("agd", "nóż do chleba przyszedł tępy"),
    ("agd", "czy macie noze do krojenia chleba"),
    ("agd", "czy noz do chleba mozna myc w zmywarce"),
    ("agd", "chcialbym zamowic noz do miesa dla meza"),
    ("shop", "kurier stoi pod drzwiami z paczka"),
    ("urzad", "jak zalatwic dowod dla babci"),
    ("urzad", "czy moge zaplacic oplate blikiem"),
    # the caller writes ("piszę do was"; "pisze" without Polish letters): no one writing to them
    ("shop", "pisze do was bo wnuczek chce zalozyc konto i potrzebuje pieniedzy na abonament"),
    ("telecom", "pisze do was bo wnuczek chce zalozyc konto i potrzebuje pieniedzy na abonament"),
]


@pytest.mark.parametrize(("kb", "text"), CALM)
async def test_an_everyday_look_alike_stays_calm(kb: str, text: str) -> None:
    outcome = await said(kb, text)
    assert not urgent(outcome), outcome


# A past illness told beside signs that are new now: the history must not cancel the signs (the guard on
# "kiedyś", "po udarze", "przeszła" cancelled all four below, urgent before it).
PAST_AND_NOW = [
    "babcia miala kiedys udar a teraz znowu nie moze mowic i opadla jej reka",
    "tata po udarze w zeszlym roku a teraz znow ma krzywa twarz",
    "ojciec po zawale a teraz znowu go gniecie w piersiach",
    "mama miala kiedys zawal a dzis znowu ja boli klatka piersiowa",
    "mama przeszla na emeryture a dzis opadl jej kacik ust",
    "dziadek przeszedl zawal w zeszlym roku i dzisiaj nagle belkocze",
    # no word of "now" at all: the signs are told in the present, the history beside them
    "tata po zawale ma krzywa twarz i belkocze",
    "mama po udarze zaczela belkotac",
    "dziadek po udarze od kilku minut nie moze mowic",
    "ojciec w wywiadzie zawal, belkocze i ma krzywe usta co robic",
    "mama kiedys miala udar i ma opadniety kacik ust i belkocze",
]


@pytest.mark.parametrize("kb", ["shop", "klinika", "telecom"])
@pytest.mark.parametrize("text", PAST_AND_NOW)
async def test_signs_now_beside_a_past_illness_stay_urgent(kb: str, text: str) -> None:
    outcome = await said(kb, text)
    assert urgent(outcome), outcome


# Feeling ill now beside a past stroke or infarct, in words no sign cue takes: the history guard took the urgent
# meaning away from these (urgent before it).
UNWELL_AFTER_AN_ATTACK = [
    "tata po zawale i teraz bardzo zle sie czuje",
    "mama miala kiedys udar i znowu jest dziwna nie poznaje nas",
    "mama po zawale i ma bardzo wysokie cisnienie i kreci jej sie w glowie",
]


@pytest.mark.parametrize("kb", ["shop", "klinika", "telecom"])
@pytest.mark.parametrize("text", UNWELL_AFTER_AN_ATTACK)
async def test_feeling_ill_now_after_a_past_attack_stays_urgent(kb: str, text: str) -> None:
    outcome = await said(kb, text)
    assert urgent(outcome), outcome


# A sign's words in an everyday setting: a baby's first words, a hand numb from the mouse, a nursing mother's
# breast; a stick in a game under the window. Calm before the sign and weapon cues, urgent after them.
EVERYDAY_SIGNS = [
    "dziecko belkocze pierwsze slowa czy to normalne",
    "drętwieje mi reka od myszki czy jest ortopeda",
    "pieczenie w piersiach przy karmieniu czy jest polozna",
    "syn gra w pilke kijem pod oknem",
]


@pytest.mark.parametrize("kb", ["shop", "klinika", "telecom"])
@pytest.mark.parametrize("text", EVERYDAY_SIGNS)
async def test_a_signs_words_in_an_everyday_setting_stay_calm(kb: str, text: str) -> None:
    outcome = await said(kb, text)
    assert not urgent(outcome), outcome


# Complaints about the service and the goods in a sign's words: a consultant who stops talking, a doll's
# crooked mouth, legs numb from the queue. A complaint or a calm question before the sign cues, urgent after.
COMPLAINTS_IN_A_SIGNS_WORDS = [
    "konsultant nie rozumie co mowie i nagle sie rozlaczyl",
    "pani z infolinii nagle przestala mowic i cisza",
    "lalka ma krzywe usta reklamacja",
    "telewizor pokazuje krzywo twarze",
    "nie czuje nog ze zmeczenia po tej kolejce",
    "zdretwiala mi noga od siedzenia w kolejce",
    "opadla mi powieka po botoksie",
]


@pytest.mark.parametrize("kb", ["shop", "klinika", "telecom"])
@pytest.mark.parametrize("text", COMPLAINTS_IN_A_SIGNS_WORDS)
async def test_a_complaint_in_a_signs_words_is_no_emergency(kb: str, text: str) -> None:
    outcome = await said(kb, text)
    assert not urgent(outcome), outcome


# A review's misses: much blood, or someone who cut themselves; each was no emergency before.
MUCH_BLOOD = [
    ("shop", "kolega się pociął nożem i dużo krwi"),
    ("klinika", "córka podcięła sobie żyły"),
    ("telecom", "tata leży w kałuży krwi"),
    ("klinika", "dużo krwi po upadku z drabiny, co robić"),
    ("shop", "mąż rozciął rękę, wszędzie pełno krwi"),
]
BLOOD_CALM = [
    ("klinika", "oddałem dużo krwi jako honorowy dawca, czy mam zniżkę"),
    ("klinika", "ile krwi pobieracie przy morfologii"),
    ("shop", "pociąłem karton nożem z zestawu, czy mogę go zwrócić"),
    ("shop", "film był pełen krwi, czy jest dla dzieci"),
]


@pytest.mark.parametrize(("kb", "text"), MUCH_BLOOD)
async def test_much_blood_is_an_emergency(kb: str, text: str) -> None:
    assert urgent(await said(kb, text))


@pytest.mark.parametrize(("kb", "text"), BLOOD_CALM)
async def test_blood_tests_and_donors_are_no_emergency(kb: str, text: str) -> None:
    assert not urgent(await said(kb, text))


# A last read of the session's diff: an attack named now beside an earlier one was cancelled by the history
# words ("rok temu", "kiedyś") and by meaning too; each was no emergency on any KB before.
ATTACK_NOW_BESIDE_A_PAST_ONE = [
    ("shop", "tata ma zawał, rok temu też miał, co robić?"),
    ("klinika", "mama ma udar, kiedyś już miała"),
    ("telecom", "dziadek kiedyś miał zawał, a teraz chyba ma drugi, pomocy"),
    ("klinika", "tata przeszedł zawał, teraz znowu zawał, dzwonić na pogotowie?"),
    ("shop", "chyba ma udar, miała już jeden pięć lat temu"),
]
AN_ATTACK_THAT_WAS = [
    ("klinika", "tata ma zawał w wywiadzie, czy może iść na zabieg"),
    ("klinika", "tata przeszedł zawał rok temu, czy może jeździć na rowerze"),
    ("klinika", "mama miała udar kiedyś, czy refundacja obejmuje logopedę"),
]


@pytest.mark.parametrize(("kb", "text"), ATTACK_NOW_BESIDE_A_PAST_ONE)
async def test_an_attack_now_beside_a_past_one_is_an_emergency(kb: str, text: str) -> None:
    assert urgent(await said(kb, text))


@pytest.mark.parametrize(("kb", "text"), AN_ATTACK_THAT_WAS)
async def test_an_attack_that_was_is_no_emergency(kb: str, text: str) -> None:
    assert not urgent(await said(kb, text))
