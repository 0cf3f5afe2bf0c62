"""Whether the customer of a chat connected to an agent is shown away (``telephony/chat/presence.py``,
``is_away``), decided on scripted records and times: only connected chats, only past the grace since their latest
stamp made after the chat connected, once (not while already shown away), never for a silence of the gateway's."""

from __future__ import annotations

from telephony.chat.presence import away, is_away, is_gone, seen_connected
from telephony.transfer.record import TransferRecord

GRACE = 150.0
CONNECTED = 1100.0


def chat(status: str = "connected", seen: float | None = None, away_at: float | None = None) -> TransferRecord:
    extra: dict[str, float] = {} if seen is None else {"customer_seen_at": seen}
    if away_at is not None:
        extra["customer_away_at"] = away_at
    return TransferRecord.model_validate(
        {"tid": "t1", "call_sid": "chat:s1", "channel": "chat", "queue": "obsluga", "reason": "requested_human",
         "created_at": 1000.0, "enqueued_at": 1000.0, "connected_at": CONNECTED, "status": status, **extra}
    )  # fmt: skip


def test_a_connected_customer_unseen_past_the_grace_is_away_never_gone() -> None:
    record = chat(seen=CONNECTED + 10)
    assert not is_away(record, CONNECTED + 10 + GRACE, GRACE)  # the grace itself: not yet
    assert is_away(record, CONNECTED + 10 + GRACE + 1, GRACE)
    assert not is_gone(record, CONNECTED + 10 + GRACE + 1, GRACE)  # a connected chat is never ended for it


def test_only_a_customer_stamped_since_the_chat_connected_is_judged() -> None:
    """A stamp from their wait only: their stream may be on a worker of the release before (stamps no
    connected chat); none at all: never judged either."""
    assert not seen_connected(chat(seen=CONNECTED - 1)) and seen_connected(chat(seen=CONNECTED))
    assert not is_away(chat(seen=CONNECTED - 1), 1_000_000.0, GRACE)
    assert not is_away(chat(), 1_000_000.0, GRACE)


def test_a_customer_shown_away_already_is_not_marked_again() -> None:
    record = chat(seen=CONNECTED, away_at=CONNECTED + GRACE + 1)
    assert away(record) and not is_away(record, 1_000_000.0, GRACE)
    assert not away(chat(seen=CONNECTED))


def test_other_statuses_are_not_judged_as_away() -> None:
    for status in ("waiting", "ringing", "completed", "abandoned"):
        assert not is_away(chat(status, seen=CONNECTED), 1_000_000.0, GRACE)


def test_a_silence_of_the_gateway_s_own_is_not_the_customer_s() -> None:
    """``since``: this worker just became ready or its watch reached Redis again; a whole grace from then."""
    record, since = chat(seen=CONNECTED), CONNECTED + 1000
    assert not is_away(record, since + GRACE - 1, GRACE, since)
    assert is_away(record, since + GRACE + 1, GRACE, since)
