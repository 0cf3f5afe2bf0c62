"""A burst pipe or a leak at the water meter is an emergency (water damage: a danger to property), not a
complaint about goods; a calm question about a past burst, a repair or who pays for one is not. Sentences
written before the rule (docs/benchmarks.md, the water utility's walkthrough left "pękła rura w piwnicy" and a
leak at the meter in the complaints queue), through the real engine on the KBs of tests/data."""

from __future__ import annotations

import pytest

from tests.e2e.dialog.emergency_probes import said, urgent

ACTIVE = [
    ("water", "pękła rura w piwnicy"),
    ("water", "pękła mi rura i zalewa łazienkę"),
    ("water", "cieknie przy wodomierzu, woda na podłodze"),
    ("water", "pękła rura pod zlewem i woda jest wszędzie"),
    ("water", "w łazience pękła rura, co mam robić?"),
    ("water", "pękła rura w ścianie, woda płynie strumieniem"),
    ("water", "rura w kuchni pękła, woda tryska na wszystkie strony"),
    ("water", "pękła rura na klatce schodowej"),
    ("water", "mamy pękniętą rurę w piwnicy i stoi tam woda"),
    ("water", "przy wodomierzu cieknie woda i nie mogę tego zatrzymać"),
    ("water", "wodomierz przecieka, na podłodze jest kałuża"),
    ("water", "z wodomierza tryska woda"),
    ("water", "cieknie z zaworu przy liczniku wody, cała podłoga mokra"),
    ("water", "pękł wodomierz, woda się wylewa"),
    ("water", "mróz rozsadził rurę, woda wypływa"),
    ("water", "pękł kaloryfer i woda jest na podłodze"),
    ("water", "pękła rura z ciepłą wodą w mieszkaniu"),
    ("water", "rura przecieka w piwnicy, jest coraz więcej wody"),
    ("water", "woda cieknie z rury pod sufitem w piwnicy"),
    ("water", "pękła rura, gdzie zgłosić awarię?"),
    ("water", "dzień dobry, pękła nam rura w bloku"),
    ("water", "pekla rura w piwnicy"),
    ("water", "w piwnicy pękła rura wodociągowa"),
    ("water", "przed domem pękła rura i woda płynie ulicą"),
    ("water", "pękł wężyk od pralki i woda jest na całej podłodze"),
    ("water", "cieknie przy wodomierzu"),
    ("water", "wyciek wody przy wodomierzu"),
    ("water", "chyba pękła rura, bo ze ściany wypływa woda"),
    ("water", "pękła rura i woda kapie do sąsiada pod nami"),
    ("water", "przecieka rura pod wanną i woda przesiąka na dół"),
    ("water", "pękła rura w ogrodzie i robi się bagno"),
    ("water", "mamy pękniętą rurę i woda leci po ścianie"),
    ("water", "pękła rura, kto za to zapłaci, woda leje się do sąsiadów"),  # the KB's bank account before
    ("water", "woda leci z sufitu, gdzie zgłosić awarię?"),  # the KB's how-to to report a failure, no transfer before
    ("water", "leje się woda w piwnicy, nie ma wody w kranach"),  # "kranach" was the brown tap water's guard
    ("water", "woda cieknie po ścianie, chyba od sąsiada"),  # a complaint before ("cieknie")
    ("water", "woda przecieka przez sufit od sąsiada"),
    ("water", "woda kapie z sufitu do kuchni"),
    ("water", "mam przeciek przy wodomierzu"),
    ("water", "czy ktoś przyjedzie? mamy pękniętą rurę"),
    ("water", "w bloku pękł pion i leje się na klatkę"),
    ("water", "zawór przy wodomierzu przecieka"),
    ("water", "przyłącze pękło, na podwórku jest jezioro"),
    ("water", "pekl grzejnik w sypialni"),
    ("water", "pękła rura w piwnicy przyjedźcie szybko"),  # a review's: "szybko" was a goods' "szybka" (glass)
    ("water", "pekla rura szybko prosze"),
    ("klinika", "w przychodni pękła rura i zalewa poczekalnię"),
    ("shop", "pękła rura w piwnicy"),
    ("shop", "cieknie przy wodomierzu, woda na podłodze"),
    ("urzad", "pękła rura w piwnicy"),
    ("urzad", "pękła rura na ulicy przed urzędem"),
]


