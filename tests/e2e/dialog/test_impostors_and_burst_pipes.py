"""A tax-office impostor who wants a BLIK code, a "daughter" on Messenger who wants money, a break-in told with
"co zrobić, żeby...", a burst pipe told beside who pays or a cry for help: emergencies however they are worded.
Beside each, the everyday look-alikes (paying tax by BLIK, a son writing that the parcel came, someone home to
let the fitter in, who pays for last month's pipe) that must stay calm. Sentences written before the rules,
through the real engine on the KBs of tests/data, with and without Polish letters."""

from __future__ import annotations

import pytest

from tests.e2e.dialog.emergency_probes import said, urgent

TAX_IMPOSTOR = [
    "dzwonił ktoś z urzędu skarbowego, że mam zaległość i mam zapłacić natychmiast kodem BLIK",
    "pan z skarbówki każe mi przelać pieniądze na konto techniczne",
    "dzwoni pani z urzędu skarbowego i każe zapłacić zaległy podatek blikiem",
    "ktoś podaje się za urzędnika skarbówki i chce numer mojej karty",
    "dostałam sms ze skarbówki, że muszę pilnie zapłacić zaległość przez link",
    "zadzwonił człowiek z zusu i chce żebym podała kod blik",
    "dzwonią ze skarbówki że jak nie zapłacę dziś to zajmą mi mieszkanie, mam przelać pieniądze",
    "jakiś urzędnik skarbowy dzwoni i każe mi zainstalować aplikację",
    "pani z urzędu skarbowego mówi, że mam zwrot podatku i potrzebuje danych karty",
    "dzwonil ktos ze skarbowki i kazal przelac zaleglosc na konto techniczne",
    "ktoś mówi że jest z urzędu skarbowego i chce kod blik",
    "dzwoni facet, że jest z krajowej administracji skarbowej i mam mu podać hasło do banku",
]
TAX_CALM = [
    "jak zapłacić zaległy podatek w urzędzie skarbowym",
    "czy mogę zapłacić podatek blikiem",
    "dzwonił urząd skarbowy w sprawie mojego zeznania",
    "urząd skarbowy przysłał pismo o zaległości, jak ją spłacić",
    "na jakie konto przelać pieniądze do urzędu skarbowego",
    "czy urząd skarbowy dzwoni do podatników w sprawie zaległości",
    "mam zaległość w skarbówce, czy mogę rozłożyć ją na raty",
    "pani z urzędu skarbowego kazała mi donieść brakujące dokumenty",
    "w zeszłym roku ktoś dzwonił niby ze skarbówki, ale się rozłączyłam, jak to zgłosić",
    "gdzie jest numer konta urzędu skarbowego do wpłaty pit",
    "urzędnik ze skarbówki dzwonił, że mój zwrot podatku już wysłany",
    "czy zaległość w urzędzie skarbowym można zapłacić kartą",
]

FAMILY_ONLINE = [
    "córka pisze na Messengerze, że potrzebuje kod BLIK na pilne zakupy",
    "ktoś podaje się za syna na WhatsAppie i prosi o pieniądze",
    "syn napisał na messengerze że zgubił telefon i prosi o blik",
    "dostałam wiadomość na whatsappie od córki, że pilnie potrzebuje przelewu",
    "ktoś na fejsbuku udaje moją wnuczkę i chce kod blik",
    "siostra pisze na messengerze, żebym jej wysłała kod blik, bo ma problem",
    "mąż pisze z obcego konta na facebooku i prosi o pieniądze na naprawę auta",
    "dostałem smsa od syna, że zmienił numer i potrzebuje pilnie tysiąc złotych",
    "koleżanka pisze na messengerze i prosi o kod blik, a to do niej niepodobne",
    "corka niby pisze na whatsappie i kaze mi przelac pieniadze na jej nowe konto",
    "mama pisze na messengerze, że potrzebuje blika na 500 zł, a nie mogę się do niej dodzwonić",
    "ktoś pisze na messengerze jako mój syn i chce, żebym wysłała mu kod blik",
]
FAMILY_CALM = [
    "córka płaci blikiem za zakupy w waszym sklepie",
    "syn pisze na messengerze, że paczka dotarła",
    "jak wysłać córce pieniądze przelewem na telefon",
    "córka prosi o doładowanie telefonu, jak to zrobić",
    "czy mogę zapłacić blikiem za zamówienie córki",
    "syn chce kupić telefon na raty, czy potrzebuje mojej zgody",
    "wnuczka pisze na whatsappie, że dziękuje za prezent",
    "córka napisała mi na messengerze, żebym zamówiła jej ładowarkę",
    "syn mieszka za granicą i co miesiąc przesyłam mu pieniądze, jak zrobić przelew zagraniczny",
    "mama prosi, żebym jej pokazał, jak płacić blikiem",
    "czy mogę kontaktować się z wami przez messengera",
    "córka pisała na whatsappie, że odbierze zamówienie za mnie",
]

