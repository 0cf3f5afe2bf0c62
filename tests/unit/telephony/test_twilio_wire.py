"""Twilio wire formats (recorded-style frames), status-callback ordering, TwiML builders, REST client."""

from __future__ import annotations

import asyncio
import base64
import json
import xml.etree.ElementTree as ET
from urllib.parse import parse_qs

import httpx
import numpy as np
import pytest

from telephony.ports import AudioIn, CallEnded, CallStarted, Dtmf, MarkPlayed
from telephony.twilio.rest import CallNotActiveError, TwilioRestClient, TwilioRestError
from telephony.twilio.twiml import dial_twiml, fallback_twiml, hangup_twiml, stream_twiml
from telephony.twilio.wire import (
    Connected,
    WireError,
    apply_status_callback,
    decode_frame,
    encode_clear,
    encode_mark,
    encode_media,
    new_call_record,
    recording_seconds,
)
from tests.support.paths import FIXTURES
from voice.codec import ulaw_decode, ulaw_encode

FIXTURE = FIXTURES / "twilio_frames.jsonl"
STREAM_SID = "MZ18ad3ab5a668481ce02b83e7395059f0"
CALL_SID = "CAf0e1d2c3b4a5968778695a4b3c2d1e0f"
ACCOUNT_SID = "AC0123456789abcdef0123456789abcdef"


def recorded_frames() -> list[str]:
    return FIXTURE.read_text(encoding="utf-8").splitlines()


# --- inbound frames -------------------------------------------------------------------------------


def test_recorded_frames_decode_in_order() -> None:
    frames = [decode_frame(line) for line in recorded_frames()]
    assert all(f is not None for f in frames)
    events = [f.event for f in frames if f is not None]
    assert [type(e) for e in events] == [
        Connected,
        CallStarted,
        AudioIn,
        AudioIn,
        AudioIn,
        Dtmf,
        MarkPlayed,
        CallEnded,
    ]
    assert events[0] == Connected(protocol="Call", version="1.0.0")
    assert events[1] == CallStarted(
        call_sid=CALL_SID,
        stream_sid=STREAM_SID,
        params={
            "call_sid": CALL_SID,
            "from": "+48600100200",
            "to": "+48221234567",
            "session_id": "recorded-session",
        },
    )
    assert events[5] == Dtmf(digit="1")
    assert events[6] == MarkPlayed(name="utt-1-seg-1")
    assert events[7] == CallEnded(reason="stop")
    # string counters become ints; the envelope carries the stream sid
    assert [f.sequence for f in frames if f is not None] == [None, 1, 2, 3, 4, 5, 6, 7]
    assert {f.stream_sid for f in frames[1:] if f is not None} == {STREAM_SID}


def test_recorded_media_is_mulaw_8k_tone() -> None:
    media = [decode_frame(line) for line in recorded_frames() if '"event":"media"' in line]
    audio = [f.event for f in media if f is not None and isinstance(f.event, AudioIn)]
    assert [a.timestamp_ms for a in audio] == [5, 25, 45]
    pcm = np.concatenate([a.pcm for a in audio])
    assert pcm.dtype == np.int16 and len(pcm) == 480  # 3 x 20 ms at 8 kHz
    t = np.arange(480) / 8000
    tone = 8000 * np.sin(2 * np.pi * 440 * t)
    assert np.max(np.abs(pcm - tone)) < 8000 * 0.04  # μ-law quantisation error only
    spectrum = np.abs(np.fft.rfft(pcm))
    assert abs(np.argmax(spectrum) * 8000 / 480 - 440) < 20


