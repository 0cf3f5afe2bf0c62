"""A leak of the caller's data: urgent when told as something that happened to them ("wyciekły moje dane") or
that someone uses now ("moje hasło wyciekło i ktoś loguje się na konto"); calm when asked about as a topic ("czy
był u was wyciek danych?", "jak chronicie dane przed wyciekiem", "czy moje dane wyciekły w incydencie z zeszłego
roku").

Why apart from the cue table of ``dialog.escalation``: "wyciek" alone was its cue, and a privacy question names
a leak as often as a victim does; what tells them apart is the order (a question word before the leak asks about
one, "wyciekły moje dane, co robić?" tells one first), the frame (news, a policy, prevention, last year) and
whether harm is told beside it (a loan, a log-in, someone using the data), which keeps any wording urgent.
"""

from __future__ import annotations

from collections.abc import Sequence

from dialog.engine_cues import Token, term, term_positions

_LEAK = term("wyciek")
# Water, a pipe, a radiator: ``dialog.escalation_water``'s leak, not one of data.
_WATER = term("=woda|=wody|=wode|=wodzie|=rura|=rury|=rur|rurze|kaloryf|grzejnik|wodomierz|kanaliz")
# Harm from the leak told beside it: someone uses the data, a loan or money taken, an account taken over.
_HARM = term(
    "=ktos|=obcy|=nieznany|oszust|kredyt|pozyczk|chwilowk|zaciagn|zalogow|loguj|przejal|przejel|przejeli|wyplac"
    "|placi|=uzyl|=uzyla|uzywa|wykorzyst|podszyw|wyludz|zamawia|zamowil|zalozyl|wlamal|zniknel|znikn|kradn|ukradl"
)
_ASKS = frozenset({"czy", "jak", "jakie", "jaki", "jaka", "jakich", "gdzie", "kiedy", "co", "ile", "kto", "skad"})
# A leak as a topic: news heard, a policy, prevention, a case that is over or only supposed.
_TOPIC = term(
    "slysz|wiadomosc|artykul|mediach|gazet|internecie =pisza|polityk|regulamin|rodo|incydent|zeszl|ubiegl|=temu"
    "|kiedys|=zeby|=aby|=przed =wyciek|chroni|zabezpiecz|zapobieg|=w =razie|=na =wypadek|=w =przypadku|=jesli"
    "|=jezeli|=gdyby|sprawdz"
)


def data_leak(toks: Sequence[Token]) -> bool:
    """Data leaked to the caller's harm: told (no question word before the leak, no topic frame) or with a
    harm told beside it, whatever the frame; never a water leak."""
    leaks = term_positions(_LEAK, toks)
    if not leaks or term_positions(_WATER, toks):
        return False
    if term_positions(_HARM, toks):
        return True
    asked = any(t.form in _ASKS for t in toks[: leaks[0]])
    return not asked and not term_positions(_TOPIC, toks)


def leak_asked(toks: Sequence[Token]) -> bool:
    """A data leak named only as a topic ("czy był u was wyciek danych?"): no emergency, however near a leak
    that harms someone it sits by meaning."""
    return bool(term_positions(_LEAK, toks)) and not term_positions(_WATER, toks) and not data_leak(toks)
