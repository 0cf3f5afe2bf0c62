"""Structured JSON logs, one object per line, with the call id on every line and personal data masked.

Why: logs of a phone line are full of callers' numbers, e-mails and account numbers, and they are
shipped to log stores people search freely (RODO/GDPR). Masking happens in the formatter, so it covers
every logger (ours, uvicorn's, libraries'), the message, its arguments and exception texts alike.

The call id comes from a ``contextvars.ContextVar`` set by the call pipeline and the Twilio routes
(``call_context``): asyncio tasks copy the context when created, so every line a call's tasks log (ASR,
dialog, transfer) carries it without passing it around.

What cannot be masked by pattern: names said in free text. The rule is therefore that transcripts are
not logged at INFO; structured ``extra`` fields named like personal data (``SENSITIVE_FIELDS``) are
replaced whole.
"""

from __future__ import annotations

import contextlib
import json
import logging
import re
import sys
from collections.abc import Iterator
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

call_id_var: ContextVar[str | None] = ContextVar("infolinia_call_id", default=None)

SENSITIVE_FIELDS = frozenset({"caller", "phone", "from", "to", "email", "name", "text", "transcript", "pesel"})
_STANDARD = frozenset(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {"message", "asctime"}
_NOT_IN_WORD = r"(?<![\w+\-/.@])"  # a number glued to letters is an id (CallSid, UUID), not personal data
_END = r"(?![\w@])"
_INTL_PREFIX = r"(?:(?<![\w\-/.])\+|" + _NOT_IN_WORD + r"(?:00)?)"  # +48, 0048 or 48

# Order matters: the longest, most specific shapes first, so a card number is not half-masked as a phone.
_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"[\w.+\-]+@([\w\-]+\.)+[A-Za-z]{2,}"), "email"),
    (re.compile(_INTL_PREFIX + r"48[ \-]?\d{3}[ \-]?\d{3}[ \-]?\d{3}" + _END), "phone"),
    (re.compile(_NOT_IN_WORD + r"PL ?\d{2}(?:[ ]?\d{4}){6}" + _END, re.IGNORECASE), "iban"),
    (re.compile(_NOT_IN_WORD + r"\d{2}(?:[ ]?\d{4}){6}" + _END), "iban"),  # a Polish NRB without "PL"
    (re.compile(_NOT_IN_WORD + r"\d{4}(?:[ \-]?\d{4}){2}[ \-]?\d{1,7}" + _END), "card"),  # 13-19 digits
    (re.compile(_NOT_IN_WORD + r"\d{11}" + _END), "pesel"),
    (re.compile(_NOT_IN_WORD + r"\d{3}-?\d{3}-?\d{2}-?\d{2}" + _END), "nip"),
    (re.compile(_NOT_IN_WORD + r"\d{3}-\d{2}-\d{2}-\d{3}" + _END), "nip"),
    (re.compile(_NOT_IN_WORD + r"\d{3}[ \-]?\d{3}[ \-]?\d{3}" + _END), "phone"),
    (re.compile(_NOT_IN_WORD + r"\d{2}[ \-]\d{3}[ \-]\d{2}[ \-]\d{2}" + _END), "phone"),  # landline 22 123 45 67
)


def mask(text: str) -> str:
    """Replace phone numbers, e-mails, PESEL, NIP, IBAN and card numbers with ``[kind]`` (phones keep
    their last 3 digits, accounts and cards their last 4: enough to tell two callers apart in a log)."""
    for pattern, kind in _PATTERNS:
        text = pattern.sub(lambda m, k=kind: _masked(k, m.group(0)), text)  # type: ignore[misc]
    return text


def _masked(kind: str, value: str) -> str:
    digits = re.sub(r"\D", "", value)
    if kind == "phone":
        return f"[phone …{digits[-3:]}]"
    if kind in ("iban", "card"):
        return f"[{kind} …{digits[-4:]}]"
    if kind == "email":
        return "[email@" + value.rsplit("@", 1)[1] + "]"
    return f"[{kind}]"


@contextlib.contextmanager
def call_context(call_id: str | None) -> Iterator[None]:
    """Lines logged inside (and by tasks created inside) carry ``call_id``."""
    token = call_id_var.set(call_id)
    try:
        yield
    finally:
        call_id_var.reset(token)


class JsonFormatter(logging.Formatter):
    """``{"ts", "level", "logger", "msg", "call_id", ...extra, "exc"}``, masked, one line."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "msg": mask(record.getMessage()),
        }
        call_id = getattr(record, "call_id", None) or call_id_var.get()
        if call_id:
            entry["call_id"] = call_id
        for key, value in record.__dict__.items():
            if key not in _STANDARD and key not in entry and not key.startswith("_"):
                entry[key] = "***" if key in SENSITIVE_FIELDS else _mask_value(value)
        if record.exc_info:
            entry["exc"] = mask(self.formatException(record.exc_info))
        elif record.exc_text:
            entry["exc"] = mask(record.exc_text)
        return json.dumps(entry, ensure_ascii=False, default=str)


class MaskingFormatter(logging.Formatter):
    """The plain-text format (a terminal), masked the same way, with the call id when there is one."""

    def format(self, record: logging.LogRecord) -> str:
        call_id = call_id_var.get()
        text = mask(super().format(record))
        return f"{text} [call {call_id}]" if call_id else text


def _mask_value(value: Any) -> Any:
    if isinstance(value, str):
        return mask(value)
    if isinstance(value, int | float | bool) or value is None:
        return value
    return mask(str(value))


def setup_logging(level: str | int = "INFO", json: bool = True) -> logging.Handler:
    """Configure the root logger (replacing its handlers) and route uvicorn's loggers through it."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        JsonFormatter() if json else MaskingFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    )
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logger = logging.getLogger(name)
        logger.handlers.clear()
        logger.propagate = True
    return handler
