"""What a turn's reply does to the session: the question it leaves open, the offer it keeps, the end.

Apart from the engine so that the rules of a session's state after a reply read in one place; the
engine persists the session and builds the ``Outcome`` around it.
"""

from __future__ import annotations

from dialog.engine_config import Reply
from dialog.session import Session

_NOT_SOLVED_BY_BOT = frozenset({"transfer_reason", "handover_refused"})


def apply_reply(session: Session, reply: Reply, now: float) -> bool:
    """Apply ``reply`` to ``session`` (the bot's line included); True when this reply ends the
    conversation solved by the bot: it ends, no earlier turn solved it, and no person was needed."""
    session.expects = reply.expects
    if reply.expects not in ("yes_no", "choice"):
        session.offer, session.offer_value = None, None  # an offer lives only for the question that made it
    if reply.expects == "text":
        session.purpose = None
    session.asked_anything_else = reply.anything_else
    session.ended = reply.action == "end"
    solved = session.ended and not session.solved and not _NOT_SOLVED_BY_BOT & set(session.slots)
    session.solved = session.solved or solved
    if reply.repeatable:
        session.last_reply = reply.text
    session.add("bot", reply.text)
    session.updated_at = now
    return solved
