"""What a chat hand-off keeps in Redis beside its transfer record: the messages, and the guarded accept.

The hand-off itself is an ordinary ``TransferRecord`` (``channel="chat"``) in the ordinary queue
(``telephony/transfer/store.py``), so phone callers and chats wait in one line, in one order. Added here:

- ``chat:<tid>:messages`` list of JSON messages ``{"from", "text", "at", "agent"}``, the last ``MAX_MESSAGES``
  only: a long chat no longer grows in Redis without bound (the fifth hostile probe's review).
- ``chat:<tid>:count`` hash: ``trimmed``, the messages no longer kept, and the ``customer``'s messages ever
  written (the console's tab title counts the lines not seen yet by it, past the panel's). A message's ``seq``
  is ``trimmed`` plus its place in the list (one script: push, trim and count at once), so every worker
  numbers messages the same way, a client resumes with "after seq N" past the trim, and the console's "N
  earlier messages" and the history's note of them follow. Numbered by the list, not by a count of every
  message: during a rolling update an old pod pushes without counting (its seq is the list's length), and a
  count of all of them read its message as the chat's first one, hiding that (a review). Such a message is
  missing only from ``customer`` (the tab title, for the rollout's minutes).
  Texts are stored with personal data masked (``dialog.pii``), like the dialog sessions and the transfer
  record: a PESEL, card or IBAN typed into a live chat is not kept in Redis for the transfer retention nor
  shown to whoever opens the hand-off later. What an agent needs stays readable: the order id (``keep``);
  the caller's number is not in the messages, it is on the record.
- ``chat:<tid>:appended:<id>`` for ``APPEND_RECEIPT_S``: one append's seq, so that append sent again by redis-py
  after a lost reply answers it instead of pushing the message twice (``dialog.store.POP_ONCE``'s receipt).
- ``chat:<tid>:replied`` the ``seq`` of the agent's latest message: the customer's message rate is counted per
  reply (``Limiter.hit_handoff``), so a long talk is not refused for what the customer wrote before the answer.
- accept: ``ringing -> connected`` only while the offer still names this agent. The transfer store's
  compare-and-set checks the status alone; an offer withdrawn (timeout) and made to another agent is
  ringing again, and a late click from the first agent must not take it.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterable
from typing import Any, Literal, NamedTuple

from dialog.pii import mask
from telephony.transfer.record import TransferRecord
from telephony.transfer.store import TransferStore

Sender = Literal["customer", "agent", "system"]
MAX_MESSAGES = 500  # kept per hand-off in Redis: a chat that long is a case for e-mail; older ones are dropped
APPEND_RECEIPT_S = 30  # as ``dialog.store.POP_RECEIPT_S``: a retry comes within 0.3 s, behind Sentinel within 10 s
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


# The customer's messages in a list, counted once for a hand-off from before the count (a chat live across an
# upgrade): its list is all it has.
_CUSTOMERS_IN = """
local function customers_in(key)
  local n = 0
  for _, row in ipairs(redis.call('LRANGE', key, 0, -1)) do
    if cjson.decode(row)['from'] == 'customer' then n = n + 1 end
  end
  return n
end
"""

# KEYS: messages list, count hash, this append's receipt. ARGV: message JSON, its sender, how many to keep, TTL
# in seconds, the receipt's TTL. Returns the message's seq: the messages trimmed before it, plus its place in the
# list; the same append run again (its receipt is there) returns that seq and pushes nothing.
_APPEND = (
    _CUSTOMERS_IN
    + """
local done = redis.call('GET', KEYS[3])
if done then return tonumber(done) end
if redis.call('HEXISTS', KEYS[2], 'customer') == 0 then
  redis.call('HSET', KEYS[2], 'customer', customers_in(KEYS[1]))
