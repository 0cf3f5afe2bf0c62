"""What every part of the warm transfer shares: its settings, its collaborators and a few small helpers.

Split out of ``telephony/transfer/warm.py`` so that the ringing of agents (``transfer_ring.py``) and the
queueing and endings (``transfer.py``) can each stay readable on their own while acting on one
``WarmTransfer`` object: they build on ``TransferCore`` in that order.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from telephony.agents.events import ConsoleEvent, EventBus
from telephony.agents.hours import QueueHours
from telephony.agents.repo import AgentRepo
from telephony.agents.waits import HandlingStats
from telephony.history.ended import HandoffHistory, keep_in_history
from telephony.transfer.audio import TransferAudio
from telephony.transfer.record import TransferRecord
from telephony.transfer.store import TransferStore
from telephony.transfer.twiml import TransferUrls
from telephony.twilio.rest import CallNotActiveError

log = logging.getLogger(__name__)


class Rest(Protocol):
    """The two Twilio REST calls the transfer makes (``TwilioRestClient``, or a test stand-in's)."""

    async def update_call(self, call_sid: str, data: dict[str, str]) -> dict[str, Any]: ...

    async def create_call(self, to: str, from_: str, url: str, **extra: str | list[str]) -> dict[str, Any]: ...


@dataclass(frozen=True)
class TransferConfig:
    """Settings-independent knobs (the app maps ``INFOLINIA_*`` settings onto these)."""

    public_url: str
    twilio_number: str = ""  # caller id of the agents' legs; "" = the number the caller dialled
    fallback_number: str = ""  # where a caller goes when the transfer cannot go on ("" = apologise, hang up)
    default_queue: str = "obsluga"
    default_max_wait_s: float = 180.0  # for queues without their own (INFOLINIA_QUEUES: QueueHours)
    hold_repeat_s: float = 45.0  # announcement repeats every hold_repeat_s (30-60 s)
    agent_ring_timeout_s: int = 20
    dispatch_scan: int = 20  # waiting transfers looked at per dispatch
    # After the agent hangs up, the caller's leg goes on to this URL (+ ``?tid=``): the satisfaction
    # survey (telephony/insights/survey.py); "" = the leg hangs up.
    after_call_url: str = ""


@dataclass
class TransferParts:
    """What the transfer works with; built once per process by ``build_warm_transfer``."""

    store: TransferStore
    agents: AgentRepo
    events: EventBus
    rest: Rest
    audio: TransferAudio
    stats: HandlingStats
    hours: QueueHours  # per-queue business hours and maximum waits
    clock: Callable[[], float] = time.time
    history: HandoffHistory | None = None  # past conversations: how a caller's transfer ended


class TransferCore:
    """Clock, business hours, the caller's redirect, console events and metrics."""

    def __init__(self, config: TransferConfig, parts: TransferParts, metrics: Any = None) -> None:
        self.cfg, self.p = config, parts
        self.urls = TransferUrls(config.public_url)
        self.metrics: Any = metrics  # telephony.metrics.Metrics (queue waits, callback offers); optional

    def now(self) -> float:
        return self.p.clock()

    def wall_now(self) -> datetime:
        return datetime.fromtimestamp(self.now(), UTC)

    def open_now(self, queue: str) -> bool:
        return self.p.hours.hours(queue).is_open(self.wall_now())

    def max_wait_s(self, queue: str) -> float:
        return self.p.hours.max_wait_s(queue, self.cfg.default_max_wait_s)

    async def _redirect(self, tid: str, call_sid: str, data: dict[str, str]) -> bool:
        """REST-update the caller's call; False (transfer abandoned) when the caller already hung up."""
        payload = {**data, "Method": "POST"} if "Url" in data else data
        try:
            await self.p.rest.update_call(call_sid, payload)
        except CallNotActiveError:
            log.info("transfer %s: the caller hung up before the redirect", tid)
            await self.p.store.transition(tid, "abandoned", ended_at=self.now())
            return False
        return True

    def _waited(self, record: TransferRecord, outcome: str, until: float) -> None:
        if self.metrics is not None:
            waited = until - record.enqueued_at
            self.metrics.queue_waited(record.queue, outcome, waited, record.agent_id, record.call_sid)

    def offer_ended(self, outcome: str) -> None:
        """Count how a callback offer ended: ``callback``, ``voicemail`` or ``abandoned`` (hung up)."""
        if self.metrics is not None:
            self.metrics.callback_offer_ended(outcome)

    async def _publish(self, kind: str, record: TransferRecord, agent_id: str | None, data: dict[str, Any]) -> None:
        await self.p.events.publish(ConsoleEvent(kind, agent_id, record.tid, data))

    async def ended_in_history(self, record: TransferRecord, ended: str) -> None:
        """How the caller's transfer ended without an agent (``abandoned``, ``callback``, ``voicemail``), in
        the conversation's history: it read "przełączono do konsultanta" whatever became of the caller."""
        if self.p.history is not None and record.session_id:
            await keep_in_history(self.p.history, record.session_id, ended, [])
