"""A bad setting stops every command with one line per problem naming the variable as the operator wrote it
(``INFOLINIA_PORT``), its value (secrets masked) and what is wrong; never pydantic's multi-line dump."""

from __future__ import annotations

from datetime import time
from pathlib import Path

import pytest

from telephony.agents.hours import parse_hours
from telephony.app import cli
from telephony.settings import Settings


def run_with(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], **env: str) -> tuple[int, list[str]]:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    status = cli.main(["check"])
    captured = capsys.readouterr()
    return status, captured.err.strip().splitlines()


def test_each_bad_setting_is_one_line_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    status, lines = run_with(monkeypatch, capsys, INFOLINIA_PORT="abc", INFOLINIA_ASR_DEVICE="gpu")
    assert status == 2
    assert lines[0] == "infolinia: invalid settings (fix them in the environment or docker/.env):"
    assert lines[1:] == [
        "  INFOLINIA_ASR_DEVICE='gpu': Input should be 'auto', 'cpu' or 'cuda'",
        "  INFOLINIA_PORT='abc': Input should be a valid integer, unable to parse string as an integer",
    ]


def test_a_malformed_redis_url_is_named_at_start_up(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    status, lines = run_with(monkeypatch, capsys, INFOLINIA_REDIS_URL="redis//localhost:6379")
    assert status == 2
    assert lines[1:] == [
        "  INFOLINIA_REDIS_URL='redis//localhost:6379': must start with redis://, rediss://, unix:// "
        "or redis+sentinel://"
    ]


def test_a_secret_setting_is_named_without_its_value(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    status, lines = run_with(monkeypatch, capsys, INFOLINIA_METRICS_TOKEN_SHA256="my-plain-token")
    assert status == 2 and "my-plain-token" not in "\n".join(lines)
    assert lines[1:] == [
        "  INFOLINIA_METRICS_TOKEN_SHA256 (value hidden): must be the 64 hex digits of sha256 of the token"
    ]


def test_a_malformed_url_is_named_without_its_password(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A Redis URL carries its password: a typo'd one is named with the host, never the password (stderr is
    the container's log)."""
    status, lines = run_with(
        monkeypatch, capsys, INFOLINIA_REDIS_URL="redis:/:hunter2secret@db:6379/0?password=other-secret"
    )
    assert status == 2
    assert "hunter2secret" not in "\n".join(lines) and "other-secret" not in "\n".join(lines)
    assert lines[1:] == [
        "  INFOLINIA_REDIS_URL='redis:/:***@db:6379/0?password=***': must start with redis://, rediss://, "
        "unix:// or redis+sentinel://"
    ]


def test_an_api_key_pasted_in_plain_instead_of_its_sha256_is_never_printed(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """INFOLINIA_API_KEYS holds digests; the usual mistake is the key itself, which must not reach the log."""
    key = "sk-live-0123456789abcdefXYZ"
    status, lines = run_with(monkeypatch, capsys, INFOLINIA_API_KEYS=f"kiosk=abc{'0' * 61}, widget={key}")
    assert status == 2
    text = "\n".join(lines)
    assert key[:6] not in text and "sk-live" not in text
    assert lines[1:] == [
        "  INFOLINIA_API_KEYS (value hidden): API key entry 2 ('widget'): expected [name=]<64 hex digits of "
        "sha256> (make one with `infolinia apikey`)"
    ]


def test_business_hours_an_office_writes_its_own_way_are_named_at_start_up(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Found by a public office's walkthrough: "pn 8-17" passed `infolinia check`, and `serve` stopped with a
    bare "bad time range '8-17'" that named no setting."""
    status, lines = run_with(monkeypatch, capsys, INFOLINIA_BUSINESS_HOURS="pn 8-17, wt-czw 7:30-15:30")
    assert status == 2
    assert lines[1:] == [
        "  INFOLINIA_BUSINESS_HOURS='pn 8-17, wt-czw 7:30-15:30': bad time range '8-17': write e.g. 8:00-20:00"
    ]
    status, lines = run_with(
        monkeypatch,
        capsys,
        INFOLINIA_BUSINESS_HOURS="pn-pt 8:00-16:00",
        INFOLINIA_QUEUES='{"obsluga": {"hours": "robocze 8:00-16:00"}}',
    )
    assert status == 2 and lines[1].startswith("  INFOLINIA_QUEUES="), lines
    assert "unknown day(s) 'robocze': use pn wt śr cz pt sob nd" in lines[1]


def test_business_hours_copied_with_typographic_dashes_are_read_as_written(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Found by a water utility's walkthrough: hours pasted from its website ("pn–pt 7:30–15:30", en dashes)
    stopped the gateway with "unknown day(s) 'pn–pt'", naming days the operator had written correctly."""
    typed = parse_hours("pn-pt 7:30-15:30, sob 8:00-12:00")
    assert parse_hours("pn\u2013pt 7:30\u201315:30, sob 8:00\u201412:00") == typed
    assert typed.days[0] == ((time(7, 30), time(15, 30)),) and typed.days[6] == ()
    status, lines = run_with(monkeypatch, capsys, INFOLINIA_BUSINESS_HOURS="pn\u2013pt 7:30-25:00")
    assert status == 2
    assert lines[1:] == [
        "  INFOLINIA_BUSINESS_HOURS='pn\u2013pt 7:30-25:00': bad time range '7:30-25:00': "
        "hours run from 0:00 to 24:00, minutes from 00 to 59"
    ]


def test_a_session_lease_shorter_than_a_failover_and_a_turn_is_named(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A lease that lapses under a running turn lets another worker's turn of the session run at once: the TTL must
    outlast a take retried through a failover and the turn after it."""
    status, lines = run_with(monkeypatch, capsys, INFOLINIA_SESSION_LEASE_TTL_S="15", INFOLINIA_REDIS_FAILOVER_S="10")
    assert status == 2
    assert lines[1:] == [
        "  INFOLINIA_SESSION_LEASE_TTL_S='15': must be at least INFOLINIA_REDIS_FAILOVER_S (10 s) + 10 s for a turn "
        "(20 s): a lease that lapses under a running turn lets another worker's turn overwrite it"
    ]
    _, lines = run_with(monkeypatch, capsys, INFOLINIA_SESSION_LEASE_TTL_S="20")
    assert not any("INFOLINIA_SESSION_LEASE_TTL_S" in line for line in lines)  # the least it may be


@pytest.mark.parametrize("zone", ["Mars/Base", "Europe", "../../etc/passwd", "Europe/Warszawa"])
def test_an_unknown_time_zone_is_named_at_start_up(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], zone: str
) -> None:
    """Found by the fifth hostile probe: `infolinia check` died with a ZoneInfoNotFoundError traceback that
    named no setting."""
    status, lines = run_with(monkeypatch, capsys, INFOLINIA_TIMEZONE=zone)
    assert status == 2
    assert lines[1:] == [
        f"  INFOLINIA_TIMEZONE={zone!r}: not a time zone the system knows; an IANA name such as Europe/Warsaw"
    ]


def test_an_endless_or_infinite_duration_is_named_at_start_up(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Found by the fifth hostile probe: "inf" passed every gt=0 and `serve` stopped with an OverflowError
    traceback; 99999999999999999999 passed check and start-up, then Redis refused every session TTL (each chat
    a 503 while /readyz said ready)."""
    status, lines = run_with(
        monkeypatch,
        capsys,
        INFOLINIA_RETENTION_TRANSFERS_DAYS="inf",
        INFOLINIA_SESSION_TTL_S="99999999999999999999",
        INFOLINIA_SILENCE_PROMPT_S="1e300",
        INFOLINIA_RETENTION_HISTORY_DAYS="3651",
        INFOLINIA_REDIS_TIMEOUT_S="nan",
        INFOLINIA_REDIS_WAIT_REPLICAS="99999999999999999999",
        INFOLINIA_ASR_CPU_THREADS="99999999999999999999",
    )
    assert status == 2
    assert lines[1:] == [
        "  INFOLINIA_ASR_CPU_THREADS='99999999999999999999': Input should be less than or equal to 256",
        "  INFOLINIA_REDIS_TIMEOUT_S='nan': Input should be a finite number",
        "  INFOLINIA_REDIS_WAIT_REPLICAS='99999999999999999999': Input should be less than or equal to 100",
        "  INFOLINIA_RETENTION_HISTORY_DAYS='3651': at most 3650 (ten years)",
        "  INFOLINIA_RETENTION_TRANSFERS_DAYS='inf': Input should be a finite number",
        "  INFOLINIA_SESSION_TTL_S='99999999999999999999': at most 315360000 (ten years)",
        "  INFOLINIA_SILENCE_PROMPT_S='1e300': at most 315360000 (ten years)",
    ]


@pytest.mark.parametrize(
    ("wait", "problem"),
    [
        ("NaN", "max_wait_s must be more than 0 and at most 86400"),
        ("Infinity", "max_wait_s must be more than 0 and at most 86400"),
        ("0", "max_wait_s must be more than 0 and at most 86400"),
        ("true", "max_wait_s must be a number of seconds"),
        ('"abc"', "max_wait_s must be a number of seconds"),
    ],
)
def test_a_queue_wait_no_caller_would_reach_the_end_of_is_named(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], wait: str, problem: str
) -> None:
    """Found by the fifth hostile probe: NaN and Infinity (JSON as Python reads it) passed, and a caller of
    that queue would never have been offered the callback; ``true`` was one second."""
    queues = '{"reklamacje": {"max_wait_s": ' + wait + "}}"
    status, lines = run_with(monkeypatch, capsys, INFOLINIA_QUEUES=queues)
    assert status == 2
    assert len(lines) == 2 and lines[1].startswith("  INFOLINIA_QUEUES=")
    assert lines[1].endswith(f": queue 'reklamacje': {problem}")


def test_a_bad_orders_file_stops_serve_with_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """Found by the fifth hostile probe: like the KB and the roster, but `serve` started, failed building its
    services in the background (a traceback in the log) and stayed up, never ready."""
    monkeypatch.setenv("INFOLINIA_SPEECH", "false")
    monkeypatch.setenv("INFOLINIA_ORDERS_PATH", str(tmp_path))
    monkeypatch.setattr("telephony.app.workers.serve", lambda *a: pytest.fail("served with a bad orders file"))
    status = cli.main(["serve"])
    assert status == 2
    assert capsys.readouterr().err.strip() == f"infolinia: {tmp_path}: cannot read the orders file: Is a directory"


def test_a_time_zone_with_a_stray_space_is_taken_as_meant(monkeypatch: pytest.MonkeyPatch) -> None:
    """An .env line "INFOLINIA_TIMEZONE=Europe/Warsaw " (a space pasted after it) was refused as unknown."""
    monkeypatch.setenv("INFOLINIA_TIMEZONE", " Europe/Warsaw ")
    assert Settings().timezone == "Europe/Warsaw"
