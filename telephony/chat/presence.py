"""Is the customer of a waiting chat hand-off still there? Their widget's event stream and their messages say so.

Why: a web-chat customer who closes the tab while waiting for an agent says nothing (a browser sends no
goodbye we could trust: a reload fires the same ``pagehide``). The hand-off then waited until its record
expired (two days): the supervisor's "Czekają na konsultanta" counted it, "Porzucone w kolejce" stayed 0, and
an agent could accept a chat nobody was at. So each sign of the customer stamps ``customer_seen_at`` on the
hand-off's record in Redis (any worker reads it): their stream while it is open (each tick, at most every
``SEEN_EVERY_S`` per worker, so not a write per event; at once when a stream (re)connects), their poll, their
messages. The chat sweep (``ChatHandoff.expire_offers``, every worker) ends a wait whose customer has not been
seen for ``gone_after_s`` (``INFOLINIA_CHAT_GONE_AFTER_S``) as abandoned, as a caller who hangs up in the queue.

The grace must outlast the stream's own silences: an open stream stamps at least every keep-alive (15 s) plus
``SEEN_EVERY_S``, and a dropped one (a network blip, a reload) reconnects within seconds (``retry: 3000``): the
setting's floor (60 s) keeps a present customer from being ended. A page may say it went (the widget's beacon on
``pagehide``, ``POST /v1/chat/{id}/left``): a reload says so too, so that only shortens the grace
(``LEFT_GRACE_S``), and the reloaded page's stream, stamping at once, cancels it.

Nor is a silence of ours one of theirs: after a worker starts, or its chat watch lost Redis, it ends nobody's
wait until a whole grace has passed (``since``). And a customer no worker that stamps has ever seen (no
``customer_seen_at`` at all) is never ended for it: during a rolling update their stream may be open on a worker
of the release before, which stamps nothing, for longer than any grace (each pod of the rollout waits for the next
to load its models), and the start guard alone ended every such customer still there.
"""

from __future__ import annotations

from telephony.transfer.record import TransferRecord

SEEN_EVERY_S = 15.0  # one worker stamps one hand-off at most this often (a new stream at once)
# The grace once the page said it went (``POST /v1/chat/{id}/left``, the widget's beacon on ``pagehide``): a reload
# says so too, and its new stream stamps at once, then within 15 s; a shorter grace could end a reloaded page.
LEFT_GRACE_S = 45.0
WAITING = frozenset({"waiting", "ringing"})  # the customer waits for an agent (offered to one or not)
WATCHED = WAITING | {"connected"}  # the customer is stamped: waiting (ended when gone) or talking (shown away)
_MAX_TRACKED = 10_000  # hand-offs whose last stamp one worker remembers; older entries are dropped past it


def last_seen(record: TransferRecord) -> float:
    """When the customer was last seen: their latest stamp, else when the chat was queued (they were there)."""
    seen = getattr(record, "customer_seen_at", None)
    return float(seen) if isinstance(seen, int | float) else record.enqueued_at


def said_left(record: TransferRecord) -> float | None:
    """When the page said it went (``customer_left_at``), unless the customer was seen since (a reload's stream)."""
    left = getattr(record, "customer_left_at", None)
    return float(left) if isinstance(left, int | float) and left >= last_seen(record) else None


def last_sign(record: TransferRecord) -> float:
    """The customer's latest sign: their page's word that it went when it came after their last stamp (a stream
    stamps every 15 to 30 s, the word comes as the tab closes), else their last stamp: where a wait ended."""
    left = said_left(record)
    return last_seen(record) if left is None else left


def is_gone(record: TransferRecord, now: float, gone_after_s: float, since: float = 0.0) -> bool:
    """A chat waiting for an agent whose customer, once seen, has not been for longer than the grace (``LEFT_GRACE_S``
    from the page's word that it went, when that is the latest). ``since``: when this worker could last start
    seeing them (its start, the end of a Redis outage: their stream could stamp nothing meanwhile), so a
    customer is never ended for a silence that was ours."""
    if not isinstance(getattr(record, "customer_seen_at", None), int | float):
        return False  # never seen by a worker that stamps: their stream may be on an older one (module docstring)
    left = said_left(record)
    grace_s = gone_after_s if left is None else min(gone_after_s, LEFT_GRACE_S)
    unseen_s = now - max(last_seen(record) if left is None else left, since)
    return record.channel == "chat" and record.status in WAITING and unseen_s > grace_s


def seen_connected(record: TransferRecord) -> bool:
    """Whether the customer was stamped since their chat connected (``customer_seen_at >= connected_at``)."""
    seen, connected = getattr(record, "customer_seen_at", None), record.connected_at
    return isinstance(seen, int | float) and isinstance(connected, int | float) and seen >= connected


def away(record: TransferRecord) -> bool:
    """Whether the agent's chat shows its customer as no longer there (``customer_away_at``, set by ``is_away``)."""
    return isinstance(getattr(record, "customer_away_at", None), int | float)


def is_away(record: TransferRecord, now: float, gone_after_s: float, since: float = 0.0) -> bool:
    """A chat connected to an agent whose customer, once seen, has not been for longer than the grace, and is not
    shown as away yet. Never ended for it (the agent decides: the customer may be reading, or come back): the
    agent's chat says so. The same guards as ``is_gone``: ``since`` (a silence of this worker's), and only a
    customer stamped since the chat connected is judged: the release before this one stamps a waiting customer
    but not a connected one, so during a rolling update their stream there leaves only the stamp of their wait."""
    if not seen_connected(record) or away(record):
        return False
    unseen_s = now - max(last_seen(record), since)
    return record.channel == "chat" and record.status == "connected" and unseen_s > gone_after_s


class SeenStamps:
    """When this worker last stamped each hand-off: a stamp is due after ``every_s``, or at once (``force``)."""

    def __init__(self, every_s: float = SEEN_EVERY_S) -> None:
        self.every_s = every_s
        self._last: dict[str, float] = {}

    def due(self, tid: str, now: float, *, force: bool = False) -> bool:
        """Whether to stamp ``tid`` now (and, if so, taken as stamped at ``now``)."""
        last = self._last.get(tid)
        if not force and last is not None and 0 <= now - last < self.every_s:
            return False
        if len(self._last) >= _MAX_TRACKED:
            self._forget_before(now - self.every_s)
        self._last[tid] = now
        return True

    def _forget_before(self, cutoff: float) -> None:
        """Drop the stamps no throttle needs any more (older than ``every_s``); all of them if none is."""
        stale = [tid for tid, at in self._last.items() if at < cutoff]
        for tid in stale or list(self._last):
            del self._last[tid]