@pytest.mark.parametrize(
    "raw",
    [
        "not json",
        "[1, 2]",
        '{"no_event": 1}',
        '{"event": 5}',
        '{"event":"start","sequenceNumber":"1","start":{"streamSid":"MZ1"}}',  # no callSid
        '{"event":"start","start":{"streamSid":"MZ1","callSid":"CA1","mediaFormat":'
        '{"encoding":"audio/l16","sampleRate":16000,"channels":1}}}',
        '{"event":"start","start":{"streamSid":"MZ1","callSid":"CA1","customParameters":[1]}}',
        '{"event":"media","streamSid":"MZ1","media":{"payload":"!!not base64!!"}}',
        '{"event":"media","streamSid":"MZ1"}',
        '{"event":"media","streamSid":"MZ1","media":{"track":"outbound","payload":"/w=="}}',
        '{"event":"media","sequenceNumber":"x4","streamSid":"MZ1","media":{"payload":"/w=="}}',
        '{"event":"dtmf","streamSid":"MZ1","dtmf":{"digit":"12"}}',
        '{"event":"mark","streamSid":"MZ1","mark":{}}',
        '{"event":"mark","streamSid":7,"mark":{"name":"a"}}',
    ],
)
def test_malformed_frames_raise_wire_error(raw: str) -> None:
    with pytest.raises(WireError):
        decode_frame(raw)


def test_a_media_frame_over_a_second_is_refused_and_one_of_a_second_taken() -> None:
    """Found by a walkthrough: one 400 kB frame (50 s of audio) set off the silence prompt at once."""
    frame = '{{"event":"media","streamSid":"MZ1","media":{{"payload":"{}"}}}}'
    second = decode_frame(frame.format(base64.b64encode(b"\xff" * 8000).decode()))
    assert second is not None and isinstance(second.event, AudioIn) and len(second.event.pcm) == 8000
    with pytest.raises(WireError, match="over 8000"):
        decode_frame(frame.format(base64.b64encode(b"\xff" * 8001).decode()))


def test_unknown_event_is_skipped_not_an_error() -> None:
    assert decode_frame('{"event":"someFutureEvent","streamSid":"MZ1"}') is None


def test_bytes_and_int_counters_tolerated() -> None:
    frame = decode_frame(b'{"event":"media","sequenceNumber":9,"streamSid":"MZ1","media":{"payload":"//8="}}')
    assert frame is not None and frame.sequence == 9
    assert isinstance(frame.event, AudioIn)
    assert frame.event.pcm.tolist() == [0, 0]  # 0xFF is μ-law silence
    assert frame.event.timestamp_ms is None


# --- outbound frames ------------------------------------------------------------------------------


def test_encode_media_is_headerless_base64_mulaw() -> None:
    pcm = (np.sin(np.arange(1234) / 5) * 12000).astype(np.int16)  # not a multiple of 160: any size is fine
    msg = json.loads(encode_media(STREAM_SID, pcm))
    assert msg.keys() == {"event", "streamSid", "media"}
    assert msg["event"] == "media" and msg["streamSid"] == STREAM_SID
    assert msg["media"].keys() == {"payload"}
    raw = base64.b64decode(msg["media"]["payload"], validate=True)
    assert len(raw) == len(pcm)  # one byte per sample: no WAV/AU header
    assert raw == ulaw_encode(pcm)
    assert not raw.startswith((b"RIFF", b".snd"))
    assert np.max(np.abs(ulaw_decode(raw).astype(int) - pcm)) < 12000 * 0.04


def test_encode_mark_and_clear() -> None:
    assert json.loads(encode_mark(STREAM_SID, "utt-1-seg-2")) == {
        "event": "mark",
        "streamSid": STREAM_SID,
        "mark": {"name": "utt-1-seg-2"},
    }
    assert json.loads(encode_clear(STREAM_SID)) == {"event": "clear", "streamSid": STREAM_SID}


def test_outbound_roundtrips_through_the_inbound_decoder_shape() -> None:
    """A mark we send is echoed by Twilio with the same name; our decoder reads that echo."""
    echoed = json.loads(encode_mark(STREAM_SID, "zażółć"))
    echoed["sequenceNumber"] = "12"
    frame = decode_frame(json.dumps(echoed))
    assert frame is not None and frame.event == MarkPlayed(name="zażółć")


# --- status callbacks -----------------------------------------------------------------------------


def _status(seq: str | None, status: str, **extra: str) -> dict[str, str]:
    params = {"CallSid": CALL_SID, "AccountSid": ACCOUNT_SID, "CallStatus": status, **extra}
    if seq is not None:
        params["SequenceNumber"] = seq
    return params


