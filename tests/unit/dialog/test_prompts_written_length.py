"""A written text (``*_written``: shown in the chat, not spoken) may be as long as a full GDPR clause: the 1000
characters that stop a pasted document from being read to every caller refused an office's whole RODO notice
for the chat (often 1500+ characters). Written texts take up to 4000; past that the message says to shorten
the text and link the full one."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from dialog import catalogue
from dialog.prompts import MAX_TEXT_CHARS, MAX_WRITTEN_CHARS, PromptsError, load_prompts

CLAUSE = (
    "Administratorem Pani/Pana danych osobowych jest Urząd Gminy, ul. Główna 1, 00-001 Wieś. Dane są "
    "przetwarzane w celu obsługi zapytania na podstawie art. 6 ust. 1 lit. c i e RODO. "
)


@pytest.fixture(autouse=True)
def restore_catalogue() -> Iterator[None]:
    yield
    catalogue.configure({})


def _file(tmp_path: Path, key: str, text: str) -> Path:
    path = tmp_path / "prompts.yaml"
    path.write_text(yaml.safe_dump({"prompts": {key: text}}, allow_unicode=True), encoding="utf-8")
    return path


def test_a_full_gdpr_clause_loads_as_the_written_notice_but_not_as_the_spoken_one(tmp_path: Path) -> None:
    clause = (CLAUSE * 12).strip()
    assert MAX_TEXT_CHARS < len(clause) < MAX_WRITTEN_CHARS
    prompts = load_prompts(_file(tmp_path, "rodo_notice_written", clause))
    assert prompts.texts["RODO_NOTICE_WRITTEN"] == clause
    with pytest.raises(PromptsError, match=r"prompts.rodo_notice: at most 1000 characters"):
        load_prompts(_file(tmp_path, "rodo_notice", clause))


def test_a_written_text_past_its_limit_is_told_to_shorten_and_link(tmp_path: Path) -> None:
    with pytest.raises(PromptsError) as err:
        load_prompts(_file(tmp_path, "rodo_notice_written", (CLAUSE * 30).strip()))
    assert "prompts.rodo_notice_written: at most 4000 characters; shorten it and link the full text" in str(err.value)


def test_a_written_clause_keeps_its_paragraphs_and_a_spoken_text_is_one_line(tmp_path: Path) -> None:
    """A review: the 4000-character clause reached the chat widget as one wall of text."""
    clause = "Administrator:   Urząd Gminy.\n\nCele: obsługa zapytania.\n  Prawa: dostęp,  sprostowanie.\n"
    written = load_prompts(_file(tmp_path, "rodo_notice_written", clause)).texts["RODO_NOTICE_WRITTEN"]
    assert written == "Administrator: Urząd Gminy.\nCele: obsługa zapytania.\nPrawa: dostęp, sprostowanie."
    spoken = load_prompts(_file(tmp_path, "rodo_notice", clause)).texts["RODO_NOTICE"]
    assert spoken == "Administrator: Urząd Gminy. Cele: obsługa zapytania. Prawa: dostęp, sprostowanie."
