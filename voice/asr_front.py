"""What the recognizer does to a caller's turn before Whisper hears it: resampling, level, padding.

Why configurable: phone audio arrives at 8 kHz, band-limited and μ-law companded, and Whisper was trained
on 16 kHz audio. Each step here is a choice whose worth is measured on the eval set (docs/benchmarks.md,
``infolinia bench asr``), not assumed; the defaults are what the table kept.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import soxr

from voice.asr_rules import ASR_RATE
from voice.ports import PCM

PHONE_RATE = 8000  # the phone band: nothing above 4 kHz


@dataclass(frozen=True)
class FrontEnd:
    """``quality``: soxr quality for the upsampling ("QQ", "LQ", "MQ", "HQ", "VHQ"); ``level_dbfs``: RMS level
    the turn is scaled to (None: as it came); ``pad_s``: silence put before the turn; ``band_image``: gain of
    the phone band's mirror image added above 4 kHz to 8 kHz audio (0: none; see ``with_band_image``)."""

    quality: str = "HQ"
    level_dbfs: float | None = None
    pad_s: float = 0.0
    band_image: float = 0.0


def to_whisper_audio(pcm: PCM, rate: int, front: FrontEnd = FrontEnd()) -> npt.NDArray[np.float32]:
    """int16 PCM at any rate -> float32 at 16 kHz, the array faster-whisper takes directly.

    Resampled in floating point (no second int16 rounding), then levelled and padded as ``front`` says.
    """
    audio = np.asarray(pcm, dtype=np.float32) / 32768.0
    if rate != ASR_RATE and len(audio):
        audio = np.asarray(soxr.resample(audio, rate, ASR_RATE, quality=front.quality), dtype=np.float32)
        if rate <= PHONE_RATE and front.band_image > 0:
            audio = with_band_image(audio, front.band_image)
    if front.level_dbfs is not None and len(audio):
        rms = float(np.sqrt(np.mean(np.square(audio, dtype=np.float64))))
        if rms > 1e-5:  # digital silence stays silence
            gain = 10 ** (front.level_dbfs / 20) / rms
            audio = np.clip(audio * min(gain, 10 ** (30 / 20)), -1.0, 1.0)  # at most +30 dB
    if front.pad_s > 0:
        audio = np.concatenate([np.zeros(int(front.pad_s * ASR_RATE), dtype=np.float32), audio])
    return audio.astype(np.float32, copy=False)


def with_band_image(audio: npt.NDArray[np.float32], gain: float) -> npt.NDArray[np.float32]:
    """16 kHz audio upsampled from 8 kHz, plus its own spectrum mirrored into the empty 4-8 kHz band.

    Why: Whisper was trained mostly on wideband speech, and a phone turn gives it log-mel bins above 4 kHz at
    the floor, where wideband speech has its fricatives ("s", "sz", "ś", "cz"). Multiplying by (-1)^n moves
    every frequency f to 8 kHz - f, so the 0.3-3.4 kHz speech lands at 4.6-7.7 kHz, following the turn's own
    envelope: the image a zero-stuffing upsampler would have left, the oldest trick of telephone band
    extension. Measured, not kept (``bench asr``, docs/benchmarks.md): gains 0.05-0.2 all lowered the 8 kHz
    WER and CER of the tuning part, but at 0.1 the held-out part got worse by as much, and the whole set's WER
    did not move. Kept as a front-end option to measure again with larger models.
    """
    sign = np.ones(len(audio), dtype=np.float32)
    sign[1::2] = -1.0
    return np.clip(audio + np.float32(gain) * audio * sign, -1.0, 1.0).astype(np.float32, copy=False)
