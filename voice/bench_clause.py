"""Time to first audio of freshly synthesized replies: whole first sentence vs its first clause.

Why a benchmark and not a test: how much sooner the first audio comes depends on the CPU and its load;
tests check what is rendered first (tests/e2e/voice/test_tts_first_clause.py), this prints the figure
for docs/benchmarks.md (``infolinia bench speech``). Both ways run on the same voice, alternating
reply by reply and repeat by repeat, so a change of load on a shared machine hits both alike.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Sequence
from typing import Any

from voice.tts import PiperSynthesizer


async def _first_audio_s(synth: PiperSynthesizer, text: str, rate: int, clause_chars: int) -> tuple[float, float]:
    """(first chunk, whole reply) seconds for ``text``, uncached, with the first clause cut or not."""
    synth.first_clause_chars = clause_chars
    synth.clear_cache()
    t0 = time.perf_counter()
    first = None
    async for _ in synth.stream(text, rate):
        first = time.perf_counter() - t0 if first is None else first
    return first or 0.0, time.perf_counter() - t0


async def run_first_clause_bench(
    synth: PiperSynthesizer, replies: Sequence[str], *, clause_chars: int = 12, rate: int = 8000, repeats: int = 5
) -> dict[str, Any]:
    """Median first audio per reply, whole first sentence vs first clause; the voice's setting is restored."""
    saved = synth.first_clause_chars
    rows: list[dict[str, Any]] = []
    try:
        await _first_audio_s(synth, replies[0], rate, 0)  # warm-up: first inference is slower
        for text in replies:
            whole: list[float] = []
            clause: list[float] = []
            for _ in range(repeats):
                whole.append((await _first_audio_s(synth, text, rate, 0))[0])
                clause.append((await _first_audio_s(synth, text, rate, clause_chars))[0])
            piece = synth.plan(text, clause_chars)[0][0]
            rows.append({"text": text, "first_piece": piece, "cut": piece != synth.plan(text, 0)[0][0],
                         "whole_s": statistics.median(whole), "clause_s": statistics.median(clause)})  # fmt: skip
    finally:
        synth.first_clause_chars = saved
        synth.clear_cache()
    cut = [r for r in rows if r["cut"]] or rows
    return {
        "rate": rate,
        "repeats": repeats,
        "clause_chars": clause_chars,
        "rows": rows,
        "cut_replies": sum(r["cut"] for r in rows),
        "whole_median_s": statistics.median(r["whole_s"] for r in cut),  # over the replies that were cut
        "clause_median_s": statistics.median(r["clause_s"] for r in cut),
    }


def format_first_clause_bench(result: dict[str, Any]) -> str:
    lines = [
        f"Dynamic replies, first audio at {result['rate']} Hz (median of {result['repeats']}): "
        f"whole first sentence vs first clause (INFOLINIA_TTS_FIRST_CLAUSE_CHARS={result['clause_chars']})",
        f"{'reply':52} {'whole':>8} {'clause':>8} {'gain':>7}  cut  first piece",
    ]
    for r in result["rows"]:
        gain = r["whole_s"] - r["clause_s"]
        lines.append(
            f"{r['text'][:52]:52} {r['whole_s'] * 1000:6.0f}ms {r['clause_s'] * 1000:6.0f}ms "
            f"{gain * 1000:5.0f}ms  {'yes' if r['cut'] else 'no ':3}  {r['first_piece'][:60]}"
        )
    w, c = result["whole_median_s"], result["clause_median_s"]
    label = f"median over the {result['cut_replies']} cut replies"
    lines.append(f"{label:52} {w * 1000:6.0f}ms {c * 1000:6.0f}ms {(w - c) * 1000:5.0f}ms")
    return "\n".join(lines)
