"""Redis claims and locks taken while their request was being cancelled, on a real redis-server.

Python 3.11's ``asyncio.wait_for`` (redis-py's socket timeout around every send) loses a cancel that lands just as
the command is written (CPython gh-86296): the session lease was guarded against it, other takers were not. A
logout waiting for an agent's wrap-up polled on after its request was dropped, took the wrap-up claim for nobody
and logged the agent out; and a take whose cancel did arrive left the claim in Redis for its whole TTL (the
agent's next wrap-up refused, a Twilio retry of a call's webhook sent to the apology). Each test failed first.
"""

from __future__ import annotations

import asyncio
import uuid
from types import SimpleNamespace
from typing import Any

import pytest
from redis.asyncio import Redis

from telephony.console.deps import one_wrap_up
from telephony.transfer.store import TransferStore
from telephony.twilio.claims import WebhookClaims
from tests.support.cancels import CancelAfterWrite, victim_hit

GUARD_S = 20.0  # bounds a hang; never a timing assertion


async def _until(check: Any) -> None:
    async with asyncio.timeout(GUARD_S):
        while not await check():
            await asyncio.sleep(0.005)


async def _clients(redis_url: str) -> tuple[Redis, Redis]:
    """(a plain client, one whose commands cancel ``CancelAfterWrite.victim`` once written)."""
    return Redis.from_url(redis_url), Redis.from_url(redis_url, connection_class=CancelAfterWrite)


async def test_a_logout_dropped_as_its_poll_was_written_takes_no_wrap_up_claim(redis_url: str) -> None:
    plain, dropped = await _clients(redis_url)
    prefix = f"lc{uuid.uuid4().hex[:8]}:"
    deps, waiter = SimpleNamespace(transfers=TransferStore(plain, prefix=prefix)), SimpleNamespace()
    waiter.transfers = TransferStore(dropped, prefix=prefix)
    wrote: list[bool] = []

    async def logout() -> None:
        async with one_wrap_up(waiter, "anna", wait_s=GUARD_S, take_over=True) as claim:  # type: ignore[arg-type]
            wrote.append(bool(claim))

    try:
        async with one_wrap_up(deps, "anna") as held:  # type: ignore[arg-type]  # a wrap-up being written
            assert held
            waiting = asyncio.create_task(logout())
            await asyncio.sleep(0.05)  # the logout polls
            CancelAfterWrite.victim = waiting
            await _until(victim_hit)  # a poll was written, and the logout's request dropped right then
        # the wrap-up is done: a logout that lost its cancel would take the claim now
        with pytest.raises(asyncio.CancelledError):
            async with asyncio.timeout(GUARD_S):
                await asyncio.shield(waiting)
        assert wrote == [] and not await plain.exists(f"{prefix}hold:wrap-up:anna")
    finally:
        await plain.aclose()
        await dropped.aclose()


@pytest.mark.parametrize("kind", ["wrap-up", "webhook"])
async def test_a_claim_cancelled_as_it_was_taken_is_given_back(redis_url: str, kind: str) -> None:
    """The cancel lands on the take Redis ran: raised, and the claim is not left to its TTL."""
    plain, dropped = await _clients(redis_url)
    prefix = f"lc{uuid.uuid4().hex[:8]}:"
    claims = WebhookClaims(dropped, prefix)
    sid = "CA" + uuid.uuid4().hex
    key = f"{prefix}hold:wrap-up:anna" if kind == "wrap-up" else claims._key(sid)

    async def take() -> None:
        if kind == "webhook":
            await claims.claim(sid)
            return
        async with one_wrap_up(SimpleNamespace(transfers=TransferStore(dropped, prefix=prefix)), "anna"):  # type: ignore[arg-type]
            await asyncio.sleep(GUARD_S)

    try:
        await plain.script_load(claims._take_script.script)  # type: ignore[union-attr]  # the first write is the take
        await dropped.ping()  # connected: nothing of the handshake is written after the victim is named
        task = asyncio.create_task(take())
        CancelAfterWrite.victim = task
        with pytest.raises(asyncio.CancelledError):
            async with asyncio.timeout(GUARD_S):
                await asyncio.shield(task)
        assert await victim_hit()
        await _until(lambda: _gone(plain, key))  # given back (in the background), not held for its TTL
        if kind == "webhook":
            assert await WebhookClaims(plain, prefix).claim(sid) is not None  # Twilio's retry is answered
    finally:
        await plain.aclose()
        await dropped.aclose()


async def _gone(redis: Redis, key: str) -> bool:
    return not await redis.exists(key)
