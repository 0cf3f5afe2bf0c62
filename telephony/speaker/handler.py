"""Wyoming event handler: infolinia as conversation agent, Polish STT and Polish TTS for Home Assistant.

Home Assistant's Wyoming integration turns one ``describe`` -> ``info`` into entities: a conversation
agent for the **handle** program, an STT entity for the **asr** program and a TTS entity for the **tts**
program (all ``pl``). Any HA voice satellite then talks to the shop's dialog engine.

Shape (after rhasspy's wyoming-faster-whisper/wyoming-piper): one small event handler per connection
routes events by type to the handle logic here and to per-connection ASR/TTS responders
(``wyoming_asr``, ``wyoming_tts``); every model call is already async (worker threads inside the
recognizer and synthesizer), so the loop stays free. Frames are read with size limits
(``wyoming_frames``), and bad input is answered with an ``error`` event (or, for an unreadable frame,
an error and a close): never an exception that ends the server. Follow-up questions work across
connections because ``context.conversation_id`` maps to the dialog session in the store.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from wyoming.asr import Transcript
from wyoming.error import Error
from wyoming.event import Event
from wyoming.handle import Handled, NotHandled
from wyoming.info import Info
from wyoming.intent import Intent
from wyoming.ping import Ping, Pong
from wyoming.server import AsyncEventHandler

from dialog import catalogue
from telephony.speaker.asr import AsrResponder
from telephony.speaker.conversation import SpeakerConversations
from telephony.speaker.frames import FrameError, WyomingLimits, read_event
from telephony.speaker.info import PROGRAM_NAMES
from telephony.speaker.peers import ConnectionCounts, peer_address
from telephony.speaker.speech import AudioRejected
from telephony.speaker.tts import TtsResponder
from voice.ports import Recognizer, Synthesizer

log = logging.getLogger(__name__)


@dataclass
class WyomingGateway:
    """What every connection shares: the dialog (via speaker conversations), the models, the limits."""

    conversations: SpeakerConversations | None  # None: recognition only (``infolinia wyoming --asr-only``)
    recognizer: Recognizer | None = None
    synthesizer: Synthesizer | None = None
    hotwords: tuple[str, ...] = ()
    limits: WyomingLimits = field(default_factory=WyomingLimits)
    info: Info = field(default_factory=Info)
    counts: ConnectionCounts = field(default_factory=ConnectionCounts)  # served now, in all and per address

    def handler(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> WyomingHandler:
        """The ``HandlerFactory`` wyoming's servers call for each connection."""
        return WyomingHandler(reader, writer, self)


