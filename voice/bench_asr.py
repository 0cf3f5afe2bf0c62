"""Recognition accuracy on the Polish eval set, measured the way the phone path recognises.

Why it looks like this (issue 17): figures that moved by five points between two runs of the same code
could not tell a change from noise. So: one fair scorer (``voice.asr_score``) on both sides, decoding at
temperature 0 only when a run must be repeatable, the KB's hotwords and the deployed recognizer settings,
every utterance's hypothesis kept in a file, and every fourth utterance held out: it is reported on its
own, and no setting was chosen by looking at it.
"""

from __future__ import annotations

import asyncio
import csv
import statistics
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from voice.asr_score import error_rate, repeats_itself, word_errors
from voice.bench import read_manifest
from voice.ports import Recognizer
from voice.wavio import read_audio

HELD_OUT_EVERY = 4  # rows 3, 7, 11, ... (0-based) of each manifest are the held-out part


def is_held_out(index: int) -> bool:
    """The frozen split: every fourth utterance of a manifest, the same rows in both manifests."""
    return index % HELD_OUT_EVERY == HELD_OUT_EVERY - 1


def _summary(items: Sequence[dict[str, Any]]) -> dict[str, float]:
    pairs = [(i["ref"], i["hyp"]) for i in items]
    return {"utterances": len(items), "wer": error_rate(pairs), "cer": error_rate(pairs, chars=True)}


async def run_asr_eval(
    recognizer: Recognizer,
    manifest_path: Path,
    *,
    stride: int = 1,
    limit: int | None = None,
    hotwords: Sequence[str] = (),
) -> dict[str, Any]:
    """WER/CER of ``recognizer`` over a manifest (every ``stride``-th row, at most ``limit``), with the
    tuning and held-out parts apart, decoding loops and rejections counted, every utterance kept."""
    rows = list(enumerate(read_manifest(Path(manifest_path))))[::stride][:limit]
    items: list[dict[str, Any]] = []
    for index, (path, ref) in rows:
        pcm, rate = await asyncio.to_thread(read_audio, path)
        t = await recognizer.transcribe(pcm, rate, hotwords)
        edits, n = word_errors(ref, t.text)
        items.append({"file": path.name, "held_out": is_held_out(index), "ref": ref, "hyp": t.text,
                      "rejected": getattr(t, "rejected", ""), "word_edits": edits, "words": n,
                      "loop": repeats_itself(t.text), "confidence": t.confidence, "audio_s": t.audio_s,
                      "processing_s": t.processing_s})  # fmt: skip
    audio_s = sum(i["audio_s"] for i in items)
    processing_s = sum(i["processing_s"] for i in items)
    return {
        "manifest": str(manifest_path),
        **_summary(items),
        "tuning": _summary([i for i in items if not i["held_out"]]),
        "held_out": _summary([i for i in items if i["held_out"]]),
        "loops": sum(i["loop"] for i in items),
        "rejected": sum(bool(i["rejected"]) for i in items),
        "audio_s": audio_s,
        "processing_s": processing_s,
        "rtf": processing_s / audio_s if audio_s else 0.0,
        "items": items,
    }


def write_items(result: dict[str, Any], path: Path) -> None:
    """Every utterance's reference, hypothesis and errors as TSV: what to read before changing anything."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fields = ["file", "held_out", "word_edits", "words", "loop", "rejected", "confidence", "processing_s",
              "ref", "hyp"]  # fmt: skip
    with open(path, "w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fields, delimiter="\t", extrasaction="ignore", quoting=csv.QUOTE_MINIMAL)
        writer.writeheader()
        writer.writerows(result["items"])


def format_asr_eval(result: dict[str, Any], worst: int = 5) -> str:
    """Summary of ``run_asr_eval`` with the worst utterances (what to look at first)."""
    tune, held = result["tuning"], result["held_out"]
    lines = [
        f"{result['manifest']}: {result['utterances']} utterances, {result['audio_s']:.1f} s audio",
        f"WER {result['wer']:.1%}  CER {result['cer']:.1%}  RTF {result['rtf']:.3f}  "
        f"loops {result['loops']}  rejected {result['rejected']}",
        f"  tuning part {tune['utterances']}: WER {tune['wer']:.1%} CER {tune['cer']:.1%};  "
        f"held-out {held['utterances']}: WER {held['wer']:.1%} CER {held['cer']:.1%}",
    ]
    ranked = sorted(result["items"], key=lambda i: i["word_edits"] / max(1, i["words"]), reverse=True)
    lines += [f"  {i['ref']!r} -> {i['hyp']!r}" for i in ranked[:worst] if i["word_edits"]]
    return "\n".join(lines)


async def turn_latency(recognizer: Recognizer, pcm: Any, rate: int, hotwords: Sequence[str], repeats: int) -> float:
    """p50 of ``repeats`` recognitions of one turn (processing only, queueing excluded), after a warm-up."""
    await recognizer.transcribe(pcm, rate, hotwords)
    times = [(await recognizer.transcribe(pcm, rate, hotwords)).processing_s for _ in range(repeats)]
    return statistics.median(times)
