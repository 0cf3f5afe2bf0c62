"""``infolinia bench asr``: recognizer settings side by side, one row each, measured back to back.

Why back to back in one process: the machine is shared with other engineers' work, so latency figures drift
between runs; rows measured one after the other share most of that drift. Accuracy comes from the fair
scorer and decoding that is repeatable (the sampling fallback has a fixed seed), so it does not drift.
A "+" row is the guarded baseline (second row) with that one change; the last row combines the changes
the tuning part kept. Settings were chosen on the
tuning part only; the held-out columns are reported, never used to choose.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from voice.asr import SHORT_ANSWERS, WhisperRecognizer
from voice.asr_front import FrontEnd
from voice.bench import read_manifest
from voice.bench_asr import run_asr_eval, turn_latency, write_items
from voice.wavio import read_audio

# the settings before issue 17, pinned (the recognizer's defaults are now the kept ones)
TODAY: dict[str, Any] = {"beam_size": 1, "alternatives": 1, "temperatures": (0.0, 0.6), "fallback": "sample",
                         "reject_logprob": float("-inf"), "guards": False, "front_end": FrontEnd()}  # fmt: skip
GUARDED: dict[str, Any] = {**TODAY, "guards": True}
KEPT: dict[str, Any] = {"beam_size": 5, "alternatives": 3, "fallback": "penalty", "short_words": SHORT_ANSWERS,
                        "reject_logprob": -1.4, "temperatures": (0.0, 0.6), "guards": True,
                        "front_end": FrontEnd()}  # fmt: skip
BAND_IMAGE = FrontEnd(band_image=0.1)  # the phone band's mirror image above 4 kHz (voice.asr_front)

VARIANTS: list[tuple[str, dict[str, Any], bool]] = [  # (name, recognizer settings, also at 16 kHz)
    ("before: greedy, sampled fallback, no guards", TODAY, True),
    ("+ guards (loops, spent budget rejected)", GUARDED, False),
    ("+ no fallback (t=0 only)", {**GUARDED, "temperatures": (0.0,)}, False),
    ("+ penalty fallback (deterministic)", {**GUARDED, "fallback": "penalty"}, False),
    ("+ resampler soxr VHQ", {**GUARDED, "front_end": FrontEnd(quality="VHQ")}, False),
    ("+ resampler soxr QQ", {**GUARDED, "front_end": FrontEnd(quality="QQ")}, False),
    ("+ level -20 dBFS", {**GUARDED, "front_end": FrontEnd(level_dbfs=-20.0)}, False),
    ("+ 0.3 s lead padding", {**GUARDED, "front_end": FrontEnd(pad_s=0.3)}, False),
    ("+ beam 5", {**GUARDED, "beam_size": 5}, False),
    ("+ beam 5, patience 2", {**GUARDED, "beam_size": 5, "patience": 2.0}, False),
    (
        "+ short turns (< 1.5 s): 'tak nie' and digits as hotwords",
        {**GUARDED, "short_words": SHORT_ANSWERS, "short_reread": False},
        False,
    ),
    (
        "+ short turns, doubtful ones re-read against the closed vocabulary",
        {**GUARDED, "short_words": SHORT_ANSWERS},
        False,
    ),
    ("+ prompt 'Rozmowa z infolinią.'", {**GUARDED, "initial_prompt": "Rozmowa z infolinią."}, False),
    (
        "+ repetition penalty 1.1, no repeated 3-gram",
        {**GUARDED, "repetition_penalty": 1.1, "no_repeat_ngram_size": 3},
        False,
    ),
    ("kept before the closed vocabulary and the lexicon", {**KEPT, "short_reread": False, "lexicon": False}, True),
    ("+ short answers re-read against the closed vocabulary", {**KEPT, "lexicon": False}, True),
    ("+ n-best rescored by the lexicon", {**KEPT, "short_reread": False}, True),
    ("kept: beam 5 (3-best), penalty fallback, short answers re-read, lexicon, log-prob floor -1.4", KEPT, True),
    ("+ the phone band's mirror image above 4 kHz at 0.1 (not kept)", {**KEPT, "front_end": BAND_IMAGE}, False),
]


def two_second_turn(eval_dir: Path) -> np.ndarray:
    """2 s of real 16 kHz speech (the start of the first recordings), as ``bench speech`` times it."""
    pieces = [read_audio(p, 16000)[0] for p, _ in read_manifest(eval_dir / "manifest.tsv")[:3]]
    return np.concatenate(pieces)[:32000]


async def run_variants(
    model: str,
    eval_dir: Path,
    hotwords: Sequence[str],
    out_dir: Path,
    variants: Sequence[tuple[str, dict[str, Any], bool]] = VARIANTS,
    window_s: int = 8,
    latency_repeats: int = 5,
) -> list[dict[str, Any]]:
    """One row per variant: 8 kHz (and 16 kHz where asked) WER/CER, tuning and held-out, loops, rejections,
    2 s turn latency p50; each variant's per-utterance results in ``out_dir``."""
    turn = two_second_turn(eval_dir)
    rows = []
    for index, (name, settings, wide) in enumerate(variants):
        rec = WhisperRecognizer(model, window_s=window_s, batch=4, **settings)
        await rec.load()
        row: dict[str, Any] = {
            "name": name,
            "latency_s": await turn_latency(rec, turn, 16000, hotwords, latency_repeats),
        }
        for key, manifest in (("8k", "manifest_telephony.tsv"), ("16k", "manifest.tsv")):
            if key == "16k" and not wide:
                continue
            result = await run_asr_eval(rec, eval_dir / manifest, hotwords=hotwords)
            write_items(result, out_dir / f"{index:02d}-{key}.tsv")
            row[key] = result
        rows.append(row)
        print(format_row(row), flush=True)
    return rows


def _cell(result: dict[str, Any] | None, part: str) -> str:
    if result is None:
        return "–"
    r = result[part]
    return f"{100 * r['wer']:.1f} / {100 * r['cer']:.1f}"


def format_row(row: dict[str, Any]) -> str:
    e8, e16 = row.get("8k"), row.get("16k")
    loops = sum(r["loops"] for r in (e8, e16) if r)
    rejected = sum(r["rejected"] for r in (e8, e16) if r)
    return (
        f"| {row['name']} | {_cell(e8, 'tuning')} | {_cell(e8, 'held_out')} | {_cell(e16, 'tuning')} | "
        f"{_cell(e16, 'held_out')} | {loops} | {rejected} | {1000 * row['latency_s']:.0f} ms |"
    )


HEADER = (
    "| setting | 8 kHz WER / CER % (tuning 57) | 8 kHz held-out 18 | 16 kHz tuning | 16 kHz held-out | "
    "loops | rejected | 2 s turn p50 |\n|---|---|---|---|---|---|---|---|"
)


def format_variants(rows: Sequence[dict[str, Any]]) -> str:
    return "\n".join([HEADER, *(format_row(r) for r in rows)])
