"""Callback requests ("please call me back"): from phone transfers and from smart speakers.

Agents list them, one agent claims one (exactly one wins, whatever the number of workers and
browsers), calls the customer and closes it with an outcome; a caller's voicemail is attached to the
same record. A try that did not reach the customer (``no_answer``) is not an ending: the callback goes
back to the pending list with ``failed_attempts`` counted and ``retry_after`` set (``Retries.gap_s`` later:
a customer who did not pick up now is unlikely to a minute later, so the list offers callbacks that are due
first), and only the ``max_attempts``-th such try closes it, as ``unreachable``. A claimed callback can be
handed back (``release``) by its holder or a supervisor.

What every callback book shares lives here: the statuses and outcomes, ``Retries``, ``ClaimResult``, the
``CallbackBook`` port and the record helpers (masking, ordering, the record made from a phone transfer).
Two implementations of ``CallbackBook``:

- ``RedisCallbacks`` (``callbacks_redis.py``, the real one): a hash per callback and a sorted set per
  status; claim, close and release are Lua compare-and-set scripts, atomic in Redis, whatever the number of
  workers. Voicemails are also listed in ``voicemails``, the list ``infolinia purge`` works through.
- ``StoreCallbacks`` (``callbacks_store.py``): the same on the ``KeyValueStore`` port (``callback:<id>``
  JSON and a ``callback:pending`` id list), for a single worker without Redis (speaker-only setups); its
  claim is atomic within that one process only.
"""

from __future__ import annotations

import builtins
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal, Protocol

from dialog.pii import mask, mask_transcript
from telephony.agents.caller_id import dialable, withheld

CallbackStatus = Literal["pending", "claimed", "closed"]
NO_ANSWER = "no_answer"  # a try that did not reach the customer: back to the list for another one
UNREACHABLE = "unreachable"  # the outcome of the ``max_attempts``-th try nobody answered
WRONG_NUMBER = "wrong_number"
NOT_REACHED = frozenset({NO_ANSWER, UNREACHABLE, WRONG_NUMBER})  # every other outcome: the customer was reached
MAX_ATTEMPTS = 3
RETRY_GAP_S = 3600
STATUSES: tuple[CallbackStatus, ...] = ("pending", "claimed", "closed")
VOICEMAILS_KEY = "voicemails"


@dataclass(frozen=True)
class ClaimResult:
    """``won``: the change was made (claimed, closed, put back). Otherwise ``reason``: taken | unknown |
    not_yours | not_claimed."""

    won: bool
    record: dict[str, Any] | None
    reason: str = ""


@dataclass(frozen=True)
class Retries:
    """Tries at a callback nobody answers: ``max_attempts`` in all, each next one ``gap_s`` after the last."""

    max_attempts: int = MAX_ATTEMPTS
    gap_s: float = RETRY_GAP_S

    def retry_after(self, now: float) -> str:
        return iso_now(lambda: now + self.gap_s)


DEFAULT_RETRIES = Retries()


def due_first(records: builtins.list[dict[str, Any]], now: float) -> builtins.list[dict[str, Any]]:
    """Pending callbacks in the order agents should work them: those due now (oldest first), then those
    waiting for their next try (soonest first)."""

    def waits_until(record: dict[str, Any]) -> float:
        after = record.get("retry_after")
        return epoch_of(after) if after else 0.0

    due = [r for r in records if waits_until(r) <= now]
    later = sorted((r for r in records if waits_until(r) > now), key=waits_until)
    return due + later


def iso_now(clock: Callable[[], float] = time.time) -> str:
    return datetime.fromtimestamp(clock(), UTC).isoformat(timespec="seconds")


def epoch_of(iso: str | None) -> float:
    try:
        return datetime.fromisoformat(iso or "").timestamp()
    except ValueError:
        return time.time()


def masked(record: dict[str, Any]) -> dict[str, Any]:
    """A callback request as stored and shown to agents: summary and transcript with personal data masked
    (``dialog.pii``); the number to call back (``phone``) and the order id stay."""
    keep = (record.get("order_id"),)
    out = dict(record)
    if isinstance(out.get("summary"), str):
        out["summary"] = mask(out["summary"], keep)
    if isinstance(out.get("transcript"), list):
        out["transcript"] = mask_transcript([e for e in out["transcript"] if isinstance(e, dict)], keep)
    return out


def callback_from_transfer(transfer: Any, *, callback_id: str, created_at: str) -> dict[str, Any]:
    """The callback record for a phone caller (``transfer``: a ``TransferRecord``): number, summary and
    transcript travel with it so the agent calling back knows everything. A withheld caller ID is no number
    (``phone`` None, ``phone_withheld``): the agent finds the number in the voicemail, not a dead "anonymous"."""
    return {
        "id": callback_id,
        "queue": transfer.queue,
        "reason": transfer.reason,
        "priority": transfer.priority,
        "summary": transfer.summary,
        "phone": dialable(transfer.caller),
        "phone_withheld": withheld(transfer.caller),
        "created_at": created_at,
        "session_id": transfer.session_id,
        "conversation_id": None,
        "channel": "phone",
        "status": "pending",
        "transfer_id": transfer.tid,
        "order_id": transfer.order_id,
        "transcript": list(transfer.transcript),
    }


class CallbackBook(Protocol):
    """Where callback requests live. Records are dicts with at least id, queue, phone, summary,
    created_at (ISO 8601) and status."""

    async def add(self, record: dict[str, Any]) -> str: ...

    async def get(self, callback_id: str) -> dict[str, Any] | None: ...

    async def list(self, status: CallbackStatus = "pending", limit: int = 200) -> builtins.list[dict[str, Any]]: ...

    async def pending(self) -> builtins.list[dict[str, Any]]: ...

    async def claim(self, callback_id: str, agent_id: str) -> ClaimResult: ...

    async def close(self, callback_id: str, agent_id: str, outcome: str) -> ClaimResult:
        """Closed with ``outcome``; ``no_answer`` before the last try: pending again (``record["status"]``)."""
        ...

    async def release(self, callback_id: str, agent_id: str, *, anyone: bool = False) -> ClaimResult:
        """Claimed -> pending, by its holder (``anyone``: by whoever asks, a supervisor)."""
        ...

    async def attach_voicemail(self, callback_id: str, recording_url: str, duration_s: float | None = None) -> bool: ...
