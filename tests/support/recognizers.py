"""Real ``infolinia wyoming`` processes as a recognizer (or synthesis) tier: started on free ports with the
real models, each logging to its own file, killed by the test that needs a machine to die."""

from __future__ import annotations

import signal
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.support.servers import Server, free_port, spawn, stop, wait_for_port

# What a recognizer machine needs: Whisper (greedy: the tests check transcripts, not accuracy), no Redis,
# no pre-rendering (a recognizer answers no speaker), plain logs.
RECOGNIZER_ENV = {
    "INFOLINIA_WHISPER_MODEL": "base",
    "INFOLINIA_ASR_BEAM_SIZE": "1",
    "INFOLINIA_TTS_PRERENDER": "false",
    "INFOLINIA_LOG_JSON": "false",
    "INFOLINIA_REDIS_URL": "",
    "INFOLINIA_ASR_REMOTE": "",
    "INFOLINIA_TTS_REMOTE": "",
}


def start_recognizer(models_dir: Path, log: Path, asr_only: bool = True) -> tuple[str, Server]:
    """``infolinia wyoming`` on a free port; its URI once it listens (it listens after loading its models).
    ``asr_only=False``: the full server, which also synthesizes (a synthesis tier's machine)."""
    port = free_port()
    uri = f"tcp://127.0.0.1:{port}"
    env = {**RECOGNIZER_ENV, "INFOLINIA_MODELS_DIR": str(models_dir)}
    args = ["telephony.app.cli", "wyoming", "--uri", uri] + (["--asr-only"] if asr_only else [])
    return uri, spawn(args, port, env, log)


@contextmanager
def recognizer_tier(
    models_dir: Path, logs: Path, count: int, asr_only: bool = True
) -> Iterator[list[tuple[str, Server]]]:
    """``count`` recognizer processes, started together (their models load in parallel), stopped after."""
    servers = [start_recognizer(models_dir, logs / f"recognizer-{i}.log", asr_only) for i in range(count)]
    try:
        for uri, server in servers:
            port = int(uri.rsplit(":", 1)[1])
            try:
                wait_for_port(port, server.proc, f"infolinia wyoming ({uri})", timeout_s=180.0)
            except RuntimeError as exc:
                raise RuntimeError(f"{exc}\n{server.log_text()[-3000:]}") from exc
        yield servers
    finally:
        for _, server in servers:
            if server.proc.poll() is None:
                stop(server)


def kill(server: Server) -> None:
    """The machine dies: no goodbye, its connections reset."""
    stop(server, sig=signal.SIGKILL)
