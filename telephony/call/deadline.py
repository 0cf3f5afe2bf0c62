"""The per-turn deadline of the dialog engine in a live call (``INFOLINIA_DIALOG_TURN_TIMEOUT_S``).

Why: the engine may wait on things outside this process (the session store, the orders service, its CPU
thread behind other work); each has its own deadline, but together, or through a bug, a turn could still
keep a caller in silence. So the call pipeline bounds the whole turn: past the deadline the caller hears
the pipeline's apology (``CallTexts.apology``, prewarmed, so it plays even when synthesis is what hangs)
and is handed to a human, the same transfer the engine makes when a turn fails (``not_understood`` to its
queue). A late answer is dropped; the engine's thread finishes on its own (it cannot be interrupted).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable

from dialog.escalation import DEFAULT_QUEUES
from dialog.ports import Outcome, Transfer

log = logging.getLogger(__name__)

DEFAULT_TURN_TIMEOUT_S = 8.0
TIMEOUT_SUMMARY = "Asystent nie odpowiedział na czas (problem techniczny); klient czeka na konsultanta."


def timed_out(session_id: str | None, apology: str) -> Outcome:
    """The outcome the call acts on when the engine missed the deadline: apologise and transfer."""
    queue = DEFAULT_QUEUES["not_understood"]
    transfer = Transfer(queue, "not_understood", 0, TIMEOUT_SUMMARY)
    return Outcome(session_id or "", "transfer", apology, transfer=transfer)


async def within_turn_deadline(
    turn: Awaitable[Outcome], timeout_s: float, session_id: str | None, apology: str
) -> Outcome:
    """The engine's outcome, or, when ``timeout_s`` passes first, ``timed_out`` (the turn is cancelled)."""
    try:
        return await asyncio.wait_for(turn, timeout_s)
    except TimeoutError:
        log.error("dialog turn of session %s took over %.1f s: apology and transfer", session_id, timeout_s)
        return timed_out(session_id, apology)
