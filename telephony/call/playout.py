"""Outbound audio of a call: pacing, marks, and the transcript of what the caller actually heard.

Why pace: the far end (Twilio) buffers whatever we send and plays it in order. Sending a whole reply at
once would make ``clear`` the only way to stop it and would hide how far playback has got. So audio is
sent in whole 20 ms frames, never more than ``max_lead_s`` ahead of a playout clock that models the far end
playing 8000 samples/s from the moment the first frame arrives. The lead is what the caller's audio
survives of a busy event loop (``INFOLINIA_PLAYOUT_LEAD_S``, docs/benchmarks.md "bench pace"); it costs
nothing at barge-in, where ``clear`` drops whatever is queued, and the heard transcript follows the
playout clock, not what was sent.

Why marks: after each spoken segment (a sentence) a ``mark`` is sent; the far end returns it when the
audio before it has *finished playing*. A segment whose mark came back before we sent ``clear`` was
heard; a segment still outstanding at ``clear`` (barge-in) was interrupted, and only the part the
playout clock says had played is recorded as heard. Marks echoed back after a ``clear`` are ignored.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from dialog.ports import Hypothesis
from telephony.ports import AudioChannel
from voice.ports import PCM
from voice.sentences import split_sentences

RATE = 8000
# How far outbound audio may run ahead of the far end's playback, unless the operator sets it
# (INFOLINIA_PLAYOUT_LEAD_S): measured against a burst of 2,000 webhooks (docs/benchmarks.md, "bench pace")
PLAYOUT_LEAD_S = 2.0
Status = Literal["speaking", "queued", "heard", "interrupted", "unsent"]


@dataclass
class Segment:
    """One spoken sentence of the bot, and how much of it reached the caller."""

    id: str  # also the mark name: short so the simulator can print it
    text: str
    turn: int
    status: Status = "unsent"
    samples: int = 0  # audio sent so far
    rendered: int = 0  # audio handed to the sender, sent or not: a cut segment's words spread over all of it
    play_start: float | None = None  # playout clock: when its first sample plays (estimated)
    heard_s: float = 0.0

    @property
    def duration_s(self) -> float:
        """The segment's audio as far as it is known (a long prompt is paced out long after it is rendered)."""
        return max(self.samples, self.rendered) / RATE

    def heard_text(self) -> str:
        """The words heard: all of them, or for an interrupted segment the played fraction of them."""
        if self.status == "heard":
            return self.text
        if self.duration_s <= 0 or self.heard_s <= 0:
            return ""
        words = self.text.split()
        return " ".join(words[: int(len(words) * min(1.0, self.heard_s / self.duration_s))])

    def to_dict(self) -> dict[str, Any]:
        return {
            "role": "bot",
            "id": self.id,
            "turn": self.turn,
            "text": self.text,
            "status": self.status,
            "heard": self.heard_text(),
            "duration_s": round(self.duration_s, 3),
            "heard_s": round(self.heard_s if self.status != "heard" else self.duration_s, 3),
        }


@dataclass
class HeardTranscript:
    """The call as the caller experienced it: their turns, and each bot segment with what was heard."""

    entries: list[dict[str, Any] | Segment] = field(default_factory=list)
    _count: int = 0

    def caller(self, turn: int, text: str, source: str, confidence: float) -> dict[str, Any]:
        """The caller's words, recorded before the dialog decides (a hang-up or barge-in may cut it short)."""
        entry = {"role": "caller", "turn": turn, "text": text, "source": source, "confidence": round(confidence, 3)}
        self.entries.append(entry)
        return entry

    @staticmethod
    def reword(entry: dict[str, Any], heard: str, said: Sequence[Hypothesis]) -> None:
        """The dialog went ahead with another wording of the n-best (``Outcome.heard``): the entry shows it."""
        if heard and heard != entry["text"]:
            confidence = next((h.confidence for h in said if h.text.strip() == heard), entry["confidence"])
            entry.update(text=heard, confidence=round(confidence, 3))

    def bot(self, text: str, turn: int, whole: bool = False) -> list[Segment]:
        """New segments for a bot reply: one per sentence, or one for a ``whole`` (cached) prompt."""
        segments = []
        for sentence in [text] if whole else split_sentences(text):
            self._count += 1
            segments.append(Segment(f"t{turn}-{self._count}", sentence, turn))
        self.entries.extend(segments)
        return segments

    def to_list(self) -> list[dict[str, Any]]:
        return [e.to_dict() if isinstance(e, Segment) else dict(e) for e in self.entries]


