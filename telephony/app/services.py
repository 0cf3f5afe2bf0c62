"""What start-up builds in the background (``Services``) and the builders of its parts.

Order, each step taking what the ones before built: speech (both models loaded, in threads) -> dialog
(the KB's Polish lemma dictionary alone takes seconds, so a thread too) -> the call pipeline's deps
(with the warm transfer and the metrics they report to). The parts that exist from the moment the app
is created (stores, agents, the warm transfer, metrics) are built in ``telephony/app/build.py``.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from redis.asyncio import Redis

from dialog import build_engine, catalogue
from dialog.embedder_models import SentenceModel
from dialog.engine_config import EngineConfig
from dialog.ports import ConversationLog, Dialog, KeyValueStore, MissLog
from dialog.redis_connect import connect_redis
from dialog.store import MemoryStore, RedisStore
from telephony.access.host_slots import HostSlots
from telephony.access.lanes import RecognizerLanes
from telephony.agents.callbacks import CallbackBook
from telephony.app.phone import build_call_deps, prerender_replies
from telephony.app.ready import Ready
from telephony.app.session_ids import session_ids
from telephony.app.shop import configure_shop
from telephony.call.deps import CallMetrics, TransferFn
from telephony.call.loop import CallDeps
from telephony.chat.session_lease import SessionLease
from telephony.ports import CallControl
from telephony.settings import Settings
from telephony.shutdown import HeldWrites
from telephony.store_health import StoreHealth
from voice.asr import SHORT_ANSWERS, WhisperRecognizer
from voice.asr_remote import RemoteRecognizer
from voice.models import VoiceSpec, resolve_voice, resolve_whisper
from voice.models_turn import resolve_smart_turn
from voice.ports import PCM, Recognizer, Synthesizer
from voice.remote_pool import parse_uris
from voice.tts import PiperSynthesizer
from voice.tts_remote import RemoteSynthesizer

log = logging.getLogger(__name__)


@dataclass
class Services:
    """The loaded models, the dialog engine and (speech on, phone line) the call pipeline's deps."""

    settings: Settings
    store: KeyValueStore
    dialog: Dialog
    recognizer: Recognizer | None = None
    synthesizer: Synthesizer | None = None
    call_deps: CallDeps | None = None  # the phone pipeline's shared deps (speech on)
    callbacks: CallbackBook | None = None  # the agents' callback book (Redis), where speakers book callbacks
    kpis: Any = None  # the speaker's conversation KPIs (``telephony.insights.recorder.TurnKpis``; Redis)
    lease: SessionLease | None = None  # the speakers' conversations, one turn at a time across servers (Redis)
    background: list[asyncio.Task[None]] = field(default_factory=list)  # start-up jobs (reply pre-rendering)
    held: list[HeldWrites] = field(default_factory=list)  # the speakers' kept conversations (``close_speaker``)
    # The Wyoming server's store-health breaker (``build_speaker``; the HTTP app's is ``gateway.recovery.health``)
    health: StoreHealth | None = None
    # The recognizer's phone and device lanes (phone turns first); default shares when not given.
    lanes: RecognizerLanes | None = None

    def __post_init__(self) -> None:
        if self.lanes is None and self.recognizer is not None:
            self.lanes = RecognizerLanes(self.recognizer)

    @property
    def device_recognizer(self) -> Recognizer | None:
        """What HTTP devices recognise with: a bounded share, behind every phone turn."""
        return self.lanes.device if self.lanes is not None else None

    async def close(self) -> None:
        """Stop the start-up jobs and close the engine; the stores belong to whoever built them."""
        for task in self.background:
            task.cancel()
        await asyncio.gather(*self.background, return_exceptions=True)
        closer = getattr(self.dialog, "close", None)
        if closer is not None:
            await closer()


def build_store(settings: Settings, redis: Redis | None) -> KeyValueStore:
    """Redis (over the process's one pool) when configured; otherwise the embedded single-worker store."""
    if redis is not None:
        return RedisStore(settings.redis_url or "", prefix=settings.redis_prefix, client=redis)
    log.warning(
        "INFOLINIA_REDIS_URL is not set: using the embedded in-process store. "
        "State is lost on restart and cannot be shared: run a single worker only."
    )
    return MemoryStore()