@pytest.mark.parametrize(("kb", "text"), ACTIVE)
async def test_a_burst_pipe_or_a_leak_at_the_meter_is_an_emergency(kb: str, text: str) -> None:
    outcome = await said(kb, text)
    assert urgent(outcome) and outcome.transfer is not None and outcome.transfer.emergency, outcome


CALM = [
    ("water", "kto płaci za naprawę pękniętej rury?"),
    ("water", "kto płaci za naprawę rury w budynku?"),
    ("water", "w zeszłym miesiącu pękła rura, czy dostanę korektę rachunku?"),
    ("water", "miesiąc temu pękła nam rura, już naprawiona, kto pokrywa koszt wody?"),
    ("water", "czy naprawiacie pęknięte rury w mieszkaniach?"),
    ("water", "czy naprawiacie pęknięte rury w mieszkaniach u klientów?"),
    ("water", "ile kosztuje naprawa pękniętej rury?"),
    ("water", "rura była pęknięta, hydraulik już ją naprawił, jak rozliczyć zużytą wodę?"),
    ("water", "czy ubezpieczenie pokrywa szkody po pękniętej rurze?"),
    ("water", "co zrobić, żeby rura nie pękła zimą?"),
    ("water", "jak zabezpieczyć wodomierz przed mrozem?"),
    ("water", "jak podać odczyt wodomierza?"),
    ("water", "kiedy wymieniacie wodomierz?"),
    ("water", "z kranu leci brązowa woda"),
    ("water", "kran cieknie od tygodnia, kto to naprawi?"),
    ("water", "kapie z kranu w kuchni"),
    ("water", "z kranu kapie woda w kuchni"),
    ("water", "kapie woda z kranu w łazience"),
    ("water", "po awarii rury w zeszłym tygodniu woda jest mętna"),
    ("water", "dostałem wysoki rachunek, bo rura przeciekała przez miesiąc"),
    ("water", "czy wymiana pękniętego wodomierza jest płatna?"),
    ("water", "jak uszczelnić cieknący kran?"),
    ("water", "przy wodomierzu jest zawór, jak go zakręcić na czas wyjazdu?"),
    ("water", "czy pęknięta rura za wodomierzem to wasza sprawa czy właściciela?"),
    ("water", "kto zapłaci za wodę, która wyciekła z pękniętej rury?"),
    ("water", "czy mogę dostać zwrot za wodę z awarii rury w zeszłym miesiącu?"),
    ("water", "pęknięta szybka w wodomierzu, czy to trzeba zgłosić?"),
    ("water", "rura pękła tydzień temu, hydraulik naprawił, teraz wysoki rachunek"),
    ("water", "jaki jest numer do pogotowia wodociągowego?"),
    ("water", "czy po pęknięciu rury dostanę rabat na wodę?"),  # a later probe's three: urgent before the fix
    ("water", "jak sprawdzić, czy rura nie przecieka?"),
    ("water", "czy wodomierz może przeciekać?"),
    ("water", "rura już nie cieknie, ale kto zapłaci?"),
    ("water", "kto odpowiada za pęknięty pion w bloku?"),
    ("water", "rok temu pękła rura, czy mogę dostać zaświadczenie?"),
    ("shop", "w paczce pękła rura od odkurzacza"),
    ("shop", "przyszedł odkurzacz z pękniętą rurą"),
    ("shop", "pękła rura wydechowa w samochodzie"),
    ("agd", "pękła rura od odkurzacza"),
    ("agd", "w odkurzaczu pękła rura, chcę reklamację"),
    # a review's: an appliance or a hose that leaks (a complaint before the water rule), a valve that drips
    ("agd", "z pralki cieknie woda na podłogę w łazience reklamacja"),
    ("agd", "z lodówki cieknie woda na podłogę w kuchni"),
    ("shop", "zmywarka cieknie woda na podłogę w kuchni"),
    ("shop", "wąż ogrodowy przecieka czy macie nowe"),
    ("shop", "wężyk od prysznica cieknie czy jest na gwarancji"),
    ("agd", "wąż od pralki przecieka czy wymiana jest na gwarancji"),
    ("water", "kapie zawór przy kaloryferze"),
    ("water", "kaloryfer cieknie troche przy zaworze kiedy przyjdzie administrator"),
]


@pytest.mark.parametrize(("kb", "text"), CALM)
async def test_a_past_burst_a_repair_or_who_pays_is_no_emergency(kb: str, text: str) -> None:
    outcome = await said(kb, text)
    assert not urgent(outcome), outcome
