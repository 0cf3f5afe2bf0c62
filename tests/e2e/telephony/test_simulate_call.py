"""``infolinia simulate-call`` without ``--url``, as a newcomer runs it: the gateway it starts in its own
process (real models, a free port, the Twilio stand-in) answers a real phone call over the Twilio wire, and
its "ready on" line names the address it listens on (it said the configured ``http://127.0.0.1:8080`` while
the gateway listened on the free port)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.paths import REPO_ROOT

pytestmark = pytest.mark.models


def test_simulate_call_in_process_logs_the_address_it_listens_on(tmp_path: Path) -> None:
    env = {**os.environ, "INFOLINIA_LOG_JSON": "false", "INFOLINIA_PORT": "8080"}
    out = tmp_path / "call.wav"
    argv = [sys.executable, "-m", "telephony.app.cli", "simulate-call", "samples/question.wav", "--out", str(out)]
    # the timeout bounds a hang only: the models load first, the greeting plays in real time
    done = subprocess.run(argv, cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=600)
    log = done.stdout + done.stderr
    assert done.returncode == 0, log[-3000:]
    ready = re.findall(r"infolinia ready on (http://[\d.]+:\d+) \(public URL (\S+)\)", log)
    assert len(ready) == 1, log[-3000:]
    listens, public = ready[0]
    assert listens == public, log[-3000:]  # the in-process gateway's own address, not INFOLINIA_PORT's 8080
    assert f'GET {listens}/readyz "HTTP/1.1 200 OK"' in log  # the simulator reached it there
    assert re.search(r"^call CA\w+: [\d.]+ s, ended: caller$", done.stdout, re.M), done.stdout
    assert "KLIENT: " in done.stdout and out.stat().st_size > 100_000  # a real conversation was recorded
