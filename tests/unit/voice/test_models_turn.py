"""Getting the Smart Turn file: a clear error naming the command when it is missing, a checked extraction."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from voice import models_turn
from voice.model_paths import DownloadError, ModelNotAvailable
from voice.models_turn import prepare_smart_turn, resolve_smart_turn, smart_turn_path


def test_missing_model_names_the_command(tmp_path: Path) -> None:
    with pytest.raises(ModelNotAvailable, match="infolinia models prepare"):
        resolve_smart_turn(tmp_path)


def test_a_wheel_with_a_different_model_is_refused_and_nothing_is_left(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What pip downloaded must be the pinned model, byte for byte; a mismatch leaves no file behind."""

    def fake_wheel(into: Path, timeout_s: float) -> Path:
        wheel = into / "pipecat_ai-1.14.0-py3-none-any.whl"
        with zipfile.ZipFile(wheel, "w") as z:
            z.writestr(models_turn._MEMBER, b"not the model")
            z.writestr(models_turn._LICENCE, "BSD 2-Clause License")
        return wheel

    monkeypatch.setattr(models_turn, "_installed_copy", lambda: None)
    monkeypatch.setattr(models_turn, "_download_wheel", fake_wheel)
    with pytest.raises(DownloadError, match="checksum"):
        prepare_smart_turn(tmp_path)
    assert not smart_turn_path(tmp_path).exists()
    assert list(smart_turn_path(tmp_path).parent.iterdir()) == []  # the temporary directory is gone too
