"""Twilio's far end of one call over the real wire, for the hostile stream tests: a signed webhook, the signed
media-stream WebSocket, caller frames at real time (or none, or broken ones) and the bot's audio played on a
clock, its marks echoed when that audio has played (never while the test holds the stream quiet: a stalled
stream sends nothing back, marks included).

Why not the call simulator (``telephony.devtools.simulator``): it plays a well-behaved Twilio; these tests
need one that misbehaves on cue and says when each piece of bot audio arrived.
"""

from __future__ import annotations

import asyncio
import base64
import json
import socket
import time
from dataclasses import dataclass, field
from typing import Any

import httpx
from twilio.request_validator import RequestValidator
from websockets.asyncio.client import ClientConnection, connect
from websockets.client import ClientProtocol
from websockets.uri import parse_uri

from telephony.devtools.simulator_wire import parse_twiml, start_message, stream_target, voice_webhook

ACCOUNT = "AC" + "6" * 32
STREAM_SID = "MZ" + "6" * 32
SILENT_FRAME = base64.b64encode(b"\xff" * 160).decode()  # 20 ms of μ-law silence


@dataclass
class FarEnd:
    """One call's Twilio side. ``audio`` holds (arrival second, seconds of audio) of every bot media frame."""

    ws: ClientConnection
    t0: float = field(default_factory=time.monotonic)
    audio: list[tuple[float, float]] = field(default_factory=list)
    marks: list[tuple[float, str]] = field(default_factory=list)  # (due second by the play clock, name)
    _play_end: float = 0.0
    _seq: int = 0
    _reader: asyncio.Task[None] | None = None

    @classmethod
    async def dial(cls, base: str, public: str, token: str, call_sid: str) -> FarEnd:
        """The signed voice webhook, then the signed stream with ``connected`` and ``start``."""
        signer, params = RequestValidator(token), voice_webhook(call_sid, ACCOUNT, "+48600100200", "+48221234567")
        headers = {"X-Twilio-Signature": signer.compute_signature(public + "/twilio/voice", params)}
        async with httpx.AsyncClient(timeout=10.0) as http:
            resp = await http.post(base + "/twilio/voice", data=params, headers=headers)
        url, stream_params = parse_twiml(resp.text)
        signature = {"X-Twilio-Signature": signer.compute_signature(url, {})}
        ws = await connect(stream_target(url, base), additional_headers=signature)
        far = cls(ws)
        await far.send({"event": "connected", "protocol": "Call", "version": "1.0.0"})
        await far.send(start_message(ACCOUNT, call_sid, STREAM_SID, stream_params))
        far._reader = asyncio.create_task(far._read())
        return far

    def now(self) -> float:
        return time.monotonic() - self.t0

    async def send(self, msg: dict[str, Any]) -> None:
        self._seq += 1
        await self.ws.send(json.dumps({**msg, "sequenceNumber": str(self._seq), "streamSid": STREAM_SID}))

    async def frames(self, seconds: float, payload: str = SILENT_FRAME) -> None:
        """Caller frames every 20 ms for ``seconds``, echoing each mark whose audio has played."""
        start, n = time.monotonic(), 0
        while time.monotonic() - start < seconds:
            await self.send({"event": "media", "media": {"track": "inbound", "payload": payload}})
            for due, name in [m for m in self.marks if m[0] <= self.now()]:
                self.marks.remove((due, name))
                await self.send({"event": "mark", "mark": {"name": name}})
            n += 1
            await asyncio.sleep(max(0.0, start + n * 0.02 - time.monotonic()))

    async def keys(self, digits: str) -> None:
        for digit in digits:
            await self.send({"event": "dtmf", "dtmf": {"track": "inbound_track", "digit": digit}})

    def audio_s(self, after: float = 0.0) -> float:
        """Seconds of bot audio that arrived after second ``after``."""
        return sum(seconds for at, seconds in self.audio if at >= after)

    async def close(self) -> None:
        if self._reader is not None:
            self._reader.cancel()
        await self.ws.close()

    async def _read(self) -> None:
        async for raw in self.ws:
            msg = json.loads(raw)
            now = self.now()
            if msg["event"] == "media":
                seconds = len(base64.b64decode(msg["media"]["payload"])) / 8000
                self.audio.append((now, seconds))
                self._play_end = max(self._play_end, now) + seconds
            elif msg["event"] == "mark":
                self.marks.append((self._play_end, msg["mark"]["name"]))
            elif msg["event"] == "clear":
                self._play_end = now
                self.marks = [(now, name) for _, name in self.marks]


class DeafFarEnd:
    """A Twilio side that sends the caller's frames but never reads what the gateway sends after the handshake:
    its socket's receive buffer fills, then the gateway's send buffer, then the gateway's sends wait (TCP
    back-pressure). A client library would go on reading in the background; this one is raw bytes
    (websockets' sans-I/O client protocol) over a socket with a small receive buffer."""

    def __init__(self, sock: socket.socket, protocol: ClientProtocol) -> None:
        self.sock, self.protocol = sock, protocol

    @classmethod
    async def dial(cls, base: str, public: str, token: str, call_sid: str) -> DeafFarEnd:
        signer, params = RequestValidator(token), voice_webhook(call_sid, ACCOUNT, "+48600100200", "+48221234567")
        headers = {"X-Twilio-Signature": signer.compute_signature(public + "/twilio/voice", params)}
        async with httpx.AsyncClient(timeout=10.0) as http:
            resp = await http.post(base + "/twilio/voice", data=params, headers=headers)
        url, stream_params = parse_twiml(resp.text)
        target = stream_target(url, base)
        protocol = ClientProtocol(parse_uri(target))
        request = protocol.connect()
        request.headers["X-Twilio-Signature"] = signer.compute_signature(url, {})
        protocol.send_request(request)
        sock = socket.socket()
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        sock.connect(("127.0.0.1", int(base.rsplit(":", 1)[1])))
        sock.sendall(b"".join(protocol.data_to_send()))
        handshake = b""
        while b"\r\n\r\n" not in handshake:  # the 101 answer, and not a byte more is read after it
            handshake += await asyncio.to_thread(sock.recv, 1)
        protocol.receive_data(handshake)
        far = cls(sock, protocol)
        far.send({"event": "connected", "protocol": "Call", "version": "1.0.0"})
        far.send(start_message(ACCOUNT, call_sid, STREAM_SID, stream_params))
        return far

    def send(self, msg: dict[str, Any]) -> None:
        self.protocol.send_text(json.dumps({**msg, "streamSid": STREAM_SID}).encode())
        self.sock.sendall(b"".join(self.protocol.data_to_send()))

    async def frames(self, seconds: float) -> None:
        """Silent caller frames every 20 ms (Twilio sends them whether or not it reads)."""
        start, n = time.monotonic(), 0
        while time.monotonic() - start < seconds:
            self.send({"event": "media", "media": {"track": "inbound", "payload": SILENT_FRAME}})
            n += 1
            await asyncio.sleep(max(0.0, start + n * 0.02 - time.monotonic()))

    def close(self) -> None:
        self.sock.close()