def build_redis(settings: Settings) -> Redis | None:
    """The process's one Redis connection pool (store, agents, transfers, callbacks share it)."""
    if not settings.redis_url:
        return None
    return connect_redis(settings.redis_url, failover_s=settings.redis_failover_s, timeout_s=settings.redis_timeout_s)


def build_dialog(
    settings: Settings, store: KeyValueStore, misses: MissLog | None = None, history: ConversationLog | None = None
) -> Dialog:
    """The engine for the shop the settings describe: its wording applied first, its brand in the greeting;
    ``misses``: where turns not understood go (the KB gaps report, ``telephony.history.gaps``); ``history``:
    where each conversation goes (``telephony.history.store``)."""
    shop = configure_shop(settings)
    return build_engine(
        kb_path=settings.kb_path,
        orders_path=settings.orders_path,
        orders_url=settings.orders_url,
        orders_timeout_s=settings.orders_timeout_s,
        store=store,
        session_ttl_s=settings.session_ttl_s,
        vectors_dir=settings.models_dir / "embeddings",
        sentence=sentence_model(settings),
        config=EngineConfig(shop_name=shop.greeting_name, brand=shop.brand.name),
        misses=misses,
        history=history,
        session_ids=session_ids(settings),
    )


def sentence_model(settings: Settings) -> SentenceModel:
    """The sentence-embedding model the settings name (the engine's and the gaps report's)."""
    return SentenceModel(settings.embedding_model, settings.models_dir)


async def build_speech(settings: Settings) -> tuple[Recognizer, Synthesizer]:
    """Resolve and load both models (in threads); raises ModelNotAvailable with the fix in the message."""
    recognizer, synthesizer = await build_local_speech(settings, whisper=True)
    assert recognizer is not None
    return recognizer, synthesizer


def require_speech_models(settings: Settings) -> None:
    """Every model start-up will load, looked up before serving: a named model that is missing raises
    ``ModelNotAvailable`` naming the command that fetches it (``infolinia serve`` prints that one line and
    stops) instead of a gateway that is up, never ready, with the traceback in each worker's log.
    Whisper ``base`` is assembled from the offline packages here if it is not yet (once, not per worker)."""
    if not settings.speech:
        return
    if not settings.asr_remote or settings.asr_remote_fallback:
        resolve_whisper(settings.whisper_model, settings.models_dir)
    resolve_voice(settings.piper_voice, settings.models_dir)
    if settings.turn_model == "smart-turn":
        resolve_smart_turn(settings.models_dir)


async def build_local_speech(settings: Settings, *, whisper: bool) -> tuple[WhisperRecognizer | None, PiperSynthesizer]:
    """The voice, and Whisper when ``whisper``, resolved and loaded (in threads, together)."""
    model = await asyncio.to_thread(resolve_whisper, settings.whisper_model, settings.models_dir) if whisper else None
    voice = await asyncio.to_thread(resolve_voice, settings.piper_voice, settings.models_dir)
    recognizer = build_recognizer(settings, model) if model is not None else None
    synthesizer = build_synthesizer(settings, voice)
    await asyncio.gather(synthesizer.load(), *([recognizer.load()] if recognizer is not None else []))
    return recognizer, synthesizer


async def build_gateway_speech(settings: Settings) -> tuple[Recognizer, Synthesizer]:
    """The gateway's speech: with ``asr_remote`` set, turns go to the recognizer tier and Whisper is loaded
    here only as its fall-back; with ``tts_remote`` set, replies are synthesized by the synthesis tier and
    the voice loaded here speaks when it fails. (``infolinia wyoming``, which is both tiers, always uses
    ``build_speech``.)"""
    if not settings.asr_remote and not settings.tts_remote:
        return await build_speech(settings)
    local_rec, voice = await build_local_speech(
        settings, whisper=not settings.asr_remote or settings.asr_remote_fallback
    )
    recognizer: Recognizer | None = local_rec
    if settings.asr_remote:
        uris = parse_uris(settings.asr_remote)
        log.info("speech recognition on %d remote server(s)%s", len(uris), ", local fall-back" if local_rec else "")
        recognizer = RemoteRecognizer(uris, local_rec, timeout_s=settings.asr_remote_timeout_s)
    synthesizer: Synthesizer = voice
    if settings.tts_remote:
        uris = parse_uris(settings.tts_remote)
        log.info("speech synthesis on %d remote server(s), local fall-back", len(uris))
        synthesizer = RemoteSynthesizer(uris, voice, timeout_s=settings.tts_remote_timeout_s)
    assert recognizer is not None  # local whenever recognition is not remote
    return recognizer, synthesizer


