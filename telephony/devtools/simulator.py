"""``infolinia simulate-call``: phone the gateway exactly as Twilio would, with WAV files as the caller.

Why a simulator: the live call path can't be exercised without a phone line otherwise. This client
does what Twilio does on the wire: a signed voice webhook, the TwiML's ``<Connect><Stream>`` opened
with a signed WebSocket upgrade, ``connected``/``start``, 20 ms μ-law ``media`` frames in real time
(silence between caller turns), DTMF, a far-end player that returns ``mark``s only once the audio
before them has played (and all of them at once on ``clear``), and ``stop`` at the end.

The caller waits for the bot's reply to finish plus ``pause_s`` before its next turn, or with
``barge_in`` starts talking ``barge_in_after_s`` after the bot started. Per turn it measures the
latency the caller hears: end of the WAV's voiced audio -> first bot audio frame received.
"""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import secrets
from dataclasses import dataclass, field
from typing import Any, Protocol

import httpx
import numpy as np
from twilio.request_validator import RequestValidator
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from telephony.devtools.simulator_audio import FRAME, RATE, CallerTurn, FarEndPlayer, PlayedSegment
from telephony.devtools.simulator_rest import CallAction
from telephony.devtools.simulator_wire import parse_twiml, start_message, stop_message, stream_target, voice_webhook
from voice.codec import ulaw_decode, ulaw_encode
from voice.ports import PCM

TICK_S = FRAME / RATE
log = logging.getLogger(__name__)


@dataclass
class TurnResult:
    label: str
    start_s: float  # simulator clock: caller started this turn
    speech_end_s: float  # end of voiced audio (or the last key press)
    first_reply_s: float | None = None  # first bot audio frame received after speech end
    gap_s: float = 0.0  # silence inside the reply's sentences (rendering fell behind playback)

    @property
    def latency_s(self) -> float | None:
        return None if self.first_reply_s is None else self.first_reply_s - self.speech_end_s


@dataclass
class SimulationResult:
    call_sid: str
    turns: list[TurnResult] = field(default_factory=list)
    segments: list[PlayedSegment] = field(default_factory=list)
    # caller (we sent stop) | bot_hung_up | bot_hung_up_with_goodbye (Twilio said it: the fail-safe without a
    # fallback number) | transferred | server (closed) | timeout
    ended_by: str = "caller"
    action: CallAction | None = None  # what the gateway asked the (fake) Twilio REST API to do
    duration_s: float = 0.0
    caller_audio: list[PCM] = field(default_factory=list)
    bot_audio: list[PCM] = field(default_factory=list)
    transcript: list[dict[str, Any]] | None = None  # the gateway's record of the call, when it was read


def ended_by(action: CallAction) -> str:
    """How the gateway's REST request ended the call, as the bench counts it: only a ``<Dial>`` or other new
    TwiML (a queue, hold music) is a hand-over; a hang-up with a goodbye is no transfer."""
    if action.kind == "hang_up":
        return "bot_hung_up_with_goodbye" if action.announcement else "bot_hung_up"
    return "transferred"


class CallActions(Protocol):
    """A local Twilio REST stand-in the gateway talks to: what it asked Twilio to do with a call
    (``simulator_rest.FakeTwilioRest``; ``twilio_standin.TwilioStandin`` for the warm transfer)."""

    actions: asyncio.Queue[CallAction]


