"""A turn's session I/O for ``dialog.engine``: the stored session (or a fresh one) in, the reply applied,
persisted and turned into the ``Outcome`` out; the session before the turn kept, and put back on ``retract``.

Why apart from the engine: ``dialog.engine`` is about the order of decisions in a turn; how a session
store outage degrades (a fresh session, a turn not saved, each logged, never an exception to the caller)
and what a transfer carries to the agent are the same for every entry point (greet, handle, escalate).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from redis.exceptions import RedisError

from dialog.engine_config import Reply
from dialog.engine_reply import apply_reply
from dialog.engine_small_talk import REJECTED
from dialog.escalation import EscalationPolicy
from dialog.ports import CallerInfo, Outcome, Reason, Transfer
from dialog.session import Session
from dialog.store import SessionRepo
from dialog.summary import build_summary

log = logging.getLogger(__name__)
STORE_ERRORS = (RedisError, OSError)


async def load_session(
    sessions: SessionRepo, clock: Callable[[], float], session_id: str | None, caller: CallerInfo
) -> Session:
    """The stored session, or a fresh one (unknown/expired id, or the store is down: degrade, log)."""
    session = None
    if session_id:
        try:
            session = await sessions.load(session_id)
        except STORE_ERRORS:
            log.exception("session store unavailable; continuing with a fresh session")
    if session is None:
        now = clock()
        session = Session(id=sessions.new_id(), created_at=now, channel=caller.channel)
    session.ended = False
    return session


async def finish_turn(
    sessions: SessionRepo, policy: EscalationPolicy, now: float, session: Session, reply: Reply
) -> Outcome:
    """Apply the reply to the session, persist it, and build the outcome."""
    if reply.note:
        session.slots["note"] = reply.note
    transfer = None if reply.transfer is None else _transfer(policy, session, reply.transfer, reply)
    solved = apply_reply(session, reply, now)
    saved = True
    try:
        await sessions.save(session)
    except STORE_ERRORS:
        log.exception("session store unavailable; session %s not saved", session.id)
        saved = False
    return Outcome(
        session_id=session.id,
        action=reply.action,
        reply=reply.text,
        kb_id=reply.kb_id,
        order_id=reply.order_id or (session.order_id if transfer else None),  # the agent's card shows it
        transfer=transfer,
        expects=reply.expects,
        saved=saved,
        solved=solved,
    )


async def keep_before(sessions: SessionRepo, session_id: str, before: dict[str, Any]) -> None:
    """What ``retract`` restores, written after a turn the store took. Not after one it failed (refused or
    timed out): the turn is reported unsaved and its client sends it again (a chat's 503), so nothing
    takes it back, and a new turn writes its own; a refused save applied nothing to undo; a timed-out
    one may have applied or not, and neither is mended by a second write to a Redis that just stalled,
    which would only hold the caller another whole timeout (a hostile probe: 8 s for a chat's 503). A
    phone call's turns are never unsaved: its ``SessionKeeper`` keeps the session and the undo itself."""
    try:
        await sessions.save_before(session_id, before)
    except STORE_ERRORS:
        log.exception("session store unavailable; turn of session %s cannot be taken back", session_id)


async def take_back(sessions: SessionRepo, session_id: str) -> None:
    """Restore the session as it was before its latest turn (``keep_before``); a store down is logged."""
    try:
        if not await sessions.restore_before(session_id):
            log.info("session %s: no turn to take back", session_id)
    except STORE_ERRORS:
        log.exception("session store unavailable; turn of session %s not taken back", session_id)


def _transfer(policy: EscalationPolicy, session: Session, reason: Reason, reply: Reply) -> Transfer:
    """The hand-off for ``reply`` (its ``transfer`` reason): where, how soon, the agent's summary, and an
    emergency's answer the caller can act on meanwhile (``Transfer.answer``)."""
    angry = reply.angry
    session.slots["transfer_reason"] = reason
    session.slots.pop(REJECTED, None)  # "to nie to" counts again from here
    summary = build_summary(reason, session, session.slots.get("note"), angry)
    return Transfer(policy.queue(reason), reason, policy.priority(reason), summary, angry, reply.kb_answer)