def test_status_callbacks_apply_in_sequence_order() -> None:
    record = new_call_record(
        {"CallSid": CALL_SID, "From": "+48600100200", "To": "+48221234567", "CallStatus": "ringing"},
        "tok",
        "s",
        0.0,
    )
    done = apply_status_callback(
        record,
        _status("3", "completed", CallDuration="42", Timestamp="Mon, 16 Aug 2010 03:45:01 +0000"),
        now=100.0,
    )
    assert done is not None
    assert (done["status"], done["duration_s"], done["last_sequence"]) == ("completed", 42, 3)
    assert done["ended_at"] == "2010-08-16T03:45:01+00:00"
    assert apply_status_callback(done, _status("1", "in-progress"), now=101.0) is None  # late, older
    assert apply_status_callback(done, _status("3", "completed", CallDuration="42"), now=102.0) is None  # repeat
    assert apply_status_callback(done, _status(None, "ringing"), now=103.0) is None  # unordered: no reopening


def test_status_callback_for_unknown_call_creates_a_record() -> None:
    rec = apply_status_callback(None, _status("0", "in-progress", From="+48600100200"), now=0.0)
    assert rec is not None
    assert (rec["status"], rec["last_sequence"], rec["from"], rec["ended_at"]) == (
        "in-progress",
        0,
        "+48600100200",
        None,
    )
    later = apply_status_callback(rec, _status("2", "busy"), now=60.0)
    assert later is not None and later["status"] == "busy"
    assert later["ended_at"] == "1970-01-01T00:01:00+00:00"  # no Timestamp: the clock


# --- TwiML ----------------------------------------------------------------------------------------


def _xml(twiml: str) -> ET.Element:
    root = ET.fromstring(twiml.encode("utf-8"))
    assert root.tag == "Response"
    return root


def test_stream_twiml_has_parameters_and_a_fallback_after_connect() -> None:
    root = _xml(
        stream_twiml(
            "wss://voice.example.pl/twilio/stream/tok",
            {"call_sid": CALL_SID, "from": "+48600100200", "note": "a&b<c>"},
            "+48221112233",
            "Przepraszamy, łączymy z konsultantem.",
        )
    )
    assert [child.tag for child in root] == ["Connect", "Say", "Dial"]
    stream = root.find("Connect/Stream")
    assert stream is not None and stream.get("url") == "wss://voice.example.pl/twilio/stream/tok"
    params = {p.get("name"): p.get("value") for p in stream.findall("Parameter")}
    assert params == {"call_sid": CALL_SID, "from": "+48600100200", "note": "a&b<c>"}
    say = root.find("Say")
    assert say is not None and say.get("language") == "pl-PL" and say.get("voice") == "Polly.Ewa"
    assert say.text == "Przepraszamy, łączymy z konsultantem."
    assert root.findtext("Dial") == "+48221112233"


def test_fallback_dial_and_hangup_twiml() -> None:
    root = _xml(fallback_twiml("+48221112233", "Przepraszamy."))
    assert [(c.tag, c.text) for c in root] == [("Say", "Przepraszamy."), ("Dial", "+48221112233")]
    no_number = _xml(fallback_twiml("", "Przepraszamy."))
    assert [c.tag for c in no_number] == ["Say", "Hangup"]
    dial = _xml(dial_twiml("+48221112233", "Łączę z konsultantem."))
    assert [(c.tag, c.text) for c in dial] == [("Say", "Łączę z konsultantem."), ("Dial", "+48221112233")]
    assert [c.tag for c in _xml(dial_twiml("+48221112233"))] == ["Dial"]
    assert [(c.tag, c.text) for c in _xml(hangup_twiml("Do widzenia."))] == [
        ("Say", "Do widzenia."),
        ("Hangup", None),
    ]
    assert [c.tag for c in _xml(hangup_twiml())] == ["Hangup"]
    with pytest.raises(ValueError):
        dial_twiml("")


# --- REST call control ----------------------------------------------------------------------------


