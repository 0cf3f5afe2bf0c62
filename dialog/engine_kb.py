"""The knowledge-base part of the dialog: answer when sure, ask "czy chodzi o ...?" when unsure.

Confidence bands (``EngineConfig.thresholds``: the KB's calibrated bands unless set explicitly): at or
above the answer threshold the answer is given; between the two the caller is asked to confirm the
entry's first question (a yes/no turn); below, the KB has nothing and the turn is a miss.

After a first miss the two nearest entries are offered when the nearest reaches the KB's suggest band
("czy chodzi o to: A, czy o to: B?"), and the next turn may pick one ("to drugie", a key, the topic in other
words): that offer and its replies are ``dialog.engine_kb_choice`` (``KBStep.choice``). Fixed examples of
the KB name the right topic far less often.

Context: a short follow-up ("a ile to kosztuje?") is searched together with the topic of the previous KB
turn (``Session.topic``: what the caller said then), and that reading wins when it reaches the confirm
band: "to" refers to the previous topic, not to whatever entry mentions a price. Unless the turn alone is
sure of another entry and the context reading is not clearly better (``CONTEXT_CLEARLY_BETTER``): "na jakie
konto przelać ten podatek" asks something new about the same topic, not the previous answer again.
"""

from __future__ import annotations

from dialog import catalogue as say
from dialog.engine_config import EngineConfig, Reply
from dialog.engine_intents import after_preamble, asks_an_aspect, is_follow_up, only_numbers
from dialog.engine_kb_choice import KBChoice, answer_text, give_answer, kb_entry, spoken_question
from dialog.engine_text import lemma, words
from dialog.kb import KBMatch, KnowledgeBaseSearch
from dialog.session import Session


