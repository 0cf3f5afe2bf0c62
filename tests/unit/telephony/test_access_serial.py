"""One unproven credential check at a time per client IP (``telephony/access/serial.py``), by ordering."""

from __future__ import annotations

import asyncio

from telephony.access.serial import ProvenSecrets, SerialChecks


async def test_unproven_checks_of_one_address_run_one_after_the_other_and_others_do_not_wait() -> None:
    checks, events = SerialChecks(), []
    release = asyncio.Event()

    async def check(ip: str, secret: str) -> None:
        async with checks.one_at_a_time(ip, secret):
            events.append(f"in {secret}")
            await release.wait()
            events.append(f"out {secret}")

    first = asyncio.create_task(check("10.0.0.1", "guess1"))
    second = asyncio.create_task(check("10.0.0.1", "guess2"))
    other = asyncio.create_task(check("10.0.0.2", "guess3"))
    await asyncio.sleep(0)
    assert events == ["in guess1", "in guess3"]  # the second guess from 10.0.0.1 waits for the first
    release.set()
    await asyncio.gather(first, second, other)
    assert events.index("out guess1") < events.index("in guess2")
    assert checks.waiting_ips() == 0  # no lock is kept for an address once its checks are done


async def test_a_proven_secret_skips_the_line() -> None:
    checks = SerialChecks()
    checks.proven.add("the-kiosk-key")
    async with checks.one_at_a_time("10.0.0.1", "guess"):
        async with asyncio.timeout(5):  # would wait forever behind the guess if it queued
            async with checks.one_at_a_time("10.0.0.1", "the-kiosk-key"):
                pass


def test_proven_secrets_expire_and_stay_bounded_and_keep_no_secret() -> None:
    now = [0.0]
    proven = ProvenSecrets(size=2, ttl_s=300, clock=lambda: now[0])
    proven.add("a")
    assert "a" in proven and "b" not in proven
    now[0] = 301
    assert "a" not in proven
    for secret in ("b", "c", "d"):
        proven.add(secret)
    assert "b" not in proven and "c" in proven and "d" in proven
    assert all(len(digest) == 64 and digest not in {"c", "d"} for digest in proven._seen)
