"""Per-turn timestamps of a phone call: where the caller's waiting time goes.

Why: phone bots are judged by the gap between the caller's last word and the bot's first sound
(lessons.md: 1.4 s median is common, humans leave ~200 ms). Each stage is stamped on one clock so
p50/p95 per stage can be computed from the call records, and so a regression shows *which* stage grew.

All stamps come from the call's clock (``time.monotonic`` in production). ``speech_end`` is
back-dated from the moment the turn detector fired by the silence it needed to decide, so the
latency includes the end-of-turn wait the caller actually experiences.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

STAGES = (
    "speech_end",
    "turn_detected",
    "transcript_ready",
    "dialog_decided",
    "first_audio_sent",
    "first_mark",
)


@dataclass
class TurnTiming:
    """One caller turn, from end of speech to the bot's first audio having been played."""

    turn: int
    speech_end: float | None = None  # caller stopped speaking (back-dated, call clock)
    turn_detected: float | None = None  # the detector decided the turn was over
    transcript_ready: float | None = None
    dialog_decided: float | None = None
    first_audio_sent: float | None = None  # first bot frame handed to the channel
    first_mark: float | None = None  # the mark after the first bot segment came back (segment played)
    speculative: bool = False  # the transcript came from the speculative (early) recognition
    source: str = "speech"  # speech | dtmf | silence
    text: str = ""
    action: str = ""
    asr_s: float | None = None  # recognizer processing time (excludes queueing)
    extra: dict[str, Any] = field(default_factory=dict)

    def stamp(self, stage: str, at: float) -> None:
        """Record a stage once; later stamps for the same stage are ignored (first occurrence counts)."""
        if stage not in STAGES:
            raise ValueError(f"unknown stage {stage!r}")
        if getattr(self, stage) is None:
            setattr(self, stage, at)

    @property
    def latency_s(self) -> float | None:
        """Caller speech end -> first bot audio sent: the response latency the caller hears."""
        if self.speech_end is None or self.first_audio_sent is None:
            return None
        return self.first_audio_sent - self.speech_end

    def breakdown_ms(self) -> dict[str, float | None]:
        """Each stage relative to ``speech_end`` in milliseconds (None when the stage never happened)."""
        base = self.speech_end
        out: dict[str, float | None] = {}
        for stage in STAGES[1:]:
            at = getattr(self, stage)
            out[stage] = None if at is None or base is None else round((at - base) * 1000.0, 1)
        return out

    def summary(self) -> str:
        """One log line: where this turn's wait went, in ms after the caller stopped speaking."""
        stages = " ".join(f"{k}={v:.0f}" for k, v in self.breakdown_ms().items() if v is not None)
        asr = f" asr={self.asr_s * 1000:.0f}" if self.asr_s is not None else ""
        spec = " speculative" if self.speculative else ""
        return f"turn {self.turn} ({self.source}{spec}): {stages}{asr} ms"

    def to_dict(self, origin: float = 0.0) -> dict[str, Any]:
        """JSON-able record; absolute stamps are made relative to ``origin`` (the call start)."""
        data = asdict(self)
        for stage in STAGES:
            if data[stage] is not None:
                data[stage] = round(data[stage] - origin, 4)
        data["latency_ms"] = None if self.latency_s is None else round(self.latency_s * 1000.0, 1)
        data["breakdown_ms"] = self.breakdown_ms()
        return data


@dataclass
class TurnLog:
    """All turns of one call, in order."""

    origin: float  # call start on the call clock
    turns: list[TurnTiming] = field(default_factory=list)

    def new(self, source: str = "speech") -> TurnTiming:
        timing = TurnTiming(turn=len(self.turns) + 1, source=source)
        self.turns.append(timing)
        return timing

    def spoken(self, detected: float, ended_ago: float) -> TurnTiming:
        """A speech turn detected at ``detected`` (call clock), its speech having ended ``ended_ago`` seconds
        of caller audio before (the turn detector runs on media time)."""
        timing = self.new("speech")
        timing.stamp("turn_detected", detected)
        timing.stamp("speech_end", detected - ended_ago)
        return timing

    def typed(self, at: float) -> TurnTiming:
        """A DTMF turn: complete (and "transcribed") the moment the deciding key is pressed."""
        timing = self.new("dtmf")
        for stage in ("speech_end", "turn_detected", "transcript_ready"):
            timing.stamp(stage, at)
        return timing

    def mark_played(self, turn: int, at: float) -> None:
        """A bot segment of ``turn`` finished playing: the first one stamps ``first_mark``."""
        for timing in reversed(self.turns):
            if timing.turn == turn:
                timing.stamp("first_mark", at)
                return

    def to_list(self) -> list[dict[str, Any]]:
        return [t.to_dict(self.origin) for t in self.turns]
