"""Pipecat's Smart Turn v3.2: an audio end-of-turn model (23 languages, Polish included), on onnxruntime.

Why this model: a fixed silence is the largest part of a phone bot's answer time, and shortening it cuts
callers off mid-sentence. Smart Turn judges from the last 8 s of audio (intonation, an unfinished phrase)
whether the caller is done, so a short pause can end a finished turn while a thinking pause waits longer.
It runs once per pause (~70-90 ms on one thread of the loaded 2-core box), not per frame.

The weights (BSD-2-Clause, Daily) come from the ``pipecat-ai`` wheel; ``voice.models_turn`` extracts only
the .onnx and its licence. The features are Pipecat's numpy port of Whisper's log-mel extractor
(``pipecat/audio/turn/smart_turn/_whisper_features.py``, itself from Hugging Face transformers, Apache-2.0),
reproduced here with the same maths so that the model sees exactly what it was trained on: 16 kHz float audio,
the last 8 s kept (zeros padded in front), zero-mean unit-variance normalised, 400-point periodic-Hann STFT
with hop 160, Slaney mel filterbank (80 bands, 0-8 kHz), log10 clamped 8 below the peak, scaled (x+4)/4.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import numpy as np
import numpy.typing as npt
import onnxruntime
from numpy.lib.stride_tricks import sliding_window_view

from voice.ports import PCM
from voice.resample import resample

MODEL_RATE = 16000
WINDOW_S = 8
_N_FFT, _HOP, _N_MELS = 400, 160, 80
F32 = npt.NDArray[np.float32]
F64 = npt.NDArray[np.float64]


def _hz_to_mel(freq: F64) -> F64:
    """Slaney mel scale: linear below 1 kHz, logarithmic above."""
    mels = 3.0 * freq / 200.0
    high = freq >= 1000.0
    mels[high] = 15.0 + np.log(freq[high] / 1000.0) * (27.0 / np.log(6.4))
    return mels


def _mel_to_hz(mels: F64) -> F64:
    freq = 200.0 * mels / 3.0
    high = mels >= 15.0
    freq[high] = 1000.0 * np.exp((np.log(6.4) / 27.0) * (mels[high] - 15.0))
    return freq


def _mel_filters() -> F64:
    """Slaney-normalised triangular filters, shape (n_fft/2+1, 80), 0 Hz to 8 kHz."""
    edges = np.array([0.0, MODEL_RATE / 2.0])
    lo, hi = _hz_to_mel(edges.copy())
    filter_hz = _mel_to_hz(np.linspace(lo, hi, _N_MELS + 2))
    fft_hz = np.linspace(0, MODEL_RATE // 2, _N_FFT // 2 + 1)
    diff = np.diff(filter_hz)
    slopes = filter_hz[None, :] - fft_hz[:, None]
    down, up = -slopes[:, :-2] / diff[:-1], slopes[:, 2:] / diff[1:]
    filters = np.maximum(0.0, np.minimum(down, up))
    result: F64 = filters * (2.0 / (filter_hz[2 : _N_MELS + 2] - filter_hz[:_N_MELS]))[None, :]
    return result


_HANN = np.hanning(_N_FFT + 1)[:-1]  # periodic Hann, as torch.hann_window
_FILTERS = _mel_filters()


def log_mel(audio: F32) -> F32:
    """Whisper log-mel features (80, 800) of exactly 8 s of 16 kHz float audio."""
    x = (audio - audio.mean()) / np.sqrt(audio.var() + 1e-7)  # in float32, as the reference
    padded = np.pad(x.astype(np.float64), (_N_FFT // 2, _N_FFT // 2), mode="reflect")
    frames = sliding_window_view(padded, _N_FFT)[::_HOP]
    power = np.abs(np.fft.rfft(frames * _HANN, axis=-1)) ** 2
    spec = np.log10(np.maximum(1e-10, _FILTERS.T @ power.T))[:, :-1]
    spec = np.maximum(spec, spec.max() - 8.0)
    out: F32 = ((spec + 4.0) / 4.0).astype(np.float32)
    return out


def model_input(pcm: PCM, rate: int) -> F32:
    """The last 8 s of ``pcm`` at 16 kHz as float in [-1, 1), zeros in front when shorter."""
    audio = resample(pcm, rate, MODEL_RATE).astype(np.float32) / 32768.0
    keep = WINDOW_S * MODEL_RATE
    if len(audio) >= keep:
        window: F32 = audio[-keep:]
        return window
    return np.concatenate([np.zeros(keep - len(audio), np.float32), audio])


class SmartTurnModel:
    """``EndOfTurn`` on the Smart Turn ONNX file. One session serves every call (``run`` is thread-safe)."""

    def __init__(self, path: Path, threads: int = 1) -> None:
        opts = onnxruntime.SessionOptions()
        opts.intra_op_num_threads = threads
        opts.inter_op_num_threads = 1
        opts.execution_mode = onnxruntime.ExecutionMode.ORT_SEQUENTIAL
        self.session = onnxruntime.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])
        self.last_s = 0.0  # wall time of the latest decision (features + model), for benchmarks

    async def __call__(self, pcm: PCM, rate: int) -> float:
        """``predict`` in a worker thread: the event loop carries every call's audio meanwhile."""
        return await asyncio.to_thread(self.predict, pcm, rate)

    def predict(self, pcm: PCM, rate: int) -> float:
        """Probability that the turn in ``pcm`` (its audio up to now, silence after the words included) is over."""
        start = time.perf_counter()
        features = log_mel(model_input(pcm, rate))[None, :, :]
        (out,) = self.session.run(None, {"input_features": features})
        self.last_s = time.perf_counter() - start
        return float(np.asarray(out).reshape(-1)[0])
