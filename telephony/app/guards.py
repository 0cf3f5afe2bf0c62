"""Guards every HTTP request passes before any route runs: 422s that can always be sent (the body limits are
``body_limit.py``'s)."""

from __future__ import annotations

import logging
import math
from typing import Any

from fastapi import Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

log = logging.getLogger(__name__)

ECHO_MAX = 200  # characters of a refused input sent back in a 422


async def validation_error(request: Request, exc: Exception) -> JSONResponse:
    """FastAPI's 422, made safe to send: an input such as ``NaN`` or ``Infinity`` (valid in Python's JSON,
    not in strict JSON) made the default handler crash with a 500 while serialising the error; and a
    refused text is echoed shortened (a 10,000-character message came back whole: bandwidth for an
    abuser, and personal data in every proxy's log of the response)."""
    assert isinstance(exc, RequestValidationError)
    return JSONResponse(status_code=422, content={"detail": _json_safe(jsonable_encoder(exc.errors()))})


async def unencodable_text(request: Request, exc: Exception) -> JSONResponse:
    """A lone surrogate ("\\ud800") that a lenient model let through fails where the text is encoded (Redis,
    a log line): the request's fault, a 422, never a 500."""
    if isinstance(exc, UnicodeEncodeError) and "surrogates" in exc.reason:
        log.info("%s %s: refused text that is not valid UTF-8: %r", request.method, request.url.path, exc)
        return JSONResponse(status_code=422, content={"detail": "text contains a character that is not valid UTF-8"})
    log.error("%s %s: encoding failed", request.method, request.url.path, exc_info=exc)  # our bug: a 500
    return JSONResponse(status_code=500, content={"detail": "internal error"})


def _json_safe(value: Any) -> Any:
    """Non-finite floats as text, long strings shortened, lone surrogates ("\\ud800", valid in JSON, not in
    UTF-8: the echo of one crashed the response with a 500) replaced."""
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, str):
        value = value.encode("utf-8", "replace").decode("utf-8")
    if isinstance(value, str) and len(value) > ECHO_MAX:
        return f"{value[:ECHO_MAX]}… ({len(value)} characters)"
    if isinstance(value, list):
        return [_json_safe(v) for v in value]
    if isinstance(value, dict):
        return {_json_safe(k): _json_safe(v) for k, v in value.items()}
    return value