end
if ARGV[2] == 'customer' then redis.call('HINCRBY', KEYS[2], 'customer', 1) end
local len = redis.call('RPUSH', KEYS[1], ARGV[1])
local over = len - tonumber(ARGV[3])
local trimmed = tonumber(redis.call('HGET', KEYS[2], 'trimmed')) or 0
if over > 0 then
  redis.call('LTRIM', KEYS[1], over, -1)
  trimmed = redis.call('HINCRBY', KEYS[2], 'trimmed', over)
  len = len - over
end
redis.call('EXPIRE', KEYS[1], ARGV[4])
redis.call('EXPIRE', KEYS[2], ARGV[4])
redis.call('SET', KEYS[3], trimmed + len, 'EX', ARGV[5])
return trimmed + len
"""
)

# KEYS: messages list, count hash. ARGV: after (a seq), last (how many at most). Returns {the seq before the
# first row returned, the rows, the customer's messages ever}: the messages with seq > after, at most the last.
_SINCE = (
    _CUSTOMERS_IN
    + """
local len = redis.call('LLEN', KEYS[1])
local counts = redis.call('HMGET', KEYS[2], 'trimmed', 'customer')
local dropped = tonumber(counts[1]) or 0
local start = math.min(len, math.max(0, tonumber(ARGV[1]) - dropped, len - tonumber(ARGV[2])))
return {dropped + start, redis.call('LRANGE', KEYS[1], start, -1), tonumber(counts[2]) or customers_in(KEYS[1])}
"""
)


def customer_lines(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The messages the customer reads: not those for the agent only (``to``: the customer left, came back)."""
    return [m for m in messages if m.get("to") is None]


class ChatWindow(NamedTuple):
    """A hand-off's latest messages, and how many the customer wrote in all (kept or trimmed): the console's
    tab title counts the lines the agent has not seen by it, the panel showing only the last ones."""

    messages: list[dict[str, Any]]
    customers: int


# KEYS: transfer hash, queue zset. ARGV: tid, agent id as stored (JSON), connected_at (JSON).
# Returns 1 when accepted, 0 when the offer no longer stands (status or agent changed).
# KEYS: record hash, queue zset, receipt. ARGV: transfer id, agent (JSON), now (JSON), this accept's id. The
# receipt (30 s) answers the same accept sent again (Redis ran it, its reply was lost, redis-py retried) as taken:
# read as refused, the agent was told the chat was not theirs while it was, and the customer never heard who joined.
_ACCEPT = """
if redis.call('GET', KEYS[3]) == ARGV[4] then return 1 end
if redis.call('HGET', KEYS[1], 'status') ~= 'ringing' then return 0 end
if redis.call('HGET', KEYS[1], 'agent_id') ~= ARGV[2] then return 0 end
redis.call('HSET', KEYS[1], 'status', 'connected', 'connected_at', ARGV[3])
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('SET', KEYS[3], ARGV[4], 'EX', 30)
return 1
"""

# KEYS: record hash, receipt. ARGV: ``customer_away_at`` as JSON (a time: away; ``null``: back), this change's id,
# the ``customer_seen_at`` the away was judged on (JSON): a stamp landed since (the customer is there) refuses it.
# Returns 1 when it changed (the chat connected, the customer not already so): every worker sweeps and a stream
# and a poll may both see the customer come back, and only the one that changed it adds the agent's line. The
# receipt answers the same change sent again by redis-py after a lost reply as done (the line is still added).
_AWAY = """
if redis.call('GET', KEYS[2]) == ARGV[2] then return 1 end
if redis.call('HGET', KEYS[1], 'status') ~= 'connected' then return 0 end
local cur = redis.call('HGET', KEYS[1], 'customer_away_at')
local away = cur and cur ~= 'null'
if (ARGV[1] == 'null') ~= away then return 0 end
if ARGV[1] ~= 'null' and redis.call('HGET', KEYS[1], 'customer_seen_at') ~= ARGV[3] then return 0 end
redis.call('HSET', KEYS[1], 'customer_away_at', ARGV[1])
redis.call('SET', KEYS[2], ARGV[2], 'EX', 30)
return 1
"""


