"""Hiding told as play: a game of hide-and-seek, a present hidden from a relative, a surprise party.

Why apart: "chcę schować prezent dla męża, żeby go nie znalazł", "bawimy się w chowanego, ktoś chodzi po domu
i mnie szuka", "schowaliśmy się, żeby zrobić mężowi niespodziankę, ktoś już wchodzi do domu" sit beside a caller
hiding from an intruder by meaning and by the intruder rules (urgent on every KB). The calm reading needs an
explicit word of a game, a present or a surprise (not negated: "to nie jest zabawa"), and no word of danger
beside it: a stranger, a break-in, a weapon, a threat, violence, fire, fear or a cry for help, so an intruder
told beside a game ("bawimy się w chowanego, a przez okno wszedł ktoś obcy") stays urgent.
"""

from __future__ import annotations

from collections.abc import Sequence

from dialog.engine_cues import Token, term, term_positions

# A game, a present, a surprise: what explains hiding and someone looking for the caller.
_PLAY = term(
    "chowanego|zabaw|bawim|bawie|bawia|bawil|=gramy|=gram =w|=gra =w|=gra =z|niespodzian|prezent|upomin|podarun"
)
# Hiding a thing or oneself.
_HIDE = term("chowanego|schow|=chowam|chowamy|chowac|chowal|chowa =sie|=ukryc|ukryl|ukryj|ukrywam|ukrywamy")
# Danger told beside the play: the intruder rules and meaning judge such a turn as before.
_DANGER = term(
    "obc|nieznajom|nieznan|intruz|wlam|zlodzie|wywaz|szarp|dobija|skrada|wybil|wybij|wytrych|prob =otworzyc"
    "|probuj =otworzyc|probowal =otworzyc|usiluj|=noz|=noza|nozem|siekier|=bron|=bronia|pistolet|grozi|grozb"
    "|napad|napas|=bije|=bija|pobil|uderz|krzycz|pijan|agresyw|porwa|=krew|krwi|=pali|pozar|=ogien|=dym|=gaz"
    "|=gazu|nieprzytom|oddych|ratunk|=pomocy|policj|=112|=boje|=boimy|przeraz|=strach|=nie =znam|=nie =wiem =kto"
    "|utkn|zatrzas|uwiez|zaklinow|lodowk|bagaznik|dusi|udusi|spadl|zlama|krwaw|polkn|=nie =rusza|zagin|zgubil"
    "|=nie =mozemy =go|=nie =moge =go|=od =godziny|zemdl|=zawal"
)
# A thing hidden as a present: the one reading calm enough to overrule meaning. A game or a surprise party told
# beside someone who walks about is left to meaning (a review: "bawił się w chowanego i utknął w starej lodówce"
# had gone calm on every KB when any play word overruled it).
_GIFT = term("prezent|upomin|podarun")


def _played(toks: Sequence[Token]) -> bool:
    """A word of play not negated ("to nie jest zabawa", "to nie gra" tell the opposite)."""
    return any("nie" not in {t.form for t in toks[max(0, i - 2) : i]} for i in term_positions(_PLAY, toks))


def play_explains(toks: Sequence[Token]) -> bool:
    """A game, a present or a surprise told, and no danger beside it: whoever walks about, looks for the caller
    or comes in is part of it ("bawimy się w chowanego i ktoś chodzi po domu i nas szuka")."""
    return _played(toks) and not term_positions(_DANGER, toks)


def hidden_for_play(toks: Sequence[Token]) -> bool:
    """A present hidden, no danger told ("chcę schować prezent, żeby dzieci nie znalazły"): near a caller hiding
    from an intruder by meaning, but calm. Only a present overrules meaning (``_GIFT``)."""
    return bool(term_positions(_HIDE, toks)) and bool(term_positions(_GIFT, toks)) and play_explains(toks)
