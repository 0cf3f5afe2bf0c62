"""A case only supposed ("czy jeśli pęknie rura i leje się woda, polisa to obejmuje?", "co zrobić, gdyby zalało
mieszkanie", "w razie pożaru gdzie jest wyjście ewakuacyjne"): what the caller asks about, not what happens.

Why: the urgent cues of ``dialog.escalation`` look at words, and a supposition names a flood or a fire in the
very words a caller in one uses. So the urgent reason is judged on what is told, the turn without its supposed
clauses: from "jeśli", "jeżeli", "gdyby", "w razie", "na wypadek", "w przypadku" to the clause's end (a
comma, a full stop, or a word that opens the next clause: "to", "bo", "a", "czy", "co", "gdzie" ...). What is
told beside a supposition stays ("pękła rura, leje się woda, co mam zrobić, jeśli nie mogę zakręcić zaworu"),
and so does a "jeśli" clause that tells a past event; "gdy" opens none ("gdy wróciłam, z sufitu leciała
woda", "gdy włączam kuchenkę, śmierdzi gazem": what happens).
"""

from __future__ import annotations

import re

from dialog.engine_text import fold, lemma

# Not "gdy": "gdy włączam kuchenkę, śmierdzi gazem" tells what happens (a review: emergencies lost).
_ONE = frozenset({"jesli", "jezeli", "gdyby", "jeslibym", "jezelibym"})
_TWO = frozenset({("w", "razie"), ("na", "wypadek"), ("w", "przypadku")})
_ALWAYS = frozenset({"gdyby", "razie", "wypadek", "przypadku"})  # "gdyby zalało": a past form, still supposed
# Words that open the next clause when the caller (or speech recognition) left out the comma.
_NEXT = frozenset(
    {"to", "bo", "a", "ale", "ze", "czy", "co", "kto", "gdzie", "jak", "kiedy", "ile", "jaki", "jaka", "jakie"}
)
# A supposition about the call itself, ended by its verb ("jeśli możecie", "gdyby pani mogła", "jeśli dobrze
# słyszę", "gdyby ktoś pytał", "jeśli pani pozwoli", "jeśli się nie mylę"): what follows is told ("... mama nie
# oddycha").
_CALL_LEMMAS = frozenset(
    {"moc", "pozwolic", "slyszec", "widziec", "pytac", "rozumiec", "chciec", "mylic", "pamietac", "orientowac"}
)
_CALL_WORDS = frozenset({"moze", "mozna", "wolno"})
# "w razie czego": just in case, nothing supposed; "w przypadku mojej mamy": a person, not a case.
_JUST_IN_CASE = frozenset({"czego"})
_MINE = frozenset({"mojego", "mojej", "moich", "mego", "mej", "naszego", "naszej", "naszych"})
# A supposition no comma ends is set aside only when short ("w razie pożaru | gdzie", "jeśli pęknie rura | to"):
# a longer one may hold the emergency itself ("jeśli ma pani chwilę dziecko się dusi | co robić", a review).
_MAX_UNMARKED = 4
_CLAUSES = re.compile(r"[,.;:!?]+")
_WORD = re.compile(r"\w+")
_PAST = ("lismy", "lysmy", "lem", "lam", "las", "les", "l", "la", "lo", "li", "ly")


def _past(word: str) -> bool:
    """A verb in the past tense ("wróciłam", "leciała", "pękła"), not a present one ending alike ("działa"):
    what is left before the -ł- ending is the infinitive's stem ("wróci-ć", "lecia-/lecie-ć", "pęk-nąć")."""
    folded, base = fold(word), lemma(word)
    if not base.endswith("c") or folded == base:
        return False
    for end in _PAST:
        stem = folded.removesuffix(end)
        if stem != folded and stem:
            return stem == base[:-1] or stem[:-1] == base[:-2] or (base.endswith("nac") and stem == base[:-3])
    return False


def _infinitive(word: str) -> bool:
    """'zakręcić', 'przyjechać': what a modal asks for ("jeśli możecie przyjechać"), where a supposition ends
    when the comma after it is left out ("jeśli możecie przyjechać pali się w kuchni")."""
    folded = fold(word)
    return len(folded) > 3 and folded.endswith("c") and lemma(word) == folded


