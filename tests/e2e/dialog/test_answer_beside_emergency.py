"""Which KB answer an emergency's caller hears beside the emergency advice (``Transfer.answer``): one about the
emergency's protection or handling (blocking, reporting, the entry written for such an emergency), or what the
caller asked apart from it where no life is at risk; never an entry the emergency's words only look like ("z
sufitu leci woda" heard how brown tap water clears, docs/benchmarks.md). Sentences written before the rule,
through the real engine on the KBs of tests/data."""

from __future__ import annotations

import pytest

from tests.e2e.dialog.emergency_probes import answer_of, said, urgent

LOOK_ALIKES = [
    ("water", "cieknie przy wodomierzu, woda na podłodze"),  # brown water before
    ("water", "woda leci z sufitu w łazience"),
    ("water", "nie mogę zakręcić wody, leje się z kranu"),
    ("water", "z kranu leje się woda i nie mogę jej zakręcić"),
    ("water", "brązowa woda leci z sufitu"),
    ("water", "sąsiad zalewa mi mieszkanie, woda leci brązowa"),
    ("water", "zalewa mi kuchnię, woda jest mętna i śmierdzi"),
    ("water", "z sufitu leci woda"),
    ("agd", "zmywarka zalała kuchnię"),  # how the dishwasher is installed before
    ("urzad", "ukradli mi dowód osobisty"),  # when a new ID card can be collected before
    ("telecom", "czuć gaz w mieszkaniu, internet nie działa"),  # why the internet is slow before
    ("walkthrough", "czuć gaz w mieszkaniu, gdzie znajdę fakturę?"),  # a life at risk: nothing asked apart
    ("walkthrough", "z routera leci dym, jak zmienić taryfę?"),
    ("urzad", "w urzędzie pali się, w jakich godzinach jesteście otwarci?"),
    ("agd", "z piekarnika leci dym, czy jest na gwarancji?"),
    ("shop", "telefon z waszego sklepu wybuchł, chcę zwrócić towar"),
]


@pytest.mark.parametrize(("kb", "text"), LOOK_ALIKES)
async def test_an_emergency_hears_no_answer_its_words_only_look_like(kb: str, text: str) -> None:
    outcome = await said(kb, text)
    assert urgent(outcome) and outcome.transfer is not None, outcome
    assert outcome.transfer.answer is None, outcome.transfer.answer


ABOUT_IT = [
    ("walkthrough", "ukradli mi telefon", "kradziez-telefonu"),  # written for it: "Ukradli mi komórkę, co robić?"
    ("walkthrough", "ukradli mi telefon, chcę zablokować kartę", "kradziez-telefonu"),
    ("walkthrough", "Ukradli mi telefon, chcę zamówić duplikat karty SIM.", "duplikat-sim"),  # asked apart
    ("water", "pękła rura, gdzie zgłosić awarię?", "awaria"),  # reporting
    ("water", "woda leci z sufitu, gdzie zgłosić awarię?", "awaria"),
    ("water", "leje się woda w piwnicy, nie ma wody w kranach", "awaria"),
    ("water", "pękła rura i nie mam wody w kranie", "awaria"),
    ("water", "cieknie przy wodomierzu, kto za to odpowiada?", "naprawa-instalacji"),  # asked apart
    ("water", "pękła rura przy wodomierzu, kiedy wymienicie wodomierz?", "wymiana-wodomierza"),
    ("walkthrough", "router się pali, jak zgłosić awarię internetu?", "awaria-internetu"),
    ("shop", "pralka kopie prądem, jak złożyć reklamację?", "reklamacja-jak"),
    ("agd", "pralka zalała mieszkanie, jak złożyć reklamację?", "reklamacja-jak"),
    ("shop", "ktoś zalogował się na moje konto i zmienił hasło", "konto-haslo"),  # a password takes it back
    ("klinika", "ktoś włamał się na moje konto pacjenta", "konto-pacjenta"),
]


@pytest.mark.parametrize(("kb", "text", "entry"), ABOUT_IT)
async def test_an_emergency_hears_the_answer_about_its_handling(kb: str, text: str, entry: str) -> None:
    outcome = await said(kb, text)
    assert urgent(outcome) and outcome.transfer is not None, outcome
    assert outcome.transfer.answer == answer_of(kb, entry)
