"""What a customer gets instead of a chat hand-off: no agent can take it (closed, nobody staffs the queue,
no Redis), or the channel has no hand-off of its own (a device). Kept apart from ``handoff.py`` because the
speaker's voice turns refuse a transfer too and need nothing else of the hand-off.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from dialog import catalogue
from dialog.ports import CallerInfo, Dialog, Outcome, Transfer


def unavailable_view(reason: str) -> dict[str, Any]:
    """What the customer gets when no agent can take the chat (closed, nobody staffed, no Redis)."""
    return {"status": "unavailable", "reason": reason, "transfer_id": None, "position": None}


def unavailable_reply(reason: str, transfer: Transfer | None = None, opens: str | None = None) -> str:
    """What the customer reads instead of a hand-off (``reason``: closed | no_agents | channel) for
    ``transfer``: an emergency first gets the emergency number, an angry caller the apology
    (``catalogue.refused``). ``opens``: when a closed queue opens next ("jutro od 8:00"), so the customer
    knows when to write again."""
    closed = catalogue.CHAT_UNAVAILABLE_CLOSED.format(when=opens or catalogue.CHAT_OPENS_UNKNOWN)
    texts = {"closed": closed, "channel": catalogue.HANDOFF_NOT_HERE}
    return catalogue.refused(texts.get(reason, catalogue.CHAT_UNAVAILABLE_BUSY), transfer)


async def refuse_here(dialog: Dialog, outcome: Outcome, caller: CallerInfo) -> Outcome:
    """A transfer decided on a channel with no hand-off of its own (a device): ``outcome`` with the reply
    the caller gets instead, which the conversation and its history keep (``Dialog.handover_refused``)."""
    reply = unavailable_reply("channel", outcome.transfer)
    await dialog.handover_refused(outcome.session_id, reply, caller)
    return replace(outcome, reply=reply)
