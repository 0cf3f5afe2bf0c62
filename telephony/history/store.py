"""Every conversation (phone, chat, speaker) as one JSON record in Redis, with indexes to find it again.

Keys (under the prefix): ``history:<id>`` the record (the dialog session id is the conversation id), with a
TTL of the history retention; ``history:by-time`` (every id, scored by start), ``history:caller:<digits>``
and ``history:order:<order id>`` (ids scored by start). Bounded: at most ``max_items`` conversations, the
oldest dropped with their record at every write; index entries of records gone (TTL) are skipped on read
and dropped by ``infolinia purge``.

What is kept is what the session store keeps: transcripts masked by ``dialog.pii`` (``Session.stored()``),
the caller's number (what a search by caller needs; the retention bounds it), the order id, the outcome,
the agents' wrap-up notes and the customer's rating (``set_rating``, from the CSAT survey).

Why records are rewritten whole at every turn: any worker may take the next turn, a rewrite of the
latest full state needs no merge, and a turn taken back (``retract``) is corrected by the next one.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from redis.asyncio import Redis

from dialog.ports import CallerInfo, KeyValueStore, Outcome
from telephony.call.deps import record_key
from telephony.twilio.wire import call_key

DAY = 86400
MAX_ITEMS = 100_000
NOTES_MAX = 20


def caller_digits(number: str | None) -> str:
    """The last 9 digits: ``+48 600 100 200``, ``600100200`` and ``0048600100200`` find the same caller."""
    return re.sub(r"\D", "", number or "")[-9:]


LEFT_QUEUE = "left_queue"  # outcome: a chat the customer left while it waited for an agent
# How a hand-off ended without an agent -> the conversation's outcome (a caller who hung up in the queue,
# chose a callback or was sent to the voicemail, a chat left in the queue); kept over later bot turns.
HANDOFF_ENDINGS = {"abandoned": LEFT_QUEUE, "callback": "callback", "voicemail": "voicemail"}
LIVE = ("customer", "agent", "system")  # transcript roles of a live chat with an agent (the bot's: caller, bot)
HANDOVER_OUTCOMES = {"booked": "callback", "offered": "callback_offered", "not_booked": "callback_not_booked"}


def outcome_of(session: dict[str, Any], outcome: Outcome | None) -> str:
    """transferred | not_handed_over (a transfer nobody could take: no agent, a channel without hand-off) |
    callback (a smart speaker booked a call back instead) | callback_offered (its offer not answered yet) |
    callback_not_booked (declined, or no number given) | ended (the caller said goodbye) | answered (the bot
    gave an answer) | unanswered. The session slots say which (``dialog.engine_record``)."""
    slots = session.get("slots") or {}
    if slots.get("transfer_reason"):
        return "transferred"
    if slots.get("handover_refused"):
        return HANDOVER_OUTCOMES.get(str(slots.get("handover")), "not_handed_over")
    if session.get("ended"):
        return "ended"
    if session.get("kb_given") or session.get("order_status"):
        return "answered"
    return "answered" if outcome is not None and outcome.action == "answer" and outcome.kb_id else "unanswered"


def _kept_outcome(now: str, old: Mapping[str, Any], outcome: Outcome | None) -> str:
    """A chat that left the queue stays so when the customer writes to the bot again (the session still
    names the transfer), until a new transfer."""
    kept = old.get("outcome") in HANDOFF_ENDINGS.values() and now == "transferred"
    return str(old["outcome"]) if kept and (outcome is None or outcome.transfer is None) else now


def _with_live_chat(bot: list[dict[str, Any]], old: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The session's lines (rewritten whole every turn) with the live chats' lines kept where they were."""
    out: list[dict[str, Any]] = []
    at = 0
    for line in old.get("transcript") or []:
        if line.get("role") in LIVE:
            out.append(line)
        elif at < len(bot):
            out.append(bot[at])
            at += 1
    return [*out, *bot[at:]]


