"""An appliance line's KB has one entry per error code ("F01", "F02"). ``normalize`` dropped every number that
starts with 0, so both questions read "co oznacza blad f w pralce": the duplicate-question check refused the KB
("keep it in one entry", wrong advice) and retrieval could not tell the codes apart. Only all-zero groups
("00" of "8:00") carry nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from dialog.kb import load_kb
from dialog.kb_entries import load_entries
from dialog.textnorm import normalize

CODES = {"F01": "Drzwiczki nie są domknięte.", "F02": "Brak dopływu wody.", "E10": "Zatkany filtr pompy."}


@pytest.fixture
def kb_path(tmp_path: Path) -> Path:
    entries = [
        {"id": f"blad-{code.lower()}", "questions": [f"Co oznacza błąd {code} w pralce?"], "answer": answer}
        for code, answer in CODES.items()
    ]
    path = tmp_path / "kb.yaml"
    path.write_text(yaml.safe_dump({"entries": entries}, allow_unicode=True), encoding="utf-8")
    return path


def test_codes_with_a_leading_zero_normalise_apart_and_all_zero_groups_still_go() -> None:
    assert normalize("błąd F01") != normalize("błąd F02")
    assert normalize("F01") == normalize("F 0 1") == "f zero jeden"  # typed or read out digit by digit
    assert normalize("od 8:00 do 16:00") == "od osiem do szesnascie"


def test_one_entry_per_error_code_loads(kb_path: Path) -> None:
    assert [e.id for e in load_entries(kb_path)] == ["blad-f01", "blad-f02", "blad-e10"]


@pytest.mark.parametrize(("asked", "entry"), [("co znaczy F02", "blad-f02"), ("pralka pokazuje F01", "blad-f01")])
def test_retrieval_tells_the_codes_apart(kb_path: Path, asked: str, entry: str) -> None:
    assert load_kb(kb_path).search(asked)[0].entry_id == entry
