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
  requests for a human, offers, anything found by meaning, indignation ("ile można czekać!") and danger
  to someone's life or health ("syn połknął kartę SIM, co robić?") stay.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from dialog.diacritics import known_share, new_known_words
from dialog.engine_cues import term, term_positions, tokens
from dialog.engine_intents import is_line_check, is_not_that, mostly_number, only_courtesy
from dialog.engine_text import fold
from dialog.escalation import PRECEDENCE, declines_human, detect_reasons, urgent_cue
from dialog.escalation_kinds import accuses_you, asks_how_only, danger_to_life, may_be_an_outage, protects, victim
from dialog.escalation_leaks import leak_asked
from dialog.escalation_meaning import EscalationMeaning
from dialog.escalation_play import hidden_for_play
from dialog.escalation_scams import card_used_now
from dialog.escalation_supposed import told_part
from dialog.escalation_symptoms import attack_history, toothache_only
from dialog.escalation_water import device_drowned, spilled, water_damage, water_damage_over, water_flowing_now
from dialog.kb import KBMatch, KnowledgeBaseSearch
from dialog.mood import mood, without_insults
from dialog.ports import Reason

# A question word opening the turn or a clause ("pralka się zepsuła, gdzie ją naprawić"); mid-clause
# "który"/"co" are relative pronouns ("telewizor, który kupiłem, jest zepsuty"), so they do not count.
_QUESTION = re.compile(
    r"(^|[,;.:]\s*|\b(a|i|to|no)\s+)(jak|gdzie|czy|kiedy|ile|kto|komu|dlaczego|jaki|jaka|jakie|skad|co)\b"
)
# Not "bezpiecznik": a fuse is live wiring, no protection asked about ("zamókł bezpiecznik, co robić?").
_PROTECTION = term(
    "czujnik|zabezpiecz|ubezpiecz|gasnic|ochron|zapobieg|bezpieczn!bezpiecznik|=alarm|alarmu|alarmy|chronic|chroni"
    "|uchron|rozpozn|uniknac|unikac|ustrzec"
)
_ANSWERABLE: frozenset[Reason] = frozenset({"complaint", "urgent"})  # by cues, in a question the KB answers
# Meaning is trusted when at least half the words are words: every escalation case of the tune data scores
# 0.67 or more ("powerbank spuchł i syczy"), garbled phone recognition of everyday talk 0.0-0.4.
LEGIBLE = 0.5


def floods(text: str) -> bool:
    """Water damage happening now (``dialog.escalation_water``): urgent even in a question the KB answers
    ("pękła rura, gdzie zgłosić awarię?"); the KB's answer about it is said beside the advice instead."""
    return water_damage(tokens(text))


def is_question(text: str) -> bool:
    """A question word anywhere ("pralka się zepsuła, gdzie ją naprawić") or a question mark."""
    return text.rstrip().endswith("?") or _QUESTION.search(fold(text).strip()) is not None


def cue_reasons(text: str, previous: Sequence[str] = ()) -> list[Reason]:
    """The word cues' reasons, except urgent in a calm question about protection ("czy macie czujniki
    gazu?"): there the danger word names what the caller wants protection from; meaning decides. Not where
    water is flowing now ("rura pękła i tryska woda, czy ubezpieczenie to pokryje?"): the flood comes first.
    Urgent is judged on what is told, a supposed case aside (``dialog.escalation_supposed``)."""
    found = detect_reasons(text, previous)
    told = told_part(text)  # "co zrobić, gdyby zalało mieszkanie": urgent judged on "co zrobić"
    if told != text and "urgent" in found and "urgent" not in detect_reasons(told, previous):
        found = [r for r in found if r != "urgent"]
    toks = tokens(told)
    protection = is_question(text) and bool(term_positions(_PROTECTION, toks)) and not water_flowing_now(toks)
    if "urgent" in found and protection and mood(text, previous) != "angry":
        return [r for r in found if r != "urgent"]
    return found


