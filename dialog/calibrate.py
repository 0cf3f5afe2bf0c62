"""Fit the retrieval decision (``dialog.kb_hybrid.Calibration``) on labelled utterances, not by hand.

Data (tune data only, never a frozen split): the ``tune`` split of every domain in
``tests/data/domains.yaml`` but those marked ``retrieval_fit: false`` (kept unseen by this fit), the demo
KB's ``tests/data/dialog_eval_kb.yaml``, and cross-domain negatives (each domain's in-domain tune
questions asked of the *other* domains' KBs whose subject differs, labelled out of domain), so the
thresholds are fitted on several KBs at once and carry over to a new one.

Steps: (1) the ranking weight of meaning against words that maximises top-1; (2) a logistic regression of
"the top entry is right" on ``kb_hybrid.FEATURES``; (3) thresholds: *answer* at the lowest confidence
whose answers are at least ``ANSWER_PRECISION`` right, *confirm* at the lowest whose proposals are at
least ``CONFIRM_PRECISION`` right (asking "czy chodzi o ...?" about a wrong topic costs the caller a turn),
*suggest* at the lowest below that where the right entry is among the two best at least
``SUGGEST_PRECISION`` of the time: after a miss the caller is offered both ("czy chodzi o A, czy o B?"),
instead of two fixed examples of the KB, which name the right topic about one time in twelve; a wrong
suggestion costs the same turn the fixed re-prompt costs (it still invites other words).

``ANSWER_PRECISION`` itself was chosen by leave-one-KB-out cross-validation (``cross_validate``, printed by
``main``) as the loosest target whose out-of-domain answer rate stays about 5 %: 0.95 gave answered-right
70 % / out-of-domain answered 3.4 %, 0.93 gave 73 % / 5.1 %, 0.90 gave 80 % / 8.5 %.

Run: ``python -m dialog.calibrate`` (rewrites dialog/data/retrieval_calibration.json, prints the fit);
``--model NAME`` fits for another sentence model and writes its own file (``dialog.calibrate_args``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from dialog.calibrate_args import parse_run
from dialog.domain_eval import load_cases, load_domains
from dialog.embedder import Embedder
from dialog.factory import build_understanding
from dialog.kb import load_kb
from dialog.kb_eval import load_eval_items
from dialog.kb_hybrid import Calibration, HybridKB, Scored

ANSWER_PRECISION = 0.93
CONFIRM_PRECISION = 0.6
SUGGEST_PRECISION = 0.25
_UNRELATED = {"urzad": ("agd", "telecom"), "agd": ("urzad",), "telecom": ("urzad",)}
_WEIGHTS = np.linspace(0.0, 40.0, 81)


@dataclass(frozen=True)
class Sample:
    scored: Scored
    expected_index: int | None  # None: out of domain
    group: str = ""  # the KB it was asked of (for leave-one-KB-out cross-validation)


def _samples(kb: HybridKB, items: Sequence[tuple[str, str | None]], group: str) -> list[Sample]:
    ids = list(kb.entries)
    return [Sample(kb.score(text), None if exp is None else ids.index(exp), group) for text, exp in items]


def collect(repo: Path, embedder: Embedder, cache_dir: Path | None) -> list[Sample]:
    """Tune samples from every domain, the demo KB's eval set and cross-domain negatives."""
    data = repo / "tests" / "data"
    samples: list[Sample] = []
    kbs: dict[str, HybridKB] = {}
    questions: dict[str, list[str]] = {}
    for domain in (d for d in load_domains(data / "domains.yaml") if d.retrieval_fit):
        kbs[domain.name] = build_understanding(load_kb(domain.kb), embedder, cache_dir)[0]  # as the engine's
        cases = [c for c in load_cases(domain.splits["tune"]) if c.reason is None and not c.before]
        samples += _samples(kbs[domain.name], [(c.text, c.kb_id) for c in cases], domain.name)
        questions[domain.name] = [c.text for c in cases if c.kb_id is not None]
    for name, others in _UNRELATED.items():
        for other in others:
            samples += _samples(kbs[other], [(t, None) for t in questions[name]], other)
    demo = build_understanding(load_kb(repo / "dialog" / "data" / "kb.yaml"), embedder, cache_dir)[0]
    items = load_eval_items(data / "dialog_eval_kb.yaml")
    samples += _samples(demo, [(str(i["text"]), i["kb_id"]) for i in items], "demo")
    return samples


def _rank(s: Sample, weight: float) -> int:
    return int(np.argmax(s.scored.lex + weight * s.scored.sem))


def fit_weight(samples: Sequence[Sample]) -> float:
    """Weight of meaning against words with the best top-1 (ties: the smallest weight)."""
    ind = [s for s in samples if s.expected_index is not None]
    hits = [sum(_rank(s, w) == s.expected_index for s in ind) for w in _WEIGHTS]
    return float(_WEIGHTS[int(np.argmax(hits))])


