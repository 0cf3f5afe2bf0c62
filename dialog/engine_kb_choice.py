"""Two KB topics offered ("czy chodzi o to: A, czy o to: B?") and the caller's pick of one.

Why apart from ``dialog.engine_kb``: the offer is its own small conversation with its own session state
(``offer == "kb_choice"``, the two ids, "which of them?" asked once) and its own ways to answer ("to
drugie", a key, the topic in other words, a plain "tak"); ``KBStep`` only decides when a turn leads to
it. The few entry helpers both need (an entry by id, its question said inside a sentence, its answer
given) live here too, so that ``engine_kb`` builds on this module and not the reverse.

After a first miss the two nearest entries are offered when the nearest reaches the KB's suggest band
(``suggest``); a short turn naming only a topic whose two nearest entries are both sure and about as near
is offered the two as well (``two_close``). The next turn may pick one (``pick``, ``choose``).
"""

from __future__ import annotations

from dialog import catalogue as say
from dialog.engine_config import Reply
from dialog.engine_intents import choice_index, declines_both, has_topic_words, only_numbers
from dialog.engine_text import words
from dialog.kb import KBMatch, KnowledgeBaseSearch
from dialog.session import Session

# A turn of at most this many words naming only a topic ("dowód osobisty") whose two nearest entries are within
# SHORT_TURN_CLOSE of each other, both at the answer band, is offered the two (``KBChoice.two_close``).
SHORT_TURN_WORDS = 2
SHORT_TURN_CLOSE = 0.05
_WHICH_ASKED = "which_asked"  # session slot: "which of them?" was asked after a plain "tak" to the offer


def kb_entry(kb: KnowledgeBaseSearch, entry_id: str | None) -> object | None:
    """The KB's entry ``entry_id`` (None when the KB keeps no entries or has none by that id)."""
    entries = getattr(kb, "entries", {})  # optional part of the KB: the confirm question
    return entries.get(entry_id) if entry_id else None


def spoken_question(question: str) -> str:
    """A KB question inside a sentence: "Ile trwa dostawa?" -> "ile trwa dostawa" ("BLIK" stays)."""
    question = question.strip().rstrip("?.!").strip()
    if len(question) > 1 and not question[1].isupper():
        question = question[0].lower() + question[1:]
    return question


def answer_text(answer: str) -> str:
    """What is said for a KB answer (also what the phone gateway pre-renders)."""
    return f"{answer} {say.ANYTHING_ELSE}"


def give_answer(s: Session, entry_id: str, answer: str) -> Reply:
    """The entry's answer, recorded in the session as given (and the misses before it forgiven)."""
    s.misses = 0
    s.kb_given.append(entry_id)
    return Reply("answer", answer_text(answer), kb_id=entry_id, anything_else=True)


