"""Structured JSON logs, one object per line, with the call id on every line and personal data masked.

Why: logs of a phone line are full of callers' numbers, e-mails and account numbers, and they are
shipped to log stores people search freely (RODO/GDPR). Masking happens in the formatter, so it covers
every logger (ours, uvicorn's, libraries'), the message, its arguments and exception texts alike. The rules
are ``dialog.pii``'s, the same that mask what is stored and shown to agents.

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
import time
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from dialog.pii import mask

call_id_var: ContextVar[str | None] = ContextVar("infolinia_call_id", default=None)

# A chat's session id is the customer's only credential for its events and state (``/v1/chat/{id}/…``,
# ``?session_id=``): access logs keep its first characters, enough to follow one conversation, not to use it.
_SESSION_IN_URL = re.compile(r"(/v1/chat/|[?&]session_id=)([A-Za-z0-9_-]{4})[A-Za-z0-9_-]+")

SENSITIVE_FIELDS = frozenset({"caller", "phone", "from", "to", "email", "name", "text", "transcript", "pesel"})
_STANDARD = frozenset(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {"message", "asctime"}


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
            "msg": redact(record.getMessage()),
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
    """The plain-text format (a terminal), masked the same way, with the call id when there is one. The
    message is kept on its one line: a CR/LF or an escape sequence a client put in a logged value (a refused
    path, a header) is written escaped, so it cannot forge a line or repaint the terminal; tracebacks keep theirs."""

    def formatMessage(self, record: logging.LogRecord) -> str:
        return _CONTROL.sub(_escaped, super().formatMessage(record))

    def format(self, record: logging.LogRecord) -> str:
        call_id = call_id_var.get()
        text = redact(super().format(record))
        return f"{text} [call {_CONTROL.sub(_escaped, call_id)}]" if call_id else text


# C0 controls but tab, DEL, C1 controls (\x9b starts an escape sequence on some terminals), Unicode line ends
_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029]")


def _escaped(match: re.Match[str]) -> str:
    char = match.group()
    return {"\n": "\\n", "\r": "\\r"}.get(char) or char.encode("unicode_escape").decode("ascii")


def redact(text: str) -> str:
    """Personal data masked (``dialog.pii``) and chat session ids in URLs shortened."""
    return _SESSION_IN_URL.sub(r"\1\2…", mask(text))


def _mask_value(value: Any) -> Any:
    if isinstance(value, str):
        return mask(value)
    if isinstance(value, int | float | bool) or value is None:
        return value
    return mask(str(value))


LOG_EVERY_S = 10.0  # a flood of one kind of refusal: one line per this many seconds


@dataclass
class _Window:
    since: float  # when its last line was written
    held: int = 0  # lines not written since


class LogThrottle:
    """At most one line per ``key`` per ``every_s``; the next line written says how many were held back.

    Why: a refusal's line (a forged webhook, a stream with a bad token, a full house) is one per request, and a
    flood of 2,000 requests wrote 2,000 lines that buried everything else. The first of a kind is always
    written at once; ``key`` names the reason (a fixed set: a key per client would grow without bound). Lines
    held back at the end of a flood are told only by that key's next line. One per process, event loop only.
    """

    def __init__(self, every_s: float = LOG_EVERY_S, clock: Callable[[], float] = time.monotonic) -> None:
        self.every_s, self.clock = every_s, clock
        self._windows: dict[str, _Window] = {}

    def warning(self, logger: logging.Logger, key: str, msg: str, *args: object) -> bool:
        """``logger.warning(msg, *args)`` unless ``key`` was logged within ``every_s``; True when written."""
        now = self.clock()
        window = self._windows.get(key)
        if window is not None and now - window.since < self.every_s:
            window.held += 1
            return False
        if window is not None and window.held:
            msg += " (and %d more like it in the last %.0f s, not logged)"
            args = (*args, window.held, now - window.since)
        self._windows[key] = _Window(now)
        logger.warning(msg, *args)
        return True


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
    handler.setLevel(level)  # a library that sets its own logger to DEBUG (bm25s does) stays quiet too
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logger = logging.getLogger(name)
        logger.handlers.clear()
        logger.propagate = True
    return handler