INTRUDER = [
    "ktoś się włamuje do mieszkania, co zrobić, żeby się obronić",
    "ktoś próbuje otworzyć moje drzwi, co mam zrobić, żeby nie wszedł",
    "ktoś chodzi po moim domu, jak się schować, żeby mnie nie znalazł",
    "słyszę obce głosy w piwnicy, przyślijcie kogoś, żeby sprawdził",
    "ktoś wyważa drzwi do mieszkania, pomóżcie, żeby nie wszedł",
    "jakiś facet wszedł do mojego mieszkania, co robić, żeby dzieci były bezpieczne",
    "ktoś kręci się w ogrodzie i zagląda w okna, chcę, aby ktoś przyjechał",
    "ktoś jest w moim mieszkaniu, zamknęłam się w łazience, żeby mnie nie znalazł",
    "ktoś szarpie klamkę drzwi wejściowych, co zrobić, aby nie wszedł",
    "ktos sie wlamuje do domu co zrobic zeby",
    "obcy mężczyzna chodzi po moim ogrodzie, co zrobić, żeby odszedł",
    "ktoś się dobija do drzwi mieszkania, jak zrobić, żeby przestał",
]
INTRUDER_CALM = [
    "ktoś będzie w domu, żeby odebrać paczkę",
    "czy ktoś przyjdzie do mieszkania, żeby odczytać licznik",
    "technik wszedł do mieszkania, żeby zamontować router",
    "ktoś chodzi po mieszkaniu nad nami",
    "czy ktoś musi być w domu, żeby hydraulik mógł wejść",
    "ktoś z mojej rodziny będzie w mieszkaniu, żeby wpuścić technika",
    "jak zrobić, żeby nikt obcy nie wchodził do piwnicy",
    "czy mogę zostawić klucz sąsiadce, żeby ktoś wszedł do domu po paczkę",
    "ktoś wejdzie do mieszkania, żeby naprawić pralkę",
    "czy ktoś może przyjść do domu, żeby pomóc babci z telefonem",
    "kiedyś ktoś próbował otworzyć moje drzwi, jak wymienić zamek, żeby był bezpieczniejszy",
    "syn chodzi po domu w nocy, czy macie lampki, żeby się nie potknął",
]

