"""A fraud's victim asking how to get the money back ("oszukali mnie na olx, jak odzyskać pieniądze?") hears the
emergency advice and a person, not the shop's refund how-to (docs/benchmarks.md: the rule that lets a how-to
question the KB answers go unescalated gave them the refund answer); a customer asking about a refund for goods
sent back still hears it. Sentences written before the rule, through the real engine on the KBs of tests/data."""

from __future__ import annotations

import pytest

from tests.e2e.dialog.emergency_probes import said, urgent

VICTIMS = [
    ("shop", "oszukali mnie na olx, jak odzyskać pieniądze?"),
    ("shop", "ktoś wyłudził ode mnie przelew, jak odzyskać pieniądze?"),
    ("shop", "zostałem oszukany przy zakupie w internecie, jak odzyskać pieniądze?"),
    ("shop", "padłam ofiarą oszustwa, czy mogę odzyskać pieniądze?"),
    ("shop", "oszust podszył się pod sprzedawcę, jak odzyskać pieniądze?"),
    ("shop", "ktoś mnie oszukał, zapłaciłem za towar, którego nie ma, jak odzyskać pieniądze?"),
    ("shop", "wyłudzili ode mnie kod blik, jak odzyskać pieniądze?"),
    ("shop", "oszukano mnie na fałszywej stronie sklepu, co z moimi pieniędzmi?"),
    ("shop", "dałem się oszukać na vinted, jak odzyskać kasę?"),
    ("shop", "oszuści wyłudzili ode mnie dane karty, jak odzyskać pieniądze?"),
    ("shop", "ktoś mnie oszukał na marketplace, czy zwrócicie mi pieniądze?"),
    ("shop", "przelałem pieniądze oszustowi, jak je odzyskać?"),
    ("shop", "oszukali mnie przez telefon i przelałam pieniądze, jak je odzyskać?"),
    ("shop", "ktoś podszył się pod wasz sklep i wziął ode mnie pieniądze, jak je odzyskać?"),
    ("shop", "wyłudzono ode mnie pieniądze, jak dostać zwrot?"),
    ("shop", "oszukano mnie, jak odzyskać pieniądze?"),
    ("shop", "sprzedawca z ogłoszenia mnie oszukał, jak odzyskać pieniądze?"),
    ("shop", "jak odzyskać pieniądze, bo ktoś mnie oszukał na olx?"),
    ("shop", "ktoś wyłudził ode mnie pieniądze metodą na wnuczka, jak je odzyskać?"),
    ("shop", "zostałam oszukana, jak mogę odzyskać pieniądze z karty?"),
    ("shop", "oszukali mnie na olx, jak odzyskac pieniadze"),
    ("shop", "naciągnęli mnie oszuści na fałszywą inwestycję, jak odzyskać pieniądze?"),
    ("shop", "dałam się nabrać na fałszywą wiadomość, jak odzyskać kasę?"),  # a later probe's: not understood before
    ("shop", "dałam się nabrać na fałszywy sklep i nie dało się nic zrobić, jak odzyskać pieniądze"),  # "nie dało"
    ("telecom", "oszukali mnie na olx, jak odzyskać pieniądze?"),
    ("agd", "oszukali mnie na olx, jak odzyskać pieniądze?"),
    ("urzad", "ktoś wyłudził ode mnie przelew, jak odzyskać pieniądze?"),
    ("walkthrough", "ktoś wyłudził ode mnie przelew, jak odzyskać pieniądze?"),
]


@pytest.mark.parametrize(("kb", "text"), VICTIMS)
async def test_a_fraud_victim_hears_the_emergency_advice_not_the_refund_how_to(kb: str, text: str) -> None:
    outcome = await said(kb, text)
    assert urgent(outcome) and outcome.transfer is not None and outcome.transfer.emergency, outcome
    assert outcome.transfer.answer is None, outcome.transfer.answer  # no refund how-to beside the 112 advice


REFUNDS = [
    ("shop", "jak odzyskać pieniądze za zwrócony towar?"),
    ("shop", "jak odzyskać pieniądze po zwrocie?"),
    ("shop", "kiedy dostanę zwrot pieniędzy?"),
    ("shop", "zwróciłem towar, jak odzyskać pieniądze?"),
    ("shop", "ile czeka się na zwrot pieniędzy?"),
    ("shop", "jak szybko oddacie pieniądze za zwrot?"),
    ("shop", "czy zwrot pieniędzy na kartę trwa długo?"),
    ("shop", "nie dostałem zwrotu pieniędzy za zwrot, jak je odzyskać?"),
]


@pytest.mark.parametrize(("kb", "text"), REFUNDS)
async def test_a_refund_question_hears_the_refund_answer(kb: str, text: str) -> None:
    outcome = await said(kb, text)
    assert outcome.transfer is None and (outcome.kb_id or "").startswith("zwrot"), outcome


CALM = [
    ("shop", "jak odzyskać pieniądze za anulowane zamówienie?"),
    ("shop", "czy sklep chroni klientów przed oszustami?"),
    ("shop", "jak się chronić przed oszustami?"),
    ("shop", "jak odzyskać pieniądze, jeśli towar nie przyszedł?"),
    ("shop", "oszukaliście mnie, jak odzyskać pieniądze?"),  # said to the company: a grievance
    ("shop", "zamówienie anulowane, jak odzyskać pieniądze z BLIKa?"),
    ("shop", "płatność nie przeszła, ale pieniądze zeszły z konta, jak je odzyskać?"),
    ("shop", "jak odzyskać pieniądze za wadliwy towar?"),
    ("shop", "jak uniknąć oszustwa przy płatności blikiem?"),
    ("shop", "nie dam się nabrać na wasze promocje"),
    ("shop", "jak nie dać się nabrać na fałszywe promocje?"),
    # a review's: "się nabrać" without "dałam" is no fraud told ("nie chcę się nabrać"), nor "nie dałam się nabrać"
    ("shop", "ta promocja wygląda za dobrze nie chcę się nabrać"),
    ("shop", "boję się nabrać na fałszywy sklep czy wasza strona jest prawdziwa"),
    ("agd", "łatwo się nabrać na takie pakiety"),
    ("telecom", "czy mogę się nabrać na dodatkowe opłaty w tym abonamencie"),
    ("telecom", "dzwonili z fałszywą ofertą ale nie dałam się nabrać i się rozłączyłam"),
    ("telecom", "jak odzyskać pieniądze za nadpłatę?"),
    ("telecom", "jak zablokować kartę SIM po kradzieży telefonu?"),
    ("walkthrough", "jak zablokować kartę SIM po kradzieży telefonu?"),
]


@pytest.mark.parametrize(("kb", "text"), CALM)
async def test_money_back_and_protection_questions_are_no_emergency(kb: str, text: str) -> None:
    outcome = await said(kb, text)
    assert not urgent(outcome), outcome
