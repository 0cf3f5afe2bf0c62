"""The mixed workload of ``infolinia bench calls --workload mixed``: half the replies synthesized fresh.

Why: the capacity figure measured with knowledge-base questions is for replies whose first sentence is
pre-rendered, so Piper hardly runs. Real callers also ask where their order is, and that reply (number,
status, carrier, date) is synthesized while they wait. Here three of every four turns ask for an
order's status (a dynamic reply) and the fourth says a sentence from the shared Polish phone recordings
that the bot does not understand (its "please rephrase" reply is pre-rendered): at least half the
replies are dynamic at any number of turns. An order number is pressed on the keypad (``48213#``) or
said digit by digit, spliced from the recordings of the digits in the same set (a real Polish phone
voice, each digit's voiced part with 100 ms either side: about 200 ms between digits, as when reading a
number off an e-mail). Callers' voices are those
recordings, never the bot's. A misheard number gets "not found" (dynamic too) or "please rephrase"
(pre-rendered): the report's dynamic share is the planned one; the TTS queue's n counts real syntheses.

The plan (which turn asks what) is pure and seeded; the audio is attached afterwards.
"""

from __future__ import annotations

import csv
import itertools
import json
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Literal

import numpy as np

from telephony.devtools.simulator_audio import RATE, CallerTurn
from voice.ports import PCM
from voice.wavio import read_audio, voiced_end_s

Kind = Literal["dtmf_order", "spoken_order", "sentence"]
DYNAMIC: frozenset[Kind] = frozenset({"dtmf_order", "spoken_order"})
DIGITS = ("zero", "jeden", "dwa", "trzy", "cztery", "pięć", "sześć", "siedem", "osiem", "dziewięć")


@dataclass(frozen=True)
class PlannedTurn:
    """What one caller turn does: press or say an order number, or say recording ``sentence``."""

    kind: Kind
    order_id: str = ""
    sentence: int = 0  # index into the recorded sentences

    @property
    def dynamic(self) -> bool:
        """Its reply is synthesized fresh (an order's status, or that the number was not found)."""
        return self.kind in DYNAMIC


# One cycle of a call's turns. The two that may miss (a sentence the bot never understands, a number the
# recognizer mishears) are never next to each other: a found order in between resets the dialog's
# count of misses, so a call is not handed over for two misses in a row and runs all its turns.
CYCLE: tuple[Kind, ...] = ("spoken_order", "dtmf_order", "sentence", "dtmf_order")
MAY_MISS: frozenset[Kind] = frozenset({"spoken_order", "sentence"})


def plan_calls(
    calls: int, turns: int, order_ids: Sequence[str], sentences: int, seed: int = 7
) -> list[list[PlannedTurn]]:
    """``calls`` scripts of ``turns`` turns following ``CYCLE``: 3 of 4 turns ask for an order.

    Orders and sentences are drawn with ``seed`` so concurrent calls differ but every run is the same.
    No order is asked twice while ``order_ids`` lasts: a repeated status would come from the gateway's
    reply cache and flatter the fresh-synthesis half of the workload.
    """
    if not order_ids or sentences < 1 or turns < 1:
        raise ValueError("the mixed workload needs order numbers, recorded sentences and at least one turn")
    rng = random.Random(seed)
    shuffled = list(order_ids)
    rng.shuffle(shuffled)
    orders = itertools.cycle(shuffled)
    plans: list[list[PlannedTurn]] = []
    for _ in range(calls):
        script: list[PlannedTurn] = []
        for t in range(turns):
            kind = CYCLE[t % len(CYCLE)]
            if kind == "sentence":
                script.append(PlannedTurn(kind, sentence=rng.randrange(sentences)))
            else:
                script.append(PlannedTurn(kind, order_id=next(orders)))
        plans.append(script)
    return plans


def dynamic_share(plans: Sequence[Sequence[PlannedTurn]]) -> float:
    turns = [t for p in plans for t in p]
    return sum(t.dynamic for t in turns) / len(turns) if turns else 0.0


def demo_order_ids(path: Path | None = None) -> list[str]:
    """The order numbers the gateway's orders file knows (the bundled demo orders by default)."""
    demo = Path(str(resources.files("dialog") / "data" / "orders.json"))  # as dialog.factory.bundled, lighter
    raw = json.loads((path or demo).read_text(encoding="utf-8"))
    return [str(o["id"]) for o in raw["orders"]]