class Understanding:
    """The escalation decision of one turn; ``meaning`` None = cues only (no embedding model)."""

    def __init__(
        self,
        kb: KnowledgeBaseSearch,
        meaning: EscalationMeaning | None,
        kb_threshold: float,
        answer_threshold: float = 1.0,
    ) -> None:
        self.kb = kb
        self.meaning = meaning
        self.kb_threshold = kb_threshold  # KB confidence at which a question is the KB's, not a human's
        self.answer_threshold = answer_threshold  # ... and a statement of a failure (1.0: never)
        self._names: frozenset[str] | None = None  # the KB's names, words the dictionary lacks (on first use)

    def reasons(self, text: str, previous: Sequence[str] = ()) -> list[Reason]:
        """Every reason to transfer, most important first, after the guards above."""
        by_cues = cue_reasons(text, previous)
        by_meaning = self._by_meaning(text, by_cues)
        found = sorted(set(by_cues) | set(by_meaning), key=PRECEDENCE.index)
        if not found:
            return found
        if not is_question(text):
            return self._statement(text, found, by_meaning)
        answerable = {r for r in found if r in _ANSWERABLE and r not in by_meaning}
        ongoing = danger_to_life(text) or floods(text) or card_used_now(tokens(text))
        if "urgent" in answerable and (mood(text, previous) == "angry" or ongoing):
            answerable.discard("urgent")  # indignation, someone in danger, water flooding, a card used now: no how-to
        if not answerable:
            return found
        best = self.kb.search(text, k=1)  # one search read twice: whether its entry protects, and is sure enough
        if "urgent" in answerable and victim(text) and not self._kb_protects(best):
            answerable.discard("urgent")  # a fraud's victim asking "jak odzyskać pieniądze?": not the refund how-to
        if not answerable or not self._kb_answers(best):
            return found
        return [r for r in found if r not in answerable]

    def _by_meaning(self, text: str, by_cues: Sequence[Reason]) -> list[Reason]:
        """The net for what the cues miss, when they found nothing. Not beside a reason the cues found: a
        complaint's words sit near a danger by meaning ("telewizor ma zbite szkło" would be urgent), so a danger
        said beside a complaint needs its own cue ("lekarz był niemiły, a mama straciła przytomność": the
        cues of fainting, fits, breathlessness; a review). "tak", "dziękuję" are too short to judge by meaning
        and cost no embedding, a spoken order number is not words ("piec siedem dwa"), and garbled recognition
        ("ulubianem sosendopicy") sits near everything by meaning."""
        words = len(tokens(text))
        if self.meaning is None or by_cues or words < 3 or not self._judged_by_meaning(text):
            return []
        close = self.meaning.closeness(text, getattr(self.kb, "best_similarity", None))
        found = [r for r in self.meaning.detect(close, words) if r != "requested_human" or not declines_human(text)]
        if "urgent" in found and not self._told_urgent(text):
            found.remove("urgent")
        toks = tokens(text)  # a flood over, "po zawale", "zalało mi telefon" (a repair), a privacy question
        over = water_damage_over(toks) or attack_history(toks) or device_drowned(toks) or spilled(toks)
        over = over or leak_asked(toks) or toothache_only(toks) or hidden_for_play(toks)
        if over or asks_how_only(text):  # "jak hodować pomidory w piwnicy": near an emergency, none told
            return [r for r in found if r != "urgent"]
        return found

    def _told_urgent(self, text: str) -> bool:
        """Urgent by meaning in what is told, a supposed case aside ("w razie pożaru gdzie jest wyjście"
        is judged as "gdzie jest wyjście"); the turn itself when it supposes nothing. What is told that opens
        with a question word asks about the case supposed, tells none (a short question sits near anything)."""
        told = told_part(text)
        if told == text:
            return True
        words = len(tokens(told))
        asks = _QUESTION.match(fold(told).strip()) is not None  # "gdyby zalało łazienkę, kto pokrywa szkody"
        if self.meaning is None or words < 3 or asks or not self._judged_by_meaning(told):
            return False
        close = self.meaning.closeness(told, getattr(self.kb, "best_similarity", None))
        return "urgent" in self.meaning.detect(close, words)

    def anger_only(self, text: str, previous: Sequence[str] = ()) -> bool:
        """Urgent for the caller's anger alone: no danger, threat or fraud in the words, nor by meaning
        (an emergency shouted in words the cues lack still hears the 112 advice)."""
        if mood(text, previous) != "angry":
            return False
        rest = without_insults(text)  # "jesteście złodziejami" names the company, no theft: judged without it
        if urgent_cue(rest) or danger_to_life(rest):
            return False
        if accuses_you(rest):  # "Ukradliście mi pieniądze, złodzieje!": a theft by meaning, the company's by its words
            return True
        if self.meaning is None or len(tokens(rest)) < 3 or not self._judged_by_meaning(rest):
            return True
        close = self.meaning.closeness(rest, getattr(self.kb, "best_similarity", None))
        return "urgent" not in self.meaning.detect(close, len(tokens(rest)))

    def _statement(self, text: str, found: list[Reason], by_meaning: list[Reason]) -> list[Reason]:
        """A statement of an outage ("Nie działa mi internet", word for word a telecom KB's question) is the
        KB's when the KB is sure of an entry the operator wrote about something not working: a complaint
        found by the cues that is only "nie działa" gives way. "Słuchawki nie działają" in a shop whose KB
        has no such entry, "reklamacja", damage, and anything found by meaning stay a complaint."""
        if found != ["complaint"] or "complaint" in by_meaning or not may_be_an_outage(text):
            return found
        matches = self.kb.search(text, k=1)
        if not matches or matches[0].confidence < self.answer_threshold:
            return found
        entry = getattr(self.kb, "entries", {}).get(matches[0].entry_id)
        questions = getattr(entry, "questions", None) or []
        return [] if any(may_be_an_outage(q) or "awari" in fold(q) for q in questions) else found

    def _judged_by_meaning(self, text: str) -> bool:
        """Not numbers ("piec siedem dwa"), not garbled recognition (it sits near everything by meaning),
        not courtesy alone ("dziekuje do widzenia"), not "halo, słychać mnie?" and not "to nie to" about the
        last answer."""
        if mostly_number(text) or only_courtesy(text) or is_line_check(text):
            return False
        if is_not_that(text) and len(tokens(text)) <= 8:
            return False
        return self._legible(text)

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

    def _kb_protects(self, matches: Sequence[KBMatch]) -> bool:
        """The KB's best entry (``matches``: its search of the turn) is about blocking, reporting or a password
        (``protects``): a victim's how-to question it may answer instead of a transfer ("jak zablokować kartę SIM
        po kradzieży?")."""
        entry = getattr(self.kb, "entries", {}).get(matches[0].entry_id) if matches else None
        return protects(getattr(entry, "questions", None) or [])

    def _kb_answers(self, matches: Sequence[KBMatch]) -> bool:
        """The KB's best entry (its search of the turn) is sure enough to answer the question instead."""
        return bool(matches) and matches[0].confidence >= self.kb_threshold
