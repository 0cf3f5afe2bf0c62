"""The engine's ``MissLog`` port in memory, for unit tests of the KB gaps: what was recorded, taken back and
resolved (the real one is Redis: ``telephony.history.gaps.MissBook``)."""

from __future__ import annotations

from dataclasses import replace

from dialog.ports import Miss


class RecordedMisses:
    def __init__(self) -> None:
        self.misses: list[Miss] = []

    async def record(self, miss: Miss) -> None:
        self.misses.append(miss)

    async def withdraw(self, miss: Miss) -> None:
        """Found as ``MissBook`` finds it: by time, session and words."""
        self.misses = [m for m in self.misses if not _same(m, miss)]

    async def resolve(self, miss: Miss, entry_id: str) -> None:
        self.misses = [replace(m, resolved_as=entry_id) if _same(m, miss) else m for m in self.misses]


def _same(a: Miss, b: Miss) -> bool:
    return (a.at, a.session_id, a.text) == (b.at, b.session_id, b.text)
