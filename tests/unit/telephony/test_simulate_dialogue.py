"""``simulate-call`` prints the dialogue: what the recognizer heard and what the caller heard of the bot."""

from __future__ import annotations

from telephony.devtools.simulator import SimulationResult
from telephony.devtools.simulator_run import format_dialogue, format_result

TRANSCRIPT = [
    {"role": "bot", "turn": 0, "text": "Dzień dobry.", "status": "heard", "heard": "Dzień dobry."},
    {"role": "bot", "turn": 0, "text": "W czym mogę pomóc?", "status": "heard", "heard": "W czym mogę pomóc?"},
    {"role": "caller", "turn": 1, "text": "gdzie jest moja paczka", "source": "asr"},
    {"role": "bot", "turn": 1, "text": "Proszę podać numer zamówienia.", "status": "heard", "heard": ""},
    {"role": "bot", "turn": 1, "text": "Jest w e-mailu.", "status": "interrupted", "heard": "Jest w"},
    {"role": "bot", "turn": 1, "text": "Dziękuję.", "status": "unsent", "heard": ""},
    {"role": "caller", "turn": 2, "text": "[0]", "source": "dtmf"},
]


def test_dialogue_lines_per_turn() -> None:
    assert format_dialogue(TRANSCRIPT) == [
        "BOT: Dzień dobry. W czym mogę pomóc?",
        "KLIENT: gdzie jest moja paczka",
        "BOT: Proszę podać numer zamówienia. Jest w [przerwane przez klienta]",
        "KLIENT: [0]",
    ]


def test_the_printout_has_the_dialogue_before_the_timeline_only_when_it_was_read() -> None:
    without = format_result(SimulationResult(call_sid="CA1"))
    assert "KLIENT" not in without and "dialogue" not in without
    printed = format_result(SimulationResult(call_sid="CA1", transcript=TRANSCRIPT)).splitlines()
    assert printed[1].startswith("dialogue") and printed[2] == "  BOT: Dzień dobry. W czym mogę pomóc?"
    assert printed[6] == "timeline:"
    assert format_result(SimulationResult(call_sid="CA1", transcript=[])).splitlines()[2] == "  (nothing said)"
