"""What a phone call needs (``CallDeps``), what a transfer gets (``CallContext``) and what a call leaves
behind (``CallReport`` and its stored record). Kept apart from ``telephony/call/loop.py`` so the call flow
reads on its own.

The call record lives under ``call:<CallSid>:transcript`` (``record_key``): the heard transcript (bot
segments with heard/interrupted status, caller turns) and the per-turn timings. It sits next to the
webhook's ``call:<CallSid>`` record (status callbacks rewrite that one, so the pipeline never does)
and names the dialog session (``session_id``) the engine keeps its own history in.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from dialog import catalogue
from dialog.pii import mask_transcript
from dialog.ports import CallerInfo, Dialog, KeyValueStore, Outcome
from telephony.call.playout import PLAYOUT_LEAD_S, RATE
from telephony.call.timing import TurnTiming
from telephony.ports import AudioChannel, CallControl
from voice.ports import EndOfTurn, Recognizer, SpeechProbability, Synthesizer
from voice.tts_cache import DiskAudioCache, PrerenderedSynthesizer
from voice.turns import TurnConfig

log = logging.getLogger(__name__)


class PromptCache(PrerenderedSynthesizer):
    """The phone's view of the one pre-render cache (``voice.tts_cache``): lookups at 8 kHz by default.

    Why: the greeting must start the moment the stream opens, the apology must play even when the
    synthesizer has just failed, and a caller waits for a reply's first sound only, so a reply whose
    first sentence is ready starts at once (the rest is synthesized while it plays). Calls speak through
    it as their synthesizer; with ``disk`` the audio survives restarts and is shared by the workers.
    """

    def __init__(self, synthesizer: Synthesizer | None, rate: int = RATE, disk: DiskAudioCache | None = None) -> None:
        super().__init__(synthesizer, rate, disk)


@dataclass(frozen=True)
class CallTexts:
    """The fixed sentences the call pipeline itself says (the dialog engine says everything else)."""

    # Read when a ``CallTexts`` is made, not when this module is imported: the composition root applies
    # the operator's prompts file (``catalogue.configure``) after the imports and before it builds calls.
    still_there: str = field(default_factory=lambda: catalogue.STILL_THERE)
    silence_goodbye: str = field(default_factory=lambda: catalogue.SILENCE_GOODBYE)
    apology: str = field(default_factory=lambda: catalogue.ERROR_TRANSFER)  # fail-safe, before the fallback number
    unavailable: str = field(default_factory=lambda: catalogue.UNAVAILABLE_APOLOGY)  # fail-safe without a number
    thread_lost: str = field(default_factory=lambda: catalogue.CALL_THREAD_LOST)  # Redis lost the session mid-call
    unbroken_sound: str = field(default_factory=lambda: catalogue.UNBROKEN_SOUND)  # before a noisy line's hand-over


@dataclass(frozen=True)
class CallContext:
    """What a transfer implementation gets: the call, its dialog session and what the caller heard."""

    call_sid: str
    stream_sid: str
    session_id: str | None
    caller: CallerInfo
    transcript: list[dict[str, Any]]
    channel: AudioChannel


TransferFn = Callable[[CallContext, Outcome], Awaitable[None]]


class CallMetrics(Protocol):
    """Where a call reports what happened (``telephony.metrics.Metrics``); optional."""

    def call_started(self) -> None: ...

    def call_ended(self, report: CallReport) -> None: ...

    def barge_in(self) -> None: ...

    def transfer(self, reason: str, queue: str) -> None: ...


def count_transfer(metrics: CallMetrics | None, outcome: Outcome) -> None:
    """A transfer the dialog decided, counted by its reason and queue ("unknown"/"default" if it has none)."""
    if metrics is not None:
        t = outcome.transfer
        metrics.transfer(t.reason if t else "unknown", t.queue if t else "default")


@dataclass
class CallDeps:
    """Everything a call needs, built once per process (models and prompt audio are shared by calls)."""

    recognizer: Recognizer
    synthesizer: Synthesizer
    dialog: Dialog
    vad_factory: Callable[[], SpeechProbability]  # a fresh per-call detector, e.g. SileroModel.detector(8000)
    call_control: CallControl
    store: KeyValueStore
    fallback_number: str
    turn_config: TurnConfig = field(default_factory=TurnConfig)
    transfer: TransferFn | None = None  # None: blind transfer to fallback_number (warm transfer plugs in here)
    texts: CallTexts = field(default_factory=CallTexts)
    prompts: PromptCache | None = None  # None: a cache over ``synthesizer``; share one across calls
    clock: Callable[[], float] = time.monotonic
    silence_prompt_s: float = 8.0  # caller silence (bot idle) before "still there?", then goodbye
    mark_timeout_s: float = 15.0  # longest wait for a goodbye/announcement to finish playing
    # No inbound frame for this long (Twilio sends one every 20 ms) = a stalled stream: apology and the fallback
    # number (telephony/call/inbound.py StreamWatch). None: never (the in-memory test line pauses on purpose).
    stream_stall_s: float | None = None
    playout_lead_s: float = PLAYOUT_LEAD_S  # how far outbound audio may run ahead of the far end's playback
    record_ttl_s: int = 7 * 24 * 3600
    metrics: CallMetrics | None = None  # Prometheus counters and latency histograms (telephony/metrics.py)
    # The bot solved the matter (``end``): what happens to the call instead of a hang-up (the survey,
    # telephony/insights/survey.py); None hangs up. Never raises: it hangs up itself when it cannot go on.
    after_solved: Callable[[str], Awaitable[None]] | None = None
    end_of_turn: EndOfTurn | None = None  # the end-of-turn model, shared by calls; needed when turn_config asks it
    # Each answered turn's timings, once its reply is sent (the browser playground shows them live).
    on_turn: Callable[[TurnTiming], None] | None = None
    dialog_turn_timeout_s: float = 8.0  # past it: apology and transfer (telephony/call/deadline.py)
    session_timeout_s: float | None = 2.0  # a session read/write longer: the call's own copy (dialog/session_keeper.py)
    # The most audio one recognition of a merged turn gets (a turn carried into the next, ``Floor``); never less
    # than one turn cut at the maximum. 30 s: Whisper's window, and what ``infolinia wyoming`` takes at most.
    max_merged_turn_s: float = 30.0
    # This many turns cut at max_turn_ms in a row (sound with no pause: a radio, a noisy line) and the bot says so
    # and hands the call over (telephony/call/unbroken.py): else the caller never got a reply nor heard a word.
    unbroken_turns: int = 2

    def __post_init__(self) -> None:
        if self.prompts is None:
            self.prompts = PromptCache(self.synthesizer)

    @property
    def prompt_cache(self) -> PromptCache:
        assert self.prompts is not None  # set in __post_init__
        return self.prompts

    async def prewarm(self, texts: Sequence[str] = ()) -> None:
        """Synthesize the fixed prompts before the first call (pass the greeting: it must not wait)."""
        t = self.texts
        # apology: the turn deadline's; thread_lost: a session Redis lost mid-call (telephony/call/resume.py)
        fixed = [t.still_there, t.silence_goodbye, t.apology, self.fail_safe_apology, t.thread_lost, t.unbroken_sound]
        await self.prompt_cache.prewarm(list(dict.fromkeys([*texts, *fixed])))

    @property
    def fail_safe_apology(self) -> str:
        """What the caller hears when the call pipeline fails: "connecting you" only with somewhere to connect."""
        return self.texts.apology if self.fallback_number else self.texts.unavailable

    async def transfer_call(self, ctx: CallContext, outcome: Outcome) -> None:
        """The pluggable transfer, or by default a blind transfer to the fallback number."""
        if self.transfer is not None:
            await self.transfer(ctx, outcome)
        else:
            await self.call_control.transfer_to_number(ctx.call_sid, self.fallback_number)


@dataclass
class CallReport:
    """How a call went. ``ended``: caller_hung_up | hung_up | transferred | fallback | fallback_twiml
    | stream_lost (the socket broke without Twilio's stop: Twilio runs the TwiML after </Connect>)
    | drained (the gateway ended it as its worker drained: a playground talk, which has no caller to hand over,
    or a phone call the drain handed to the fallback number; never counted as contained)."""

    call_sid: str
    session_id: str | None
    ended: str
    turns: list[TurnTiming]
    transcript: list[dict[str, Any]]
    errors: list[str] = field(default_factory=list)
    vad_ms_per_window: float | None = None  # measured VAD cost (runs in a worker thread)

    def record(self, origin: float) -> dict[str, Any]:
        """The JSON record stored under ``record_key(call_sid)``: the transcript with personal data masked
        (``dialog.pii``), ``saved_at`` (epoch s) for the retention purge."""
        return {
            "call_sid": self.call_sid,
            "session_id": self.session_id,
            "ended": self.ended,
            "saved_at": time.time(),
            "transcript": mask_transcript(self.transcript),
            "turns": [t.to_dict(origin) for t in self.turns],
            "errors": self.errors,
        }


def record_key(call_sid: str) -> str:
    return f"call:{call_sid}:transcript"


async def save_record(store: KeyValueStore, report: CallReport, origin: float, ttl_s: int) -> None:
    """Best effort: the record is bookkeeping, a store outage must not fail a live call over it."""
    try:
        await asyncio.wait_for(store.set(record_key(report.call_sid), report.record(origin), ttl_s), 2.0)
    except Exception as exc:
        log.warning("call %s: record not saved: %r", report.call_sid, exc)
