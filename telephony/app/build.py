"""The composition root of the HTTP gateway: the one place where settings become objects.

``build_gateway(settings)`` builds, in order and once: the Redis pool (one, shared) -> the store -> the
Twilio REST client, metrics and admission -> the agents' repositories -> the warm transfer (its routes
must exist before the models load) -> the agents features, which ring a waiting caller through it (that
group, in its own order, is built by ``telephony/app/transfer.py``; when and whether is decided here).
``Gateway.start()`` is start-up, run in the background while the server already answers ``/healthz``:
the roster is published, then ``build_services`` loads speech -> dialog -> the call pipeline's deps
(with this warm transfer and these metrics); routes and calls wait on ``Gateway.services``, a ``Ready``.

The Wyoming speaker server has its own, smaller builder (``telephony/app/speaker.py``).
"""

from __future__ import annotations

import asyncio
import logging
import os
from dataclasses import dataclass, field
from functools import partial

from redis.asyncio import Redis

from dialog.ports import KeyValueStore
from telephony.access.keys import AccessPolicy, ApiKeys, development_mode, parse_networks
from telephony.access.ratelimit import Limiter, Rules, limits_storage
from telephony.app.leases import build_lease
from telephony.app.phone import rest_client
from telephony.app.ready import Ready
from telephony.app.recovery import Recovery
from telephony.app.services import (
    PhoneParts,
    Services,
    build_redis,
    build_services,
    build_store,
    sentence_model,
)
from telephony.app.shop import Shop, configure_shop
from telephony.app.transfer import Transfer, build_transfer
from telephony.call.admission import Admission
from telephony.chat.session_locks import SessionLocks
from telephony.history.api import HistoryParts
from telephony.history.gaps import GapsReport, MissBook
from telephony.history.store import HistoryStore, rate_call
from telephony.insights.kpis import KpiStore
from telephony.insights.recorder import InsightMetrics
from telephony.insights.survey import Survey
from telephony.metrics import Metrics
from telephony.settings import Settings, unknown_variables
from telephony.shutdown import HeldWrites, flush_all
from telephony.spool import STORE_DOWN, Spool
from telephony.store_health import StoreHealth
from telephony.tasks import stop_task
from telephony.transfer.spooled import CALLBACK, VOICEMAIL, SpooledRequests
from telephony.transfer.warm import WarmTransfer
from telephony.twilio.claims import WebhookClaims
from telephony.twilio.rest import TwilioRestClient
from telephony.twilio.security import TwilioSignatureVerifier

log = logging.getLogger(__name__)


