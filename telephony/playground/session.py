"""One playground conversation: the phone pipeline's deps, observed, over a ``BrowserChannel``.

Why observe rather than re-implement: the page shows what the caller said, what the bot answered and
where each turn's wait went, so the operator judges the real pipeline. The dialog is wrapped only to
report its inputs and outputs (it still decides everything), the turn timings come from the call's own
``on_turn`` hook, and the call control is the page: a hang-up or a transfer is shown, not dialled.
Nothing here reaches Twilio, the agents' queues or the phone metrics: a playground talk is not a call.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from dialog.ports import CallerInfo, Dialog, Handover, Hypothesis, Outcome, Reason
from telephony.call.deps import CallContext, CallDeps, CallReport
from telephony.call.loop import run_call
from telephony.call.timing import TurnTiming
from telephony.playground.channel import BrowserChannel
from telephony.ports import CallStarted

log = logging.getLogger(__name__)


class Notes:
    """Page lines from sync hooks: queued in order, sent by one task (sends must not block the call)."""

    def __init__(self, channel: BrowserChannel) -> None:
        self.channel = channel
        self.queue: asyncio.Queue[tuple[str, dict[str, Any]] | None] = asyncio.Queue()

    def put(self, kind: str, **data: Any) -> None:
        self.queue.put_nowait((kind, data))

    async def pump(self) -> None:
        while (item := await self.queue.get()) is not None:
            await self.channel.event(item[0], **item[1])

    def turn(self, timing: TurnTiming) -> None:
        """The pipeline's timings of one turn, in ms after the caller stopped speaking."""
        asr = None if timing.asr_s is None else round(timing.asr_s * 1000.0)
        latency = None if timing.latency_s is None else round(timing.latency_s * 1000.0)
        self.put("turn", turn=timing.turn, source=timing.source, speculative=timing.speculative,
                 asr_ms=asr, latency_ms=latency, stages=timing.breakdown_ms())  # fmt: skip


class ObservedDialog:
    """The deployed dialog engine, reporting each caller text and bot reply to the page."""

    def __init__(self, inner: Dialog, notes: Notes) -> None:
        self.inner, self.notes = inner, notes

    async def greet(self, session_id: str | None, caller: CallerInfo) -> Outcome:
        return self._said(await self.inner.greet(session_id, caller))

    async def handle(self, session_id: str | None, text: str, caller: CallerInfo) -> Outcome:
        self.notes.put("caller", text=text or "(niezrozumiałe)")
        return self._said(await self.inner.handle(session_id, text, caller))

    async def handle_nbest(
        self, session_id: str | None, hypotheses: Sequence[Hypothesis], caller: CallerInfo
    ) -> Outcome:
        outcome = await self.inner.handle_nbest(session_id, hypotheses, caller)
        first = hypotheses[0].text if hypotheses else ""
        self.notes.put("caller", text=outcome.heard or first or "(niezrozumiałe)")
        return self._said(outcome)

    async def escalate(self, session_id: str, reason: Reason, caller: CallerInfo) -> Outcome:
        self.notes.put("caller", text="[0] (prośba o konsultanta)")
        return self._said(await self.inner.escalate(session_id, reason, caller))

    async def retract(self, session_id: str) -> None:
        self.notes.put("retract")
        await self.inner.retract(session_id)

    async def handover_refused(self, session_id: str, reply: str, caller: CallerInfo) -> None:
        await self.inner.handover_refused(session_id, reply, caller)

    async def record(
        self, session_id: str, said: str | None, reply: str, caller: CallerInfo, handover: Handover | None = None
    ) -> None:
        await self.inner.record(session_id, said, reply, caller, handover)

    def vocabulary(self) -> list[str]:
        return self.inner.vocabulary()

    def phrases(self) -> list[str]:
        return self.inner.phrases()

    def _said(self, outcome: Outcome) -> Outcome:
        self.notes.put("bot", text=outcome.reply, action=outcome.action)
        return outcome


class PageControl:
    """``CallControl`` of a playground talk: the page shows the hang-up or the transfer."""

    def __init__(self, notes: Notes) -> None:
        self.notes = notes

    async def hang_up(self, call_sid: str, goodbye: str | None = None) -> None:
        self.notes.put("end", how="hung_up", text="Bot zakończył rozmowę.")

    async def transfer_to_number(self, call_sid: str, number: str, announcement: str | None = None) -> None:
        self.notes.put("end", how="fallback", text=f"Na telefonie: przekierowanie na numer {number or '(brak)'}.")

    async def transfer(self, ctx: CallContext, outcome: Outcome) -> None:
        t = outcome.transfer
        queue = t.queue if t is not None else "default"
        summary = t.summary if t is not None else ""
        self.notes.put("end", how="transfer", queue=queue, summary=summary,
                       text=f"Na telefonie: przekazanie do konsultanta (kolejka {queue}).")  # fmt: skip


def playground_deps(deps: CallDeps, notes: Notes) -> CallDeps:
    """The phone's deps (same models, prompt cache, turn settings), observed, with the page as the line.

    No stalled-stream rule (``stream_stall_s``): on the phone, seconds without a frame mean Twilio's media
    path broke and the caller must be reached over REST. A browser's audio pauses for ordinary reasons (a
    tab sent to the background, a suspended audio context, a device switched) and comes back; the talk
    should then go on where it was, not end in the phone's fail-safe. Its end is the socket's: the page's
    close, or the server's ping timeout for a browser that vanished."""
    control = PageControl(notes)
    return replace(
        deps,
        dialog=ObservedDialog(deps.dialog, notes),
        call_control=control,
        transfer=control.transfer,
        metrics=None,  # not a phone call: keep the line's figures honest
        after_solved=None,  # no phone survey: there is no Twilio call to redirect
        on_turn=notes.turn,
        stream_stall_s=None,  # a browser's audio that pauses is no broken media path
    )


async def talk(deps: CallDeps, channel: BrowserChannel) -> CallReport:
    """Run one conversation until either side ends it; the page then gets ``end`` and the socket closes."""
    notes = Notes(channel)
    pump = asyncio.create_task(notes.pump())
    sid = "PG" + uuid.uuid4().hex
    started = CallStarted(sid, "PS" + uuid.uuid4().hex, {"session_id": uuid.uuid4().hex, "from": ""})
    try:
        report = await run_call(playground_deps(deps, notes), channel, started)
        notes.put("done", ended=report.ended)
        log.info("playground talk %s ended: %s, %d turns", sid, report.ended, len(report.turns))
        return report
    finally:
        notes.queue.put_nowait(None)
        await asyncio.gather(pump, return_exceptions=True)
        await channel.close()
