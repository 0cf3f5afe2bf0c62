"""The shop's identity through the composition roots: the brand and the operator's wording in what the
engine says, a bad prompts file stopping ``serve`` with one line, and the default demo left untouched."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from dialog import catalogue
from dialog.ports import CallerInfo
from dialog.prompts import PromptsError
from dialog.store import MemoryStore
from telephony.app import cli
from telephony.app.build import build_gateway
from telephony.app.factory import gateway_app
from telephony.app.services import build_dialog
from telephony.settings import Settings

OWN_KB = """
entries:
  - id: godziny
    questions: ["W jakich godzinach działa sklep?"]
    answer: Sklep jest otwarty od poniedziałku do piątku.
"""


@pytest.fixture(autouse=True)
def restore_catalogue() -> Iterator[None]:
    yield
    catalogue.configure({})


@pytest.fixture
def own_kb(tmp_path: Path) -> Path:
    path = tmp_path / "kb.yaml"
    path.write_text(OWN_KB, encoding="utf-8")
    return path


async def greeting(settings: Settings, channel: str = "phone") -> str:
    dialog = build_dialog(settings, MemoryStore())
    return (await dialog.greet(None, CallerInfo(channel=channel))).reply


async def test_the_demo_greets_as_sklep_demo() -> None:
    text = await greeting(Settings(speech=False))
    assert text.startswith("Dzień dobry, tu Sklep Demo. Odbiera automatyczny asystent.")


async def test_an_own_kb_without_a_brand_never_says_sklep_demo(own_kb: Path) -> None:
    text = await greeting(Settings(speech=False, kb_path=own_kb))
    assert "Sklep Demo" not in text and text.startswith(catalogue.GREETING_NO_BRAND)
    written = await greeting(Settings(speech=False, kb_path=own_kb), "chat")
    assert written.startswith(catalogue.GREETING_NO_BRAND_WRITTEN) and catalogue.RODO_NOTICE in written


async def test_the_brand_from_the_setting_or_the_prompts_file(own_kb: Path, tmp_path: Path) -> None:
    prompts = tmp_path / "prompts.yaml"
    prompts.write_text(
        "brand: Zielony Ogród\nprompts:\n  how_can_i_help: Jak mogę pomóc w ogrodzie?\n", encoding="utf-8"
    )
    text = await greeting(Settings(speech=False, kb_path=own_kb, prompts_path=prompts))
    assert text.startswith("Dzień dobry, tu Zielony Ogród. Odbiera automatyczny asystent.")
    assert text.endswith("Jak mogę pomóc w ogrodzie?")
    text = await greeting(Settings(speech=False, kb_path=own_kb, prompts_path=prompts, brand_name="Ogrody Nowak"))
    assert text.startswith("Dzień dobry, tu Ogrody Nowak.")
    # the chat's welcome names the same brand, written for reading: no "Odbiera", nothing to press
    written = await greeting(Settings(speech=False, kb_path=own_kb, prompts_path=prompts), "chat")
    assert written.startswith("Dzień dobry, tu Zielony Ogród. Na czacie odpowiada automatyczny asystent.")
    assert catalogue.RODO_NOTICE in written and catalogue.DTMF_HINT not in written


def test_the_gateway_applies_the_prompts_when_built(tmp_path: Path) -> None:
    """The Twilio webhook fallbacks speak from the first second, before start-up builds the engine."""
    prompts = tmp_path / "prompts.yaml"
    prompts.write_text("prompts:\n  unavailable_apology: Przerwa techniczna, prosimy dzwonić później.\n", "utf-8")
    build_gateway(Settings(speech=False, prompts_path=prompts))
    assert catalogue.UNAVAILABLE_APOLOGY == "Przerwa techniczna, prosimy dzwonić później."


def test_a_bad_prompts_file_fails_the_gateway_build(tmp_path: Path) -> None:
    prompts = tmp_path / "prompts.yaml"
    prompts.write_text("prompts:\n  greeting: Dzień dobry.\n", encoding="utf-8")
    with pytest.raises(PromptsError, match=r"prompts\.greeting: missing placeholder"):
        build_gateway(Settings(speech=False, prompts_path=prompts))


def test_serve_stops_with_one_line_naming_the_file_and_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    prompts = tmp_path / "prompts.yaml"
    prompts.write_text("prompts:\n  goodbye: Do widzenia {name}.\n", encoding="utf-8")
    monkeypatch.setenv("INFOLINIA_PROMPTS_PATH", str(prompts))
    monkeypatch.setenv("INFOLINIA_LOG_JSON", "false")
    assert cli.main(["serve", "--port", "1"]) == 2  # fails before any server starts
    err = capsys.readouterr().err.strip()
    assert err == f"infolinia: {prompts}: prompts.goodbye: unknown placeholder {{name}} (allowed: none)"


def test_serve_stops_on_a_knowledge_base_it_cannot_use(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Found by a walkthrough: a KB with an indentation error let the gateway run with /healthz 200, and every
    call got the technical-problem apology; now serve refuses to start, naming the file and the line."""
    kb = tmp_path / "kb.yaml"
    kb.write_text("entries:\n  - id: a\n    questions:\n      - Ile?\n     answer: x\n", encoding="utf-8")
    monkeypatch.setenv("INFOLINIA_KB_PATH", str(kb))
    monkeypatch.setenv("INFOLINIA_LOG_JSON", "false")
    assert cli.main(["serve", "--port", "1"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"infolinia: {kb}: not valid YAML") and "line 5" in err


def test_readyz_says_why_start_up_failed(tmp_path: Path) -> None:
    kb = tmp_path / "kb.yaml"
    kb.write_text("entries: []\n", encoding="utf-8")
    gateway = build_gateway(Settings(speech=False, kb_path=kb))
    with TestClient(gateway_app(gateway)) as client:
        for _ in range(100):
            ready = client.get("/readyz")
            if "startup_error" in ready.json():
                break
            time.sleep(0.05)
    assert ready.status_code == 503 and ready.json()["checks"]["services"] is False
    assert ready.json()["startup_error"].startswith(f"KBError: {kb}: expected a top-level 'entries:' list")
