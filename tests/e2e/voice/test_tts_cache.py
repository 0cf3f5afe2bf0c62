"""Pre-rendered reply audio: the on-disk cache, the prompt cache over it, and what the dialog offers to render."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from dialog import catalogue
from dialog.factory import build_engine
from dialog.ports import CallerInfo
from telephony.call.deps import PromptCache
from tests.support.call import call_deps
from tests.support.speech import ToneSynthesizer
from voice.tts_cache import DiskAudioCache, voice_key


def test_disk_cache_round_trip_and_damaged_files_are_misses(tmp_path: Path) -> None:
    cache = DiskAudioCache(tmp_path, "voice-a")
    pcm = (np.arange(800) % 200 - 100).astype(np.int16)
    assert cache.get("Dzień dobry.", 8000) is None
    cache.put("Dzień dobry.", 8000, pcm)
    got = cache.get("Dzień dobry.", 8000)
    assert got is not None and np.array_equal(got, pcm) and got.dtype == np.int16
    assert cache.get("Dzień dobry.", 16000) is None  # the rate is part of the key
    assert DiskAudioCache(tmp_path, "voice-b").get("Dzień dobry.", 8000) is None  # so is the voice
    (only,) = list(cache.dir.glob("*.npy"))
    only.write_bytes(b"not numpy at all")
    assert cache.get("Dzień dobry.", 8000) is None
    assert list(cache.dir.glob("*.tmp")) == []  # writes are atomic: no leftovers


def test_voice_key_changes_with_the_voice_file_and_language(tmp_path: Path) -> None:
    onnx = tmp_path / "pl_PL-test.onnx"
    onnx.write_bytes(b"x" * 10)
    first = voice_key(onnx)
    assert first.startswith("pl_PL-test-") and voice_key(onnx) == first
    assert voice_key(onnx, "pl") != first
    onnx.write_bytes(b"x" * 11)
    assert voice_key(onnx) != first


async def test_prompt_cache_renders_first_sentences_once_then_reads_them_from_disk(tmp_path: Path) -> None:
    texts = ["Paczka jest w drodze. Dotrze jutro.", "Sklep jest otwarty. Zapraszamy!", "Paczka jest w drodze."]
    synth = ToneSynthesizer(ms_per_char=10.0)
    cache = PromptCache(synth, disk=DiskAudioCache(tmp_path, "v"))
    assert await cache.prewarm_first_sentences(texts) == 2  # synthesized: one per distinct first sentence
    assert synth.spoken == ["Paczka jest w drodze.", "Sklep jest otwarty."]
    assert cache.get("Dotrze jutro.") is None  # the rest plays after the first sentence: not needed
    # A restarted worker (no synthesizer at all) gets the same audio from disk.
    again = PromptCache(None, disk=DiskAudioCache(tmp_path, "v"))
    assert await again.prewarm_first_sentences(texts) == 0  # nothing synthesized: all from disk
    first, expected = again.get("Paczka jest w drodze."), synth.tone("Paczka jest w drodze.", 8000)
    assert first is not None and np.array_equal(first, expected)


def test_fixed_sentences_are_complete_sentences_without_placeholders() -> None:
    fixed = catalogue.fixed_sentences()
    assert catalogue.GOODBYE in fixed and catalogue.ANYTHING_ELSE in fixed and catalogue.CLARIFY[1] in fixed
    assert catalogue.TRANSFER["complaint"] in fixed
    assert all("{" not in s and s.rstrip()[-1] in ".?!" for s in fixed)
    assert catalogue.WAIT_ABOUT_ONE_MINUTE not in fixed  # a fragment, never said alone
    assert len(fixed) == len(set(fixed))


async def test_engine_phrases_hold_its_kb_replies_word_for_word() -> None:
    engine = build_engine()
    phrases = set(engine.phrases())
    caller = CallerInfo(channel="phone")
    out = await engine.handle(None, "Ile kosztuje dostawa do paczkomatu?", caller)
    assert out.action == "answer" and out.reply in phrases
    out = await engine.handle(out.session_id, "nie wiem co powiedzieć o tym kosmosie", caller)
    assert out.reply in phrases  # the clarify prompt is a fixed sentence too


async def test_the_gateway_pre_renders_replies_into_the_voice_s_disk_cache(tmp_path: Path) -> None:
    """The start-up job as the gateway wires it: settings -> disk cache per voice -> first sentences ready."""
    from dataclasses import dataclass

    from telephony.app.phone import prerender_replies, reply_audio_cache
    from telephony.settings import Settings
    from voice.sentences import split_sentences

    @dataclass
    class Spec:
        onnx: Path
        espeak_voice: str | None = None

    class Voice(ToneSynthesizer):
        spec = Spec(tmp_path / "pl_PL-test.onnx")

    Voice.spec.onnx.write_bytes(b"voice")
    settings = Settings(models_dir=tmp_path / "models", speech=False)
    assert reply_audio_cache(settings, ToneSynthesizer()) is None  # no voice file: nothing to key the cache by
    engine, synth = build_engine(), Voice(ms_per_char=5.0)
    disk = reply_audio_cache(settings, synth)
    assert disk is not None and disk.dir.parent == tmp_path / "models" / "tts-cache"
    deps = call_deps(synthesizer=synth, dialog=engine, prompts=PromptCache(synth, disk=disk))
    await prerender_replies(deps, engine)
    out = await engine.handle(None, "Ile kosztuje dostawa do paczkomatu?", CallerInfo(channel="phone"))
    first = split_sentences(out.reply)[0]
    assert deps.prompt_cache.get(first) is not None  # the caller's first sound is ready before they ask
    assert len(list(disk.dir.glob("*.npy"))) == len(deps.prompt_cache) > 100


@pytest.mark.models
async def test_the_speaker_server_pre_renders_reply_openings_at_the_voice_rate(voice_spec: Any, tmp_path: Path) -> None:
    """``infolinia wyoming``'s start-up job as wired: the dialog's phrases -> the synthesizer's first pieces."""
    from dialog.store import MemoryStore
    from telephony.app.services import Services
    from telephony.app.speaker import prerender_speaker_replies, speaker_voice
    from telephony.settings import Settings
    from voice.tts import PiperSynthesizer
    from voice.tts_cache import PrerenderedSynthesizer

    class Dialog:
        def phrases(self) -> list[str]:
            return ["Sklep jest otwarty od ósmej. Zapraszamy!"]

    from tests.e2e.voice.test_tts import count_renders

    synth = PiperSynthesizer(voice_spec, first_clause_chars=12, openings=catalogue.template_openings())
    settings = Settings(models_dir=tmp_path, speech=False)
    services = Services(settings=settings, store=MemoryStore(), dialog=Dialog(), synthesizer=synth)  # type: ignore[arg-type]
    speaker = dataclasses.replace(services, synthesizer=speaker_voice(settings, synth))
    await prerender_speaker_replies(speaker)
    cache = speaker.synthesizer
    assert isinstance(cache, PrerenderedSynthesizer) and cache.inner is synth
    assert cache.disk is not None and cache.disk.dir.parent == tmp_path / "tts-cache"
    assert len(list(cache.disk.dir.glob("*.npy"))) == 1  # kept for the next start
    first = await anext(cache.stream("Sklep jest otwarty od ósmej. Zapraszamy!", synth.native_rate))
    assert len(first) > synth.native_rate // 2  # the opening sentence, at once
    rendered = count_renders(synth)
    status = cache.stream("Zamówienie numer 48213 zostało wysłane.", synth.native_rate)
    assert len(await anext(status)) > synth.native_rate // 4 and rendered == []  # its opening was warmed too
    await status.aclose()
