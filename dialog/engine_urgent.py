"""Which KB answer an emergency's caller hears beside the emergency advice (``Transfer.answer``), if any.

Why a rule of its own: the KB's sure answer for an emergency's words may be for an entry those words only look
like. "Z sufitu leci woda" was sure of how brown tap water clears (a water utility's walkthrough, confidence
0.79 against 0.89-0.93 for right entries, so no threshold tells them apart). What tells them apart is what the
entry is about and what the caller asked:

* an entry about protection or reporting ("Jak zablokować kartę SIM?", "Jak zgłosić awarię?") helps whoever
  is in the emergency (``dialog.escalation_kinds.protects``);
* an entry written for such an emergency, whose own questions are one ("Ukradli mi komórkę, co robić?");
* what the caller asked apart from the emergency, in a clause of its own ("Ukradli mi telefon, chcę zamówić
  duplikat karty SIM"): the KB is sure of the same entry for that clause alone; not where a life is at risk
  (fire, gas, a blast: how to change a tariff is no help there), not for a fraud's or a takeover's victim
  (the how-to may be the very thing done against them: ``dialog.escalation_kinds.victim``).

Anything else, an entry the emergency's words resemble (brown water, installing the dishwasher that flooded
the kitchen, collecting a new ID card), is not said: the person the call goes to takes it.
"""

from __future__ import annotations

from dialog.engine_kb import KBStep
from dialog.engine_text import clause_numbers, fold, words
from dialog.engine_understand import is_question
from dialog.escalation import urgent_cue
from dialog.escalation_kinds import danger_to_life, protects, victim

_REQUEST = frozenset({"chce", "chcialbym", "chcialabym", "potrzebuje", "prosze", "poprosze", "podajcie", "prosimy"})


def asked_apart(text: str) -> str:
    """The clauses of ``text`` that ask something (a question, "chcę", "proszę") and tell no emergency
    themselves, joined; "" when none ("z sufitu leci woda", one clause, asks nothing apart)."""
    ws, numbers = words(text), clause_numbers(text)
    clauses = [" ".join(w for w, n in zip(ws, numbers, strict=True) if n == c) for c in sorted(set(numbers))]
    if len(clauses) < 2:
        return ""
    asked = [c for c in clauses if _asks(c) and not urgent_cue(c)]
    return " ".join(asked) if len(asked) < len(clauses) else ""


def _asks(clause: str) -> bool:
    return is_question(clause) or any(w in _REQUEST for w in fold(clause).split())


def urgent_answer(step: KBStep, text: str) -> str | None:
    """The KB's sure answer to say after the emergency advice for ``text``, or None (module docstring)."""
    best = step.sure_match(text)
    if best is None:
        return None
    questions = step.questions(best.entry_id)
    if protects(questions):
        return best.answer
    if victim(text):
        return None
    if any(urgent_cue(q) for q in questions):
        return best.answer
    asked = "" if danger_to_life(text) else asked_apart(text)
    apart = step.sure_match(asked) if asked else None
    return best.answer if apart is not None and apart.entry_id == best.entry_id else None
