"""Every line break a customer's or an agent's tool may send reads as a line break on the other side of a live
chat: a lone CR (old Mac tools, some chat widgets), a vertical tab, a form feed or NEL (U+0085) was dropped as
a control character, and the last word of one line ran into the first of the next."""

from __future__ import annotations

import pytest

from telephony.chat.store import visible


@pytest.mark.parametrize("brk", ["\r", "\x0b", "\x0c", "\x85", "\r\n", "\n"])
def test_a_line_break_of_any_kind_stays_one_line_break(brk: str) -> None:
    assert visible(f"Pralka nie działa{brk}Kod F01") == "Pralka nie działa\nKod F01"


def test_control_and_direction_characters_still_go() -> None:
    assert visible("Chodzi o \u202eimazcówz\u202c\x00\x07\r\r\ndziękuję") == "Chodzi o imazcówz\n\ndziękuję"
