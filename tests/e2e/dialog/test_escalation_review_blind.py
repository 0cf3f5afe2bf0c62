"""A review of the toothache, intruder-after-"żeby", hiding and impostor rules: 47 emergencies and 47 calm
look-alikes written before reading the rules (a third without commas or Polish letters, as speech recognition
writes them), and 38 written after, aimed at what the rules' word lists leave out (a toothache with fainting,
no air, a rash, a stiff neck, double vision) or take in (a camera that records "jak ktoś chodzi", a children's
game of hide-and-seek, the firm's IT on the caller's computer, a courier who lets one pay by BLIK, a postwoman
bringing the pension, a clerk who wanted nothing). Each through the real engine on all seven test KBs: right
only if right on every one."""

from __future__ import annotations

import pytest

from tests.e2e.dialog.emergency_probes import KBS, said, urgent

# Written before reading the rules' diffs.
URGENT_BLIND = [
    "Boli mnie ząb od trzech dni, a teraz spuchła mi cała twarz i mam gorączkę.",
    "Mam ropień przy zębie, policzek spuchnięty i ciężko mi oddychać.",
    "Po wyrwaniu zęba nie przestaje lecieć krew od dwóch godzin.",
    "Ząb mnie boli, spuchło mi pod językiem i nie mogę przełknąć śliny.",
    "Twarz mi puchnie po zabiegu u dentysty, duszę się.",
    "Syn spadł z roweru, wybił sobie zęby i krew leci z ust, nie przestaje.",
    "Ból zęba promieniuje do lewej ręki i ściska mnie w klatce piersiowej.",
    "Szczęka mi spuchła, nie mogę otworzyć ust i mam czterdzieści stopni gorączki.",
    "Z dziąsła leci ropa, spuchło mi oko i mam dreszcze.",
    "Córka dostała kijem w twarz, ma rozciętą wargę i złamany ząb, dużo krwi.",
    "Po leczeniu kanałowym puchnie mi gardło i trudno mi złapać oddech.",
    "Ktoś obcy jest w moim mieszkaniu, schowałam się w szafie.",
    "Słyszę, że ktoś wszedł przez okno, zamknęłam się z dziećmi w łazience.",
    "Proszę przysłać policję, żeby zabrali tego człowieka, który dobija się do drzwi i grozi mi nożem.",
    "Chcę, żeby ktoś przyjechał, bo włamywacz jest w domu.",
    "Dzwonił pan z ZUS, że jak dzisiaj nie zapłacę BLIKIEM zaległości, to zabiorą mi emeryturę.",
    "Przyszedł pan z ZUS do domu i chce ode mnie gotówkę za wyrównanie emerytury, stoi w drzwiach.",
    "Dzwoni policjant i mówi, że muszę wypłacić pieniądze i oddać je jego koledze, bo wnuczek spowodował wypadek.",
    "Kurier napisał, żebym podała kod BLIK do dopłaty za paczkę, i już podałam.",
    "Pan z poczty dzwoni i chce ode mnie PIN do karty, żeby wydać przesyłkę.",
    "Pracownik banku kazał mi zainstalować AnyDesk i teraz widzę, że ktoś rusza myszką na moim komputerze.",
    "Konsultant z banku połączył się z moim komputerem i przelewa pieniądze z mojego konta.",
    "Urząd skarbowy dzwoni, że mam natychmiast zapłacić karę BLIKIEM, bo inaczej przyjdzie komornik.",
    "Dzwonił ktoś z banku, że moje konto zostało zaatakowane i mam przelać oszczędności na bezpieczne konto.",
    "Podałem dane karty na stronie kuriera i zniknęło mi pięć tysięcy z konta.",
    "Ktoś podający się za policjanta stoi pod drzwiami i żąda ode mnie gotówki.",
    "Człowiek z gazowni wszedł do mieszkania i zabrał mi portfel, teraz jest w drugim pokoju.",
    "Jestem w ukryciu, żeby mnie nie znalazł, bo mąż znowu mnie bije.",
    "Nie wiem, co zrobić, żeby mnie nie zauważył, ktoś obcy jest na strychu.",
    "boli mnie zab i spuchla mi twarz nie moge oddychac",
    "mam ropien w buzi i goraczke czterdziesci stopni i puchnie mi szyja",
    "dziecko uderzylo buzia o stol wybilo zeba i leje sie krew",
    "ktos jest w domu schowalam sie pod lozkiem prosze przyslac policje",
    "prosze zeby ktos przyjechal bo ktos obcy chodzi po mieszkaniu",
    "dzwonil pan z zus ze mam zaplacic blikiem dzisiaj bo zabiora mi emeryture",
    "kurier chce kod blik zeby wydac paczke i mowi ze to pilne",
    "pan z banku zainstalowal mi anydesk i teraz ktos przelewa moje pieniadze",
    "policjant dzwoni ze mam dac pieniadze bo wnuczek mial wypadek a pieniadze odbierze kurier",
    "ktos wlamuje sie do drzwi a ja sie schowalam w lazience z dziecmi",
    "po wyrwaniu zeba krew leci i nie przestaje od godziny",
    "spuchnieta twarz po zebie i nie moge przelknac sliny",
    "urzad dzwoni ze jak nie zaplace blikiem za godzine to przyjdzie policja",
    "technik z banku laczy sie z moim komputerem i kaze mi logowac sie do konta",
    "boli mnie zab i dretwieje mi lewa reka i boli w klatce",
    "listonosz chce pin do karty zeby wydac przesylke",
    "zamknelam sie w pokoju zeby mnie nie znalazl ktos wszedl do mieszkania",
    "uderzylem sie w szczeke i nie moge zamknac ust krew leci",
]