@dataclass
class Playout:
    """Paced sender over an AudioChannel, with the mark bookkeeping of every segment it spoke."""

    channel: AudioChannel
    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep
    frame_ms: int = 20
    max_lead_s: float = PLAYOUT_LEAD_S
    segments: list[Segment] = field(default_factory=list)  # every bot segment, in order
    _pending: dict[str, Segment] = field(default_factory=dict)  # mark sent, not yet returned
    _speaking: Segment | None = None
    _play_end: float = 0.0  # playout clock: when everything sent so far will have played
    idle_since: float | None = None  # when the last outstanding mark came back
    line_gone: bool = False  # the call ended: nothing will play or come back any more
    _played: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def busy(self) -> bool:
        """The bot is talking: a segment is being sent, or sent audio hasn't been confirmed played."""
        return self._speaking is not None or bool(self._pending)

    def lead_s(self) -> float:
        """How far sent audio is ahead of the far end's playback right now."""
        return max(0.0, self._play_end - self.clock())

    def begin(self, seg: Segment) -> None:
        seg.status = "speaking"
        self.segments.append(seg)
        self._speaking = seg
        self.idle_since = None

    async def send(self, seg: Segment, pcm: PCM) -> float | None:
        """Send ``pcm`` for ``seg``, paced; returns the clock time its first audio was sent.

        Each message carries everything the lead allows at that moment, in whole frames: one frame at a time
        while the loop keeps up, the lead's worth at once at the start and after the loop was away (busy with
        a webhook burst). A busy loop gives the sender a turn rarely, so a refill a frame per turn would never
        catch up and the lead would not absorb the next stall."""
        step = RATE * self.frame_ms // 1000
        first: float | None = None
        seg.rendered += len(pcm)
        i = 0
        while i < len(pcm):
            wait = self._play_end - self.clock() - self.max_lead_s
            if wait > 0:
                await self.sleep(wait)
            now = self.clock()
            start = max(now, self._play_end)  # a gap (slow TTS, a stall) means the far end idled meanwhile
            frames = int((self.max_lead_s - (start - now)) * RATE / step + 1e-9) + 1  # each begins within the lead
            chunk = np.asarray(pcm[i : i + frames * step], dtype=np.int16)
            await self.channel.send_audio(chunk)
            i += len(chunk)
            first = now if first is None else first
            if seg.play_start is None:
                seg.play_start = start
            self._play_end = start + len(chunk) / RATE
            seg.samples += len(chunk)
        return first

    async def end(self, seg: Segment) -> None:
        """Segment fully sent: send its mark; it counts as heard when the mark comes back."""
        self._speaking = None
        if seg.samples == 0:
            seg.status = "unsent"
            self._mark_idle()
            return
        seg.status = "queued"
        self._pending[seg.id] = seg
        await self.channel.send_mark(seg.id)

    def abandon(self, seg: Segment) -> None:
        """Sending stopped before the segment's end (cancelled); ``clear`` decides what was heard, or the
        playout clock when the line is already gone (no ``clear`` will come)."""
        if self._speaking is seg:
            self._speaking = None
            if self.line_gone:
                self._settle(seg, self.clock())
            elif seg.samples == 0:
                seg.status = "unsent"
            else:
                seg.status = "queued"
                self._pending[seg.id] = seg
        self._mark_idle()

    def on_mark(self, name: str) -> Segment | None:
        """A mark came back: that segment was heard in full. Unknown/stale (post-clear) names are ignored."""
        seg = self._pending.pop(name, None)
        if seg is None:
            return None
        seg.status = "heard"
        seg.heard_s = seg.duration_s
        self._mark_idle()
        return seg

    async def clear(self) -> list[Segment]:
        """Barge-in: drop everything queued at the far end; outstanding segments become interrupted."""
        now = self.clock()
        cut = [*self._pending.values()]
        if self._speaking is not None:
            cut.append(self._speaking)
            self._speaking = None
        self._pending.clear()
        if cut:  # every segment ends in a mark: with none outstanding, nothing is left to drop
            await self.channel.clear()
        for seg in cut:
            self._settle(seg, now)
        self._play_end = now
        self._mark_idle()
        return cut

    def _mark_idle(self) -> None:
        if not self.busy:
            self._played.set()
            if self.idle_since is None:
                self.idle_since = self.clock()

    async def wait_played(self, timeout_s: float) -> bool:
        """Until every mark came back (all sent audio has played) or the line is gone; False on timeout."""
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(timeout_s):
                while self.busy and not self.line_gone:
                    self._played.clear()
                    await self._played.wait()
                return True
        return False

    def _played_by_clock(self, now: float) -> None:
        """Every outstanding segment the playout clock says has finished playing counts as heard."""
        for seg in list(self._pending.values()):
            if seg.play_start is not None and seg.play_start + seg.duration_s <= now:
                self.on_mark(seg.id)

    def hang_up(self) -> None:
        """The call ended: release anyone waiting for marks. A segment the playout clock says had finished
        playing counts as heard: its mark may still have been on the wire when the caller hung up (the
        stop can overtake it in our handling), and the record must say what the caller heard. One cut
        short by the hang-up was interrupted after the part that had played, as by a barge-in."""
        now = self.clock()
        self._played_by_clock(now)
        for seg in list(self._pending.values()):
            self._pending.pop(seg.id)
            self._settle(seg, now)
        self.line_gone = True
        self._played.set()

    @staticmethod
    def _settle(seg: Segment, now: float) -> None:
        """A segment cut at ``now`` (barge-in or hang-up): interrupted after what the playout clock says played."""
        played = 0.0 if seg.play_start is None else now - seg.play_start
        seg.heard_s = min(max(0.0, played), seg.duration_s)
        seg.status = "interrupted" if seg.samples else "unsent"
