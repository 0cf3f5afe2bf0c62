"""Every Prometheus series the gateway exposes: names, help texts, labels, buckets (``MetricFamilies``).

Why apart from ``telephony.metrics``: that module is what the pipeline reports and when (a call ended, a
transfer, a wait), and how ``/metrics`` is served; this one only declares the series, in the order they are
exposed, so a dashboard or alert rule author finds every name and label in one place.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

# End of speech -> first audio is judged against ~1.5 s; stages are shorter.
LATENCY_BUCKETS = (0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1.0, 1.25, 1.5, 2.0, 2.5, 3.0, 4.0, 6.0, 10.0)
QUEUE_BUCKETS = (0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 4.0, 8.0)
HOLD_BUCKETS = (5.0, 15.0, 30.0, 60.0, 120.0, 180.0, 300.0, 600.0, 1200.0)


class MetricFamilies:
    """The metrics of one registry, as attributes (``telephony.metrics.Metrics`` reports through them)."""

    def __init__(self, r: CollectorRegistry) -> None:
        self._define_call_metrics(r)
        self._define_wait_metrics(r)
        self._define_edge_metrics(r)
        self._define_operations_metrics(r)

    # Four groups, defined (and so exposed) in this order; each metric is an attribute Metrics' methods use.
    def _define_call_metrics(self, r: CollectorRegistry) -> None:
        """A call's turns, their stages and how the call ended (``call_ended``), and conversations."""
        self.turn_latency = Histogram(
            "infolinia_turn_latency_seconds",
            "Caller end of speech -> first bot audio sent.",
            ["source"],
            buckets=LATENCY_BUCKETS,
            registry=r,
        )
        self.stage = Histogram(
            "infolinia_turn_stage_seconds", "Duration of one stage of a turn.", ["stage"],
            buckets=LATENCY_BUCKETS, registry=r,
        )  # fmt: skip
        self.calls_started = Counter("infolinia_calls_started", "Calls whose stream started.", registry=r)
        self.calls_active = Gauge(
            "infolinia_calls_active", "Calls in progress.", registry=r, multiprocess_mode="livesum"
        )
        self.calls_ended = Counter("infolinia_calls_ended", "Calls ended, by how.", ["ended"], registry=r)
        self.calls_contained = Counter(
            "infolinia_calls_contained", "Calls handled by the bot alone (no transfer, no error).", registry=r
        )
        self.conversations = Counter(
            "infolinia_conversations", "Chat and speaker conversations started.", ["channel"], registry=r
        )
        self.turns = Counter("infolinia_turns", "Caller turns, by source and action.", ["source", "action"], registry=r)
        self.barge_ins = Counter("infolinia_barge_ins", "Caller talked over the bot.", registry=r)
        self.transfers = Counter("infolinia_transfers", "Transfers to humans.", ["reason", "queue"], registry=r)

    def _define_wait_metrics(self, r: CollectorRegistry) -> None:
        """Waits for a person: transferred callers, callback offers, chats handed to agents."""
        self.queue_wait = Histogram(
            "infolinia_queue_wait_seconds", "Time a transferred caller waited, by how the wait ended.",
            ["queue", "outcome"], buckets=HOLD_BUCKETS, registry=r,
        )  # fmt: skip
        self.callbacks = Counter("infolinia_callbacks", "Callback offers, by why.", ["offer"], registry=r)
        self.callback_offers_ended = Counter(
            "infolinia_callback_offers_ended", "Callback offers, by how they ended.", ["outcome"], registry=r
        )  # callback | voicemail | abandoned (the caller hung up during the offer)
        self.chat_handoffs = Counter(
            "infolinia_chat_handoffs",
            "Chats the bot handed to agents, by queue and result.",
            ["queue", "result"],
            registry=r,
        )  # queued | closed | no_agents (nobody staffs the queue) | unavailable (no agents at all: no Redis)
        self.chat_handoffs_ended = Counter(
            "infolinia_chat_handoffs_ended", "Chat hand-offs, by how they ended.", ["queue", "outcome"], registry=r
        )  # completed (an agent had it) | abandoned (the customer left while waiting)
        self.chat_wait = Histogram(
            "infolinia_chat_wait_seconds", "Time a handed-off chat waited for an agent, by how the wait ended.",
            ["queue", "outcome"], buckets=HOLD_BUCKETS, registry=r,
        )  # fmt: skip

    def _define_edge_metrics(self, r: CollectorRegistry) -> None:
        """Admission and errors at the edges, and the shared speech models' queues (``watch_speech``)."""
        self.admission = Counter(
            "infolinia_admission", "Incoming calls by admission decision.", ["decision"], registry=r
        )
        self.errors = Counter("infolinia_errors", "Errors, by kind.", ["kind"], registry=r)
        # verdict: apologise (the words needed the lost thread) | fresh (answered as new) | requeue (a chat hand-off)
        self.threads_lost = Counter(
            "infolinia_threads_lost", "Conversations continued with a session the store no longer had.",
            ["channel", "verdict"], registry=r,
        )  # fmt: skip
        self.asr_queue = Histogram(
            "infolinia_asr_queue_seconds", "Wait for a recognizer slot.", buckets=QUEUE_BUCKETS, registry=r
        )
        # loop | budget | low_logprob (voice/asr_engine.py): the caller was asked to repeat
        self.asr_rejected = Counter("infolinia_asr_rejected", "Transcripts withheld.", ["reason"], registry=r)
        # Speculative recognitions the caller talked over, which ran to their end anyway (a thread cannot stop).
        self.asr_abandoned = Histogram(
            "infolinia_asr_abandoned_seconds", "Model time of recognitions nobody waited for any more.",
            buckets=QUEUE_BUCKETS, registry=r,
        )  # fmt: skip
        self.tts_queue = Histogram(
            "infolinia_tts_queue_seconds", "Wait for a synthesizer slot.", buckets=QUEUE_BUCKETS, registry=r
        )

    def _define_operations_metrics(self, r: CollectorRegistry) -> None:
        """What the alert rules compare with: each queue's promise, whether the shared store answers."""
        # For the alert rules (docker/prometheus/alerts.yml): what each queue promises, whether Redis answers.
        self.queue_promise = Gauge(
            "infolinia_queue_promise_seconds", "A queue's max_wait_s: how long a caller may wait before the "
            "callback offer.", ["queue"], registry=r, multiprocess_mode="max",
        )  # fmt: skip
        self.store_up = Gauge(
            "infolinia_store_up", "1 while the shared store answers (the recovery watcher's last check), else 0.",
            ["backend"], registry=r, multiprocess_mode="livemin",
        )  # fmt: skip
