"""Escalation by meaning: the caller's words against example sentences per reason (sentence embeddings).

Why: word stems miss most real emergencies said in everyday words ("od kuchenki czuć gaz", "woda leje
się do sąsiadów") and fire on neutral questions that contain a trigger word ("maile reklamowe"). Each
reason has a few domain-neutral prototypes (``dialog/data/escalation_prototypes.yaml``); so do *neutral*
how-to questions. A reason is detected when the closest prototype of that reason is similar enough *and*
closer than any neutral prototype, any KB question and any other reason's prototypes by a margin: a
caller whose words are nearest to something the KB answers is asking a question, not reporting an
emergency; "poproszę człowieka" is nearer to asking for a human than to anything urgent.

Thresholds per reason are data-fitted by ``python -m dialog.calibrate_escalation`` (tune data only) and
stored in ``dialog/data/escalation_calibration.json``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np
import yaml

from dialog.embedder import Embedder
from dialog.ports import Reason
from dialog.vectors import embed_cached

REASONS: tuple[Reason, ...] = ("urgent", "requested_human", "complaint", "individual_offer")


def _data(name: str) -> Path:
    return Path(str(resources.files("dialog") / "data" / name))


@dataclass(frozen=True)
class ReasonThreshold:
    similarity: float  # the closest prototype of the reason at least this close
    margin: float  # and closer than every neutral prototype and KB question by this much


def load_thresholds(path: Path | None = None) -> dict[Reason, ReasonThreshold]:
    raw = json.loads((path or _data("escalation_calibration.json")).read_text(encoding="utf-8"))
    return {r: ReasonThreshold(float(raw[r]["similarity"]), float(raw[r]["margin"])) for r in REASONS if r in raw}


@dataclass(frozen=True)
class Closeness:
    """Best similarity per reason, to neutral questions and to the KB (exposed for calibration)."""

    reasons: dict[Reason, float]
    neutral: float
    kb: float
    words: int = 3

    def margin(self, reason: Reason) -> float:
        """How much closer the reason is than neutral questions, the KB and every other reason."""
        others = [v for r, v in self.reasons.items() if r != reason]
        return self.reasons[reason] - max(self.neutral, self.kb, *others)


class EscalationMeaning:
    """Prototype vectors per reason, built once (cached on disk like the KB's)."""

    def __init__(
        self,
        embedder: Embedder,
        thresholds: dict[Reason, ReasonThreshold],
        cache_dir: Path | None = None,
        prototypes: Path | None = None,
    ) -> None:
        data = yaml.safe_load((prototypes or _data("escalation_prototypes.yaml")).read_text(encoding="utf-8"))
        self.embedder = embedder
        self.thresholds = thresholds
        groups = [*REASONS, "neutral"]
        texts = [t for g in groups for t in data.get(g, [])]
        self._group = np.asarray([g for g in groups for _ in data.get(g, [])])
        self._vecs, _ = embed_cached(embedder, texts, [], cache_dir, "escalation")

    def closeness(self, text: str, kb_similarity: Callable[[str], float] | None = None) -> Closeness:
        sims = self._vecs @ self.embedder.queries([text])[0]
        best = {g: float(sims[self._group == g].max(initial=-1.0)) for g in [*REASONS, "neutral"]}
        kb = kb_similarity(text) if kb_similarity is not None else -1.0
        return Closeness({r: best[r] for r in REASONS}, best["neutral"], kb, len(text.split()))

    def detect(self, close: Closeness, words: int = 3) -> list[Reason]:
        """Reasons whose prototypes are close enough and clearly closer than neutral and KB questions.
        Turns under three words are left to the cues: a two-word phrase sits close to everything."""
        if words < 3:
            return []
        return [
            r
            for r in REASONS
            if (t := self.thresholds.get(r)) is not None
            and close.reasons[r] >= t.similarity
            and close.margin(r) >= t.margin
        ]
