"""The load test's parts: concurrent simulated calls over the real wire, the figures, the report."""

from __future__ import annotations

import argparse
import json
import os
import re
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI

from dialog.store import MemoryStore
from telephony.devtools.load_test import Target, percentiles, run_calls, summarize
from telephony.devtools.load_test_report import (
    ProcSampler,
    abandoned_line,
    capacity,
    gateway_figures,
    histogram_delta,
    markdown,
    read_cpu_s,
    read_memory_mb,
    transfer_line,
)
from telephony.devtools.load_test_run import bench_calls, levels, scripts
from telephony.devtools.simulator_audio import load_turn
from telephony.devtools.simulator_rest import FakeTwilioRest
from telephony.exposition import parse_exposition
from telephony.metrics import Metrics
from telephony.ports import AudioChannel, CallEnded, CallStarted
from telephony.settings import Settings
from telephony.twilio.deps import TwilioDeps
from telephony.twilio.rest import TwilioRestClient
from telephony.twilio.routes import build_twilio_router
from tests.support.call import AmplitudeVAD, ScriptedDialog
from tests.support.gateway import PUBLIC, TOKEN, LengthRecognizer, deps_for, gateway, tone_wav
from tests.support.servers import serve_in_thread
from tests.support.speech import ToneSynthesizer


async def test_concurrent_calls_each_get_their_own_hang_up_or_transfer(tmp_path: Path) -> None:
    rest = FakeTwilioRest("AC" + "0" * 32, TOKEN)
    await rest.start()
    dialog, store = ScriptedDialog(), MemoryStore()
    deps = deps_for(dialog, store, LengthRecognizer("a", "b"), ToneSynthesizer(15.0), AmplitudeVAD)
    deps.call_control = TwilioRestClient("AC" + "0" * 32, TOKEN, api_base=rest.url)
    tone, zero = load_turn(tone_wav(tmp_path / "q.wav", 0.8)), load_turn("dtmf:0")
    try:
        async with gateway(deps, store) as base, ProcSampler(os.getpid(), interval_s=0.2) as sampler:
            outcomes, wall = await run_calls(
                Target(base, PUBLIC, TOKEN), [[tone], [zero], [tone, zero]], 2, rest=rest, stagger_s=0.2
            )
    finally:
        await rest.stop()
    assert [o.ended_by for o in outcomes] == ["caller", "transferred", "transferred"]
    summary = summarize(outcomes, wall, 2)
    assert (summary["calls"], summary["turns"], summary["turns_answered"]) == (3, 4, 4)
    assert (summary["transfers"], summary["errors"], summary["dropped"]) == (2, 0, 0)
    # Every turn answered after the caller finished, the percentiles in order; how fast is a benchmark figure.
    latency, greeting, wall = summary["turn_latency_s"], summary["greeting_s"], summary["wall_s"] + 0.05
    assert 0 < latency["p50"] <= latency["p95"] <= latency["max"] <= wall  # (wall_s is rounded to 0.1 s)
    assert greeting["p50"] is not None and 0 < greeting["p50"] <= greeting["max"] <= wall
    figures = sampler.summary()
    assert figures["cpu_avg_pct"] > 0 and figures["rss_max_mb"] > 10


async def test_a_rest_hang_up_with_a_goodbye_counts_as_no_transfer() -> None:
    """The fail-safe on a call with no fallback number hangs up over REST with Twilio saying the apology
    (``CallControl.hang_up(sid, goodbye)``: new TwiML, ``<Say>`` then ``<Hangup/>``). The bench counted such a
    call as transferred. Here the gateway's pipeline does just that, through the real REST client."""
    rest = FakeTwilioRest("AC" + "0" * 32, TOKEN)
    await rest.start()
    control = TwilioRestClient("AC" + "0" * 32, TOKEN, api_base=rest.url)

    async def pipeline(channel: AudioChannel, started: CallStarted) -> None:
        await control.hang_up(started.call_sid, "Przepraszam. Proszę zadzwonić później.")
        while not isinstance(await channel.receive(), CallEnded):  # Twilio ends the stream
            pass

    app = FastAPI()
    app.include_router(build_twilio_router(TwilioDeps(PUBLIC, TOKEN, "", MemoryStore(), pipeline)))
    try:
        with serve_in_thread(app) as base:
            outcomes, wall = await run_calls(Target(base, PUBLIC, TOKEN), [[load_turn("dtmf:1#")]], 1, rest=rest)
    finally:
        await control.aclose()
        await rest.stop()
    assert [o.ended_by for o in outcomes] == ["bot_hung_up_with_goodbye"]  # was "transferred"
    summary = summarize(outcomes, wall, 1)
    assert (summary["transfers"], summary["errors"], summary["ended_by"]) == (0, 0, {"bot_hung_up_with_goodbye": 1})


