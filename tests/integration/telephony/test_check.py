"""``infolinia check`` against real parts: the suite's redis-server, a local orders service, a local stand-in
for Twilio's REST API (``--online``), temporary KB/roster/prompts/model files. One configuration passes
every check; each test then breaks one thing and expects exit status 1 with that problem named."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from telephony.app import cli
from tests.support.console_servers import write_roster
from tests.support.servers import free_port, serve_in_thread

pytestmark = pytest.mark.redis
SID = "AC" + "ab12" * 8
TOKEN = "twilio-auth-token-0123456789abcdef"
NUMBER = "+48221234567"
PUBLIC = "https://infolinia.sklep.example"


def stand_ins() -> FastAPI:
    """An orders service (every id unknown: 404) and Twilio's account and numbers endpoints."""
    app = FastAPI()

    @app.get("/orders/{order_id}")
    async def order(order_id: str) -> JSONResponse:
        return JSONResponse({"detail": "not found"}, status_code=404)

    def authorised(request: Request) -> bool:
        import base64

        expected = "Basic " + base64.b64encode(f"{SID}:{TOKEN}".encode()).decode()
        return request.headers.get("authorization") == expected

    @app.get("/2010-04-01/Accounts/{sid}.json")
    async def account(sid: str, request: Request) -> JSONResponse:
        if not authorised(request) or sid != SID:
            return JSONResponse({"message": "Authenticate"}, status_code=401)
        return JSONResponse({"sid": SID, "friendly_name": "Zielony Ogród"})

    @app.get("/2010-04-01/Accounts/{sid}/IncomingPhoneNumbers.json")
    async def numbers(sid: str, request: Request) -> JSONResponse:
        listed = [{"phone_number": NUMBER, "voice_url": PUBLIC + "/twilio/voice"}]
        return JSONResponse({"incoming_phone_numbers": listed if request.query_params["PhoneNumber"] == NUMBER else []})

    return app


@pytest.fixture(scope="module")
def services() -> Iterator[str]:
    with serve_in_thread(stand_ins()) as url:
        yield url