@dataclass
class Gateway:
    """Everything one gateway process serves with; ``services`` is what start-up loads in the background."""

    settings: Settings
    store: KeyValueStore
    rest: TwilioRestClient  # the calls' ``CallControl`` and the warm transfer's REST client
    metrics: Metrics
    admission: Admission
    services: Ready[Services]
    access: AccessPolicy  # who may use what (README "Security"); the guards in routes.py check it
    limiter: Limiter  # rate limits and the failed-credential brake, shared by the workers through Redis
    transfer: Transfer | None = None  # None without Redis: transfers go blind to the fallback number
    shop: Shop | None = None  # the brand and prompts applied at build (shown on the landing page)
    recovery: Recovery | None = None  # with Redis: the spool and the watcher that replays it
    kpis: KpiStore | None = None  # with Redis: the KPI buckets every worker adds to (telephony/insights)
    survey: Survey | None = None  # the phone's satisfaction survey (Redis, a Twilio auth token, csat_survey)
    history: HistoryParts | None = None  # with Redis: past conversations and the KB gaps report
    # one turn of a session at a time: one for the chat and the devices (a device may go on with a chat's session
    # id), with the lease across the workers when Redis is configured
    locks: SessionLocks = field(default_factory=SessionLocks)
    # one answer per voice webhook's CallSid, across the workers with Redis (telephony/twilio/claims.py)
    webhooks: WebhookClaims = field(default_factory=WebhookClaims)
    _built: Services | None = field(default=None, repr=False)  # closed by close(); injected ones are not
    _gauges: asyncio.Task[None] | None = field(default=None, repr=False)  # the KPI gauges' refresh
    _sweep: asyncio.Task[None] | None = field(default=None, repr=False)  # quiet chats' verdicts (outcomes.py)
    _roster: asyncio.Task[None] | None = field(default=None, repr=False)  # the roster, once a down Redis answers
    held: list[HeldWrites] = field(default_factory=list)  # writes for Redis held in memory (the devices' sessions)

    async def start(self, services: Services | None = None) -> Services:
        """Start-up: publish the roster, then build the services (or take ``services``, in tests)."""
        try:
            if self.transfer is not None:
                await self._publish_roster_or_later(self.transfer)
            if self.transfer is not None and self.transfer.chat is not None:
                self.transfer.chat.watch.start()  # chat events to customers' streams; lapsed offers
            if services is None:
                services = self._built = await build_services(self.settings, self.store, self.phone_parts())
        except BaseException as exc:
            self.services.fail(exc)
            if isinstance(exc, Exception):
                log.exception("start-up failed: the gateway stays up but not ready (see /readyz)")
            raise
        self.metrics.watch_speech(services.recognizer, services.synthesizer)  # queue-wait observers
        if isinstance(self.metrics, InsightMetrics):  # today's KPIs (all workers) as Prometheus gauges
            self._gauges = asyncio.create_task(self.metrics.keep_gauges())
            self._sweep = asyncio.create_task(self.metrics.outcomes.keep_sweeping())  # every worker; each chat once
        if self.transfer is not None and self.transfer.chat is not None:  # no stream could come here until now
            self.transfer.chat.handoff.unwatched()  # (/readyz): a long start-up is not its customers' silence
        self.services.set(services)
        st = self.settings
        log.info("infolinia ready on http://%s:%d (public URL %s)", st.host, st.port, st.public_url)
        return services

    def phone_parts(self) -> PhoneParts:
        h = self.history
        warm = self.transfer.warm if self.transfer else None
        after_solved = self.survey.after_solved if self.survey else None
        return PhoneParts(
            self.rest,
            warm,
            self.metrics,
            after_solved=after_solved,
            misses=h.gaps.book if h else None,
            history=h.store if h else None,
        )

    @property
    def warm(self) -> WarmTransfer | None:
        """The warm transfer, when there is one (Redis and a Twilio auth token)."""
        return self.transfer.warm if self.transfer else None

    async def close(self) -> None:
        """Stop what runs, then write what is still held for Redis (``flush_held``), then close the pool."""
        for task in (self._gauges, self._sweep, self._roster):
            if task is not None:
                await stop_task(task)
        self.metrics.close()
        if self.transfer is not None and self.transfer.chat is not None:
            await self.transfer.chat.watch.close()
        if self._built is not None:
            await self._built.close()
        await self.flush_held()
        await self.rest.aclose()
        await self.store.close()  # RedisStore closes the shared pool (agents and transfers use it too)

    async def flush_held(self) -> None:
        """The KPI writes in flight, the sessions kept through an outage and the session leases' releases still
        running, finished before the pool closes, within ``shutdown_flush_s`` in all (``telephony/shutdown.py``):
        a dead Redis never holds a stop."""
        timeout_s, lease = self.settings.shutdown_flush_s, self.locks.lease
        drained = self.kpis.drain(timeout_s) if self.kpis is not None else asyncio.sleep(0)
        released = lease.close(timeout_s) if lease is not None else asyncio.sleep(0)
        await asyncio.gather(drained, flush_all(self.held, timeout_s), released)

    async def _publish_roster_or_later(self, transfer: Transfer, pause_s: float = 1.0) -> None:
        """The roster now, or, Redis down, once it answers (in the background) while start-up goes on: a worker
        (re)started during an outage failed its start-up here and stayed up unready for good (``/healthz`` alive,
        so nothing restarted it), out of service after Redis came back."""
        try:
            await self._publish_roster(transfer)
        except STORE_DOWN as exc:
            log.warning("start-up: Redis unreachable (%r); the roster is published once it answers", exc)
            self._roster = asyncio.create_task(self._roster_when_back(transfer, pause_s))

    async def _roster_when_back(self, transfer: Transfer, pause_s: float) -> None:
        while True:
            await asyncio.sleep(pause_s)
            try:
                await self._publish_roster(transfer)
            except STORE_DOWN:
                continue
            log.info("Redis answers: the agents roster is published")
            return

    @staticmethod
    async def _publish_roster(transfer: Transfer) -> None:
        """Live statuses survive restarts (``AgentRepo.sync_roster``)."""
        await transfer.agents.agents.sync_roster(transfer.roster)
        if not transfer.roster:
            log.warning("no agents roster (INFOLINIA_AGENTS_PATH): transfers end in a callback offer")


