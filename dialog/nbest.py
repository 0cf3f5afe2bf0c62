"""Choosing among the recognizer's n-best hypotheses the one the dialog understands best.

Why: Whisper's beam search often keeps the right words in the second or third hypothesis ("ile trwa
dostawa" behind "ile trwa do stawa"). The recognizer is sure of *sounds*, the dialog of *meaning*; the
turn goes ahead with the hypothesis whose combined score is highest:

    score = asr_weight * asr_confidence + (1 - asr_weight) * understanding

``understanding`` is 1 for a hypothesis that carries an escalation reason (a missed emergency is the worst
failure, so "czuć gaz" beats a slightly likelier "czuć gas"), else the KB's confidence in its best entry.
Pure: the scorer is passed in, so it is tested with scripted scores.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

ASR_WEIGHT = 0.5


@dataclass(frozen=True)
class Hypothesis:
    """One transcript with the recognizer's confidence in it, 0..1 (e.g. exp of the mean token log-prob)."""

    text: str
    confidence: float


@dataclass(frozen=True)
class Choice:
    index: int
    text: str
    score: float
    understanding: float


def choose(
    hypotheses: Sequence[Hypothesis], understanding: Callable[[str], float], asr_weight: float = ASR_WEIGHT
) -> Choice:
    """The hypothesis with the best combined score (ties: the recognizer's order). Empty texts are skipped;
    with nothing usable the first hypothesis is returned as is, so the caller is never left in silence."""
    if not hypotheses:
        raise ValueError("at least one hypothesis is needed")
    best: Choice | None = None
    for i, hyp in enumerate(hypotheses):
        if not hyp.text.strip():
            continue
        meaning = min(1.0, max(0.0, understanding(hyp.text)))
        asr = min(1.0, max(0.0, hyp.confidence))
        score = asr_weight * asr + (1.0 - asr_weight) * meaning
        if best is None or score > best.score:
            best = Choice(i, hyp.text, score, meaning)
    return best or Choice(0, hypotheses[0].text, 0.0, 0.0)
