"""The phone line's builders: settings + loaded models -> the call pipeline's deps (``CallDeps``).

Called by start-up (``telephony/app/services.py``) once the models are loaded; a call that arrives
before that waits for them in ``GatewayDeps.phone_call`` (``telephony/app/deps.py``), or, if start-up
failed, the stream closes and Twilio runs the TwiML after ``</Connect>``: an apology and the fallback number.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from dialog import catalogue
from dialog.ports import KeyValueStore
from telephony.app.purge import retention_of
from telephony.call.deps import CallMetrics, PromptCache, TransferFn
from telephony.call.loop import CallDeps
from telephony.ports import CallControl
from telephony.settings import Settings
from telephony.twilio.rest import TwilioRestClient
from voice.models_turn import resolve_smart_turn
from voice.ports import EndOfTurn, Recognizer, Synthesizer
from voice.tts_cache import DiskAudioCache, voice_key
from voice.turn_model import SmartTurnModel
from voice.turns import TurnConfig
from voice.vad import SileroModel

log = logging.getLogger(__name__)


def turn_config(settings: Settings) -> TurnConfig:
    """The turn detector's thresholds from the settings (the rest keep their measured defaults).

    With the end-of-turn model, speculative recognition starts when the model is asked (same frame, same
    audio), so a "complete" verdict finds the transcript already under way; "incomplete" and the caller
    going on drop it (``SpeechResumed``), and a turn that still ends on silence reuses it."""
    check = min(settings.turn_model_check_ms, settings.turn_end_ms) if settings.turn_model == "smart-turn" else None
    return TurnConfig(
        start_threshold=settings.vad_threshold,
        continue_threshold=settings.vad_threshold / 2,  # hysteresis: phone audio dips mid-word
        start_ms=settings.turn_start_ms,
        end_ms=settings.turn_end_ms,
        early_ms=min(220, settings.turn_end_ms, check or 220),
        tail_ms=min(60, settings.turn_end_ms),
        model_check_ms=check,
        incomplete_ms=settings.turn_incomplete_ms,
    )


def end_of_turn_model(settings: Settings) -> EndOfTurn | None:
    """The end-of-turn model the settings ask for (None: silence alone); ModelNotAvailable names the command."""
    if settings.turn_model != "smart-turn":
        return None
    return SmartTurnModel(resolve_smart_turn(settings.models_dir))


def rest_client(settings: Settings) -> TwilioRestClient:
    return TwilioRestClient(
        settings.twilio_account_sid,
        settings.twilio_auth_token,
        settings.twilio_api_base,
        settings.twilio_timeout_s,
    )


async def build_call_deps(
    settings: Settings,
    store: KeyValueStore,
    dialog: Any,
    recognizer: Recognizer,
    synthesizer: Synthesizer,
    call_control: CallControl,
    transfer: TransferFn | None = None,
    metrics: CallMetrics | None = None,
    after_solved: Callable[[str], Awaitable[None]] | None = None,
) -> CallDeps:
    """One CallDeps per process: the VAD model and the prompt cache are shared by all calls.
    ``transfer`` is the warm transfer (None: blind transfer to the fallback number)."""
    vad_model = await asyncio.to_thread(SileroModel)
    end_of_turn = await asyncio.to_thread(end_of_turn_model, settings)
    prompts = PromptCache(synthesizer, disk=reply_audio_cache(settings, synthesizer))
    deps = CallDeps(
        recognizer=recognizer,
        synthesizer=synthesizer,
        dialog=dialog,
        vad_factory=lambda: vad_model.detector(8000),
        call_control=call_control,
        store=store,
        fallback_number=settings.fallback_number,
        turn_config=turn_config(settings),
        silence_prompt_s=settings.silence_prompt_s,
        stream_stall_s=settings.stream_stall_s,
        playout_lead_s=settings.playout_lead_s,
        dialog_turn_timeout_s=settings.dialog_turn_timeout_s,
        session_timeout_s=settings.call_session_timeout_s,
        prompts=prompts,
        transfer=transfer,
        metrics=metrics,
        record_ttl_s=retention_of(settings).transcripts_s,
        after_solved=after_solved,  # the satisfaction survey (telephony/insights/survey.py)
        end_of_turn=end_of_turn,
    )
    await deps.prewarm(_greeting_of(dialog))  # the greeting must play the moment a stream starts
    return deps


def _greeting_of(dialog: Any) -> list[str]:
    """The phone greeting of ``dialog``'s shop (none known: nothing to render ahead)."""
    shop = getattr(getattr(dialog, "config", None), "shop_name", None)
    return [catalogue.greeting(shop, phone=True)] if isinstance(shop, str) else []


def reply_audio_cache(settings: Settings, synthesizer: Synthesizer) -> DiskAudioCache | None:
    """The on-disk store of pre-rendered replies, keyed by the voice (None: a voice without a model file)."""
    spec = getattr(synthesizer, "spec", None)
    onnx = getattr(spec, "onnx", None)
    if not isinstance(onnx, Path):
        return None
    root = settings.tts_cache_dir or settings.models_dir / "tts-cache"
    return DiskAudioCache(root, voice_key(onnx, getattr(spec, "espeak_voice", None)))


async def prerender_replies(deps: CallDeps, dialog: Any) -> None:
    """Background start-up job: the first sentence of every fixed reply, so replies start at once.

    Runs after the gateway is ready (calls are not held up); it shares the synthesizer with live calls,
    which wait at most one sentence's rendering behind it. From the disk cache it takes well under a second.
    """
    phrases = getattr(dialog, "phrases", None)
    if phrases is None:
        return
    t0 = time.perf_counter()
    try:
        openings = await deps.prompt_cache.prewarm_openings()  # cheap (about 1 s), and order replies need them
        synthesized = openings + await deps.prompt_cache.prewarm_first_sentences(phrases())
    except Exception:
        log.exception("pre-rendering replies failed; replies are synthesized when said")
        return
    log.info(
        "reply audio ready: %d prompts and first sentences in memory, %d synthesized now (the rest from disk), %.1f s",
        len(deps.prompt_cache),
        synthesized,
        time.perf_counter() - t0,
    )
