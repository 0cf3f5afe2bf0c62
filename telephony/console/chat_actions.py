"""What the console's live-chat buttons do (``telephony/chat/handoff.py``): the same calls as ``/v1/chats/...``.

Each returns ``(ok, message)`` like ``telephony.console.actions``; the message is Polish, for the agent.
"""

from __future__ import annotations

from telephony.chat.store import visible
from telephony.console.deps import AgentsDeps

NO_CHAT = (False, "Czat na żywo nie jest skonfigurowany.")


async def accept_chat(deps: AgentsDeps, agent_id: str, tid: str) -> tuple[bool, str]:
    if deps.chat is None:
        return NO_CHAT
    result = await deps.chat.accept(tid, agent_id)
    if result == "ok":
        return True, "Czat przyjęty. Napisz do klienta."
    if result == "gone":
        return False, "Klient już opuścił czat."
    return False, "Ten czat nie jest już do Ciebie skierowany."


async def decline_chat(deps: AgentsDeps, agent_id: str, tid: str) -> tuple[bool, str]:
    if deps.chat is None:
        return NO_CHAT
    if await deps.chat.decline(tid, agent_id):
        return True, "Czat odrzucony: trafi do innego konsultanta."
    return False, "Ten czat nie jest już do Ciebie skierowany."


async def send_chat(deps: AgentsDeps, agent_id: str, tid: str, text: str) -> tuple[bool, str]:
    if deps.chat is None:
        return NO_CHAT
    text = visible(text).strip()
    if not text:
        return False, "Wpisz wiadomość."
    if await deps.chat.from_agent(tid, agent_id, text) is None:
        return False, "Ten czat jest już zakończony."
    return True, "Wysłano."


async def end_chat(deps: AgentsDeps, agent_id: str, tid: str) -> tuple[bool, str]:
    if deps.chat is None:
        return NO_CHAT
    if await deps.chat.end(tid, "agent", agent_id):
        return True, "Czat zakończony. Wybierz wynik rozmowy."
    return False, "Ten czat jest już zakończony."
