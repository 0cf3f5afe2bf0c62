"""How a conversation's outcome reads in the history: a transfer nobody could take is not a hand-off."""

from __future__ import annotations

from dialog.ports import Outcome
from telephony.history.store import outcome_of
from telephony.history.view import OUTCOME_LABELS


def test_the_outcome_says_whether_a_person_took_the_conversation() -> None:
    assert outcome_of({"slots": {"transfer_reason": "urgent"}}, None) == "transferred"
    refused = outcome_of({"slots": {"handover_refused": "urgent"}, "ended": False}, Outcome("s", "answer", "…"))
    assert refused == "not_handed_over" and OUTCOME_LABELS[refused] == "nikt nie mógł przejąć"
    assert outcome_of({"slots": {}, "ended": True}, None) == "ended"
    assert outcome_of({"slots": {}, "kb_given": ["dostawa"]}, None) == "answered"


def test_a_smart_speakers_callback_offer_reads_as_what_became_of_it() -> None:
    def of(handover: str) -> str:
        return outcome_of({"slots": {"handover_refused": "complaint", "handover": handover}}, None)

    assert (of("offered"), of("not_booked"), of("booked")) == ("callback_offered", "callback_not_booked", "callback")
    assert all(OUTCOME_LABELS[of(h)] != OUTCOME_LABELS["transferred"] for h in ("offered", "not_booked", "booked"))
