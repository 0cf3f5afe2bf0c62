"""Time to first audio of freshly synthesized replies: whole first sentence, its first clause, and a
ready opening ("Zamówienie numer", rendered at start-up) followed by the first clause of the rest.

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


async def _first_audio_s(
    synth: PiperSynthesizer, text: str, rate: int, clause_chars: int, openings: tuple[str, ...] = ()
) -> tuple[float, float]:
    """(first chunk, whole reply) seconds for ``text``, uncached (ready openings aside), with the first
    clause cut or not, and with ``openings``."""
    synth.first_clause_chars, synth.openings = clause_chars, openings
    synth.clear_cache()
    t0 = time.perf_counter()
    first = None
    async for _ in synth.stream(text, rate):
        first = time.perf_counter() - t0 if first is None else first
    return first or 0.0, time.perf_counter() - t0


async def run_first_clause_bench(
    synth: PiperSynthesizer, replies: Sequence[str], *, clause_chars: int = 12, rate: int = 8000, repeats: int = 5
) -> dict[str, Any]:
    """Median first audio per reply: whole first sentence, first clause, and (when the voice has openings)
    a ready opening; the voice's settings are restored."""
    saved = synth.first_clause_chars, synth.openings
    rows: list[dict[str, Any]] = []
    try:
        await _first_audio_s(synth, replies[0], rate, 0)  # warm-up: first inference is slower
        synth.first_clause_chars = clause_chars
        await synth.warm_openings(rate)  # what the gateway does at start-up
        for text in replies:
            times: dict[str, list[float]] = {"whole_s": [], "clause_s": [], "opening_s": []}
            for _ in range(repeats):
                times["whole_s"].append((await _first_audio_s(synth, text, rate, 0))[0])
                times["clause_s"].append((await _first_audio_s(synth, text, rate, clause_chars))[0])
                if saved[1]:
                    times["opening_s"].append((await _first_audio_s(synth, text, rate, clause_chars, saved[1]))[0])
            synth.openings = ()
            piece = synth.plan(text, clause_chars)[0][0]
            medians = {k: statistics.median(v) if v else None for k, v in times.items()}
            rows.append({"text": text, "first_piece": piece, "cut": piece != synth.plan(text, 0)[0][0], **medians})
    finally:
        synth.first_clause_chars, synth.openings = saved
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
        "opening_median_s": statistics.median(r["opening_s"] for r in rows) if saved[1] else None,
        "whole_median_all_s": statistics.median(r["whole_s"] for r in rows),
    }


def format_first_clause_bench(result: dict[str, Any]) -> str:
    lines = [
        f"Dynamic replies, first audio at {result['rate']} Hz (median of {result['repeats']}): whole first "
        f"sentence, first clause (INFOLINIA_TTS_FIRST_CLAUSE_CHARS={result['clause_chars']}), ready opening "
        "(INFOLINIA_TTS_OPENINGS) and first clause",
        f"{'reply':52} {'whole':>8} {'clause':>8} {'opening':>8}  cut  first clause",
    ]
    for r in result["rows"]:
        lines.append(
            f"{r['text'][:52]:52} {_ms(r['whole_s'])} {_ms(r['clause_s'])} {_ms(r['opening_s'])}  "
            f"{'yes' if r['cut'] else 'no ':3}  {r['first_piece'][:60]}"
        )
    w, c = result["whole_median_s"], result["clause_median_s"]
    label = f"median over the {result['cut_replies']} clause-cut replies"
    lines.append(f"{label:52} {_ms(w)} {_ms(c)}")
    label = f"median over all {len(result['rows'])} replies"
    lines.append(f"{label:52} {_ms(result['whole_median_all_s'])} {'':8} {_ms(result['opening_median_s'])}")
    return "\n".join(lines)


def _ms(seconds: float | None) -> str:
    return f"{'-':>8}" if seconds is None else f"{seconds * 1000:6.0f}ms"
