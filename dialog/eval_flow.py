"""Evaluation of the engine's flow decisions: escalations (precision/recall per reason), order numbers
(accuracy of the order id the engine acted on) and per-turn latency (p50/p95).

Items (``tests/data/dialog_eval_flow.yaml``): ``text`` plus what must happen — ``reason`` (an escalation
reason, or null for "must not transfer"), ``action``, ``order_id`` — and optionally ``before`` (turns
played first, not scored) and ``phone`` (caller id). Every item runs in a fresh session of a fresh engine
from ``engine_factory``, so items never influence each other.

Run: ``python -m dialog.eval_flow tests/data/dialog_eval_flow.yaml`` (bundled demo KB and orders).
"""

from __future__ import annotations

import asyncio
import json
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field

from dialog.escalation import PRECEDENCE
from dialog.ports import Action, CallerInfo, Dialog, Outcome, Reason


class FlowItem(BaseModel):
    """One scored utterance."""

    model_config = ConfigDict(extra="forbid")

    text: str
    reason: Reason | None = None  # expected transfer reason; None = must not transfer
    action: Action | None = None
    order_id: str | None = None
    before: list[str] = Field(default_factory=list)
    phone: str | None = None
    note: str | None = None


def load_items(path: Path) -> list[FlowItem]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return [FlowItem.model_validate(raw) for raw in data["items"]]


def _percentile(values: Sequence[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


async def _run_item(engine: Dialog, item: FlowItem, latencies: list[float]) -> Outcome:
    caller = CallerInfo(channel="chat", phone=item.phone)
    session_id = (await engine.greet(None, caller)).session_id
    outcome: Outcome | None = None
    for text in [*item.before, item.text]:
        start = time.perf_counter()
        outcome = await engine.handle(session_id, text, caller)
        latencies.append((time.perf_counter() - start) * 1000.0)
    assert outcome is not None
    return outcome


def _item_ok(item: FlowItem, out: Outcome) -> bool:
    got_reason = out.transfer.reason if out.transfer else None
    if got_reason != item.reason and (item.reason is not None or out.action == "transfer"):
        return False
    if item.action is not None and out.action != item.action:
        return False
    return item.order_id is None or out.order_id == item.order_id


def _reason_scores(pairs: list[tuple[Reason | None, Reason | None]]) -> dict[str, dict[str, float]]:
    scores: dict[str, dict[str, float]] = {}
    for reason in PRECEDENCE:
        tp = sum(1 for exp, got in pairs if exp == reason and got == reason)
        fp = sum(1 for exp, got in pairs if exp != reason and got == reason)
        fn = sum(1 for exp, got in pairs if exp == reason and got != reason)
        if tp + fp + fn:
            scores[reason] = {
                "precision": tp / (tp + fp) if tp + fp else 1.0,
                "recall": tp / (tp + fn) if tp + fn else 1.0,
                "support": tp + fn,
            }
    return scores


async def evaluate_flow(engine_factory: Callable[[], Dialog], items: Sequence[FlowItem]) -> dict[str, Any]:
    """Scores of the engine on ``items``; ``failures`` lists what went wrong, for tuning."""
    latencies: list[float] = []
    pairs: list[tuple[Reason | None, Reason | None]] = []
    order_hits: list[bool] = []
    failures: list[dict[str, Any]] = []
    for item in items:
        out = await _run_item(engine_factory(), item, latencies)
        got = out.transfer.reason if out.transfer else None
        pairs.append((item.reason, got))
        if item.order_id is not None:
            order_hits.append(out.order_id == item.order_id)
        if not _item_ok(item, out):
            failures.append(
                {"text": item.text, "expected": item.model_dump(exclude_defaults=True), "got": out.to_api()}
            )
    esc = [(exp is not None, got is not None) for exp, got in pairs]
    tp = sum(1 for e, g in esc if e and g)
    return {
        "items": len(items),
        "accuracy": 1.0 - len(failures) / len(items) if items else 1.0,
        "escalation": {
            "precision": tp / max(1, sum(1 for _, g in esc if g)),
            "recall": tp / max(1, sum(1 for e, _ in esc if e)),
            "reason_accuracy": sum(1 for e, g in pairs if e == g) / max(1, len(pairs)),
        },
        "reasons": _reason_scores(pairs),
        "order_id_accuracy": sum(order_hits) / len(order_hits) if order_hits else None,
        "order_items": len(order_hits),
        "latency_ms": {
            "p50": round(statistics.median(latencies), 2) if latencies else 0.0,
            "p95": round(_percentile(latencies, 0.95), 2),
            "turns": len(latencies),
        },
        "failures": failures,
    }


def main(argv: list[str] | None = None) -> None:
    """Print the evaluation of the bundled demo engine on a YAML file as JSON."""
    from dialog.engine import DialogEngine
    from dialog.factory import build_engine
    from dialog.store import MemoryStore, SessionRepo

    path = Path((argv or sys.argv[1:] or ["tests/data/dialog_eval_flow.yaml"])[0])
    base = build_engine()

    def factory() -> Dialog:
        return DialogEngine(base.kb, base.order_source, SessionRepo(MemoryStore()), base.config)

    report = asyncio.run(evaluate_flow(factory, load_items(path)))
    print(json.dumps(report, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
