"""Silero voice activity detection on the ONNX model that faster-whisper ships.

Why this model file: faster-whisper (already a dependency for ASR) bundles Silero VAD v6 as
``faster_whisper/assets/silero_vad_v6.onnx``, so there is nothing extra to download or license.
That export differs from upstream Silero: it takes 16 kHz audio only, as windows of 512 samples
(32 ms) preceded by 64 samples of context (the tail of the previous window), plus LSTM state
``h``/``c`` of shape (1, 1, 128); there is no ``sr`` input. Streaming one window at a time with the
state carried gives exactly the probabilities of faster-whisper's batched run (checked), until a second
with no sign of speech restarts the state (``QUIET_RESET_S``).

8 kHz phone audio is upsampled per window with ``StreamResampler`` (an exact, burst-free FIR for
the whole factor 2), so an 8 kHz instance takes 256-sample (32 ms) frames. On the telephony copies
of the eval clips peak probabilities in speech are ~0.7-0.85 instead of ~0.98 at 16 kHz (the phone
band and μ-law cost that, not the resampler: HQ one-shot upsampling scores the same).

Cost, measured on the 2-core dev box: ~230 µs per 32 ms window with one intra-op thread (about
0.7% of a core per live call). That is too long to run on the event loop for many calls at once,
so callers run ``SileroVAD`` calls in a worker thread (``asyncio.to_thread``). ``InferenceSession.run``
is thread-safe, so one ``SileroModel`` (one session) serves all calls; each ``SileroVAD`` holds
only its own stream state and must be used by one call, sequentially.
"""

from __future__ import annotations

import functools
from pathlib import Path

import numpy as np
import numpy.typing as npt
import onnxruntime

from voice.codec import pcm_to_float
from voice.ports import PCM
from voice.resample import StreamResampler

MODEL_RATE = 16000
MODEL_WINDOW = 512  # samples per window at 16 kHz (32 ms)
MODEL_CONTEXT = 64  # samples of the previous window prepended to each window
# After this long with no sign of speech the LSTM state starts afresh. Why: fed a few seconds of digital
# silence (a caller on mute, a line with silence suppression, the pause while a greeting plays), the state
# drifts so that the next words score far lower: the digits of an order number said after 21 s of silence
# peaked at 0.2-0.3 instead of 0.5-0.6, under the phone threshold of 0.3, and the turn was lost (measured on
# the shared phone recordings; 1-1.5 s of silence is harmless, the drift sets in at about 2 s). Pipecat's
# Silero analyser resets its state every 5 s for the same model.
# The state it restarts from is that of a stream after RESTED_S of silence (not zeros: a state that has
# heard no silence at all scores short words lower, and the eval set's turn table missed more of them).
QUIET_RESET_S = 1.0
RESTED_S = 0.5
QUIET_PROBABILITY = 0.1  # below it a window is "no sign of speech" (speech on a phone line scores 0.2-0.9)
_STATE_SHAPE = (1, 1, 128)

Float32Array = npt.NDArray[np.float32]


def default_model_path() -> Path:
    """The Silero ONNX file bundled with faster-whisper."""
    from faster_whisper.utils import get_assets_path

    return Path(get_assets_path()) / "silero_vad_v6.onnx"


class FrameBuffer:
    """Regroups PCM chunks of any size (Twilio's 20 ms frames, say) into fixed-size frames."""

    def __init__(self, frame_samples: int) -> None:
        if frame_samples <= 0:
            raise ValueError(f"frame_samples must be positive, got {frame_samples}")
        self.frame_samples = frame_samples
        self._pending = np.zeros(0, dtype=np.int16)

    @property
    def pending(self) -> int:
        """Samples waiting for the next full frame."""
        return len(self._pending)

    def push(self, pcm: PCM) -> list[PCM]:
        """Add a chunk; return every frame it completes (possibly none), oldest first."""
        data = np.concatenate([self._pending, np.asarray(pcm, dtype=np.int16)])
        full = len(data) // self.frame_samples * self.frame_samples
        self._pending = data[full:]
        return [data[i : i + self.frame_samples] for i in range(0, full, self.frame_samples)]

    def reset(self) -> None:
        self._pending = np.zeros(0, dtype=np.int16)


