"""The agents and the warm transfer, built for the gateway's composition root (``telephony/app/build.py``).

Why a module of its own: this is the largest group ``build_gateway`` assembles, and it has an order of its
own that must hold: the agents' repositories -> the warm transfer over them (its Twilio routes must exist
before the models load) -> the chat hand-off dispatching through it -> the agents features, which ring a
waiting caller (or offer a waiting chat) through it. All of it needs Redis: every step of a transfer may
land on another worker. ``build_gateway`` still decides when (and whether) this runs.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass, replace

from fastapi import APIRouter
from redis.asyncio import Redis

from dialog.ports import KeyValueStore
from dialog.store import SessionRepo
from telephony.access.ratelimit import Limiter
from telephony.agents.callbacks import Retries
from telephony.agents.hours import QueueHours, parse_queues
from telephony.agents.roster import Agent, load_roster
from telephony.app.purge import retention_of
from telephony.app.ready import Ready
from telephony.app.services import ReadySynthesizer, Services
from telephony.chat.api import LiveChat
from telephony.chat.handoff import ChatConfig, ChatHandoff, HandoffParts
from telephony.chat.store import ChatLog
from telephony.chat.stream import ChatWatch
from telephony.console.deps import AgentsDeps, build_agents_deps
from telephony.history.store import HistoryStore
from telephony.insights.kpis import KpiStore
from telephony.insights.recorder import RecordingCallbacks
from telephony.insights.survey import survey_url
from telephony.metrics import Metrics
from telephony.settings import Settings
from telephony.spool import Spool
from telephony.transfer.routes import build_warm_transfer
from telephony.transfer.warm import TransferConfig, WarmTransfer
from telephony.twilio.rest import TwilioRestClient

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Transfer:
    """Agents and the warm transfer (they need Redis: every step may land on another worker).

    ``warm`` and ``router`` are None without a Twilio auth token: the console, the agents API and chat
    hand-offs work (callbacks, statuses, chats), phone transfers do not (they need Twilio's signed callbacks
    and REST API)."""

    agents: AgentsDeps
    roster: list[Agent]
    warm: WarmTransfer | None = None
    router: APIRouter | None = None  # the transfer's signed Twilio callbacks and prompt audio
    chat: LiveChat | None = None  # chats handed to agents: the same queues, the same dispatch (Twilio or not)


def build_transfer(
    settings: Settings,
    redis: Redis,
    store: KeyValueStore,
    rest: TwilioRestClient,
    services: Ready[Services],
    metrics: Metrics,
    limiter: Limiter,
    spool: Spool | None = None,
    kpis: KpiStore | None = None,
    history: HistoryStore | None = None,
) -> Transfer:
    """The agents' repositories -> the warm transfer over them -> the chat hand-off dispatching through
    it -> the agents features ringing through it. ``history``: past conversations (wrap-up notes, earlier
    contacts on the card, how a transfer or a chat hand-off ended)."""
    hours = QueueHours(parse_queues(settings.queues), settings.business_hours, settings.timezone)
    repos = agents_repos(settings, redis, hours, limiter, kpis, history)
    roster = load_roster(settings.agents_path) if settings.agents_path else []
    metrics.queue_promises({q: hours.max_wait_s(q) for q in {*hours.queues, *(q for a in roster for q in a.queues)}})
    phone = bool(settings.twilio_auth_token)
    if not phone:
        log.warning(
            "INFOLINIA_TWILIO_AUTH_TOKEN is not set: phone transfers to agents are off "
            "(chats are still handed to agents; the agent console and the agents API work; set the token)"
        )
    warm, router = warm_transfer(settings, redis, rest, services, hours, repos, metrics, spool, history)
    chat = build_live_chat(settings, redis, store, repos, warm, metrics)
    # The API, console and wrap-up ring a waiting caller (or offer a waiting chat) the moment an agent is free.
    # An agent who goes offline while rung: the caller moves on at once (``WarmTransfer.agent_left``).
    agents = replace(repos, on_available=warm.dispatch_queues, chat=chat.handoff, on_left=warm.agent_left)
    if not phone:  # one dispatch for chats; no phone call reaches a gateway that refuses Twilio's requests
        return Transfer(agents=agents, roster=roster, chat=chat)
    return Transfer(agents=agents, roster=roster, warm=warm, router=router, chat=chat)


def agents_repos(
    settings: Settings,
    redis: Redis,
    hours: QueueHours,
    limiter: Limiter,
    kpis: KpiStore | None,
    history: HistoryStore | None,
) -> AgentsDeps:
    """The agents' repositories in Redis, kept as long as the retention settings say, with the history (wrap-up
    notes go there) and, with KPIs, callbacks that count as done when an agent closes them."""
    keep = retention_of(settings)
    repos = build_agents_deps(
        redis,
        prefix=settings.redis_prefix,
        hours=hours,
        transfer_ttl_s=keep.transfers_s,
        callback_ttl_s=keep.callbacks_s,
        limiter=limiter,
        audit_retention_s=settings.audit_retention_days * 86400,
        replicas=settings.redis_wait_replicas,
        replica_wait_ms=settings.redis_wait_ms,
        callback_retries=Retries(settings.callback_max_attempts, settings.callback_retry_min * 60),
        recovery_grace_s=settings.recovery_grace_s,  # a session another worker may still put back: 503
    )
    repos = replace(repos, history=history)
    if kpis is not None:  # a callback an agent closes counts as done (in time or not) in the KPIs
        repos = replace(repos, callbacks=RecordingCallbacks(repos.callbacks, kpis, settings.callback_promise_h * 3600))
    return repos


def warm_transfer(
    settings: Settings,
    redis: Redis,
    rest: TwilioRestClient,
    services: Ready[Services],
    hours: QueueHours,
    repos: AgentsDeps,
    metrics: Metrics,
    spool: Spool | None,
    history: HistoryStore | None,
) -> tuple[WarmTransfer, APIRouter]:
    """The warm transfer over the agents' repositories, and its Twilio routes. Built with or without a Twilio
    auth token: without one its routes refuse every request, and it still dispatches chats to agents."""
    phone = bool(settings.twilio_auth_token)
    return build_warm_transfer(
        transfer_config(settings),
        redis,
        ReadySynthesizer(services),  # announcements wait for the voice start-up loads
        rest,
        hours,
        auth_token=settings.twilio_auth_token,  # empty: its Twilio routes refuse every request
        # Prompt audio is fetched by Twilio only; without Twilio no URL is ever signed for it.
        audio_secret=None if phone else secrets.token_hex(32),
        prefix=settings.redis_prefix,
        agents=repos.agents,
        callbacks=repos.callbacks,
        metrics=metrics,
        store=repos.transfers,
        spool=spool,
        history=history,
    )


def transfer_config(settings: Settings) -> TransferConfig:
    """The warm transfer's part of the settings (after an agent's call, the CSAT survey when it is on)."""
    return TransferConfig(
        public_url=settings.public_url,
        twilio_number=settings.twilio_number,
        fallback_number=settings.fallback_number,
        hold_repeat_s=settings.hold_repeat_s,
        agent_ring_timeout_s=settings.agent_ring_timeout_s,
        after_call_url=survey_url(settings.public_url) if settings.csat_survey else "",  # the CSAT survey
    )


def build_live_chat(
    settings: Settings, redis: Redis, store: KeyValueStore, repos: AgentsDeps, warm: WarmTransfer, metrics: Metrics
) -> LiveChat:
    """Chat hand-offs in the agents' queues, offered through the warm transfer's one dispatch; the customer's
    messages per hand-off limited by the shared limiter (INFOLINIA_RATE_LIMIT_HANDOFF)."""
    parts = HandoffParts(
        store=repos.transfers,
        agents=repos.agents,
        events=repos.events,
        stats=repos.stats,
        hours=repos.hours,
        log=ChatLog(repos.transfers),
        dispatch=warm.dispatch_queues,
        sessions=SessionRepo(store, settings.session_ttl_s),  # the bot conversation, for the agent
        metrics=metrics,
        history=repos.history,
    )
    handoff = ChatHandoff(ChatConfig(gone_after_s=settings.chat_gone_after_s), parts)
    watch = ChatWatch(repos.events, sweep=handoff.expire_offers, unreachable=handoff.unwatched)
    return LiveChat(handoff, watch, pace=repos.limiter.hit_handoff)