CALM_BLIND = [
    "Chciałabym się zapisać do dentysty, bo boli mnie ząb.",
    "Czy mogę przyjść dzisiaj z bólem zęba bez rejestracji?",
    "Ile kosztuje leczenie kanałowe?",
    "Od tygodnia pobolewa mnie ząb przy zimnym, co to może być?",
    "Czy po wyrwaniu ósemki można pić kawę?",
    "Czy mogę zapłacić w urzędzie BLIKIEM?",
    "Czy opłatę skarbową można przelać BLIKIEM?",
    "Dostałem SMS od kuriera, że paczka przyjdzie jutro, czy to prawdziwe?",
    "Jak zainstalować aplikację banku na nowym telefonie?",
    "Dostałam list z ZUS o waloryzacji emerytury, co mam z nim zrobić?",
    "Chcę schować prezent dla męża, żeby go nie znalazł, gdzie najlepiej?",
    "Dzieci bawią się w chowanego i jedno schowało się w szafie.",
    "Czy konsultant może połączyć się zdalnie z moim komputerem, żeby pomóc skonfigurować router?",
    "Kurier zostawił awizo, jak odebrać paczkę na poczcie?",
    "Chcę zamówić wizytę u ortodonty dla córki.",
    "Listonosz przyniósł list polecony z urzędu, czy muszę coś zapłacić?",
    "Jak zapłacić BLIKIEM za zamówienie w sklepie?",
    "Czy mogę zapłacić kurierowi gotówką przy odbiorze?",
    "Dostałem pismo z urzędu skarbowego o zaległości, jak ją spłacić?",
    "Czy ZUS wysyła pracowników do domu w sprawie kontroli zwolnienia?",
    "Chciałbym zgłosić, że dostałem podejrzanego SMS-a od rzekomego kuriera, ale nic nie klikałem.",
    "Bank prosi o aktualizację aplikacji, czy to bezpieczne?",
    "Czy dentysta przyjmuje w sobotę?",
    "Mam nadwrażliwość zębów, jaką pastę polecacie?",
    "Chciałbym umówić wizytę na usunięcie kamienia.",
    "Czy w urzędzie mogę zapłacić kartą za wydanie dowodu?",
    "Gdzie mogę sprawdzić status przesyłki?",
    "Jak włączyć pulpit zdalny, żeby informatyk z firmy mógł mi pomóc?",
    "Czy pracownik gazowni zapowiada wcześniej wizytę?",
    "Chcę odebrać paczkę, kurier pyta o kod odbioru, gdzie go znajdę?",
    "Boli mnie ząb, czy mogę wziąć ibuprofen?",
    "Wnuczek chowa się przed nami w ogrodzie, a my go szukamy, to taka zabawa.",
    "chcialam sie umowic do dentysty bo boli mnie zab",
    "boli mnie zab od wczoraj kiedy macie wolny termin",
    "czy moge zaplacic blikiem w urzedzie za paszport",
    "dostalam smsa od kuriera ze paczka bedzie jutro",
    "jak zainstalowac aplikacje banku na telefonie",
    "przyszedl list z zus co mam z nim zrobic",
    "chce schowac prezent zeby dzieci nie znalazly",
    "dzieci bawia sie w chowanego",
    "ile kosztuje wybielanie zebow",
    "czy kurier moze zostawic paczke u sasiada",
    "jak zaplacic blikiem za przesylke na poczcie",
    "technik przyjdzie naprawic pralke kiedy bedzie",
    "jak sie polaczyc zdalnie z komputerem w pracy",
    "policja przyslala mandat jak go zaplacic",
    "zeby mnie nie bolal zab co moge wziac",
]

