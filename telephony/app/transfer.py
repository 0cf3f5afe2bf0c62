"""Wiring of agents and the warm transfer: settings -> the agents API deps, the WarmTransfer and its routes.

Both need Redis (every step may land on another worker). Without ``INFOLINIA_REDIS_URL`` there is no
warm transfer: the call pipeline then transfers blindly to the fallback number, and the log says so.
The routes are built with the app; the synthesizer they use is only loaded at start-up, so they get a
thin stand-in that waits for it.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter

from dialog.store import connect_redis
from telephony.agents.callbacks import RedisCallbacks
from telephony.agents.events import EventBus
from telephony.agents.hours import QueueHours, parse_queues
from telephony.agents.repo import AgentRepo
from telephony.agents.roster import Agent, load_roster
from telephony.agents.waits import HandlingStats
from telephony.console.api import AgentsDeps
from telephony.settings import Settings
from telephony.transfer.routes import build_warm_transfer
from telephony.transfer.store import TransferStore
from telephony.transfer.warm import TransferConfig, WarmTransfer
from voice.ports import PCM, Synthesizer

log = logging.getLogger(__name__)


class StartupSynthesizer:
    """The app's synthesizer once start-up has loaded it (announcements and briefings use it)."""

    def __init__(self, app: Any) -> None:
        self._app = app

    async def _get(self) -> Synthesizer:
        from telephony.app.services import wait_for_services

        synth = (await wait_for_services(self._app)).synthesizer
        if synth is None:
            raise RuntimeError("speech is off: no synthesizer for transfer announcements")
        return synth

    @property
    def native_rate(self) -> int:
        return 22050

    async def synthesize(self, text: str, rate: int) -> PCM:
        return await (await self._get()).synthesize(text, rate)

    async def stream(self, text: str, rate: int) -> AsyncIterator[PCM]:
        async for chunk in (await self._get()).stream(text, rate):
            yield chunk


@dataclass
class TransferWiring:
    agents: AgentsDeps
    warm: WarmTransfer
    router: APIRouter
    roster: list[Agent]

    async def start(self) -> None:
        """Publish the roster (live statuses survive restarts)."""
        await self.agents.agents.sync_roster(self.roster)
        if not self.roster:
            log.warning("no agents roster (INFOLINIA_AGENTS_PATH): transfers end in a callback offer")


def build_transfer_wiring(app: Any, settings: Settings) -> TransferWiring | None:
    if not settings.redis_url:
        log.warning("warm transfer and the agent console need Redis: transfers go to the fallback number")
        return None
    from telephony.app.phone import rest_client

    redis = connect_redis(settings.redis_url)
    prefix = settings.redis_prefix
    hours = QueueHours(parse_queues(settings.queues), settings.business_hours, settings.timezone)
    agents = AgentsDeps(
        agents=AgentRepo(redis, prefix=prefix),
        transfers=TransferStore(redis, prefix=prefix),
        callbacks=RedisCallbacks(redis, prefix=prefix),
        events=EventBus(redis, prefix=prefix),
        stats=HandlingStats(redis, prefix=prefix),
        hours=hours,
        redis=redis,
    )
    config = TransferConfig(
        public_url=settings.public_url,
        twilio_number=settings.twilio_number,
        hold_repeat_s=settings.hold_repeat_s,
        agent_ring_timeout_s=settings.agent_ring_timeout_s,
    )
    warm, router = build_warm_transfer(
        config,
        redis,
        StartupSynthesizer(app),
        rest_client(settings),
        hours,
        auth_token=settings.twilio_auth_token,
        prefix=prefix,
        agents=agents.agents,
        callbacks=agents.callbacks,
    )
    agents.on_available = warm.dispatch_queues  # API, console and wrap-up ring a waiting caller at once
    roster = load_roster(settings.agents_path) if settings.agents_path else []
    return TransferWiring(agents=agents, warm=warm, router=router, roster=roster)
