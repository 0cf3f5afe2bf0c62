"""``infolinia check`` on the end-of-turn model: asked for only when configured, missing = fail naming the fix."""

from __future__ import annotations

from pathlib import Path


def test_infolinia_check_fails_on_a_configured_but_missing_model(tmp_path: Path) -> None:
    from telephony.app.check import check_models
    from telephony.settings import Settings

    found = check_models(Settings(turn_model="smart-turn", models_dir=tmp_path))
    (turn,) = [f for f in found if f.what == "end-of-turn model"]
    assert turn.level == "fail" and "infolinia models prepare" in turn.detail
    silence = check_models(Settings(turn_model="silence", models_dir=tmp_path))
    assert not [f for f in silence if f.what == "end-of-turn model"]  # not needed, not asked for
