"""The gateway's FastAPI dependencies, all resolved from one built ``Gateway`` (never from ``app.state``).

Each role's router takes the providers it needs as parameters (``build_chat_router(deps.dialog)``) and
declares them as ``Annotated[..., Depends(provider)]``; the router table (``telephony/app/routes.py``)
hands them over. Everything that needs start-up waits for it here, and answers 503 if it failed.

The way into a call, end to end: Twilio's media stream -> ``twilio/routes.py`` (``_serve_stream``,
signature and token checked) -> ``TwilioDeps.run_call`` = ``GatewayDeps.phone_call`` below (waits for
start-up) -> ``call/loop.py`` ``run_call`` with the ``CallDeps`` start-up built.
"""

from __future__ import annotations

from fastapi import HTTPException

from dialog.ports import Dialog
from telephony.app.build import Gateway
from telephony.app.ready import NotReady
from telephony.app.services import Services
from telephony.call.loop import run_call
from telephony.chat.api import LiveChat
from telephony.console.deps import AgentsDeps
from telephony.history.api import HistoryParts
from telephony.insights.kpis import KpiStore
from telephony.ports import AudioChannel, CallStarted


class GatewayDeps:
    """Providers over ``gateway``: pass the bound methods to ``Depends`` (or, the phone line, call them)."""

    def __init__(self, gateway: Gateway) -> None:
        self.gateway = gateway

    async def services(self) -> Services:
        """What start-up built (waits while the models load); 503 if start-up failed or takes too long."""
        try:
            return await self.gateway.services.get()
        except NotReady as exc:
            raise HTTPException(status_code=503, detail="the gateway is not ready (see /readyz)") from exc

    async def dialog(self) -> Dialog:
        return (await self.services()).dialog

    async def agents(self) -> AgentsDeps:
        """The agents features (after start-up published the roster); 503 without Redis."""
        await self.services()
        if self.gateway.transfer is None:
            raise HTTPException(503, "agents and transfers need Redis (INFOLINIA_REDIS_URL) and a roster")
        return self.gateway.transfer.agents

    async def history(self) -> HistoryParts:
        """Past conversations and the KB gaps report; 503 without Redis."""
        if self.gateway.history is None:
            raise HTTPException(503, "history and the gaps report need Redis (INFOLINIA_REDIS_URL)")
        return self.gateway.history

    async def live_chat(self) -> LiveChat | None:
        """Chat hand-offs to agents; None without Redis (a chat is then told no agent can take it)."""
        return self.gateway.transfer.chat if self.gateway.transfer is not None else None

    async def kpis(self) -> KpiStore:
        """The KPI store (``/v1/stats``, ratings); 503 without Redis."""
        if self.gateway.kpis is None:
            raise HTTPException(503, "statistics and ratings need Redis (INFOLINIA_REDIS_URL)")
        return self.gateway.kpis

    async def chat_agent(self, session_id: str) -> str | None:
        """The agent who had this chat (its latest hand-off, once connected), for the chat's rating."""
        live = await self.live_chat()
        record = None if live is None else await live.handoff.current(session_id)
        return record.agent_id if record is not None and record.connected_at else None

    async def is_supervisor(self, token: str) -> bool:
        """Is ``token`` a supervisor's agent token? (The API documentation accepts one.)"""
        if self.gateway.transfer is None:
            return False
        agent = await self.gateway.transfer.agents.agents.authenticate(token)
        return agent is not None and agent.supervisor

    async def phone_call(self, channel: AudioChannel, started: CallStarted) -> None:
        """One phone call on the pipeline start-up built. Raising makes the Twilio route close the stream,
        so Twilio runs the TwiML after ``</Connect>``: an apology and the fallback number."""
        services = await self.gateway.services.get()
        if services.call_deps is None:
            raise RuntimeError("speech is off (INFOLINIA_SPEECH=false): phone calls cannot be answered")
        await run_call(services.call_deps, channel, started)
