"""A KB or prompts file saved in Windows-1250 / ISO-8859-2 (Polish letters, the usual Windows editors' default) is
named with its line and the fix (the fifth hostile probe: Python's "can't decode byte 0xea in position 54")."""

from __future__ import annotations

from pathlib import Path

import pytest

from dialog.kb_entries import KBError, load_entries
from dialog.prompts import PromptsError, load_prompts

KB = "entries:\n  - id: a\n    questions: [Ile kosztuje dostawa]\n    answer: Dziesięć złotych.\n"
PROMPTS = "brand: Zielony Ogród\nprompts:\n  goodbye: Dziękujemy, do widzenia!\n"


@pytest.mark.parametrize(
    ("text", "load", "error", "line", "byte"),
    [
        (KB, load_entries, KBError, 4, "0xea"),  # "ę" of "Dziesięć" in cp1250
        (PROMPTS, load_prompts, PromptsError, 1, "0xf3"),  # "ó" of "Ogród"
    ],
)
def test_a_file_not_in_utf8_is_named_with_its_line_and_the_fix(
    tmp_path: Path, text: str, load: object, error: type[Exception], line: int, byte: str
) -> None:
    path = tmp_path / "file.yaml"
    path.write_bytes(text.encode("cp1250"))
    with pytest.raises(error) as err:
        load(path)  # type: ignore[operator]
    assert str(err.value) == f"{path}: not UTF-8 at line {line} (byte {byte}): save the file as UTF-8"
    path.write_text(text, encoding="utf-8")
    assert load(path)  # type: ignore[operator]
