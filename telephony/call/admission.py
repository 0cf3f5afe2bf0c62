"""Admission control: take a new call only while this process can still answer it quickly.

Why: past its capacity a gateway answers *everyone* slowly (ASR and TTS queue up, every caller waits
seconds per turn). Refusing the call that would cross the line, with a polite "all lines are busy" and
the human queue, keeps the calls in progress fast. The limit is the measured capacity of the machine
(``infolinia bench calls``, docs/benchmarks.md) divided by the workers on it.

A call is admitted by the voice webhook and starts when its media stream arrives a second later, maybe
on another worker. So the webhook takes a *reservation* that the stream turns into an active call; a
reservation whose stream never came (or went to another worker) expires after ``reserve_s``. The
webhook holds its reservation (``admit`` returns it) so that, failing, it gives back its own and no other,
and names its CallSid as the owner, so that the call's stream takes that one (each of these is a
compare-and-delete on one reservation; the event loop makes it atomic).

Draining (graceful shutdown): ``drain()`` refuses every new call, while calls in progress go on; those
still going at the end of the grace are handed to the fallback number and noted (``hand_over``), so that
the ``stop`` Twilio sends them is not taken for the caller hanging up (a call the bot contained).

Pure: no I/O, the clock is injected; one instance per process, used from the event loop only.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(eq=False)
class Reservation:
    """One admitted call's line, promised to its stream until ``expires`` (compared by identity: each is one
    webhook's, whatever its expiry). ``owner``: the CallSid of the webhook that took it (None: the playground,
    which starts on the reservation itself): that call's stream takes this one and no other."""

    expires: float
    owner: str | None = None


class Admission:
    """A concurrent-call limiter with webhook reservations and a draining switch."""

    def __init__(self, max_calls: int, *, reserve_s: float = 15.0, clock: Callable[[], float] = time.monotonic) -> None:
        """``max_calls`` 0 = unlimited (admission control off; draining still works)."""
        if max_calls < 0:
            raise ValueError("max_calls must be >= 0")
        self.max_calls, self.reserve_s, self.clock = max_calls, reserve_s, clock
        self._reserved: deque[Reservation] = deque()  # oldest (first to expire) first
        self._active: set[str] = set()
        self._local: set[str] = set()  # in progress but no phone call (the playground): nothing to hand over
        self._handed: set[str] = set()  # handed to the fallback number by the drain (their stop is ours)
        self.draining = False
        self.refused = 0

    @property
    def active(self) -> int:
        return len(self._active)

    @property
    def active_calls(self) -> list[str]:
        """Call ids in progress (graceful shutdown hands the rest to the fallback number)."""
        return sorted(self._active - self._local)

    @property
    def reserved(self) -> int:
        self._expire()
        return len(self._reserved)

    def admit(self, owner: str | None = None) -> Reservation | None:
        """Webhook: the reservation held for the call's stream (answer the call), or None (refuse it);
        ``owner``: the call's CallSid, so its stream takes this reservation when it starts here."""
        self._expire()
        full = self.max_calls > 0 and len(self._active) + len(self._reserved) >= self.max_calls
        if self.draining or full:
            self.refused += 1
            return None
        reservation = Reservation(self.clock() + self.reserve_s, owner)
        self._reserved.append(reservation)
        return reservation

    def release(self, reservation: Reservation) -> None:
        """Give back ``reservation``: the webhook that took it failed (its caller got the fallback TwiML, no
        stream will come). Compare-and-delete: this very reservation goes while it is still held, nothing
        else ever. Expired, or taken by a stream: nothing. Before, a reservation a stream had taken freed the
        newest one left, even after its own expiry: a newer webhook's line, whose stream then found none."""
        self._expire()
        if reservation in self._reserved:
            self._reserved.remove(reservation)

    def forgo(self, call_id: str) -> None:
        """The call owning a reservation here will not start (its stream sent no ``start`` and the call was
        handed over): that reservation goes now instead of after ``reserve_s``; nothing else does."""
        self._expire()
        own = next((r for r in self._reserved if r.owner == call_id), None)
        if own is not None:
            self._reserved.remove(own)

    def started(self, call_id: str, *, phone: bool = True, reservation: Reservation | None = None) -> None:
        """The call's stream started here: the reservation its webhook took becomes the call (``reservation``
        when the caller holds its own, as the playground does, else the one ``call_id`` owns). A stream whose
        webhook another worker answered (or whose reservation expired) owns none here: it takes the oldest
        reservation, another call's, whose line it now uses (that call's stream does the same in turn).

        A stream always starts, even over the limit: its caller was already answered (by some worker).
        ``phone=False``: a browser's talk with the same pipeline (the playground), counted against the
        limit like a call (it costs the same CPU) but never in ``active_calls`` (no caller to hand over)."""
        self._expire()
        own = reservation or next((r for r in self._reserved if r.owner == call_id), None)
        if own is not None:  # its own; one that expired (or was given back) holds no line to take
            if own in self._reserved:
                self._reserved.remove(own)
        elif self._reserved:
            self._reserved.popleft()
        self._active.add(call_id)
        if not phone:
            self._local.add(call_id)

    def ended(self, call_id: str) -> None:
        self._active.discard(call_id)
        self._local.discard(call_id)
        self._handed.discard(call_id)

    def hand_over(self, call_ids: list[str]) -> None:
        """The drain is moving these calls to the fallback number (before its REST request: Twilio may stop
        the stream before the request returns)."""
        self._handed.update(call_ids)

    def handed_over(self, call_id: str) -> bool:
        """Whether the drain moved this call away: its stream's end is the gateway's, not the caller's."""
        return call_id in self._handed

    def drain(self) -> None:
        """Take no new calls from now on (the calls in progress continue)."""
        self.draining = True

    @property
    def idle(self) -> bool:
        """Nothing in progress and nothing promised: a draining worker may stop."""
        return not self._active and self.reserved == 0

    def _expire(self) -> None:
        now = self.clock()
        while self._reserved and self._reserved[0].expires <= now:
            self._reserved.popleft()
