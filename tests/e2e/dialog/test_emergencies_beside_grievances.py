"""A review of this session's escalation changes, end to end with the real engine and sentence model: a danger
said beside a grievance stays an emergency (the new complaint cues must not hide it), impostors "od was" are a
fraud, and someone hurt hears 112 without a KB's practical answer beside it (``Transfer.answer``)."""

from __future__ import annotations

from pathlib import Path

import pytest

from dialog import catalogue
from dialog.factory import build_engine
from dialog.ports import CallerInfo

KB = Path(__file__).parents[2] / "data" / "domain_klinika_kb.yaml"


async def test_chest_pain_hears_the_emergency_number_and_no_booking_instructions() -> None:
    engine = build_engine(KB)
    said = "mam silny ból w klatce piersiowej, chcę się umówić do kardiologa"
    outcome = await engine.handle(None, said, CallerInfo(channel="chat"))
    assert outcome.transfer is not None and outcome.transfer.emergency
    # nobody staffs the chat: 112, then "Na wizytę zapiszesz się przez Portal Pacjenta…", then the refusal
    told = catalogue.refused(catalogue.CHAT_UNAVAILABLE_BUSY, outcome.transfer)
    assert outcome.transfer.answer is None, told


URZAD = Path(__file__).parents[2] / "data" / "domain_urzad_kb.yaml"


@pytest.mark.parametrize(
    ("kb", "said"),
    [
        (URZAD, "lekarz był niemiły, a moja mama po wizycie straciła przytomność"),  # a rude-staff cue
        (URZAD, "kurier zgniótł paczkę, a w środku był gaz w butli który teraz syczy"),  # a crushed-parcel cue
        (KB, "pielęgniarka była niegrzeczna, a dziecko ma drgawki i sinieje"),
        (KB, "pani w rejestracji nakrzyczała na mamę, mama osunęła się na podłogę"),
        (KB, "lekarz zlekceważył objawy, a teraz mąż ma paraliż połowy twarzy"),
        (KB, "lekarz był arogancki, a córka po lekach puchnie i nie może oddychać"),
        (KB, "kurier pogniótł paczkę z lekami, a syn dostał ataku astmy"),
    ],
)
async def test_a_new_complaint_cue_does_not_switch_off_the_emergency_meaning(kb: Path, said: str) -> None:
    outcome = await build_engine(kb).handle(None, said, CallerInfo(channel="phone"))
    assert outcome.transfer is not None and outcome.transfer.reason == "urgent"  # a complaint cue beside the danger


TELECOM = Path(__file__).parents[2] / "data" / "domain_telecom_kb.yaml"


@pytest.mark.parametrize("said", ["dzwonią do mnie oszuści od was", "oszuści od was dzwonią i chcą mój PIN"])
async def test_scammers_posing_as_the_company_hear_the_emergency_number(said: str) -> None:
    outcome = await build_engine(TELECOM).handle(None, said, CallerInfo(channel="phone"))
    assert outcome.transfer is not None and outcome.transfer.emergency, outcome.reply
