"""The data behind the console's four panels (status, current call, queues, callbacks), read from Redis.

Always re-read in full for one agent: the browser refetches after every event, so a missed or
duplicated pub/sub message costs one extra read, never a wrong screen.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from telephony.agents.repo import AgentState
from telephony.agents.roster import Agent
from telephony.chat.store import MAX_MESSAGES
from telephony.console.deps import AgentsDeps
from telephony.console.queues import queue_names, queue_view
from telephony.console.view import ViewConfig, callbacks_view, ringing_channel, status_label, transfer_view
from telephony.history.view import earlier_view

log = logging.getLogger(__name__)
# A chat's latest messages on the panel (it is re-read after each one): 500 of 2,000 characters made it 1.9 MB,
# 0.1 s to render each time (the fifth hostile probe); the older ones are counted, and the history keeps the
# last MAX_MESSAGES of them (Redis keeps no more: ``telephony/chat/store.py``)
PANEL_MESSAGES = 100


def current_transfer_id(state: AgentState) -> str | None:
    """The call on the agent's screen: the one they are reserved for (ringing or talking), or during
    wrap-up the one just finished (so the transcript stays visible while they note the outcome)."""
    if state.status == "busy":
        return state.reserved_for
    if state.status == "wrap_up":
        return state.last_transfer
    return None


async def render_context(deps: AgentsDeps, agent_id: str, view: ViewConfig) -> dict[str, Any] | None:
    """Everything the console templates need for ``agent_id``; None when the agent no longer exists."""
    state = await deps.agents.get(agent_id)
    if state is None:
        return None
    transfer, queues, callbacks = await asyncio.gather(
        _transfer(deps, state), _queues(deps, state), _callbacks(deps, state.agent, view)
    )
    return {
        "agent": {"id": state.id, "name": state.agent.name, "supervisor": state.agent.supervisor},
        "agent_status": state.status,
        "status_label": status_label(state.status, _ringing(state, transfer)),
        "transfer": transfer,
        "wrap_up": state.status == "wrap_up",
        "outcomes": view.outcomes,
        "queues": queues,
        "callbacks": callbacks,
        "callback_outcomes": view.callback_outcomes,
        "orders": view.orders,  # no orders source (an office, a clinic): no "Zamówienie —" on the card
        "flash": None,
    }


def _ringing(state: AgentState, transfer: dict[str, Any] | None) -> str | None:
    """The channel of the offer ringing on the agent's screen (the record is read for the panel anyway)."""
    if transfer is None:
        return None
    return ringing_channel(state.status, transfer["status"], "chat" if transfer["is_chat"] else "phone")


async def _transfer(deps: AgentsDeps, state: AgentState) -> dict[str, Any] | None:
    tid = current_transfer_id(state)
    record = await deps.transfers.get(tid) if tid else None
    if record is None:
        return None
    if record.transcript:
        await deps.audit.record(state.id, "transfer", record.tid, "console")
    chat = deps.chat if record.channel == "chat" else None
    messages, customers = ([], 0) if chat is None else await chat.window(record.tid, last=PANEL_MESSAGES)
    view = transfer_view(record.context(), deps.clock(), messages, customers)
    view["earlier"] = await _earlier(deps, record.caller, record.session_id)
    view["kept"] = MAX_MESSAGES  # what the history will have of a long chat ("Wcześniejszych wiadomości")
    return view


async def _earlier(deps: AgentsDeps, caller: str | None, session_id: str | None) -> list[dict[str, Any]]:
    """The caller's earlier contacts for the card (history by caller number); nothing rather than no card
    when the history cannot be read."""
    if deps.history is None or not caller:
        return []
    try:
        return earlier_view(await deps.history.earlier(caller, exclude=session_id), deps.clock())
    except Exception:
        log.exception("earlier contacts of a caller could not be read")
        return []


async def _queues(deps: AgentsDeps, state: AgentState) -> list[dict[str, Any]]:
    """The agent's own queues (a supervisor's: every queue): callers waiting, and the wait a caller arriving
    now would be told."""
    rows = []
    names = await queue_names(deps) if state.agent.supervisor else state.agent.queues
    for name in names:
        q = await queue_view(deps, name)
        waiting = q["waiting"]
        rows.append(
            {
                "name": name,
                "waiting": q["waiting_count"],
                "phone": q["waiting_by_channel"]["phone"],
                "chat": q["waiting_by_channel"]["chat"],
                "estimate": waiting[-1]["estimate_text"] if waiting else "",
                "open": q["open"],
            }
        )
    return rows


async def _callbacks(deps: AgentsDeps, agent: Agent, view: ViewConfig) -> list[dict[str, Any]]:
    """The callbacks of the agent's queues (a supervisor's: all, with those others hold); each transcript
    shown is audited."""
    pending, claimed = await asyncio.gather(deps.callbacks.list("pending"), deps.callbacks.list("claimed"))
    pending = [c for c in pending if agent.sees(c.get("queue"))]
    claimed = [c for c in claimed if agent.sees(c.get("queue"))]
    names = {s.id: s.agent.name for s in await deps.agents.list()} if agent.supervisor else {}
    shown = callbacks_view(pending, claimed, agent.id, view.timezone, names=names, supervisor=agent.supervisor)
    for callback in shown:
        if callback.get("transcript"):
            await deps.audit.record(agent.id, "callback", str(callback["id"]), "console")
    return shown
