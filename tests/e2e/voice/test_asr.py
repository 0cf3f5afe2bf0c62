"""Whisper recognizer: real Polish speech at 16 kHz and phone quality, concurrency, the event loop."""

from __future__ import annotations

import asyncio
import math
import threading
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import soundfile as sf

from tests.support.loop import watching_the_loop
from tests.support.speech import EchoRecognizer, text_to_pcm
from voice.asr import WhisperRecognizer, pick_device, to_whisper_audio
from voice.asr_engine import Heard
from voice.asr_rules import is_hallucination, max_new_tokens, segment_confidence, transcript_confidence
from voice.asr_score import word_errors
from voice.wavio import read_audio, write_wav

REF_FILE = "nemo/nemo_KS0_neutral_85.wav"  # recognised without error at 16 kHz and 8 kHz (measured)
WEEKEND_FILE = "nemo/nemo_EB0_neutral_75.wav"  # "Moja teściowa czasem przyjeżdża do nas w weekend."
REF_TEXT = "W bankach można założyć konto osobiste, oszczędnościowe lub kredytowe."


def test_pick_device() -> None:
    assert pick_device("auto", "auto", 0) == ("cpu", "int8")
    assert pick_device("auto", "auto", 1) == ("cuda", "float16")
    assert pick_device("cpu", "auto", 1) == ("cpu", "int8")
    assert pick_device("cuda", "int8_float16", 0) == ("cuda", "int8_float16")


def test_confidence_formula() -> None:
    assert segment_confidence(0.0, 0.0) == 1.0
    assert segment_confidence(math.log(0.5), 0.0) == pytest.approx(0.5)
    assert segment_confidence(math.log(0.5), 0.5) == pytest.approx(0.25)
    assert segment_confidence(-50.0, 0.0) < 1e-6
    assert transcript_confidence([]) == 0.0
    # token-weighted: a long confident segment outweighs a short doubtful one
    assert transcript_confidence([(0.0, 0.0, 1.5, 30), (math.log(0.1), 0.0, 1.5, 3)]) == pytest.approx((30 + 0.3) / 33)
    # a decoding loop ("to jest to, że to jest to, ...") compresses well and is sunk despite sure tokens
    assert segment_confidence(-0.05, 0.0, compression_ratio=4.8) < 0.25
    assert segment_confidence(-0.05, 0.0, compression_ratio=2.0) > 0.9


def test_decoding_budget_grows_with_audio_and_respects_whisper_limit() -> None:
    assert max_new_tokens(1.0) >= 2 * 11  # twice the densest Polish speech measured
    assert max_new_tokens(2.0) < max_new_tokens(5.0)
    assert max_new_tokens(60.0) + 224 <= 448


def test_known_hallucinations() -> None:
    assert is_hallucination("Napisy stworzone przez społeczność Amara.org")
    assert not is_hallucination("Chciałbym sprawdzić status zamówienia.")


def test_audio_is_resampled_to_16k() -> None:
    pcm8k = (np.sin(np.arange(8000) * 2 * np.pi * 440 / 8000) * 10000).astype(np.int16)
    audio = to_whisper_audio(pcm8k, 8000)
    assert audio.dtype == np.float32 and len(audio) == 16000
    assert 0.25 < float(np.max(np.abs(audio))) < 0.35


@pytest.fixture
def ref_speech(eval_dir: Path) -> tuple[np.ndarray, int]:
    return read_audio(eval_dir / "wav16k" / REF_FILE)


@pytest.mark.models
async def test_recognises_real_polish_speech(recognizer: WhisperRecognizer, ref_speech) -> None:
    pcm, rate = ref_speech
    t = await recognizer.transcribe(pcm, rate)
    assert word_errors(REF_TEXT, t.text)[0] == 0, t.text
    assert t.confidence > 0.7
    assert t.audio_s == pytest.approx(len(pcm) / rate)
    assert t.processing_s > 0 and t.queued_s >= 0
    assert t.language == "pl" and t.segments and t.segments[0][2]