class ChatLog:
    """Messages of chat hand-offs, and the accept script, beside ``transfers`` (same Redis, prefix, TTL)."""

    def __init__(self, transfers: TransferStore) -> None:
        self.transfers, self.redis = transfers, transfers.redis
        self._accept = transfers.redis.register_script(_ACCEPT)
        self._append, self._since = transfers.redis.register_script(_APPEND), transfers.redis.register_script(_SINCE)
        self._away = transfers.redis.register_script(_AWAY)

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
        to: Literal["agent"] | None = None,
    ) -> dict[str, Any]:
        """Store one message (``at``: epoch seconds), masked but for ``keep`` (the order id); returns it as
        stored, with its ``seq`` (1, 2, ...). Once, even when redis-py sends the script again after its reply
        was lost (a reset connection, a failover): the retry finds this append's receipt and gets its seq."""
        message: dict[str, Any] = {"from": sender, "text": mask(visible(text), keep), "at": round(at, 3)}
        if agent:
            message["agent"] = agent
        if to:  # a line for the agent only (``customer_lines`` leaves it out of the customer's stream and poll)
            message["to"] = to
        receipt = self._key(tid, f"appended:{uuid.uuid4().hex}")  # this append's, not the message's
        keys = [self._key(tid), self._key(tid, "count"), receipt]
        row = json.dumps(message, ensure_ascii=False)
        args: list[str | int] = [row, sender, MAX_MESSAGES, self.transfers.ttl_s, APPEND_RECEIPT_S]
        seq = int(await self._append(keys=keys, args=args))
        if sender == "agent":  # the agent answered: the customer's next messages count afresh
            await self.redis.set(self._key(tid, "replied"), seq, ex=self.transfers.ttl_s)
        return {"seq": seq, **message}

    async def replied(self, tid: str) -> int:
        """The ``seq`` of the agent's latest message in the hand-off ``tid``; 0 before the first."""
        return int(await self.redis.get(self._key(tid, "replied")) or 0)

    async def since(self, tid: str, after: int = 0, last: int = MAX_MESSAGES) -> list[dict[str, Any]]:
        """Messages with ``seq > after``, oldest first (at most the last ``last``; Redis keeps ``MAX_MESSAGES``)."""
        return (await self.window(tid, after, last)).messages

    async def window(self, tid: str, after: int = 0, last: int = MAX_MESSAGES) -> ChatWindow:
        """``since``, with the count of the customer's messages. Read in one script: a message pushed (and the
        oldest trimmed) between two reads would shift every seq."""
        keys = [self._key(tid), self._key(tid, "count")]
        before, rows, customers = await self._since(
            keys=keys, args=[max(0, int(after)), max(0, min(int(last), MAX_MESSAGES))]
        )
        messages = [{"seq": int(before) + i + 1, **json.loads(row)} for i, row in enumerate(rows)]
        return ChatWindow(messages, int(customers))

    async def accept(self, record: TransferRecord, agent_id: str, now: float) -> bool:
        """``ringing -> connected`` if the offer still names ``agent_id`` (one atomic step in Redis)."""
        args = [record.tid, json.dumps(agent_id), json.dumps(now), uuid.uuid4().hex]
        keys = [*self.transfers.keys_of(record), f"{self.transfers.prefix}accept-receipt:{record.tid}"]
        return bool(await self._accept(keys=keys, args=args))

    async def away(self, record: TransferRecord, at: float | None) -> bool:
        """Show the connected chat's customer as away since ``at`` (None: back); True only for the one call that
        changed it (``_AWAY``), so its line is added once whatever the workers racing it; away only while the
        customer's stamp is the one ``record`` was judged on (a stamp since: they are there)."""
        keys = [self.transfers.keys_of(record)[0], f"{self.transfers.prefix}away-receipt:{record.tid}"]
        seen = json.dumps(getattr(record, "customer_seen_at", None), ensure_ascii=False)
        return bool(await self._away(keys=keys, args=[json.dumps(at), uuid.uuid4().hex, seen]))
