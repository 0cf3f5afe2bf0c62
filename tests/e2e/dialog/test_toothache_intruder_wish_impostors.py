"""A dull toothache is a dentist's booking, not an emergency, while a tooth with fever and a swelling face stays
urgent; an intruder told after the caller's "żeby" ("proszę, żeby ktoś przyjechał, ktoś obcy jest w moim domu") or
while the caller hides; impostors who are an unnamed office wanting BLIK now, a ZUS clerk at the door wanting cash,
a post office or a courier wanting a BLIK code, a fake bank technician on the caller's computer. Beside each, the
everyday look-alikes. Sentences written before the rules (some without commas or Polish letters, as speech
recognition writes them), each through the real engine on all seven test KBs: right only if right on every one."""

from __future__ import annotations

import pytest

from tests.e2e.dialog.emergency_probes import KBS, said, urgent

TOOTHACHE = [
    "mam tępy ból zęba",
    "boli mnie ząb, jak się zapisać do dentysty",
    "od kilku dni pobolewa mnie ząb",
    "mam tepy bol zeba od wczoraj",
    "ząb mnie boli przy piciu zimnego",
    "boli mnie ząb trzonowy chcę umówić wizytę",
    "ukruszył mi się ząb i trochę boli",
    "wypadła mi plomba i ząb boli",
    "czuję ćmiący ból zęba",
    "boli mnie zab przy gryzieniu kiedy moge przyjsc",
    "mam nadwrażliwe zęby i bolą przy zimnym",
    "dziąsło mnie boli przy myciu zębów",
    "wyrzyna mi się ósemka i boli",
    "od tygodnia boli mnie ząb, chcę umówić wizytę",
]

TOOTH_AND_MORE = [
    "ząb boli, mam gorączkę, twarz puchnie",
    "ząb mnie boli, spuchła mi cała twarz i nie mogę przełknąć",
    "po wyrwaniu zęba krew leci i nie przestaje",
    "boli mnie zab mam wysoka goraczke i puchnie mi policzek",
    "mam ropień przy zębie i spuchło mi oko",
    "dziecko wybiło sobie zęby i krwawi z ust",
    "ząb tak boli że spuchła szyja i trudno mi oddychać",
    "po ekstrakcji zęba krwawienie nie ustaje od godziny",
    "boli ząb i puchnie mi pół twarzy i mam dreszcze",
    "syn spadł z roweru i wybił zęby, leci krew",
    "spuchło mi gardło od zęba i nie mogę oddychać",
    "mam straszny ból zęba i gorączkę 39 stopni, twarz spuchnięta",
]

INTRUDER_AFTER_A_WISH = [
    "proszę, żeby ktoś szybko przyjechał, ktoś obcy jest w moim domu",
    "nie wiem co zrobić, żeby się schować, ktoś chodzi po domu",
    "prosze zeby ktos przyjechal ktos obcy jest w mieszkaniu",
    "chcę żeby ktoś przyjechał bo ktoś się kręci po moim domu",
    "co mam zrobić żeby mnie nie znalazł ktoś jest w domu",
    "zamknęłam się w łazience, żeby mnie nie zobaczył, obcy mężczyzna jest w mieszkaniu",
    "błagam żeby ktoś przyjechał ktoś wszedł do mojego domu",
    "potrzebuję, żeby ktoś natychmiast przyjechał, ktoś obcy jest w środku",
    "ktoś chodzi po domu, nie wiem jak się schować żeby mnie nie usłyszał",
    "proszę wysłać kogoś żeby przyjechał, ktoś obcy łazi po mieszkaniu",
    "zeby ktos przyjechal szybko bo obcy facet jest w moim domu",
    "nie wiem gdzie się schować, ktoś obcy jest w domu",
    "schowałam się z dziećmi w szafie, żeby nas nie znalazł, ktoś chodzi po piętrze",
]

