"""Speech round trip and real-speech accuracy: the figures that say whether callers are understood.

1. Round trip: shop-hotline sentences synthesized with the configured voice, recognised back by
   Whisper base at 16 kHz and over a simulated phone line (8 kHz G.711 μ-law). With no Polish voice
   downloaded this is the offline *fallback* voice: an English voice speaking espeak's Polish
   phonemes, which Whisper understands poorly. The thresholds below are measured for that worst case.
2. Real speech: WER on recorded Polish speech from the eval set (16 kHz and 8 kHz telephony copies).
   The test uses every fifth utterance to keep the suite fast; ``infolinia bench`` runs all 75.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from voice.asr import WhisperRecognizer
from voice.asr_score import error_rate
from voice.bench_asr import run_asr_eval
from voice.codec import ulaw_decode, ulaw_encode
from voice.resample import resample
from voice.tts import PiperSynthesizer

pytestmark = pytest.mark.models

HOTLINE = [
    "Dzień dobry, dzwonię w sprawie mojego zamówienia.",
    "Chciałbym sprawdzić, kiedy dotrze moja paczka.",
    "Zamówiłam buty, ale rozmiar jest za mały.",
    "Czy mogę zwrócić towar bez paragonu?",
    "Proszę podać numer zamówienia.",
    "Przesyłka została wysłana wczoraj kurierem.",
    "Chcę zmienić adres dostawy.",
    "Płatność nie przeszła, co mam teraz zrobić?",
    "Proszę połączyć mnie z konsultantem.",
    "Dziękuję bardzo, to wszystko.",
]

# Measured 2026-11-22 (Whisper base int8 on CPU, beam 1, temperature 0; fallback voice, noise scales 0):
#   round trip 16 kHz:        WER 1.145  CER 0.638
#   round trip 8 kHz μ-law:   WER 1.382  CER 0.701  (one decoding loop, cut short by the token budget)
#   chance level (each sentence compared with another one): WER ~1.13, CER ~0.88-0.91
# i.e. with the fallback voice Whisper recognises almost no words, only similar sounds: the fallback is
# a stopgap, not a voice for callers (`infolinia models download pl_PL-darkman-medium`).
# Real speech, every fifth eval utterance (15): 16 kHz WER 0.329 CER 0.118; 8 kHz WER 0.548 CER 0.213.
# (All 75: 16 kHz WER 0.266 CER 0.083; 8 kHz WER 0.481 CER 0.184.)
# Limits: measured values plus a margin for CPU-dependent int8 arithmetic; the round-trip CER limit
# stays below chance level so a broken audio path (wrong rate, silence, noise) fails. The round-trip WER
# limits are above 1.0, which an empty transcript also scores: the test requires a non-empty transcript
# for every sentence, and the real-speech limits (0.42 / 0.65) are what says callers are understood.
ROUNDTRIP_16K = {"wer": 1.5, "cer": 0.78}
ROUNDTRIP_8K = {"wer": 1.6, "cer": 0.82}
EVAL_16K = {"wer": 0.42, "cer": 0.16}
EVAL_8K = {"wer": 0.65, "cer": 0.27}


async def _round_trip(synth: PiperSynthesizer, rec: WhisperRecognizer, phone: bool) -> list[tuple[str, str, float]]:
    """(sentence, what Whisper heard, its confidence) for each hotline sentence."""
    results = []
    for sentence in HOTLINE:
        if phone:  # what the caller's side of a Twilio call carries: 8 kHz μ-law
            pcm, rate = ulaw_decode(ulaw_encode(await synth.synthesize(sentence, 8000))), 8000
            pcm, rate = resample(pcm, rate, 16000), 16000
        else:
            pcm, rate = await synth.synthesize(sentence, 16000), 16000
        t = await rec.transcribe(pcm, rate)
        # A decoded but rejected transcript (the guards withhold garbage from the dialog) still shows what the
        # audio path carried: its best beam hypothesis. The rejection itself is tested in test_asr_guards.py.
        heard = t.text or (t.alternatives[0][0] if t.rejected and t.alternatives else "")
        results.append((sentence, heard, t.confidence))
    return results


@pytest.mark.parametrize("phone", [False, True], ids=["16k", "8k-ulaw"])
async def test_round_trip(
    synthesizer: PiperSynthesizer,
    recognizer: WhisperRecognizer,
    phone: bool,
) -> None:
    results = await _round_trip(synthesizer, recognizer, phone)
    pairs = [(ref, hyp) for ref, hyp, _ in results]
    wer, cer = error_rate(pairs), error_rate(pairs, chars=True)
    limits = ROUNDTRIP_8K if phone else ROUNDTRIP_16K
    print(f"\nround trip {'8k' if phone else '16k'} voice={synthesizer.spec.name}: WER {wer:.3f} CER {cer:.3f}")
    for ref, hyp, confidence in results:
        print(f"  {ref} -> {hyp} [{confidence:.2f}]")
    # WER above 1.0 cannot tell "similar sounds" from "nothing heard" (an empty transcript scores 1.0), so
    # every sentence must be heard as something, and the character error rate must stay below chance.
    assert all(hyp.strip() for _, hyp in pairs), pairs
    assert cer <= limits["cer"] and wer <= limits["wer"]


@pytest.mark.parametrize("manifest", ["manifest.tsv", "manifest_telephony.tsv"], ids=["16k", "8k-telephony"])
async def test_real_polish_speech(recognizer: WhisperRecognizer, eval_dir: Path, manifest: str) -> None:
    result = await run_asr_eval(recognizer, eval_dir / manifest, stride=5)
    limits = EVAL_8K if "telephony" in manifest else EVAL_16K
    print(f"\n{manifest}: {result['utterances']} utts WER {result['wer']:.3f} CER {result['cer']:.3f}")
    assert result["utterances"] == 15
    assert result["wer"] <= limits["wer"] and result["cer"] <= limits["cer"]
