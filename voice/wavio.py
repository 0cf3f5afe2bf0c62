"""Audio file helpers: any format soundfile reads -> mono int16 PCM, and PCM -> WAV.

Why soundfile and not the stdlib ``wave``: eval sets and operator-supplied prompts arrive as μ-law
WAV, float WAV, FLAC or Ogg; libsndfile decodes them all, so callers only ever see our PCM convention.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import numpy.typing as npt
import soundfile as sf

from voice.ports import PCM


def to_mono_int16(samples: npt.NDArray[np.generic]) -> PCM:
    """(frames,) or (frames, channels) int16 or float [-1, 1] audio -> mono int16 (channels averaged)."""
    arr = np.asarray(samples)
    if arr.dtype == np.int16 and arr.ndim == 1:
        return arr
    scale = 1.0 if arr.dtype == np.int16 else 32768.0
    if not (arr.dtype == np.int16 or np.issubdtype(arr.dtype, np.floating)):
        raise TypeError(f"unsupported sample type {arr.dtype}: expected int16 or float")
    mono = arr.astype(np.float64).mean(axis=1) if arr.ndim == 2 else arr.astype(np.float64)
    return np.clip(np.rint(mono * scale), -32768, 32767).astype(np.int16)


def read_audio(path: str | Path, rate: int | None = None) -> tuple[PCM, int]:
    """Read an audio file as mono int16; resample to ``rate`` when given. Returns (pcm, rate).

    Read as float: libsndfile scales every format to [-1, 1] that way, whereas asking it for int16
    truncates float WAV files to zeros.
    """
    data, file_rate = sf.read(str(path), dtype="float32", always_2d=True)
    pcm = to_mono_int16(data)
    if rate is not None and rate != file_rate:
        from voice.resample import resample  # imported lazily: only needed when rates differ

        return resample(pcm, file_rate, rate), rate
    return pcm, int(file_rate)


def write_wav(path: str | Path, pcm: PCM, rate: int, *, ulaw: bool = False) -> None:
    """Write mono PCM as a 16-bit (or G.711 μ-law) WAV file."""
    sf.write(str(path), np.asarray(pcm, dtype=np.int16), rate, subtype="ULAW" if ulaw else "PCM_16")


def duration_s(pcm: PCM, rate: int) -> float:
    """Length of ``pcm`` in seconds."""
    return len(pcm) / float(rate)


def voiced_end_s(pcm: PCM, rate: int = 8000, frame_ms: int = 20) -> float:
    """Where the words of a recording end: the last 20 ms frame louder than ~-40 dBFS and 10% of the
    loudest frame's RMS. The reference end of speech for latency figures (simulator, benchmarks)."""
    frame = rate * frame_ms // 1000
    n = len(pcm) // frame
    if n == 0:
        return 0.0
    frames = np.asarray(pcm[: n * frame], dtype=np.float64).reshape(n, frame)
    rms = np.sqrt((frames**2).mean(axis=1))
    threshold = max(300.0, 0.1 * float(rms.max()))
    voiced = np.nonzero(rms >= threshold)[0]
    return 0.0 if len(voiced) == 0 else float((voiced[-1] + 1) * frame) / rate