@pytest.mark.models
async def test_recognises_phone_quality_speech(recognizer: WhisperRecognizer, eval_dir: Path) -> None:
    pcm, rate = read_audio(eval_dir / "wav8k_ulaw_telephony" / REF_FILE)  # μ-law 8 kHz, band-limited
    assert rate == 8000
    t = await recognizer.transcribe(pcm, rate)
    assert word_errors(REF_TEXT, t.text)[0] == 0, t.text
    assert t.audio_s == pytest.approx(len(pcm) / 8000)


@pytest.mark.models
async def test_silence_is_not_a_confident_transcript(recognizer: WhisperRecognizer) -> None:
    rng = np.random.default_rng(0)
    hiss = rng.normal(0, 30, 16000 * 2).astype(np.int16)  # line noise, no speech
    t = await recognizer.transcribe(hiss, 16000)
    assert t.text == "" or t.confidence < 0.3, (t.text, t.confidence)
    empty = await recognizer.transcribe(np.zeros(0, dtype=np.int16), 16000)
    assert (empty.text, empty.confidence, empty.audio_s) == ("", 0.0, 0.0)


@pytest.mark.models
async def test_concurrency_limit_queues_and_reports_the_wait(recognizer: WhisperRecognizer, ref_speech) -> None:
    pcm, rate = ref_speech
    waits: list[float] = []
    inside, most, runs = [0], [0], [0]  # model runs in progress now, at most, in all
    recognise = recognizer._recognise

    def counted(*items: Any, hotwords: str | None, **rest: Any) -> Any:
        with lock:
            inside[0] += 1
            runs[0] += 1
            most[0] = max(most[0], inside[0])
        try:
            return recognise(*items, hotwords=hotwords, **rest)
        finally:
            with lock:
                inside[0] -= 1

    lock = threading.Lock()
    recognizer.queue_observer = waits.append  # what telephony.metrics hooks in
    recognizer._recognise = counted  # type: ignore[method-assign]
    try:
        a, b = await asyncio.gather(recognizer.transcribe(pcm, rate), recognizer.transcribe(pcm, rate))
    finally:
        recognizer.queue_observer = None
        del recognizer._recognise  # the class's method again
    first, second = sorted((a, b), key=lambda t: t.queued_s)
    assert (runs[0], most[0]) == (2, 1)  # concurrency=1: both recognised, never at the same time...
    assert second.queued_s > 0  # ...so the second waited for the first, and says so
    assert a.text == b.text
    assert sorted(waits) == [first.queued_s, second.queued_s]


@pytest.mark.models
async def test_event_loop_keeps_running_during_recognition(recognizer: WhisperRecognizer, ref_speech) -> None:
    pcm, rate = ref_speech
    async with watching_the_loop() as watch:
        recognizer._recognise = watch.wrap(recognizer._recognise)  # type: ignore[method-assign]
        try:
            t = await recognizer.transcribe(pcm, rate)
        finally:
            del recognizer._recognise  # the class's method again
    assert t.text  # the real model did the work...
    assert watch.proofs == [True]  # ...in a thread, the loop turning meanwhile (phone frames keep flowing)


class BlockingEngine:
    """Stands in for the recognizer's engine (the model work) in one unit test: the first recognition blocks
    in its worker thread until ``release`` is set; every start and end is logged in order."""

    def __init__(self) -> None:
        self.log: list[str] = []
        self.started = [threading.Event(), threading.Event()]
        self.release = threading.Event()
        self._lock = threading.Lock()

    def recognise(self, audios: list[np.ndarray], hotwords: str | None, *_: object) -> list[Heard]:
        with self._lock:
            n = sum(entry.startswith("start") for entry in self.log)
            self.log.append(f"start {n}")
        self.started[n].set()
        if n == 0:
            self.release.wait(30)
        with self._lock:
            self.log.append(f"end {n}")
        return [Heard("", 0.0) for _ in audios]


