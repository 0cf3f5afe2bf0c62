"""Figures for a knowledge base against labelled caller utterances (tests and ``infolinia bench dialog``).

The engine answers at ``confidence >= ANSWER_THRESHOLD``, asks again between the thresholds and gives up
below ``CLARIFY_THRESHOLD``; the figures therefore count what a caller would experience at those
thresholds, not only whether the right entry ranked first.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from dialog.kb import ANSWER_THRESHOLD, CLARIFY_THRESHOLD, KBMatch, KnowledgeBaseSearch


def load_eval_items(path: str | Path) -> list[dict[str, str | None]]:
    """``items: [{text, kb_id}]`` from a YAML file; ``kb_id: null`` marks an out-of-domain utterance."""
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    items = data.get("items") if isinstance(data, dict) else None
    if not isinstance(items, list):
        raise ValueError(f"{path}: expected a top-level 'items:' list")
    out: list[dict[str, str | None]] = []
    for i, item in enumerate(items):
        if not isinstance(item, dict) or not isinstance(item.get("text"), str) or "kb_id" not in item:
            raise ValueError(f"{path}: items[{i}] needs 'text' (string) and 'kb_id' (id or null)")
        kb_id = item["kb_id"]
        out.append({"text": item["text"], "kb_id": None if kb_id is None else str(kb_id)})
    return out


def evaluate_kb(
    kb: KnowledgeBaseSearch,
    items: Iterable[Mapping[str, Any]],
    answer_threshold: float | None = None,
    clarify_threshold: float | None = None,
) -> dict[str, Any]:
    """Accuracy, threshold outcomes and search latency over ``items`` ({text, kb_id}).

    In-domain: ``top1``/``top3`` accuracy; ``answered_correct``/``answered_wrong``: share answered
    directly, rightly or wrongly; ``clarify``/``not_understood``: share asked again or given up.
    Out-of-domain: ``ood_answered`` (wrongly answered with confidence), ``ood_clarify``,
    ``ood_rejected``. ``errors`` lists the in-domain misses and confident out-of-domain answers.
    Thresholds default to the KB's own calibrated bands (the lexical defaults for a plain ``KnowledgeBase``).
    """
    if answer_threshold is None:
        answer_threshold = float(getattr(kb, "answer_threshold", ANSWER_THRESHOLD))
    if clarify_threshold is None:
        clarify_threshold = float(getattr(kb, "confirm_threshold", CLARIFY_THRESHOLD))
    ind = {"n": 0, "top1": 0, "top3": 0, "answered_correct": 0, "answered_wrong": 0, "clarify": 0}
    ood = {"n": 0, "answered": 0, "clarify": 0}
    latencies: list[float] = []
    errors: list[dict[str, Any]] = []
    for item in items:
        text, expected = str(item["text"]), item.get("kb_id")
        start = time.perf_counter()
        matches = kb.search(text, k=3)
        latencies.append((time.perf_counter() - start) * 1000.0)
        error = _tally(text, expected, matches, (answer_threshold, clarify_threshold), ind, ood)
        if error is not None:
            errors.append(error)
    return _summary(ind, ood, latencies, errors, answer_threshold, clarify_threshold)


def _tally(
    text: str,
    expected: str | None,
    matches: list[KBMatch],
    thresholds: tuple[float, float],
    ind: dict[str, int],
    ood: dict[str, int],
) -> dict[str, Any] | None:
    """Count one utterance's outcome at the (answer, clarify) ``thresholds`` in ``ind`` (in-domain) or
    ``ood``; returns it as an error to list when it is one (a miss, or a confident out-of-domain answer)."""
    answer_threshold, clarify_threshold = thresholds
    best = matches[0] if matches else None
    conf = best.confidence if best else 0.0
    got = best.entry_id if best else None
    answered, clarified = conf >= answer_threshold, clarify_threshold <= conf < answer_threshold
    if expected is None:
        ood["n"] += 1
        ood["answered"] += answered
        ood["clarify"] += clarified
        return {"text": text, "expected": None, "got": got, "confidence": conf} if answered else None
    ind["n"] += 1
    ind["top1"] += got == expected
    ind["top3"] += expected in [m.entry_id for m in matches]
    ind["answered_correct"] += answered and got == expected
    ind["answered_wrong"] += answered and got != expected
    ind["clarify"] += clarified
    return {"text": text, "expected": expected, "got": got, "confidence": conf} if got != expected else None


def _summary(
    ind: dict[str, int],
    ood: dict[str, int],
    latencies: list[float],
    errors: list[dict[str, Any]],
    answer_threshold: float,
    clarify_threshold: float,
) -> dict[str, Any]:
    """Counts to shares (0..1), with latency percentiles in milliseconds."""
    n, m = max(ind["n"], 1), max(ood["n"], 1)
    lat = np.asarray(latencies) if latencies else np.zeros(1)
    return {
        "in_domain": ind["n"],
        "out_of_domain": ood["n"],
        "top1": ind["top1"] / n,
        "top3": ind["top3"] / n,
        "answered_correct": ind["answered_correct"] / n,
        "answered_wrong": ind["answered_wrong"] / n,
        "clarify": ind["clarify"] / n,
        "not_understood": (ind["n"] - ind["answered_correct"] - ind["answered_wrong"] - ind["clarify"]) / n,
        "ood_answered": ood["answered"] / m,
        "ood_clarify": ood["clarify"] / m,
        "ood_rejected": (ood["n"] - ood["answered"] - ood["clarify"]) / m,
        "latency_ms_p50": float(np.percentile(lat, 50)),
        "latency_ms_p95": float(np.percentile(lat, 95)),
        "answer_threshold": answer_threshold,
        "clarify_threshold": clarify_threshold,
        "errors": errors,
    }
