"""Which of the recognizer's wordings a spoken turn goes ahead with: the engine's side of ``dialog.nbest``.

Why here: the choice needs what the session waits for (an order number, a yes or no) and the engine's two
judges (the word cues and meaning of ``engine_understand``, the KB's confidence of ``engine_kb``); the
choosing itself stays pure in ``dialog.nbest``.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial

from dialog.engine_config import EngineConfig
from dialog.engine_kb import KBStep
from dialog.engine_understand import Understanding, cue_reasons
from dialog.nbest import Hypothesis, Scores, Waiting, pick
from dialog.numbers import extract_order_number, yes_no
from dialog.session import Session

MUST_NOT_MISS = frozenset({"urgent", "requested_human"})


class NBestStep:
    """``choose``: the wording of a turn's n-best (``distinct``, best first) the turn goes ahead with."""

    def __init__(self, kb_step: KBStep, understanding: Understanding, config: EngineConfig, orders: bool) -> None:
        self.kb_step, self.understanding, self.config, self.orders = kb_step, understanding, config, orders
        self.scores = Scores(self.first_score, self.other_score, kb_step.answer_threshold, kb_step.confirm_threshold)

    def choose(self, s: Session, options: Sequence[Hypothesis]) -> str:
        """Blocking (embeddings): run it in the engine's CPU lane."""
        return pick(options, self.waiting(s), self.scores).text

    def waiting(self, s: Session) -> Waiting:
        """What this turn should hold: the order number asked for (with an orders source), a yes or no.

        A number nobody asked for is read from the first wording only: Whisper's "16" has "16 16" behind it,
        which reads as order 1616."""
        cfg = self.config
        numbers = None
        if self.orders and s.expects == "order_number":
            numbers = partial(extract_order_number, min_digits=cfg.min_order_digits, max_digits=cfg.max_order_digits)
        return Waiting(numbers, yes_no if s.expects == "yes_no" or s.asked_anything_else else None)

    def first_score(self, text: str) -> float:
        """The recognizer's first wording: 1.0 when any reason to escalate is found in it (cues or meaning),
        else the KB's confidence in its best entry."""
        if self.understanding.reason(text) is not None:
            return 1.0
        return self._kb(text)

    def other_score(self, text: str) -> float:
        """A wording behind the first: 1.0 when its words ask for help in an emergency or for a person ("czuć
        gaz" behind "czuć gas"), else the KB's confidence. Escalation by meaning does not count here: three
        garbled wordings of an everyday sentence are three chances to sit near an emergency (measured)."""
        if MUST_NOT_MISS.intersection(cue_reasons(text)):
            return 1.0
        return self._kb(text)

    def _kb(self, text: str) -> float:
        best = self.kb_step.best(text)
        return best.confidence if best is not None else 0.0