def write_many_orders(path: Path, count: int = 400, seed: int = 16) -> Path:
    """``count`` orders with varied numbers, statuses, carriers and dates, as an orders file at ``path``.

    Why: with the dozen demo orders every status sentence is synthesized once and then comes from the
    gateway's reply cache, so the "fresh synthesis" half of the workload would not synthesize anything.
    With hundreds of orders (numbers 52000 upwards, none of them a demo order) nearly every reply is new."""
    rng = random.Random(seed)
    statuses = ("placed", "paid", "packed", "shipped", "delivered", "returned", "cancelled")
    carriers = ("InPost", "DPD", "DHL", "Poczta Polska", "GLS")
    orders = [
        {
            "id": str(52000 + i * 7 + rng.randrange(7)),
            "status": rng.choice(statuses),
            "carrier": rng.choice(carriers),
            "tracking": "".join(rng.choice("0123456789") for _ in range(14)),
            "eta": f"2026-{rng.randrange(1, 13):02d}-{rng.randrange(1, 29):02d}",
            "phone": f"+48600{rng.randrange(1_000_000):06d}",
        }
        for i in range(count)
    ]
    path.write_text(json.dumps({"orders": orders}, ensure_ascii=False), encoding="utf-8")
    return path


@dataclass(frozen=True)
class Recordings:
    """The shared phone recordings the callers are made of: digits by word, and whole sentences."""

    digits: Mapping[str, PCM]
    sentences: Sequence[tuple[str, PCM]]  # (transcript, audio)


def load_recordings(eval_dir: Path) -> Recordings:
    """8 kHz phone audio from ``manifest_telephony.tsv``: the ten digits and the sentences (3+ words)."""
    manifest = eval_dir / "manifest_telephony.tsv"
    if not manifest.is_file():
        raise FileNotFoundError(f"the shared Polish phone recordings are needed: {manifest}")
    digits: dict[str, PCM] = {}
    sentences: list[tuple[str, PCM]] = []
    with manifest.open(encoding="utf-8") as f:
        for row in csv.DictReader(f, delimiter="\t"):
            text = row["transcript"].strip()
            if text in DIGITS and text not in digits:
                digits[text] = read_audio(eval_dir / row["file"], RATE)[0]
            elif len(text.split()) >= 3:
                sentences.append((text, read_audio(eval_dir / row["file"], RATE)[0]))
    missing = [d for d in DIGITS if d not in digits]
    if missing or not sentences:
        raise ValueError(f"{manifest}: no recording of {missing or 'any sentence'}")
    return Recordings(digits, sentences)


def trim(pcm: PCM, margin_s: float = 0.05) -> PCM:
    """The voiced part of a recording with ``margin_s`` either side (start found like ``voiced_end_s``)."""
    end = voiced_end_s(pcm)
    start = len(pcm) / RATE - voiced_end_s(pcm[::-1].copy())
    a, b = max(0, round((start - margin_s) * RATE)), min(len(pcm), round((end + margin_s) * RATE))
    return pcm[a:b] if b > a else pcm


def spoken_number(
    number: str, digits: Mapping[str, PCM], gap_s: float = 0.0, tail_s: float = 0.3, margin_s: float = 0.1
) -> PCM:
    """``number`` said digit by digit: the digits' recordings, trimmed to ``margin_s``, ``gap_s`` apart.

    Why these figures: the VAD hears a digit's soft ends (the "ć" of "pięć") as silence, so the pause it
    measures is longer than the splice's. Through the gateway's own turn detector, at all 8 phases of
    the 20 ms wire frames against the 32 ms VAD window, all 400 numbers of ``write_many_orders``: 50 ms
    margins and 250 ms gaps cut 81 % of the numbers into two turns (two misses: a hand-over), 150 ms
    margins 1.7 %, 100 ms margins none (0 of 3,200).
    """
    gap = np.zeros(round(gap_s * RATE), dtype=np.int16)
    parts: list[PCM] = []
    for ch in number:
        parts += [trim(digits[DIGITS[int(ch)]], margin_s), gap]
    parts[-1] = np.zeros(round(tail_s * RATE), dtype=np.int16)
    return np.concatenate(parts).astype(np.int16)


