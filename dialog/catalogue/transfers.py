"""Transfers to a person (by reason), waiting on hold, the callback offer on the phone.

Defaults only: code reads them as ``catalogue.NAME`` (``dialog/catalogue/__init__.py``), where the
operator's prompts file may have replaced them.

The ``_WRITTEN`` transfer lines are what a text chat reads as it is handed to an agent (``transfer_line``): a chat
is not "połączony" and does not wait on a line; the wait and "Konsultant odpowie w tym oknie czatu" follow them.
"""

from __future__ import annotations

from collections.abc import Mapping

from dialog.ports import Reason

# --- transfers, queue and callback ------------------------------------------------------------------
TRANSFER: Mapping[Reason, str] = {
    "requested_human": "Oczywiście, łączę z konsultantem. Proszę chwilę poczekać.",
    # a clinic's or an office's callers complain too: no shop's "dział reklamacji" in the default
    "complaint": (
        "Rozumiem, to skarga lub reklamacja. Łączę z konsultantem, który się tym zajmie, proszę chwilę poczekać."
    ),
    # 112 first, always: a person cannot come at once (the queue's wait follows this on a chat)
    "urgent": (
        "Rozumiem, to pilna sprawa. Jeśli zagrożone jest życie, zdrowie lub mienie, proszę natychmiast zadzwonić "
        "pod numer alarmowy 112. Łączę z konsultantem poza kolejnością."
    ),
    # no shop's "dział sprzedaży" either: an office's caller negotiates instalments of a tax
    "individual_offer": "Tę sprawę trzeba omówić indywidualnie. Łączę z konsultantem, proszę chwilę poczekać.",
    "not_understood": "Przepraszam, że nie udało mi się pomóc. Łączę z konsultantem, proszę chwilę poczekać.",
}
# an angry caller goes first to a person too (reason urgent), but is no emergency: no 112
ANGRY_TRANSFER = "Bardzo przepraszam za kłopot. Łączę z konsultantem poza kolejnością, proszę chwilę poczekać."
# ... and where that transfer reaches nobody (a device, a speaker, a chat nobody staffs), an apology comes first,
# before why nobody takes it from there: shipped as the words ANGRY_TRANSFER opens with, but a text of its own
# (``angry_apology``), which an operator may reword, or leave as shipped, whatever ANGRY_TRANSFER says
ANGRY_APOLOGY = "Bardzo przepraszam za kłopot."
ERROR_TRANSFER = "Przepraszam, wystąpił problem techniczny. Łączę z konsultantem, proszę chwilę poczekać."
TRANSFER_WRITTEN: Mapping[Reason, str] = {
    "requested_human": "Oczywiście, przekazuję rozmowę konsultantowi.",
    "complaint": "Rozumiem, to skarga lub reklamacja. Przekazuję rozmowę konsultantowi, który się tym zajmie.",
    "urgent": (
        "Rozumiem, to pilna sprawa. Jeśli zagrożone jest życie, zdrowie lub mienie, proszę natychmiast zadzwonić "
        "pod numer alarmowy 112. Przekazuję rozmowę konsultantowi poza kolejnością."
    ),
    "individual_offer": "Tę sprawę trzeba omówić indywidualnie. Przekazuję rozmowę konsultantowi.",
    "not_understood": "Przepraszam, że nie udało mi się pomóc. Przekazuję rozmowę konsultantowi.",
}
ANGRY_TRANSFER_WRITTEN = "Bardzo przepraszam za kłopot. Przekazuję rozmowę konsultantowi poza kolejnością."
ERROR_TRANSFER_WRITTEN = "Przepraszam, wystąpił problem techniczny. Przekazuję rozmowę konsultantowi."
HOLD_WAIT = "Proszę chwilę poczekać. Przewidywany czas oczekiwania to około {minutes}."
