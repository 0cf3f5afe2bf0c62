"""Whole-engine evaluation on knowledge bases of several domains, split into ``tune`` and ``frozen`` cases.

Why the engine and not only the KB search: a caller experiences the decision (answer, "czy chodzi o...?",
not understood, transfer) after escalation, context and orders have had their say, so each case runs as a
real turn in a fresh session. Domains are listed in ``tests/data/domains.yaml``; the case format is in
``tests/data/domain_agd_frozen.yaml``. The frozen split is written before tuning and never edited.

Figures (shares 0..1): ``right`` (every case handled as labelled), ``answered_right`` / ``answered_wrong``
/ ``confirm_right`` / ``suggest_right`` (a miss whose re-prompt offered the right entry among two) /
``not_understood`` over in-domain questions, ``top1`` (search rank only),
``ood_answered`` over out-of-domain questions, ``neutral_escalated`` (neutral questions with trigger
words that were transferred), per-reason escalation recall/precision, per-turn wall and CPU time in ms.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field

from dialog.engine import DialogEngine
from dialog.engine_kb import KBStep
from dialog.escalation import PRECEDENCE
from dialog.factory import build_engine, bundled
from dialog.ports import CallerInfo, Outcome, Reason
from dialog.store import MemoryStore, SessionRepo

_UNSET = "\x00unset"


class Case(BaseModel):
    """One labelled caller turn; ``kb_id`` None means out of domain (must not be answered)."""

    model_config = ConfigDict(extra="forbid")

    text: str
    kb_id: str | None = _UNSET
    reason: Reason | None = None
    kind: str = "paraphrase"
    before: list[str] = Field(default_factory=list)

    @property
    def in_domain(self) -> bool:
        return self.reason is None and self.kb_id not in (None, _UNSET)


class Domain(BaseModel):
    """A KB under evaluation, whether it has an orders source, and its split files (relative paths).
    ``retrieval_fit`` False: ``dialog.calibrate`` never fits the retrieval decision on it, so the domain
    stays one the decision has not seen (its tune split still serves the escalation fit)."""

    name: str
    kb: Path
    orders: bool = False
    splits: dict[str, Path]
    retrieval_fit: bool = True


def load_domains(path: Path) -> list[Domain]:
    """Domains from ``domains.yaml``, paths resolved against that file's folder."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    out = []
    for raw in data["domains"]:
        d = Domain.model_validate(raw)
        splits = {k: path.parent / v for k, v in d.splits.items()}
        out.append(d.model_copy(update={"kb": path.parent / d.kb, "splits": splits}))
    return out


def load_cases(path: Path) -> list[Case]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    cases = [Case.model_validate(raw) for raw in data["items"]]
    for i, case in enumerate(cases):
        if case.reason is None and case.kb_id == _UNSET:
            raise ValueError(f"{path}: items[{i}] needs kb_id (an entry id or null) or reason")
    return cases


async def _play(engine: DialogEngine, case: Case, latencies: list[tuple[float, float]]) -> Outcome:
    """Play a case; per turn (wall ms, CPU ms of this thread: the engine computes in the caller's thread,
    and CPU time is what a busy shared machine distorts least)."""
    caller = CallerInfo(channel="chat")
    session_id = (await engine.greet(None, caller)).session_id
    outcome: Outcome | None = None
    for text in [*case.before, case.text]:
        start, cpu = time.perf_counter(), time.thread_time()
        outcome = await engine.handle(session_id, text, caller)
        latencies.append(((time.perf_counter() - start) * 1000.0, (time.thread_time() - cpu) * 1000.0))
    assert outcome is not None
    return outcome


def forget_queries(engine: DialogEngine) -> None:
    """Empty the query-vector caches so each case pays for its own embeddings (texts repeat across cases:
    "a ile to kosztuje"); a KB without them (lexical only) has nothing to forget."""
    forget = getattr(engine.kb, "forget", None)
    if callable(forget):
        forget()