def fit_logistic(x: np.ndarray, y: np.ndarray, l2: float = 1e-2, steps: int = 4000) -> tuple[np.ndarray, float]:
    """Plain gradient-descent logistic regression (a few features; no need for a library)."""
    mean, std = x.mean(axis=0), x.std(axis=0) + 1e-9
    z = (x - mean) / std
    w, b = np.zeros(x.shape[1]), 0.0
    for _ in range(steps):
        p = 1.0 / (1.0 + np.exp(-(z @ w + b)))
        w -= 0.5 * (z.T @ (p - y) / len(y) + l2 * w)
        b -= 0.5 * float(np.mean(p - y))
    return w / std, b - float(np.dot(w / std, mean))


def threshold(conf: np.ndarray, right: np.ndarray, precision: float, upper: float = 2.0, min_cases: int = 5) -> float:
    """Lowest confidence ``t`` such that the cases in [t, upper) are right at least ``precision`` of the
    time, over at least ``min_cases`` cases (``upper`` when no such ``t`` exists)."""
    best = upper
    for t in sorted(set(conf[conf < upper].round(4)), reverse=True):
        band = (conf >= t) & (conf < upper)
        if band.sum() >= min_cases and right[band].mean() >= precision:
            best = float(t)
    return min(best, 1.0)


def fit(samples: Sequence[Sample]) -> Calibration:
    """The whole calibration from labelled samples (pure: tests call it on synthetic ones)."""
    weight = fit_weight(samples)
    scored = [s.scored.with_order(weight) for s in samples]
    x = np.stack([s.features(weight) for s in scored])
    y = np.asarray([int(s.expected_index is not None and int(sc.order[0]) == s.expected_index)
                    for s, sc in zip(samples, scored, strict=True)], dtype=float)  # fmt: skip
    coef, bias = fit_logistic(x, y)
    probe = Calibration(weight, tuple(float(c) for c in coef), float(bias), 1.0, 1.0)
    conf = np.asarray([probe.confidence(f) for f in x])
    answer = threshold(conf, y.astype(bool), ANSWER_PRECISION)
    confirm = min(answer, threshold(conf, y.astype(bool), CONFIRM_PRECISION, upper=answer))
    fitted = Calibration(weight, probe.coef, probe.bias, round(answer, 4), round(confirm, 4))
    return replace(fitted, suggest=suggest_threshold(fitted, samples))


def suggest_threshold(cal: Calibration, samples: Sequence[Sample]) -> float:
    """Step (3)'s *suggest* for a fitted calibration: the lowest top-1 confidence under *confirm* from which
    the right entry is among the two best at least ``SUGGEST_PRECISION`` of the time (out-of-domain
    questions count as wrong)."""
    conf, in_two = [], []
    for s in samples:
        scored = s.scored.with_order(cal.sem_weight)
        conf.append(cal.confidence(scored.features(cal.sem_weight)))
        in_two.append(s.expected_index is not None and s.expected_index in scored.order[:2].tolist())
    found = threshold(np.asarray(conf), np.asarray(in_two), SUGGEST_PRECISION, upper=cal.confirm)
    return round(min(found, cal.confirm), 4)


def cross_validate(samples: Sequence[Sample]) -> dict[str, float]:
    """Leave one KB out: fit on the others, decide on it. Shares of its in-domain questions answered right
    and wrong, and of its out-of-domain ones answered: what a *new* KB can expect from this procedure."""
    n = {"in": 0, "right": 0, "wrong": 0, "ood": 0, "ood_answered": 0}
    for held in sorted({s.group for s in samples}):
        cal = fit([s for s in samples if s.group != held])
        for s in (s for s in samples if s.group == held):
            scored = s.scored.with_order(cal.sem_weight)
            answered = cal.confidence(scored.features(cal.sem_weight)) >= cal.answer
            if s.expected_index is None:
                n["ood"] += 1
                n["ood_answered"] += answered
            else:
                n["in"] += 1
                n["right" if int(scored.order[0]) == s.expected_index else "wrong"] += answered
    return {
        "answered_right": float(n["right"]) / max(1, n["in"]),
        "answered_wrong": float(n["wrong"]) / max(1, n["in"]),
        "ood_answered": float(n["ood_answered"]) / max(1, n["ood"]),
    }


def main(argv: list[str] | None = None) -> None:
    repo = Path(__file__).resolve().parent.parent
    run = parse_run(argv, "retrieval_calibration.json")
    samples = collect(repo, run.sentence.load(), run.cache_dir)
    calibration = fit(samples)
    path = run.output("retrieval_calibration.json")
    calibration.save(path)
    print(f"{run.sentence.name}: written {path}")
    n_ood = sum(s.expected_index is None for s in samples)
    print(f"{len(samples)} samples ({n_ood} out of domain): {calibration}")
    print("leave-one-KB-out:", {k: round(v, 3) for k, v in cross_validate(samples).items()})


if __name__ == "__main__":
    main()
