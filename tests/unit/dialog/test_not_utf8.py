"""A KB, prompts or orders file saved in Windows-1250 / ISO-8859-2 (Polish letters, the usual Windows editors'
default) is named with its line and the fix (the fifth hostile probe: Python's "can't decode byte 0xea in position
54", which for the orders file named no file), and an orders path that is a folder is named too (a traceback)."""

from __future__ import annotations

from pathlib import Path

import pytest

from dialog.kb_entries import KBError, load_entries
from dialog.orders import JsonOrders, OrdersFileError
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


def test_an_orders_file_not_in_utf8_or_a_folder_is_named(tmp_path: Path) -> None:
    path = tmp_path / "orders.json"
    path.write_bytes('{"orders": [{"id": "7", "status": "shipped", "carrier": "Kurier Łódź"}]}'.encode("cp1250"))
    with pytest.raises(OrdersFileError) as err:
        JsonOrders(path)
    assert str(err.value) == f"{path}: not UTF-8 at line 1 (byte 0xa3): save the file as UTF-8"
    with pytest.raises(OrdersFileError) as err:
        JsonOrders(tmp_path)
    assert str(err.value) == f"{tmp_path}: cannot read the orders file: Is a directory"


async def test_an_orders_file_saved_with_a_bom_loads_as_the_yaml_files_do(tmp_path: Path) -> None:
    """Windows tools (Notepad before 2019, PowerShell 5's ``Out-File -Encoding utf8``, Excel) write UTF-8 with a
    BOM; the KB and prompts load it, and the orders file was refused ("Unexpected UTF-8 BOM"), stopping `serve`."""
    text = '{"orders": [{"id": "7", "status": "shipped", "carrier": "Kurier Łódź"}]}'
    path = tmp_path / "orders.json"
    path.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    order = await JsonOrders(path).get("7")
    assert order is not None and order.carrier == "Kurier Łódź"
    kb = tmp_path / "kb.yaml"
    kb.write_bytes(b"\xef\xbb\xbf" + KB.encode("utf-8"))
    assert [e.id for e in load_entries(kb)] == ["a"]