def _confirmed_entry(engine: DialogEngine, out: Outcome) -> str | None:
    """The entry a "czy chodzi o ...?" reply proposes (read back from the reply text)."""
    if out.action != "clarify":
        return None
    for entry_id, entry in getattr(engine.kb, "entries", {}).items():
        if out.reply == KBStep.confirm_text(entry.questions[0]):
            return str(entry_id)
    return None


async def _offered(engine: DialogEngine, out: Outcome) -> list[str]:
    """The two entries a "czy chodzi o to: A, czy o to: B?" reply offers (from the session)."""
    if out.expects != "choice":
        return []
    session = await engine.sessions.load(out.session_id)
    return [] if session is None or session.offer_value is None else session.offer_value.split("\t")


def _verdict(engine: DialogEngine, case: Case, out: Outcome) -> str:
    """right / wrong / confirm / miss / transfer / answered (out of domain) for one case."""
    got_reason = out.transfer.reason if out.transfer else None
    if case.reason is not None:
        return "right" if got_reason == case.reason else "wrong"
    if got_reason is not None:
        return "transfer"
    answered = out.action == "answer" and out.kb_id is not None
    if case.kb_id is None:
        return "answered" if answered else "right"
    if answered:
        return "right" if out.kb_id == case.kb_id else "wrong"
    return "confirm" if _confirmed_entry(engine, out) == case.kb_id else "miss"


def _share(num: int, den: int) -> float:
    return num / den if den else 0.0


def _percentiles(values: list[float]) -> dict[str, float]:
    ordered = sorted(values) or [0.0]
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return {"p50": round(statistics.median(ordered), 2), "p95": round(p95, 2)}


def _reasons(pairs: list[tuple[Reason | None, Reason | None]]) -> dict[str, dict[str, float]]:
    scores: dict[str, dict[str, float]] = {}
    for reason in PRECEDENCE:
        tp = sum(1 for e, g in pairs if e == reason and g == reason)
        fp = sum(1 for e, g in pairs if e != reason and g == reason)
        fn = sum(1 for e, g in pairs if e == reason and g != reason)
        if tp + fp + fn:
            scores[reason] = {"recall": _share(tp, tp + fn), "precision": _share(tp, tp + fp), "support": tp + fn}
    return scores


async def evaluate_cases(engine_factory: Callable[[], DialogEngine], cases: Sequence[Case]) -> dict[str, Any]:
    """Run every case in a fresh session of a fresh engine and summarise (see the module docstring)."""
    latencies: list[tuple[float, float]] = []
    verdicts: list[tuple[Case, str, Outcome]] = []
    top1 = 0
    for case in cases:
        engine = engine_factory()
        forget_queries(engine)
        out = await _play(engine, case, latencies)  # first: the turn pays for its own embedding
        if case.in_domain and not case.before:
            matches = engine.kb.search(case.text, k=1)
            top1 += bool(matches) and matches[0].entry_id == case.kb_id
        verdict = _verdict(engine, case, out)
        if verdict == "miss" and case.kb_id in await _offered(engine, out):
            verdict = "suggest"
        verdicts.append((case, verdict, out))
    return _summary(verdicts, latencies, top1)


