"""The gaps export (``to_kb_yaml``), once its answers are written, always loads as a KB: the product's own
advice ("append these entries to your kb.yaml") must not make `infolinia check` and `serve` refuse the KB.
A chat message (up to 2000 characters) was exported whole as a question, over the loader's limit, and two
wordings that normalise alike in two entries were refused as one question in two entries."""

from __future__ import annotations

from pathlib import Path

import yaml

from dialog.gaps import Gap, to_kb_yaml
from dialog.kb_entries import MAX_QUESTION_CHARS, load_entries

LONG_CHAT = (
    "Dzień dobry, zamówiłem u Państwa w zeszłym tygodniu pralkę, kurier przywiózł ją wczoraj, ale opakowanie "
    "było uszkodzone, a po podłączeniu pralka wyświetla jakiś kod i nie chce pobierać wody. Czy mogę ją "
    "wymienić na nową, czy muszę czekać na serwisanta i ile to potrwa, bo mam małe dzieci i codziennie piorę? "
    "Proszę o szybką odpowiedź."
)


def _answered(export: str, tmp_path: Path) -> Path:
    """What the export's header tells the supervisor to do: write each answer, then use the entries."""
    data = yaml.safe_load(export)
    for entry in data["entries"]:
        entry["answer"] = "Odpowiedź napisana przez kierownika zmiany."
    path = tmp_path / "kb.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def test_a_long_chat_message_is_a_comment_and_the_answered_export_loads(tmp_path: Path) -> None:
    assert len(LONG_CHAT) > MAX_QUESTION_CHARS
    gap = Gap(questions=[(LONG_CHAT, 2), ("czy wymienicie uszkodzoną pralkę", 1)], count=3)
    export = to_kb_yaml([gap])
    entries = load_entries(_answered(export, tmp_path))
    assert [e.questions for e in entries] == [["czy wymienicie uszkodzoną pralkę"]]
    assert f"  #   {' '.join(LONG_CHAT.split())}" in export.splitlines()  # the supervisor still reads it


def test_a_group_of_long_messages_only_is_shown_but_writes_no_entry(tmp_path: Path) -> None:
    assert yaml.safe_load(to_kb_yaml([Gap(questions=[(LONG_CHAT, 2)], count=2)])) == {"entries": []}
    gaps = [Gap(questions=[(LONG_CHAT, 2)], count=2), Gap(questions=[("Gdzie jest paczkomat?", 2)], count=2)]
    export = to_kb_yaml(gaps)
    assert LONG_CHAT[:60] in export
    assert [e.questions for e in load_entries(_answered(export, tmp_path))] == [["Gdzie jest paczkomat?"]]


def test_wordings_that_normalise_alike_are_kept_once_across_entries(tmp_path: Path) -> None:
    gaps = [
        Gap(questions=[("Czy przyjmujecie bitcoiny?", 2), ("czy przyjmujecie BITCOINY", 1)], count=3),
        Gap(questions=[("Czy przyjmujecie bitcoiny!", 1), ("płacę kryptowalutą?", 1)], count=2),
        Gap(questions=[("???", 2), ("Czy przyjmujecie bitcoiny", 1)], count=3),  # nothing left to ask
    ]
    entries = load_entries(_answered(to_kb_yaml(gaps), tmp_path))
    assert [e.questions for e in entries] == [["Czy przyjmujecie bitcoiny?"], ["płacę kryptowalutą?"]]


def test_a_long_unbroken_wording_gives_an_id_the_loader_takes(tmp_path: Path) -> None:
    """Four long words, or one long run of letters and digits, made an id over the loader's 100 characters."""
    run = "zamowienie" + "X7" * 60
    gaps = [
        Gap(questions=[(f"{run} gdzie jest?", 2)], count=2),
        Gap(questions=[("a" * 40 + " " + "b" * 40, 2)], count=2),
    ]
    entries = load_entries(_answered(to_kb_yaml(gaps), tmp_path))
    assert len(entries) == 2 and all(len(e.id) <= 100 and e.id.startswith("luka-") for e in entries)


def test_a_group_whose_wordings_are_all_asked_above_says_so() -> None:
    gaps = [
        Gap(questions=[("Czy przyjmujecie bitcoiny?", 2)], count=2),
        Gap(questions=[("czy przyjmujecie bitcoiny", 2)], count=2),
    ]
    assert "każde jest już pytaniem powyżej" in to_kb_yaml(gaps)
