"""Bodies that trickle, over real HTTP to the real app served by uvicorn with a real Redis: uvicorn waits for a
body as long as bytes keep coming, so the gateway cuts one that is not whole within ``INFOLINIA_BODY_READ_S``
with a 408 that closes the connection. A byte a second held a connection (a file descriptor) forever, with a
valid key on the device upload and with no key at all on the chat (its body is read before its guard)."""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from dialog.store import MemoryStore
from telephony.app.factory import create_app
from telephony.app.services import Services
from tests.support.access import API_KEY, key, settings_for
from tests.support.call import ScriptedDialog
from tests.support.servers import serve_in_thread
from tests.support.speech import EchoRecognizer, ToneSynthesizer, text_to_pcm

BODY_READ_S = 1.0


@pytest.fixture
def gateway_url(redis_url: str, tmp_path: Path) -> Iterator[str]:
    """A gateway with API keys and speech (fake models) that gives a body 1 s to arrive."""
    settings = settings_for(redis_url, tmp_path, speech=True, body_read_s=BODY_READ_S)
    services = Services(settings, MemoryStore(), ScriptedDialog(), EchoRecognizer(), ToneSynthesizer())
    with serve_in_thread(create_app(settings, services), lifespan="auto") as url:
        yield url


def trickle(url: str, path: str, headers: dict[str, str], declared: int) -> tuple[str, dict[str, str], dict]:
    """Announce ``declared`` bytes, send one byte every 0.1 s until the server answers (or 20 s: the body never
    cut, the test fails); the answer read to its end, the server closing the connection."""
    host, port = url.removeprefix("http://").split(":")
    lines = [f"POST {path} HTTP/1.1", f"Host: {host}:{port}", f"Content-Length: {declared}",
             *(f"{k}: {v}" for k, v in headers.items())]  # fmt: skip
    with socket.create_connection((host, int(port)), timeout=20) as sock:
        sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        sock.settimeout(0.1)
        chunks, give_up = [], time.monotonic() + 20
        while time.monotonic() < give_up:
            try:
                chunk = sock.recv(65536)
            except TimeoutError:
                sock.sendall(b"\x01")
                continue
            if not chunk:
                break
            chunks.append(chunk)
    head, _, body = b"".join(chunks).partition(b"\r\n\r\n")
    assert head, "the server never answered the trickling body"
    status, *fields = head.decode("latin-1").split("\r\n")
    parsed = {name.lower(): value.strip() for name, _, value in (f.partition(":") for f in fields)}
    return status, parsed, json.loads(body)


def test_a_device_upload_trickling_with_a_valid_key_is_cut_with_a_408(gateway_url: str) -> None:
    headers = {**key(), "Content-Type": "application/octet-stream"}
    status, fields, body = trickle(gateway_url, "/v1/voice/turn?rate=16000", headers, 64000)
    assert status == "HTTP/1.1 408 Request Timeout" and fields["connection"] == "close"
    assert "INFOLINIA_BODY_READ_S" in body["detail"]


def test_an_anonymous_chat_body_trickling_is_cut_before_its_guard(gateway_url: str) -> None:
    status, fields, body = trickle(gateway_url, "/v1/chat", {"Content-Type": "application/json"}, 60000)
    assert status == "HTTP/1.1 408 Request Timeout" and fields["connection"] == "close"
    assert "not received within 1 s" in body["detail"]


def test_a_whole_upload_after_a_cut_one_is_answered(gateway_url: str) -> None:
    trickle(gateway_url, "/v1/voice/turn?rate=16000", {**key(), "Content-Type": "application/octet-stream"}, 64000)
    pcm = text_to_pcm("Ile kosztuje dostawa?").astype("<i2").tobytes()
    headers = {**key(API_KEY), "content-type": "application/octet-stream"}
    with httpx.Client(base_url=gateway_url, headers=headers, timeout=30) as client:
        answer = client.post("/v1/voice/turn?rate=16000", content=iter([pcm[:10], pcm[10:]]))
    assert answer.status_code == 200 and answer.json()["transcript"] == "Ile kosztuje dostawa?"
