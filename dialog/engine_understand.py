"""Who decides that a human must take over, combining word cues, meaning and what the KB can answer.

Why a separate step: the cues of ``dialog.escalation`` are precise on the words they know but fire on
neutral questions that merely contain a trigger word ("jak zablokować kartę po kradzieży", "zmywarka się
zepsuła, gdzie ją naprawić"), and know nothing of emergencies said in other words. So:

* reasons found by meaning (``dialog.escalation_meaning``) are added to those found by the cues;
* reasons found by meaning are added when the cues found none (meaning is the net for what words miss);
* in a *question* about protection ("czy macie czujniki gazu", "czy telefon jest ubezpieczony od
  kradzieży") an urgent reason found by cues is left to meaning: the danger word names what the caller
  wants to be protected from, not what is happening; the neutral prototypes then decide;
* in a *question* (a question word or "?") that the KB can answer (at least the confirm band), a
  complaint or urgent reason found by cues alone gives way to the KB's answer or "czy chodzi o ...?";
  requests for a human, offers, anything found by meaning and indignation ("ile można czekać!") stay.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from dialog.diacritics import known_share, new_known_words
from dialog.engine_cues import term, term_positions, tokens
from dialog.engine_intents import mostly_number
from dialog.engine_text import fold
from dialog.escalation import PRECEDENCE, declines_human, detect_reasons, mood
from dialog.escalation_meaning import EscalationMeaning
from dialog.kb import KnowledgeBaseSearch
from dialog.ports import Reason

# A question word opening the turn or a clause ("pralka się zepsuła, gdzie ją naprawić"); mid-clause
# "który"/"co" are relative pronouns ("telewizor, który kupiłem, jest zepsuty"), so they do not count.
_QUESTION = re.compile(
    r"(^|[,;.:]\s*|\b(a|i|to|no)\s+)(jak|gdzie|czy|kiedy|ile|kto|komu|dlaczego|jaki|jaka|jakie|skad|co)\b"
)
_PROTECTION = term("czujnik|zabezpiecz|ubezpiecz|gasnic|ochron|zapobieg|bezpieczn|=alarm|alarmu|alarmy")
_ANSWERABLE: frozenset[Reason] = frozenset({"complaint", "urgent"})  # by cues, in a question the KB answers
# Meaning is trusted when at least half the words are words: every escalation case of the tune data scores
# 0.67 or more ("powerbank spuchł i syczy"), garbled phone recognition of everyday talk 0.0-0.4.
LEGIBLE = 0.5


def is_question(text: str) -> bool:
    """A question word anywhere ("pralka się zepsuła, gdzie ją naprawić") or a question mark."""
    return text.rstrip().endswith("?") or _QUESTION.search(fold(text).strip()) is not None


def cue_reasons(text: str, previous: Sequence[str] = ()) -> list[Reason]:
    """The word cues' reasons, except urgent in a calm question about protection ("czy macie czujniki
    gazu?"): there the danger word names what the caller wants protection from; meaning decides."""
    found = detect_reasons(text, previous)
    protection = is_question(text) and bool(term_positions(_PROTECTION, tokens(text)))
    if "urgent" in found and protection and mood(text, previous) != "angry":
        return [r for r in found if r != "urgent"]
    return found


class Understanding:
    """The escalation decision of one turn; ``meaning`` None = cues only (no embedding model)."""

    def __init__(self, kb: KnowledgeBaseSearch, meaning: EscalationMeaning | None, kb_threshold: float) -> None:
        self.kb = kb
        self.meaning = meaning
        self.kb_threshold = kb_threshold  # KB confidence at which a question is the KB's, not a human's
        self._names: frozenset[str] | None = None  # the KB's names, words the dictionary lacks (on first use)

    def reasons(self, text: str, previous: Sequence[str] = ()) -> list[Reason]:
        """Every reason to transfer, most important first, after the guards above."""
        by_cues = cue_reasons(text, previous)
        by_meaning: list[Reason] = []
        words = len(tokens(text))
        if self.meaning is not None and not by_cues and words >= 3 and not mostly_number(text) and self._legible(text):
            # the net for what the cues miss; "tak", "dziękuję", "do widzenia" are too short to judge by
            # meaning and cost no embedding, a spoken order number is not words ("piec siedem dwa"), and
            # garbled recognition ("ulubianem sosendopicy") sits near everything by meaning
            similarity = getattr(self.kb, "best_similarity", None)
            close = self.meaning.closeness(text, similarity)
            by_meaning = [
                r for r in self.meaning.detect(close, words) if r != "requested_human" or not declines_human(text)
            ]
        found = sorted(set(by_cues) | set(by_meaning), key=PRECEDENCE.index)
        if not found or not is_question(text):
            return found
        answerable = {r for r in found if r in _ANSWERABLE and r not in by_meaning}
        if "urgent" in answerable and mood(text, previous) == "angry":
            answerable.discard("urgent")  # indignation is not a how-to question
        if not answerable or not self._kb_answers(text):
            return found
        return [r for r in found if r not in answerable]

    def _legible(self, text: str) -> bool:
        """At least ``LEGIBLE`` of the words are Polish words or the KB's own (``dialog.diacritics``)."""
        return known_share(text, self.names()) >= LEGIBLE

    def adds_words(self, text: str, first: str) -> bool:
        """``text`` has a Polish word or a KB name that ``first`` lacks: it may mean something else."""
        return bool(new_known_words(text, first, self.names()))

    def names(self) -> frozenset[str]:
        """The words of the KB's names and jargon (lower case), which no dictionary knows."""
        if self._names is None:
            self._names = frozenset(w.lower() for name in self.kb.vocabulary() for w in name.split())
        return self._names

    def reason(self, text: str, previous: Sequence[str] = ()) -> Reason | None:
        found = self.reasons(text, previous)
        return found[0] if found else None

    def _kb_answers(self, text: str) -> bool:
        matches = self.kb.search(text, k=1)
        return bool(matches) and matches[0].confidence >= self.kb_threshold