class TwilioApiRecorder:
    """httpx transport standing in for api.twilio.com: records requests, answers scripted responses."""

    def __init__(self, status: int = 200, body: dict[str, object] | None = None, delay_s: float = 0.0) -> None:
        self.requests: list[httpx.Request] = []
        self.status, self.body, self.delay_s = status, body, delay_s

    async def handler(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if self.delay_s:
            await asyncio.sleep(self.delay_s)
        return httpx.Response(self.status, json=self.body if self.body is not None else {"sid": CALL_SID})

    def client(self, timeout_s: float = 2.0) -> TwilioRestClient:
        return TwilioRestClient(
            ACCOUNT_SID,
            "secret",
            "https://api.example.test/",
            timeout_s,
            transport=httpx.MockTransport(self.handler),
        )


def _form(request: httpx.Request) -> dict[str, list[str]]:
    return parse_qs(request.content.decode())


async def test_hang_up_posts_status_completed_with_basic_auth() -> None:
    api = TwilioApiRecorder()
    client = api.client()
    await client.hang_up(CALL_SID)
    await client.aclose()
    (req,) = api.requests
    assert req.method == "POST"
    assert str(req.url) == f"https://api.example.test/2010-04-01/Accounts/{ACCOUNT_SID}/Calls/{CALL_SID}.json"
    assert req.headers["authorization"] == "Basic " + base64.b64encode(f"{ACCOUNT_SID}:secret".encode()).decode()
    assert _form(req) == {"Status": ["completed"]}


async def test_hang_up_on_ended_call_is_not_an_error() -> None:
    api = TwilioApiRecorder(404, {"code": 20404, "message": "The requested resource was not found", "status": 404})
    await api.client().hang_up(CALL_SID)
    assert len(api.requests) == 1


async def test_hang_up_with_a_goodbye_posts_say_then_hangup_twiml() -> None:
    api = TwilioApiRecorder()
    await api.client().hang_up(CALL_SID, "Proszę zadzwonić później.")
    (req,) = api.requests
    root = _xml(_form(req)["Twiml"][0])  # Twilio says it: the media stream may be what broke
    assert [(c.tag, c.text) for c in root] == [("Say", "Proszę zadzwonić później."), ("Hangup", None)]


async def test_transfer_posts_dial_twiml() -> None:
    api = TwilioApiRecorder()
    await api.client().transfer_to_number(CALL_SID, "+48221112233", "Łączę z konsultantem.")
    (req,) = api.requests
    root = _xml(_form(req)["Twiml"][0])
    assert [(c.tag, c.text) for c in root] == [("Say", "Łączę z konsultantem."), ("Dial", "+48221112233")]


async def test_transfer_of_ended_call_raises_typed_error() -> None:
    api = TwilioApiRecorder(400, {"code": 21220, "message": "Call is not in-progress. Cannot redirect."})
    with pytest.raises(CallNotActiveError) as info:
        await api.client().transfer_to_number(CALL_SID, "+48221112233")
    assert info.value.twilio_code == 21220 and info.value.status_code == 400


async def test_rest_errors_and_timeouts_are_typed() -> None:
    api = TwilioApiRecorder(500, {"code": 20500, "message": "Internal Server Error"})
    with pytest.raises(TwilioRestError) as info:
        await api.client().hang_up(CALL_SID)
    assert not isinstance(info.value, CallNotActiveError) and info.value.status_code == 500
    slow = TwilioApiRecorder(delay_s=5.0)
    with pytest.raises(TwilioRestError, match="failed"):
        await slow.client(timeout_s=0.2).hang_up(CALL_SID)
    with pytest.raises(ValueError):
        await api.client().hang_up("CA../../Accounts")


@pytest.mark.parametrize(
    ("duration", "seconds"),
    [("9", 9.0), ("12.5", 12.5), ("", None), ("²", None), ("٣", None), ("nan", None), ("inf", None), ("-3", None)],
)
def test_a_recording_duration_is_a_plain_finite_number_or_none(duration: str, seconds: float | None) -> None:
    """A voicemail's length from Twilio's form: "²" passed ``isdigit`` and crashed ``float`` (a probe)."""
    assert recording_seconds(duration) == seconds
