"""What the console's buttons do: the same repository calls and events as the JSON API's routes.

Each returns ``(ok, message)``; the message is Polish, for the agent (read out by the page's live
region). Refusals are normal outcomes (another agent claimed the callback first), not errors.
"""

from __future__ import annotations

from typing import Any

from telephony.agents import events as ev
from telephony.agents.callbacks import UNREACHABLE
from telephony.agents.caller_id import withheld
from telephony.agents.dispatch import OnAvailable
from telephony.agents.events import ConsoleEvent
from telephony.agents.repo import StatusConflict
from telephony.console.deps import DEAD_CLAIM_S, AgentsDeps, WrapUpClaim, note_in_history, one_wrap_up
from telephony.console.view import STATUS_LABELS, ViewConfig, outcome_label
from telephony.console.wrapup import became_available, finish_wrap_up

__all__ = [
    "CONSOLE_STATUSES",
    "OnAvailable",
    "claim_callback",
    "close_callback",
    "go_offline",
    "log_out",
    "release_callback",
    "set_status",
    "wrap_up",
]

CONSOLE_STATUSES = ("available", "offline")  # busy and wrap_up are set by calls, never by hand
LOGOUT_REFUSED = "Masz trwającą rozmowę z klientem. Zakończ ją, zanim się wylogujesz."
LOGGED_OUT = "logged_out"  # the wrap-up outcome of an agent who logged out before choosing one
LEAVE_WAIT_S = DEAD_CLAIM_S  # a wrap-up being written takes milliseconds; one whose request died holds its claim longer
# nothing is preselected (a hasty click recorded the first outcome, "resolved": a false KPI), so say what is missing
CHOOSE_OUTCOME = "Wybierz wynik rozmowy z listy, zanim zakończysz obsługę."
CHOOSE_CALLBACK_OUTCOME = "Wybierz wynik oddzwonienia z listy, zanim je zamkniesz."
NOTHING_TO_CLOSE = "Nie ma rozmowy do zakończenia."
NO_NUMBER_NO_CALLBACK = " Brak numeru klienta: oddzwonienia nie dodano."
WITHHELD_NO_CALLBACK = " Numer klienta jest zastrzeżony: oddzwonienia nie dodano."
WRAP_UP_FIRST = "Najpierw zakończ obsługę poprzedniej rozmowy."
# „Dostępny” comes from these only: from wrap-up it ended the wrap-up with no outcome (the button is disabled
# there, but a stale tab still posts it; a review)
AVAILABLE_FROM = ("available", "offline")
CLOSED_BY_LEAVING = (
    "Rozmowa została już zamknięta: wylogowano się lub wybrano Niedostępny (wynik: Wylogowano bez wyniku). "
    "Tego wyniku nie zapisano."
)


async def set_status(
    deps: AgentsDeps, agent_id: str, status: str, on_available: OnAvailable | None = None
) -> tuple[bool, str]:
    if status not in CONSOLE_STATUSES:
        return False, "Nieznany status."
    if status == "offline":
        if await go_offline(deps, agent_id) is None:
            return False, "Nie znaleziono konsultanta."
        return True, f"Status: {STATUS_LABELS[status]}."
    try:
        previous = await deps.agents.set_status(agent_id, "available", expect=AVAILABLE_FROM)
    except StatusConflict as exc:
        if exc.current == "wrap_up":
            return False, WRAP_UP_FIRST
        return False, "W trakcie rozmowy nie można zmienić statusu."
    if previous is None:
        return False, "Nie znaleziono konsultanta."
    await deps.events.publish(ConsoleEvent(ev.AGENT_STATUS, agent_id, None, {"status": status}))
    if previous != "available":
        await became_available(deps, agent_id, on_available)
    return True, f"Status: {STATUS_LABELS[status]}."


async def go_offline(deps: AgentsDeps, agent_id: str) -> str | None:
    """Off duty (Niedostępny, logout, the JSON API): nothing new is offered to the agent, and a chat
    offered to them or a call ringing their phone goes back to the queue now, for the next agent, instead
    of waiting out its offer with nobody at the screen. A call or chat already connected stays theirs (it
    ends to wrap-up). Returns the previous status; None for an unknown agent. Leaving wrap-up ends it, so it
    waits for a wrap-up being written (``one_wrap_up``): that one then ends as written, not refused after
    writing its outcome; after ``LEAVE_WAIT_S`` (a wrap-up request that died, or one still alive but slower)
    it takes the claim over and the agent leaves: that request then writes nothing. A wrap-up left without an
    outcome gets ``logged_out``, as at a logout (off duty wrote none: a review)."""
    async with one_wrap_up(deps, agent_id, wait_s=LEAVE_WAIT_S, take_over=True) as claim:
        return await _go_offline(deps, agent_id, claim)


