"""Fit the per-reason thresholds of ``dialog.escalation_meaning`` on tune data (never a frozen split).

Data: every case of each domain's ``tune`` split (with its own KB as the competing questions), the
demo KB's flow set ``tests/data/dialog_eval_flow.yaml`` (escalations and must-not-transfer questions) and
the domain-neutral cases of ``tests/data/escalation_tune.yaml`` asked of every one of those KBs (varied
emergencies, requests for a person and neutral look-alikes: the few per domain split are too few to fit on).
The detector works *beside* the lexical cues (``dialog.escalation``), so for each reason a grid search
over (similarity, margin) maximises ``RECALL_WEIGHT[reason] * caught - false alarms``, where *caught*
counts only cases the cues miss, and a false alarm on a question that needs no human costs 1 (on a case
that needs another reason, 0.25: a human takes it anyway). A missed emergency costs far more than an
agent taking a call the bot could have handled.

Run: ``python -m dialog.calibrate_escalation`` (rewrites dialog/data/escalation_calibration.json);
``--model NAME`` fits for another sentence model and writes its own file (``dialog.calibrate_args``).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import yaml

from dialog.calibrate_args import parse_run
from dialog.domain_eval import load_cases, load_domains
from dialog.embedder import Embedder
from dialog.engine_understand import cue_reasons
from dialog.escalation_meaning import REASONS, Closeness
from dialog.eval_flow import load_items
from dialog.factory import build_understanding
from dialog.kb import load_kb
from dialog.ports import Reason

RECALL_WEIGHT: dict[Reason, float] = {"urgent": 3.0, "requested_human": 3.0, "complaint": 1.0, "individual_offer": 1.0}
_SIMS = np.round(np.arange(0.80, 0.97, 0.005), 3)
_MARGINS = np.round(np.arange(0.0, 0.08, 0.005), 3)  # never below: closer than every neutral question

Sample = tuple[Closeness, Reason | None, frozenset[Reason]]  # closeness, expected, found by cues


def load_general(path: Path) -> list[tuple[str, Reason | None]]:
    """(text, expected reason or None) of a domain-neutral calibration file (no KB entry to expect)."""
    items = yaml.safe_load(path.read_text(encoding="utf-8"))["items"]
    return [(str(i["text"]), i["reason"]) for i in items]


def collect(repo: Path, embedder: Embedder, cache_dir: Path | None) -> list[Sample]:
    data = repo / "tests" / "data"
    general = load_general(data / "escalation_tune.yaml")
    out: list[Sample] = []
    for domain in load_domains(data / "domains.yaml"):
        kb, meaning = build_understanding(load_kb(domain.kb), embedder, cache_dir)  # as the engine builds them
        for text, reason in [*((c.text, c.reason) for c in load_cases(domain.splits["tune"])), *general]:
            out.append((meaning.closeness(text, kb.best_similarity), reason, _cues(text)))
    demo, meaning = build_understanding(load_kb(repo / "dialog" / "data" / "kb.yaml"), embedder, cache_dir)
    for text, reason in general:
        out.append((meaning.closeness(text, demo.best_similarity), reason, _cues(text)))
    for item in load_items(data / "dialog_eval_flow.yaml"):
        if not item.before and item.reason != "not_understood":
            close = meaning.closeness(item.text, demo.best_similarity)
            out.append((close, item.reason, _cues(item.text)))
    return out


def _cues(text: str) -> frozenset[Reason]:
    return frozenset(cue_reasons(text))


def _hits(samples: Sequence[Sample], reason: Reason, sim: float, margin: float) -> list[bool]:
    return [c.reasons[reason] >= sim and c.margin(reason) >= margin and c.words >= 3 for c, _, _ in samples]


def _gain(samples: Sequence[Sample], reason: Reason, hits: list[bool]) -> float:
    caught = sum(1 for h, (_, r, cues) in zip(hits, samples, strict=True) if h and r == reason and reason not in cues)
    false = sum((1.0 if r is None else 0.25) for h, (_, r, _) in zip(hits, samples, strict=True) if h and r != reason)
    return RECALL_WEIGHT[reason] * caught - false


def fit_reason(samples: Sequence[Sample], reason: Reason) -> dict[str, float]:
    """Best (similarity, margin) for one reason; ties go to the stricter thresholds."""
    best, best_score = {"similarity": 1.0, "margin": 1.0}, 0.0
    for sim in _SIMS[::-1]:
        for margin in _MARGINS[::-1]:
            score = _gain(samples, reason, _hits(samples, reason, float(sim), float(margin)))
            if score > best_score:
                best, best_score = {"similarity": float(sim), "margin": float(margin)}, score
    return best


def main(argv: list[str] | None = None) -> None:
    repo = Path(__file__).resolve().parent.parent
    run = parse_run(argv, "escalation_calibration.json")
    samples = collect(repo, run.sentence.load(), run.cache_dir)
    fitted = {r: fit_reason(samples, r) for r in REASONS}
    path = run.output("escalation_calibration.json")
    path.write_text(json.dumps(fitted, indent=2) + "\n", encoding="utf-8")
    print(f"{run.sentence.name}: written {path}")
    for r, t in fitted.items():
        hits = _hits(samples, r, t["similarity"], t["margin"])
        n = sum(e == r for _, e, _ in samples)
        cues = sum(e == r and r in c for _, e, c in samples)
        both = sum(e == r and (h or r in c) for h, (_, e, c) in zip(hits, samples, strict=True))
        false = sum(h and e is None for h, (_, e, _) in zip(hits, samples, strict=True))
        print(f"{r}: {t}: cues {cues}/{n}, with meaning {both}/{n}; false alarms on no-transfer cases {false}")


if __name__ == "__main__":
    main()
