"""Wyoming server for Home Assistant: infolinia as conversation agent, Polish STT and Polish TTS.

Home Assistant's Wyoming integration turns one ``describe`` -> ``info`` into entities: a conversation
agent for the **handle** program, an STT entity for the **asr** program and a TTS entity for the **tts**
program (all ``pl``), so any HA voice satellite talks to the shop's dialog engine. The protocol work is
in ``handler.py``; this module builds the shared gateway from the speaker's services and serves a URI
(``tcp://0.0.0.0:10700``, ``unix://...``) with wyoming's own ``AsyncServer``. The services are built by
``telephony/app/speaker.py`` (``infolinia wyoming``), with only what a speaker needs.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Protocol

from wyoming.server import AsyncServer

from dialog.ports import KeyValueStore
from telephony.agents.callbacks import CallbackBook
from telephony.chat.session_locks import SessionLocks
from telephony.settings import Settings
from telephony.speaker.conversation import SpeakerConversations
from telephony.speaker.frames import WyomingLimits
from telephony.speaker.handler import WyomingGateway, WyomingHandler
from telephony.speaker.info import build_info
from telephony.speaker.voice_turn import SpeechServices
from voice.models import VoiceSpec
from voice.ports import Recognizer

__all__ = [
    "SpeakerServices",
    "WyomingGateway",
    "WyomingHandler",
    "WyomingLimits",
    "gateway_from_services",
    "recognizer_gateway",
    "run_gateway",
    "run_wyoming",
    "start_wyoming",
    "voice_spec",
]

log = logging.getLogger(__name__)
DEFAULT_URI = "tcp://0.0.0.0:10700"


class SpeakerServices(SpeechServices, Protocol):
    """What the speaker server uses (``telephony.app.services.Services``, as ``telephony/app/speaker.py``
    builds it): a voice turn's speech and dialog, plus the store and, when Redis is configured, the
    agents' callback book."""

    @property
    def settings(self) -> Settings: ...

    @property
    def store(self) -> KeyValueStore: ...

    @property
    def callbacks(self) -> CallbackBook | None: ...


def gateway_from_services(services: SpeakerServices, limits: WyomingLimits | None = None) -> WyomingGateway:
    """The state every connection shares, from the gateway's services (models already loaded)."""
    settings = services.settings
    synth = services.synthesizer
    spec = voice_spec(synth)
    conversations = SpeakerConversations(
        services.dialog,
        services.store,
        ttl_s=settings.session_ttl_s,
        # the agents' callback queue when Redis is configured, so an agent can claim the request;
        # without it the speaker promises no callback and gives the hotline instead
        callbacks=services.callbacks,
        hotline=settings.fallback_number,
        kpis=getattr(services, "kpis", None),  # conversations counted in the KPIs (Redis)
        # a conversation goes on from its copy here when Redis stalls as long as a call would wait
        store_timeout_s=settings.call_session_timeout_s,
        # Redis timed out a moment ago: not asked until the server's watcher finds it answering (build_speaker)
        breaker=getattr(services, "health", None),
        locks=SessionLocks(getattr(services, "lease", None)),  # with Redis: one turn at a time across servers
    )
    held = getattr(services, "held", None)  # the app's Services: written once more at its close (close_speaker)
    if held is not None:
        held.append(conversations)
    return WyomingGateway(
        conversations=conversations,
        recognizer=services.recognizer,
        synthesizer=synth,
        hotwords=tuple(services.dialog.vocabulary()),
        limits=limits or WyomingLimits(),
        info=build_info(
            asr_model=Path(settings.whisper_model).name if services.recognizer is not None else None,
            voice=(spec.name if spec is not None else "piper") if synth is not None else None,
            voice_fallback=spec is not None and spec.is_fallback,
        ),
    )


def voice_spec(synthesizer: object) -> VoiceSpec | None:
    """The Piper voice behind ``synthesizer``, through the wrappers around it (the pre-render cache's
    ``inner``): Home Assistant shows its name, so it must be the loaded voice's, not the wrapper's."""
    seen = 0
    while synthesizer is not None and seen < 5:  # a few wrappers at most; never loop on a cycle
        spec = getattr(synthesizer, "spec", None)
        if isinstance(spec, VoiceSpec):
            return spec
        synthesizer, seen = getattr(synthesizer, "inner", None), seen + 1
    return None


async def start_wyoming(uri: str, services: SpeakerServices, limits: WyomingLimits | None = None) -> AsyncServer:
    """Start serving in the background (tests, or alongside the HTTP app); ``await server.stop()`` ends it."""
    server = AsyncServer.from_uri(uri)
    await server.start(gateway_from_services(services, limits).handler)
    log.info("wyoming: serving infolinia on %s", uri)
    return server


async def run_wyoming(uri: str, services: SpeakerServices, limits: WyomingLimits | None = None) -> None:
    """Serve ``uri`` (e.g. ``tcp://0.0.0.0:10700``) until cancelled or SIGTERM."""
    await run_gateway(uri, gateway_from_services(services, limits))


def recognizer_gateway(recognizer: Recognizer, model_name: str, limits: WyomingLimits | None = None) -> WyomingGateway:
    """Recognition only: a recognizer tier's server (``infolinia wyoming --asr-only``) loads no dialog, no voice
    and no store; its callers (the gateways) send their own vocabulary with each turn."""
    return WyomingGateway(
        conversations=None,
        recognizer=recognizer,
        limits=limits or WyomingLimits(),
        info=build_info(asr_model=model_name, voice=None, handle=False),
    )


async def run_gateway(uri: str, gateway: WyomingGateway) -> None:
    """Serve ``gateway`` on ``uri`` until cancelled or SIGTERM."""
    server = AsyncServer.from_uri(uri)
    log.info("wyoming: serving infolinia on %s", uri)
    await server.run(gateway.handler)
