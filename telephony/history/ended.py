"""How a hand-off ended (a chat's, a phone caller's transfer), into the conversation's history
(``telephony.history.store``).

Why: the history is written by the dialog engine after each bot turn, so it knew only the bot's part: a
chat the customer left while waiting read "przełączono do konsultanta", and the live chat with the agent was
nowhere once its messages expired with the transfer (``chat:<tid>:messages``, about two days). Best effort:
the customer and the agent have ended the chat whatever the history's Redis does.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Awaitable, Mapping, Sequence
from typing import Any, Protocol

from redis.exceptions import RedisError

log = logging.getLogger(__name__)
# The history's line for a chat's messages no longer kept (Redis keeps a hand-off's last ``MAX_MESSAGES``): the
# transcript then starts mid-conversation, and whoever reads it later is told so, not left to wonder.
EARLIER_NOT_KEPT = "Wcześniejszych wiadomości czatu: {count} (nie zachowano: czat był dłuższy niż {kept} wiadomości)."


class HandoffHistory(Protocol):
    """``HistoryStore.handoff_ended``: ``ended`` is ``completed``, ``abandoned`` (left the queue), ``callback``
    or ``voicemail`` (a caller chose one instead of waiting)."""

    async def handoff_ended(self, cid: str, ended: str, messages: Sequence[Mapping[str, Any]]) -> bool: ...


async def keep_in_history(
    history: HandoffHistory,
    session_id: str,
    ended: str,
    messages: Sequence[Mapping[str, Any]] | Awaitable[Sequence[Mapping[str, Any]]],
) -> None:
    """Write the ending and the messages (read here when given as an awaitable: reading them from Redis can
    fail too); a failure is logged, never raised to the customer or the agent, whose chat has ended."""
    try:
        said = await messages if inspect.isawaitable(messages) else messages
        await history.handoff_ended(session_id, ended, with_earlier(said))
    except (RedisError, OSError) as exc:
        log.warning("chat hand-off of session %s not written to the history: %r", session_id, exc)


def with_earlier(messages: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """``messages`` (their ``seq`` from 1), after a system line counting those before the first (trimmed)."""
    earlier = int(messages[0].get("seq") or 1) - 1 if messages else 0
    if earlier <= 0:
        return list(messages)
    note = EARLIER_NOT_KEPT.format(count=earlier, kept=len(messages))
    return [{"from": "system", "text": note, "seq": earlier}, *messages]