# Written after reading the diffs, aimed at what the rules leave out or take in.
URGENT_AIMED = [
    "boli mnie zab i mdleje",
    "Ząb mnie boli i zasłabłam w łazience.",
    "boli mnie zab i nie moge polykac sliny",
    "bol zeba i nie moge zlapac powietrza",
    "Boli mnie ząb po znieczuleniu, mam wysypkę na całym ciele i swędzi mnie.",
    "Dziecko połknęło ząb i się krztusi.",
    "boli mnie zab i chyba mam zawal",
    "Boli mnie ząb i bardzo boli mnie w piersiach.",
    "boli mnie zab i lewy bark poce sie i jest mi niedobrze",
    "Boli mnie ząb, a w kuchni czuć gaz.",
    "Wróciłam od dentysty z bolącym zębem, a w mieszkaniu pali się kuchnia.",
    "Boli mnie ząb i cała jestem rozpalona, trzęsę się.",
    "boli mnie zab i widze podwojnie",
    "Boli mnie ząb, a babcia się przewróciła i nie może wstać.",
    "Boli mnie ząb i mam sztywny kark.",
    "Proszę szybko, żeby przyjechał patrol, złodziej jest w garażu.",
    "prosze kogos wyslac zeby przyjechal bandyci sa w domu",
    "Przyszedł pan z urzędu, mówi, że w urzędzie mam zaległość i chce gotówkę teraz, stoi w przedpokoju.",
    "Pomocy, żeby mnie nie zabił, mąż ma nóż i dobija się do drzwi łazienki.",
]

