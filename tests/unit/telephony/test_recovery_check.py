"""The recovery check: a failure while putting agents back never keeps spooled requests from being stored
(a callback asked for during the outage must reach Redis at the next check even if the presence step breaks)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, cast

from dialog.store import MemoryStore
from telephony.agents.presence import Presence
from telephony.app.recovery import Recovery
from telephony.spool import Spool


class BrokenPresence:
    """A put-back that fails with a bug (not Redis going away)."""

    def __init__(self) -> None:
        self.calls = 0

    async def heartbeat(self) -> None:
        self.calls += 1
        raise ValueError("a bug in the put-back")


async def test_a_failing_put_back_does_not_keep_the_spool_from_being_replayed(tmp_path: Path) -> None:
    spool = Spool(tmp_path / "spool.jsonl")
    await spool.append("callback", {"id": "cb1"})
    stored: list[dict[str, Any]] = []

    async def store_callback(data: dict[str, Any]) -> None:
        stored.append(data)

    presence = BrokenPresence()
    recovery = Recovery(MemoryStore(), spool, presence=cast(Presence, presence))
    recovery.on("callback", store_callback)
    assert await recovery.check() is True  # the store is up; the put-back's bug is logged, not raised
    assert presence.calls == 1 and stored == [{"id": "cb1"}] and spool.pending() == 0