WISH_CALM = [
    "proszę, żeby ktoś przyjechał naprawić pralkę",
    "chcę żeby technik przyjechał jutro do domu",
    "czy ktoś może przyjechać, żeby odczytać licznik",
    "proszę żeby kurier zostawił paczkę u sąsiada bo nikogo nie będzie w domu",
    "ktoś będzie w domu, żeby wpuścić serwisanta",
    "jak ukryć router, żeby nie było go widać",
    "żeby ktoś przyjechał po stary sprzęt, ktoś z rodziny będzie w domu",
    "proszę, żeby ktoś oddzwonił, mąż jest w domu po południu",
    "chcę zamówić montera, żeby przyjechał do domu w sobotę",
    "obcy numer ciągle do mnie dzwoni, jak go zablokować",
]

IMPOSTOR = [
    "dostałem wezwanie z urzędu, że mam zapłacić blikiem natychmiast",
    "przyszło pismo niby z urzędu że muszę od razu zapłacić kodem blik",
    "dzwoni ktoś z urzędu miasta i każe natychmiast zapłacić blikiem",
    "przyszedł pan z ZUS i chce gotówkę za wyrównanie emerytury",
    "pan podaje się za pracownika zus stoi w drzwiach i chce pieniędzy w gotówce",
    "jakiś urzędnik z zusu przyszedł do domu i każe zapłacić gotówką",
    "dostałem sms od poczty, że mam podać kod blik żeby odebrać paczkę",
    "poczta polska pisze żebym zapłacił blikiem dopłatę do przesyłki i podał kod",
    "kurier napisał smsa żebym podał kod blik bo inaczej paczka wróci",
    "pracownik banku kazał zainstalować AnyDesk",
    "dzwonił konsultant banku i kazał mi zainstalować aplikację do zdalnego pulpitu, teraz steruje moim komputerem",
    "ktoś z banku przejął mój komputer przez teamviewer i rusza myszką",
    "pan z działu technicznego banku łączy się z moim komputerem i każe się zalogować",
    "dzwoni technik z banku, zainstalowałam program i widzę jak coś klika na moim ekranie",
    "pani z poczty dzwoni i chce kod blik do odbioru przesyłki",
    "urzędniczka z zusu przyszła i chce żebym jej dała pieniądze na miejscu",
]

IMPOSTOR_CALM = [
    "jak zapłacić blikiem za zamówienie",
    "ZUS przysłał list w sprawie emerytury",
    "kurier nie przyjechał",
    "jak zainstalować aplikację banku",
    "dostałem wezwanie do zapłaty z urzędu, jak mogę zapłacić",
    "czy mogę zapłacić blikiem opłatę skarbową",
    "pracownik zus przyszedł na kontrolę zwolnienia lekarskiego",
    "poczta przysłała awizo, gdzie odebrać paczkę",
    "kurier prosi o kod odbioru paczki, gdzie go znajdę",
    "jak zainstalować anydesk żeby wasz serwis pomógł mi z komputerem",
    "czy mogę zapłacić za przesyłkę kodem blik u kuriera",
    "pracownik banku pomógł mi założyć konto w oddziale",
    "urząd przysłał wezwanie do zapłaty podatku od nieruchomości",
    "jak zapłacić za paczkę pobraniową blikiem",
    "ZUS wypłacił mi wyrównanie emerytury, kiedy przyjdzie",
]