def _about_call(word: str) -> bool:
    """'możecie', 'pozwoli', 'słyszę': the verb of a supposition about the call, not about a case."""
    return lemma(word) in _CALL_LEMMAS or fold(word) in _CALL_WORDS


def _span_end(raw: list[str], folded: list[str], i: int, span: int) -> int:
    """Where the supposition at ``i`` ends: at a word that opens the next clause, after an infinitive ("jeśli
    możecie przyjechać"), after the verb of one about the call ("jeśli możecie | pali się garaż": a review, such
    an emergency was set aside up to the next clause word), after "w razie czego" or a person named ("w
    przypadku mojej mamy | ona upadła")."""
    end = i + span
    if span == 2 and end < len(raw) and folded[end] in _JUST_IN_CASE:
        return end + 1
    if span == 2 and end < len(raw) and folded[end] in _MINE:
        return min(len(raw), end + 2)
    while end < len(raw) and folded[end] not in _NEXT:
        end += 1
        if _infinitive(raw[end - 1]):
            break
        if _about_call(raw[end - 1]):
            after = end + 1 if end < len(raw) and folded[end] == "sie" else end
            return after + 1 if after < len(raw) and _infinitive(raw[after]) else end
    return end


def _supposed_end(raw: list[str], folded: list[str], i: int, span: int, alone: bool) -> tuple[int, int]:
    """(end, marker length) of the supposition at ``i``. "na wypadek gdyby …" is one marker; "w razie pożaru"
    with no comma after it supposes the case its noun names, not the rest ("czy w razie pożaru w bloku woda jest
    wyłączana": a review, the rest was no longer set aside once a long supposition with no comma is kept)."""
    if span == 2 and i + 2 < len(raw) and folded[i + 2] in _ONE:
        return _span_end(raw, folded, i + 2, 1), 3
    end = _span_end(raw, folded, i, span)
    written_end = end == len(raw) and not alone
    if span == 2 and not written_end and end - i - span > _MAX_UNMARKED:
        return i + 3, 2
    return end, span


def _marker(folded: list[str], i: int) -> int:
    """How many words the supposition marker at ``i`` spans (0: none)."""
    if folded[i] in _ONE:
        return 1
    return 2 if i + 1 < len(folded) and (folded[i], folded[i + 1]) in _TWO else 0


def _told_clause(clause: str, alone: bool) -> str:
    """The clause without its supposed part; a "jeśli" part that tells a past event is kept, and so is one that
    would be the whole turn (``alone``: no comma or clause word ends it, so where it ends is not known: "gdyby
    ktoś pytał pali się u sąsiada" is told, a review), or longer than ``_MAX_UNMARKED`` words with no comma."""
    raw = _WORD.findall(clause)
    folded = [fold(w) for w in raw]
    kept: list[str] = []
    i = 0
    while i < len(raw):
        span = _marker(folded, i)
        if not span:
            kept.append(raw[i])
            i += 1
            continue
        end, span = _supposed_end(raw, folded, i, span, alone)
        part = raw[i:end]
        written_end = end == len(raw) and not alone  # a comma or a full stop the caller wrote ends it
        if (
            (not written_end and end - i - span > _MAX_UNMARKED)
            or (alone and i == 0 and end == len(raw))
            or (folded[i + span - 1] not in _ALWAYS and any(_past(w) for w in part[span:]))
        ):
            kept.extend(part)  # "gdy wróciłam do domu": it happened
        i = end
    return " ".join(kept)


def told_part(text: str) -> str:
    """``text`` without its supposed clauses, clause by clause joined with commas; ``text`` itself if none."""
    clauses = [c for c in _CLAUSES.split(text) if c.strip()]
    told = [_told_clause(c, len(clauses) == 1) for c in clauses]
    if all(t.split() == _WORD.findall(c) for t, c in zip(told, clauses, strict=True)):
        return text
    return ", ".join(t for t in told if t)
