"""One chat or speaker turn the bot answered, as the metrics and the KPIs count it.

Why a module of its own: the chat, the speaker and the KPI recorder build and read it, and none of them
needs the Prometheus registry of ``telephony/metrics.py`` to do so (which still accepts it as before).
"""

from __future__ import annotations

from dataclasses import dataclass

from dialog.ports import Outcome


@dataclass(frozen=True)
class ConversationTurn:
    """One chat or speaker turn the bot answered, as the metrics and the KPIs count it."""

    channel: str  # chat | speaker | phone
    action: str  # the engine's action
    seconds: float  # the bot's reply time
    new: bool  # the turn opened the conversation
    reason: str = ""  # a transfer's reason and queue
    queue: str = ""
    solved: bool = False  # ``Outcome.solved``: the bot ended it alone, counted once per conversation
    handed_over: bool = True  # False: a transfer nobody could take (no agent, a device)
    conversation: str = ""  # the dialog session id: which conversation is in progress (the live tile)
    expects: str = "text"  # what the bot's reply waits for (an unanswered question is no solved chat)
    informed: bool = False  # an answer that gave something: an entry, an order's status (not a greeting, thanks)

    @classmethod
    def of(
        cls, channel: str, outcome: Outcome, seconds: float, *, new: bool, handed_over: bool = True
    ) -> ConversationTurn:
        t = outcome.transfer
        reason, queue = (t.reason, t.queue) if t is not None else ("", "")
        return cls(
            channel, outcome.action, seconds, new, reason, queue, outcome.solved, handed_over, outcome.session_id,
            outcome.expects, outcome.action == "answer" and bool(outcome.kb_id or outcome.order_id),
        )  # fmt: skip
