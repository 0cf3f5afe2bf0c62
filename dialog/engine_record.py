"""Turns the engine did not decide, written into the conversation as they were said.

Why: a channel sometimes says something else than the engine's reply (a chat nobody can take, a smart
speaker that offers a callback instead of a transfer) or answers turns itself (the speaker's callback
exchange: "tak", the number, the confirmation). The session, and through it the history agents search, must
hold what the customer heard and said, and what became of the transfer the engine decided: a transfer
nobody took is no hand-off, a booked callback is one.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from redis.exceptions import RedisError

from dialog.ports import Handover
from dialog.session import Session
from dialog.store import SessionRepo

log = logging.getLogger(__name__)
HANDOVER = "handover"  # session slot: what became of a transfer nobody took at once (``Handover``)
REFUSED = "handover_refused"  # session slot: the reason of the transfer nobody took at once


def mark_handover(slots: dict[str, str], handover: Handover | None) -> None:
    """The engine's transfer did not happen as decided: its reason moves to ``REFUSED`` (no longer a
    hand-off for the history and ``Outcome.solved``), and ``HANDOVER`` says what the customer got instead."""
    if handover is None:
        return
    if reason := slots.pop("transfer_reason", None):
        slots[REFUSED] = reason
    if handover == "refused":
        slots.pop(HANDOVER, None)
    else:
        slots[HANDOVER] = handover


async def record_turn(
    sessions: SessionRepo,
    clock: Callable[[], float],
    session_id: str,
    said: str | None,
    reply: str,
    handover: Handover | None,
) -> Session | None:
    """Write the turn into the stored session; the session, or None when there is nothing to amend (no such
    session, or the store is down: logged, the customer has had their answer). ``said`` None: ``reply``
    replaces the bot's last words (said instead of the engine's reply)."""
    try:
        session = await sessions.load(session_id)
        if session is None:
            return None
        mark_handover(session.slots, handover)
        if said is None:
            if session.history and session.history[-1][0] == "bot":
                session.history.pop()
        else:
            session.add("caller", said)
        session.add("bot", reply)
        session.last_reply, session.updated_at = reply, clock()
        await sessions.save(session)
    except (RedisError, OSError):
        log.exception("session store unavailable; session %s not amended (%s)", session_id, handover)
        return None
    return session
