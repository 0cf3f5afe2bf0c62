"""Speech recognition as its own tier: a ``Recognizer`` that sends each turn to a pool of Wyoming ASR servers.

Why Wyoming: it is the protocol the project already serves (``infolinia wyoming``) and that
wyoming-faster-whisper speaks, so a recognizer pool on GPU machines needs no new server. One turn is one
connection: ``transcribe`` -> ``audio-start`` -> ``audio-chunk``... -> ``audio-stop``, answered by ``transcript``.

Why a pool with a fall-back: a caller must never be left in silence because a recognizer machine died.
Each request has a deadline (connect, send and answer together); a server that fails or misses it is
skipped for ``cooldown_s`` and the turn goes to the next one; when every server has failed the turn is
recognised locally (``fallback``), or the error reaches the call, which apologises and hands over.
The choice of server is pure (``voice.remote_pool.ServerPool``, with a clock, shared with synthesis), so it
is tested with scripted failures.

``infolinia wyoming`` adds the details a plain Wyoming transcript lacks (confidence, rejection, n-best,
segments, its queueing and processing time) under the ``infolinia`` key of the transcript event's data;
other Wyoming clients ignore it, and from other servers (wyoming-faster-whisper) the text alone is used.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
from wyoming.asr import Transcribe
from wyoming.asr import Transcript as WyomingTranscript
from wyoming.audio import AudioChunk, AudioStart, AudioStop
from wyoming.client import AsyncClient
from wyoming.error import Error

from voice.ports import PCM, Recognizer, Transcript
from voice.remote_pool import ServerPool, info_or_raise

log = logging.getLogger(__name__)

EXTENSION = "infolinia"  # key of the transcript details in the transcript event's data
EXACT = "exact_hotwords"  # in a request's context[EXTENSION]: bias with the request's names only
CHUNK_SAMPLES = 1024  # samples per audio-chunk event, as Wyoming clients send them
MAX_NAMES = 200  # bias words sent with one request (the server keeps at most as many)


class RemoteAsrError(Exception):
    """One server could not recognise a turn (unreachable, too slow, closed, or answered ``error``)."""


def transcript_from(data: Mapping[str, Any], audio_s: float, round_trip_s: float) -> Transcript:
    """Our ``Transcript`` from a transcript event's data: the ``infolinia`` details when the server sent
    them; otherwise the text alone (confidence 1 when something was heard: the server gave no score)."""
    text = str(data.get("text") or "").strip()
    ext = data.get(EXTENSION)
    if not isinstance(ext, Mapping):
        return Transcript(text=text, confidence=1.0 if text else 0.0, audio_s=audio_s, processing_s=round_trip_s)
    queued_s = float(ext.get("queued_s", 0.0))
    return Transcript(
        text=text,
        confidence=float(ext.get("confidence", 1.0 if text else 0.0)),
        audio_s=audio_s,
        processing_s=max(0.0, round_trip_s - queued_s),  # the network hop counts as processing
        queued_s=queued_s,
        language=str(data.get("language") or "pl"),
        segments=tuple((float(s), float(e), str(t)) for s, e, t in ext.get("segments", ())),
        rejected=str(ext.get("rejected", "")),
        alternatives=tuple((str(t), float(p)) for t, p in ext.get("alternatives", ())),
    )


def hop_s(data: Mapping[str, Any], round_trip_s: float) -> float | None:
    """What the network hop cost one turn: the round trip minus the server's own queueing and recognition
    (None from a server that does not report them)."""
    ext = data.get(EXTENSION)
    if not isinstance(ext, Mapping):
        return None
    return max(0.0, round_trip_s - float(ext.get("queued_s", 0.0)) - float(ext.get("processing_s", 0.0)))


def exact_hotwords(context: object) -> bool:
    """Whether a ``transcribe`` request's context asks for its own names alone (``recognise_at`` does)."""
    ext = context.get(EXTENSION) if isinstance(context, Mapping) else None
    return isinstance(ext, Mapping) and ext.get(EXACT) is True


def extension_of(result: Transcript) -> dict[str, Any]:
    """What ``infolinia wyoming`` adds to a transcript event (the inverse of ``transcript_from``)."""
    return {
        "confidence": result.confidence,
        "rejected": result.rejected,
        "alternatives": [list(a) for a in result.alternatives],
        "segments": [list(s) for s in result.segments],
        "queued_s": result.queued_s,
        "processing_s": result.processing_s,
    }


async def recognise_at(uri: str, pcm: PCM, rate: int, hotwords: Sequence[str], timeout_s: float) -> dict[str, Any]:
    """One turn at one server, within ``timeout_s`` in all; the transcript event's data, or RemoteAsrError."""
    try:
        return await asyncio.wait_for(_exchange(uri, pcm, rate, hotwords), timeout_s)
    except TimeoutError as exc:
        raise RemoteAsrError(f"{uri}: no transcript within {timeout_s:g} s") from exc
    except (OSError, EOFError, ValueError) as exc:  # refused, reset, closed mid-answer, garbled
        raise RemoteAsrError(f"{uri}: {type(exc).__name__}: {exc}") from exc


