"""Resampling between the phone (8 kHz), ASR (16 kHz) and TTS voice rates (22.05 kHz, any rate).

Why two paths:

* ``resample()`` is for whole buffers (an utterance for ASR, a TTS prompt for the cache): soxr "HQ",
  the best quality, latency does not matter.
* ``StreamResampler`` is for 20 ms frames. soxr's good qualities (LQ..VHQ) work in blocks and emit
  output in bursts every 60-140 ms (measured with soxr 1.1.0: 8k->16k HQ gives output on 9 of 50
  frames, first after 5 frames; LQ on 16 of 50), which adds that much latency to VAD and barge-in.
  Only "QQ" (cubic interpolation) emits output for every frame, but it has no anti-aliasing filter:
  a 5 kHz tone resampled 16k->8k comes out at full level as a 3 kHz alias, which makes a 22.05 kHz
  voice sound harsh on the phone. The default ``quality="stream"`` therefore pairs soxr "QQ" with
  a small stateful Kaiser FIR low-pass (60 dB stop band from the lower Nyquist frequency): before
  QQ when downsampling (anti-alias), after it when upsampling (anti-image). Output arrives every
  frame with a few milliseconds of delay, which the resampler hides by trimming its own warm-up,
  so the concatenated stream lines up with the one-shot result. Upsampling by a whole factor
  (8k->16k, the inbound phone->ASR case) skips QQ: zero-stuffing plus the same FIR is exact and
  flat. Other upsampling ratios keep QQ's passband droop (-0.7 dB at 2 kHz, -2.5 dB at 3 kHz for
  8k->22.05k), harmless for phone-band audio.
  Any soxr quality name ("QQ", "LQ", "MQ", "HQ", "VHQ") may be passed instead to use soxr alone.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import numpy.typing as npt
import soxr

from voice.ports import PCM

Quality = Literal["stream", "QQ", "LQ", "MQ", "HQ", "VHQ"]

_ATTEN_DB = 60.0
_PASS_FRACTION = 0.85  # pass band ends at 85% of the lower Nyquist frequency (3.4 kHz for 8 kHz)


def resample(pcm: PCM, in_rate: int, out_rate: int) -> PCM:
    """Whole-buffer resampling at soxr "HQ" quality; returns the input itself when rates are equal."""
    if in_rate == out_rate:
        return pcm
    data = np.ascontiguousarray(pcm, dtype=np.int16)
    out: PCM = soxr.resample(data, in_rate, out_rate, quality="HQ")
    return out


def lowpass_taps(rate: int, pass_hz: float, stop_hz: float, atten_db: float = _ATTEN_DB) -> npt.NDArray[np.float64]:
    """Kaiser-window FIR low-pass (odd length, so its delay is a whole number of samples)."""
    width = 2.0 * np.pi * (stop_hz - pass_hz) / rate
    n = int(np.ceil((atten_db - 7.95) / (2.285 * width))) + 1
    n += 1 - n % 2
    if atten_db > 50:
        beta = 0.1102 * (atten_db - 8.7)
    elif atten_db >= 21:
        beta = 0.5842 * (atten_db - 21) ** 0.4 + 0.07886 * (atten_db - 21)
    else:
        beta = 0.0
    cutoff = (pass_hz + stop_hz) / 2.0 / rate  # cycles per sample
    t = np.arange(n) - (n - 1) / 2.0
    taps = 2.0 * cutoff * np.sinc(2.0 * cutoff * t) * np.kaiser(n, beta)
    taps /= taps.sum()  # unity gain at DC
    return taps


class _StreamFIR:
    """FIR filter over consecutive chunks, with its group delay hidden.

    Keeps the last ``len(taps)-1`` input samples so chunk edges are seamless, drops the first
    ``delay`` outputs and, on flush, pushes ``delay`` zeros through so no tail is lost: the
    concatenated output equals a centred ("same") convolution of the whole signal.
    """

    def __init__(self, taps: npt.NDArray[np.float64]) -> None:
        self._taps = taps
        self._delay = (len(taps) - 1) // 2
        self.reset()

    def reset(self) -> None:
        self._history = np.zeros(len(self._taps) - 1, dtype=np.float64)
        self._to_skip = self._delay

    def process(self, x: npt.NDArray[np.float64], last: bool = False) -> npt.NDArray[np.float64]:
        if last:
            x = np.concatenate([x, np.zeros(self._delay)])
        buf = np.concatenate([self._history, x])
        y = np.convolve(buf, self._taps, mode="valid")
        self._history = buf[len(buf) - len(self._history) :]
        if self._to_skip:
            skip = min(self._to_skip, len(y))
            y = y[skip:]
            self._to_skip -= skip
        if last:
            self.reset()
        return y


class StreamResampler:
    """Stateful resampler for a sequence of chunks of one stream (one instance per call/direction).

    ``process(pcm)`` returns whatever output is ready for that chunk; with ``quality="stream"``
    (default) or ``"QQ"`` that is every chunk (~``len(pcm) * out_rate / in_rate`` samples).
    Call ``process(last_chunk, last=True)`` at the end of a stream to flush the tail, and
    ``reset()`` before reusing the instance for unrelated audio (e.g. after a long gap).
    """

    def __init__(self, in_rate: int, out_rate: int, quality: Quality = "stream") -> None:
        if in_rate <= 0 or out_rate <= 0:
            raise ValueError(f"rates must be positive, got {in_rate} -> {out_rate}")
        self.in_rate = in_rate
        self.out_rate = out_rate
        self.quality = quality
        self._stream: soxr.ResampleStream | None = None
        self._pre: _StreamFIR | None = None
        self._post: _StreamFIR | None = None
        self._stuff = 0  # whole upsampling factor done by zero-stuffing instead of soxr
        if in_rate == out_rate:
            return
        if quality != "stream":
            self._stream = soxr.ResampleStream(in_rate, out_rate, 1, dtype="float64", quality=quality)
            return
        nyquist = min(in_rate, out_rate) / 2.0
        fir = _StreamFIR(lowpass_taps(max(in_rate, out_rate), _PASS_FRACTION * nyquist, nyquist))
        if out_rate < in_rate:
            self._pre = fir
        else:
            self._post = fir
        if out_rate % in_rate == 0:
            self._stuff = out_rate // in_rate
        else:
            self._stream = soxr.ResampleStream(in_rate, out_rate, 1, dtype="float64", quality="QQ")

    def process(self, pcm: PCM, last: bool = False) -> PCM:
        """Resample the next chunk; ``last=True`` also flushes everything still buffered."""
        if self.in_rate == self.out_rate:
            return pcm
        x = np.asarray(pcm, dtype=np.int16).astype(np.float64)
        if self._pre is not None:
            x = self._pre.process(x, last=last)
        if self._stream is not None:
            y = self._stream.resample_chunk(x, last=last)
            if last:
                self._stream.clear()
        else:
            y = np.zeros(len(x) * self._stuff)
            y[:: self._stuff] = x * self._stuff  # zero-stuffing; the FIR interpolates in between
        if self._post is not None:
            y = self._post.process(y, last=last)
        return np.clip(np.round(y), -32768, 32767).astype(np.int16)

    def reset(self) -> None:
        """Forget buffered samples and filter state, e.g. between utterances or after a gap."""
        if self._stream is not None:
            self._stream.clear()
        for fir in (self._pre, self._post):
            if fir is not None:
                fir.reset()