class SileroModel:
    """Loads the ONNX model once; hands out per-call ``SileroVAD`` detectors sharing the session."""

    def __init__(self, path: str | Path | None = None, intra_op_threads: int = 1) -> None:
        opts = onnxruntime.SessionOptions()
        opts.intra_op_num_threads = intra_op_threads  # many calls share few cores: no thread fan-out
        opts.inter_op_num_threads = 1
        opts.enable_cpu_mem_arena = False
        opts.log_severity_level = 4
        self.path = Path(path) if path is not None else default_model_path()
        self._session = onnxruntime.InferenceSession(
            str(self.path), sess_options=opts, providers=["CPUExecutionProvider"]
        )

    def infer(self, window: Float32Array, h: Float32Array, c: Float32Array) -> tuple[float, Float32Array, Float32Array]:
        """One 576-sample window (64 context + 512 new, float in [-1, 1]) -> (probability, h, c)."""
        prob, h_next, c_next = self._session.run(None, {"input": window[np.newaxis, :], "h": h, "c": c})
        return float(np.asarray(prob).reshape(-1)[0]), h_next, c_next

    @functools.cached_property
    def rested_state(self) -> tuple[Float32Array, Float32Array]:
        """(h, c) of a fresh stream after ``RESTED_S`` of digital silence: where a long silence restarts."""
        h, c = np.zeros(_STATE_SHAPE, dtype=np.float32), np.zeros(_STATE_SHAPE, dtype=np.float32)
        silence = np.zeros(MODEL_CONTEXT + MODEL_WINDOW, dtype=np.float32)
        for _ in range(round(RESTED_S * MODEL_RATE / MODEL_WINDOW)):
            _, h, c = self.infer(silence, h, c)
        return h, c

    def detector(self, rate: int = MODEL_RATE) -> SileroVAD:
        """A fresh streaming detector for one call's audio at ``rate``."""
        return SileroVAD(self, rate)


class SileroVAD:
    """Streaming speech probability for one audio stream; satisfies ``voice.ports.SpeechProbability``.

    Feed consecutive frames of ``frame_samples`` samples at ``rate`` (``FrameBuffer`` regroups
    arbitrary chunks); each call returns the probability of the latest complete 32 ms model window.
    Other chunk sizes are accepted too: ``process`` returns one probability per window completed.
    """

    def __init__(self, model: SileroModel, rate: int = MODEL_RATE) -> None:
        if (MODEL_WINDOW * rate) % MODEL_RATE:
            raise ValueError(f"unsupported rate {rate}: 32 ms must be a whole number of samples")
        self.rate = rate
        self.frame_samples = MODEL_WINDOW * rate // MODEL_RATE
        self._model = model
        self._upsampler = StreamResampler(rate, MODEL_RATE) if rate != MODEL_RATE else None
        self._windows = FrameBuffer(MODEL_WINDOW)
        self._quiet_limit = round(QUIET_RESET_S * MODEL_RATE / MODEL_WINDOW)  # windows
        self.reset()

    def reset(self) -> None:
        """Forget the stream (LSTM state, context, buffered samples), e.g. for a new call."""
        self._fresh_state()
        self._context = np.zeros(MODEL_CONTEXT, dtype=np.float32)
        self._last = 0.0
        self._windows.reset()
        if self._upsampler is not None:
            self._upsampler.reset()

    def _fresh_state(self) -> None:
        self._h = np.zeros(_STATE_SHAPE, dtype=np.float32)
        self._c = np.zeros(_STATE_SHAPE, dtype=np.float32)
        self._quiet = 0  # windows in a row under QUIET_PROBABILITY

    @property
    def last_probability(self) -> float:
        return self._last

    def process(self, pcm: PCM) -> list[float]:
        """Add audio at ``rate``; return the probabilities of the model windows it completed."""
        audio = self._upsampler.process(pcm) if self._upsampler is not None else pcm
        probs = []
        for window in self._windows.push(audio):
            samples = pcm_to_float(window)
            prob, self._h, self._c = self._model.infer(np.concatenate([self._context, samples]), self._h, self._c)
            self._context = samples[-MODEL_CONTEXT:]
            probs.append(prob)
            self._quiet = self._quiet + 1 if prob < QUIET_PROBABILITY else 0
            if self._quiet >= self._quiet_limit:  # a long silence: start the state afresh (see QUIET_RESET_S)
                (self._h, self._c), self._quiet = self._model.rested_state, 0
        if probs:
            self._last = probs[-1]
        return probs

    def __call__(self, frame: PCM) -> float:
        """Probability of speech in the latest complete window (the previous one if none completed)."""
        self.process(frame)
        return self._last
