"""The gateway's metrics with the KPIs: every Prometheus event also lands in the Redis KPI buckets.

Why a subclass of ``telephony.metrics.Metrics`` and not new calls all over the pipeline: the places where
a call ends, a transfer starts, a wait ends or a chat turn is answered already report to the metrics
object, so handing the composition root this one instead records the KPIs at exactly those points.
Also wraps the callback book (``RecordingCallbacks``): a callback closed with the customer reached counts
as done, in time when it was closed within the promise (``callback_promise_s`` after it was requested); a
try nobody answered, a callback given up as unreachable and a wrong number are counted apart, never as done.
"""

from __future__ import annotations

import asyncio
import builtins
import logging
import math
import os
from datetime import datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from prometheus_client import Gauge

from telephony.agents.callbacks import NO_ANSWER, NOT_REACHED, CallbackBook, CallbackStatus, ClaimResult
from telephony.conversation_turn import ConversationTurn
from telephony.history.when import day_start
from telephony.insights.idle import last_turn
from telephony.insights.kpis import KpiStore
from telephony.insights.outcomes import HANDED, ChatOutcomes
from telephony.insights.stats import period_stats
from telephony.logs import call_id_var
from telephony.metrics import CONTAINED_ENDINGS, Metrics

if TYPE_CHECKING:
    from telephony.call.deps import CallReport

log = logging.getLogger(__name__)


class InsightMetrics(Metrics):
    """``Metrics`` that also counts each event in ``kpis`` (the KPI store shared by every worker), and
    shows today's KPIs of every worker as gauges (``infolinia_kpi_today{channel,kpi}``, refreshed from
    Redis by ``refresh_gauges``: the same figures as ``/v1/stats``, for Prometheus and Grafana)."""

    def __init__(
        self,
        kpis: KpiStore,
        *,
        multiprocess_dir: str | os.PathLike[str] | None = None,
        timezone: str = "UTC",
        chat_idle_s: float = 900.0,
    ) -> None:
        super().__init__(multiprocess_dir=multiprocess_dir)
        self.kpis, self.tz = kpis, ZoneInfo(timezone)
        self.outcomes = ChatOutcomes(kpis, chat_idle_s)  # quiet chats: solved by the bot or not (swept)
        self.kpi_today = Gauge(
            "infolinia_kpi_today", "Today's KPIs of every worker (from Redis), by channel.", ["channel", "kpi"],
            registry=self.registry, multiprocess_mode="mostrecent",
        )  # fmt: skip

    async def refresh_gauges(self) -> None:
        """Set the gauges from today's buckets (every worker's events); say this worker's calls in progress
        (``LiveCalls``: a worker that stops saying so is taken for gone, its calls with it)."""
        await self.kpis.say_calls()
        now = self.kpis.clock()
        stats = await period_stats(self.kpis, day_start(now, self.tz), now)
        for channel, figures in stats["channels"].items():
            for kpi, value in gauge_values(figures).items():
                self.kpi_today.labels(channel, kpi).set(value)

    async def keep_gauges(self, every_s: float = 15.0) -> None:
        """Refresh the gauges until cancelled (a Redis outage skips a round, never ends the loop)."""
        while True:
            try:
                await self.refresh_gauges()
            except Exception as exc:
                log.warning("KPI gauges not refreshed: %r", exc)
            await asyncio.sleep(every_s)

    def call_started(self) -> None:
        super().call_started()
        self.kpis.started("phone", call_id_var.get() or "")  # run_call's context: this call's CallSid
        self.kpis.active("phone", 1)

    def call_ended(self, report: CallReport) -> None:
        """Counted on the hour the call began, as its transfer: a call from 23:58 to 00:03 solved by the bot
        counted one call on the first day and one solved out of none on the next."""
        super().call_ended(report)
        self.kpis.active("phone", -1)
        if report.ended in CONTAINED_ENDINGS and not report.errors:
            self.kpis.contained("phone", report.call_sid)
        first = True
        for turn in report.turns:
            if turn.latency_s is not None:
                self.kpis.bot_replied("phone", turn.latency_s, first)
                first = False

    def transfer(self, reason: str, queue: str) -> None:
        super().transfer(reason, queue)
        self.kpis.transferred("phone", reason, queue, call_id_var.get() or "")

    def queue_waited(
        self, queue: str, outcome: str, seconds: float, agent: str | None = None, conversation: str = ""
    ) -> None:
        super().queue_waited(queue, outcome, seconds, agent, conversation)
        self.kpis.waited("phone", queue, outcome, seconds, agent, conversation=conversation)

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
        super().chat_waited(queue, outcome, seconds, agent, conversation, began_ago=began_ago)
        self.kpis.waited(
            "chat", queue, outcome, seconds, agent, first_response=False, conversation=conversation, began_ago=began_ago
        )

    def chat_agent_wrote(
        self, tid: str, queue: str, seconds: float, agent: str | None = None, conversation: str = ""
    ) -> None:
        super().chat_agent_wrote(tid, queue, seconds, agent, conversation)
        self.kpis.first_response("chat", tid, seconds, conversation)

    def conversation_turn(self, turn: ConversationTurn) -> None:
        super().conversation_turn(turn)
        record_turn(self.kpis, turn, self.outcomes)