class HistoryStore:
    """Conversation records over Redis (``decode_responses=True``)."""

    def __init__(
        self,
        redis: Redis,
        prefix: str = "infolinia:",
        *,
        keep_s: float = 30 * DAY,
        max_items: int = MAX_ITEMS,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.redis, self.prefix, self.keep_s, self.max_items, self.clock = redis, prefix, keep_s, max_items, clock

    def _k(self, key: str) -> str:
        return f"{self.prefix}history:{key}"

    def _rec(self, cid: str) -> str:
        return self._k(f"c:{cid}")

    # --- writing ----------------------------------------------------------------------------------------
    async def saved(self, session: dict[str, Any], caller: CallerInfo, outcome: Outcome | None = None) -> None:
        """``dialog.ports.ConversationLog``: the session as stored after a turn (masked), kept as history."""
        cid = str(session["id"])
        old = await self.get(cid) or {}
        if float(old.get("updated_at") or 0) > float(session.get("updated_at") or 0):
            return  # a later turn's write got here first (writes run in the background)
        slots = session.get("slots") or {}
        record = {
            **old,
            "id": cid,
            "channel": caller.channel or session.get("channel", "chat"),
            "started_at": old.get("started_at") or session.get("created_at") or self.clock(),
            "updated_at": session.get("updated_at") or self.clock(),
            "caller": caller.phone or old.get("caller"),
            "order_id": session.get("order_id") or old.get("order_id"),
            "topic": session.get("first_request") or old.get("topic"),
            "kb_given": session.get("kb_given") or [],
            "outcome": _kept_outcome(outcome_of(session, outcome), old, outcome),
            "reason": slots.get("transfer_reason") or slots.get("handover_refused") or old.get("reason"),
            "queue": (outcome.transfer.queue if outcome and outcome.transfer else None) or old.get("queue"),
            "transcript": _with_live_chat([{"role": r, "text": t} for r, t in session.get("history") or []], old),
        }
        record.setdefault("notes", [])
        record.setdefault("rating", None)
        await self._write(record)

    async def handoff_ended(self, cid: str, ended: str, messages: Sequence[Mapping[str, Any]]) -> bool:
        """A hand-off ended (``completed``, ``abandoned``: the customer left the queue, ``callback`` or
        ``voicemail``: a caller chose one instead of waiting; ``HANDOFF_ENDINGS``): the live
        chat's messages (masked, as ``telephony.chat.store`` keeps them, which expires them with the
        transfer) go into the transcript after the bot's part, and a chat left in the queue reads so. False
        when the conversation is not (or no longer) kept."""
        record = await self.get(cid)
        if record is None:
            return False
        live = [{"role": m.get("from"), "text": m.get("text"), "agent": m.get("agent")} for m in messages]
        record["transcript"] = [*record.get("transcript", []), *(line for line in live if line["role"] in LIVE)]
        if ended in HANDOFF_ENDINGS:
            record["outcome"] = HANDOFF_ENDINGS[ended]
        await self._write(record)
        return True

    async def add_note(
        self,
        cid: str,
        agent_id: str,
        outcome: str,
        note: str = "",
        queue: str | None = None,
        transfer_id: str | None = None,
    ) -> bool:
        """An agent's wrap-up (outcome and note) on the conversation; False when it is not (or no longer) kept.
        ``transfer_id``: the hand-off it closes, which has one outcome: a note of it already kept is replaced (a
        wrap-up retried after Redis died under it had written its note, and wrote a second one)."""
        record = await self.get(cid)
        if record is None:
            return False
        entry = {"agent": agent_id, "outcome": outcome, "note": note, "at": self.clock()}
        kept = record.get("notes", [])
        if transfer_id is not None:
            entry["transfer_id"] = transfer_id
            kept = [n for n in kept if n.get("transfer_id") != transfer_id]
        record["notes"] = [*kept, entry][-NOTES_MAX:]
        record["queue"] = record.get("queue") or queue
        await self._write(record)
        return True

    async def set_rating(self, conversation_id: str, score: int) -> bool:
        """The customer's rating 1..5 (the CSAT survey); False when the conversation is not kept."""
        if not 1 <= int(score) <= 5:
            raise ValueError(f"a rating is 1..5, not {score!r}")
        record = await self.get(conversation_id)
        if record is None:
            return False
        record["rating"] = int(score)
        await self._write(record)
        return True

    async def _write(self, record: dict[str, Any]) -> None:
        cid, at = record["id"], float(record["started_at"])
        ttl = max(1, int(at + self.keep_s - self.clock()))
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.set(self._rec(cid), json.dumps(record, ensure_ascii=False), ex=ttl)
            pipe.zadd(self._k("by-time"), {cid: at})
            if digits := caller_digits(record.get("caller")):
                pipe.zadd(self._k(f"caller:{digits}"), {cid: at})
                pipe.expire(self._k(f"caller:{digits}"), ttl)
            if order := record.get("order_id"):
                pipe.zadd(self._k(f"order:{order}"), {cid: at})
                pipe.expire(self._k(f"order:{order}"), ttl)
            pipe.zcard(self._k("by-time"))
            *_, count = await pipe.execute()
        if int(count) > self.max_items:
            await self._trim(int(count) - self.max_items)

    async def _trim(self, overflow: int) -> None:
        oldest = [str(c) for c in await self.redis.zrange(self._k("by-time"), 0, overflow - 1)]
        if oldest:
            await self.redis.delete(*(self._rec(c) for c in oldest))
            await self.redis.zrem(self._k("by-time"), *oldest)

    # --- reading ------------------------------------------------------------------------------------------
    async def get(self, cid: str) -> dict[str, Any] | None:
        raw = await self.redis.get(self._rec(cid))
        return None if raw is None else dict(json.loads(raw))

    async def search(
        self,
        *,
        caller: str | None = None,
        order: str | None = None,
        start: float | None = None,
        end: float | None = None,
        queues: Iterable[str] | None = None,
        limit: int = 50,
    ) -> list[dict[str, Any]]:
        """Newest first. ``queues``: only conversations handed to one of them (None: all, a supervisor)."""
        index = "by-time"
        if caller and (digits := caller_digits(caller)):
            index = f"caller:{digits}"
        elif caller:
            return []
        if order:
            index = f"order:{order.strip()}"
        ids = await self.redis.zrevrangebyscore(
            self._k(index), "+inf" if end is None else end, "-inf" if start is None else start, start=0, num=limit * 4
        )
        records = await self._many([str(i) for i in ids])
        allowed = None if queues is None else set(queues)
        out = [
            r
            for r in records
            if (not caller or caller_digits(r.get("caller")) == caller_digits(caller))
            and (not order or r.get("order_id") == order.strip())
            and (allowed is None or r.get("queue") in allowed)
        ]
        return out[:limit]

    async def earlier(self, caller: str | None, exclude: str | None = None, limit: int = 5) -> list[dict[str, Any]]:
        """The caller's earlier conversations, newest first (the incoming-transfer card)."""
        if not caller_digits(caller):
            return []
        rows = await self.search(caller=caller, limit=limit + 1)
        return [r for r in rows if r["id"] != exclude][:limit]

    async def _many(self, ids: Sequence[str]) -> list[dict[str, Any]]:
        if not ids:
            return []
        raws = await self.redis.mget([self._rec(i) for i in ids])
        return [json.loads(raw) for raw in raws if raw is not None]

    # --- retention ----------------------------------------------------------------------------------------
    async def purge(self, before: float, dry_run: bool = False) -> list[str]:
        """Conversations started before ``before`` (and index entries whose record expired): their ids."""
        old = [str(c) for c in await self.redis.zrangebyscore(self._k("by-time"), "-inf", f"({before}")]
        if dry_run or not old:
            return old
        await self.redis.delete(*(self._rec(c) for c in old))
        await self.redis.zrem(self._k("by-time"), *old)
        async for key in self.redis.scan_iter(match=self._k("caller:*"), count=500):
            await self.redis.zremrangebyscore(key, "-inf", f"({before}")
        async for key in self.redis.scan_iter(match=self._k("order:*"), count=500):
            await self.redis.zremrangebyscore(key, "-inf", f"({before}")
        return old


async def rate_call(store: KeyValueStore, history: HistoryStore, call_sid: str, score: int) -> bool:
    """The phone survey's rating onto the call's conversation. The history is keyed by the session the
    dialog engine opened, which the call's saved transcript names (``record_key``); the call record's
    ``session_id`` is only the id offered at ``/twilio/voice``, which the engine replaces with a fresh
    one, so on its own it lost every phone rating. It stays the fallback when no transcript was kept."""
    for key in (record_key(call_sid), call_key(call_sid)):
        record = await store.get(key)
        session_id = record.get("session_id") if record else None
        if session_id and await history.set_rating(str(session_id), score):
            return True
    return False
