"""Knowledge-base files: the entry schema and the loader that validates a YAML file against it.

Kept apart from the retrieval in ``dialog.kb`` because a KB is edited by people who are not developers:
every mistake must be reported with the file, the entry (index and id) and the field, before any index
is built, and that reporting has nothing to do with how entries are searched.
"""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Annotated, Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from dialog.textnorm import normalize
from dialog.yaml_errors import describe_not_utf8, describe_yaml_error


class KBError(ValueError):
    """A knowledge-base file that cannot be used; the message names the file and the entry."""


# A file pasted whole into one answer (a price list, terms) passed, and was read aloud for minutes on a
# call (the fifth hostile probe). 2000 characters: about two minutes of speech.
MAX_ANSWER_CHARS = 2000
MAX_QUESTION_CHARS = 300
MAX_ID_CHARS = 100


class KBEntry(BaseModel):
    """One topic: the ways callers ask about it and the answer spoken back."""

    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)

    id: str = Field(min_length=1, max_length=MAX_ID_CHARS)
    questions: list[Annotated[str, Field(max_length=MAX_QUESTION_CHARS)]] = Field(min_length=1)
    answer: str = Field(min_length=1, max_length=MAX_ANSWER_CHARS)
    tags: list[str] = Field(default_factory=list)

    @field_validator("questions")
    @classmethod
    def _no_blank_question(cls, questions: list[str]) -> list[str]:
        if any(not q for q in questions):
            raise ValueError("must not contain an empty question")
        return questions


TOP_LEVEL = ("entries", "brand")  # a typo'd key would otherwise be ignored (a brand) or read as no entries
MAX_REPORTED = 10  # problems listed at once: enough to fix a file in one go, not a wall of text


def load_entries(path: Path) -> list[KBEntry]:
    """Validated entries of a KB file, in file order. Every entry is checked before anything is raised, so
    one KBError lists all the problems (up to ``MAX_REPORTED``), each with its line in the file."""
    try:
        text = path.read_text(encoding="utf-8")
        data = yaml.safe_load(text)
    except FileNotFoundError:
        raise KBError(f"{path}: knowledge base file not found") from None
    except UnicodeDecodeError as exc:
        raise KBError(describe_not_utf8(path, exc)) from None
    except OSError as exc:
        raise KBError(f"{path}: cannot read knowledge base file: {exc}") from exc
    except yaml.YAMLError as exc:
        raise KBError(describe_yaml_error(path, exc)) from None
    _check_top_level(path, data)
    raw = data.get("entries") if isinstance(data, dict) else None
    if not isinstance(raw, list) or not raw:
        raise KBError(f"{path}: expected a top-level 'entries:' list with at least one entry")
    lines = _entry_lines(text, len(raw))
    entries: list[KBEntry] = []
    problems: list[str] = []
    first_seen: dict[str, int] = {}
    asked: dict[str, tuple[int, str]] = {}  # a question's matched form -> the entry (index, id) that has it
    for i, item in enumerate(raw):
        where = f"{path}:{lines[i]}: entries[{i}]" if lines[i] else f"{path}: entries[{i}]"
        try:
            entry = _validate_entry(where, item)
        except KBError as exc:
            problems.append(str(exc))
            continue
        if entry.id in first_seen:
            problems.append(f"{where}: duplicate id {entry.id!r} (already used by entries[{first_seen[entry.id]}])")
        first_seen.setdefault(entry.id, i)
        problems += _question_problems(f"{where} (id {entry.id!r})", i, entry, asked)
        entries.append(entry)
    if problems:
        more = len(problems) - MAX_REPORTED
        raise KBError("\n".join(problems[:MAX_REPORTED] + ([f"... and {more} more"] if more > 0 else [])))
    return entries


def _question_problems(where: str, index: int, entry: KBEntry, asked: dict[str, tuple[int, str]]) -> list[str]:
    """A question the matcher cannot tell from another entry's (the same words, case, Polish letters and
    punctuation aside: the caller then gets either answer), or with no word at all ("???": never matched).
    Both loaded silently before the fifth hostile probe. ``asked`` collects the questions seen so far."""
    problems = []
    for question in entry.questions:
        form = normalize(question)
        if not form:
            problems.append(f"{where}: question {question!r} has no words to match; write the question out")
        elif (other := asked.setdefault(form, (index, entry.id)))[0] != index:
            problems.append(
                f"{where}: question {question!r} is also in entries[{other[0]}] (id {other[1]!r}): a caller asking "
                "it could get either answer; keep it in one entry"
            )
    return problems


def _check_top_level(path: Path, data: Any) -> None:
    """A KBError for a top-level key other than ``TOP_LEVEL``, with the key it probably meant."""
    if isinstance(data, dict) and (unknown := [str(k) for k in data if k not in TOP_LEVEL]):
        close = difflib.get_close_matches(unknown[0], TOP_LEVEL, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise KBError(
            f"{path}: unknown top-level key {unknown[0]!r}{hint}; a KB has 'entries:' and an optional 'brand:'"
        )


def _entry_lines(text: str, count: int) -> list[int]:
    """The line (1-based) where each entry starts, from the YAML node tree; 0 where it cannot be told."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return [0] * count
    if isinstance(root, yaml.MappingNode):
        for key, value in root.value:
            if key.value == "entries" and isinstance(value, yaml.SequenceNode):
                found = [node.start_mark.line + 1 for node in value.value]
                return found + [0] * (count - len(found))
    return [0] * count


def _validate_entry(where: str, item: Any) -> KBEntry:
    """One entry, or a KBError that says which entry (line, index and id) and which field is wrong."""
    name = where
    if not isinstance(item, dict):
        raise KBError(f"{name}: expected a mapping with id, questions and answer, got {type(item).__name__}")
    if isinstance(item.get("id"), str):
        name += f" (id {item['id']!r})"
    try:
        return KBEntry.model_validate(item)
    except ValidationError as exc:
        errors = sorted(exc.errors(), key=lambda err: err["type"] != "extra_forbidden")  # a typo'd field first
        raise KBError(f"{name}: {'; '.join(_worded(err) for err in errors)}") from None


FIXES = {  # pydantic's error type -> the words a KB's author acts on
    "missing": "missing",
    "string_too_short": "must not be empty",
    "string_type": "expected text (put it in double quotes)",
    "too_short": "needs at least one question",
}
TOO_LONG = {  # the limit of each field, in the words a KB's author acts on
    "answer": f"at most {MAX_ANSWER_CHARS} characters (about two minutes of speech); split it into entries",
    "questions": f"at most {MAX_QUESTION_CHARS} characters; a question is one sentence",
    "id": f"at most {MAX_ID_CHARS} characters",
}


def _worded(err: Any) -> str:
    """One schema problem of an entry, named by its field, in words that say what to write instead."""
    field = ".".join(str(part) for part in err["loc"]) or "entry"
    kind = err["type"]
    if kind == "extra_forbidden":
        close = difflib.get_close_matches(field, list(KBEntry.model_fields), n=1)
        return f"unknown field {field!r}" + (f" (did you mean {close[0]!r}?)" if close else "")
    if kind == "list_type" and field == "questions":
        return f"{field}: expected a list of questions (one per line, each starting with '- ')"
    if kind == "list_type":
        return f"{field}: expected a list, e.g. [dostawa, płatności]"
    if kind == "string_too_long" and (limit := TOO_LONG.get(str(err["loc"][0]))):
        return f"{field}: {limit}"
    return f"{field}: {FIXES.get(kind) or err['msg'].removeprefix('Value error, ')}"
