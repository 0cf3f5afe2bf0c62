"""Device uploads (``POST /v1/voice/turn``) over real HTTP to the real app served by uvicorn: the key is checked
from the headers before the body is read, so a flood of refused uploads costs the server no body reads
(it slowed a phone caller's reply from ~1.2 s to 2-4 s), and the refusal closes the connection."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from dialog import catalogue
from dialog.store import MemoryStore
from telephony.app.factory import create_app
from telephony.app.services import Services
from tests.support.access import API_KEY, key, settings_for
from tests.support.call import ScriptedDialog
from tests.support.servers import serve_in_thread
from tests.support.speech import EchoRecognizer, ToneSynthesizer, text_to_pcm

DECLARED = 2 * 1024 * 1024  # the largest upload a device may send: announced, never sent


@pytest.fixture
def device_gateway(redis_url: str, tmp_path: Path) -> Iterator[str]:
    """A gateway with API keys (no development mode), a brake of 3 failed keys, and speech (fake models)."""
    settings = settings_for(redis_url, tmp_path, speech=True, auth_failures="3/5 minutes")
    services = Services(settings, MemoryStore(), ScriptedDialog(), EchoRecognizer(), ToneSynthesizer())
    with serve_in_thread(create_app(settings, services), lifespan="auto") as url:
        yield url


def announce_upload(url: str, headers: dict[str, str]) -> tuple[str, dict[str, str], dict[str, object]]:
    """Send only the head of a 2 MB upload and read the answer to its end (the server closing the connection).
    A server that reads the body before refusing never answers: the read times out and the test fails."""
    host, port = url.removeprefix("http://").split(":")
    lines = ["POST /v1/voice/turn?rate=16000 HTTP/1.1", f"Host: {host}:{port}", f"Content-Length: {DECLARED}",
             "Content-Type: application/octet-stream", *(f"{k}: {v}" for k, v in headers.items())]  # fmt: skip
    with socket.create_connection((host, int(port)), timeout=15) as sock:
        sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        chunks = []
        while chunk := sock.recv(65536):  # b"": the server closed the connection after its answer
            chunks.append(chunk)
    head, _, body = b"".join(chunks).partition(b"\r\n\r\n")
    status, *fields = head.decode("latin-1").split("\r\n")
    parsed = {name.lower(): value.strip() for name, _, value in (f.partition(":") for f in fields)}
    return status, parsed, json.loads(body)


def test_a_refused_upload_is_answered_from_its_headers_and_the_connection_closed(device_gateway: str) -> None:
    for headers in ({}, key("inf_wrong-key")):
        status, fields, body = announce_upload(device_gateway, headers)
        assert status == "HTTP/1.1 401 Unauthorized", (headers, status)
        assert fields["connection"] == "close" and fields["www-authenticate"] == "Bearer"
        assert "API key" in str(body["detail"])


def test_the_failed_key_brake_refuses_an_upload_before_its_body_too(device_gateway: str) -> None:
    for i in range(3):  # the brake's 3 failed keys
        assert announce_upload(device_gateway, key(f"inf_guess-{i}"))[0].startswith("HTTP/1.1 401")
    status, fields, body = announce_upload(device_gateway, key())  # even the right key, from this address
    assert status == "HTTP/1.1 429 Too Many Requests" and int(fields["retry-after"]) >= 1
    assert fields["connection"] == "close" and body["reply"] == catalogue.RATE_LIMITED_REPLY


def test_a_good_key_still_uploads_and_keeps_the_connection(device_gateway: str) -> None:
    headers = {**key(API_KEY), "content-type": "application/octet-stream"}
    pcm = text_to_pcm("Ile kosztuje dostawa?").astype("<i2").tobytes()
    with httpx.Client(base_url=device_gateway, headers=headers, timeout=30) as client:
        whole = client.post("/v1/voice/turn?rate=16000", content=pcm)
        chunked = client.post("/v1/voice/turn?rate=16000", content=iter([pcm[:10], pcm[10:]]))  # no length
    assert [whole.status_code, chunked.status_code] == [200, 200], (whole.text, chunked.text)
    assert [r.json()["transcript"] for r in (whole, chunked)] == ["Ile kosztuje dostawa?"] * 2
    assert "connection" not in whole.headers  # the body was read: the connection serves the next request
