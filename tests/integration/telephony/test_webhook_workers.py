"""Copies of one call's voice webhook on two workers: one answer across them, over real HTTP to two real uvicorn
servers (each its own Twilio router, admission and Redis client, as two worker processes have) sharing a
real redis-server.

The guard against copies sent together was a set in each worker: a copy that reached the second worker while
the first was still answering passed (the call's record did not exist yet), and both workers gave a stream,
each holding a line. Now a copy waits for the first's answer and gets the same single-use stream (a Twilio
retry is the copy that reaches the caller: a review), or the fallback when no answer comes. Redis down: each
worker's own guard, and every caller is still answered.
"""

from __future__ import annotations

import asyncio
import uuid
import xml.etree.ElementTree as ET
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from typing import Any

import httpx
from fastapi import FastAPI
from redis.asyncio import Redis
from twilio.request_validator import RequestValidator

from dialog.ports import KeyValueStore
from dialog.store import MemoryStore, RedisStore
from telephony.call.admission import Admission
from telephony.ports import AudioChannel, CallStarted
from telephony.twilio.claims import WebhookClaims
from telephony.twilio.deps import TwilioDeps
from telephony.twilio.routes import build_twilio_router
from tests.support.servers import free_port, serve_in_loop

TOKEN = "workers-auth-token-0123456789abcdef"
FALLBACK = "+48221112233"
PUBLIC = "https://voice.example.pl"


class HeldRecords(RedisStore):
    """The product's Redis store, except that a call's record waits for ``go`` (a slow answer: a failover)."""

    def __init__(self, url: str, prefix: str) -> None:
        super().__init__(url, prefix)
        self.writing, self.go = asyncio.Event(), asyncio.Event()

    async def set(self, key: str, value: dict[str, Any], ttl_s: int | None = None) -> None:
        if key.startswith("call:"):
            self.writing.set()
            await self.go.wait()
        await super().set(key, value, ttl_s)


async def _no_call(channel: AudioChannel, started: CallStarted) -> None:
    """No stream connects in these tests."""


@asynccontextmanager
async def worker(store: KeyValueStore, claims: WebhookClaims, copy_wait_s: float = 10.0) -> AsyncIterator[str]:
    app = FastAPI()
    deps = TwilioDeps(
        PUBLIC, TOKEN, FALLBACK, store, _no_call, admission=Admission(2), claims=claims, copy_wait_s=copy_wait_s
    )
    app.include_router(build_twilio_router(deps))
    port = free_port()
    async with serve_in_loop(app, port) as base:
        yield base


async def webhook(http: httpx.AsyncClient, base: str, call_sid: str) -> str:
    """The signed voice webhook of ``call_sid`` to one worker: its stream's URL, "hangup" or "fallback"."""
    params = {"CallSid": call_sid, "AccountSid": "AC" + "8" * 32, "From": "+48600100200", "CallStatus": "ringing"}
    signature = RequestValidator(TOKEN).compute_signature(PUBLIC + "/twilio/voice", params)
    resp = await http.post(base + "/twilio/voice", data=params, headers={"X-Twilio-Signature": signature})
    assert resp.status_code == 200
    if (stream := ET.fromstring(resp.text).find("Connect/Stream")) is not None:
        return str(stream.get("url"))
    return "hangup" if "<Hangup" in resp.text else "fallback"


def _sid() -> str:
    return "CA" + uuid.uuid4().hex


@dataclass
class TwoWorkers:
    """Worker A (its call records held until ``slow.go``) and worker B on one redis-server, and a client."""

    slow: HeldRecords
    a: str
    b: str
    redis_b: Redis
    prefix: str
    http: httpx.AsyncClient


@asynccontextmanager
async def two_workers(redis_url: str, copy_wait_s: float = 10.0) -> AsyncIterator[TwoWorkers]:
    prefix = f"wh{uuid.uuid4().hex[:8]}:"
    slow, other = HeldRecords(redis_url, prefix), RedisStore(redis_url, prefix)
    redis_a, redis_b = Redis.from_url(redis_url), Redis.from_url(redis_url)
    async with AsyncExitStack() as stack, httpx.AsyncClient(timeout=20.0) as http:
        a = await stack.enter_async_context(worker(slow, WebhookClaims(redis_a, prefix)))
        b = await stack.enter_async_context(worker(other, WebhookClaims(redis_b, prefix), copy_wait_s=copy_wait_s))
        yield TwoWorkers(slow, a, b, redis_b, prefix, http)
    for closing in (slow, other):
        await closing.close()
    for client in (redis_a, redis_b):
        await client.aclose()


async def test_a_copy_on_another_worker_while_the_first_is_answered_gets_the_same_stream(redis_url: str) -> None:
    sid = _sid()
    async with two_workers(redis_url) as w:
        first = asyncio.create_task(webhook(w.http, w.a, sid))
        await asyncio.wait_for(w.slow.writing.wait(), 10.0)  # worker A is answering the call
        copy = asyncio.create_task(webhook(w.http, w.b, sid))  # Twilio's retry: what B answers reaches the caller
        await asyncio.sleep(0.3)
        assert not copy.done()  # was <Hangup/> at once: the caller dropped
        w.slow.go.set()
        url = await first
        assert "/twilio/stream/" in url and await copy == url  # one single-use stream: one stream at most
        assert await webhook(w.http, w.b, sid) == url  # the record answers later copies the same until it comes
        assert await w.redis_b.keys(w.prefix + "twilio:answering:*") == []  # the claim went with the answer
        assert await webhook(w.http, w.b, _sid()) not in ("hangup", "fallback", url)  # another call, either worker


async def test_a_copy_whose_first_answer_never_comes_gets_the_fallback(redis_url: str) -> None:
    """The first copy's worker hangs (its record never written): the copy answers with the apology and a human
    after ``copy_wait_s``, within Twilio's 15 s, never a hang-up."""
    sid = _sid()
    async with two_workers(redis_url, copy_wait_s=0.5) as w:
        first = asyncio.create_task(webhook(w.http, w.a, sid))
        await asyncio.wait_for(w.slow.writing.wait(), 10.0)
        assert await webhook(w.http, w.b, sid) == "fallback"
        w.slow.go.set()
        await first


class HeldMemory(MemoryStore):
    """The one-worker store, except that a call's record waits for ``go``."""

    def __init__(self) -> None:
        super().__init__()
        self.go = asyncio.Event()

    async def set(self, key: str, value: dict[str, Any], ttl_s: int | None = None) -> None:
        if key.startswith("call:"):
            await self.go.wait()
        await super().set(key, value, ttl_s)


async def test_with_redis_down_each_worker_guards_itself_and_callers_are_answered() -> None:
    down = Redis.from_url(f"redis://127.0.0.1:{free_port()}/0", socket_connect_timeout=0.5)
    store = HeldMemory()
    async with worker(store, WebhookClaims(down, "x:")) as base, httpx.AsyncClient(timeout=10.0) as http:
        sid = _sid()
        copies = [asyncio.create_task(webhook(http, base, sid)) for _ in range(3)]
        await asyncio.sleep(0.3)
        assert not any(task.done() for task in copies)  # the copies wait for the first's answer
        store.go.set()
        answers = set(await asyncio.gather(*copies))
        assert len(answers) == 1 and "/twilio/stream/" in answers.pop()  # one stream for all three
        assert "/twilio/stream/" in await webhook(http, base, _sid())  # a caller is never refused for the guard
    await down.aclose()
