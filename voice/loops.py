"""One object per running event loop.

Why: asyncio primitives (a Semaphore, a queue's futures and tasks) bind to the loop that first uses them, and
the models are shared across loops (the gateway's, a test's, a benchmark's). Each loop gets its own.
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")


class PerLoop(Generic[T]):
    """``get()`` returns this loop's object, made by ``make`` on first use; gone with the loop."""

    def __init__(self, make: Callable[[], T]) -> None:
        self._make = make
        self._by_loop: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, T] = weakref.WeakKeyDictionary()

    def get(self) -> T:
        loop = asyncio.get_running_loop()
        item = self._by_loop.get(loop)
        if item is None:
            item = self._by_loop[loop] = self._make()
        return item

    def values(self) -> list[T]:
        """The objects of the loops still alive (for inspection and tests)."""
        return list(self._by_loop.values())
