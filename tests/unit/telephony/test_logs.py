"""Structured logs: one JSON object per line, the call id from the context, personal data masked
(``dialog.pii``, whose own rules are tested in tests/unit/dialog/test_pii.py)."""

from __future__ import annotations

import asyncio
import io
import json
import logging
import sys

import pytest

from telephony.logs import JsonFormatter, MaskingFormatter, call_context, mask, setup_logging


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("dzwoni +48 600 100 200", "dzwoni [telefon …200]"),
        ("tel. 600-100-200, 600100200, 0048600100200", "tel. [telefon …200], [telefon …200], [telefon …200]"),
        ("stacjonarny 22 123 45 67", "stacjonarny [telefon …567]"),
        ("mail: Jan.Kowalski+x@poczta.example.pl", "mail: [e-mail]"),
        ("PESEL 85010112345", "PESEL [PESEL]"),
        ("NIP 123-456-32-18 i 123-45-63-218 i 1234563218", "NIP [NIP] i [NIP] i [NIP]"),
        ("konto PL61 1090 1014 0000 0712 1981 2874", "konto [IBAN …2874]"),
        ("nrb 61109010140000071219812874", "nrb [IBAN …2874]"),
        ("karta 4111 1111 1111 1111 / 4111-1111-1111-1111", "karta [karta …1111] / [karta …1111]"),
    ],
)
def test_personal_data_is_masked(text: str, expected: str) -> None:
    assert mask(text) == expected


def test_ids_times_and_order_numbers_are_left_alone() -> None:
    text = (
        "call CA0123456789abcdef0123456789abcdef session 123e4567-e89b-12d3-a456-426614174000 "
        "order 48213 at 2024-05-01 12:30:00.123 took 1234.5 ms, 3 turns, port 8080"
    )
    assert mask(text) == text


def _capture(level: str = "INFO") -> tuple[io.StringIO, logging.Handler]:
    handler = setup_logging(level, json=True)
    stream = io.StringIO()
    handler.setStream(stream)  # type: ignore[attr-defined]
    return stream, handler


async def test_json_lines_carry_the_call_id_into_tasks_and_mask_messages_args_and_tracebacks() -> None:
    stream, handler = _capture()
    log = logging.getLogger("infolinia.test")
    try:
        log.info("outside a call")
        with call_context("CA" + "a" * 32):

            async def inner() -> None:
                log.warning("caller %s wrote from %s", "+48 600 100 200", "jan@example.pl")

            await asyncio.create_task(inner())  # tasks copy the context
            try:
                raise ValueError("bad PESEL 85010112345")
            except ValueError:
                log.exception("failed", extra={"caller": "Jan Kowalski", "turn": 2})
    finally:
        logging.getLogger().removeHandler(handler)
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert [e["msg"] for e in lines] == [
        "outside a call",
        "caller [telefon …200] wrote from [e-mail]",
        "failed",
    ]
    assert "call_id" not in lines[0] and lines[1]["call_id"] == lines[2]["call_id"] == "CA" + "a" * 32
    assert {"ts", "level", "logger"} <= set(lines[1]) and lines[1]["level"] == "WARNING"
    assert lines[2]["caller"] == "***" and lines[2]["turn"] == 2
    assert "85010112345" not in lines[2]["exc"] and "[PESEL]" in lines[2]["exc"]


def test_the_formatter_is_one_line_even_for_multiline_messages() -> None:
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "a\nb 600100200", None, None)
    out = JsonFormatter().format(record)
    assert "\n" not in out and json.loads(out)["msg"] == "a\nb [telefon …200]"


def test_the_plain_text_format_cannot_be_given_a_forged_line() -> None:
    """A client's CR/LF (a path such as ``/twilio/transfer/%0d%0a…`` logged when its signature is refused)
    must not start a line of its own in a terminal or a file log (INFOLINIA_LOG_JSON=false); a traceback
    stays readable on its lines."""
    forged = "refused /twilio/transfer/x\r\n2026-12-07 00:00:00 INFO auth: agent anna logged in\x1b[2J/hold"
    try:
        raise ValueError("boom")
    except ValueError:
        record = logging.LogRecord("x", logging.WARNING, __file__, 1, "%s", (forged,), sys.exc_info())
    out = MaskingFormatter("%(levelname)s %(name)s: %(message)s").format(record)
    first, *trace = out.splitlines()
    forged_line = "2026-12-07 00:00:00 INFO auth: agent anna logged in"
    assert first == f"WARNING x: refused /twilio/transfer/x\\r\\n{forged_line}\\x1b[2J/hold"
    assert trace[0] == "Traceback (most recent call last):" and trace[-1] == "ValueError: boom"
    c1 = logging.LogRecord("x", logging.WARNING, __file__, 1, "%s", ("a\x9b2Jb ąę",), None)
    assert MaskingFormatter("%(message)s").format(c1) == "a\\x9b2Jb ąę"  # a C1 escape too; Polish letters kept


def test_access_lines_shorten_chat_session_ids_the_customers_credential() -> None:
    stream, handler = _capture()
    try:
        access = logging.getLogger("infolinia.test.access")  # uvicorn's own may be disabled by an earlier test
        access.info(
            '%s - "%s %s HTTP/%s" %d', "10.0.0.7:5000", "GET", "/v1/chat/3f2a9c0d1e2b4a5f/events?after=3", "1.1", 200
        )
        access.info("POST /v1/voice/turn?session_id=abcdef123456&rate=8000")
    finally:
        logging.getLogger().removeHandler(handler)
    first, second = (json.loads(line)["msg"] for line in stream.getvalue().splitlines())
    assert "/v1/chat/3f2a…/events?after=3" in first and "3f2a9c0d1e2b4a5f" not in first
    assert "session_id=abcd…&rate=8000" in second


def test_a_library_logger_set_to_debug_stays_quiet_at_info() -> None:
    stream, handler = _capture("INFO")
    chatty = logging.getLogger("infolinia.test.chatty")  # as bm25s, which sets itself to DEBUG when imported
    before = chatty.level
    chatty.setLevel(logging.DEBUG)
    try:
        chatty.debug("Building index from tokens")
        chatty.warning("a real problem")
    finally:
        chatty.setLevel(before)
        logging.getLogger().removeHandler(handler)
    assert [json.loads(line)["msg"] for line in stream.getvalue().splitlines()] == ["a real problem"]
