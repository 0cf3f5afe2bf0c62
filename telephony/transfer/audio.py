"""Our Polish voice for Twilio ``<Play>``: texts registered in Redis, synthesized and served as WAV.

Why the text (not the audio) goes to Redis: Twilio may fetch ``/twilio/audio/{id}.wav`` from any
worker; storing the short text under ``audio:<id>`` (with a TTL) lets that worker synthesize it,
while a per-process LRU cache makes the usual case (the worker that registered it) instant.
Why an HMAC id: briefings carry a caller's order and words and ``<Play>`` fetches are plain GETs;
an id derived from a server secret is unguessable yet stable, so the same sentence keeps one URL
(Twilio and our cache reuse it). Registration synthesizes eagerly so a broken synthesizer is found
while building the TwiML, which then falls back to ``<Say>`` instead of a failing ``<Play>``.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import re

from redis.asyncio import Redis

from telephony.transfer.hold_music import RATE, hold_music, wav_bytes
from telephony.transfer.twiml import Prompt
from voice.lru import Lru
from voice.ports import Synthesizer

log = logging.getLogger(__name__)

AUDIO_PATH = "/twilio/audio/{audio_id}.wav"
HOLD_MUSIC_ID = "hold-music"
_ID_RE = re.compile(r"^[0-9a-f]{32}$")


class TransferAudio:
    """Registers prompt texts, synthesizes them at 8 kHz and serves WAV bytes by id."""

    def __init__(
        self,
        redis: Redis,
        synthesizer: Synthesizer,
        public_url: str,
        secret: str,
        *,
        prefix: str = "infolinia:",
        ttl_s: int = 6 * 3600,
        cache_size: int = 64,
        synth_timeout_s: float = 8.0,
        music_s: float = 10.0,
    ) -> None:
        if not secret:
            raise ValueError("phone transfers need INFOLINIA_TWILIO_AUTH_TOKEN (it also signs the prompt audio URLs)")
        self._redis = redis
        self._synth = synthesizer
        self._public = public_url.rstrip("/")
        self._key = hashlib.sha256(b"infolinia-audio:" + secret.encode()).digest()
        self._prefix = prefix
        self._ttl_s = ttl_s
        self._cache: Lru[str, bytes] = Lru(cache_size)
        self._timeout_s = synth_timeout_s
        self.music_s = music_s
        self._music: bytes | None = None

    def audio_id(self, text: str) -> str:
        return hmac.new(self._key, text.encode("utf-8"), hashlib.sha256).hexdigest()[:32]

    def url(self, audio_id: str) -> str:
        return self._public + AUDIO_PATH.format(audio_id=audio_id)

    @property
    def music_url(self) -> str:
        return self.url(HOLD_MUSIC_ID)

    async def prompt(self, text: str) -> Prompt:
        """``Prompt`` with our audio URL; without URL (``<Say>`` fallback) when TTS or Redis fails."""
        audio_id = self.audio_id(text)
        try:
            await self._redis.set(self._prefix + f"audio:{audio_id}", text, ex=self._ttl_s)
            if audio_id not in self._cache:
                self._remember(audio_id, await self._synthesize(text))
        except Exception:
            log.exception("prompt audio unavailable; Twilio <Say> will speak it instead")
            return Prompt(text)
        return Prompt(text, self.url(audio_id))

    async def wav(self, audio_id: str) -> bytes | None:
        """The WAV for ``audio_id`` (hold music included); ``None`` when unknown or expired."""
        if audio_id == HOLD_MUSIC_ID:
            if self._music is None:
                self._music = await asyncio.to_thread(lambda: wav_bytes(hold_music(self.music_s), RATE))
            return self._music
        if not _ID_RE.fullmatch(audio_id):
            return None
        cached = self._cache.get(audio_id)
        if cached is not None:
            return cached
        raw = await self._redis.get(self._prefix + f"audio:{audio_id}")
        if raw is None:
            return None
        text = raw.decode("utf-8") if isinstance(raw, bytes) else str(raw)
        data = await self._synthesize(text)
        self._remember(audio_id, data)
        return data

    async def _synthesize(self, text: str) -> bytes:
        pcm = await asyncio.wait_for(self._synth.synthesize(text, RATE), self._timeout_s)
        return await asyncio.to_thread(wav_bytes, pcm, RATE)

    def _remember(self, audio_id: str, data: bytes) -> None:
        self._cache.put(audio_id, data)