class KBChoice:
    """The offer of two entries and the replies to it; returns ``Reply`` values, keeps its state in the session."""

    def __init__(
        self, kb: KnowledgeBaseSearch, answer_threshold: float, confirm_threshold: float, suggest_threshold: float
    ) -> None:
        self.kb = kb
        self.answer_threshold, self.confirm_threshold = answer_threshold, confirm_threshold
        self.suggest_threshold = suggest_threshold

    def suggest(self, s: Session, text: str) -> Reply | None:
        """The re-prompt after a first miss offering the two nearest entries, when the nearest is in the
        suggest band and the turn names something ("mam pytanie" does not); None: the fixed re-prompt."""
        if self.suggest_threshold >= self.confirm_threshold or only_numbers(text) or not has_topic_words(text):
            return None
        matches = self.kb.search(text, k=2)
        if len(matches) < 2 or matches[0].confidence < self.suggest_threshold:
            return None
        return self._offer(s, matches)

    def two_close(self, s: Session, text: str, best: KBMatch) -> Reply | None:
        """A turn of one or two words ("dowód", "podatek") whose two nearest entries are both at the answer
        band and about as near: the two are offered, as after a miss, rather than one of them at random (an
        office walkthrough: "dowod" got the pick-up of an ID card, one of four entries about it). No miss:
        the caller said a topic, the KB has more than one answer to it. None: answer as usual."""
        if len(words(text)) > SHORT_TURN_WORDS:
            return None
        matches = self.kb.search(text, k=2)
        if len(matches) < 2 or matches[0].entry_id != best.entry_id or matches[1].confidence < self.answer_threshold:
            return None
        if matches[0].confidence - matches[1].confidence > SHORT_TURN_CLOSE:
            return None
        return self._offer(s, matches)

    def _offer(self, s: Session, matches: list[KBMatch]) -> Reply | None:
        """ "Czy chodzi o to: A, czy o to: B?" for the two entries (None when one has no question to say)."""
        questions = [self._option(m.entry_id) for m in matches[:2]]
        if not questions[0] or not questions[1]:
            return None
        s.offer, s.offer_value = "kb_choice", "\t".join(m.entry_id for m in matches[:2])
        s.slots.pop(_WHICH_ASKED, None)
        text = say.worded("KB_SUGGEST", s.channel).format(first=questions[0], second=questions[1])
        return Reply("clarify", text, expects="choice")

    def pick(self, s: Session, text: str) -> Reply | None:
        """Words about the two topics offered, read before anything else: "pierwsze", "chodzi mi o to drugie",
        a key: that entry's answer; "żadne z nich", "nie": other words, please (no miss: the offer asked
        for either). None: the turn says something else."""
        index = choice_index(text)
        if index is None:
            return Reply("clarify", say.worded("KB_OTHER_WORDS", s.channel)) if declines_both(text) else None
        return self._picked(s, index)

    def choose(self, s: Session, text: str, answer: bool | None) -> Reply | None:
        """The reply to the two topics offered in other words: its nearest entry is one of the two, within
        the suggest band; a plain "tak" asks which (once). None: the turn goes on as any other."""
        offered = _offered(s)
        if answer is None and not only_numbers(text):  # "48213": an order, not a topic
            matches = self.kb.search(text, k=1)
            found = matches[0] if matches else None
            if found is not None and found.entry_id in offered and found.confidence >= self.suggest_threshold:
                return self._picked(s, offered.index(found.entry_id))
        if answer is True and len(offered) == 2 and not s.slots.get(_WHICH_ASKED):
            s.slots[_WHICH_ASKED] = "1"  # a second "tak" is a miss, not this question again
            first, second = (self._option(i) for i in offered)
            which = say.worded("KB_SUGGEST_WHICH", s.channel).format(first=first, second=second)
            return Reply("clarify", which, expects="choice")
        return None

    def _picked(self, s: Session, index: int) -> Reply | None:
        offered = _offered(s)
        answer = getattr(kb_entry(self.kb, offered[index]), "answer", None) if index < len(offered) else None
        if not isinstance(answer, str):
            return None
        s.slots.pop(_WHICH_ASKED, None)
        s.topic = self._question(offered[index])
        return give_answer(s, offered[index], answer)

    def _option(self, entry_id: str) -> str:
        """An entry as one of two spoken options: its first question when short and without a comma (two
        options with commas inside blur when heard), else its shortest such question."""
        questions = list(getattr(kb_entry(self.kb, entry_id), "questions", None) or ())
        if not questions:
            return ""
        first = questions[0]
        if "," in first or len(first.split()) > 8:
            first = min([q for q in questions if "," not in q] or questions, key=lambda q: len(q.split()))
        return spoken_question(first)

    def _question(self, entry_id: str) -> str:
        """An entry's first question as said inside a sentence ("" when the entry has none)."""
        questions = getattr(kb_entry(self.kb, entry_id), "questions", None)
        return spoken_question(questions[0]) if questions else ""


def _offered(s: Session) -> list[str]:
    """The two entry ids offered ("czy chodzi o to: A, czy o to: B?"), as ``suggest`` stored them."""
    return (s.offer_value or "").split("\t")
