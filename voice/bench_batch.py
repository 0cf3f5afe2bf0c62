"""``infolinia bench asr-batch``: what batching callers' turns saves, and what it does to the transcripts.

Why a benchmark of its own: batching trades a little latency for the first turn of a batch against
throughput, so its worth depends on the CPU; this prints the figures for the machine at hand.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from pathlib import Path
from typing import Any

from voice.asr import WhisperRecognizer
from voice.asr_score import error_rate
from voice.bench import read_manifest
from voice.wavio import read_audio


async def run_batch_bench(
    model: str, manifest: Path, hotwords: list[str], turns: int | None = None, window_s: int = 8
) -> dict[str, Any]:
    """Groups of 1-4 phone turns: one by one (``asr_batch=1``) vs queued together (``asr_batch=4``).

    Every turn of the manifest by default, at its own rate (8 kHz for the phone copies), as calls send them.
    """
    items = [(*read_audio(p), ref) for p, ref in read_manifest(manifest)][:turns]
    alone = WhisperRecognizer(model, temperatures=(0.0,), window_s=window_s)
    batched = WhisperRecognizer(model, temperatures=(0.0,), window_s=window_s, batch=4)
    await asyncio.gather(alone.load(), batched.load())
    await alone.transcribe(items[0][0], items[0][1], hotwords)  # warm-up
    rows = []
    for n in (1, 2, 3, 4):
        seq, bat, texts_a, texts_b = [], [], [], []
        for i in range(0, len(items) - n + 1, n):
            group = items[i : i + n]
            t0 = time.perf_counter()
            texts_a += [(await alone.transcribe(pcm, rate, hotwords)).text for pcm, rate, _ in group]
            t1 = time.perf_counter()
            texts_b += [
                t.text for t in await asyncio.gather(*(batched.transcribe(p, r, hotwords) for p, r, _ in group))
            ]
            seq.append(t1 - t0)
            bat.append(time.perf_counter() - t1)
        refs = [ref for *_, ref in items[: len(texts_a)]]
        rows.append(
            {
                "turns": n,
                "one_by_one_ms": 1000 * statistics.mean(seq),
                "batched_ms": 1000 * statistics.mean(bat),
                "identical": sum(a == b for a, b in zip(texts_a, texts_b, strict=True)),
                "of": len(texts_a),
                "wer_one_by_one": error_rate(list(zip(refs, texts_a, strict=True))),
                "wer_batched": error_rate(list(zip(refs, texts_b, strict=True))),
            }
        )
    return {"rows": rows}


def format_batch_bench(result: dict[str, Any]) -> str:
    lines = [
        "| turns at once | one by one | one batch | ratio | identical transcripts | WER one by one / batched |",
        "|---|---|---|---|---|---|",
    ]
    for r in result["rows"]:
        ratio = r["batched_ms"] / r["one_by_one_ms"]
        lines.append(
            f"| {r['turns']} | {r['one_by_one_ms']:.0f} ms | {r['batched_ms']:.0f} ms | {ratio:.2f}x | "
            f"{r['identical']}/{r['of']} | {100 * r['wer_one_by_one']:.1f} % / {100 * r['wer_batched']:.1f} % |"
        )
    return "\n".join(lines)
