"""Gateway-side figures of a load run, and the report: JSON and a Markdown table with the capacity figure.

CPU and memory come from ``/proc/<pid>`` (no psutil): ``utime + stime`` of ``/proc/<pid>/stat`` sampled
every ``interval_s`` (average and peak CPU, 100 % = one core), ``VmRSS``/``VmHWM`` of ``/proc/<pid>/status``.
ASR/TTS queueing and the per-stage latency come from two scrapes of ``GET /metrics`` (before and
after the run): histogram sums and counts give means, bucket deltas an upper bound for the p95. The TTS
queue counts only syntheses during the run: the greeting, fixed prompts and the first sentence of every
knowledge-base answer are synthesized at start-up (the prompt cache), so "TTS-first" is often ~0 ms.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import os
import platform
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import httpx

from telephony.exposition import parse_exposition

CAPACITY_P95_S = 1.5
_TICKS = os.sysconf("SC_CLK_TCK")


def read_cpu_s(pid: int) -> float:
    """User + system CPU seconds of ``pid`` so far (fields 14 and 15 of /proc/<pid>/stat)."""
    stat = Path(f"/proc/{pid}/stat").read_text()
    fields = stat[stat.rindex(")") + 2 :].split()  # the command name may contain spaces and parens
    return (int(fields[11]) + int(fields[12])) / _TICKS


def read_memory_mb(pid: int) -> dict[str, float]:
    """``{"rss_mb", "peak_rss_mb"}`` from /proc/<pid>/status."""
    out: dict[str, float] = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            out["rss_mb" if key == "VmRSS" else "peak_rss_mb"] = round(int(value.split()[0]) / 1024, 1)
    return out


class ProcSampler:
    """Samples one process's CPU and memory while a run goes on (``async with``)."""

    def __init__(self, pid: int, interval_s: float = 1.0) -> None:
        self.pid, self.interval_s = pid, interval_s
        self.samples: list[tuple[float, float]] = []  # (monotonic, cpu seconds)
        self.rss_max_mb = 0.0
        self._task: asyncio.Task[None] | None = None

    async def __aenter__(self) -> ProcSampler:
        self._sample()
        self._task = asyncio.create_task(self._loop())
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        self._sample()

    async def _loop(self) -> None:
        while True:
            await asyncio.sleep(self.interval_s)
            self._sample()

    def _sample(self) -> None:
        with contextlib.suppress(OSError, ValueError):
            now = asyncio.get_running_loop().time()
            self.samples.append((now, read_cpu_s(self.pid)))
            self.rss_max_mb = max(self.rss_max_mb, read_memory_mb(self.pid).get("rss_mb", 0.0))

    def summary(self) -> dict[str, Any]:
        if len(self.samples) < 2:
            return {}
        (t0, c0), (t1, c1) = self.samples[0], self.samples[-1]
        steps = [
            (b[1] - a[1]) / (b[0] - a[0]) for a, b in zip(self.samples, self.samples[1:], strict=False) if b[0] > a[0]
        ]
        return {
            "pid": self.pid,
            "cpu_avg_pct": round(100 * (c1 - c0) / max(t1 - t0, 1e-9), 1),
            "cpu_peak_pct": round(100 * max(steps), 1) if steps else None,
            "rss_max_mb": self.rss_max_mb,
            **read_memory_mb(self.pid),
        }


async def scrape(base_url: str) -> dict[str, float] | None:
    """``/metrics`` flattened, or None when the gateway has none (then the report says so)."""
    try:
        async with httpx.AsyncClient(timeout=10.0) as client:
            resp = await client.get(base_url.rstrip("/") + "/metrics")
    except httpx.HTTPError:
        return None
    return parse_exposition(resp.text) if resp.status_code == 200 else None


def calls_settled(before: dict[str, float], after: dict[str, float]) -> bool:
    """Every call that started since ``before`` has ended (and so reported its turns' stages)."""
    started = _delta(before, after, "infolinia_calls_started_total{}")
    ended = sum(_delta(before, after, k) for k in after if k.startswith("infolinia_calls_ended_total{"))
    return ended >= started


async def settled_scrape(
    base_url: str, before: dict[str, float] | None, timeout_s: float = 15.0, poll_s: float = 0.2
) -> dict[str, float] | None:
    """The scrape after a run, once the gateway has finished its side of every call.

    Why wait: a call's stage histograms are observed when the gateway's call ends, which may be a
    moment after the simulated caller hung up; scraping at once would miss the last calls' turns.
    Gives up after ``timeout_s`` (a gateway with other traffic may never settle) with the last scrape."""
    after = await scrape(base_url)
    deadline = asyncio.get_running_loop().time() + timeout_s
    while before is not None and after is not None and not calls_settled(before, after):
        if asyncio.get_running_loop().time() >= deadline:
            break
        await asyncio.sleep(poll_s)
        after = await scrape(base_url)
    return after