@pytest.fixture
def env(tmp_path: Path, redis_url: str, services: str, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """A configuration that passes every check (set in the environment, as an operator would)."""
    kb = tmp_path / "kb.yaml"
    kb.write_text('brand: Zielony Ogród\nentries:\n  - {id: a, questions: ["Ile trwa dostawa?"], answer: Dwa dni.}\n')
    prompts = tmp_path / "prompts.yaml"
    prompts.write_text("prompts:\n  goodbye: Dziękujemy za telefon. Do widzenia!\n", encoding="utf-8")
    models = tmp_path / "models"
    (models / "whisper" / "base").mkdir(parents=True)
    (models / "whisper" / "base" / "model.bin").write_bytes(b"\0")
    (models / "piper").mkdir()
    (models / "piper" / "pl_PL-darkman-medium.onnx").write_bytes(b"\0")
    (models / "piper" / "pl_PL-darkman-medium.onnx.json").write_text("{}")
    values = {
        "INFOLINIA_KB_PATH": str(kb),
        "INFOLINIA_PROMPTS_PATH": str(prompts),
        "INFOLINIA_ORDERS_URL": services,
        "INFOLINIA_AGENTS_PATH": str(roster_serving(tmp_path / "agents.yaml", ["obsluga", "reklamacje", "sprzedaz"])),
        "INFOLINIA_REDIS_URL": redis_url,
        "INFOLINIA_TWILIO_ACCOUNT_SID": SID,
        "INFOLINIA_TWILIO_AUTH_TOKEN": TOKEN,
        "INFOLINIA_TWILIO_API_BASE": services,
        "INFOLINIA_TWILIO_NUMBER": NUMBER,
        "INFOLINIA_PUBLIC_URL": PUBLIC,
        "INFOLINIA_FALLBACK_NUMBER": "+48221112233",
        "INFOLINIA_MODELS_DIR": str(models),
        "INFOLINIA_MAX_CONCURRENT_CALLS": "12",
    }
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    return values


def roster_serving(path: Path, queues: list[str]) -> Path:
    """The suite's two agents (``write_roster``), anna serving ``queues``."""
    roster = yaml.safe_load(write_roster(path).read_text(encoding="utf-8"))
    roster["agents"][0]["queues"] = queues
    path.write_text(yaml.safe_dump(roster, allow_unicode=True), encoding="utf-8")
    return path


def check(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    status = cli.main(["check", *args])
    return status, capsys.readouterr().out


def test_a_complete_configuration_passes_and_prints_the_setup_with_secrets_masked(
    env: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    status, out = check(capsys, "--online")
    assert status == 0, out
    assert not re.search(r"^ *(FAIL|WARN) ", out, re.M) and out.rstrip().endswith("Ready to go live.")
    assert TOKEN not in out
    assert re.search(r"^  INFOLINIA_TWILIO_AUTH_TOKEN +set \(…cdef\)$", out, re.M)  # column width follows the names
    for line in (
        "brand            'Zielony Ogród' (from knowledge base)",
        "knowledge base   1 entries",
        f"orders           service {env['INFOLINIA_ORDERS_URL']} answers",
        "agents roster    2 agents",
        "redis            redis://",
        "twilio online    credentials valid (Zielony Ogród)",
        f"twilio webhook   the number calls {PUBLIC}/twilio/voice",
        "voice            pl_PL-darkman-medium",
        "demo data        none in use",
        "lines            12 calls at once per worker, then 'all lines busy' and the fallback",
    ):
        assert line in out, line


@pytest.mark.parametrize(
    ("setting", "value", "problem", "detail"),
    [
        ("INFOLINIA_KB_PATH", "{tmp}/missing.yaml", "knowledge base", "knowledge base file not found"),
        ("INFOLINIA_PROMPTS_PATH", "{tmp}/bad-prompts.yaml", "prompts", "prompts.greeting: missing placeholder {shop}"),
        ("INFOLINIA_ORDERS_URL", "http://127.0.0.1:{port}", "orders", "orders service unreachable"),
        ("INFOLINIA_AGENTS_PATH", "{tmp}/bad-roster.yaml", "agents roster", "invalid agents roster"),
        ("INFOLINIA_REDIS_URL", "redis://:sekret@127.0.0.1:{port}/0", "redis", "redis://:***@127.0.0.1"),
        ("INFOLINIA_TWILIO_AUTH_TOKEN", "", "twilio token", "INFOLINIA_TWILIO_AUTH_TOKEN is not set"),
        ("INFOLINIA_TWILIO_NUMBER", "221234567", "twilio number", "is not E.164"),
        ("INFOLINIA_PUBLIC_URL", "http://infolinia.sklep.example", "public url", "is not https"),
        ("INFOLINIA_PUBLIC_URL", "https://localhost:8443", "public url", "Twilio cannot reach it"),
        ("INFOLINIA_FALLBACK_NUMBER", "0048221112233", "fallback number", "is not E.164"),
        ("INFOLINIA_DEV_MODE", "true", "public url", "/v1/chat, /v1/voice/turn and /docs answer anyone"),
        ("INFOLINIA_WHISPER_MODEL", "small", "whisper", "run `infolinia models download small`"),
        ("INFOLINIA_PIPER_VOICE", "pl_PL-gosia-medium", "voice", "infolinia models download pl_PL-gosia-medium"),
        ("INFOLINIA_WHISPER_MODEL", "{tmp}/whisper-small", "whisper", "whisper-small does not exist: name a folder"),
    ],
)
def test_each_problem_is_named_and_fails_the_check(
    env: dict[str, str],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    setting: str,
    value: str,
    problem: str,
    detail: str,
) -> None:
    (tmp_path / "bad-prompts.yaml").write_text("prompts:\n  greeting: Dzień dobry.\n", encoding="utf-8")
    (tmp_path / "bad-roster.yaml").write_text("agents: [{id: x}]\n", encoding="utf-8")
    monkeypatch.setenv(setting, value.format(tmp=tmp_path, port=free_port()))
    status, out = check(capsys)
    assert status == 1, out
    failed = [line for line in out.splitlines() if line.startswith("  FAIL")]
    assert len(failed) == 1 and f"  FAIL  {problem}" in failed[0] and detail in failed[0], out
    assert out.rstrip().splitlines()[-1] == f"NOT READY: 1 problem(s): {problem}"
    assert "sekret" not in out


def test_online_rejected_credentials_and_a_webhook_pointing_elsewhere(
    env: dict[str, str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("INFOLINIA_TWILIO_AUTH_TOKEN", "a-wrong-token-0123456789")
    status, out = check(capsys, "--online")
    assert status == 1 and "FAIL  twilio online    credentials rejected (HTTP 401)" in out
    monkeypatch.setenv("INFOLINIA_TWILIO_AUTH_TOKEN", TOKEN)
    monkeypatch.setenv("INFOLINIA_PUBLIC_URL", "https://nowy.sklep.example")
    status, out = check(capsys, "--online")
    assert status == 1 and "FAIL  twilio webhook   the number calls 'https://infolinia.sklep.example" in out


def test_demo_data_and_the_fallback_voice_are_warnings(
    env: dict[str, str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    for name in ("INFOLINIA_KB_PATH", "INFOLINIA_ORDERS_URL", "INFOLINIA_PROMPTS_PATH"):
        monkeypatch.delenv(name)
    (tmp_path / "models" / "piper" / "pl_PL-darkman-medium.onnx").unlink()
    status, out = check(capsys)
    assert status == 0, out
    assert "WARN  demo data        in use: the demo knowledge base" in out and "the demo brand 'Sklep Demo'" in out
    assert "WARN  voice            en_US-joe-medium: offline fallback" in out


def test_no_limit_on_calls_at_once_is_a_warning(
    env: dict[str, str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("INFOLINIA_MAX_CONCURRENT_CALLS")  # the default, 0: every call of a burst is answered
    status, out = check(capsys)
    assert status == 0, out
    assert "WARN  lines            INFOLINIA_MAX_CONCURRENT_CALLS is 0: no limit" in out


def test_an_own_kb_without_an_orders_source_has_order_lookups_off(
    env: dict[str, str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("INFOLINIA_ORDERS_URL")
    status, out = check(capsys)
    assert status == 0 and "ok    orders           none: order lookups are off with your own KB" in out


def test_where_transfers_go_without_a_roster_or_redis_and_a_misspelled_setting(
    env: dict[str, str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("INFOLINIA_AGENTS_PATH")
    monkeypatch.setenv("INFOLINIA_RATE_LIMIT_TOKEN", "600/minute")
    monkeypatch.setenv("INFOLINIA_BRANDNAME", "Zielony Ogród")
    _, out = check(capsys)
    assert "no agent takes a transfer, callers are offered a callback" in out
    assert re.search(r"^  INFOLINIA_RATE_LIMIT_TOKEN +600/minute$", out, re.M)  # a rate, not a secret
    assert "INFOLINIA_BRANDNAME (did you mean INFOLINIA_BRAND_NAME?)" in out
    monkeypatch.delenv("INFOLINIA_REDIS_URL")
    _, out = check(capsys)
    assert "no agent takes a transfer, transfers go to the fallback number +48221112233" in out
    monkeypatch.delenv("INFOLINIA_FALLBACK_NUMBER")
    _, out = check(capsys)
    assert "a transfer is an apology and the call ends (no INFOLINIA_FALLBACK_NUMBER)" in out


def test_a_deployment_without_a_phone_line_is_ready_with_one_warning(
    env: dict[str, str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("INFOLINIA_TWILIO_ACCOUNT_SID", "INFOLINIA_TWILIO_AUTH_TOKEN", "INFOLINIA_TWILIO_NUMBER"):
        monkeypatch.delenv(name)
    monkeypatch.setenv("INFOLINIA_PUBLIC_URL", "http://127.0.0.1:8080")  # chat behind a proxy on this host
    monkeypatch.delenv("INFOLINIA_FALLBACK_NUMBER")
    status, out = check(capsys, "--online")  # no API key: development mode, the chat API open to anyone
    assert status == 1 and re.search(r"^  FAIL  public url +development mode", out, re.M), out
    monkeypatch.setenv("INFOLINIA_API_KEYS", "widget=" + "ab" * 32)
    status, out = check(capsys, "--online")
    assert re.search(r"^  WARN  public url +http://127.0.0.1:8080 is not https", out, re.M), out
    # no Twilio token to derive the session-id secret from: gateways on several hosts would sign differently
    assert re.search(r"^  WARN  session ids +INFOLINIA_SESSION_SECRET not set", out, re.M), out
    monkeypatch.setenv("INFOLINIA_SESSION_SECRET", "5e" * 32)
    monkeypatch.setenv("INFOLINIA_PUBLIC_URL", "https://czat.sklep.example")
    status, out = check(capsys, "--online")
    assert status == 0, out
    assert re.search(r"^  WARN  phone line +not set up \(no INFOLINIA_TWILIO_\* setting\)", out, re.M), out
    findings = [line for line in out.splitlines() if re.match(r"^  (ok|WARN|FAIL) ", line)]
    assert not [line for line in findings if "twilio" in line or "fallback" in line]
    assert out.rstrip().endswith("Ready to go live (1 warning(s): phone line)")
    monkeypatch.setenv("INFOLINIA_TWILIO_NUMBER", NUMBER)  # half a phone line: every phone check applies
    status, out = check(capsys)
    assert status == 1 and "FAIL  twilio token" in out and "FAIL  fallback number" in out


def test_a_chat_deployment_without_api_keys_is_told_chat_refuses_everyone(
    env: dict[str, str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Found by a walkthrough of the Docker set-up (listening on 0.0.0.0, so no development mode): check said
    "chat and speakers work" while every /v1/chat request was refused for want of an API key."""
    for name in ("INFOLINIA_TWILIO_ACCOUNT_SID", "INFOLINIA_TWILIO_AUTH_TOKEN", "INFOLINIA_TWILIO_NUMBER"):
        monkeypatch.delenv(name)
    monkeypatch.setenv("INFOLINIA_HOST", "0.0.0.0")
    monkeypatch.setenv("INFOLINIA_PUBLIC_URL", "https://czat.sklep.example")
    monkeypatch.setenv("INFOLINIA_SESSION_SECRET", "5e" * 32)  # gateways on several hosts: one secret
    status, out = check(capsys)
    assert status == 0, out
    assert re.search(
        r"^  WARN  api keys +none \(INFOLINIA_API_KEYS\): /v1/chat and /v1/voice/turn refuse every request; "
        r"make one with `infolinia apikey --name widget`$",
        out,
        re.M,
    ), out
    assert "chat and speakers work" not in out
    monkeypatch.setenv("INFOLINIA_API_KEYS", "widget=" + "ab" * 32)
    status, out = check(capsys)
    assert "api keys" not in out and out.rstrip().endswith("Ready to go live (1 warning(s): phone line)"), out


def test_a_roster_whose_queues_the_bot_never_hands_over_to_is_named(
    env: dict[str, str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Found by an office operator's walkthrough: agents serving "sekretariat" passed the check and the gateway
    started, and every citizen asking for a person heard that no consultant was available (the bot hands over
    to the fixed queues obsluga, reklamacje, sprzedaz)."""
    (tmp_path / "agents.yaml").unlink()
    roster = roster_serving(tmp_path / "agents.yaml", ["sekretariat"])
    bartek = yaml.safe_load(roster.read_text(encoding="utf-8"))
    bartek["agents"][1]["queues"] = ["sekretariat"]
    roster.write_text(yaml.safe_dump(bartek, allow_unicode=True), encoding="utf-8")
    status, out = check(capsys)
    assert status == 1, out
    assert re.search(
        r"^  FAIL  agents roster +2 agents from .*; no agent serves obsluga \(emergencies, asking for a person, "
        r"not understood\), reklamacje \(complaints\), sprzedaz \(individual offers\): those chats and calls "
        r"find nobody \(the bot hands over only to the queues obsluga, reklamacje, sprzedaz",
        out,
        re.M,
    ), out
    roster_serving(tmp_path / "agents.yaml", ["obsluga", "reklamacje"])  # bartek: obsluga; nobody: sprzedaz
    status, out = check(capsys)
    assert status == 0, out
    assert re.search(
        r"^  WARN  agents roster +2 agents from .*; no agent serves sprzedaz \(individual offers\):", out, re.M
    )
    # found by a water utility's walkthrough: the Polish spelling in the roster, named with the fix
    roster_serving(tmp_path / "agents.yaml", ["obsługa", "reklamacje", "sprzedaż"])  # bartek: obsluga
    status, out = check(capsys)
    assert status == 0, out
    assert re.search(
        r"^  WARN  agents roster .*no agent serves sprzedaz .*; the roster names "
        r"'obsługa' \(did you mean 'obsluga'\?\), 'sprzedaż' \(did you mean 'sprzedaz'\?\)$",
        out,
        re.M,
    ), out


def test_queue_settings_are_printed_as_read_and_a_queue_the_bot_never_hands_over_to_is_named(
    env: dict[str, str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Found by a telecom operator's walkthrough: INFOLINIA_QUEUES with "obsługa" (the Polish spelling) passed
    the check and started, and its hours and wait applied to no caller; now a warning names the likely queue.
    A queue named only for its wait shows the business hours it really keeps (it kept the built-in ones)."""
    monkeypatch.setenv("INFOLINIA_BUSINESS_HOURS", "pn-pt 8:00-20:00")
    monkeypatch.setenv("INFOLINIA_QUEUES", '{"reklamacje": {"max_wait_s": 120}}')
    status, out = check(capsys)
    assert status == 0, out
    assert re.search(
        r"^  ok    queues +pn-pt 8:00-20:00 \(Europe/Warsaw, public holidays closed\); "
        r"reklamacje: pn-pt 8:00-20:00, max wait 120 s$",
        out,
        re.M,
    ), out
    monkeypatch.setenv("INFOLINIA_QUEUES", '{"obsługa": {"max_wait_s": 60}, "sekretariat": {"hours": "pn 8:00-9:00"}}')
    status, out = check(capsys)
    assert status == 0, out  # a warning: the gateway works, with the default hours and wait
    assert re.search(
        r"^  WARN  queues +INFOLINIA_QUEUES names 'obsługa' \(did you mean 'obsluga'\?\), 'sekretariat': the bot "
        r"hands no caller to them, so their hours and max_wait_s apply to nobody \(the queues are obsluga, "
        r"reklamacje, sprzedaz\)$",
        out,
        re.M,
    ), out