async def test_cancelled_recognition_holds_its_slot_until_the_thread_ends() -> None:
    """A hung-up caller's recognition cannot be interrupted; the next one must wait for its thread."""
    model = BlockingEngine()
    rec = WhisperRecognizer("unused", concurrency=1)
    rec._engine = model  # type: ignore[assignment]  # the slot logic is under test, not Whisper
    pcm = np.full(16000, 3000, dtype=np.int16)  # a sound: silence is never decoded (voice/asr.py)
    first = asyncio.create_task(rec.transcribe(pcm, 16000))
    assert await asyncio.to_thread(model.started[0].wait, 30)  # the first is running in its thread
    first.cancel()
    second = asyncio.create_task(rec.transcribe(pcm, 16000))
    # while the first thread runs, the second never starts (however long it is given)
    assert not await asyncio.to_thread(model.started[1].wait, 0.3)
    assert not first.done()  # the cancelled call is still holding the slot
    model.release.set()
    with pytest.raises(asyncio.CancelledError):
        await first
    t = await second
    assert model.log == ["start 0", "end 0", "start 1", "end 1"]
    assert t.queued_s > 0 and t.text == ""


@pytest.mark.models
async def test_lazy_load_and_hotwords(whisper_base: str, eval_dir: Path) -> None:
    """Hotwords fix a word Whisper base gets wrong: "weekend" is heard as "Wilkent" without them."""
    rec = WhisperRecognizer(whisper_base, device="cpu", hotwords=("sklep",), beam_size=1, temperatures=(0.0,))
    pcm, rate = read_audio(eval_dir / "wav16k" / WEEKEND_FILE)
    plain = await rec.transcribe(pcm, rate)  # loads on first use
    assert rec.load_s > 0 and rec.device == "cpu" and rec.compute_type == "int8"
    hinted = await rec.transcribe(pcm, rate, hotwords=("weekend",))
    assert "weekend" not in plain.text.lower(), plain.text  # measured: "... do nas Wilkent."
    assert "weekend" in hinted.text.lower(), hinted.text


async def test_echo_recognizer_hears_the_text_smuggled_in_pcm() -> None:
    rec = EchoRecognizer()
    t = await rec.transcribe(text_to_pcm("Gdzie jest moja paczka?"), 8000, hotwords=("paczka",))
    assert (t.text, t.confidence) == ("Gdzie jest moja paczka?", 1.0)
    noise = np.array([-1, -2, -3], dtype=np.int16)  # not UTF-8: real sound is heard as nothing
    assert (await rec.transcribe(noise, 8000)).text == ""
    assert rec.calls[0] == ("Gdzie jest moja paczka?", 8000, ("paczka",))


def test_wav_files_of_any_format_read_as_mono_int16(tmp_path: Path) -> None:
    rate = 16000
    tone = (np.sin(np.arange(rate) * 2 * np.pi * 300 / rate) * 12000).astype(np.int16)
    write_wav(tmp_path / "a.wav", tone, rate)
    write_wav(tmp_path / "u.wav", tone, rate, ulaw=True)
    sf.write(tmp_path / "s.wav", np.stack([tone / 32768.0, tone / 32768.0], axis=1), rate, subtype="FLOAT")
    pcm, r = read_audio(tmp_path / "a.wav")
    assert r == rate and pcm.dtype == np.int16 and np.array_equal(pcm, tone)
    ulaw, _ = read_audio(tmp_path / "u.wav")
    assert np.max(np.abs(ulaw.astype(np.int32) - tone)) < 500  # μ-law quantisation only
    stereo, _ = read_audio(tmp_path / "s.wav")
    assert stereo.ndim == 1 and np.max(np.abs(stereo.astype(np.int32) - tone)) <= 1
    phone, r8 = read_audio(tmp_path / "a.wav", rate=8000)
    assert r8 == 8000 and len(phone) == 8000
