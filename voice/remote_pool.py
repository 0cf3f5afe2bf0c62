"""Which server of a Wyoming tier a request goes to: shared by recognition and synthesis as their own tiers.

Why a module of its own: ``voice/asr_remote.py`` and ``voice/tts_remote.py`` send requests to a pool of
servers the same way (rotate, skip a failed one for a while, retry on the next), so the rule lives once.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, field
from urllib.parse import urlparse

from wyoming.client import AsyncClient
from wyoming.info import Describe, Info


def parse_uris(value: str) -> list[str]:
    """``tcp://host:port,unix:///path`` -> the URIs, validated so a typo fails at start-up, not mid-call."""
    uris = [part.strip() for part in value.split(",") if part.strip()]
    for uri in uris:
        parsed = urlparse(uri)
        if parsed.scheme == "tcp" and parsed.hostname and parsed.port:
            continue
        if parsed.scheme == "unix" and parsed.path:
            continue
        raise ValueError(f"{uri!r} is not a Wyoming server URI (tcp://host:port or unix:///path)")
    return uris


@dataclass
class ServerPool:
    """Which server a turn tries first, and which it skips: pure, driven by the clock it is given.

    Turns rotate over the servers (spreading the load); a server that failed is tried only after every
    healthy one, until ``cooldown_s`` has passed, so a dead machine costs one timeout per cooldown, not
    one per turn, while a recovered one comes back by itself."""

    uris: Sequence[str]
    cooldown_s: float = 10.0
    _next: int = 0
    _down_until: dict[str, float] = field(default_factory=dict)

    def order(self, now: float) -> list[str]:
        """Every server once: healthy ones in rotation first, then those cooling down (soonest back first).

        One URI is tried twice: it names a balancer in front of the tier (a Kubernetes Service, Docker's
        DNS), and a new connection there reaches another machine than the one that just failed."""
        n = len(self.uris)
        rotated = [self.uris[(self._next + i) % n] for i in range(n)]
        self._next = (self._next + 1) % max(1, n)
        healthy = [u for u in rotated if self._down_until.get(u, 0.0) <= now]
        cooling = sorted((u for u in rotated if u not in healthy), key=lambda u: self._down_until[u])
        return healthy + cooling if n > 1 else rotated * 2

    def failed(self, uri: str, now: float) -> None:
        self._down_until[uri] = now + self.cooldown_s

    def succeeded(self, uri: str) -> None:
        self._down_until.pop(uri, None)

    def down(self, now: float) -> list[str]:
        return [u for u in self.uris if self._down_until.get(u, 0.0) > now]


async def fetch_info(uri: str, timeout_s: float) -> Info:
    """What a server offers (``describe`` -> ``info``), for ``infolinia check``; raises TimeoutError, OSError,
    EOFError (closed without describing itself) or ValueError (garbled), which each tier's client words."""

    async def ask() -> Info:
        async with AsyncClient.from_uri(uri) as client:
            await client.write_event(Describe().event())
            while (event := await client.read_event()) is not None:
                if Info.is_type(event.type):
                    return Info.from_event(event)
        raise EOFError("closed the connection before describing itself")

    return await asyncio.wait_for(ask(), timeout_s)


async def info_or_raise(uri: str, timeout_s: float, error: type[Exception]) -> Info:
    """``fetch_info`` with its failures worded once for both tiers, as the tier's own ``error``."""
    try:
        return await fetch_info(uri, timeout_s)
    except TimeoutError as exc:
        raise error(f"{uri}: no answer within {timeout_s:g} s") from exc
    except (OSError, EOFError, ValueError) as exc:
        raise error(f"{uri}: {type(exc).__name__}: {exc}") from exc
