"""X-Twilio-Signature checks (twilio's own test vector) and single-use stream tokens."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from redis.asyncio import Redis
from starlette.datastructures import FormData
from twilio.request_validator import RequestValidator

from dialog.store import RedisStore
from telephony.twilio.security import StreamTokens, TwilioSignatureVerifier, parse_form
from tests.support.store import FakeStore

# twilio-python tests/unit/test_request_validator.py (protocols.md §1.3)
VECTOR_TOKEN = "12345"
VECTOR_URL = "https://mycompany.com/myapp.php?foo=1&bar=2"
VECTOR_PARAMS = {
    "CallSid": "CA1234567890ABCDE",
    "Caller": "+14158675309",
    "Digits": "1234",
    "From": "+14158675309",
    "To": "+18005551212",
}
VECTOR_SIGNATURE = "RSOYDt4T1cUTdK1PDd93/VVr8B8="


def test_library_test_vector() -> None:
    """Our understanding of the algorithm matches the library and its published vector."""
    validator = RequestValidator(VECTOR_TOKEN)
    assert validator.compute_signature(VECTOR_URL, VECTOR_PARAMS) == VECTOR_SIGNATURE
    verifier = TwilioSignatureVerifier(VECTOR_TOKEN, "https://mycompany.com")
    assert verifier.http_url("/myapp.php", "foo=1&bar=2") == VECTOR_URL
    assert verifier.verify_form("/myapp.php", "foo=1&bar=2", VECTOR_PARAMS, VECTOR_SIGNATURE)


def test_vector_through_parsed_form_body() -> None:
    """The body Twilio posts, parsed by our stdlib form parser, validates against the same signature."""
    body = b"CallSid=CA1234567890ABCDE&Caller=%2B14158675309&Digits=1234&From=%2B14158675309&To=%2B18005551212"
    form = parse_form(body)
    assert form["From"] == "+14158675309"
    verifier = TwilioSignatureVerifier(VECTOR_TOKEN, "https://mycompany.com/")  # trailing slash tolerated
    assert verifier.verify_form("/myapp.php", "foo=1&bar=2", form, VECTOR_SIGNATURE)


@pytest.mark.parametrize(
    ("path", "query", "params", "signature"),
    [
        ("/myapp.php", "foo=1&bar=2", {**VECTOR_PARAMS, "Digits": "9999"}, VECTOR_SIGNATURE),  # tampered
        ("/myapp.php", "foo=1&bar=3", VECTOR_PARAMS, VECTOR_SIGNATURE),  # other query
        ("/other.php", "foo=1&bar=2", VECTOR_PARAMS, VECTOR_SIGNATURE),  # other path
        ("/myapp.php", "foo=1&bar=2", VECTOR_PARAMS, "RSOYDt4T1cUTdK1PDd93/VVr8B8"),  # truncated
        ("/myapp.php", "foo=1&bar=2", VECTOR_PARAMS, ""),  # missing
        ("/myapp.php", "foo=1&bar=2", VECTOR_PARAMS, None),  # missing header
    ],
)
def test_bad_signatures_refused(path: str, query: str, params: dict[str, str], signature: str | None) -> None:
    verifier = TwilioSignatureVerifier(VECTOR_TOKEN, "https://mycompany.com")
    assert not verifier.verify_form(path, query, params, signature)


def test_other_host_refused() -> None:
    """The base comes from configuration; a signature made for another host does not validate."""
    sig = RequestValidator(VECTOR_TOKEN).compute_signature("https://evil.example/myapp.php?foo=1&bar=2", VECTOR_PARAMS)
    verifier = TwilioSignatureVerifier(VECTOR_TOKEN, "https://mycompany.com")
    assert not verifier.verify_form("/myapp.php", "foo=1&bar=2", VECTOR_PARAMS, sig)


def test_empty_auth_token_refuses_everything() -> None:
    sig = RequestValidator("").compute_signature(VECTOR_URL, VECTOR_PARAMS)
    verifier = TwilioSignatureVerifier("", "https://mycompany.com")
    assert not verifier.verify_form("/myapp.php", "foo=1&bar=2", VECTOR_PARAMS, sig)
    assert not verifier.verify_websocket("/twilio/stream/x", "", sig)


def test_repeated_keys_are_signed_sorted() -> None:
    """Repeated form keys: every value is signed (FormData.getlist path); dropping one breaks it."""
    form = FormData([("StatusCallbackEvent", "ringing"), ("StatusCallbackEvent", "answered"), ("CallSid", "CA1")])
    url = "https://voice.example.pl/twilio/status"
    sig = RequestValidator("tok").compute_signature(url, form)
    verifier = TwilioSignatureVerifier("tok", "https://voice.example.pl")
    assert verifier.verify_form("/twilio/status", "", form, sig)
    reordered = FormData([("CallSid", "CA1"), ("StatusCallbackEvent", "answered"), ("StatusCallbackEvent", "ringing")])
    assert verifier.verify_form("/twilio/status", "", reordered, sig)
    one_value = FormData([("StatusCallbackEvent", "ringing"), ("CallSid", "CA1")])
    assert not verifier.verify_form("/twilio/status", "", one_value, sig)


def test_websocket_signature_uses_wss_url_and_tolerates_trailing_slash() -> None:
    validator = RequestValidator("tok")
    verifier = TwilioSignatureVerifier("tok", "https://voice.example.pl")
    assert verifier.ws_url("/twilio/stream/abc") == "wss://voice.example.pl/twilio/stream/abc"
    plain = validator.compute_signature("wss://voice.example.pl/twilio/stream/abc", {})
    slashed = validator.compute_signature("wss://voice.example.pl/twilio/stream/abc/", {})
    https = validator.compute_signature("https://voice.example.pl/twilio/stream/abc", {})
    assert verifier.verify_websocket("/twilio/stream/abc", "", plain)
    assert verifier.verify_websocket("/twilio/stream/abc", "", slashed)
    assert verifier.verify_websocket("/twilio/stream/abc/", "", plain)
    assert not verifier.verify_websocket("/twilio/stream/abd", "", plain)  # other token in the path
    assert not verifier.verify_websocket("/twilio/stream/abc", "", https)  # http(s) form is not what Twilio signs
    assert not verifier.verify_websocket("/twilio/stream/abc", "", None)


def test_plain_http_base_maps_to_ws() -> None:
    verifier = TwilioSignatureVerifier("tok", "http://127.0.0.1:8080")
    assert verifier.ws_url("/twilio/stream/t") == "ws://127.0.0.1:8080/twilio/stream/t"


def test_parse_form_keeps_blanks_and_rejects_bad_utf8() -> None:
    form = parse_form(b"A=1&B=&A=2&C=%C5%BC")
    assert form.getlist("A") == ["1", "2"]
    assert form["B"] == ""
    assert form["C"] == "ż"
    assert len(parse_form(b"\xff\xfe=1")) == 0


async def test_stream_token_is_single_use_with_ttl() -> None:
    store = FakeStore()
    tokens = StreamTokens(store, ttl_s=120, clock=lambda: 1000.0)
    token = await tokens.issue("CA" + "a" * 32, {"session_id": "s1", "from": "+48600100200", "to": "+48221234567"})
    assert len(token) >= 32
    assert store.ttls == {f"stream:{token}": 120}
    record = await tokens.consume(token)
    assert record is not None
    assert record["call_sid"] == "CA" + "a" * 32
    assert record["session_id"] == "s1"
    assert await tokens.consume(token) is None  # reused
    assert store.data == {}


async def test_stream_tokens_are_unique() -> None:
    tokens = StreamTokens(FakeStore(), ttl_s=60)
    issued = {await tokens.issue("CA" + "b" * 32, {}) for _ in range(20)}
    assert len(issued) == 20


async def test_expired_and_malformed_tokens_refused() -> None:
    store = FakeStore()
    now = [1000.0]
    tokens = StreamTokens(store, ttl_s=60, clock=lambda: now[0])
    token = await tokens.issue("CA" + "c" * 32, {})
    now[0] += 61  # a store that expires lazily still must not honour it
    assert await tokens.consume(token) is None
    store.calls.clear()
    for bad in ("", "short", "../../call:CA1", "a" * 200, "tok en with spaces!!"):
        assert await tokens.consume(bad) is None
    assert store.calls == []  # malformed tokens never reach the store


@pytest.mark.redis
async def test_stream_token_single_use_on_real_redis(redis_url: str) -> None:
    """With Redis, ``pop`` is GETDEL: of ten concurrent upgrades with one token, exactly one wins."""
    prefix = f"test-{uuid.uuid4().hex}:"
    store = RedisStore(redis_url, prefix=prefix)
    raw = Redis.from_url(redis_url, decode_responses=True)
    try:
        tokens = StreamTokens(store, ttl_s=30)
        token = await tokens.issue("CA" + "d" * 32, {"session_id": "s9"})
        assert 0 < await raw.ttl(f"{prefix}stream:{token}") <= 30
        results = await asyncio.gather(*(tokens.consume(token) for _ in range(10)))
        winners = [r for r in results if r is not None]
        assert len(winners) == 1 and winners[0]["session_id"] == "s9"
        assert await raw.exists(f"{prefix}stream:{token}") == 0
    finally:
        await raw.aclose()
        await store.close()
