"""``infolinia bench nbest``: what choosing among the recognizer's n-best changes on the phone path (issue 11
item 6).

Why: a call's turn reaches the dialog as Whisper's n-best (``DialogEngine.handle_nbest``); scoring the
wordings behind the first costs a sentence embedding each and can, in principle, trade a true reading for a
garbled one that happens to sit near an entry or an emergency. Measured here on real phone audio: the shared
set's 75 recordings at 8 kHz (everyday sentences and number words: out of every KB's scope, so any answer
or transfer is a false one), each asked of the demo KB and of the three evaluation domains in a fresh
session, with the first wording alone and with the n-best; and the mixed bench's spoken order numbers said
after the bot asked for one. Query-vector caches are emptied before every turn, so each pays its embeddings.
"""

from __future__ import annotations

import json
import math
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from dialog.domain_eval import domain_engine_factory, forget_queries, fresh_engine, load_domains
from dialog.engine import DialogEngine
from dialog.factory import build_engine
from dialog.ports import CallerInfo, Hypothesis, Outcome
from telephony.devtools.workload import load_recordings, spoken_number, write_many_orders
from voice.asr_score import word_errors
from voice.bench import read_manifest
from voice.ports import Recognizer, Transcript
from voice.wavio import read_audio

PHONE = CallerInfo(channel="phone")
Factory = Callable[[], DialogEngine]


def outcome_kind(out: Outcome) -> str:
    """answer (from the KB) / confirm / order / transfer:<reason> / clarify / reply (small talk: a greeting
    returned, thanks, goodbye), for counting."""
    if out.action == "transfer":
        return "transfer:" + (out.transfer.reason if out.transfer else "?")
    if out.kb_id or out.order_id:
        return "answer" if out.kb_id else "order"
    if out.action == "clarify":
        return "confirm" if out.expects == "yes_no" else "clarify"
    return "reply"


def hypotheses(heard: Transcript) -> list[Hypothesis]:
    return [Hypothesis(t, c) for t, c in heard.nbest()]


async def _take(engine: DialogEngine, sid: str | None, said: list[Hypothesis], nbest: bool) -> Outcome:
    if nbest:
        return await engine.handle_nbest(sid, said, PHONE)
    return await engine.handle(sid, said[0].text if said else "", PHONE)


async def _timed(engine: DialogEngine, said: list[Hypothesis], nbest: bool) -> tuple[Outcome, float]:
    sid = (await engine.greet(None, PHONE)).session_id
    forget_queries(engine)
    began = time.perf_counter()
    out = await _take(engine, sid, said, nbest)
    return out, time.perf_counter() - began


@dataclass
class Compared:
    """One KB's turns taken from the first wording and from the n-best."""

    kinds: dict[str, Counter[str]] = field(default_factory=lambda: {"first": Counter(), "nbest": Counter()})
    cost_s: dict[str, list[float]] = field(default_factory=lambda: {"first": [], "nbest": []})
    edits: dict[str, int] = field(default_factory=lambda: {"first": 0, "nbest": 0})
    words: int = 0
    changed: int = 0  # turns that went ahead with another wording than the first

    def rows(self, name: str) -> list[str]:
        rows = []
        for mode in ("first", "nbest"):
            kinds, cost = self.kinds[mode], self.cost_s[mode]
            transfers = sum(v for k, v in kinds.items() if k.startswith("transfer"))
            wer = 100 * self.edits[mode] / max(1, self.words)
            rows.append(
                f"| {name} | {'first wording' if mode == 'first' else 'n-best'} | {kinds['answer']} / "
                f"{kinds['confirm']} / {transfers} ({kinds['transfer:urgent']}) | {wer:.1f} % | "
                f"{_ms(cost, 0.5):.0f} / {_ms(cost, 0.95):.0f} ms |"
            )
        return [*rows, f"| {name} | wordings changed | {self.changed} | | |"]


async def compare(factory: Factory, heard: Sequence[tuple[str, Transcript]]) -> Compared:
    """First wording against the n-best, over ``heard`` (reference, transcript) turns of one KB."""
    r = Compared()
    for ref, transcript in heard:
        said = hypotheses(transcript)
        if not said:
            continue
        first, cost_first = await _timed(factory(), said, nbest=False)
        chosen, cost_nbest = await _timed(factory(), said, nbest=True)
        for mode, out, cost in (("first", first, cost_first), ("nbest", chosen, cost_nbest)):
            r.kinds[mode][outcome_kind(out)] += 1
            r.cost_s[mode].append(cost)
            r.edits[mode] += word_errors(ref, out.heard)[0]
        r.words += word_errors(ref, first.heard)[1]
        r.changed += chosen.heard != first.heard
    return r


def _ms(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return 1000.0 * ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else math.nan


async def recognise_set(
    recognizer: Recognizer, manifest: Path, hotwords: Sequence[str]
) -> list[tuple[str, Transcript]]:
    out = []
    for path, ref in read_manifest(manifest):
        pcm, rate = read_audio(path)
        out.append((ref, await recognizer.transcribe(pcm, rate, hotwords)))
    return out


async def orders_asked(recognizer: Recognizer, eval_dir: Path, hotwords: Sequence[str], count: int = 80) -> str:
    """Order numbers said when asked for: right with the first wording, right with the n-best."""
    with tempfile.TemporaryDirectory() as tmp:
        orders = write_many_orders(Path(tmp) / "orders.json")
        numbers = [str(o["id"]) for o in json.loads(orders.read_text(encoding="utf-8"))["orders"]][:count]
        base = build_engine(orders_path=orders)
    digits, right = load_recordings(eval_dir).digits, Counter[str]()
    for number in numbers:
        said = hypotheses(await recognizer.transcribe(spoken_number(number, digits), 8000, hotwords))
        for mode in ("first", "nbest"):
            engine = fresh_engine(base)
            sid = (await engine.greet(None, PHONE)).session_id
            await engine.handle(sid, "gdzie jest moja paczka", PHONE)  # the bot asks for the number
            right[mode] += (await _take(engine, sid, said, mode == "nbest")).order_id == number
    return f"order numbers said when asked for: first wording {right['first']}, n-best {right['nbest']} of {count}"


async def bench_nbest(recognizer: Recognizer, eval_dir: Path, domains: Path, kb_path: Path | None) -> str:
    demo = build_engine(kb_path)
    heard = await recognise_set(recognizer, eval_dir / "manifest_telephony.tsv", demo.vocabulary())
    factories: list[tuple[str, Factory]] = [("demo", lambda: fresh_engine(demo))]
    factories += [(d.name, domain_engine_factory(d)) for d in load_domains(domains)]
    lines = [
        f"{len(heard)} phone recordings (out of every KB's scope), each in a fresh session:",
        "| KB | turn from | KB answers / confirm / transferred (urgent) | WER of the words used | turn p50 / p95 |",
        "|---|---|---|---|---|",
    ]
    for name, factory in factories:
        lines += (await compare(factory, heard)).rows(name)
    lines.append(await orders_asked(recognizer, eval_dir, demo.vocabulary()))
    return "\n".join(lines)
