"""Prometheus metrics of one gateway process, and ``GET /metrics``.

Why an object with its own ``CollectorRegistry`` instead of prometheus_client's global one: each app
(and each test) gets fresh counters, two apps in one process never collide on metric names, and nothing
is created at import time.

What is measured (the series are declared in ``telephony/metric_families.py``), and where it comes from:

* per-turn stage latency (``infolinia_turn_stage_seconds{stage}``) and the total the caller hears
  (``infolinia_turn_latency_seconds``: end of speech -> first bot audio sent), from the call's
  ``TurnTiming`` stamps when the call ends;
* calls started/active/ended (``ended`` label: hung_up, caller_hung_up, transferred, fallback, drained, ...),
  and contained calls (handled by the bot alone). Containment rate in PromQL:
  ``rate(infolinia_calls_contained_total[1h]) / rate(infolinia_calls_ended_total[1h])``;
* barge-ins, transfers by reason and queue, waits in the human queue, callback offers, admission
  refusals, errors by kind, conversations whose session the store lost mid-way (``infolinia_threads_lost``);
* ASR and TTS queueing delay (time a request waited for a model slot): the capacity signal;
* process CPU and memory (``process_*``, single-process mode).

Several workers (``infolinia serve --workers N``): each process has its own registry, so a scrape would
see one worker only. ``serve`` therefore sets ``PROMETHEUS_MULTIPROC_DIR`` to an empty directory *before*
the workers start (prometheus_client picks its value storage at import) and passes the same path as
``metrics_dir``: values then live in per-process files there and ``/metrics`` on any worker sums all of
them (``calls_active`` as ``livesum``: the calls of the workers alive now). ``close()`` when a worker
stops drops its live gauges (a worker starting drops those of dead ones); its counters stay in the sum.
A ``metrics_dir`` that prometheus_client does not write to fails at start-up instead of serving an
empty ``/metrics``.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, ProcessCollector, generate_latest

from telephony.conversation_turn import ConversationTurn
from telephony.exposition import check_multiprocess_dir, forget_dead_processes, mark_process_dead, render_files
from telephony.metric_families import MetricFamilies

if TYPE_CHECKING:
    from telephony.call.deps import CallReport


# (stage label, from stamp, to stamp) over ``telephony.call.timing.STAGES``
STAGE_SPANS = (
    ("end_of_turn", "speech_end", "turn_detected"),
    ("transcript", "turn_detected", "transcript_ready"),
    ("dialog", "transcript_ready", "dialog_decided"),
    ("tts_first_audio", "dialog_decided", "first_audio_sent"),
    ("playback_start", "first_audio_sent", "first_mark"),
)
CONTAINED_ENDINGS = frozenset({"hung_up", "caller_hung_up"})  # no transfer, no fallback


class Metrics(MetricFamilies):
    """All metrics of one app. The call pipeline, transfer and recognizer/synthesizer report here."""

    def __init__(self, *, multiprocess_dir: str | os.PathLike[str] | None = None) -> None:
        self.multiprocess_dir = str(multiprocess_dir) if multiprocess_dir else None
        if self.multiprocess_dir is not None:
            check_multiprocess_dir(self.multiprocess_dir)
            forget_dead_processes(self.multiprocess_dir)
        self.registry = r = CollectorRegistry()
        if self.multiprocess_dir is None:  # ProcessCollector is not supported in multiprocess mode
            ProcessCollector(registry=r)
        super().__init__(r)

    # --- the call pipeline (telephony/call/loop.py) --------------------------------------------------
    def call_started(self) -> None:
        self.calls_started.inc()
        self.calls_active.inc()

    def call_ended(self, report: CallReport) -> None:
        """Count the call and observe every turn's stages (stamps are on one clock, so spans are exact)."""
        self.calls_active.dec()
        self.calls_ended.labels(report.ended).inc()
        if report.ended in CONTAINED_ENDINGS and not report.errors:
            self.calls_contained.inc()
        for error in report.errors:
            self.error("call:" + error.split("(", 1)[0])
        for turn in report.turns:
            self.turns.labels(turn.source, turn.action or "none").inc()
            if turn.latency_s is not None:
                self.turn_latency.labels(turn.source).observe(max(0.0, turn.latency_s))
            for name, start, end in STAGE_SPANS:
                a, b = getattr(turn, start), getattr(turn, end)
                if a is not None and b is not None:
                    self.stage.labels(name).observe(max(0.0, b - a))

    def barge_in(self) -> None:
        self.barge_ins.inc()

    def transfer(self, reason: str, queue: str) -> None:
        self.transfers.labels(reason or "unknown", queue or "none").inc()

    # --- warm transfer (telephony/transfer/warm.py) --------------------------------------------------
    def queue_waited(
        self, queue: str, outcome: str, seconds: float, agent: str | None = None, conversation: str = ""
    ) -> None:
        """How a caller's wait ended; ``conversation``: the caller's CallSid (the KPIs count it with its call)."""
        self.queue_wait.labels(queue, outcome).observe(max(0.0, seconds))

    def callback_offered(self, offer: str) -> None:
        self.callbacks.labels(offer).inc()

    def callback_offer_ended(self, outcome: str) -> None:
        self.callback_offers_ended.labels(outcome).inc()

    # --- chat hand-off (telephony/chat/handoff.py) ------------------------------------------------
    def chat_handoff(self, queue: str, result: str) -> None:
        self.chat_handoffs.labels(queue or "none", result).inc()

    def chat_handoff_ended(self, queue: str, outcome: str) -> None:
        self.chat_handoffs_ended.labels(queue or "none", outcome).inc()

    def chat_waited(
        self,
        queue: str,
        outcome: str,
        seconds: float,
        agent: str | None = None,
        conversation: str = "",
        *,
        began_ago: float | None = None,
    ) -> None:
        """How a chat's wait ended; ``conversation``: its dialog session (the KPIs count it with its chat).
        ``began_ago``: how long ago the wait began, when it ended before now (a customer gone, ended by the
        sweep later): the KPIs' hour, where the conversation's own is not known; None: ``seconds``."""
        self.chat_wait.labels(queue, outcome).observe(max(0.0, seconds))

    def chat_agent_wrote(
        self, tid: str, queue: str, seconds: float, agent: str | None = None, conversation: str = ""
    ) -> None:
        """An agent's message in a chat hand-off, ``seconds`` after the hand-off: the KPIs take the first
        one as the agent's first response (``telephony/insights/recorder.py``), counted with the chat
        (``conversation``, its dialog session); no Prometheus series."""

    # --- chat and speaker conversations (the KPIs: telephony/insights/recorder.py) --------------------
    def conversation_turn(self, turn: ConversationTurn) -> None:
        """A chat or speaker turn the bot answered (phone turns arrive in ``call_ended``)."""
        if turn.new:
            self.conversations.labels(turn.channel).inc()
        self.turns.labels(turn.channel, turn.action or "none").inc()

    # --- operations (the alert rules) --------------------------------------------------------------
    def queue_promises(self, promises: dict[str, float]) -> None:
        """Each queue's promised longest wait, so PromQL can compare waits with it per queue."""
        for queue, seconds in promises.items():
            self.queue_promise.labels(queue).set(seconds)

    def store_checked(self, up: bool, backend: str = "redis") -> None:
        """``Recovery.check()``'s verdict (no sample at all without Redis: nothing to be down)."""
        self.store_up.labels(backend).set(1 if up else 0)

    # --- edges ----------------------------------------------------------------------------------
    def edge_event(self, kind: str) -> None:
        """``TwilioDeps.on_event``: admission decisions and webhook/stream failures."""
        if kind in ("admitted", "refused"):
            self.admission.labels(kind).inc()
        else:
            self.error(kind)

    def thread_lost(self, channel: str, verdict: str) -> None:
        """A chat or call went on after Redis lost its session (``dialog.resume.verdict``)."""
        self.threads_lost.labels(channel, verdict).inc()

    def error(self, kind: str) -> None:
        self.errors.labels(kind[:60]).inc()

    def watch_speech(self, recognizer: Any, synthesizer: Any) -> None:
        """Observe the queueing delay of the shared models (``queue_observer`` of voice/asr.py, tts.py)."""
        if recognizer is not None and hasattr(recognizer, "queue_observer"):
            recognizer.queue_observer = self.asr_queue.observe
        if recognizer is not None and hasattr(recognizer, "rejection_observer"):
            recognizer.rejection_observer = lambda reason: self.asr_rejected.labels(reason).inc()
        if recognizer is not None and hasattr(recognizer, "abandoned_observer"):
            recognizer.abandoned_observer = self.asr_abandoned.observe
        if synthesizer is not None and hasattr(synthesizer, "queue_observer"):
            synthesizer.queue_observer = self.tts_queue.observe
        if recognizer is not None and hasattr(recognizer, "failure_observer"):  # the recognizer tier's failures
            recognizer.failure_observer = lambda kind: self.errors.labels(kind).inc()
        if synthesizer is not None and hasattr(synthesizer, "failure_observer"):  # the synthesis tier's failures
            synthesizer.failure_observer = lambda kind: self.errors.labels(kind).inc()
        if getattr(recognizer, "fallback", None) is not None:  # its local fall-back is observed like it
            self.watch_speech(recognizer.fallback, None)
        if getattr(synthesizer, "fallback", None) is not None:
            self.watch_speech(None, synthesizer.fallback)

    # --- exposition -----------------------------------------------------------------------------
    def render(self) -> bytes:
        """The text exposition: this process's registry, or (multiprocess) every worker's files summed."""
        if self.multiprocess_dir is None:
            return generate_latest(self.registry)
        return render_files(self.multiprocess_dir)

    def close(self) -> None:
        """Worker stopping (multiprocess mode): drop its live gauges from the shared files."""
        if self.multiprocess_dir is not None:
            mark_process_dead(os.getpid(), self.multiprocess_dir)


def count_thread_lost(metrics: object, channel: str, verdict: str) -> None:
    """``Metrics.thread_lost`` where the metrics object has it (a test's or a device's may not)."""
    if metrics is not None and hasattr(metrics, "thread_lost"):
        metrics.thread_lost(channel, verdict)


def build_metrics_router(metrics: Metrics) -> APIRouter:
    """``GET /metrics`` in the Prometheus text format."""
    router = APIRouter()

    @router.get("/metrics", include_in_schema=False)
    async def prometheus_metrics() -> Response:
        return Response(metrics.render(), media_type=CONTENT_TYPE_LATEST)

    return router
