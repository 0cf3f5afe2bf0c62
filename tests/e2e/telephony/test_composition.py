"""The composition root as the gateway runs it: ``build_gateway`` from Settings, then start-up with the
real models, on the suite's real redis-server. What this guards is the wiring itself: the call
pipeline must get the very warm transfer whose routes the app serves (else every transfer silently
goes blind to the fallback number), and product code must never import the development tools."""

from __future__ import annotations

import ast
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import yaml

from dialog import catalogue
from dialog.store import RedisStore
from telephony.agents.roster import hash_token
from telephony.app import cli
from telephony.app.build import Gateway, build_gateway
from telephony.settings import Settings
from telephony.transfer.warm import WarmTransfer
from tests.support.paths import REPO_ROOT
from voice.asr import WhisperRecognizer
from voice.tts import PiperSynthesizer

ROOT = REPO_ROOT


def _roster(path: Path) -> Path:
    agent = {"id": "anna", "name": "Anna", "contact": "client:anna", "queues": ["obsluga"]}
    path.write_text(yaml.safe_dump({"agents": [{**agent, "token_sha256": hash_token("t-anna")}]}), encoding="utf-8")
    return path


@pytest.fixture
async def gateway(redis_url: str, models_dir: Path, whisper_base: str, tmp_path: Path) -> AsyncIterator[Gateway]:
    prefix = f"comp-{uuid.uuid4().hex[:8]}:"
    settings = Settings(
        redis_url=redis_url,
        redis_prefix=prefix,
        twilio_auth_token="composition-test-token",
        agents_path=_roster(tmp_path / "agents.yaml"),
        models_dir=models_dir,
        tts_cache_dir=tmp_path / "tts-cache",
        tts_prerender=False,  # the start-up job is not what this test is about
    )
    built = build_gateway(settings)
    try:
        yield built
    finally:
        if built.transfer is not None:
            redis = built.transfer.agents.agents.redis
            keys = [k async for k in redis.scan_iter(f"{prefix}*")]
            if keys:
                await redis.delete(*keys)
        await built.close()


@pytest.mark.models
async def test_start_up_gives_the_call_pipeline_the_gateway_s_warm_transfer(gateway: Gateway) -> None:
    assert gateway.services.value is None  # nothing loaded before start-up
    services = await gateway.start()
    assert gateway.services.value is services and await gateway.services.get() is services
    assert isinstance(services.recognizer, WhisperRecognizer) and isinstance(services.synthesizer, PiperSynthesizer)
    assert services.synthesizer.openings == tuple(catalogue.template_openings())  # templated replies start at once
    transfer = gateway.transfer
    assert transfer is not None  # Redis and a roster are configured
    deps = services.call_deps
    assert deps is not None  # speech is on: the phone line has its pipeline
    assert isinstance(deps.transfer, WarmTransfer) and deps.transfer is transfer.warm  # not the blind fallback
    assert deps.call_control is gateway.rest and deps.metrics is gateway.metrics
    # Phone turns go through the phone lane, device turns through their bounded share of the same recognizer.
    assert services.lanes is not None and services.lanes.recognizer is services.recognizer
    assert deps.recognizer is services.lanes.phone and services.device_recognizer is services.lanes.device
    assert gateway.transfer is not None and transfer.agents.limiter is gateway.limiter  # one brake for API and console
    assert transfer.warm.metrics is gateway.metrics
    assert transfer.agents.on_available == transfer.warm.dispatch_queues  # an available agent rings a caller
    assert (await transfer.agents.agents.get("anna")) is not None  # start-up published the roster
    # One Redis pool: the store, the agents features and the transfer share it.
    assert isinstance(gateway.store, RedisStore)
    assert gateway.store._redis is transfer.agents.agents.redis is transfer.warm.p.agents.redis


def test_without_redis_there_is_no_warm_transfer_and_the_store_is_embedded() -> None:
    gateway = build_gateway(Settings(speech=False))
    assert gateway.transfer is None and not isinstance(gateway.store, RedisStore)
    assert gateway.phone_parts().transfer is None  # calls transfer blindly to the fallback number


# --- development tools stay out of the product ------------------------------------------------------------
def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
    return names


def test_no_product_module_imports_the_development_tools() -> None:
    product = [p for pkg in ("voice", "dialog", "telephony") for p in (ROOT / pkg).rglob("*.py")]
    offenders = {
        str(p.relative_to(ROOT)): sorted(n for n in _imports(p) if n.startswith(("telephony.devtools", "tests")))
        for p in product
        if "devtools" not in p.parts and p.name != "fakes.py"
    }
    assert {k: v for k, v in offenders.items() if v} == {}


def test_the_cli_finds_the_development_commands_through_entry_points() -> None:
    found = cli.plugin_commands()
    assert {"bench", "simulate-call"} <= set(found)
    assert all(ep.group == cli.COMMANDS_GROUP and ep.value.startswith("telephony.devtools.") for ep in found.values())
    args = cli._parser().parse_args(["bench", "calls", "--calls", "2"])
    assert args.func.__module__ == "telephony.devtools.commands" and args.calls == 2
    sim = cli._parser().parse_args(["simulate-call", "a.wav", "--barge-in"])
    assert sim.wavs == ["a.wav"] and sim.barge_in and sim.func.__module__ == "telephony.devtools.simulate_cli"


def test_a_broken_command_plugin_does_not_break_the_product_commands(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text(
        '[project]\nname = "infolinia"\n[project.entry-points."infolinia.commands"]\nnope = "no.such.module:add"\n'
    )
    assert cli.plugin_commands(pyproject)["nope"].value == "no.such.module:add"
    args = cli._parser(pyproject).parse_args(["models", "list"])
    assert args.func is cli.cmd_models
    assert "command 'nope' (no.such.module:add) is unavailable" in capsys.readouterr().err
