"""A review of this session's escalation changes, end to end with the real engine and sentence model: a danger
said beside a grievance stays an emergency (the new complaint cues must not hide it), impostors "od was" are a
fraud, and someone hurt hears 112 without a KB's practical answer beside it (``Transfer.answer``)."""

from __future__ import annotations

from pathlib import Path

import pytest

from dialog import catalogue
from dialog.factory import build_engine
from dialog.kb import load_kb
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


WALKTHROUGH = Path(__file__).parents[2] / "data" / "walkthrough_telecom" / "kb.yaml"
SIM_SWAPS = [
    "ktoś wyrobił duplikat mojej karty SIM, nie mam zasięgu, a z konta znikają pieniądze",
    "ktoś wyrobił duplikat mojej karty sim i nie mam zasięgu",
    "nagle straciłam zasięg, a ktoś w salonie wyrobił na mnie duplikat karty SIM",
    "ktoś wyrobił sobie kartę SIM na mój numer i robi przelewy z mojego konta",
    "ktoś podszył się pode mnie w salonie i dostał nową kartę SIM na mój numer",
    "ktoś zamówił na moje dane nowy telefon na abonament",  # the KB is sure of how to buy one on instalments
]


@pytest.mark.parametrize("said", SIM_SWAPS)
async def test_a_victim_hears_no_how_to_of_what_was_done_against_them(said: str) -> None:
    """A SIM swap's victim heard 112, then how to get a duplicate SIM card (the KB was sure of that entry):
    a theft's or a fraud's victim hears the KB's answer only from an entry about blocking or reporting."""
    outcome = await build_engine(WALKTHROUGH).handle(None, said, CallerInfo(channel="phone"))
    assert outcome.transfer is not None and outcome.transfer.emergency, outcome.reply
    assert outcome.transfer.answer is None, outcome.transfer.answer


async def test_a_victim_hears_how_to_block_the_card() -> None:
    """The same SIM swap where the KB's entry is about blocking the card ("Jak zablokować kartę SIM?"): the
    caller can act on it now, so it is said after the 112 advice; a stolen phone likewise."""
    blocking = load_kb(TELECOM).entries["blokada-sim"].answer
    swap = await build_engine(TELECOM).handle(None, SIM_SWAPS[0], CallerInfo(channel="phone"))
    assert swap.transfer is not None and swap.transfer.answer == blocking
    stolen = await build_engine(WALKTHROUGH).handle(
        None, "ukradli mi telefon i ktoś dzwoni z mojego numeru", CallerInfo(channel="phone")
    )
    block_and_report = load_kb(WALKTHROUGH).entries["kradziez-telefonu"].answer
    assert stolen.transfer is not None and stolen.transfer.answer == block_and_report


DEMO = Path(__file__).parents[3] / "dialog" / "data" / "kb.yaml"


@pytest.mark.parametrize(
    ("kb", "said"),
    [
        (TELECOM, "Mówię wam, oszuści! Przelałem im wszystkie oszczędności."),
        (TELECOM, "Oszuści, zabrali mi pieniądze z konta, a wy co na to?"),
        (URZAD, "Wasz kurier, oszust, wziął pieniądze i uciekł."),
        (DEMO, "Oszuści! Ktoś wyczyścił mi konto, możecie coś zrobić?"),
        (WALKTHROUGH, "Złodzieje! Wyczyścili mi konto w nocy, wiecie coś o tym?"),
    ],
)
async def test_a_victim_who_names_the_crooks_while_talking_to_you_hears_the_emergency_number(
    kb: Path, said: str
) -> None:
    """A name set apart said to the company is an insult ("Nie chcę z wami rozmawiać, oszuści!"), unless someone
    else did something: then they are the victim's crooks (a review: these had become an angry caller's apology,
    no 112)."""
    outcome = await build_engine(kb).handle(None, said, CallerInfo(channel="phone"))
    assert outcome.transfer is not None and outcome.transfer.emergency, outcome.reply


async def test_an_account_takeovers_victim_hears_how_to_reset_the_password() -> None:
    """Someone changed the caller's password: 112 advice, then the KB's password reset (it takes the account
    back); a review found it withheld as if it were a SIM swap's how-to."""
    said = "Ktoś włamał się na moje konto i zmienił hasło, nie mogę się zalogować."
    outcome = await build_engine(KB).handle(None, said, CallerInfo(channel="phone"))
    assert outcome.transfer is not None and outcome.transfer.emergency, outcome.reply
    assert outcome.transfer.answer is not None and "hasł" in outcome.transfer.answer


async def test_a_stolen_phones_owner_asking_for_a_new_sim_card_hears_how() -> None:
    """A plain theft takes over nothing: the duplicate SIM card the caller asks for is the answer they need."""
    said = "Ukradli mi telefon, chcę zamówić duplikat karty SIM."
    outcome = await build_engine(WALKTHROUGH).handle(None, said, CallerInfo(channel="phone"))
    assert outcome.transfer is not None and outcome.transfer.emergency, outcome.reply
    assert outcome.transfer.answer is not None


@pytest.mark.parametrize(
    "said",
    [
        "Wiecie co, złodzieje mi samochód zabrali sprzed domu.",
        "Złodzieje, wynieśli mi cały sprzęt z domu, wiecie gdzie to zgłosić?",
        "Złodziej wybił szybę i wziął torebkę z auta",
    ],
)
async def test_thieves_who_took_something_are_a_burglary_not_a_name_for_the_company(said: str) -> None:
    """ "Złodzieje" is also what an angry caller calls the company; beside what thieves did (took, carried
    off, broke in) it is a burglary: 112 (a review: these heard the angry caller's apology)."""
    outcome = await build_engine(URZAD).handle(None, said, CallerInfo(channel="phone"))
    assert outcome.transfer is not None and outcome.transfer.emergency, outcome.reply


@pytest.mark.parametrize("said", ["Grożą mi śmiercią przez telefon, co mam robić?", "ktoś dzwoni i szantażuje mnie"])
async def test_a_threatened_caller_hears_112_and_no_kb_how_to(said: str) -> None:
    """A threat is an emergency with nothing from the KB beside it (a review: a death threat heard how to report
    an outage, the telecom KB's entry nearest to "co mam robić"; blackmail was not understood at all)."""
    outcome = await build_engine(TELECOM).handle(None, said, CallerInfo(channel="phone"))
    assert outcome.transfer is not None and outcome.transfer.emergency, outcome.reply
    assert outcome.transfer.answer is None, outcome.transfer.answer
