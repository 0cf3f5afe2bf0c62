"""Intents about the caller's own order: its status, its address, a number the caller does not have.

Why apart from ``engine_intents``: only ``engine_orders`` (and the n-best chooser, to know which hypotheses
speak about an order) use them, and only where the operator configured an orders source.
"""

from __future__ import annotations

from dialog.engine_cues import term, term_positions, tokens
from dialog.engine_intents import is_follow_up

_ORDER_NOUN = term("zamowien|zamowil|zamowion|=paczka|paczk|paczce|przesylk|=status|=zakupy")
_ORDER_ASK = term(
    "=status|statusie|=gdzie|=co =sie =dzieje|=sprawdz|sprawdzi|=moj|=moje|=moja|=mojej|=mojego"
    "|=kiedy =przyjdzie|=kiedy =dotrze|=kiedy =dojdzie|=kiedy =bedzie|=kiedy =przyjedzie"
    "|=nie =przyszla|=nie =przyszlo|=nie =dotarla|=nie =dotarlo|=nie =doszla|=nie =dostalem|=nie =dostalam"
    "|=jeszcze =nie|=zamowilem|=zamowilam|=wyslane|=wyslaliscie|=na =jakim =etapie|=stan"
)
# Arrival and delivery words: "kiedy" or "gdzie" alone ("kiedy jesteście otwarci?") is no question about it.
_ORDER_FOLLOW_UP = term("dotrze|dotrz|przyjdzie|przyjd|dojdzie|dostane|dostan|dorecz|dostarcz|kurier|=status")
_NOT_STATUS = term("anul|zrezygn|wycof|zwrot|zwroc|=oddac|reklam|faktur|zaplac|platn|=zmienic|=zmiana|adres|koszt")
_ADDRESS = (term("zmien|zmian|=inny|=zly|=zle|popraw|przekier|pomylil|bledn|=nowy"), term("adres"))
_NOT_ADDRESS = term("faktur|rachun|=nip|mail|=konto|konta|firmy")
_NO_NUMBER = (
    term("=nie =mam|=nie =pamietam|=nie =znam|=nie =wiem|zgubil|=nie =moge =znalezc"),
    term("numer|numeru"),
)


def wants_order_status(text: str) -> bool:
    """A question about the caller's own order ('gdzie jest moja paczka'), not about orders in general
    ('ile trwa dostawa', 'jak anulować zamówienie': those the knowledge base answers)."""
    toks = tokens(text)
    if not term_positions(_ORDER_NOUN, toks) or term_positions(_NOT_STATUS, toks):
        return False
    return bool(term_positions(_ORDER_ASK, toks))


def asks_about_the_order(text: str) -> bool:
    """A short question leaning on the order just given: 'a kiedy dotrze?', 'kiedy przyjdzie?', 'a kurier
    już był?' (no order noun: the order is the one the bot just spoke about). It needs a word about arrival
    or delivery: 'kiedy jesteście otwarci?' after an order's status is a question for the KB."""
    toks = tokens(text)
    if not toks or len(toks) > 6 or not (is_follow_up(text) or len(toks) <= 4):
        return False
    return bool(term_positions(_ORDER_FOLLOW_UP, toks)) and not term_positions(_NOT_STATUS, toks)


def wants_address_change(text: str) -> bool:
    """'Chcę zmienić adres dostawy', 'podałem zły adres'."""
    toks = tokens(text)
    return all(term_positions(t, toks) for t in _ADDRESS) and not term_positions(_NOT_ADDRESS, toks)


def lacks_order_number(text: str, asked: bool = False) -> bool:
    """'Nie mam numeru zamówienia', 'nie pamiętam numeru'; right after we asked for it, 'nie wiem' will do."""
    toks = tokens(text)
    terms = _NO_NUMBER[:1] if asked else _NO_NUMBER
    return all(term_positions(t, toks) for t in terms)
