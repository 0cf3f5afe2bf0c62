"""KB questions the matcher cannot use are named when the file is loaded (`infolinia check`, start-up), found
by the fifth hostile probe: the same question in two entries (a caller asking it got either answer, the bot
often asked which) and a question with no word ("???", never matched: its entry was dead). Both loaded
silently."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from dialog.kb_entries import KBError, load_entries


def write(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "kb.yaml"
    path.write_text(body, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("second", "message"),
    [
        (
            '["Ile kosztuje dostawa?"]',
            "entries[1] (id 'b'): question 'Ile kosztuje dostawa?' is also in entries[0] (id 'a'): a caller asking "
            "it could get either answer; keep it in one entry",
        ),
        (  # case, Polish letters and punctuation are nothing to the matcher
            '["ILE KOSZTUJE DOSTAWA"]',
            "entries[1] (id 'b'): question 'ILE KOSZTUJE DOSTAWA' is also in entries[0] (id 'a')",
        ),
        ('["Jak zapłacić?", "???"]', "entries[1] (id 'b'): question '???' has no words to match; write the question"),
    ],
)
def test_a_question_the_matcher_cannot_use_is_named_with_its_line(tmp_path: Path, second: str, message: str) -> None:
    body = (
        "entries:\n"
        '  - id: a\n    questions: ["Ile kosztuje dostawa?", "ile kosztuje dostawa"]\n    answer: Dziesięć złotych.\n'
        f"  - id: b\n    questions: {second}\n    answer: Inna odpowiedź.\n"
    )
    path = write(tmp_path, body)
    with pytest.raises(KBError) as err:
        load_entries(path)
    assert "\n" not in str(err.value) and str(err.value).startswith(f"{path}:5: {message}")


def test_a_question_repeated_within_one_entry_and_the_bundled_kbs_load(tmp_path: Path) -> None:
    """Repeating a question inside its own entry is harmless (one answer either way); the shipped KBs and the
    test domains have no question the matcher cannot use."""
    body = 'entries:\n  - id: a\n    questions: ["Ile kosztuje dostawa?", "Ile kosztuje dostawa"]\n    answer: Tak.\n'
    assert [e.id for e in load_entries(write(tmp_path, body))] == ["a"]
    root = Path(__file__).resolve().parents[3]
    data = root / "tests/data"
    kbs = [root / "dialog/data/kb.yaml", data / "walkthrough_telecom/kb.yaml", *sorted(data.glob("domain_*_kb.yaml"))]
    assert len(kbs) == 6
    for kb in kbs:
        assert load_entries(kb), kb


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        (
            "answer",
            "Cennik. " * 300,
            "answer: at most 2000 characters (about two minutes of speech); split it into entries",
        ),
        (
            "questions",
            ["Ile kosztuje " + "bardzo " * 60 + "dostawa"],
            "questions.0: at most 300 characters; a question is one sentence",
        ),
    ],
)
def test_a_document_pasted_into_an_entry_is_named(tmp_path: Path, field: str, value: object, message: str) -> None:
    """A price list pasted whole into one answer was read aloud for minutes on a call (the fifth hostile probe)."""
    entry = {"id": "cennik", "questions": ["Ile kosztuje dostawa"], "answer": "Dziesięć złotych.", field: value}
    path = write(tmp_path, yaml.safe_dump({"entries": [entry]}, allow_unicode=True))
    with pytest.raises(KBError) as err:
        load_entries(path)
    assert str(err.value) == f"{path}:2: entries[0] (id 'cennik'): {message}"
