"""Two gateway PROCESSES sharing the suite's Redis: any request of a conversation or a call may land on
either of them, as behind a round-robin load balancer.

Each process is ``uvicorn telephony.app.workers:app_from_env --factory`` (what ``infolinia serve --workers``
runs), configured only through the environment, with speech off (no models needed to prove the state
is shared). Requests alternate between the two by URL.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from redis.asyncio import Redis
from twilio.request_validator import RequestValidator
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from dialog.catalogue import REPEAT_PREFIX
from dialog.store import RedisStore
from telephony.access.keys import hash_secret
from telephony.devtools.simulator_wire import parse_twiml, stream_target
from telephony.twilio.wire import call_key
from tests.support.paths import REPO_ROOT
from tests.support.servers import free_port, spawn, stop, uvicorn_factory, wait_ready

TOKEN = "workers-token-0123456789abcdef"
PUBLIC = "https://lb.example.pl"  # the load balancer both workers sit behind
API_KEY = "inf_workers-chat-integration-key"
KEY = {"Authorization": f"Bearer {API_KEY}"}  # chat needs an API key outside development mode


@pytest.fixture(scope="module")
def workers(redis_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[list[str], str]]:
    prefix = f"w{uuid.uuid4().hex[:8]}:"
    env = {
        "INFOLINIA_SPEECH": "false",
        "INFOLINIA_REDIS_URL": redis_url,
        "INFOLINIA_REDIS_PREFIX": prefix,
        "INFOLINIA_TWILIO_AUTH_TOKEN": TOKEN,
        "INFOLINIA_PUBLIC_URL": PUBLIC,
        "INFOLINIA_FALLBACK_NUMBER": "+48221112233",
        "INFOLINIA_LOG_LEVEL": "WARNING",
        "INFOLINIA_API_KEYS": f"shop={hash_secret(API_KEY)}",
        "INFOLINIA_RATE_LIMIT_TOKEN": "100000/minute",  # 1,000 chats in bursts from one shop: not a limits test
    }
    logs = tmp_path_factory.mktemp("workers")
    servers = []
    for name in ("a", "b"):
        port = free_port()
        cmd = uvicorn_factory("telephony.app.workers:app_from_env", port)
        servers.append(spawn(cmd, port, env, logs / f"{name}.log"))
    try:
        for server in servers:
            wait_ready(server, "/readyz", timeout_s=120.0, poll_s=0.3)
        yield [server.url for server in servers], prefix
    finally:
        for server in servers:
            stop(server, timeout_s=20)


async def test_a_chat_conversation_continues_on_the_other_process(workers: tuple[list[str], str]) -> None:
    (a, b), _ = workers
    async with httpx.AsyncClient(timeout=30.0) as client:
        first = (await client.post(a + "/v1/chat", json={"text": "Ile kosztuje dostawa?"}, headers=KEY)).json()
        again = await client.post(
            b + "/v1/chat", json={"session_id": first["session_id"], "text": "Proszę powtórzyć"}, headers=KEY
        )
    assert again.status_code == 200
    body = again.json()
    assert body["session_id"] == first["session_id"]
    assert body["reply"].startswith(REPEAT_PREFIX) and first["reply"][:40] in body["reply"]  # B knew A's answer


async def test_a_thousand_chats_in_bursts_of_two_hundred_keep_every_session(
    workers: tuple[list[str], str], redis_url: str
) -> None:
    """redis-py's default pool refused the 101st concurrent command: half the sessions of a 200-chat burst were
    answered but never stored. Each burst hits one worker while Redis is paused for a second (a slow Redis:
    every chat holds its connection), so the 200 chats need more connections than the pool has: they must
    wait for one, not fail, and every answered chat must be continuable."""
    urls, prefix = workers
    limits = httpx.Limits(max_connections=400, max_keepalive_connections=400)
    session_ids: list[str] = []
    admin = Redis.from_url(redis_url)
    try:
        for burst in range(5):  # a fresh client per burst: no keep-alive connection the server may close meanwhile
            async with httpx.AsyncClient(timeout=60.0, limits=limits) as client:
                await admin.execute_command("CLIENT", "PAUSE", "1000", "ALL")
                replies = await asyncio.gather(
                    *(
                        client.post(
                            urls[burst % 2] + "/v1/chat", json={"text": f"Ile kosztuje dostawa? ({i})"}, headers=KEY
                        )
                        for i in range(200)
                    )
                )
            assert [r.status_code for r in replies] == [200] * 200
            session_ids += [r.json()["session_id"] for r in replies]
    finally:
        await admin.aclose()
    assert len(set(session_ids)) == 1000
    store = RedisStore(redis_url, prefix=prefix)
    try:
        stored = [await store.get(f"session:{sid}") for sid in session_ids]
    finally:
        await store.close()
    assert sum(s is not None for s in stored) == 1000


async def test_a_stream_token_and_call_record_from_one_process_are_honoured_once_by_the_other(
    workers: tuple[list[str], str], redis_url: str
) -> None:
    """What this proves is shared state: A's stream token is accepted by B once, B's status callback updates
    A's call record. Speech is off here, so no conversation runs on B (it closes the stream with 1011);
    a whole call through the deployed app, with models, is ``test_phone_transfer.py``."""
    (a, b), prefix = workers
    validator = RequestValidator(TOKEN)
    sid = "CA" + uuid.uuid4().hex
    params = {"CallSid": sid, "AccountSid": "AC" + "0" * 32, "From": "+48600100200", "To": "+48221234567",
              "CallStatus": "ringing", "Direction": "inbound"}  # fmt: skip
    async with httpx.AsyncClient(timeout=30.0) as client:
        signature = validator.compute_signature(PUBLIC + "/twilio/voice", params)
        resp = await client.post(a + "/twilio/voice", data=params, headers={"X-Twilio-Signature": signature})
        stream_url, stream_params = parse_twiml(resp.text)
        status = {**params, "CallStatus": "in-progress", "SequenceNumber": "1"}
        signature = validator.compute_signature(PUBLIC + "/twilio/status", status)
        cb = await client.post(b + "/twilio/status", data=status, headers={"X-Twilio-Signature": signature})
    assert cb.status_code == 204
    signature = validator.compute_signature(stream_url, {})
    codes = []
    for _ in range(2):  # the second use of the token is refused: single use, across processes
        async with connect(stream_target(stream_url, b), additional_headers={"X-Twilio-Signature": signature}) as ws:
            with contextlib.suppress(ConnectionClosed):
                await ws.send(json.dumps({"event": "connected", "protocol": "Call", "version": "1.0.0"}))
            start = {"callSid": sid, "streamSid": "MZ" + uuid.uuid4().hex, "accountSid": "AC" + "0" * 32,
                     "tracks": ["inbound"], "customParameters": stream_params,
                     "mediaFormat": {"encoding": "audio/x-mulaw", "sampleRate": 8000, "channels": 1}}  # fmt: skip
            with pytest.raises(ConnectionClosed):  # a refused token may close before `start` is even sent
                await ws.send(json.dumps({"event": "start", "sequenceNumber": "1", "start": start}))
                while True:
                    await ws.recv()
            assert ws.close_code is not None
            codes.append(ws.close_code)
    # B accepted A's token and validated `start`; speech is off, so the pipeline ends the stream (1011,
    # Twilio then runs the fallback TwiML). The replayed token is a policy violation (1008).
    assert codes == [1011, 1008]
    store = RedisStore(redis_url, prefix=prefix)
    try:
        record = await store.get(call_key(sid))
    finally:
        await store.close()
    assert record is not None and record.get("status") == "in-progress"  # written by A, updated by B


async def test_metrics_answer_on_both_processes(workers: tuple[list[str], str]) -> None:
    (a, b), _ = workers
    async with httpx.AsyncClient(timeout=10.0) as client:
        for url in (a, b):
            resp = await client.get(url + "/metrics")
            assert resp.status_code == 200
            assert "infolinia_calls_started_total" in resp.text and "infolinia_admission_total" in resp.text


def test_sigterm_drains_keeps_serving_during_the_grace_then_hands_calls_over_and_exits(tmp_path: Path) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    out = (tmp_path / "drain.log").open("w")
    cmd = [sys.executable, "-m", "uvicorn", "tests.support.drain_app:create", "--factory", "--port", str(port),
           "--log-level", "warning"]  # fmt: skip
    proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, cwd=REPO_ROOT)
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if httpx.post(url + "/start", timeout=1.0).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        proc.send_signal(signal.SIGTERM)
        time.sleep(0.5)
        assert proc.poll() is None  # still serving: the call in progress has its grace period
        assert httpx.get(url + "/admit", timeout=2.0).json() == {"admitted": False}  # but takes no new call
        assert proc.wait(timeout=15) == 0 or proc.returncode in (-signal.SIGTERM, 143)
    finally:
        if proc.poll() is None:
            proc.kill()
    log = (tmp_path / "drain.log").read_text()
    assert "HANDOFF CA-in-progress +48221112233 Łączymy z konsultantem." in log, log


def _raw_http(url: str, head: str, body: bytes) -> bytes:
    """Send ``head`` and ``body`` on a raw socket *without finishing* the body, then read what the server says.
    A server that waits for the whole body before answering leaves the read to time out (b"")."""
    host, port = url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(head.encode() + b"\r\n\r\n")
        with contextlib.suppress(OSError):  # the server may close as soon as it has refused the body
            sock.sendall(body)
        chunks = []
        with contextlib.suppress(OSError):
            while chunk := sock.recv(4096):
                chunks.append(chunk)
    return b"".join(chunks)


def _chunked(total: int, piece: int = 16 * 1024) -> bytes:
    """``total`` bytes of chunked transfer encoding, never terminated (the upload goes on and on)."""
    chunk = f"{piece:x}\r\n".encode() + b"a" * piece + b"\r\n"
    return chunk * (total // piece)


def test_oversized_bodies_are_refused_before_they_are_buffered(workers: tuple[list[str], str]) -> None:
    """A declared 500 MB body is refused at once; a chunked upload that never ends is refused once it passes
    the route's limit (64 KiB for chat and every Twilio webhook), without waiting for the rest."""
    (a, _), _ = workers
    host = a.removeprefix("http://")
    declared = _raw_http(a, f"POST /v1/chat HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n"
                            f"Content-Length: {500 * 1024 * 1024}", b"")  # fmt: skip
    assert declared.startswith(b"HTTP/1.1 413")
    for path in ("/v1/chat", "/twilio/voice", "/twilio/transfer/t1/hold", "/agents/login"):
        answer = _raw_http(a, f"POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n"
                              "Transfer-Encoding: chunked", _chunked(512 * 1024))  # fmt: skip
        assert answer.startswith(b"HTTP/1.1 413"), (path, answer[:200])
    assert (
        httpx.post(a + "/v1/chat", json={"text": "Ile kosztuje dostawa?"}, headers=KEY, timeout=30).status_code == 200
    )


def test_non_finite_numbers_and_lone_surrogates_in_json_are_a_422_not_a_500(workers: tuple[list[str], str]) -> None:
    (a, _), _ = workers
    for raw in (
        '{"text": NaN}',
        '{"text": "x", "session_id": Infinity}',
        '{"text": -Infinity}',
        '{"text": "\\ud800"}',
        '{"text": {"\\ud800": 1}}',  # in a key too
    ):
        reply = httpx.post(a + "/v1/chat", content=raw, headers={"content-type": "application/json", **KEY}, timeout=30)
        assert reply.status_code == 422, (raw, reply.text)
        assert "detail" in reply.json()


def test_a_refused_long_text_is_not_echoed_back_whole(workers: tuple[list[str], str]) -> None:
    """The 422 for a 10,000-character message names the error and its length, not the whole text."""
    (a, _), _ = workers
    reply = httpx.post(a + "/v1/chat", json={"text": "ą" * 10_000}, headers=KEY, timeout=30)
    assert reply.status_code == 422
    (error,) = reply.json()["detail"]
    assert error["input"].endswith("… (10000 characters)") and len(reply.content) < 2_000
