"""A calm question how to do something, telling nothing that happens ("jak hodować pomidory w piwnicy"), is no
emergency by meaning: the sentence model heard a flooded cellar in "w piwnicy" (docs/benchmarks.md, a probe's).
Emergencies asked as a question, or whose how-to names the danger, stay urgent. Sentences written before the
rule, through the real engine on the KBs of tests/data."""

from __future__ import annotations

import pytest

from tests.e2e.dialog.emergency_probes import said, urgent

OFF_TOPIC = [
    ("water", "jak hodować pomidory w piwnicy"),
    ("shop", "jak hodować pomidory w piwnicy"),
    ("shop", "jak hodować pieczarki w piwnicy"),
    ("shop", "jak przechowywać ziemniaki w piwnicy"),
    ("shop", "jak zrobić nalewkę z wiśni"),
    ("shop", "jak upiec chleb na zakwasie"),
    ("shop", "jak posadzić truskawki w ogrodzie"),
    ("shop", "jak nauczyć psa chodzić na smyczy"),
    ("water", "jak wyhodować bazylię na parapecie"),
    ("water", "jak zrobić kompost w ogrodzie"),
    ("water", "jak pomalować ściany w piwnicy"),
    ("telecom", "jak ugotować rosół"),
    ("telecom", "jak zasadzić tulipany jesienią"),
    ("telecom", "jak urządzić warsztat w garażu"),
    ("agd", "jak zrobić przetwory z ogórków"),
    ("urzad", "jak podlewać storczyki"),
    ("urzad", "jak zbudować budę dla psa"),
    ("klinika", "jak nauczyć się grać na gitarze"),
    ("klinika", "jak hodować rybki w akwarium"),
    ("water", "jak suszyć grzyby w piekarniku"),
    ("shop", "gdzie kupić nasiona pomidorów"),
    ("water", "jak zimować pelargonie w piwnicy"),
    ("telecom", "jak ocieplić strych"),
    ("shop", "jak pozbyć się mszycy z pomidorów"),
    ("urzad", "jak przygotować ogród na zimę"),
    ("water", "jak zrobić wino w piwnicy"),
    ("shop", "jak wędzić ryby w ogrodzie"),
    ("water", "jak urządzić siłownię w piwnicy"),
    ("telecom", "jak ugasić pragnienie w upał"),
    ("shop", "jak rozpoznać oszustwo na olx?"),
]


@pytest.mark.parametrize(("kb", "text"), OFF_TOPIC)
async def test_a_calm_how_to_question_is_not_escalated(kb: str, text: str) -> None:
    outcome = await said(kb, text)
    assert outcome.transfer is None, outcome  # out of scope: not understood, or a topic offered


EMERGENCIES = [
    ("shop", "jak ugasić palącą się patelnię"),
    ("water", "co robić, w piwnicy czuć gaz"),
    ("shop", "jak pomóc dziecku, które połknęło baterię"),
    ("water", "w piwnicy jest pełno dymu, co robić"),
    ("water", "woda zalewa piwnicę, co robić"),
    ("shop", "mąż spadł z drabiny i nie może wstać"),
    ("urzad", "dziecko wypadło z okna"),
    ("shop", "ktoś próbuje wyważyć moje drzwi w nocy"),
    ("shop", "z gniazdka lecą iskry"),
    ("klinika", "jak pomóc mężowi, który nie może złapać tchu"),
    ("telecom", "co robić, ktoś się topi w jeziorze"),
    ("shop", "jak wyjść z mieszkania, w środku jest dym"),
    ("water", "jak zakręcić wodę, zalewa mi mieszkanie"),
    ("shop", "jak zatamować krew, syn rozciął rękę"),
    ("urzad", "jak wezwać pomoc, sąsiad leży nieprzytomny"),
    ("shop", "co zrobić, akumulator w hulajnodze zaczął się palić"),
    ("shop", "jak wezwać straż pożarną"),  # by meaning: a how-to naming the rescue service
    ("shop", "jak wypompować wodę z piwnicy"),  # by meaning: the water is there
    ("water", "jak osuszyć zalaną piwnicę"),
    ("shop", "jak ratować zalaną piwnicę"),
    ("shop", "jak pomóc osobie, która zemdlała"),
    # a review's: urgent by meaning before the how-to rule, infinitives only, nothing told happening
    ("shop", "jak wydostać dziecko z zamkniętego auta w upale"),
    ("klinika", "jak odtruć dziecko po grzybach"),
    ("telecom", "gdzie szukać zaginionego dziecka"),
    ("water", "jak wezwać pomoc dla sąsiadki"),
]


@pytest.mark.parametrize(("kb", "text"), EMERGENCIES)
async def test_an_emergency_asked_as_a_question_stays_urgent(kb: str, text: str) -> None:
    outcome = await said(kb, text)
    assert urgent(outcome), outcome
