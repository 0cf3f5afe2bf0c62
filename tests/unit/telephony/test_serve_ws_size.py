"""``infolinia serve`` reads WebSocket messages of at most ``WS_MAX_BYTES`` (a probe, 2026-12-07): uvicorn's
default, 16 MiB, let a playground page (or anyone holding a stream's socket) send messages that held the worker's
event loop 0.4-0.5 s each while they were read, though the playground skips audio over a second and the Twilio
stream frames over a second. Both fit with a wide margin: a playground second at 192 kHz is 384 KB."""

from __future__ import annotations

from typing import Any

import pytest

from telephony.app import workers
from telephony.playground.channel import MAX_RATE


def test_serve_caps_websocket_messages_above_a_second_of_any_allowed_audio(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: dict[str, Any] = {}
    monkeypatch.setattr("uvicorn.run", lambda *args, **kwargs: seen.update(kwargs))
    workers.serve("127.0.0.1", 0, 1)
    assert seen["ws_max_size"] == workers.WS_MAX_BYTES
    assert 2 * MAX_RATE < workers.WS_MAX_BYTES < 16 * 1024 * 1024
