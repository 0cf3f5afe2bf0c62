"""Which of the recognizer's wordings a spoken turn goes ahead with: the engine's side of ``dialog.nbest``.

Why here: the choice needs what the session waits for (an order number, a yes or no, a follow-up of the
previous topic) and the engine's two judges (the word cues and meaning of ``engine_understand``, the KB's
confidence of ``engine_kb``); the choosing itself stays pure in ``dialog.nbest``.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial

from dialog.cpu import TEXT, VOICE, CpuLane
from dialog.engine_config import EngineConfig
from dialog.engine_intents import (
    choice_index,
    is_follow_up,
    is_goodbye,
    is_greeting_only,
    is_repeat_request,
    is_thanks,
    only_numbers,
    zero_for_a_person,
)
from dialog.engine_kb import KBStep
from dialog.engine_understand import Understanding, cue_reasons
from dialog.nbest import Hypothesis, choose, distinct
from dialog.numbers import extract_order_number, yes_no
from dialog.order_intents import wants_address_change, wants_order_status
from dialog.ports import CallerInfo
from dialog.session import Session

MUST_NOT_MISS = frozenset({"urgent", "requested_human"})


class NBestStep:
    """``heard``: the wording of a turn's n-best (best first) the turn goes ahead with."""

    def __init__(self, kb_step: KBStep, understanding: Understanding, config: EngineConfig, orders: bool) -> None:
        self.kb_step, self.understanding, self.config, self.orders = kb_step, understanding, config, orders
        # the first wording is kept unscored against the rest at the answer band; another must reach confirm
        self.sure, self.floor = kb_step.answer_threshold, kb_step.confirm_threshold

    async def heard(self, s: Session, hypotheses: Sequence[Hypothesis], caller: CallerInfo, cpu: CpuLane) -> str:
        """The wording this turn goes ahead with (stripped; the engine trims it to a turn's longest text).

        The first wording stands when it is the only one, has no words ("..." keeps its turn: the others were
        never checked for noise like it was), or is one the dialog takes as it stands (``as_is``). An order
        number asked for comes from the first wording that has one. Otherwise the other wordings worth it
        (``worth_scoring``: not ``as_is``, since a "nie, …" behind a question must not end the call, and not
        just another non-word) are scored against it in the CPU lane, an embedding each."""
        first = hypotheses[0].text.strip() if hypotheses else ""
        options = distinct(hypotheses)
        if len(options) < 2 or options[0] is not hypotheses[0]:
            return first
        if (number := self.asked_number(s, options)) is not None:
            return number  # before ``as_is``: "osiem dwa" (numbers only) must not hide "48213" behind it
        if self.as_is(s, first, caller):
            return first
        others = [h for h in options[1:] if self.worth_scoring(s, first, h.text, caller)]
        if not others:
            return first
        lane = TEXT if caller.channel == "chat" else VOICE
        return (await cpu.run(lane, self.choose, s, [options[0], *others])).strip()

    def as_is(self, s: Session, text: str, caller: CallerInfo) -> bool:
        """A wording the dialog handles whatever the KB makes of it: a yes or no to the pending question, a
        pick of two topics offered, small talk (greeting, thanks, goodbye, "please repeat"), a follow-up of
        the previous topic, numbers only, "zero" on the phone, an order number or a question about an order
        (with an orders source)."""
        if (s.expects in ("yes_no", "choice") or s.asked_anything_else) and yes_no(text) is not None:
            return True
        if s.expects == "choice" and choice_index(text) is not None:  # "drugie" to the two topics offered
            return True
        if is_goodbye(text) or is_thanks(text) or is_repeat_request(text) or is_greeting_only(text):
            return True
        if (s.topic and is_follow_up(text)) or only_numbers(text):
            return True
        if caller.channel == "phone" and zero_for_a_person(text, s.expects, s.topic):
            return True
        cfg = self.config
        number = extract_order_number(text, cfg.min_order_digits, cfg.max_order_digits)
        return self.orders and (number is not None or wants_order_status(text) or wants_address_change(text))

    def worth_scoring(self, s: Session, first: str, text: str, caller: CallerInfo) -> bool:
        """A wording behind the first that may win: the dialog would judge it by the KB alone (not ``as_is``)
        and it has a word the first lacks that is a Polish word or the KB's, or its words ask for help in an
        emergency or for a person (cues know ASR spellings such as "gazen" that no dictionary has)."""
        if self.as_is(s, text, caller):
            return False
        return self.understanding.adds_words(text, first) or bool(MUST_NOT_MISS.intersection(cue_reasons(text)))

    def asked_number(self, s: Session, options: Sequence[Hypothesis]) -> str | None:
        """The first wording with an order number, when the bot asked for one (with an orders source). A
        number nobody asked for is read from the first wording only: Whisper's "16" has "16 16" behind it,
        which reads as order 1616."""
        if not (self.orders and s.expects == "order_number"):
            return None
        cfg = self.config
        found = (h.text for h in options if extract_order_number(h.text, cfg.min_order_digits, cfg.max_order_digits))
        return next(found, None)

    def choose(self, s: Session, options: Sequence[Hypothesis]) -> str:
        """Blocking (embeddings): run it in the engine's CPU lane. The first wording's reasons to escalate
        are read with the earlier turns, as the turn itself will be."""
        first = partial(self.first_score, previous=s.caller_turns())
        return choose(options, first, sure=self.sure, floor=self.floor, others=self.other_score).text

    def first_score(self, text: str, previous: Sequence[str] = ()) -> float:
        """The recognizer's first wording: 1.0 when any reason to escalate is found in it (cues or meaning),
        else the KB's confidence in its best entry."""
        if self.understanding.reason(text, previous) is not None:
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