class CallSimulator:
    """One simulated inbound call against a running gateway."""

    def __init__(
        self,
        base_url: str,
        *,
        public_url: str,
        auth_token: str,
        account_sid: str = "AC" + "0" * 32,
        from_number: str = "+48600100200",
        to_number: str = "+48221234567",
        barge_in: bool = False,
        pause_s: float = 0.7,
        barge_in_after_s: float = 1.0,
        reply_timeout_s: float = 20.0,
        rest: CallActions | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.public_url = public_url.rstrip("/")
        self.validator = RequestValidator(auth_token)
        self.account_sid = account_sid
        self.from_number, self.to_number = from_number, to_number
        self.barge_in, self.pause_s, self.barge_in_after_s = barge_in, pause_s, barge_in_after_s
        self.reply_timeout_s = reply_timeout_s
        self.rest = rest
        self.call_sid = "CA" + secrets.token_hex(16)
        self.stream_sid = "MZ" + secrets.token_hex(16)
        self._player = FarEndPlayer()
        self._seq = 0
        self._t0 = 0.0
        self._bot_started: float | None = None  # when the bot's current utterance started arriving
        self._last_audio_at = -1.0
        self._turn: TurnResult | None = None
        self._closed = asyncio.Event()

    async def webhook(self, client: httpx.AsyncClient) -> tuple[str, dict[str, str]]:
        """POST the signed incoming-call webhook; returns the stream URL and parameters of the TwiML."""
        params = voice_webhook(self.call_sid, self.account_sid, self.from_number, self.to_number)
        signature = self.validator.compute_signature(self.public_url + "/twilio/voice", params)
        resp = await client.post(
            self.base_url + "/twilio/voice", data=params, headers={"X-Twilio-Signature": signature}
        )
        resp.raise_for_status()
        return parse_twiml(resp.text)

    async def run(self, turns: list[CallerTurn], max_s: float = 300.0) -> SimulationResult:
        async with httpx.AsyncClient(timeout=10.0) as client:
            stream_url, params = await self.webhook(client)
        signature = self.validator.compute_signature(stream_url, {})
        target = stream_target(stream_url, self.base_url)
        result = SimulationResult(call_sid=self.call_sid)
        async with connect(target, additional_headers={"X-Twilio-Signature": signature}) as ws:
            await self._send(ws, {"event": "connected", "protocol": "Call", "version": "1.0.0"}, counted=False)
            await self._send(ws, start_message(self.account_sid, self.call_sid, self.stream_sid, params))
            loop = asyncio.get_running_loop()
            self._t0 = loop.time()
            tasks = [asyncio.create_task(self._receive(ws))]
            if self.rest is not None:
                tasks.append(asyncio.create_task(self._watch_rest(ws, self.rest, result)))
            try:
                await asyncio.wait_for(self._converse(ws, turns, result), max_s)
            except TimeoutError:
                result.ended_by = "timeout"
            finally:
                for task in tasks:
                    task.cancel()
            if result.action is not None:
                result.ended_by = ended_by(result.action)
            if not self._closed.is_set():
                await self._send(ws, stop_message(self.account_sid, self.call_sid))
        result.segments = self._player.segments
        result.duration_s = len(result.caller_audio) * TICK_S
        return result

    async def _send(self, ws: ClientConnection, msg: dict[str, Any], counted: bool = True) -> None:
        if counted:
            self._seq += 1
            msg = {**msg, "sequenceNumber": str(self._seq), "streamSid": self.stream_sid}
        if self._closed.is_set():
            return
        try:
            await ws.send(json.dumps(msg))
        except Exception:  # the server hung up (transfer, goodbye): the conversation is over
            self._closed.set()

    async def _receive(self, ws: ClientConnection) -> None:
        """Server -> phone: media into the player, marks queued behind it, clear empties it."""
        try:
            async for raw in ws:
                msg = json.loads(raw)
                event = msg.get("event")
                now = self._now()
                if event == "media":
                    self._player.add_audio(ulaw_decode(base64.b64decode(msg["media"]["payload"])))
                    self._on_bot_audio(now)
                elif event == "mark":
                    self._player.add_mark(str(msg["mark"]["name"]))
                elif event == "clear":
                    for name in self._player.clear(now):
                        await self._send(ws, {"event": "mark", "mark": {"name": name}})
        except Exception as exc:  # a closed socket ends the call; anything else is worth a line
            if not isinstance(exc, ConnectionClosed):
                log.warning("simulator receive loop failed: %r", exc)
        finally:
            self._closed.set()

    async def _watch_rest(self, ws: ClientConnection, rest: CallActions, result: SimulationResult) -> None:
        """Hang-up or new TwiML for this call: like Twilio, stop the stream and close the socket."""
        while True:
            action = await rest.actions.get()
            if action.call_sid == self.call_sid:
                break
        result.action = action
        await self._send(ws, stop_message(self.account_sid, self.call_sid))
        self._closed.set()
        await ws.close()

    def _on_bot_audio(self, now: float) -> None:
        if self._bot_started is None:
            self._bot_started = now
        self._last_audio_at = now
        turn = self._turn
        if turn is not None and turn.first_reply_s is None and now >= turn.speech_end_s:
            turn.first_reply_s = now

    def _now(self) -> float:
        return asyncio.get_running_loop().time() - self._t0

    async def _tick(self, ws: ClientConnection, result: SimulationResult, frame: PCM | None = None) -> None:
        """One 20 ms step on the simulator clock: send a caller frame, play 20 ms of bot audio."""
        n = len(result.caller_audio)
        delay = self._t0 + n * TICK_S - asyncio.get_running_loop().time()
        if delay > 0:
            await asyncio.sleep(delay)
        pcm = frame if frame is not None else np.zeros(FRAME, dtype=np.int16)
        payload = base64.b64encode(ulaw_encode(pcm)).decode("ascii")
        media = {"track": "inbound", "chunk": str(n + 1), "timestamp": str(n * 20), "payload": payload}
        await self._send(ws, {"event": "media", "media": media})
        starved = self._player.starved_s
        played, due = self._player.tick(self._now())
        if self._turn is not None and self._player.starved_s > starved:
            self._turn.gap_s += self._player.starved_s - starved
        result.caller_audio.append(pcm)
        result.bot_audio.append(played)
        for name in due:
            await self._send(ws, {"event": "mark", "mark": {"name": name}})
        if self._player.idle and self._bot_started is not None and self._now() - self._last_audio_at > TICK_S * 2:
            self._bot_started = None  # the utterance has played out

    async def _converse(self, ws: ClientConnection, turns: list[CallerTurn], result: SimulationResult) -> None:
        await self._wait_for_bot(ws, result, interrupt=False)  # the greeting is heard out
        for i, spec in enumerate(turns):
            if self._closed.is_set():
                break
            await self._say(ws, spec, result)
            await self._wait_for_bot(ws, result, interrupt=self.barge_in and i < len(turns) - 1)
        result.ended_by = "server" if self._closed.is_set() else "caller"

    async def _say(self, ws: ClientConnection, spec: CallerTurn, result: SimulationResult) -> None:
        start = self._now()
        turn = TurnResult(spec.label, start, start + spec.voiced_end_s)
        result.turns.append(turn)
        self._turn = turn
        for digit in spec.digits:  # keys: the turn ends with the last one
            await self._send(ws, {"event": "dtmf", "dtmf": {"track": "inbound_track", "digit": digit}})
            turn.speech_end_s = self._now()
            for _ in range(5):  # 100 ms between key presses
                await self._tick(ws, result)
        for i in range(0, len(spec.pcm), FRAME):
            if self._closed.is_set():
                break
            frame = np.zeros(FRAME, dtype=np.int16)
            chunk = spec.pcm[i : i + FRAME]
            frame[: len(chunk)] = chunk
            await self._tick(ws, result, frame)

    async def _wait_for_bot(self, ws: ClientConnection, result: SimulationResult, interrupt: bool) -> None:
        """Silence until the bot has replied and finished (+ pause), or (barge-in) talked for a while."""
        waited_from = self._now()
        quiet_since: float | None = None
        heard_reply = False
        while not self._closed.is_set():
            await self._tick(ws, result)
            now = self._now()
            if self._bot_started is not None:
                heard_reply = True
                quiet_since = None
                if interrupt and now - self._bot_started >= self.barge_in_after_s:
                    return
            elif heard_reply:
                quiet_since = now if quiet_since is None else quiet_since
                if now - quiet_since >= self.pause_s:
                    return
            if not heard_reply and now - waited_from > self.reply_timeout_s:
                return