def _delta(before: dict[str, float], after: dict[str, float], key: str) -> float:
    return after.get(key, 0.0) - before.get(key, 0.0)


def histogram_delta(before: dict[str, float], after: dict[str, float], name: str, labels: str = "") -> dict[str, Any]:
    """Mean and a p95 upper bound (the bucket bound it falls under) of what a histogram saw in between."""
    count = _delta(before, after, f"{name}_count{{{labels}}}")
    if count <= 0:
        return {"count": 0, "mean_s": None, "p95_le_s": None}
    total = _delta(before, after, f"{name}_sum{{{labels}}}")
    wanted = set(filter(None, labels.split(",")))
    buckets = []
    for key in after:
        if key.startswith(f"{name}_bucket{{"):
            pairs = set(key[len(name) + 8 : -1].split(","))
            le = next((p[3:] for p in pairs if p.startswith("le=")), None)
            if le is not None and wanted <= pairs:
                buckets.append((float(le), _delta(before, after, key)))
    p95 = next((le for le, n in sorted(buckets) if n >= 0.95 * count), math.inf)
    return {"count": int(count), "mean_s": round(total / count, 3), "p95_le_s": None if p95 == math.inf else p95}


def gateway_figures(before: dict[str, float] | None, after: dict[str, float] | None) -> dict[str, Any]:
    if before is None or after is None:
        return {"metrics": "unavailable (the gateway has no /metrics)"}
    stages = ("end_of_turn", "transcript", "dialog", "tts_first_audio")
    out: dict[str, Any] = {
        "asr_queue": histogram_delta(before, after, "infolinia_asr_queue_seconds"),
        "tts_queue": histogram_delta(before, after, "infolinia_tts_queue_seconds"),
        "asr_abandoned": histogram_delta(before, after, "infolinia_asr_abandoned_seconds"),
        "stages": {s: histogram_delta(before, after, "infolinia_turn_stage_seconds", f"stage={s}") for s in stages},
        "server_turn_latency": histogram_delta(before, after, "infolinia_turn_latency_seconds", "source=speech"),
    }
    out["transfers_by_reason"] = transfers_by_reason(before, after)
    cpu = _delta(before, after, "process_cpu_seconds_total{}")
    if cpu > 0:
        out["process_cpu_s"] = round(cpu, 1)
    return out


def transfers_by_reason(before: dict[str, float], after: dict[str, float]) -> dict[str, int]:
    """Why calls were handed to a human in between (``infolinia_transfers_total`` by its reason label).

    Why in a capacity bench: a transfer ends a call early, so it changes how many turns a level really
    ran; a reason that should not occur there (say, "urgent" for a caller reading an order number) is a
    finding about understanding, not about speed."""
    out: dict[str, int] = {}
    for key in after:
        if not key.startswith("infolinia_transfers_total{"):
            continue
        labels = dict(kv.split("=", 1) for kv in key[key.index("{") + 1 : -1].split(",") if "=" in kv)
        reason = labels.get("reason", "unknown")
        out[reason] = out.get(reason, 0) + round(_delta(before, after, key))
    return {r: n for r, n in sorted(out.items()) if n > 0}


def transfer_line(runs: Sequence[dict[str, Any]]) -> str:
    """One line under the table: transfers by reason at each level."""
    parts = []
    for run in runs:
        reasons = (run.get("gateway") or {}).get("transfers_by_reason") or {}
        said = ", ".join(f"{r} {n}" for r, n in reasons.items()) or "none"
        parts.append(f"{run['concurrency']}: {said}")
    return "Transfers by reason (per level): " + "; ".join(parts)


def abandoned_line(runs: Sequence[dict[str, Any]]) -> str:
    """One line under the table: recognitions that ran to their end after the caller talked on (speculative
    ones started in a pause), and the model seconds they took, at each level."""
    parts = []
    for run in runs:
        a = (run.get("gateway") or {}).get("asr_abandoned") or {}
        n, mean = a.get("count", 0), a.get("mean_s") or 0.0
        parts.append(f"{run['concurrency']}: {n} ({n * mean:.1f} s)" if a else f"{run['concurrency']}: -")
    return "Recognitions nobody waited for any more (model time), per level: " + "; ".join(parts)


# CPU features that change CTranslate2's int8 arithmetic, best first (and so Whisper's transcripts and WER:
# docs/benchmarks.md, "WER depends on the CPU")
INT8_FEATURES = ("amx_int8", "avx512_vnni", "avx_vnni", "avx512bw", "avx2")


def int8_features(flags: str) -> str:
    """The int8-relevant features among a /proc/cpuinfo ``flags`` line, e.g. "avx512_vnni avx512bw avx2"."""
    present = set(flags.split())
    return " ".join(f for f in INT8_FEATURES if f in present) or "none of " + "/".join(INT8_FEATURES)


