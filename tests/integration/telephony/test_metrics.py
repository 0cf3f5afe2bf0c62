"""Prometheus metrics: per-app registries, what a call reports, and ``GET /metrics`` over real HTTP.

The call tests run the real Twilio router and call pipeline on a real uvicorn server (the simulator's
helpers), with fake models, and read the figures back from the scrape a Prometheus server would get.
"""

from __future__ import annotations

from pathlib import Path

import httpx
from fastapi import FastAPI

from dialog.ports import Outcome
from dialog.store import MemoryStore
from telephony.call.deps import CallReport
from telephony.call.timing import TurnTiming
from telephony.devtools.simulator_rest import FakeTwilioRest
from telephony.devtools.simulator_run import run_simulation
from telephony.exposition import parse_exposition
from telephony.metrics import Metrics, build_metrics_router
from tests.support.call import AmplitudeVAD, ScriptedDialog
from tests.support.gateway import PUBLIC, TOKEN, LengthRecognizer, deps_for, gateway, tone_wav
from tests.support.speech import ToneSynthesizer


def _turn(n: int, base: float, asr: float, dialog: float, tts: float) -> TurnTiming:
    t = TurnTiming(turn=n, action="answer")
    t.stamp("speech_end", base)
    t.stamp("turn_detected", base + 0.5)
    t.stamp("transcript_ready", base + 0.5 + asr)
    t.stamp("dialog_decided", base + 0.5 + asr + dialog)
    t.stamp("first_audio_sent", base + 0.5 + asr + dialog + tts)
    return t


def test_each_metrics_object_has_its_own_registry_and_observes_every_stage() -> None:
    a, b = Metrics(), Metrics()
    a.call_started()
    report = CallReport("CA1", "s1", "hung_up", [_turn(1, 10.0, 0.4, 0.01, 0.2), _turn(2, 20.0, 0.6, 0.02, 0.3)], [])
    a.call_ended(report)
    a.call_started()
    a.call_ended(CallReport("CA2", "s2", "transferred", [], [], errors=["RuntimeError('asr down')"]))
    got, other = parse_exposition(a.render().decode()), parse_exposition(b.render().decode())
    assert got["infolinia_calls_started_total{}"] == 2 and other["infolinia_calls_started_total{}"] == 0
    assert got["infolinia_calls_active{}"] == 0
    assert got["infolinia_calls_ended_total{ended=hung_up}"] == 1
    assert got["infolinia_calls_ended_total{ended=transferred}"] == 1
    assert got["infolinia_calls_contained_total{}"] == 1  # the transferred call was not contained
    assert got["infolinia_errors_total{kind=call:RuntimeError}"] == 1
    assert got["infolinia_turn_latency_seconds_count{source=speech}"] == 2
    assert abs(got["infolinia_turn_latency_seconds_sum{source=speech}"] - (0.5 + 0.61 + 0.5 + 0.92)) < 1e-6
    assert abs(got["infolinia_turn_stage_seconds_sum{stage=transcript}"] - 1.0) < 1e-6
    assert got["infolinia_turn_stage_seconds_count{stage=dialog}"] == 2
    assert got["infolinia_turns_total{action=answer,source=speech}"] == 2
    assert "process_resident_memory_bytes{}" in got  # CPU and memory of the process, single-process mode


async def test_metrics_endpoint_and_queue_observers() -> None:
    class Model:
        queue_observer = None
        abandoned_observer = None

    metrics, asr, tts = Metrics(), Model(), Model()
    metrics.watch_speech(asr, tts)
    assert asr.queue_observer is not None and tts.queue_observer is not None
    asr.queue_observer(0.3)
    assert asr.abandoned_observer is not None
    asr.abandoned_observer(0.7)  # a speculative recognition the caller talked over ran on for 0.7 s
    tts.queue_observer(0.02)
    metrics.edge_event("refused")
    metrics.edge_event("webhook_error")
    app = FastAPI()
    app.include_router(build_metrics_router(metrics))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        resp = await client.get("/metrics")
    assert resp.status_code == 200 and resp.headers["content-type"].startswith("text/plain")
    got = parse_exposition(resp.text)
    assert got["infolinia_asr_queue_seconds_count{}"] == 1 and got["infolinia_asr_queue_seconds_sum{}"] == 0.3
    assert got["infolinia_tts_queue_seconds_bucket{le=0.05}"] == 1
    assert got["infolinia_asr_abandoned_seconds_count{}"] == 1 and got["infolinia_asr_abandoned_seconds_sum{}"] == 0.7
    assert got["infolinia_admission_total{decision=refused}"] == 1
    assert got["infolinia_errors_total{kind=webhook_error}"] == 1


async def test_a_real_call_with_a_barge_in_is_counted(tmp_path: Path) -> None:
    dialog, store = ScriptedDialog(), MemoryStore()
    long_reply = "To jest długa odpowiedź. Ma kilka zdań. Każde zdanie trwa chwilę. Rozmówca jej nie dosłucha."
    dialog.replies["krótkie pytanie"] = Outcome("s1", "answer", long_reply)
    deps = deps_for(
        dialog, store, LengthRecognizer("krótkie pytanie", "długie pytanie"), ToneSynthesizer(15.0), AmplitudeVAD
    )
    deps.metrics = metrics = Metrics()
    turns = [tone_wav(tmp_path / "a.wav", 0.8), tone_wav(tmp_path / "b.wav", 1.4)]
    async with gateway(deps, store) as base:
        result = await run_simulation(turns, base, public_url=PUBLIC, auth_token=TOKEN, barge_in=True)
    got = parse_exposition(metrics.render().decode())
    assert got["infolinia_calls_started_total{}"] == 1 and got["infolinia_calls_active{}"] == 0
    assert got["infolinia_calls_ended_total{ended=caller_hung_up}"] == 1
    assert got["infolinia_calls_contained_total{}"] == 1
    assert got["infolinia_barge_ins_total{}"] >= 1
    assert got["infolinia_turn_latency_seconds_count{source=speech}"] == 2
    # in seconds, and spans inside the call: two latencies cannot add up to more than the whole call
    assert 0 < got["infolinia_turn_latency_seconds_sum{source=speech}"] < result.duration_s
    assert got["infolinia_turn_stage_seconds_count{stage=transcript}"] == 2


async def test_a_transfer_is_counted_by_reason_and_queue(tmp_path: Path) -> None:
    from telephony.twilio.rest import TwilioRestClient

    rest = FakeTwilioRest("AC" + "0" * 32, TOKEN)
    await rest.start()
    dialog, store = ScriptedDialog(), MemoryStore()
    deps = deps_for(dialog, store, LengthRecognizer("a", "b"), ToneSynthesizer(15.0), AmplitudeVAD)
    deps.call_control = TwilioRestClient("AC" + "0" * 32, TOKEN, api_base=rest.url)
    deps.metrics = metrics = Metrics()
    try:
        async with gateway(deps, store) as base:
            result = await run_simulation(["dtmf:0"], base, public_url=PUBLIC, auth_token=TOKEN, rest=rest)
    finally:
        await rest.stop()
    assert result.ended_by == "transferred"
    got = parse_exposition(metrics.render().decode())
    (key,) = [k for k in got if k.startswith("infolinia_transfers_total{")]
    assert "reason=requested_human" in key and got[key] == 1
    assert got["infolinia_calls_ended_total{ended=transferred}"] == 1
    assert got.get("infolinia_calls_contained_total{}", 0) == 0
    assert got["infolinia_turns_total{action=transfer,source=dtmf}"] == 1
