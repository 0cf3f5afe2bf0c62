"""What start-up builds in the background, as an object routes await: ``Ready[T]``.

Why: the gateway answers ``/healthz`` the moment it serves HTTP, while the models load for seconds; a
route, a call or a transfer that needs them waits for start-up here (or learns that it failed), and
``/readyz`` reads ``value`` without waiting. The object is passed to whoever needs it, so the path from
a request to the loaded models is a parameter a reader can follow, never a lookup in ``app.state``.
"""

from __future__ import annotations

import asyncio
from typing import Generic, TypeVar

T = TypeVar("T")
DEFAULT_WAIT_S = 60.0


class NotReady(Exception):
    """Start-up has failed, was stopped, or took longer than the caller may wait."""


class Ready(Generic[T]):
    """A value set once by the start-up task; ``get()`` waits for it (at most ``timeout_s``)."""

    def __init__(self, what: str, timeout_s: float = DEFAULT_WAIT_S) -> None:
        self.what, self.timeout_s = what, timeout_s
        self._event = asyncio.Event()  # bound to the serving loop at its first wait (Python >= 3.10)
        self._value: T | None = None
        self._error: BaseException | None = None

    def set(self, value: T) -> None:
        self._value = value
        self._event.set()

    def fail(self, error: BaseException) -> None:
        self._error = error
        self._event.set()

    @property
    def value(self) -> T | None:
        """The value when start-up has finished, else None (never waits)."""
        return self._value

    @property
    def failed(self) -> bool:
        """Start-up has failed (never waits)."""
        return self._error is not None

    @property
    def failure(self) -> str | None:
        """Why start-up failed, in one line (``/readyz`` shows it), else None."""
        if self._error is None:
            return None
        return (f"{type(self._error).__name__}: {self._error}".splitlines() or [""])[0][:300]

    async def get(self) -> T:
        try:
            await asyncio.wait_for(self._event.wait(), self.timeout_s)
        except TimeoutError as exc:
            raise NotReady(f"{self.what} is not finished after {self.timeout_s:.0f} s") from exc
        if self._value is None:
            raise NotReady(f"{self.what} failed") from self._error
        return self._value