def machine() -> dict[str, Any]:
    cpu, flags = "", ""
    with contextlib.suppress(OSError):
        lines = Path("/proc/cpuinfo").read_text().splitlines()
        cpu = next((ln.split(":", 1)[1].strip() for ln in lines if ln.startswith("model name")), "")
        flags = next((ln.split(":", 1)[1] for ln in lines if ln.startswith("flags")), "")
    return {"cpus": os.cpu_count(), "cpu_model": cpu, "int8": int8_features(flags), "python": platform.python_version()}


def machine_line(m: dict[str, Any] | None = None) -> str:
    """One line naming the CPU (this one, or a report's recorded ``machine()``) for a benchmark's output:
    figures from different CPUs are not comparable."""
    m = machine() if m is None else m
    int8 = m.get("int8", "not recorded")  # reports from before the int8 line
    return f"Machine: {m['cpus']} CPUs ({m['cpu_model'] or 'model unknown'}; int8 features: {int8})"


def capacity(runs: Sequence[dict[str, Any]], p95_limit_s: float = CAPACITY_P95_S) -> int | None:
    """The largest concurrency whose p95 turn latency stayed under the limit with no errors or drops."""
    ok = [
        r["concurrency"]
        for r in runs
        if r["turn_latency_s"]["p95"] is not None
        and r["turn_latency_s"]["p95"] < p95_limit_s
        and r["errors"] == 0
        and r["dropped"] == 0
    ]
    return max(ok) if ok else None


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value * 1000:.0f}"


def _queue(q: dict[str, Any]) -> str:
    """A queue column: mean/p95 bound in ms and how many requests waited (n=0: no request in the run)."""
    if not q:
        return "-"
    n = q.get("count", 0)
    return f"{_ms(q.get('mean_s'))}/{_ms(q.get('p95_le_s'))} (n={n})" if n else "n=0"


def _gaps(g: dict[str, Any] | None) -> str:
    """Replies that fell silent inside a sentence, of all replies, and the longest such silence."""
    if not g:
        return "-"
    return f"{g['with_gap']}/{g['replies']} ({_ms(g['max_s'])})"


def markdown(report: dict[str, Any]) -> str:
    """The runs as one table, then the capacity figure and the conditions it was measured under."""
    head = (
        "| conc. | calls | turns | p50 ms | p95 ms | p99 ms | max ms | greeting p50 ms | transfers | errors "
        "| dropped | CPU avg % | CPU peak % | RSS MB | ASR queue mean/p95≤ ms | TTS queue mean/p95≤ ms "
        "| ASR / dialog / TTS-first mean ms | replies with a gap (max ms) | load avg (1 min, after) |"
    )
    lines = [head, "|" + "---|" * (head.count("|") - 1)]
    for r in report["runs"]:
        lat, gw, proc = r["turn_latency_s"], r.get("gateway", {}), r.get("process", {})
        aq, tq, st = gw.get("asr_queue", {}), gw.get("tts_queue", {}), gw.get("stages", {})
        stages = " / ".join(_ms(st.get(s, {}).get("mean_s")) for s in ("transcript", "dialog", "tts_first_audio"))
        lines.append(
            f"| {r['concurrency']} | {r['calls']} | {r['turns_answered']}/{r['turns']} | {_ms(lat['p50'])} "
            f"| {_ms(lat['p95'])} | {_ms(lat['p99'])} | {_ms(lat['max'])} | {_ms(r['greeting_s']['p50'])} "
            f"| {r['transfers']} | {r['errors']} | {r['dropped']} | {proc.get('cpu_avg_pct', '-')} "
            f"| {proc.get('cpu_peak_pct', '-')} | {proc.get('rss_max_mb', '-')} "
            f"| {_queue(aq)} | {_queue(tq)} "
            f"| {stages} | {_gaps(r.get('gaps'))} | {r['load_avg_after'][0]:.2f} |"
        )
    cap = report.get("capacity")
    m = report["machine"]
    lines += [
        "",
        f"Capacity (largest concurrency with p95 turn latency < {CAPACITY_P95_S} s, no errors, no dropped calls): "
        + (f"**{cap} concurrent calls**" if cap is not None else "**none of the tested levels passed**"),
        f"{machine_line(m)}; load average before the first run "
        f"{' / '.join(f'{x:.2f}' for x in report['load_avg_before'])} (1/5/15 min). "
        f"Turn latency = caller's end of speech -> first bot audio received; a gap = silence inside a sentence "
        f"of the reply (its rest was rendered later than its start played); {report['turns_per_call']} turns "
        f"per call after the full greeting; gateway: {report['gateway']}.",
    ]
    return "\n".join(lines)