async def _close_wrap_up(deps: AgentsDeps, agent_id: str, claim: WrapUpClaim) -> None:
    """Leaving (logout, off duty) in wrap-up closes it: ``logged_out`` and its history note, only where no
    outcome was written (by a wrap-up request that died after writing it): one outcome, never two or none.
    The note only while the claim is still this request's: a leaving request stalled past ``DEAD_CLAIM_S``
    whose claim the agent's wrap-up took over wrote its 'logged_out' note over the wrap-up's."""
    state = await deps.agents.get(agent_id)
    tid = state.last_transfer if state is not None and state.status == "wrap_up" else None
    if tid and await deps.transfers.update_unset(tid, "outcome", LOGGED_OUT) and await claim.still_held():
        await note_in_history(deps, tid, agent_id, LOGGED_OUT, "")


async def _go_offline(deps: AgentsDeps, agent_id: str, claim: WrapUpClaim) -> str | None:
    await _close_wrap_up(deps, agent_id, claim)
    previous = await deps.agents.set_status(agent_id, "offline")  # leaving is always allowed
    if previous is None:
        return None
    await deps.events.publish(ConsoleEvent(ev.AGENT_STATUS, agent_id, None, {"status": "offline"}))
    await deps.presence.note()  # an agent who left is never put back online by a failover
    state = await deps.agents.get(agent_id)
    if state is not None and state.reserved_for:
        await _withdraw(deps, state.reserved_for, agent_id)
    return previous


async def _withdraw(deps: AgentsDeps, tid: str, agent_id: str) -> None:
    """What was being offered to an agent who left goes to the next one: a chat offer (``ChatHandoff``), a
    phone ring (``on_left``); each a no-op for the other kind, and for a conversation already connected."""
    if deps.chat is not None:
        await deps.chat.decline(tid, agent_id)
    if deps.on_left is not None:
        await deps.on_left(tid, agent_id)


async def log_out(deps: AgentsDeps, agent_id: str) -> tuple[bool, str]:
    """Logging out ends the agent's shift: off duty (``go_offline``). Refused while a conversation is
    connected: once the console is closed, a chat customer would write to nobody; the agent ends it first
    (one click) and then logs out. In wrap-up it goes through (an agent who closed the tab instead would
    stay "staffed" for good) and the conversation's outcome reads "logged out before choosing one".

    It waits for a wrap-up being written (``one_wrap_up``, a review); after ``LEAVE_WAIT_S`` without the
    claim (a wrap-up request that died holding it, or a live one slower than that) it takes the claim over and
    writes ``logged_out`` only where that request left no outcome; the request, if alive, then writes none
    (``WrapUpClaim.write``): one outcome either way, never two and never none (later reviews)."""
    async with one_wrap_up(deps, agent_id, wait_s=LEAVE_WAIT_S, take_over=True) as claim:
        state = await deps.agents.get(agent_id)
        if state is not None and state.reserved_for:  # busy, or gone offline during it (the API allows that)
            record = await deps.transfers.get(state.reserved_for)
            if record is not None and record.status == "connected":
                return False, LOGOUT_REFUSED
        await _go_offline(deps, agent_id, claim)  # a wrap-up without an outcome: "logged_out" (``_close_wrap_up``)
    return True, "Wylogowano. Status: Niedostępny."


