"""What a chat hand-off keeps in Redis beside its transfer record: the messages, and the guarded accept.

The hand-off itself is an ordinary ``TransferRecord`` (``channel="chat"``) in the ordinary queue
(``telephony/transfer/store.py``), so phone callers and chats wait in one line, in one order. Added here:

- ``chat:<tid>:messages`` list of JSON messages ``{"seq", "from", "text", "at", "agent"}``; ``seq`` is
  the list length after the push (RPUSH is atomic), so every worker numbers messages the same way and a
  client resumes with "after seq N". Texts are stored with personal data masked (``dialog.pii``), like the
  dialog sessions and the transfer record: a PESEL, card or IBAN typed into a live chat is not kept in
  Redis for the transfer retention nor shown to whoever opens the hand-off later. What an agent needs
  stays readable: the order id (``keep``); the caller's number is not in the messages, it is on the record.
- ``chat:<tid>:replied`` the ``seq`` of the agent's latest message: the customer's message rate is counted per
  reply (``Limiter.hit_handoff``), so a long talk is not refused for what the customer wrote before the answer.
- accept: ``ringing -> connected`` only while the offer still names this agent. The transfer store's
  compare-and-set checks the status alone; an offer withdrawn (timeout) and made to another agent is
  ringing again, and a late click from the first agent must not take it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any, Literal

from dialog.pii import mask
from telephony.transfer.store import TransferRecord, TransferStore

Sender = Literal["customer", "agent", "system"]
MAX_MESSAGES = 500  # per hand-off: a chat that long is a case for e-mail; older messages are dropped
# Control characters (a NUL, a bell) and the bidi overrides and isolates: U+202E showed a customer's words
# reversed in the agent's console, so they could read as something else (the fifth hostile probe).
# Line feeds and tabs stay; "\r\n" becomes a line feed.
_HIDDEN = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
# The other line breaks (a lone CR from old Mac tools, a vertical tab, a form feed, NEL) are line feeds too:
# dropped, they joined the last word of one line to the first of the next ("pralkaNie działa").
_BREAKS = re.compile("\r\n|[\r\x0b\x0c\x85]")


def visible(text: str) -> str:
    """``text`` as a person reads it on the other side of a chat: no control or direction-override characters."""
    return _HIDDEN.sub("", _BREAKS.sub("\n", text))


def readable(text: str, empty: str) -> str:
    """``visible(text)`` for a request model's validator; ``empty`` is the 422's message when nothing is left."""
    shown = visible(text)
    if not shown.strip():
        raise ValueError(empty)
    return shown


# KEYS: transfer hash, queue zset. ARGV: tid, agent id as stored (JSON), connected_at (JSON).
# Returns 1 when accepted, 0 when the offer no longer stands (status or agent changed).
_ACCEPT = """
if redis.call('HGET', KEYS[1], 'status') ~= 'ringing' then return 0 end
if redis.call('HGET', KEYS[1], 'agent_id') ~= ARGV[2] then return 0 end
redis.call('HSET', KEYS[1], 'status', 'connected', 'connected_at', ARGV[3])
redis.call('ZREM', KEYS[2], ARGV[1])
return 1
"""


class ChatLog:
    """Messages of chat hand-offs, and the accept script, beside ``transfers`` (same Redis, prefix, TTL)."""

    def __init__(self, transfers: TransferStore) -> None:
        self.transfers, self.redis = transfers, transfers.redis
        self._accept = transfers.redis.register_script(_ACCEPT)

    def _key(self, tid: str, what: str = "messages") -> str:
        return f"{self.transfers.prefix}chat:{tid}:{what}"

    async def append(
        self,
        tid: str,
        sender: Sender,
        text: str,
        at: float,
        agent: str | None = None,
        keep: Iterable[str | None] = (),
    ) -> dict[str, Any]:
        """Store one message (``at``: epoch seconds), masked but for ``keep`` (the order id); returns it as
        stored, with its ``seq`` (1, 2, ...)."""
        message: dict[str, Any] = {"from": sender, "text": mask(visible(text), keep), "at": round(at, 3)}
        if agent:
            message["agent"] = agent
        key = self._key(tid)
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.rpush(key, json.dumps(message, ensure_ascii=False))
            pipe.expire(key, self.transfers.ttl_s)
            length, _ = await pipe.execute()
        if sender == "agent":  # the agent answered: the customer's next messages count afresh
            await self.redis.set(self._key(tid, "replied"), int(length), ex=self.transfers.ttl_s)
        return {"seq": int(length), **message}

    async def replied(self, tid: str) -> int:
        """The ``seq`` of the agent's latest message in the hand-off ``tid``; 0 before the first."""
        return int(await self.redis.get(self._key(tid, "replied")) or 0)

    async def since(self, tid: str, after: int = 0, last: int = MAX_MESSAGES) -> list[dict[str, Any]]:
        """Messages with ``seq > after``, oldest first (at most the last ``last``, never more than ``MAX_MESSAGES``)."""
        start = max(0, int(after), (await self.redis.llen(self._key(tid))) - min(last, MAX_MESSAGES))
        rows = await self.redis.lrange(self._key(tid), start, -1)
        return [{"seq": start + i + 1, **json.loads(row)} for i, row in enumerate(rows)]

    async def accept(self, record: TransferRecord, agent_id: str, now: float) -> bool:
        """``ringing -> connected`` if the offer still names ``agent_id`` (one atomic step in Redis)."""
        args = [record.tid, json.dumps(agent_id), json.dumps(now)]
        return bool(await self._accept(keys=list(self.transfers.keys_of(record)), args=args))
