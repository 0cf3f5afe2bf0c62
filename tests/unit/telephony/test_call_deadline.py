"""The per-turn deadline of the dialog engine in a live call (``telephony/call/deadline.py``): an engine turn
that never returns must not keep the caller in silence; they hear the apology and are handed to a human."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from dialog.ports import CallerInfo, Outcome
from telephony.call.deadline import TIMEOUT_SUMMARY, within_turn_deadline
from telephony.call.deps import CallContext
from tests.support.call import TEXTS, ScriptedDialog
from tests.support.line import bot_lines, call, harness


@dataclass
class HangingDialog(ScriptedDialog):
    """The engine's turn for ``stuck`` never returns (a hung store, a wedged CPU thread)."""

    stuck: str = "Gdzie jest paczka?"
    cancelled: list[str] = field(default_factory=list)

    async def handle(self, session_id: str | None, text: str, caller: CallerInfo) -> Outcome:
        if text != self.stuck:
            return await super().handle(session_id, text, caller)
        self.handled.append(text)
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            self.cancelled.append(text)
            raise
        raise AssertionError("unreachable")


async def test_a_dialog_turn_past_its_deadline_ends_in_the_apology_and_a_transfer() -> None:
    seen: list[tuple[CallContext, Outcome]] = []

    async def warm_transfer(ctx: CallContext, outcome: Outcome) -> None:
        seen.append((ctx, outcome))

    dialog = HangingDialog()
    h = await harness(dialog=dialog, transfer=warm_transfer, dialog_turn_timeout_s=0.3)
    h.line.replied(1).play_out().say("Gdzie jest paczka?").replied(2).play_out().until(lambda: bool(seen))
    report = await call(h)
    ((ctx, outcome),) = seen
    assert outcome.action == "transfer" and outcome.transfer is not None
    assert (outcome.transfer.queue, outcome.transfer.reason) == ("obsluga", "not_understood")
    assert outcome.transfer.summary == TIMEOUT_SUMMARY
    assert bot_lines(report)[-1] == (TEXTS.apology, "heard")  # heard in full before the hand-over
    assert ctx.session_id == "s1" and dialog.cancelled == ["Gdzie jest paczka?"]
    assert report.ended == "transferred" and h.control.actions == []
    callers = [e["text"] for e in report.transcript if e["role"] == "caller"]
    assert callers == ["Gdzie jest paczka?"]  # written before the dialog decided, so the timeout keeps it


async def test_a_turn_within_its_deadline_is_the_engines_own() -> None:
    h = await harness(dialog_turn_timeout_s=5.0)
    h.line.replied(1).play_out().say("Ile kosztuje dostawa?").replied(2).play_out()
    report = await call(h)
    assert bot_lines(report)[-1] == ("Odpowiedź na: Ile kosztuje dostawa?.", "heard")
    assert report.ended == "caller_hung_up"


async def test_the_deadline_helper_returns_the_engines_outcome_or_the_transfer() -> None:
    ready = Outcome("s9", "answer", "Tak.")

    async def quick() -> Outcome:
        return ready

    assert await within_turn_deadline(quick(), 5.0, "s9", "Przepraszam.") is ready
    late = await within_turn_deadline(asyncio.Event().wait(), 0.01, None, "Przepraszam.")  # type: ignore[arg-type]
    assert (late.action, late.reply, late.session_id) == ("transfer", "Przepraszam.", "")
