"""Everything a gateway process needs, built once at start-up from the settings.

This is the one place where settings turn into objects: the store, the dialog engine, and (unless
``speech`` is off) the recognizer and synthesizer with their models loaded. Routes get these injected.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from dialog.ports import Dialog, KeyValueStore
from telephony.settings import Settings
from voice.ports import Recognizer, Synthesizer

if TYPE_CHECKING:
    from telephony.agents_api import AgentsDeps
    from telephony.call import CallDeps
    from telephony.transfer_wiring import TransferWiring

log = logging.getLogger(__name__)


@dataclass
class Services:
    settings: Settings
    store: KeyValueStore
    dialog: Dialog
    recognizer: Recognizer | None = None
    synthesizer: Synthesizer | None = None
    call_deps: CallDeps | None = None  # the phone pipeline's shared deps (speech on)
    agents: AgentsDeps | None = None  # agents, queues, callbacks, transfers (need Redis)
    notes: list[str] = field(default_factory=list)  # what was substituted (embedded store, fallback voice)
    background: list[asyncio.Task[None]] = field(default_factory=list)  # start-up jobs (reply pre-rendering)

    async def close(self) -> None:
        for task in self.background:
            task.cancel()
        await asyncio.gather(*self.background, return_exceptions=True)
        closer = getattr(self.dialog, "close", None)
        if closer is not None:
            await closer()
        if self.agents is not None:
            await self.agents.close()
        if self.call_deps is not None:
            await self.call_deps.call_control.aclose()  # type: ignore[attr-defined]
        await self.store.close()


def build_store(settings: Settings) -> KeyValueStore:
    """Redis when configured; otherwise the embedded store, which only works for a single worker."""
    from dialog.store import MemoryStore, RedisStore

    if settings.redis_url:
        return RedisStore(settings.redis_url, prefix=settings.redis_prefix)
    log.warning(
        "INFOLINIA_REDIS_URL is not set: using the embedded in-process store. "
        "State is lost on restart and cannot be shared: run a single worker only."
    )
    return MemoryStore()


def build_dialog(settings: Settings, store: KeyValueStore) -> Dialog:
    from dialog import build_engine

    return build_engine(
        kb_path=settings.kb_path,
        orders_path=settings.orders_path,
        orders_url=settings.orders_url,
        orders_timeout_s=settings.orders_timeout_s,
        store=store,
        session_ttl_s=settings.session_ttl_s,
    )


async def build_speech(settings: Settings) -> tuple[Recognizer, Synthesizer]:
    """Resolve and load both models (in threads); raises ModelNotAvailable with the fix in the message."""
    from voice.asr import SHORT_ANSWERS, WhisperRecognizer
    from voice.models import resolve_voice, resolve_whisper
    from voice.tts import PiperSynthesizer

    model = await asyncio.to_thread(resolve_whisper, settings.whisper_model, settings.models_dir)
    voice = await asyncio.to_thread(resolve_voice, settings.piper_voice, settings.models_dir)
    recognizer = WhisperRecognizer(
        model,
        device=settings.asr_device,
        compute_type=settings.asr_compute_type,
        beam_size=settings.asr_beam_size,
        patience=settings.asr_patience,
        alternatives=settings.asr_alternatives,
        fallback=settings.asr_fallback,
        reject_logprob=settings.asr_reject_logprob,
        initial_prompt=settings.asr_initial_prompt,
        short_words=SHORT_ANSWERS if settings.asr_short_answers else (),
        cpu_threads=settings.asr_cpu_threads,
        concurrency=settings.asr_concurrency,
        window_s=settings.asr_window_s,
        batch=settings.asr_batch,
    )
    synthesizer = PiperSynthesizer(voice, concurrency=settings.tts_concurrency, threads=settings.tts_threads)
    await asyncio.gather(recognizer.load(), synthesizer.load())
    return recognizer, synthesizer


async def build_services(
    settings: Settings, store: KeyValueStore | None = None, wiring: TransferWiring | None = None
) -> Services:
    """Build in worker threads: loading the KB's Polish lemma dictionary alone takes seconds."""
    from telephony.phone import build_call_deps, prerender_replies

    store = store if store is not None else build_store(settings)
    dialog = await asyncio.to_thread(build_dialog, settings, store)
    services = Services(settings=settings, store=store, dialog=dialog)
    services.agents = await _agents(settings, wiring)
    if settings.speech:
        services.recognizer, services.synthesizer = await build_speech(settings)
        services.call_deps = await build_call_deps(settings, store, dialog, services.recognizer, services.synthesizer)
        if wiring is not None:
            services.call_deps.transfer = wiring.warm
        if settings.tts_prerender:
            services.background.append(asyncio.create_task(prerender_replies(services.call_deps, dialog)))
    return services


async def _agents(settings: Settings, wiring: TransferWiring | None) -> AgentsDeps | None:
    """The agents features: from the app's transfer wiring, or on their own (Wyoming: callbacks)."""
    if wiring is not None:
        await wiring.start()
        return wiring.agents
    if not settings.redis_url:
        return None
    from telephony.agents import load_roster
    from telephony.agents_api import build_agents_deps
    from telephony.business_hours import parse_queues

    roster = await asyncio.to_thread(load_roster, settings.agents_path) if settings.agents_path else []
    return await build_agents_deps(
        settings.redis_url,
        prefix=settings.redis_prefix,
        roster=roster,
        queues=parse_queues(settings.queues),
        default_hours=settings.business_hours,
        tz=settings.timezone,
    )


async def wait_for_services(app: Any, timeout_s: float = 60.0) -> Services:
    """The app's services once start-up has built them; 503 if start-up failed or takes too long."""
    from fastapi import HTTPException

    task: asyncio.Task[Services] = app.state.services_task
    try:
        return await asyncio.wait_for(asyncio.shield(task), timeout_s)
    except Exception as exc:
        raise HTTPException(status_code=503, detail="the gateway is not ready (see /readyz)") from exc