def caller_turn(turn: PlannedTurn, rec: Recordings) -> CallerTurn:
    if turn.kind == "dtmf_order":
        return CallerTurn(label=f"dtmf:{turn.order_id}#", digits=f"{turn.order_id}#")
    if turn.kind == "spoken_order":
        pcm = spoken_number(turn.order_id, rec.digits)
        return CallerTurn(label=f"says {turn.order_id}", pcm=pcm, voiced_end_s=voiced_end_s(pcm))
    text, pcm = rec.sentences[turn.sentence % len(rec.sentences)]
    return CallerTurn(label=text, pcm=pcm, voiced_end_s=voiced_end_s(pcm))


def mixed_scripts(
    calls: int, turns: int, rec: Recordings, order_ids: Sequence[str], seed: int = 7
) -> tuple[list[list[CallerTurn]], list[list[bool]]]:
    """The callers' turns and, per turn, whether its reply is dynamic (for latency by kind)."""
    return scripts_of(plan_calls(calls, turns, order_ids, len(rec.sentences), seed), rec)


def scripts_of(
    plans: Sequence[Sequence[PlannedTurn]], rec: Recordings
) -> tuple[list[list[CallerTurn]], list[list[bool]]]:
    return [[caller_turn(t, rec) for t in p] for p in plans], [[t.dynamic for t in p] for p in plans]


class FreshOrders:
    """Order numbers for one bench run's levels: each level asks for orders no earlier level asked for.

    Why: the gateway keeps every synthesized reply in its cache for the whole run, so a level that
    repeated the previous level's orders (same seed, same draws) would play those statuses from the
    cache and measure less synthesis than the workload promises. When the numbers run out they are
    reused, and ``reused`` says how many of a level's order turns asked for an order already asked."""

    def __init__(self, order_ids: Sequence[str]) -> None:
        self._all = list(order_ids)
        self._used: set[str] = set()
        self.reused = 0

    @property
    def asked(self) -> set[str]:
        """The orders asked for so far in this run."""
        return set(self._used)

    def scripts(
        self, calls: int, turns: int, rec: Recordings, seed: int
    ) -> tuple[list[list[CallerTurn]], list[list[bool]]]:
        fresh = [o for o in self._all if o not in self._used] or self._all
        plans = plan_calls(calls, turns, fresh, len(rec.sentences), seed)
        asked = [t.order_id for p in plans for t in p if t.dynamic]
        self.reused = len(asked) - len(set(asked) - self._used)  # asked before, at this level or earlier
        self._used.update(asked)
        return scripts_of(plans, rec)


def latency_by_kind(
    latencies: Sequence[Sequence[float | None]], dynamic: Sequence[Sequence[bool]]
) -> dict[str, dict[str, float | int | None]]:
    """Turn latency percentiles apart for dynamic and pre-rendered replies (calls in script order).

    A call that ended early has fewer latencies than planned turns; unanswered turns are left out here
    (the run's ``dropped`` counts them)."""
    groups: dict[str, list[float]] = {"dynamic": [], "static": []}
    for lats, flags in zip(latencies, dynamic, strict=False):
        for lat, is_dynamic in zip(lats, flags, strict=False):
            if lat is not None:
                groups["dynamic" if is_dynamic else "static"].append(lat)
    out: dict[str, dict[str, float | int | None]] = {}
    for name, values in groups.items():
        arr = np.asarray(values, dtype=np.float64)
        qs = {f"p{q}": round(float(np.percentile(arr, q)), 3) if len(arr) else None for q in (50, 95, 99)}
        out[name] = {"turns": len(values), **qs}
    return out


def kind_lines(runs: Sequence[Mapping[str, object]]) -> list[str]:
    """Markdown lines under the table: each level's latency for dynamic and pre-rendered replies."""
    lines = [
        "",
        "| conc. | order turns / answered | order turns p50/p95/p99 ms | other turns p50/p95/p99 ms "
        "| orders asked at an earlier level |",
        "|---|---|---|---|---|",
    ]

    def ms(group: Mapping[str, float | int | None]) -> str:
        return "/".join(
            "-" if group[k] is None else f"{float(group[k] or 0) * 1000:.0f}" for k in ("p50", "p95", "p99")
        )

    for run in runs:
        kinds = run.get("by_kind")
        if not isinstance(kinds, Mapping):
            continue
        dyn, sta = kinds["dynamic"], kinds["static"]
        share = f"{dyn['turns']}/{dyn['turns'] + sta['turns']}" if dyn["turns"] + sta["turns"] else "-"
        lines.append(f"| {run['concurrency']} | {share} | {ms(dyn)} | {ms(sta)} | {run.get('orders_reused', '-')} |")
    return lines