class KBStep:
    """KB turns; returns ``Reply`` values and records what was given in the session."""

    def __init__(self, kb: KnowledgeBaseSearch, config: EngineConfig) -> None:
        self.kb = kb
        self.config = config
        self.answer_threshold, self.confirm_threshold = config.thresholds(kb)
        # the KB's suggest band (``HybridKB``); a KB without one, or a confirm band set below it, offers none
        self.suggest_threshold = min(float(getattr(kb, "suggest_threshold", 1.0)), self.confirm_threshold)
        self._chosen: dict[str, tuple[str, ...]] = {}  # the miss re-prompt's examples, by the example before them
        self.choice = KBChoice(kb, self.answer_threshold, self.confirm_threshold, self.suggest_threshold)

    @property
    def examples(self) -> tuple[str, ...]:
        """The KB's two examples (``_examples``), none of them on the order example's topic."""
        return self._examples("")

    def _examples(self, after: str) -> tuple[str, ...]:
        if after not in self._chosen:
            self._chosen[after] = self._choose_examples(after)
        return self._chosen[after]

    def _choose_examples(self, after: str) -> tuple[str, ...]:
        """Two questions the KB answers, suggested after a miss ("na przykład: …"): each entry's shortest
        question (a spoken example must be short), the first entry's, then the next one sharing no word with
        it, its id or tags ("ile trwa dostawa" and "ile kosztuje dostawa" teach a caller less than one about
        returns).
        The KB's own order of entries decides, so an operator puts the most asked topics first."""
        entries = getattr(self.kb, "entries", {}).values()  # optional part of the KB port
        chosen: list[str] = []
        seen = _stems(after)  # ``after``: an example said first ("gdzie jest moja paczka"), on its own topic
        for entry in entries:
            questions = getattr(entry, "questions", None)
            if not questions or len(chosen) == 2:
                continue
            question = min(questions, key=lambda q: len(q.split()))
            labels = " ".join([question, *getattr(entry, "tags", ()), str(getattr(entry, "id", "")).replace("-", " ")])
            stems = _stems(labels)  # the id and tags name the topic too
            if (not chosen and not after) or not stems & seen:
                chosen.append(spoken_question(question))
                seen |= stems
        return tuple(chosen)

    def clarify(self, misses: int, orders: bool, written: bool = False) -> str:
        """The re-prompt after a miss, with the KB's examples (an order question first where orders exist);
        ``written``: the chat's wording."""
        first = say.ORDER_QUESTION_EXAMPLE if orders else ""
        examples = [first, *self._examples(first)] if first else list(self.examples)
        return say.clarify(misses, examples[:2], written)

    def phrases(self, orders: bool) -> list[str]:
        """The KB's replies said word for word (each answer, each confirm question, the miss re-prompt)."""
        texts: list[str] = []
        for entry in getattr(self.kb, "entries", {}).values():  # optional part of the KB port
            answer, questions = getattr(entry, "answer", None), getattr(entry, "questions", None)
            if isinstance(answer, str):
                texts.append(answer_text(answer))
            if questions:
                texts.append(self.confirm_text(questions[0]))
        return [*texts, self.clarify(1, orders)]  # the re-prompt with this KB's examples

    def best(self, text: str) -> KBMatch | None:
        """The best entry for ``text``; below the answer band, the question after a preamble may do better.
        None for a turn of numbers only (``only_numbers``)."""
        if only_numbers(text):
            return None
        matches = self.kb.search(text, k=1)
        best = matches[0] if matches else None
        rest = after_preamble(text) if best is None or best.confidence < self.answer_threshold else None
        if rest is not None:
            again = self.kb.search(rest, k=1)
            if again and (best is None or again[0].confidence > best.confidence):
                return again[0]
        return best

    def sure_match(self, text: str) -> KBMatch | None:
        """The entry the KB is sure of (answer band) for ``text`` alone, else None: what an emergency's caller may
        hear beside the emergency advice (``dialog.engine_urgent``); never a guess, never read with an earlier
        topic."""
        best = self.best(text)
        return best if best is not None and best.confidence >= self.answer_threshold else None

    def questions(self, entry_id: str) -> list[str]:
        """The questions the operator wrote for ``entry_id``: what the entry is about."""
        return list(getattr(kb_entry(self.kb, entry_id), "questions", None) or [])

    def understood(self, s: Session, text: str) -> tuple[KBMatch | None, str]:
        """The best entry for this turn, read in the context of the previous topic when it is a follow-up;
        and the text that found it (the next topic). A follow-up that only asks for an aspect ("czy to coś
        kosztuje?") is never answered from its own words, which say "cost" and nothing about what."""
        best = self.best(text)
        if not (s.topic and is_follow_up(text)):
            return best, text
        together, aspect = f"{s.topic} {text}", asks_an_aspect(text)
        in_context = self._in_context(text, s.topic)
        if in_context and in_context.confidence >= self.answer_threshold:
            if not aspect and self._stands_alone(best, in_context):
                return best, text  # "na jakie konto przelać ten podatek" after the payment dates: the account
            return in_context, together
        if not aspect and best is not None and best.confidence >= self.answer_threshold:
            return best, text  # a new topic said in full: "a jak zablokować kartę SIM?"
        last = s.kb_given[-1] if s.kb_given else None
        plausible = in_context is not None and in_context.confidence >= self.confirm_threshold
        if plausible and in_context is not None and in_context.entry_id != last:
            return in_context, together  # "czy chodzi o…?" another entry, the aspect's own
        again = self.kb.search(together, k=1) if aspect and last else []
        if again and again[0].entry_id == last and again[0].confidence >= self.answer_threshold:
            return again[0], together  # the entry just given, again: its answer is what the KB has
        if plausible:
            return in_context, together
        return (None if aspect else best), text

    def _stands_alone(self, alone: KBMatch | None, in_context: KBMatch) -> bool:
        """The turn read alone names another entry at the answer band and the context reading is not
        clearly better: "ten"/"to" in a turn that says what it wants refers to the topic, it does not ask
        the previous entry again (a walkthrough: the account number after the payment dates, 0.963 alone
        against 0.922 for the dates read with the previous question)."""
        if alone is None or alone.entry_id == in_context.entry_id or alone.confidence < self.answer_threshold:
            return False
        return in_context.confidence < alone.confidence + CONTEXT_CLEARLY_BETTER

    def _in_context(self, text: str, topic: str) -> KBMatch | None:
        in_context = getattr(self.kb, "search_in_context", None)  # optional part of the KB port
        matches = in_context(text, topic, k=1) if in_context else self.kb.search(f"{topic} {text}", k=1)
        return matches[0] if matches else None

    def ask(self, s: Session, text: str) -> Reply | None:
        """A confident answer, or 'czy chodzi o ...?' for a plausible one, or None (a miss)."""
        best, topic = self.understood(s, text)
        if best is None or best.confidence < self.confirm_threshold:
            return None
        if best.confidence >= self.answer_threshold:
            if topic == text and (choice := self.choice.two_close(s, text, best)) is not None:
                return choice
            s.topic = topic
            return give_answer(s, best.entry_id, best.answer)
        questions = getattr(kb_entry(self.kb, best.entry_id), "questions", None)
        if not questions:
            return None
        s.topic = topic
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
        answer = getattr(kb_entry(self.kb, s.offer_value), "answer", None)
        if not isinstance(answer, str) or s.offer_value is None:
            return None
        return give_answer(s, s.offer_value, answer)


# How much more confident the reading with the previous topic must be than a turn's own reading of another
# entry (both at the answer band) to win: a follow-up that names a new question gets that question's answer.
CONTEXT_CLEARLY_BETTER = 0.05


def _stems(text: str) -> set[str]:
    """The topic words of ``text``: lemmas of its words longer than three letters."""
    return {lemma(w) for w in words(text) if len(w) > 3}