async def wrap_up(
    deps: AgentsDeps,
    view: ViewConfig,
    agent_id: str,
    outcome: str,
    note: str,
    on_available: OnAvailable | None = None,
) -> tuple[bool, str]:
    """Record the call's outcome (and note) on the transfer, then wrap_up -> available (``finish_wrap_up``, the
    JSON API's too); only an outcome of the form's list, none preselected (``CHOOSE_OUTCOME``)."""
    if outcome_label(view.outcomes, outcome) is None:
        return False, CHOOSE_OUTCOME
    end = await finish_wrap_up(deps, agent_id, outcome, note, on_available)
    if end.refused == "closed_by_leaving":
        return False, CLOSED_BY_LEAVING
    if end.refused is not None:
        return False, NOTHING_TO_CLOSE
    booked = await _booked(deps, end.transfer_id, end.callback_id) if outcome == "callback" else ""
    if not end.available:  # left since (logout, off duty): the outcome written stays
        return True, "Wynik zapisany." + booked
    return True, "Obsługa zakończona. Status: Dostępny." + booked


async def _booked(deps: AgentsDeps, tid: str | None, callback_id: str | None) -> str:
    """What the agent is told of the callback their "Trzeba oddzwonić" asked for."""
    if not tid:  # no conversation named: nothing was booked, nothing to say
        return ""
    if callback_id is not None:
        return " Oddzwonienie dodane do listy."
    record = await deps.transfers.get(tid)
    return WITHHELD_NO_CALLBACK if record is not None and withheld(record.caller) else NO_NUMBER_NO_CALLBACK


async def _sees_callback(deps: AgentsDeps, agent_id: str, callback_id: str) -> bool:
    """Is the callback in one of the agent's queues (a supervisor: any)? Others' do not exist for them."""
    state, record = await deps.agents.get(agent_id), await deps.callbacks.get(callback_id)
    return state is not None and record is not None and state.agent.sees(record.get("queue"))


async def claim_callback(deps: AgentsDeps, agent_id: str, callback_id: str) -> tuple[bool, str]:
    if not await _sees_callback(deps, agent_id, callback_id):
        return False, "Nie ma takiego oddzwonienia."
    result = await deps.callbacks.claim(callback_id, agent_id)
    if not result.won:
        if result.reason == "unknown":
            return False, "Nie ma takiego oddzwonienia."
        return False, "To oddzwonienie przejął już ktoś inny."
    await deps.events.publish(ConsoleEvent(ev.CALLBACK_CLAIMED, None, None, {"id": callback_id, "by": agent_id}))
    return True, "Oddzwonienie przejęte. Zadzwoń do klienta."


async def close_callback(
    deps: AgentsDeps, view: ViewConfig, agent_id: str, callback_id: str, outcome: str
) -> tuple[bool, str]:
    if outcome_label(view.callback_outcomes, outcome) is None:
        return False, CHOOSE_CALLBACK_OUTCOME
    if not await _sees_callback(deps, agent_id, callback_id):
        return False, "Nie ma takiego oddzwonienia."
    result = await deps.callbacks.close(callback_id, agent_id, outcome)
    if not result.won:
        return False, "Możesz zamknąć tylko oddzwonienie przejęte przez siebie."
    await deps.events.publish(ConsoleEvent(ev.CALLBACK_CLOSED, None, None, {"id": callback_id, "by": agent_id}))
    return True, closed_message(result.record or {})


async def release_callback(deps: AgentsDeps, agent_id: str, callback_id: str) -> tuple[bool, str]:
    """Hand a claimed callback back to the list: its holder, or a supervisor (one an agent left claimed)."""
    state = await deps.agents.get(agent_id)
    if state is None or not await _sees_callback(deps, agent_id, callback_id):
        return False, "Nie ma takiego oddzwonienia."
    result = await deps.callbacks.release(callback_id, agent_id, anyone=state.agent.supervisor)
    if not result.won:
        if result.reason == "not_yours":
            return False, "Możesz oddać tylko oddzwonienie przejęte przez siebie."
        return False, "To oddzwonienie nie jest już przejęte."
    await deps.events.publish(ConsoleEvent(ev.CALLBACK_RELEASED, None, None, {"id": callback_id, "by": agent_id}))
    return True, "Oddzwonienie wróciło na listę do przejęcia."


def closed_message(record: dict[str, Any]) -> str:
    """What the agent reads after closing: a try nobody answered is not an ending, so say where it went."""
    tries = record.get("failed_attempts") or 0
    if record.get("status") == "pending":
        return f"Klient nie odebrał: oddzwonienie wraca na listę (nieudane próby: {tries})."
    if record.get("outcome") == UNREACHABLE:
        return f"Klient nie odebrał {tries} razy: oddzwonienie zamknięte jako nieosiągalne."
    return "Oddzwonienie zamknięte."