async def test_a_gateway_that_refuses_calls_counts_errors(tmp_path: Path) -> None:
    store = MemoryStore()
    deps = deps_for(ScriptedDialog(), store, LengthRecognizer("a", "b"), ToneSynthesizer(), AmplitudeVAD)
    async with gateway(deps, store) as base:
        outcomes, wall = await run_calls(Target(base, PUBLIC, "wrong-token"), [[load_turn("dtmf:1#")]], 1)
    summary = summarize(outcomes, wall, 1)
    assert summary["errors"] == 1 and summary["dropped"] == 1 and "403" in summary["error_samples"][0]


def test_figures_report_and_capacity() -> None:
    assert percentiles([1.0, 2.0, 3.0, 4.0]) == {"p50": 2.5, "p95": 3.85, "p99": 3.97}
    assert levels("1,2, 4") == [1, 2, 4]
    pool = [load_turn("dtmf:1#"), load_turn("dtmf:2#")]
    made = scripts(3, 3, pool, load_turn("dtmf:0"))
    assert [[t.label for t in s] for s in made][1] == ["dtmf:2#", "dtmf:1#", "dtmf:0"]
    before = Metrics()
    text0 = before.render().decode()
    for s in (0.02, 0.03, 0.6):
        before.asr_queue.observe(s)
    got = histogram_delta(
        parse_exposition(text0), parse_exposition(before.render().decode()), "infolinia_asr_queue_seconds"
    )
    assert got == {"count": 3, "mean_s": round(0.65 / 3, 3), "p95_le_s": 1.0}
    assert "unavailable" in gateway_figures(None, None)["metrics"]
    quiet = parse_exposition(before.render().decode())
    before.transfer("urgent", "pilne")
    before.transfer("not_understood", "default")
    before.transfer("not_understood", "default")
    reasons = gateway_figures(quiet, parse_exposition(before.render().decode()))["transfers_by_reason"]
    assert reasons == {"not_understood": 2, "urgent": 1}
    assert transfer_line([{"concurrency": 4, "gateway": {"transfers_by_reason": reasons}}, {"concurrency": 8}]) == (
        "Transfers by reason (per level): 4: not_understood 2, urgent 1; 8: none"
    )
    quiet = parse_exposition(before.render().decode())
    for spent in (0.4, 0.7):  # two speculative recognitions the callers talked over ran on for this long
        before.asr_abandoned.observe(spent)
    figures = gateway_figures(quiet, parse_exposition(before.render().decode()))
    assert abandoned_line([{"concurrency": 16, "gateway": figures}, {"concurrency": 20}]) == (
        "Recognitions nobody waited for any more (model time), per level: 16: 2 (1.1 s); 20: -"
    )
    run: dict[str, Any] = {"concurrency": 1, "calls": 2, "turns": 4, "turns_answered": 4, "transfers": 0, "errors": 0,
           "dropped": 0, "turn_latency_s": {"p50": 0.9, "p95": 1.2, "p99": 1.3, "max": 1.3},
           "greeting_s": {"p50": 0.02}, "load_avg_after": (1.0, 1.0, 1.0)}  # fmt: skip
    runs = [run, {**run, "concurrency": 2, "turn_latency_s": {**run["turn_latency_s"], "p95": 1.6}},
            {**run, "concurrency": 3, "errors": 1}]  # fmt: skip
    assert capacity(runs) == 1
    report = {"runs": runs, "capacity": 1, "machine": {"cpus": 2, "cpu_model": "x"},
              "load_avg_before": (0.5, 0.5, 0.5), "turns_per_call": 3, "gateway": "in-process"}  # fmt: skip
    table = markdown(report)
    assert "| 2 | 2 | 4/4 | 900 | 1600 |" in table and "**1 concurrent calls**" in table
    assert read_cpu_s(os.getpid()) > 0 and read_memory_mb(os.getpid())["rss_mb"] > 10