GAUGED = ("conversations", "contained", "transferred", "abandoned", "answered_by_agent", "callbacks_done",
          "callbacks_in_time", "csat_count")  # fmt: skip


def gauge_values(figures: dict[str, Any]) -> dict[str, float]:
    """One channel's ``/v1/stats`` figures -> gauge values (a missing average or percentile: NaN)."""
    out = {k: float(figures[k]) for k in GAUGED}
    out["csat_avg"] = _num(figures["csat_avg"])
    out["containment"] = _num(figures["containment"])
    for hist, q in (
        ("wait", "p50_s"),
        ("wait", "p90_s"),
        ("agent_frt", "p90_s"),
        ("bot_frt", "p90_s"),
        ("turn", "p95_s"),
    ):
        out[f"{hist}_{q}"] = _num(figures[hist][q])
    return out


def _num(value: Any) -> float:
    return math.nan if value is None else float(value)


def record_turn(kpis: KpiStore, turn: ConversationTurn, outcomes: ChatOutcomes | None = None) -> None:
    """One chat or speaker turn: a new conversation, in progress with the bot (the live tile), the bot's
    reply time, and how it ended: ``solved`` by the bot alone (``Outcome.solved``: once per conversation,
    never one a person took), or handed to people (a ``transfer`` someone could take: a chat nobody was
    there for is not a hand-off). A chat (``outcomes``) also ends by going quiet: ``_track``."""
    if turn.new:
        kpis.started(turn.channel, turn.conversation)
    if turn.conversation:  # with the bot until it ends or a person takes it
        over = turn.action == "end" or (turn.action == "transfer" and turn.handed_over)
        kpis.with_bot(turn.channel, turn.conversation, over)
    kpis.bot_replied(turn.channel, turn.seconds, first=turn.new)
    if outcomes is not None and turn.conversation and outcomes.tracks(turn.channel):
        _track(outcomes, turn, kpis.clock())
    elif turn.solved:
        kpis.contained(turn.channel, turn.conversation)
    if turn.action == "transfer" and turn.handed_over:
        kpis.transferred(turn.channel, turn.reason, turn.queue, turn.conversation)


def _track(outcomes: ChatOutcomes, turn: ConversationTurn, now: float) -> None:
    """A chat's turn for the idle sweep (``telephony/insights/outcomes.py``): its last bot turn, and the
    verdicts a turn settles at once: solved by an explicit end (counted once, even after a sweep counted
    it), or a hand-off (what the bot was credited with before is taken back)."""
    handed = turn.action == "transfer" and turn.handed_over
    verdict = "contained" if turn.solved else HANDED if handed else ""
    outcomes.seen(turn.channel, turn.conversation, last_turn(turn, now), turn.new, verdict, now)


class TurnKpis:
    """``conversation_turn`` straight into the KPI store (the Wyoming server has no metrics object)."""

    def __init__(self, kpis: KpiStore) -> None:
        self.kpis = kpis

    def conversation_turn(self, turn: ConversationTurn) -> None:
        record_turn(self.kpis, turn)


class RecordingCallbacks:
    """A ``CallbackBook`` that counts how agents' tries ended: done (the customer reached; in time or not),
    or not reached (no answer, unreachable after the last try, wrong number), by channel, queue and agent."""

    def __init__(self, book: CallbackBook, kpis: KpiStore, promise_s: float) -> None:
        self.book, self.kpis, self.promise_s = book, kpis, promise_s

    async def close(self, callback_id: str, agent_id: str, outcome: str) -> ClaimResult:
        result = await self.book.close(callback_id, agent_id, outcome)
        record = result.record
        if not result.won or record is None:
            return result
        channel = str(record.get("channel") or "phone")
        channel = "speaker" if channel in ("speaker", "voice") else channel
        queue = str(record.get("queue") or "none")
        final = str(record.get("outcome") or outcome) if record.get("status") == "closed" else NO_ANSWER
        if final in NOT_REACHED:  # a no-answer back in the list, or closed for good without reaching anyone
            self.kpis.callback_not_reached(channel, queue, final)
            return result
        waited = self.kpis.clock() - _epoch(record.get("created_at"))
        self.kpis.callback_done(channel, queue, waited <= self.promise_s, agent_id)
        return result

    async def release(self, callback_id: str, agent_id: str, *, anyone: bool = False) -> ClaimResult:
        return await self.book.release(callback_id, agent_id, anyone=anyone)

    async def add(self, record: dict[str, Any]) -> str:
        return await self.book.add(record)

    async def get(self, callback_id: str) -> dict[str, Any] | None:
        return await self.book.get(callback_id)

    async def list(self, status: CallbackStatus = "pending", limit: int = 200) -> builtins.list[dict[str, Any]]:
        return await self.book.list(status, limit)

    async def pending(self) -> builtins.list[dict[str, Any]]:
        return await self.book.pending()

    async def claim(self, callback_id: str, agent_id: str) -> ClaimResult:
        return await self.book.claim(callback_id, agent_id)

    async def attach_voicemail(self, callback_id: str, recording_url: str, duration_s: float | None = None) -> bool:
        return await self.book.attach_voicemail(callback_id, recording_url, duration_s)


def _epoch(iso: Any) -> float:
    try:
        return datetime.fromisoformat(str(iso)).timestamp()
    except ValueError:
        return 0.0
