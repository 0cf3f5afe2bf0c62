"""μ-law codec: bit-exact parity with CPython's audioop where it still exists, plus invariants."""

from __future__ import annotations

import importlib
from types import ModuleType

import numpy as np

from voice.codec import (
    ULAW_SILENCE,
    float_to_pcm,
    pcm_from_bytes,
    pcm_to_bytes,
    pcm_to_float,
    ulaw_decode,
    ulaw_encode,
)

ALL_CODES = bytes(range(256))
ALL_SAMPLES = np.arange(-32768, 32768, dtype=np.int16)


def _audioop() -> ModuleType:
    """The reference codec: the standard library's, or audioop-lts from Python 3.13 on (a dependency in
    pyproject.toml, so never a reason to skip: a missing one is a broken install)."""
    return importlib.import_module("audioop")


def test_decode_matches_audioop_on_all_256_codes() -> None:
    audioop = _audioop()
    assert pcm_to_bytes(ulaw_decode(ALL_CODES)) == audioop.ulaw2lin(ALL_CODES, 2)


def test_encode_matches_audioop_on_all_int16_samples() -> None:
    audioop = _audioop()
    assert ulaw_encode(ALL_SAMPLES) == audioop.lin2ulaw(pcm_to_bytes(ALL_SAMPLES), 2)


def test_silence_byte_is_zero_both_ways() -> None:
    assert ULAW_SILENCE == 0xFF
    assert ulaw_decode(bytes([ULAW_SILENCE]) * 160).tolist() == [0] * 160
    assert ulaw_encode(np.zeros(160, dtype=np.int16)) == bytes([ULAW_SILENCE]) * 160


def test_decode_returns_int16_one_sample_per_byte() -> None:
    pcm = ulaw_decode(ALL_CODES)
    assert pcm.dtype == np.int16
    assert pcm.shape == (256,)
    assert ulaw_encode(pcm) == ALL_CODES.replace(b"\x7f", b"\xff")  # only ±0 collapse: 0x7F is -0


def test_roundtrip_error_is_within_g711_quantisation() -> None:
    wide = ALL_SAMPLES.astype(np.int32)
    back = ulaw_decode(ulaw_encode(ALL_SAMPLES)).astype(np.int32)
    err = np.abs(back - wide)
    # The quantisation step is 8 in the first segment and 1024 in the last; 32124 is the top code.
    assert int(err[np.abs(wide) < 100].max()) <= 8
    assert int(err[np.abs(wide) <= 32124].max()) <= 1024
    assert int(np.abs(back).max()) == 32124


def test_empty_input() -> None:
    assert ulaw_encode(np.zeros(0, dtype=np.int16)) == b""
    assert ulaw_decode(b"").shape == (0,)


def test_bytes_and_float_helpers_roundtrip() -> None:
    raw = pcm_to_bytes(ALL_SAMPLES)
    assert raw[:2] == b"\x00\x80"  # little-endian -32768
    assert np.array_equal(pcm_from_bytes(raw), ALL_SAMPLES)
    f = pcm_to_float(ALL_SAMPLES)
    assert f.dtype == np.float32
    assert float(f.min()) == -1.0
    assert float(f.max()) < 1.0
    assert np.array_equal(float_to_pcm(f), ALL_SAMPLES)
    assert float_to_pcm(np.array([2.0, -2.0])).tolist() == [32767, -32768]
