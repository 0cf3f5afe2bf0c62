"""Knowledge-base files: the entry schema and the loader that validates a YAML file against it.

Kept apart from the retrieval in ``dialog.kb`` because a KB is edited by people who are not developers:
every mistake must be reported with the file, the entry (index and id) and the field, before any index
is built, and that reporting has nothing to do with how entries are searched.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator


class KBError(ValueError):
    """A knowledge-base file that cannot be used; the message names the file and the entry."""


class KBEntry(BaseModel):
    """One topic: the ways callers ask about it and the answer spoken back."""

    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)

    id: str = Field(min_length=1)
    questions: list[str] = Field(min_length=1)
    answer: str = Field(min_length=1)
    tags: list[str] = Field(default_factory=list)

    @field_validator("questions")
    @classmethod
    def _no_blank_question(cls, questions: list[str]) -> list[str]:
        if any(not q for q in questions):
            raise ValueError("questions must not contain an empty string")
        return questions


def load_entries(path: Path) -> list[KBEntry]:
    """Validated entries of a KB file, in file order."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise KBError(f"{path}: knowledge base file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise KBError(f"{path}: cannot read knowledge base file: {exc}") from exc
    except yaml.YAMLError as exc:
        raise KBError(f"{path}: not valid YAML: {exc}") from exc
    raw = data.get("entries") if isinstance(data, dict) else None
    if not isinstance(raw, list) or not raw:
        raise KBError(f"{path}: expected a top-level 'entries:' list with at least one entry")
    entries = [_validate_entry(path, i, item) for i, item in enumerate(raw)]
    first_seen: dict[str, int] = {}
    for i, entry in enumerate(entries):
        if entry.id in first_seen:
            first = first_seen[entry.id]
            raise KBError(f"{path}: entries[{i}]: duplicate id {entry.id!r} (already used by entries[{first}])")
        first_seen[entry.id] = i
    return entries


def _validate_entry(path: Path, index: int, item: Any) -> KBEntry:
    """One entry, or a KBError that says which entry (index and id) and which field is wrong."""
    name = f"{path}: entries[{index}]"
    if not isinstance(item, dict):
        raise KBError(f"{name}: expected a mapping with id, questions and answer, got {type(item).__name__}")
    if isinstance(item.get("id"), str):
        name += f" (id {item['id']!r})"
    try:
        return KBEntry.model_validate(item)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(str(p) for p in err['loc']) or 'entry'}: {err['msg']}" for err in exc.errors())
        raise KBError(f"{name}: {problems}") from None