CALM_AIMED = [
    "Chcę założyć alarm, żeby wiedzieć, kiedy ktoś wchodzi do domu.",
    "jak ustawic kamere zeby nagrywala jak ktos chodzi po ogrodzie",
    "Czy można ustawić domofon, żeby nie dzwonił, gdy ktoś stoi pod drzwiami?",
    "Proszę, żeby technik przyszedł jutro, bo ktoś jest w domu dopiero od szesnastej.",
    "Chcę zmienić zamki, żeby już nikt obcy nie wszedł do mieszkania.",
    "Co zrobić, żeby dziecko nie otwierało drzwi, kiedy ktoś się dobija?",
    "bawimy sie w chowanego schowalem sie w szafie a ktos chodzi po domu i mnie szuka",
    "Schowaliśmy się w ciemnym pokoju, żeby zrobić mężowi niespodziankę, ktoś już wchodzi do domu.",
    "Dostałam wezwanie z urzędu, że jeśli nie zapłacę, będzie egzekucja, zapłaciłam BLIKIEM, a status się nie zmienił.",
    "Kurier dzwonił, że mogę zapłacić za paczkę kodem BLIK przy odbiorze, jak to zrobić?",
    "Informatyk z naszej firmy połączył się zdalnie z moim komputerem i zainstalował drukarkę.",
    "Pracownik pomocy technicznej połączył się z moim komputerem i naprawił internet, dziękuję.",
    "Przyszła pani z poczty z emeryturą z ZUS i chce, żebym podpisała, zanim da gotówkę.",
    "Pan z ZUS przyszedł na kontrolę zwolnienia, ale nie chciał żadnych pieniędzy.",
    "Dzwoniła pani z poczty, ale nie prosiła o żaden kod BLIK, tylko o godzinę doręczenia.",
    "Dzwonił konsultant z banku, że muszę się zalogować do nowej bankowości, czy to prawda?",
    "Boli mnie ząb i boli mnie głowa, czy mogę wziąć ibuprofen?",
    "boli mnie zab po plombowaniu czy to normalne",
    "Wypadła mi plomba, ząb trochę boli, kiedy mogę przyjść?",
]

# Still wrong on these KBs (strict, so a fix shows).
MISSED: dict[str, tuple[str, ...]] = {
    "Człowiek z gazowni wszedł do mieszkania i zabrał mi portfel, teraz jest w drugim pokoju.": tuple(KBS),
    "kurier chce kod blik zeby wydac paczke i mowi ze to pilne": tuple(KBS),
    "listonosz chce pin do karty zeby wydac przesylke": ("shop", "telecom", "walkthrough"),
}

FALSE_ALARMS: dict[str, tuple[str, ...]] = {
    "Chciałbym zgłosić, że dostałem podejrzanego SMS-a od rzekomego kuriera, ale nic nie klikałem.": (
        "water",
        "shop",
        "telecom",
        "agd",
        "urzad",
        "klinika",
    ),
    "Co zrobić, żeby dziecko nie otwierało drzwi, kiedy ktoś się dobija?": tuple(KBS),
    # a game or a surprise overrules meaning no more (only a hidden present does): a trapped child was calm
    "bawimy sie w chowanego schowalem sie w szafie a ktos chodzi po domu i mnie szuka": tuple(KBS),
    "Schowaliśmy się w ciemnym pokoju, żeby zrobić mężowi niespodziankę, ktoś już wchodzi do domu.": tuple(KBS),
    "Pan z ZUS przyszedł na kontrolę zwolnienia, ale nie chciał żadnych pieniędzy.": (
        "water",
        "telecom",
        "walkthrough",
        "agd",
        "urzad",
        "klinika",
    ),
}


def _cases(texts: list[str], known: dict[str, tuple[str, ...]], reason: str) -> list[object]:
    return [
        pytest.param(kb, t, marks=pytest.mark.xfail(strict=True, reason=reason)) if kb in known.get(t, ()) else (kb, t)
        for t in texts
        for kb in KBS
    ]


@pytest.mark.parametrize(("kb", "text"), _cases(URGENT_BLIND + URGENT_AIMED, MISSED, "not urgent yet"))
async def test_an_emergency_beside_a_tooth_a_hiding_place_or_an_office_is_urgent(kb: str, text: str) -> None:
    outcome = await said(kb, text)
    assert urgent(outcome), outcome


@pytest.mark.parametrize(("kb", "text"), _cases(CALM_BLIND + CALM_AIMED, FALSE_ALARMS, "urgent by meaning"))
async def test_a_dentists_booking_a_game_or_an_everyday_payment_stays_calm(kb: str, text: str) -> None:
    outcome = await said(kb, text)
    assert not urgent(outcome), outcome