def build_gateway(settings: Settings) -> Gateway:
    """Settings -> objects, in order, once per process (nothing here waits for I/O but reading the
    prompts file: a bad one fails here, before the server starts, with one line naming file and key)."""
    shop = configure_shop(settings)  # the Twilio fallbacks below speak the operator's wording from the first second
    redis = build_redis(settings)
    store = build_store(settings, redis)
    rest = rest_client(settings)
    kpis = None if redis is None else build_kpis(settings, redis)
    metrics = build_metrics(settings, kpis)
    services: Ready[Services] = Ready("start-up (models, dialog)")
    access = build_access(settings)
    rules = Rules(
        settings.rate_limit_ip, settings.rate_limit_token, settings.auth_failures, settings.rate_limit_handoff
    )
    # Redis timed out a moment ago: skipped until the recovery watcher's next check (telephony/store_health.py)
    health = StoreHealth(settings.recovery_interval_s) if redis is not None else None
    limiter = Limiter(limits_storage(redis, settings.redis_prefix), rules, health=health)
    spool = Spool(settings.spool_file)
    history = build_history(settings, redis) if redis is not None else None
    transfer = (
        build_transfer(settings, redis, store, rest, services, metrics, limiter, spool, kpis, history.store)
        if redis is not None and history is not None
        else None
    )
    if transfer is None:
        where = "the fallback number" if settings.fallback_number else "nobody: apology, then hang-up (no fallback)"
        log.warning("warm transfer and the agent console need Redis: transfers go to %s", where)
    recovery = None if health is None else build_recovery(settings, store, spool, transfer, health)
    if recovery is not None:
        recovery.observer = metrics.store_checked  # infolinia_store_up{backend="redis"}: the "Redis down" alert
    admission = Admission(settings.max_concurrent_calls)
    survey = build_survey(settings, kpis, rest, transfer, store, history)
    locks = SessionLocks(build_lease(settings, redis, "session", health))  # chats' and devices' turns, every worker
    return Gateway(
        settings, store, rest, metrics, admission, services, access, limiter, transfer, shop, recovery, kpis, survey,
        history, locks, WebhookClaims(redis, settings.redis_prefix, health=health),
    )  # fmt: skip


def build_kpis(settings: Settings, redis: Redis) -> KpiStore:
    """The KPIs' hourly buckets in Redis, kept ``kpi_retention_days``."""
    return KpiStore(redis, prefix=settings.redis_prefix, ttl_s=settings.kpi_retention_days * 86400)


def build_metrics(settings: Settings, kpis: KpiStore | None) -> Metrics:
    """Prometheus metrics; with KPIs (Redis), the same reports also feed the KPI store."""
    if kpis is None:
        return Metrics(multiprocess_dir=settings.metrics_dir)
    return InsightMetrics(
        kpis, multiprocess_dir=settings.metrics_dir, timezone=settings.timezone, chat_idle_s=settings.chat_idle_min * 60
    )


def build_survey(
    settings: Settings,
    kpis: KpiStore | None,
    rest: TwilioRestClient,
    transfer: Transfer | None,
    store: KeyValueStore,
    history: HistoryParts | None,
) -> Survey | None:
    """The satisfaction survey: on with Redis (ratings are KPIs), Twilio's signature and ``csat_survey``."""
    if kpis is None or not settings.csat_survey or not settings.twilio_auth_token:
        return None
    verifier = TwilioSignatureVerifier(settings.twilio_auth_token, settings.public_url)
    transfers = transfer.agents.transfers if transfer is not None else None
    on_rated = partial(rate_call, store, history.store) if history is not None else None  # kept in the history
    return Survey(kpis, verifier, settings.public_url, rest, transfers, on_rated)


def build_history(settings: Settings, redis: Redis) -> HistoryParts:
    """Past conversations and the misses of the KB gaps report, in Redis."""
    gaps = GapsReport(MissBook(redis, settings.redis_prefix), settings.kb_path, sentence=sentence_model(settings))
    store = HistoryStore(redis, settings.redis_prefix, keep_s=settings.retention_history_days * 86400)
    return HistoryParts(gaps=gaps, store=store, tz=settings.timezone)


def build_access(settings: Settings) -> AccessPolicy:
    """The access policy; development mode is logged, so an open API is never a surprise."""
    keys = ApiKeys.parse(settings.api_keys)
    dev = development_mode(settings.dev_mode, keys, settings.public_url, settings.host)
    if dev:
        log.warning("development mode: /v1/chat, /v1/voice/turn and /docs answer without a credential")
    elif not keys:
        log.warning("no API key (INFOLINIA_API_KEYS): /v1/chat and /v1/voice/turn refuse every request")
    else:
        log.info("production mode: /v1/chat, /v1/voice/turn and /docs need one of %d API keys", len(keys.names))
    for var in unknown_variables(os.environ):  # a misspelled setting would silently keep its default
        log.warning("%s is not a setting and is ignored", var)
    return AccessPolicy(keys, dev, parse_networks(settings.metrics_allow), settings.metrics_token_sha256)


def build_recovery(
    settings: Settings, store: KeyValueStore, spool: Spool, transfer: Transfer | None, health: StoreHealth
) -> Recovery:
    """The watcher that replays the spool and restores the roster (the Twilio routes add their applier), and
    ends ``health``'s back-off once Redis answers."""
    recovery = Recovery(store, spool, settings.recovery_interval_s, health=health)
    if transfer is not None:
        recovery.agents, recovery.roster = transfer.agents.agents, transfer.roster
        recovery.presence = transfer.agents.presence
        if transfer.warm is not None:
            spooled = SpooledRequests(transfer.warm, transfer.agents.callbacks, spool)
            for kind in (CALLBACK, VOICEMAIL):
                recovery.on(kind, partial(spooled.apply, kind))
    return recovery
