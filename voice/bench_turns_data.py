"""The caller turns ``infolinia bench turns`` replays, built from the phone copies of the Polish eval set.

Why made-up pauses: the eval recordings are single read sentences with no pause inside, so a detector that
ends turns early would look perfect on them. Callers pause mid-sentence (thinking, looking something up) and
read order numbers digit by digit, so two harder sets are made from the same recordings, deterministically:

* ``paused``: each sentence split at its quietest 20 ms frame in the middle 30-70 % of its words, with
  600-900 ms of line noise (-60 dBFS) put in; the turn must not end in that pause.
* ``short pause``: the same with 300-500 ms, shorter than today's end-of-turn silence: where a detector
  that ends turns sooner than the silence rule risks cutting off callers the silence rule waits for.
* ``digits``: 3-4 single digits (the GCompris number words "zero".."dziewięć") with 600-900 ms pauses
  between them, like a caller reading out a number slowly.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from voice.bench import read_manifest
from voice.ports import PCM
from voice.wavio import read_audio

RATE = 8000
_FRAME = RATE // 50  # 20 ms
_NOISE_RMS = 30.0  # ~-60 dBFS: a quiet phone line rather than digital zero
_DIGITS = ("zero", "jeden", "dwa", "trzy", "cztery", "pięć", "sześć", "siedem", "osiem", "dziewięć")


@dataclass(frozen=True)
class Turn:
    """One caller turn: its audio, where its words end (s) and the pauses inside it (start, end in s)."""

    kind: str
    pcm: PCM
    words_end_s: float
    pauses: tuple[tuple[float, float], ...] = ()


def _frame_rms(pcm: PCM) -> np.ndarray:
    n = len(pcm) // _FRAME
    frames = np.asarray(pcm[: n * _FRAME], dtype=np.float64).reshape(n, _FRAME)
    return np.sqrt((frames**2).mean(axis=1))


def _voiced(pcm: PCM) -> tuple[int, int]:
    """First and one-past-last voiced 20 ms frame (the same threshold as ``wavio.voiced_end_s``)."""
    rms = _frame_rms(pcm)
    idx = np.nonzero(rms >= max(300.0, 0.1 * float(rms.max())))[0]
    return int(idx[0]), int(idx[-1]) + 1


def _noise(seconds: float, seed: int) -> PCM:
    rng = np.random.default_rng(seed)
    return (rng.standard_normal(int(seconds * RATE)) * _NOISE_RMS).astype(np.int16)


def _gap_s(i: int, short: bool = False) -> float:
    if short:
        return 0.3 + ((i * 37) % 21) / 100.0  # 0.30 .. 0.50 s
    return 0.6 + ((i * 37) % 31) / 100.0  # 0.60 .. 0.90 s, spread evenly


def _words(pcm: PCM) -> PCM:
    first, last = _voiced(pcm)
    return pcm[first * _FRAME : last * _FRAME]


def whole(pcm: PCM) -> Turn:
    _, last = _voiced(pcm)
    return Turn("whole", pcm, last * _FRAME / RATE)


def paused(pcm: PCM, i: int, short: bool = False) -> Turn:
    """``pcm`` split at its quietest frame mid-sentence, with a 0.6-0.9 s (short: 0.3-0.5 s) pause put in."""
    first, last = _voiced(pcm)
    lo, hi = first + int(0.3 * (last - first)), first + int(0.7 * (last - first))
    cut = (lo + int(np.argmin(_frame_rms(pcm)[lo:hi]))) * _FRAME
    gap = _noise(_gap_s(i, short), seed=i)
    audio = np.concatenate([pcm[:cut], gap, pcm[cut:]])
    pause = (cut / RATE, (cut + len(gap)) / RATE)
    return Turn("short pause" if short else "paused", audio, (last * _FRAME + len(gap)) / RATE, (pause,))


def digits(clips: dict[str, PCM], i: int) -> Turn:
    """3-4 digit words read out slowly, separated by 0.6-0.9 s pauses, with 0.3 s of line before and after."""
    count = 3 + i % 2
    names = [_DIGITS[(i * 7 + k * 3) % 10] for k in range(count)]
    parts, pauses, t = [_noise(0.3, seed=1000 + i)], [], 0.3
    for k, name in enumerate(names):
        word = _words(clips[name])
        parts.append(word)
        t += len(word) / RATE
        if k < count - 1:
            gap = _gap_s(i * 5 + k)
            parts.append(_noise(gap, seed=2000 + 10 * i + k))
            pauses.append((t, t + gap))
            t += gap
    parts.append(_noise(0.3, seed=3000 + i))
    return Turn("digits", np.concatenate(parts), t, tuple(pauses))


def load_turns(manifest: Path, digit_turns: int = 10) -> list[Turn]:
    """Every phone recording whole, every sentence (nEMO) with a pause put in, and slowly read digits."""
    rows = [(path, text.strip(" .").lower(), read_audio(path, RATE)[0]) for path, text in read_manifest(manifest)]
    turns = [whole(pcm) for _, _, pcm in rows]
    sentences = [pcm for _, text, pcm in rows if " " in text]
    turns += [paused(pcm, i) for i, pcm in enumerate(sentences)]
    turns += [paused(pcm, i, short=True) for i, pcm in enumerate(sentences)]
    clips = {text: pcm for _, text, pcm in rows if text in _DIGITS}
    if len(clips) == len(_DIGITS):
        turns += [digits(clips, i) for i in range(digit_turns)]
    return turns