def _summary(
    verdicts: list[tuple[Case, str, Outcome]], latencies: list[tuple[float, float]], top1: int
) -> dict[str, Any]:
    ind = [v for c, v, _ in verdicts if c.in_domain]
    ood = [v for c, v, _ in verdicts if c.reason is None and c.kb_id is None]
    neutral = [v for c, v, _ in verdicts if c.kind == "neutral"]
    pairs = [(c.reason, o.transfer.reason if o.transfer else None) for c, _, o in verdicts]
    plain = sum(1 for c, _, _ in verdicts if c.in_domain and not c.before)
    return {
        "cases": len(verdicts),
        "right": _share(sum(v == "right" for _, v, _ in verdicts), len(verdicts)),
        "in_domain": len(ind),
        "top1": _share(top1, plain),
        "answered_right": _share(ind.count("right"), len(ind)),
        "answered_wrong": _share(ind.count("wrong"), len(ind)),
        "confirm_right": _share(ind.count("confirm"), len(ind)),
        "suggest_right": _share(ind.count("suggest"), len(ind)),
        "not_understood": _share(ind.count("miss"), len(ind)),
        "transferred": _share(ind.count("transfer"), len(ind)),
        "out_of_domain": len(ood),
        "ood_answered": _share(ood.count("answered"), len(ood)),
        "ood_suggested": sum(1 for c, _, o in verdicts if c.reason is c.kb_id is None and o.expects == "choice"),
        "neutral": len(neutral),
        "neutral_escalated": neutral.count("transfer"),
        "reasons": _reasons(pairs),
        "latency_ms": _percentiles([w for w, _ in latencies])
        | {f"cpu_{k}": v for k, v in _percentiles([c for _, c in latencies]).items()}
        | {"turns": len(latencies)},
        "failures": [
            {"text": c.text, "kind": c.kind, "expected": c.reason or c.kb_id, "verdict": v, "got": o.kb_id}
            | ({"transfer": o.transfer.reason} if o.transfer else {})
            for c, v, o in verdicts
            if v != "right"
        ],
    }


def domain_engine_factory(domain: Domain, **build: Any) -> Callable[[], DialogEngine]:
    """Fresh engines (own session store) sharing one loaded KB; the demo orders when ``domain.orders``."""
    base = build_engine(kb_path=domain.kb, orders_path=bundled("orders.json") if domain.orders else None, **build)

    return lambda: fresh_engine(base)


def fresh_engine(base: DialogEngine) -> DialogEngine:
    """An engine on ``base``'s loaded KB, orders and meaning, with a session store of its own."""
    return DialogEngine(base.kb, base.order_source, SessionRepo(MemoryStore()), base.config, meaning=base.meaning)


async def evaluate_domains(
    path: Path, splits: Sequence[str] = ("tune", "frozen"), **build: Any
) -> list[tuple[str, str, dict[str, Any]]]:
    """(domain, split, report) for every domain listed in ``path`` (``build``: ``build_engine`` options)."""
    out = []
    for domain in load_domains(path):
        factory = domain_engine_factory(domain, **build)
        for split in splits:
            out.append((domain.name, split, await evaluate_cases(factory, load_cases(domain.splits[split]))))
    return out


def format_report(name: str, split: str, r: dict[str, Any]) -> str:
    """Human-readable lines for ``infolinia bench dialog`` and docs/benchmarks.md."""
    lat = r["latency_ms"]
    lines = [
        f"{name}/{split}: {r['cases']} cases, right {r['right']:.3f}; in-domain {r['in_domain']}: "
        f"top1 {r['top1']:.3f}, answered-right {r['answered_right']:.3f}, answered-wrong {r['answered_wrong']:.3f}, "
        f"confirm-right {r['confirm_right']:.3f}, suggested-right {r['suggest_right']:.3f}, "
        f"not-understood {r['not_understood']:.3f}, "
        f"transferred {r['transferred']:.3f}; out-of-domain answered {r['ood_answered']:.3f} of {r['out_of_domain']} "
        f"(offered two topics: {r['ood_suggested']}); "
        f"neutral escalated {r['neutral_escalated']} of {r['neutral']}",
        "  escalation: "
        + "; ".join(
            f"{k} R {v['recall']:.2f} P {v['precision']:.2f} (n={v['support']})" for k, v in r["reasons"].items()
        ),
        f"  per turn: CPU p50 {lat['cpu_p50']:.1f} ms, p95 {lat['cpu_p95']:.1f} ms; wall p50 {lat['p50']:.1f} ms, "
        f"p95 {lat['p95']:.1f} ms ({lat['turns']} turns, query-vector cache emptied before each case)",
    ]
    return "\n".join(lines)


async def bench_report(path: Path, **build: Any) -> str:
    """The per-domain, per-split figures printed by ``infolinia bench dialog`` (``build``: ``build_engine``
    options, e.g. another sentence model)."""
    return "\n".join(format_report(name, split, r) for name, split, r in await evaluate_domains(path, **build))