class WyomingHandler(AsyncEventHandler):
    """One client connection. State lives here only for the request in progress."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, gw: WyomingGateway) -> None:
        super().__init__(reader, writer)
        self.gw = gw
        self._asr = AsrResponder(gw.recognizer, gw.limits.max_audio_s, gw.hotwords, self.write_event, self._error)
        self._tts = TtsResponder(gw.synthesizer, gw.limits, self.write_event, self._error)
        self._routes: dict[str, Callable[[Event], Awaitable[bool]]] = {
            "describe": self._on_describe,
            "ping": self._on_ping,
            "select-program": self._on_select_program,
            "transcript": self._on_transcript,
            "intent": self._on_intent,
            "transcribe": self._asr.transcribe,
            "audio-start": self._asr.audio_start,
            "audio-chunk": self._asr.audio_chunk,
            "audio-stop": self._asr.audio_stop,
            "synthesize": self._tts.synthesize,
            "synthesize-start": self._tts.start,
            "synthesize-chunk": self._tts.chunk,
            "synthesize-stop": self._tts.stop,
        }

    async def run(self) -> None:
        """Serve this connection unless ``max_connections`` are served already, or ``max_connections_per_peer``
        from its address (then a ``busy`` error saying which, and the close)."""
        peer = peer_address(self.writer)
        busy = self.gw.counts.admit(peer, self.gw.limits)
        if busy is not None:
            await self._refuse_busy(busy)
            return
        try:
            await self._serve()
        finally:
            self.gw.counts.leave(peer)

    async def _refuse_busy(self, text: str) -> None:
        """The ``busy`` error, then the close. What the client sent first is read (at most 64 KiB, 1 s) so the
        close is not a reset that could drop the error before the client reads it."""
        await self._error(text, "busy")
        with contextlib.suppress(TimeoutError, ConnectionError):
            await asyncio.wait_for(self.reader.read(1 << 16), 1.0)
        self.writer.close()

    async def _serve(self) -> None:
        """Read events with limits until the client leaves, idles out, or sends something unreadable."""
        try:
            while True:
                event = await asyncio.wait_for(read_event(self.reader, self.gw.limits), self.gw.limits.idle_timeout_s)
                if event is None or not await self._dispatch(event):
                    break
        except FrameError as exc:
            log.warning("wyoming: closing connection after a bad frame: %s", exc.text)
            await self._error(exc.text, exc.code)
        except TimeoutError:
            log.info("wyoming: closing idle connection")
        except (ConnectionError, asyncio.IncompleteReadError):
            log.info("wyoming: client disconnected")
        finally:
            await self.disconnect()
            self.writer.close()

    async def _dispatch(self, event: Event) -> bool:
        try:
            return await self.handle_event(event)
        except (ConnectionError, asyncio.IncompleteReadError):
            raise
        except AudioRejected as exc:
            return await self._asr.reject(exc.text, exc.code)
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            log.warning("wyoming: malformed %s event: %r", event.type, exc)
            await self._error(f"malformed {event.type} event", "bad-event")
            return True
        except Exception:  # a bug of ours: tell the client, drop this connection, keep serving others
            log.exception("wyoming: unexpected error handling %s", event.type)
            await self._error("internal error", "internal-error")
            return False

    async def handle_event(self, event: Event) -> bool:
        route = self._routes.get(event.type)
        if route is None:
            await self._error(f"unsupported event type {event.type!r}", "unsupported-event")
            return True
        return await route(event)

    async def _error(self, text: str, code: str) -> None:
        with contextlib.suppress(ConnectionError, RuntimeError):
            await self.write_event(Error(text=text, code=code).event())

    # --- info ---------------------------------------------------------------------------------

    async def _on_describe(self, event: Event) -> bool:
        await self.write_event(self.gw.info.event())
        return True

    async def _on_ping(self, event: Event) -> bool:
        await self.write_event(Pong(text=Ping.from_event(event).text).event())
        return True

    async def _on_select_program(self, event: Event) -> bool:
        name = event.data.get("name")
        if name not in PROGRAM_NAMES:
            await self._error(f"unknown program {name!r}", "unknown-program")
        return True

    # --- handle: the conversation agent -------------------------------------------------------

    async def _on_transcript(self, event: Event) -> bool:
        request = Transcript.from_event(event)
        await self._converse(request.text, request.context)
        return True

    async def _on_intent(self, event: Event) -> bool:
        request = Intent.from_event(event)
        await self._converse(request.text or "", request.context)
        return True

    async def _converse(self, text: object, context: object) -> None:
        ctx: dict[str, Any] = dict(context) if isinstance(context, dict) else {}
        if self.gw.conversations is None:
            await self._error("the conversation agent is not enabled on this server", "handle-unavailable")
            return
        if not isinstance(text, str) or not text.strip():
            await self.write_event(NotHandled(text=catalogue.NOT_HEARD, context=ctx).event())
            return
        if len(text) > self.gw.limits.max_text_chars:
            await self.write_event(NotHandled(text=catalogue.HANDLE_TOO_LONG, context=ctx).event())
            return
        conversation_id = ctx.get("conversation_id")
        try:
            reply = await self.gw.conversations.turn(
                text.strip(), conversation_id if isinstance(conversation_id, str) else None
            )
        except Exception:
            log.exception("wyoming: dialog failed")
            await self.write_event(NotHandled(text=catalogue.HANDLE_FAILED, context=ctx).event())
            return
        ctx.update(conversation_id=reply.conversation_id, infolinia_session_id=reply.session_id)
        ctx.update(infolinia_action=reply.action, infolinia_callback_id=reply.callback_id)
        await self.write_event(Handled(text=reply.text, context=ctx).event())
