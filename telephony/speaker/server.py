"""Wyoming server for Home Assistant: infolinia as conversation agent, Polish STT and Polish TTS.

Home Assistant's Wyoming integration turns one ``describe`` -> ``info`` into entities: a conversation
agent for the **handle** program, an STT entity for the **asr** program and a TTS entity for the **tts**
program (all ``pl``), so any HA voice satellite talks to the shop's dialog engine. The protocol work is
in ``wyoming_handler``; this module builds the shared gateway from the services and serves a URI
(``tcp://0.0.0.0:10700``, ``unix://...``) with wyoming's own ``AsyncServer``.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from pathlib import Path
from typing import TYPE_CHECKING

from wyoming.server import AsyncServer

from telephony.speaker.conversation import SpeakerConversations
from telephony.speaker.frames import WyomingLimits
from telephony.speaker.handler import WyomingGateway, WyomingHandler
from telephony.speaker.info import build_info
from voice.tts_cache import PrerenderedSynthesizer

if TYPE_CHECKING:
    from telephony.app.services import Services
    from telephony.settings import Settings

__all__ = [
    "WyomingGateway",
    "WyomingHandler",
    "WyomingLimits",
    "gateway_from_services",
    "run_wyoming",
    "run_wyoming_cli",
    "start_wyoming",
]

log = logging.getLogger(__name__)
DEFAULT_URI = "tcp://0.0.0.0:10700"


def gateway_from_services(services: Services, limits: WyomingLimits | None = None) -> WyomingGateway:
    """The state every connection shares, from the gateway's services (models already loaded)."""
    settings = services.settings
    synth = services.synthesizer
    model = synth.inner if isinstance(synth, PrerenderedSynthesizer) else synth
    voice = getattr(getattr(model, "spec", None), "name", None) or "piper"
    return WyomingGateway(
        conversations=SpeakerConversations(
            services.dialog,
            services.store,
            ttl_s=settings.session_ttl_s,
            # the agents' callback queue when Redis is configured, so an agent can claim the request
            callbacks=services.agents.callbacks if services.agents is not None else None,
        ),
        recognizer=services.recognizer,
        synthesizer=synth,
        hotwords=tuple(services.dialog.vocabulary()),
        limits=limits or WyomingLimits(),
        info=build_info(
            asr_model=Path(settings.whisper_model).name if services.recognizer is not None else None,
            voice=voice if synth is not None else None,
        ),
    )


async def start_wyoming(uri: str, services: Services, limits: WyomingLimits | None = None) -> AsyncServer:
    """Start serving in the background (tests, or alongside the HTTP app); ``await server.stop()`` ends it."""
    server = AsyncServer.from_uri(uri)
    await server.start(gateway_from_services(services, limits).handler)
    log.info("wyoming: serving infolinia on %s", uri)
    return server


async def run_wyoming(uri: str, services: Services, limits: WyomingLimits | None = None) -> None:
    """Serve ``uri`` (e.g. ``tcp://0.0.0.0:10700``) until cancelled or SIGTERM."""
    server = AsyncServer.from_uri(uri)
    log.info("wyoming: serving infolinia on %s", uri)
    await server.run(gateway_from_services(services, limits).handler)


def speaker_services(services: Services) -> Services:
    """The services as speakers get them: the voice behind the one pre-render cache at its own rate,
    kept on disk beside the phone's (same voice folder, same keys, another rate)."""
    from telephony.app.phone import reply_audio_cache

    synth = services.synthesizer
    if synth is None or isinstance(synth, PrerenderedSynthesizer):
        return services
    disk = reply_audio_cache(services.settings, synth)
    return dataclasses.replace(services, synthesizer=PrerenderedSynthesizer(synth, synth.native_rate, disk))


async def prerender_speaker_replies(services: Services) -> None:
    """Background start-up job: the first sentence of every fixed reply at the voice's own rate (what
    speakers get), so a KB answer's first audio needs no synthesis. ``services`` from ``speaker_services``."""
    cache, phrases = services.synthesizer, getattr(services.dialog, "phrases", None)
    if not isinstance(cache, PrerenderedSynthesizer) or phrases is None:
        return
    try:
        made = await cache.prewarm_first_sentences(phrases())
    except Exception:
        log.exception("wyoming: pre-rendering replies failed; replies are synthesized when asked")
        return
    log.info("wyoming: reply openings ready at %d Hz (%d synthesized now, the rest from disk)", cache.rate, made)


def run_wyoming_cli(uri: str, settings: Settings) -> int:
    """``infolinia wyoming --uri ...``: build the services from ``settings`` and serve until interrupted.

    Exit codes: 0 stopped (Ctrl-C or SIGTERM), 1 a model is missing (the message names the fix),
    2 the URI is invalid or cannot be served (port in use).
    """
    from telephony.app.services import build_services
    from voice.models import ModelNotAvailable

    try:
        AsyncServer.from_uri(uri)  # fail on a typo before spending seconds loading models
    except ValueError as exc:
        log.error("wyoming: invalid URI %r: %s (example: %s)", uri, exc, DEFAULT_URI)
        return 2

    async def main() -> None:
        services = await build_services(settings)
        speaker = speaker_services(services)
        if settings.tts_prerender:
            services.background.append(asyncio.create_task(prerender_speaker_replies(speaker)))
        try:
            await run_wyoming(uri, speaker)
        finally:
            await services.close()

    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        return 0
    except ModelNotAvailable as exc:
        log.error("%s", exc)
        return 1
    except OSError as exc:  # the address is in use or not available
        log.error("wyoming: cannot serve %s: %s", uri, exc)
        return 2
    return 0
