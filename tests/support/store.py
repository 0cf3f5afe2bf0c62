"""A key-value store double for tests that must see what the code stored, with what TTL, and make
the store fail (``dialog.store.MemoryStore`` is the product's in-process store and cannot fail)."""

from __future__ import annotations

import json
from typing import Any


class FakeStore:
    """In-memory KeyValueStore for tests: JSON round-trips values (like Redis), records TTLs, can fail."""

    def __init__(self) -> None:
        self.data: dict[str, dict[str, Any]] = {}
        self.ttls: dict[str, int | None] = {}
        self.fail = False
        self.failing: set[str] = set()  # operations that fail while the others work ("set": writes refused)
        self.calls: list[str] = []

    def _use(self, op: str, key: str) -> None:
        self.calls.append(f"{op} {key}")
        if self.fail or op in self.failing:
            raise ConnectionError(f"store down ({op})")

    async def get(self, key: str) -> dict[str, Any] | None:
        self._use("get", key)
        value = self.data.get(key)
        return None if value is None else json.loads(json.dumps(value))

    async def set(self, key: str, value: dict[str, Any], ttl_s: int | None = None) -> None:
        self._use("set", key)
        self.data[key] = json.loads(json.dumps(value))
        self.ttls[key] = ttl_s

    async def delete(self, key: str) -> None:
        self._use("delete", key)
        self.data.pop(key, None)

    async def pop(self, key: str) -> dict[str, Any] | None:
        self._use("pop", key)
        return self.data.pop(key, None)

    async def ping(self) -> bool:
        return not self.fail

    async def close(self) -> None:
        return None
