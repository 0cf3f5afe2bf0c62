"""What a device sends to ``POST /v1/voice/turn``, read and checked; and the reply's WAV.

Apart from the route (``telephony/speaker/voice_turn.py``): the bodies a device may send (multipart with a
WAV, a WAV, big-endian L16, little-endian raw PCM), each limited to ``MAX_BODY_BYTES`` and ``MAX_AUDIO_S``,
and a clear 4xx for anything else, before any model is touched.
"""

from __future__ import annotations

import asyncio
import io
from collections.abc import AsyncGenerator

import numpy as np
import soundfile as sf
from fastapi import HTTPException, Request
from starlette.datastructures import UploadFile
from starlette.formparsers import MultiPartException, MultiPartParser

from voice.ports import PCM
from voice.wavio import to_mono_int16

MAX_BODY_BYTES = 2 * 1024 * 1024
MAX_AUDIO_S = 30.0
MIN_RATE, MAX_RATE = 8000, 48000
WAV_TYPES = frozenset({"audio/wav", "audio/x-wav", "audio/wave", "audio/vnd.wave"})
_WAV_FORMATS = frozenset({"WAV", "WAVEX", "RF64"})


def reject(status: int, detail: str) -> HTTPException:
    return HTTPException(status_code=status, detail=detail)


async def read_body(request: Request, limit: int = MAX_BODY_BYTES) -> bytes:
    """The request body, refused with 413 as soon as it exceeds ``limit`` (never buffered beyond it)."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise reject(413, f"request body larger than {limit} bytes")
    parts, size = [], 0
    async for part in request.stream():
        size += len(part)
        if size > limit:
            raise reject(413, f"request body larger than {limit} bytes")
        parts.append(part)
    return b"".join(parts)


def decode_wav(data: bytes) -> tuple[PCM, int]:
    """WAV bytes -> mono int16 PCM and its rate (stereo averaged); 422 when it is no WAV at all."""
    if not data:
        raise reject(422, "the audio is empty: send a WAV file")
    try:
        info = sf.info(io.BytesIO(data))
        if info.format not in _WAV_FORMATS:
            raise reject(422, f"expected a WAV file, got {info.format}")
        samples, rate = sf.read(io.BytesIO(data), dtype="int16", always_2d=True)
    except sf.LibsndfileError as exc:
        raise reject(422, "not a readable WAV file (expected RIFF/WAVE audio)") from exc
    return to_mono_int16(samples), int(rate)


def decode_pcm(data: bytes, channels: int, big_endian: bool) -> PCM:
    """Raw interleaved 16-bit PCM -> mono int16."""
    if channels not in (1, 2):
        raise reject(422, f"channels must be 1 or 2, got {channels}")
    if len(data) % (2 * channels):
        raise reject(422, f"raw PCM length must be a multiple of {2 * channels} bytes (16-bit samples)")
    samples = np.frombuffer(data, dtype=">i2" if big_endian else "<i2").astype(np.int16)
    return to_mono_int16(samples.reshape(-1, channels))


def check_audio(pcm: PCM, rate: int, max_s: float = MAX_AUDIO_S) -> None:
    if not MIN_RATE <= rate <= MAX_RATE:
        raise reject(422, f"sample rate {rate} Hz is not supported ({MIN_RATE}-{MAX_RATE} Hz)")
    if len(pcm) == 0:
        raise reject(422, "the audio contains no samples")
    if len(pcm) > max_s * rate:
        raise reject(413, f"the audio is {len(pcm) / rate:.1f} s long; the limit is {max_s:g} s")


def _media_type(header: str) -> tuple[str, dict[str, str]]:
    kind, *params = (p.strip() for p in header.split(";"))
    pairs = (p.split("=", 1) for p in params if "=" in p)
    return kind.lower(), {k.strip().lower(): v.strip().strip('"') for k, v in pairs}


def _int_param(value: str | None, name: str) -> int:
    try:
        return int(value or "")
    except ValueError as exc:
        raise reject(422, f"{name} must be an integer (e.g. {name}=16000)") from exc


async def _one_chunk(data: bytes) -> AsyncGenerator[bytes, None]:
    yield data


async def _form_audio(request: Request, body: bytes) -> tuple[bytes, str | None]:
    parser = MultiPartParser(request.headers, _one_chunk(body), max_files=1, max_fields=4)
    try:
        form = await parser.parse()
    except MultiPartException as exc:
        raise reject(422, f"bad multipart body: {exc.message}") from exc
    upload, session = form.get("file"), form.get("session_id")
    if not isinstance(upload, UploadFile):
        raise reject(422, "multipart body needs a 'file' part with the WAV")
    return await upload.read(), session if isinstance(session, str) and session else None


async def read_voice_input(request: Request, rate: int | None, channels: int) -> tuple[PCM, int, str | None]:
    """Decode any accepted body into (mono PCM, rate, session id from a form field if any)."""
    kind, params = _media_type(request.headers.get("content-type", ""))
    body = await read_body(request)
    form_session: str | None = None
    if kind == "multipart/form-data":
        wav, form_session = await _form_audio(request, body)
        pcm, in_rate = await asyncio.to_thread(decode_wav, wav)
    elif kind in WAV_TYPES:
        pcm, in_rate = await asyncio.to_thread(decode_wav, body)
    elif kind == "audio/l16":
        in_rate = _int_param(params.get("rate"), "rate")
        pcm = decode_pcm(body, _int_param(params.get("channels", "1"), "channels"), big_endian=True)
    elif kind == "application/octet-stream":
        if rate is None:
            raise reject(422, "raw PCM needs the sample rate: ?rate=16000")
        in_rate, pcm = rate, decode_pcm(body, channels, big_endian=False)
    else:
        raise reject(
            415 if kind else 422,
            "send audio as multipart/form-data (file=WAV), audio/wav, audio/L16;rate=N "
            "or application/octet-stream?rate=N",
        )
    check_audio(pcm, in_rate)
    return pcm, in_rate, form_session


def encode_wav(pcm: PCM, rate: int) -> bytes:
    buf = io.BytesIO()
    sf.write(buf, np.asarray(pcm, dtype=np.int16), rate, format="WAV", subtype="PCM_16")
    return buf.getvalue()


def wants_wav(accept: str) -> bool:
    return any(_media_type(t)[0] in (*WAV_TYPES, "audio/*") for t in accept.split(","))
