"""Issue 17's guards against loops and invented text, the front end, and the n-best list (unit tests;
the real-model checks are at the end)."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from voice.asr import WhisperRecognizer
from voice.asr_decode import Decoded
from voice.asr_engine import Engine
from voice.asr_front import FrontEnd, to_whisper_audio
from voice.asr_rules import compression_ratio, loudest_dbfs, max_new_tokens, needs_fallback, verdict, without_echo
from voice.ports import Transcript
from voice.wavio import read_audio

OPTIONS = {"no_speech_threshold": 0.6, "beam_size": 1}


def judge(text: str, logprob: float = -0.3, no_speech: float = 0.1, tokens: int = 8, budget: int = 60) -> str:
    return verdict(text, logprob, no_speech, tokens, budget, no_speech=0.6, reject=-1.5)


def test_verdicts() -> None:
    assert judge("Chciałbym sprawdzić status zamówienia.") == ""
    assert judge("") == "silence"
    assert judge("Dziękuję.", logprob=-1.2, no_speech=0.9) == "silence"  # Whisper's own silence rule
    assert judge("Napisy stworzone przez społeczność Amara.org") == "hallucination"
    assert judge("0 0 0 0 0 0 0 0") == "loop"
    assert judge("Kupiłem nowy słownik 15 ks. Ks. Ks. Ks. Ks. Ks.") == "loop"
    assert judge("Zamówienie numer cztery", tokens=60, budget=60) == "budget"  # cut short: a loop
    assert judge("Siedem na sztcia", logprob=-1.8) == "low_logprob"
    assert judge("Siedem na sztcia", logprob=-1.4) == ""  # over the floor: the dialog may still use it
    assert judge("nie nie nie") == ""


def test_fallback_rule_and_ratio() -> None:
    assert not needs_fallback("Lubię czytać przed snem.", -0.4, 8, 60)
    assert needs_fallback("Lubię czytać przed snem.", -1.1, 8, 60)  # Whisper's log-prob threshold
    assert needs_fallback("s s s s s", -0.1, 5, 60)  # a loop, however sure
    assert needs_fallback("Lubię czytać przed snem.", -0.4, 60, 60)  # spent its budget
    assert compression_ratio("to jest to " * 20) > 2.4 > compression_ratio("Lubię czytać przed snem.")
    assert compression_ratio("") == 0.0
    assert max_new_tokens(1.0, tokens_per_s=12) == 28 and max_new_tokens(1.0) == 36


def test_a_rejected_decoding_reaches_the_caller_as_an_empty_transcript() -> None:
    engine = Engine(model=None, options=OPTIONS, min_frames=800, reject_logprob=-1.5)
    audio = np.zeros(16000, dtype=np.float32)
    loop = engine._judge(Decoded("0 0 0 0 0 0", -0.1, 0.05, 12, 36, (("0 0 0 0 0 0", -0.1),)), audio)
    assert (loop.text, loop.confidence, loop.rejected, loop.rejected_text) == ("", 0.0, "loop", "0 0 0 0 0 0")
    guess = engine._judge(Decoded("Siedem na sztcia", -2.0, 0.2, 6, 36), audio)
    assert (guess.text, guess.rejected) == ("", "low_logprob")
    assert engine.rejections == {"loop": 1, "low_logprob": 1}
    silence = engine._judge(Decoded("", -2.0, 0.95, 0, 36), audio)
    assert (silence.text, silence.rejected) == ("", "")  # nothing said is not a rejection
    heard = engine._judge(Decoded("Tak.", -0.2, 0.05, 3, 36, (("Tak.", -0.2), ("Tak!", -0.9))), audio)
    assert heard.text == "Tak." and heard.confidence == pytest.approx(math.exp(-0.2) * 0.95, rel=0.01)
    assert heard.alternatives == (("Tak.", -0.2), ("Tak!", -0.9))
    off = Engine(model=None, options=OPTIONS, min_frames=800, guards=False)  # the old behaviour, for benches
    assert off._judge(Decoded("0 0 0 0 0 0", -0.1, 0.05, 12, 36), audio).text == "0 0 0 0 0 0"


def test_a_segment_whisper_wrote_twice_is_kept_once_as_written() -> None:
    """Seen on the eval set (16 kHz, AMD EPYC without VNNI): the sentence, then the same sentence again."""
    echo = "Moja teściowa czasem przyjeżdża do nas Wilkand Moja teściowa czasem przyjeżdża do nas Wilkand"
    assert without_echo(echo) == "Moja teściowa czasem przyjeżdża do nas Wilkand"
    assert (
        without_echo("Dzień dobry. Chcę zwrócić te buty, chcę zwrócić te buty.") == "Dzień dobry. Chcę zwrócić te buty,"
    )
    assert without_echo("Chcę zwrócić buty, chcę zwrócić buty.") == "Chcę zwrócić buty, chcę zwrócić buty."  # 3 words
    assert without_echo("Nie wiem, nie wiem.") == "Nie wiem, nie wiem."  # too short to be Whisper's echo
    assert without_echo("Zamówienie 4 5 1 2 4 5 1 2") == "Zamówienie 4 5 1 2 4 5 1 2"  # a number: kept whole
    assert without_echo("cztery pięć jeden dwa cztery pięć jeden dwa") == "cztery pięć jeden dwa cztery pięć jeden dwa"
    engine = Engine(model=None, options=OPTIONS, min_frames=800, reject_logprob=-1.5)
    audio = np.zeros(16000, dtype=np.float32)
    twice = engine._judge(Decoded(echo, -0.3, 0.05, 24, 60, ((echo, -0.3), ("Moja teściowa", -0.9))), audio)
    assert (twice.text, twice.rejected) == ("Moja teściowa czasem przyjeżdża do nas Wilkand", "")
    assert twice.alternatives[0] == ("Moja teściowa czasem przyjeżdża do nas Wilkand", -0.3)


def test_existing_callers_see_the_same_transcript() -> None:
    t = Transcript("Tak.", 0.9, 1.0, 0.2)
    assert (t.rejected, t.alternatives, t.segments) == ("", (), ())


def test_front_end_level_and_padding() -> None:
    rate = 8000
    tone = (np.sin(np.arange(rate) * 2 * np.pi * 440 / rate) * 1000).astype(np.int16)  # about -33 dBFS RMS
    plain = to_whisper_audio(tone, rate)
    assert len(plain) == 16000 and plain.dtype == np.float32
    levelled = to_whisper_audio(tone, rate, FrontEnd(level_dbfs=-20.0))
    assert 20 * np.log10(np.sqrt(np.mean(levelled.astype(np.float64) ** 2))) == pytest.approx(-20.0, abs=0.1)
    padded = to_whisper_audio(tone, rate, FrontEnd(pad_s=0.25))
    assert len(padded) == 16000 + 4000 and not padded[:4000].any()
    silence = to_whisper_audio(np.zeros(800, dtype=np.int16), rate, FrontEnd(level_dbfs=-20.0))
    assert not silence.any()  # digital silence is not amplified into noise


def test_a_phone_turn_gets_its_band_image_above_4_khz_and_a_wideband_turn_nothing() -> None:
    def level_at(audio: np.ndarray, hz: float) -> float:
        spectrum = np.abs(np.fft.rfft(audio)) / len(audio)
        return float(spectrum[round(hz * len(audio) / 16000)])

    phone = (np.sin(np.arange(8000) * 2 * np.pi * 1000 / 8000) * 8000).astype(np.int16)  # 1 s, 1 kHz
    plain, imaged = to_whisper_audio(phone, 8000), to_whisper_audio(phone, 8000, FrontEnd(band_image=0.1))
    assert level_at(plain, 7000) < 1e-4 * level_at(plain, 1000)  # the phone band: nothing above 4 kHz
    assert level_at(imaged, 7000) == pytest.approx(0.1 * level_at(imaged, 1000), rel=0.02)  # 8 kHz - 1 kHz
    assert level_at(imaged, 1000) == pytest.approx(level_at(plain, 1000), rel=1e-3)  # the speech band as it was
    wide = (np.sin(np.arange(16000) * 2 * np.pi * 1000 / 16000) * 8000).astype(np.int16)
    assert np.array_equal(to_whisper_audio(wide, 16000, FrontEnd(band_image=0.1)), to_whisper_audio(wide, 16000))


@pytest.mark.models
async def test_the_beam_gives_an_n_best_list(whisper_base: str, eval_dir) -> None:  # type: ignore[no-untyped-def]
    rec = WhisperRecognizer(whisper_base, beam_size=5, alternatives=3, temperatures=(0.0,))
    pcm, rate = read_audio(eval_dir / "wav8k_ulaw_telephony" / "nemo" / "nemo_KS0_neutral_85.wav")
    t = await rec.transcribe(pcm, rate)
    assert t.text and len(t.alternatives) == 3 and t.alternatives[0][0] == t.text
    assert all(lp < 0 for _, lp in t.alternatives) and len({text for text, _ in t.alternatives}) >= 2


def loaded_engine(whisper_base: str) -> Engine:
    """The blocking half of a recognizer with the default settings, loaded."""
    rec = WhisperRecognizer(whisper_base)
    rec.load_blocking()
    assert rec._engine is not None
    return rec._engine


@pytest.mark.models
async def test_a_re_decoding_reuses_the_encoder_output(whisper_base: str, eval_dir) -> None:  # type: ignore[no-untyped-def]
    """The fallback re-decodes from the first pass's encoder output: bit for bit what encoding the audio again
    gives (same text, same log-prob), without a second encoder pass."""
    from voice.asr_decode import decode_batch

    engine = loaded_engine(whisper_base)
    encodes = 0
    encode = engine.model.encode

    def counting(features):  # type: ignore[no-untyped-def]
        nonlocal encodes
        encodes += 1
        return encode(features)

    engine.model.encode = counting
    opts = engine._fallback_options()[0]
    for name in ("nemo_KS0_neutral_85.wav", "nemo_EB0_neutral_14.wav"):
        pcm, rate = read_audio(eval_dir / "wav8k_ulaw_telephony" / "nemo" / name)
        audio = to_whisper_audio(pcm, rate)
        (first,) = decode_batch(engine.model, [audio], None, engine.options, engine.min_frames, engine.tokens_per_s)
        assert first is not None and first.encoded is not None
        before = encodes
        again = engine._again(audio, first, None, opts)
        assert encodes == before  # no second encoder pass
        (fresh,) = decode_batch(engine.model, [audio], None, opts, engine.min_frames, engine.tokens_per_s)
        assert fresh is not None and (again.text, again.avg_logprob) == (fresh.text, fresh.avg_logprob)


@pytest.mark.models
async def test_a_turn_nobody_waits_for_stops_after_its_first_pass(whisper_base: str, eval_dir, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """A doubtful turn is decoded again (fallback, short-answer re-read); a turn whose caller stopped waiting
    (a speculative recognition talked over) is not: a thread cannot stop mid-pass, but between passes."""
    import voice.asr_engine

    engine = loaded_engine(whisper_base)
    passes = 0
    decode_encoded = voice.asr_engine.decode_encoded

    def counting(*args, **kwargs):  # type: ignore[no-untyped-def]
        nonlocal passes
        passes += 1
        return decode_encoded(*args, **kwargs)

    monkeypatch.setattr(voice.asr_engine, "decode_encoded", counting)
    pcm, rate = read_audio(eval_dir / "wav8k_ulaw_telephony" / "nemo" / "nemo_MK0_neutral_34.wav")
    audio = to_whisper_audio(pcm, rate)
    (heard,) = engine.recognise([audio], None)
    assert passes >= 1 and heard.text  # doubtful: read again, and something was heard
    passes = 0
    (dropped,) = engine.recognise([audio], None, wanted=lambda: False)
    assert passes == 0 and dropped.text == ""


def test_the_loudest_window_of_an_utterance() -> None:
    assert loudest_dbfs(np.zeros(8000, dtype=np.int16), 16000) == -math.inf
    tone = np.zeros(16000, dtype=np.int16)
    tone[4096:4608] = (np.sin(np.arange(512) / 3.0) * 3277).astype(np.int16)  # one window at about -23 dBFS
    assert loudest_dbfs(tone, 16000) == pytest.approx(-23.0, abs=0.5)
    assert loudest_dbfs(np.array([], dtype=np.int16), 8000) == -math.inf


async def test_no_words_are_made_of_a_recording_with_no_sound(recognizer: WhisperRecognizer, eval_dir: Path) -> None:
    """Found through the Wyoming server: 0.1 s or 0.5 s of zeros came back as "Zwroty sześć" and the device API
    acted on it. Silence and a faint hiss are not decoded; a quiet recording of speech still is."""
    rng = np.random.default_rng(0)
    hiss = (rng.normal(0, 1, 16000) * 10).astype(np.int16)  # about -70 dBFS
    for pcm in (np.zeros(1600, dtype=np.int16), np.zeros(8000, dtype=np.int16), hiss):
        heard = await recognizer.transcribe(pcm, 16000, ["zwrot"])
        assert heard.text == "" and heard.alternatives == ()
        assert heard.processing_s == 0.0  # never decoded: what Whisper makes of silence depends on its prompt
    speech, rate = read_audio(eval_dir / "wav16k" / "nemo" / "nemo_EB0_neutral_1.wav")  # "Lubię czytać przed snem."
    quiet = (speech.astype(np.float32) * 10 ** (-30 / 20)).astype(np.int16)  # 30 dB quieter
    assert "czyta" in (await recognizer.transcribe(quiet, rate)).text.lower()
