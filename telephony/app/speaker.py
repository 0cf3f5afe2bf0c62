"""The composition root of ``infolinia wyoming`` (Home Assistant speakers): only what a speaker needs.

Settings -> the store (Redis when configured) and its store-health breaker with the watcher that closes it
(``telephony/store_health.py``: a stalled Redis costs the first turn one timeout, the turns after it none) ->
speech (Whisper and the voice at its own rate) -> the dialog engine -> the agents' callback book (Redis),
where a speaker's "call me back" lands. No VAD model, no Twilio client, no 8 kHz phone prompts, no warm
transfer: a speaker never plays them.
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

from wyoming.server import AsyncServer

from dialog.ports import KeyValueStore
from telephony.agents.callbacks_redis import RedisCallbacks
from telephony.app.leases import build_lease
from telephony.app.phone import reply_audio_cache
from telephony.app.purge import retention_of
from telephony.app.services import (
    Services,
    build_dialog,
    build_recognizer,
    build_redis,
    build_speech,
    build_store,
)
from telephony.history.gaps import MissBook
from telephony.history.store import HistoryStore
from telephony.insights.kpis import KpiStore
from telephony.insights.recorder import TurnKpis
from telephony.settings import Settings
from telephony.shutdown import flush_all
from telephony.speaker.frames import WyomingLimits
from telephony.speaker.server import DEFAULT_URI, recognizer_gateway, run_gateway, run_wyoming
from telephony.store_health import StoreHealth, StoreWatch
from voice.models import ModelNotAvailable, resolve_whisper
from voice.ports import Synthesizer
from voice.tts_cache import PrerenderedSynthesizer

log = logging.getLogger(__name__)
WATCH_S = 1.0  # how often the watcher pings a Redis that timed out (at most the recovery interval)


async def build_speaker(settings: Settings) -> Services:
    """The speaker server's services; close with ``close_speaker``. (The server adds the pre-rendering
    job; a benchmark measures without it.)"""
    redis = build_redis(settings)
    store = build_store(settings, redis)
    # Redis timed out a moment ago: not asked until the watcher finds it answering (or the back-off ends)
    health = StoreHealth(settings.recovery_interval_s) if redis is not None else None
    recognizer, voice = await build_speech(settings) if settings.speech else (None, None)
    synthesizer = None if voice is None else speaker_voice(settings, voice)
    misses = MissBook(redis, settings.redis_prefix) if redis is not None else None  # the KB gaps report
    keep_s = settings.retention_history_days * 86400
    history = HistoryStore(redis, settings.redis_prefix, keep_s=keep_s) if redis is not None else None
    dialog = await asyncio.to_thread(build_dialog, settings, store, misses, history)
    ttl_s = retention_of(settings).callbacks_s
    callbacks = (
        RedisCallbacks(
            redis,
            prefix=settings.redis_prefix,
            ttl_s=ttl_s,
            replicas=settings.redis_wait_replicas,
            replica_wait_ms=settings.redis_wait_ms,
        )
        if redis is not None
        else None
    )
    if callbacks is None:
        log.warning("wyoming: no INFOLINIA_REDIS_URL: speakers cannot book callbacks, they give the hotline")
    kpis = None if redis is None else TurnKpis(KpiStore(redis, prefix=settings.redis_prefix))
    watch = [] if health is None else [asyncio.create_task(store_watch(settings, store, health).run())]
    lease = build_lease(settings, redis, "conversation", health)  # one turn of a conversation at a time, every server
    return Services(
        settings, store, dialog, recognizer, synthesizer, callbacks=callbacks, kpis=kpis, health=health,
        lease=lease, background=watch,
    )  # fmt: skip


def store_watch(settings: Settings, store: KeyValueStore, health: StoreHealth) -> StoreWatch:
    """The speaker's recovery watcher: no spool or roster to put back (the HTTP gateway's ``Recovery`` does
    that), only the breaker to close once Redis answers, checked every second while it is open."""
    return StoreWatch(store, health, poll_s=min(WATCH_S, settings.recovery_interval_s))


def speaker_voice(settings: Settings, voice: Synthesizer) -> PrerenderedSynthesizer:
    """The voice as speakers get it: behind the one pre-render cache at its own rate, kept on disk beside
    the phone's (same voice folder, same keys, another rate)."""
    return PrerenderedSynthesizer(voice, voice.native_rate, reply_audio_cache(settings, voice))