async def _exchange(uri: str, pcm: PCM, rate: int, hotwords: Sequence[str]) -> dict[str, Any]:
    data = np.asarray(pcm, dtype="<i2").tobytes()
    names = list(dict.fromkeys(hotwords))[:MAX_NAMES] or None
    async with AsyncClient.from_uri(uri) as client:
        # EXACT: the server biases with these words alone, as a local recognizer would (its own vocabulary may be
        # another shop's: a recognizer tier serves every gateway)
        request = Transcribe(language="pl", transcript_names=names, context={EXTENSION: {EXACT: True}})
        await client.write_event(request.event())
        await client.write_event(AudioStart(rate=rate, width=2, channels=1).event())
        for start in range(0, len(data), CHUNK_SAMPLES * 2):
            chunk = data[start : start + CHUNK_SAMPLES * 2]
            await client.write_event(AudioChunk(rate=rate, width=2, channels=1, audio=chunk).event())
        await client.write_event(AudioStop().event())
        while True:
            event = await client.read_event()
            if event is None:
                raise RemoteAsrError(f"{uri}: closed the connection before the transcript")
            if Error.is_type(event.type):
                raise RemoteAsrError(f"{uri}: {Error.from_event(event).text}")
            if WyomingTranscript.is_type(event.type):
                return dict(event.data or {})


async def describe(uri: str, timeout_s: float = 5.0) -> str:
    """What a server recognises (``describe`` -> ``info``), e.g. ``"base (pl)"``, for ``infolinia check``;
    RemoteAsrError when it does not answer or offers no Polish speech recognition."""
    info = await info_or_raise(uri, timeout_s, RemoteAsrError)
    models = [m for p in info.asr if p.installed for m in p.models if any(x.startswith("pl") for x in m.languages)]
    if not models:
        raise RemoteAsrError(f"{uri}: answers, but offers no Polish speech recognition")
    return ", ".join(f"{m.name} (pl)" for m in models)


class RemoteRecognizer:
    """``Recognizer`` over a pool of Wyoming ASR servers, with a local fall-back (see the module doc)."""

    def __init__(
        self,
        uris: Sequence[str],
        fallback: Recognizer | None = None,
        *,
        timeout_s: float = 10.0,
        cooldown_s: float = 10.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if not uris:
            raise ValueError("a remote recognizer needs at least one server URI")
        self.pool = ServerPool(list(uris), cooldown_s)
        self.fallback, self.timeout_s, self._clock = fallback, timeout_s, clock
        self.queue_observer: Callable[[float], None] | None = None  # the servers' queueing (metrics)
        self.rejection_observer: Callable[[str], None] | None = None
        self.failure_observer: Callable[[str], None] | None = None  # "asr_remote" / "asr_remote_all" (metrics)
        self.hop_observer: Callable[[float], None] | None = None  # each remote turn's network hop (s)
        self.served: dict[str, int] = {}  # turns recognised, by server URI or "local"

    async def transcribe(self, pcm: PCM, rate: int, hotwords: Sequence[str] = ()) -> Transcript:
        audio_s = len(pcm) / rate if rate else 0.0
        for uri in self.pool.order(self._clock()):
            started = time.perf_counter()
            try:
                data = await recognise_at(uri, pcm, rate, hotwords, self.timeout_s)
                round_trip = time.perf_counter() - started
                heard, hop = transcript_from(data, audio_s, round_trip), hop_s(data, round_trip)
            except (RemoteAsrError, TypeError, ValueError) as exc:  # unreachable, slow, or answered garbage
                log.warning("remote recognizer failed, trying the next: %s", exc)
                self.pool.failed(uri, self._clock())
                self._observe_failure("asr_remote")
                continue
            self.pool.succeeded(uri)
            if hop is not None and self.hop_observer is not None:
                self.hop_observer(hop)
            return self._heard(uri, heard)
        self._observe_failure("asr_remote_all")
        if self.fallback is None:
            raise RemoteAsrError(f"every remote recognizer failed ({len(self.pool.uris)}) and there is no local one")
        log.error("every remote recognizer failed: recognising this turn locally")
        return self._heard("local", await self.fallback.transcribe(pcm, rate, hotwords))

    def _heard(self, source: str, result: Transcript) -> Transcript:
        self.served[source] = self.served.get(source, 0) + 1
        if source != "local" and self.queue_observer is not None:
            self.queue_observer(result.queued_s)
        if source != "local" and result.rejected and self.rejection_observer is not None:
            self.rejection_observer(result.rejected)
        return result

    def _observe_failure(self, kind: str) -> None:
        if self.failure_observer is not None:
            self.failure_observer(kind)
