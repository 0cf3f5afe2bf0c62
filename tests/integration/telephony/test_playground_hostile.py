"""Hostile messages on the playground's socket (a probe, 2026-12-07): over real HTTP/WebSocket (Starlette's test
client) with the call pipeline's fakes (``tests/support/call.py``), as ``test_playground_socket.py``.

What must hold: a message of the right type with a value of the wrong JSON type is skipped like any bad message,
never the end of the talk; and a socket sending thousands of bad messages leaves a few log lines, not one each.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from tests.integration.telephony.test_playground_socket import client, events_until, ws_path
from tests.support.call import GREETING, call_deps, speech

HOSTILE = (
    {"type": "dtmf", "digit": ["1"]},
    {"type": "dtmf", "digit": {"1": 1}},
    {"type": "dtmf", "digit": 1},
    {"type": "mark", "name": ["m"]},
    {"type": ["start"], "rate": 8000},
    {"type": "start", "rate": [8000]},
)


def test_values_of_the_wrong_json_type_are_skipped_and_the_talk_goes_on(caplog: pytest.LogCaptureFixture) -> None:
    """Found by the probe: ``{"type": "dtmf", "digit": ["1"]}`` raised ``unhashable type: 'list'`` out of the
    channel, the call pipeline failed and the page was told the talk ended ("przekierowanie na numer")."""
    with client(True, call_deps()) as c, c.websocket_connect(ws_path(c.get("/playground").text)) as ws:
        ws.send_text(json.dumps({"type": "start", "rate": 8000}))
        greeting, _ = events_until(ws, {"bot"})
        for body in HOSTILE:
            ws.send_text(json.dumps(body))
        ws.send_bytes(speech("gdzie jest paczka", 1.0).astype("<i2").tobytes())
        ws.send_bytes(np.zeros(8000, dtype="<i2").tobytes())
        seen, _ = events_until(ws, {"turn", "end", "done"})
        ws.send_text(json.dumps({"type": "hangup"}))
    assert greeting[-1]["text"] == GREETING
    kinds = [e["kind"] for e in seen]
    assert "end" not in kinds and "done" not in kinds, seen
    assert {e["kind"]: e for e in seen}["bot"]["text"] == "Odpowiedź na: gdzie jest paczka."
    skipped = [r for r in caplog.records if "skipping a message" in r.getMessage()]
    assert len(skipped) == len(HOSTILE), [r.getMessage() for r in skipped]


def test_a_flood_of_bad_messages_leaves_a_few_log_lines(caplog: pytest.LogCaptureFixture) -> None:
    """Found by the probe: 5,000 bad messages on one socket wrote 5,000 warnings (the Twilio stream already
    logged its first few bad frames and then one line per 500). The talk still goes on after the flood."""
    flood = 2000
    with client(True, call_deps()) as c, c.websocket_connect(ws_path(c.get("/playground").text)) as ws:
        ws.send_text(json.dumps({"type": "start", "rate": 8000}))
        events_until(ws, {"bot"})
        for _ in range(flood):
            ws.send_text("junk")
        ws.send_bytes(speech("gdzie jest paczka", 1.0).astype("<i2").tobytes())
        ws.send_bytes(np.zeros(8000, dtype="<i2").tobytes())
        seen, _ = events_until(ws, {"turn", "end", "done"}, limit=20_000)
        ws.send_text(json.dumps({"type": "hangup"}))
    assert {e["kind"]: e for e in seen}["bot"]["text"] == "Odpowiedź na: gdzie jest paczka."
    lines = [r.getMessage() for r in caplog.records if "skipping a message" in r.getMessage()]
    assert 1 <= len(lines) <= 10 + flood // 500, len(lines)
    assert lines[-1].endswith(f"({flood} skipped so far)")  # the count still tells how many were dropped


def test_an_audio_message_over_a_second_is_skipped(caplog: pytest.LogCaptureFixture) -> None:
    """Found by the probe: one 14 MB message (900 s of speech at 8 kHz) put 150 turns into the talk at once, each
    interrupting the last one's recognition. The page sends 2,048 samples a message; more than a second at the
    announced rate is no microphone's, and is skipped like any bad message (as the Twilio stream's long frames)."""
    with client(True, call_deps()) as c, c.websocket_connect(ws_path(c.get("/playground").text)) as ws:
        ws.send_text(json.dumps({"type": "start", "rate": 8000}))
        events_until(ws, {"bot"})
        ws.send_bytes(speech("za dużo naraz", 3.0).astype("<i2").tobytes())  # three seconds in one message
        ws.send_bytes(np.zeros(8000, dtype="<i2").tobytes())  # one second: the most a message may carry
        ws.send_bytes(speech("gdzie jest paczka", 1.0).astype("<i2").tobytes())
        ws.send_bytes(np.zeros(8000, dtype="<i2").tobytes())
        seen, _ = events_until(ws, {"turn", "end", "done"})
        ws.send_text(json.dumps({"type": "hangup"}))
    assert [e["text"] for e in seen if e["kind"] == "caller"] == ["gdzie jest paczka"], seen
    assert any("over a second" in r.getMessage() for r in caplog.records)
