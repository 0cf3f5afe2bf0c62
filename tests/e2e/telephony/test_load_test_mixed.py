"""``infolinia bench calls --workload mixed`` end to end: real models, callers from the shared recordings."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest

from telephony.devtools.load_test_run import bench_calls
from telephony.settings import Settings


@pytest.mark.models
async def test_the_mixed_workload_asks_for_orders_and_reports_them_apart(
    whisper_base: str, models_dir: Path, eval_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """One call of three turns: an order number said digit by digit, one pressed, a recorded sentence."""
    settings = Settings(
        whisper_model=whisper_base,
        models_dir=models_dir,
        redis_url=None,
        metrics_dir=None,
        tts_prerender=False,
        tts_cache_dir=tmp_path / "tts-cache",
    )
    args = argparse.Namespace(
        calls=1, concurrency="1", turns=3, url=None, pid=None, wavs=None, max_call_s=120.0, workload="mixed",
        eval_dir=eval_dir, json_out=str(tmp_path / "bench.json"), md_out=str(tmp_path / "bench.md"),
    )  # fmt: skip
    assert await bench_calls(args, settings) == 0
    report = json.loads((tmp_path / "bench.json").read_text())
    run = report["runs"][0]
    assert report["workload"] == "mixed"
    assert (run["calls"], run["turns"], run["turns_answered"], run["errors"], run["dropped"]) == (1, 3, 3, 0, 0)
    kinds = run["by_kind"]
    assert (kinds["dynamic"]["turns"], kinds["static"]["turns"]) == (2, 1)  # two order turns, one sentence
    assert run["gateway"]["tts_queue"]["count"] >= 2  # the order statuses were synthesized during the call
    table = capsys.readouterr().out
    assert "| 1 | 2/3 |" in table and table.strip().endswith((tmp_path / "bench.md").read_text().strip())
