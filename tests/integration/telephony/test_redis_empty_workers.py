"""Two workers (two gateways on one Redis, one key prefix) and Redis restarted EMPTY: anna's console stream is
open on worker A, and her console's next request lands on worker B, which holds nothing of hers. She must not
be logged out (B waits for A to put her session back, or answers "try again"); a forged or logged-out
session must still never get in.

No timing is asserted: a 503 is what the console retries, so the test retries it too; GUARD_S bounds a hang.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx

from tests.support.live_console import FETCH, GUARD_S, console
from tests.support.outage import Outage, outage_gateway
from tests.support.redis import RedisServer, own_redis  # noqa: F401  (fixture)

COOKIE = "infolinia_console"
# The grace after an empty restart, longer than any run of these tests however slow the machine: within it a
# missing session is "try again" (503), after it "log in" (401, asserted with a fake clock in tests/unit), so
# the product's 30 s would make the 503s below depend on how fast the workers start and put back.
GRACE_S = 3600.0


@asynccontextmanager
async def two_workers(redis: RedisServer, tmp_path: Path) -> AsyncIterator[tuple[Outage, Outage]]:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    prefix = "w2:"  # one deployment: both workers use the same keys
    async with (
        outage_gateway(redis, tmp_path / "a", prefix=prefix, recovery_grace_s=GRACE_S) as a,
        outage_gateway(redis, tmp_path / "b", prefix=prefix, recovery_grace_s=GRACE_S) as b,
    ):
        yield a, b


def empty_restart(redis: RedisServer) -> None:
    """A failover without persistence; no recovery check is run on either worker."""
    redis.kill()
    redis.persist = False
    redis.restart()


async def panels_once_answered(base: str, sid: str) -> list[int]:
    """The console's panels fetched on ``base`` with session ``sid``, again after every 503 (as the console
    does), until another answer; every status seen."""
    seen: list[int] = []
    async with httpx.AsyncClient(base_url=base, cookies={COOKIE: sid}, timeout=30) as client:
        async with asyncio.timeout(GUARD_S):
            while not seen or seen[-1] == 503:
                seen.append((await client.get("/agents/panels", headers=FETCH)).status_code)
    return seen


async def test_a_request_on_the_other_worker_keeps_the_agent_logged_in(own_redis: RedisServer, tmp_path: Path) -> None:  # noqa: F811
    async with two_workers(own_redis, tmp_path) as (a, b), console(a) as anna:
        went = await anna.client.post("/agents/status", data={"status": "available"}, headers=FETCH)
        assert went.status_code == 200, went.text
        sid = anna.client.cookies[COOKIE]
        empty_restart(own_redis)
        seen = await panels_once_answered(b.base, sid)
        assert seen[-1] == 200 and set(seen) <= {200, 503}, seen  # never a 401: anna stays logged in
        state = await b.gateway.transfer.agents.agents.get("anna")  # type: ignore[union-attr]
        assert state is not None and state.status == "available"


async def test_a_forged_or_logged_out_session_never_gets_in(own_redis: RedisServer, tmp_path: Path) -> None:  # noqa: F811
    async with two_workers(own_redis, tmp_path) as (a, b), console(a) as anna:
        async with httpx.AsyncClient(base_url=b.base, timeout=30) as other:  # a second tab, logged out on B
            assert (await other.post("/agents/login", data={"token": "token-anna"})).status_code == 303
            gone = other.cookies[COOKIE]
            assert (await other.post("/agents/logout")).status_code == 303
        went = await anna.client.post("/agents/status", data={"status": "available"}, headers=FETCH)
        assert went.status_code == 200, went.text
        empty_restart(own_redis)
        assert (await panels_once_answered(b.base, anna.client.cookies[COOKIE]))[-1] == 200  # hers is back
        assert await a.recovery.check() and await b.recovery.check()
        for w in (a, b):  # in the grace period "try again" (the 401 after it: tests/unit), never let in
            for sid in (gone, "forged-session-id"):
                headers = {**FETCH, "Cookie": f"{COOKIE}={sid}"}  # this request only, not the client's jar
                seen = await w.http.get(f"{w.base}/agents/panels", headers=headers)
                assert seen.status_code == 503, seen.text
