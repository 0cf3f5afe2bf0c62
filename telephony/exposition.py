"""Prometheus values shared by several worker processes (``infolinia serve --workers N``), and a scrape
read back into numbers.

Why apart from ``telephony.metrics``: these are the file-level mechanics of prometheus_client's
multiprocess mode (is this process writing to the shared directory, which dead workers' live gauges to
drop, how to sum the files), not what the gateway measures.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from prometheus_client import CollectorRegistry, generate_latest, multiprocess, values
from prometheus_client.parser import text_string_to_metric_families


def render_files(directory: str) -> bytes:
    """Every worker's values in ``directory`` summed, in the text exposition format."""
    merged = CollectorRegistry()
    multiprocess.MultiProcessCollector(merged, path=directory)
    return generate_latest(merged)


def mark_process_dead(pid: int, directory: str) -> None:
    """Drop a stopped worker's live gauges from the shared files (its counters stay in the sum)."""
    multiprocess.mark_process_dead(pid, directory)


def check_multiprocess_dir(directory: str) -> None:
    """Raise unless prometheus_client writes this process's values to files in ``directory``.

    Why: in multiprocess mode ``/metrics`` reads only the files; a process that keeps its values in
    memory (``PROMETHEUS_MULTIPROC_DIR`` unset, another directory, or set after prometheus_client was
    imported) would count everything and show nothing."""
    exported = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    in_files = bool(getattr(values.ValueClass, "_multiprocess", False))
    if not in_files or exported is None or os.path.realpath(exported) != os.path.realpath(directory):
        raise RuntimeError(
            f"metrics_dir is {directory!r} but prometheus_client writes to {exported if in_files else 'memory'!r}: "
            "set PROMETHEUS_MULTIPROC_DIR to the same directory before the process starts "
            "(`infolinia serve --workers N` does it), or unset INFOLINIA_METRICS_DIR"
        )


def forget_dead_processes(directory: str) -> None:
    """Drop the live gauges of processes gone without ``close()`` (a crashed worker uvicorn restarted).

    Why at start-up: a crashed worker's replacement starting is the first moment anyone can notice, and
    its files would otherwise keep its calls in ``calls_active`` for good."""
    for path in Path(directory).glob("gauge_live*_*.db"):
        pid = path.stem.rsplit("_", 1)[-1]
        if pid.isdigit() and not _alive(int(pid)):
            mark_process_dead(int(pid), directory)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive
        return True
    return True


def parse_exposition(text: str, names: Sequence[str] = ()) -> dict[str, float]:
    """Flatten a scrape into ``{"name{label=value,...}": value}`` (the load test diffs two scrapes)."""
    out: dict[str, float] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if names and not sample.name.startswith(tuple(names)):
                continue
            labels = ",".join(f"{k}={v}" for k, v in sorted(sample.labels.items()))
            out[f"{sample.name}{{{labels}}}"] = float(sample.value)
    return out
