"""Hold music generated at start-up, and the WAV encoding every transfer prompt is served in.

Why generated: a music file would need a licence review and a download; a soft pentatonic tone melody
synthesized with numpy is ours, deterministic, tiny, and sounds like "you are still connected"
rather than like silence (callers hang up on silence). Why 8 kHz 16-bit WAV: it is the phone's own
rate, so Twilio plays it without resampling and the file stays small (about 16 kB per second).
"""

from __future__ import annotations

import io

import numpy as np
import numpy.typing as npt
import soundfile as sf

from voice.ports import PCM

RATE = 8000
# A calm C-major pentatonic phrase (Hz, beats); telephone band is 300-3400 Hz, so one octave up.
_PHRASE: tuple[tuple[float, float], ...] = (
    (523.25, 1.0), (659.25, 1.0), (783.99, 1.0), (880.00, 1.0),
    (783.99, 1.0), (659.25, 1.0), (587.33, 2.0),
    (523.25, 1.0), (587.33, 1.0), (659.25, 1.0), (783.99, 1.0),
    (659.25, 1.0), (587.33, 1.0), (523.25, 2.0),
)  # fmt: skip


def _note(freq: float, seconds: float, rate: int) -> npt.NDArray[np.float64]:
    """One note: a sine with a soft second harmonic, a quick attack and an exponential decay."""
    t = np.arange(int(seconds * rate)) / rate
    tone = np.sin(2 * np.pi * freq * t) + 0.25 * np.sin(4 * np.pi * freq * t)
    attack = np.minimum(1.0, t / 0.02)
    envelope = attack * np.exp(-2.5 * t)
    return np.asarray(tone * envelope, dtype=np.float64)


def hold_music(seconds: float = 10.0, rate: int = RATE, beat_s: float = 0.4, level: float = 0.25) -> PCM:
    """``seconds`` of the looping melody at ``rate`` (int16). ``level`` is the peak, 0..1 of full scale.

    Quiet on purpose: it plays between announcements, which must stay clearly louder.
    """
    if seconds <= 0:
        raise ValueError("seconds must be positive")
    phrase = np.concatenate([_note(f, beats * beat_s, rate) for f, beats in _PHRASE])
    reps = int(np.ceil(seconds * rate / len(phrase)))
    audio = np.tile(phrase, reps)[: int(seconds * rate)]
    fade = min(len(audio), int(0.05 * rate))  # no click where the clip loops
    audio[:fade] *= np.linspace(0.0, 1.0, fade)
    audio[len(audio) - fade :] *= np.linspace(1.0, 0.0, fade)
    peak = float(np.max(np.abs(audio))) or 1.0
    return np.asarray(np.rint(audio / peak * level * 32767.0), dtype=np.int16)


def wav_bytes(pcm: PCM, rate: int) -> bytes:
    """Mono 16-bit PCM WAV file contents (what ``<Play>`` fetches)."""
    buf = io.BytesIO()
    sf.write(buf, np.asarray(pcm, dtype=np.int16), rate, format="WAV", subtype="PCM_16")
    return buf.getvalue()