async def close_speaker(services: Services) -> None:
    """Stop the jobs, write what the conversations still hold for Redis and let the leases' releases finish
    (bounded), then close the pool."""
    await services.close()
    await flush_speaker(services)
    await services.store.close()  # RedisStore closes the pool the callback book shares


async def flush_speaker(services: Services) -> None:
    """The KPI writes in flight, the conversations kept through an outage and the conversation leases' releases
    still running, finished within ``shutdown_flush_s`` in all (``telephony/shutdown.py``) before the pool closes:
    a dead Redis never holds the server's stop."""
    timeout_s, lease = services.settings.shutdown_flush_s, services.lease
    kpis = getattr(services.kpis, "kpis", None)  # ``TurnKpis``' store
    drained = kpis.drain(timeout_s) if isinstance(kpis, KpiStore) else asyncio.sleep(0)
    released = lease.close(timeout_s) if lease is not None else asyncio.sleep(0)
    await asyncio.gather(drained, flush_all(services.held, timeout_s), released)


async def prerender_speaker_replies(services: Services) -> None:
    """Background start-up job: the first sentence of every fixed reply at the voice's own rate (what
    speakers get), so a KB answer's first audio needs no synthesis."""
    cache, phrases = services.synthesizer, getattr(services.dialog, "phrases", None)
    if not isinstance(cache, PrerenderedSynthesizer) or phrases is None:
        return
    try:
        made = await cache.prewarm_openings() + await cache.prewarm_first_sentences(phrases())
    except Exception:
        log.exception("wyoming: pre-rendering replies failed; replies are synthesized when asked")
        return
    log.info("wyoming: reply openings ready at %d Hz (%d synthesized now, the rest from disk)", cache.rate, made)


def wyoming_limits(settings: Settings) -> WyomingLimits:
    """The server's connection limits, from the settings (the rest are ``WyomingLimits``' defaults)."""
    return WyomingLimits(max_connections_per_peer=settings.wyoming_max_connections_per_peer)


async def serve_recognizer(uri: str, settings: Settings) -> None:
    """``--asr-only``: Whisper alone, as a recognizer tier's server (no dialog, voice or store to load)."""
    model = await asyncio.to_thread(resolve_whisper, settings.whisper_model, settings.models_dir)
    recognizer = build_recognizer(settings, model)
    await recognizer.load()
    await run_gateway(uri, recognizer_gateway(recognizer, Path(settings.whisper_model).name, wyoming_limits(settings)))


def run_wyoming_cli(uri: str, settings: Settings, asr_only: bool = False) -> int:
    """``infolinia wyoming --uri ...``: build the speaker's services from ``settings``, serve until interrupted.

    Exit codes: 0 stopped (Ctrl-C or SIGTERM), 1 a model is missing (the message names the fix),
    2 the URI is invalid or cannot be served (port in use).
    """
    try:
        AsyncServer.from_uri(uri)  # fail on a typo before spending seconds loading models
    except ValueError as exc:
        log.error("wyoming: invalid URI %r: %s (example: %s)", uri, exc, DEFAULT_URI)
        return 2

    async def main() -> None:
        services = await build_speaker(settings)
        if settings.tts_prerender:
            services.background.append(asyncio.create_task(prerender_speaker_replies(services)))
        try:
            await run_wyoming(uri, services, wyoming_limits(settings))
        finally:
            await close_speaker(services)

    try:
        asyncio.run(serve_recognizer(uri, settings) if asr_only else main())
    except KeyboardInterrupt:
        return 0
    except ModelNotAvailable as exc:
        log.error("%s", exc)
        return 1
    except OSError as exc:  # the address is in use or not available
        log.error("wyoming: cannot serve %s: %s", uri, exc)
        return 2
    return 0
