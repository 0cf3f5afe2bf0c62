"""An agent's status in words (``telephony.console.view.status_label``): busy while an offer only rings is
"Dzwoni" or "Oferta czatu", never "Zajęty: rozmowa"; a conversation under way and other statuses as before."""

from __future__ import annotations

from telephony.console.view import RINGING_LABELS, STATUS_LABELS, ringing_channel, status_label


def test_a_busy_agent_being_rung_is_told_apart_by_channel() -> None:
    assert ringing_channel("busy", "ringing", "chat") == "chat"
    assert ringing_channel("busy", "ringing", "phone") == "phone"
    assert status_label("busy", "chat") == RINGING_LABELS["chat"] == "Oferta czatu"
    assert status_label("busy", "phone") == RINGING_LABELS["phone"]
    assert status_label("busy", "phone").startswith("Dzwoni")


def test_a_conversation_under_way_or_no_offer_keeps_the_status_label() -> None:
    assert ringing_channel("busy", "connected", "chat") is None
    assert ringing_channel("wrap_up", "ringing", "chat") is None
    assert status_label("busy", None) == STATUS_LABELS["busy"]
    assert status_label("available", "chat") == STATUS_LABELS["available"]  # a stale offer on a free agent
    assert status_label("unknown") == "unknown"
