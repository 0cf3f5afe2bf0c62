"""A chat continued with a session the store no longer knows: say so, keep the id, and never lose a hand-off.

Why: the chat client holds the session id; the conversation behind it lives in Redis. When Redis comes back
empty (a failover without persistence) or the session expired, the engine would read the next message as
the first of a new conversation under a new id: the topic lost, maybe a greeting again, and the customer
none the wiser. Instead the gateway answers ``CHAT_THREAD_LOST`` ("straciłem wątek ..., proszę powtórzyć
pytanie") under the *same* session id (one the gateway signed: ``dialog/session_ids.py``; a made-up id is a
new conversation, ``telephony/chat/turn.py``), which from then on holds a fresh conversation. That is only for
words that mean something after what went before ("a kiedy dojdzie?", "tak", "to drugie", "48213"); a
question that stands alone (a customer back the next day, whose session has expired) is answered as the
first of a fresh conversation under the same id, with nothing to apologise for. Which is which is
``dialog.resume.verdict``, the phone call's judge too (``telephony/call/resume.py``).

A customer whose client says it was in a hand-off (``handoff_id``: the ``transfer_id`` it was last shown)
lost their agent too: that chat goes straight back to the agents' queue (``CHAT_HANDOFF_LOST`` and the
usual wait), with the message they just wrote for the agent, rather than to the bot.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from dialog import catalogue
from dialog.escalation import DEFAULT_PRIORITIES
from dialog.ports import Outcome, Transfer
from dialog.resume import apology_session
from dialog.session import Session

# What the agent reads on a chat put back in the queue (not caller-facing: it is the agent's summary).
REQUEUE_SUMMARY = "Czat wrócił do kolejki po awarii: połączenie z konsultantem zostało przerwane."
# As any request for a person: a ``handoff_id`` is the client's word, so it buys no place ahead of others.
REQUEUE_PRIORITY = DEFAULT_PRIORITIES["requested_human"]

LostKind = Literal["thread", "handoff"]


@dataclass(frozen=True)
class LostThread:
    """What the lost conversation becomes: the session stored under the same id, and the reply."""

    kind: LostKind
    session: Session
    reply: str


def lost_kind(handoff_id: str | None, live: bool) -> LostKind:
    """A hand-off is put back in the queue only where there is one to go back to (Redis, agents)."""
    return "handoff" if handoff_id and live else "thread"


def lost_thread(session_id: str, channel: str, text: str, kind: LostKind, now: float) -> LostThread:
    """The fresh session under the client's id, holding this exchange (the agent's transcript reads it)."""
    reply = catalogue.CHAT_HANDOFF_LOST if kind == "handoff" else catalogue.CHAT_THREAD_LOST
    return LostThread(kind, apology_session(session_id, channel, text, reply, kind, now), reply)


def requeue_outcome(session_id: str, queue: str, reply: str) -> Outcome:
    """The transfer the lost hand-off goes back to the queue with (``ChatHandoff.start``)."""
    transfer = Transfer(queue, "requested_human", REQUEUE_PRIORITY, REQUEUE_SUMMARY)
    return Outcome(session_id, "transfer", reply, transfer=transfer)


def lost_view(tid: str) -> dict[str, object]:
    """The customer's view of a hand-off Redis lost (their live stream, their poll): ended, ``ended_by``
    lost, and what to do (write again: the message, sent with ``handoff_id``, puts the chat back in the queue)."""
    return {"status": "ended", "transfer_id": tid, "ended_by": "lost", "text": catalogue.CHAT_HANDOFF_LOST_WRITE}


def thread_reply(lost: LostThread) -> dict[str, object]:
    """The ``ChatResponse`` of a lost thread: ask again, nothing answered, nothing handed over."""
    return {
        "session_id": lost.session.id,
        "action": "clarify",
        "reply": lost.reply,
        "kb_id": None,
        "order_id": None,
        "expects": "text",
        "transfer": None,
        "handoff": None,
    }