def build_recognizer(settings: Settings, model: str) -> WhisperRecognizer:
    """Whisper as the settings configure it (not loaded yet: ``await recognizer.load()``)."""
    return WhisperRecognizer(
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
        lexicon=settings.asr_lexicon,
        cpu_threads=settings.asr_cpu_threads,
        concurrency=settings.asr_concurrency,
        window_s=settings.asr_window_s,
        batch=settings.asr_batch,
    )


def build_synthesizer(settings: Settings, voice: VoiceSpec) -> PiperSynthesizer:
    """Piper as the settings configure it (not loaded yet: ``await synthesizer.load()``)."""
    return PiperSynthesizer(
        voice,
        concurrency=settings.tts_concurrency,
        threads=settings.tts_threads,
        first_clause_chars=settings.tts_first_clause_chars,
        openings=catalogue.template_openings() if settings.tts_openings else (),
    )


@dataclass(frozen=True)
class PhoneParts:
    """What the gateway built before start-up that the call pipeline needs (``telephony/app/build.py``)."""

    call_control: CallControl  # the Twilio REST client
    transfer: TransferFn | None = None  # the warm transfer; None: blind transfer to the fallback number
    metrics: CallMetrics | None = None
    after_solved: Callable[[str], Awaitable[None]] | None = None  # the survey after the bot solved it
    misses: MissLog | None = None  # the KB gaps report's miss log (Redis); None without Redis
    history: ConversationLog | None = None  # the conversations' history (Redis); None without Redis


def host_slots(settings: Settings) -> HostSlots | None:
    """The device share of the host: the workers of ``serve --workers N`` open the same slot files. A data
    folder that cannot be written leaves each worker its own share (logged), rather than no gateway."""
    try:
        return HostSlots(settings.data_dir / "device-asr", settings.device_asr_slots)
    except OSError as exc:
        log.warning("device share per worker, not per host: cannot use %s (%s)", settings.data_dir, exc)
        return None


async def build_services(settings: Settings, store: KeyValueStore, phone: PhoneParts) -> Services:
    """Start-up, in order: speech -> dialog -> call deps (speech on); then the pre-rendering job."""
    recognizer, synthesizer = await build_gateway_speech(settings) if settings.speech else (None, None)
    dialog = await asyncio.to_thread(build_dialog, settings, store, phone.misses, phone.history)
    if recognizer is None or synthesizer is None:
        return Services(settings, store, dialog)
    lanes = RecognizerLanes(
        recognizer,
        slots=settings.device_asr_slots,
        queue=settings.device_asr_queue,
        wait_s=settings.device_asr_wait_s,
        host=host_slots(settings),
    )
    call_deps = await build_call_deps(
        settings,
        store,
        dialog,
        lanes.phone,
        synthesizer,
        phone.call_control,
        phone.transfer,
        phone.metrics,
        phone.after_solved,
    )
    background = [asyncio.create_task(prerender_replies(call_deps, dialog))] if settings.tts_prerender else []
    return Services(settings, store, dialog, recognizer, synthesizer, call_deps, background=background, lanes=lanes)


class ReadySynthesizer:
    """The synthesizer start-up loads, usable before it is loaded: each call waits for start-up.

    The warm transfer is built with the app (its Twilio routes must exist at once) but speaks its hold
    and callback announcements with the voice that loads in the background: it gets this stand-in."""

    def __init__(self, services: Ready[Services], native_rate: int = 22050) -> None:
        self._services = services
        self._native_rate = native_rate

    async def _get(self) -> Synthesizer:
        synthesizer = (await self._services.get()).synthesizer
        if synthesizer is None:
            raise RuntimeError("speech is off: no synthesizer for transfer announcements")
        return synthesizer

    @property
    def native_rate(self) -> int:
        return self._native_rate

    async def synthesize(self, text: str, rate: int) -> PCM:
        return await (await self._get()).synthesize(text, rate)

    async def stream(self, text: str, rate: int) -> AsyncIterator[PCM]:
        async for chunk in (await self._get()).stream(text, rate):
            yield chunk
