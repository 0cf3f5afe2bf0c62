"""The knowledge-base part of the dialog: answer when sure, ask "czy chodzi o ...?" when unsure.

Confidence bands (``EngineConfig.answer_threshold`` / ``clarify_threshold``, defaults from ``dialog.kb``):
at or above the answer threshold the answer is given; between the two the caller is asked to confirm the
entry's first question (a yes/no turn); below, the KB has nothing and the turn is a miss.
"""

from __future__ import annotations

from dialog import catalogue as say
from dialog.engine_config import EngineConfig, Reply
from dialog.kb import KnowledgeBaseSearch
from dialog.session import Session


class KBStep:
    """KB turns; returns ``Reply`` values and records what was given in the session."""

    def __init__(self, kb: KnowledgeBaseSearch, config: EngineConfig) -> None:
        self.kb = kb
        self.config = config

    def _entry(self, entry_id: str | None) -> object | None:
        entries = getattr(self.kb, "entries", {})  # optional part of the KB: the confirm question
        return entries.get(entry_id) if entry_id else None

    @staticmethod
    def answer_text(answer: str) -> str:
        """What is said for a KB answer (also what the phone gateway pre-renders)."""
        return f"{answer} {say.ANYTHING_ELSE}"

    @staticmethod
    def _answer(s: Session, entry_id: str, answer: str) -> Reply:
        s.misses = 0
        s.kb_given.append(entry_id)
        return Reply("answer", KBStep.answer_text(answer), kb_id=entry_id, anything_else=True)

    def ask(self, s: Session, text: str) -> Reply | None:
        """A confident answer, or 'czy chodzi o ...?' for a plausible one, or None (a miss)."""
        matches = self.kb.search(text, k=3)
        if not matches or matches[0].confidence < self.config.clarify_threshold:
            return None
        best = matches[0]
        if best.confidence >= self.config.answer_threshold:
            return self._answer(s, best.entry_id, best.answer)
        questions = getattr(self._entry(best.entry_id), "questions", None)
        if not questions:
            return None
        s.offer, s.offer_value = "kb", best.entry_id
        return Reply("clarify", KBStep.confirm_text(questions[0]), expects="yes_no")

    @staticmethod
    def confirm_text(question: str) -> str:
        """ "Czy chodzi o to: ..." for an entry's first question (also pre-rendered by the phone gateway)."""
        if len(question) > 1 and not question[1].isupper():  # "Ile trwa ..." -> "ile trwa ...", not "BLIK"
            question = question[0].lower() + question[1:]
        return say.KB_CONFIRM.format(question=question)

    def confirmed(self, s: Session) -> Reply | None:
        """'Tak' to "czy chodzi o ...?": the entry's answer (None if the entry is gone)."""
        answer = getattr(self._entry(s.offer_value), "answer", None)
        if not isinstance(answer, str) or s.offer_value is None:
            return None
        return self._answer(s, s.offer_value, answer)