BURST_PIPE = [
    "pękła rura i leje się woda, kto za to zapłaci",
    "pękła rura, pomocy, zalewa mi kuchnię",
    "pękła rura w łazience, ile będzie kosztować naprawa, woda cieknie",
    "pękła rura pod zlewem, pomóżcie, woda jest wszędzie",
    "rura pękła i tryska woda, czy ubezpieczenie to pokryje",
    "pękła rura w kuchni, pomocy",
    "pomocy pękła rura",
    "pękła rura, czy to wy płacicie za hydraulika, leci woda na podłogę",
    "pękła rura w piwnicy, kto pokryje koszty, woda się leje",
    "pomóżcie, pękł kaloryfer i woda zalewa pokój",
    "pekla rura pomocy zalewa mieszkanie",
    "ratunku pękła rura w łazience",
]
BURST_PIPE_CALM = [
    "kto płaci za naprawę pękniętej rury?",
    "w zeszłym miesiącu pękła rura, czy dostanę korektę rachunku?",
    "pękła rura tydzień temu, kto zapłaci za zużytą wodę",
    "pomóżcie mi odczytać wodomierz",
    "pomocy, nie wiem jak zapłacić rachunek za wodę",
    "ile kosztuje wymiana rury w mieszkaniu",
    "rura była pęknięta, hydraulik już naprawił, kto płaci za wodę",
    "czy ubezpieczenie pokrywa pęknięcie rury",
    "jak zabezpieczyć rury, żeby nie pękły zimą",
    "sąsiadowi kiedyś pękła rura, czy rury w naszym bloku są stare",
    "po pęknięciu rury dostałem wysoki rachunek, czy mogę go zareklamować",
    "pomóżcie mi wybrać nową baterię do zlewu",
    "kto płaci za wodę, która wyciekła po pęknięciu rury w zeszłym tygodniu",  # "wyciek" was a data leak's cue
]

CALM_BY_MEANING = [
    "jak odczytać licznik gazu",
    "zalało mi telefon",
    "bank dzwonił z ofertą kredytu",
    "pobrali mi dużo krwi na badania",
    "mam tępy ból zęba",
    "gdzie jest licznik gazu w bloku",
    "zalałem laptopa kawą, czy naprawicie",
    "dzwonili z banku z propozycją karty kredytowej",
    "po pobraniu krwi mam siniaka",
    "od tygodnia boli mnie ząb, chcę umówić wizytę",
    "jak podać odczyt gazomierza",
    "telefon wpadł do wody, czy gwarancja to obejmuje",
]
URGENT_BESIDE_THEM = [
    "czuję gaz przy liczniku",
    "z licznika gazu syczy",
    "bank dzwoni i każe mi przelać pieniądze na bezpieczne konto",
    "mama straciła dużo krwi i jest blada",
    "mam silny ból w klatce piersiowej",
    "zalało mi mieszkanie",
    "krew leci z rany i nie przestaje",
    "czuć gaz na klatce schodowej",
    "telefon się zapalił i dymi",
    "bank dzwonił, że ktoś wypłacił mi pieniądze z konta",
    "ząb mnie boli, spuchła mi cała twarz i nie mogę przełknąć",
    "tata ma silny ból głowy i nie może mówić",
]

URGENT = (
    [(kb, t) for t in TAX_IMPOSTOR for kb in ("urzad", "shop", "telecom")]
    + [(kb, t) for t in FAMILY_ONLINE for kb in ("shop", "telecom", "urzad")]
    + [(kb, t) for t in INTRUDER for kb in ("shop", "water", "klinika")]
    + [(kb, t) for t in BURST_PIPE for kb in ("water", "shop", "urzad")]
    + [(kb, t) for t in URGENT_BESIDE_THEM for kb in ("water", "shop", "telecom", "klinika")]
)
CALM = (
    [(kb, t) for t in TAX_CALM for kb in ("urzad", "shop", "telecom")]
    + [(kb, t) for t in FAMILY_CALM for kb in ("shop", "telecom", "urzad")]
    + [(kb, t) for t in INTRUDER_CALM for kb in ("shop", "water", "agd")]
    + [(kb, t) for t in BURST_PIPE_CALM for kb in ("water", "shop", "urzad")]
    + [(kb, t) for t in CALM_BY_MEANING for kb in ("water", "shop", "telecom", "klinika")]
)


@pytest.mark.parametrize(("kb", "text"), URGENT)
async def test_an_impostor_a_break_in_or_a_burst_pipe_is_urgent(kb: str, text: str) -> None:
    outcome = await said(kb, text)
    assert urgent(outcome), outcome


@pytest.mark.parametrize(("kb", "text"), CALM)
async def test_its_everyday_look_alike_stays_calm(kb: str, text: str) -> None:
    outcome = await said(kb, text)
    assert not urgent(outcome), outcome
