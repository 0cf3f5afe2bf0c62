"""What the call simulator (``telephony/devtools/simulator.py``) says on the wire as Twilio: the voice
webhook's form, the media stream's ``start`` and ``stop`` messages, and what it reads from the TwiML.

Why apart from the simulator: these are Twilio's formats, fixed by Twilio; the simulator's own subject is
the caller's timing (frames in real time, waiting for the bot, barging in) and what it measures.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any
from urllib.parse import urlsplit, urlunsplit


def voice_webhook(call_sid: str, account_sid: str, from_number: str, to_number: str) -> dict[str, str]:
    """The form of Twilio's incoming-call webhook (``POST /twilio/voice``) for a ringing inbound call."""
    return {
        "CallSid": call_sid,
        "AccountSid": account_sid,
        "From": from_number,
        "To": to_number,
        "CallStatus": "ringing",
        "Direction": "inbound",
        "ApiVersion": "2010-04-01",
    }


def start_message(account_sid: str, call_sid: str, stream_sid: str, params: dict[str, str]) -> dict[str, Any]:
    """The media stream's ``start`` event: 8 kHz μ-law inbound audio, the TwiML's ``<Parameter>``s."""
    return {
        "event": "start",
        "start": {
            "accountSid": account_sid,
            "streamSid": stream_sid,
            "callSid": call_sid,
            "tracks": ["inbound"],
            "mediaFormat": {"encoding": "audio/x-mulaw", "sampleRate": 8000, "channels": 1},
            "customParameters": params,
        },
    }


def stop_message(account_sid: str, call_sid: str) -> dict[str, Any]:
    """The media stream's ``stop`` event: the call is over (hung up, or moved by the REST API)."""
    return {"event": "stop", "stop": {"accountSid": account_sid, "callSid": call_sid}}


def stream_target(stream_url: str, base_url: str) -> str:
    """Map the public ``wss://host/path`` of the TwiML onto the gateway we can reach (``--url``)."""
    public, base = urlsplit(stream_url), urlsplit(base_url)
    scheme = "wss" if base.scheme == "https" else "ws"
    path = base.path.rstrip("/") + public.path
    return urlunsplit((scheme, base.netloc, path, public.query, ""))


def parse_twiml(xml: str) -> tuple[str, dict[str, str]]:
    """The ``<Connect><Stream url>`` and its ``<Parameter>``s; ValueError when the TwiML has no stream."""
    root = ET.fromstring(xml)
    stream = root.find("./Connect/Stream")
    if stream is None or not stream.get("url"):
        raise ValueError(f"the TwiML has no <Connect><Stream url=...>: {xml[:300]}")
    params = {p.get("name", ""): p.get("value", "") for p in stream.findall("Parameter")}
    return str(stream.get("url")), params