@pytest.mark.models
async def test_a_real_bench_fills_the_gateway_columns_from_metrics(
    whisper_base: str,  # the fixture: the test is skipped when Whisper base is missing
    models_dir: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """``infolinia bench calls`` end to end: real models in an in-process gateway, one call of one turn.

    The ASR/TTS queue and stage columns come from two scrapes of the gateway's own ``/metrics``; they
    used to print "-" because the bench wired a second Metrics that ``/metrics`` did not serve."""
    # No pre-rendering and an empty reply cache: the reply's first sentence must be synthesized during the
    # call, so the TTS queue column has at least one request to report.
    settings = Settings(
        whisper_model=whisper_base,
        models_dir=models_dir,
        redis_url=None,
        metrics_dir=None,
        tts_prerender=False,
        tts_cache_dir=tmp_path / "tts-cache",
    )
    args = argparse.Namespace(
        calls=1, concurrency="1", turns=1, url=None, pid=None, wavs=None, max_call_s=120.0,
        json_out=str(tmp_path / "bench.json"), md_out=str(tmp_path / "bench.md"),
    )  # fmt: skip
    assert await bench_calls(args, settings) == 0
    run = json.loads((tmp_path / "bench.json").read_text())["runs"][0]
    assert (run["calls"], run["turns_answered"], run["errors"], run["dropped"]) == (1, 1, 0, 0)
    gw = run["gateway"]
    wall = run["wall_s"] + 0.05  # (rounded to 0.1 s) nothing within the run can have lasted longer
    assert gw["asr_queue"]["count"] >= 1 and 0 <= gw["asr_queue"]["mean_s"] <= wall
    tts = gw["tts_queue"]  # the reply was synthesized during the call (nothing pre-rendered)
    assert tts["count"] >= 1 and 0 <= tts["mean_s"] <= wall
    stages = gw["stages"]
    assert all(stages[s]["count"] == 1 for s in ("transcript", "dialog", "tts_first_audio"))
    # turn detected -> transcript: 0 when the speculative recognition finished during the end-of-turn wait.
    # The stages are consecutive spans of the one turn's latency (speech end -> first audio), so in the
    # same unit they cannot add up to more than it: a figure in ms, or a span counted twice, would.
    spans = [stages[s]["mean_s"] for s in ("transcript", "dialog", "tts_first_audio")]
    assert all(x >= 0 for x in spans) and sum(spans) <= gw["server_turn_latency"]["mean_s"] + 0.002
    assert gw["asr_queue"]["count"] >= stages["transcript"]["count"]  # a turn: 1 recognition, 2 if speculated
    assert gw["server_turn_latency"]["count"] == 1 and gw["server_turn_latency"]["mean_s"] > 0
    row = next(line for line in (tmp_path / "bench.md").read_text().splitlines() if line.startswith("| 1 |"))
    cells = [c.strip() for c in row.strip("|").split("|")]
    asr_queue, tts_queue, asr_dialog_tts = cells[14], cells[15], cells[16]
    assert re.fullmatch(r"\d+/\d+ \(n=[1-9]\d*\)", asr_queue), row
    assert re.fullmatch(r"\d+/\d+ \(n=[1-9]\d*\)", tts_queue), row
    # the table shows the measured stage means (ms), not placeholders
    means = [f"{stages[s]['mean_s'] * 1000:.0f}" for s in ("transcript", "dialog", "tts_first_audio")]
    assert asr_dialog_tts.split(" / ") == means, row
    assert row in capsys.readouterr().out  # the same table is printed
