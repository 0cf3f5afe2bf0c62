"""Choosing among the recognizer's n-best hypotheses the one the dialog understands best.

Why: Whisper's beam search often keeps the right words in the second or third hypothesis ("ile trwa
dostawa" behind "ile trwa do stawa"). The recognizer is sure of *sounds*, the dialog of *meaning*; the
turn goes ahead with the hypothesis whose combined score is highest:

    score = asr_weight * asr_confidence + (1 - asr_weight) * understanding

``understanding`` is 1 for a hypothesis that carries an escalation reason (a missed emergency is the worst
failure, so "czuć gaz" beats a slightly likelier "czuć gas"), else the KB's confidence in its best entry.
A first hypothesis the dialog is already sure of goes ahead without scoring the others (each costs a
sentence embedding); what the session waits for is the engine's part (``dialog.engine_nbest``).
Pure: the scorer is passed in, so it is tested with scripted scores.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from dialog.ports import Hypothesis

__all__ = ["ASR_WEIGHT", "Choice", "Hypothesis", "choose", "distinct"]

_WORD = re.compile(r"[^\W_]+")
ASR_WEIGHT = 0.5


@dataclass(frozen=True)
class Choice:
    index: int
    text: str
    score: float
    understanding: float


def choose(
    hypotheses: Sequence[Hypothesis],
    understanding: Callable[[str], float],
    asr_weight: float = ASR_WEIGHT,
    *,
    sure: float = 2.0,
    floor: float = 0.0,
    others: Callable[[str], float] | None = None,
) -> Choice:
    """The hypothesis with the best combined score (ties: the recognizer's order). Empty texts are skipped;
    with nothing usable the first hypothesis is returned as is, so the caller is never left in silence.

    The first usable hypothesis is taken at once when its understanding reaches ``sure``. The others are
    scored by ``others`` (default ``understanding``) and may replace it only when understood at ``floor`` or
    better: between two wordings the dialog understands equally badly, the recognizer's first is the one
    to keep (measured: letting any slightly better-matching wording win raised the word error rate and
    sent garbled everyday sentences to the emergency queue)."""
    if not hypotheses:
        raise ValueError("at least one hypothesis is needed")
    best: Choice | None = None
    for i, hyp in enumerate(hypotheses):
        if not hyp.text.strip():
            continue
        scorer = understanding if best is None else (others or understanding)
        meaning = min(1.0, max(0.0, scorer(hyp.text)))
        if best is not None and meaning < floor:
            continue
        asr = min(1.0, max(0.0, hyp.confidence))
        score = asr_weight * asr + (1.0 - asr_weight) * meaning
        if best is None and meaning >= sure:
            return Choice(i, hyp.text, score, meaning)
        if best is None or score > best.score:
            best = Choice(i, hyp.text, score, meaning)
    return best or Choice(0, hypotheses[0].text, 0.0, 0.0)


def distinct(hypotheses: Sequence[Hypothesis]) -> list[Hypothesis]:
    """The non-empty hypotheses, one per wording (case, punctuation and spacing apart), best first: Whisper's
    beam often differs only in a capital letter or a full stop, and each wording scored costs an embedding."""
    seen: set[str] = set()
    kept: list[Hypothesis] = []
    for hyp in hypotheses:
        key = " ".join(_WORD.findall(hyp.text.lower()))
        if key and key not in seen:
            seen.add(key)
            kept.append(hyp)
    return kept