# Written after the rules, aimed at what they match (a review): a fee paid at the office's counter, a letter that
# came, a caller locked in by accident, a courier asked about, a mouth that will not open.
REVIEW_URGENT = [
    "dzwoni pan z poczty, że paczka utknęła i muszę podać kod blik",
    "dostałam maila z urzędu, że jak nie zapłacę blikiem dzisiaj to komornik",
    "jakiś pan z gminy stoi w drzwiach i chce gotówkę za wywóz śmieci",
    "facet podaje się za informatyka z banku i każe mi zainstalować teamviewer",
    "pani z banku zdalnie łączy się z moim komputerem",
    "zabarykadowałam się w sypialni, ktoś chodzi po domu",
    "proszę żeby szybko ktoś przyjechał bo ktoś wybija szybę w oknie",
    "ząb mnie boli i mam szczękościsk, nie mogę jeść",
    "po wyrwaniu ósemki leci mi krew od trzech godzin",
    "dziecko uderzyło się w zęby i mocno krwawi",
    "ktoś z zusu przyszedł i każe zapłacić blikiem za składki",
    "pan z kurierem pisze sms i chce pin do karty",
]
REVIEW_CALM = [
    "w urzędzie miasta trzeba zapłacić od razu gotówką za dowód",
    "przyszłam do urzędu i pani chce gotówkę za wniosek",
    "przyszło pismo z zus że muszę zwrócić pieniądze",
    "kurier dzwonił, czy mogę podać kod blik przy odbiorze",
    "urząd skarbowy wymaga zapłaty dziś, czy mogę blikiem",
    "bank pisze żebym zalogował się do aplikacji i przeczytał nową umowę",
    "wnuczek dzwonił, że chce myszkę do komputera na urodziny",
    "zamknęłam się przez przypadek w łazience, czy ktoś jest w stanie przyjechać",
    "chcę, żeby monter przyjechał jutro, bo ktoś musi być w domu",
    "proszę, żeby kurier zadzwonił, bo nikogo nie ma w domu",
    "żeby ktoś przyjechał odczytać licznik, ktoś z rodziny jest w domu",
    "zależy mi, żeby syn przyjechał, bo ktoś chodzi po mieszkaniu nad nami",
    "ząb mnie boli od wczoraj, czy przyjmujecie na nfz",
    "mam zapalenie dziąseł, jaką pastę polecacie",
    "jak się zalogować do aplikacji banku na komputerze",
    "listonosz przyszedł i chce podpis za list polecony",
    "poczta wysłała sms z kodem odbioru paczki",
    "pani z zus przyszła na kontrolę i chce zobaczyć zwolnienie",
    "urząd gminy przysłał wezwanie, że mam zapłacić podatek do końca miesiąca",
]

# Urgent as before these rules (a wish to hide a thing, a parcel's notice sit near danger by meaning):
# strict, so a fix shows.
KNOWN_FALSE_ALARMS = {
    "dostałem sms od poczty że paczka czeka w punkcie": ("water", "telecom", "walkthrough", "agd", "urzad", "klinika"),
    "gdzie schować kabel, żeby dzieci nie dosięgły": tuple(KBS),
    "nie wiem co zrobić, żeby kot się nie chował pod łóżkiem": tuple(KBS),
    "pracownik banku w oddziale kazał zainstalować aplikację mobilną": tuple(KBS),  # a bank's cue, before too
}

URGENT = [(kb, t) for t in TOOTH_AND_MORE + INTRUDER_AFTER_A_WISH + IMPOSTOR + REVIEW_URGENT for kb in KBS]
CALM = [(kb, t) for t in TOOTHACHE + WISH_CALM + IMPOSTOR_CALM + REVIEW_CALM for kb in KBS] + [
    pytest.param(kb, t, marks=pytest.mark.xfail(strict=True, reason="urgent by meaning")) if kb in kbs else (kb, t)
    for t, kbs in KNOWN_FALSE_ALARMS.items()
    for kb in KBS
]


@pytest.mark.parametrize(("kb", "text"), URGENT)
async def test_a_spreading_infection_an_intruder_or_an_impostor_is_urgent(kb: str, text: str) -> None:
    outcome = await said(kb, text)
    assert urgent(outcome), outcome


@pytest.mark.parametrize(("kb", "text"), CALM)
async def test_a_toothache_a_wish_or_an_everyday_payment_stays_calm(kb: str, text: str) -> None:
    outcome = await said(kb, text)
    assert not urgent(outcome), outcome
