"""Which ring an agent who leaves takes with them (``rings_for``): pure, over plain transfer records."""

from __future__ import annotations

import pytest

from telephony.transfer.record import TransferRecord
from telephony.transfer.ring import rings_for


def record(**fields: object) -> TransferRecord:
    base = {"tid": "t1", "call_sid": "CA1", "queue": "reklamacje", "reason": "complaint", "created_at": 0.0}
    ringing = {"enqueued_at": 0.0, "status": "ringing", "agent_id": "anna"}
    return TransferRecord.model_validate({**base, **ringing, **fields})


def test_the_phone_ringing_the_agent_is_theirs_to_take_back() -> None:
    assert rings_for(record(), "anna")


@pytest.mark.parametrize(
    "fields",
    [
        {"agent_id": "bartek"},  # another agent's ring
        {"status": "connected"},  # she pressed 1 first: the call stays hers
        {"status": "waiting", "agent_id": None},  # already moved on (her decline, a missed ring)
        {"channel": "chat"},  # a chat offer: the chat hand-off takes it back
    ],
)
def test_anything_else_is_left_alone(fields: dict[str, object]) -> None:
    assert not rings_for(record(**fields), "anna")
    assert not rings_for(None, "anna")
