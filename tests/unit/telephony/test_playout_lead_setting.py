"""``INFOLINIA_PLAYOUT_LEAD_S``: bounded at start-up, and what the phone's composition root gives every call."""

from __future__ import annotations

import pytest

from dialog.store import MemoryStore
from telephony.app import cli
from telephony.app.phone import build_call_deps
from telephony.call.path import CallPath
from telephony.ports import CallStarted
from telephony.settings import Settings
from tests.support.call import FakeCallControl, ScriptedDialog
from tests.support.line import Line
from tests.support.speech import ToneSynthesizer


@pytest.mark.parametrize(
    ("value", "problem"), [("0.05", "greater than or equal to 0.1"), ("6", "less than or equal to 5")]
)
def test_a_lead_out_of_bounds_stops_start_up_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], value: str, problem: str
) -> None:
    monkeypatch.setenv("INFOLINIA_PLAYOUT_LEAD_S", value)
    assert cli.main(["check"]) == 2
    (line,) = [x for x in capsys.readouterr().err.splitlines() if "INFOLINIA_PLAYOUT_LEAD_S" in x]
    assert problem in line


async def test_the_lead_set_by_the_operator_paces_every_call() -> None:
    settings = Settings(playout_lead_s=0.8)
    deps = await build_call_deps(settings, MemoryStore(), ScriptedDialog(), None, ToneSynthesizer(), FakeCallControl())
    call = CallPath(deps, Line(), CallStarted("CA" + "1" * 32, "MZ" + "1" * 32, {}))
    assert call.playout.max_lead_s == 0.8
    default = await build_call_deps(
        Settings(), MemoryStore(), ScriptedDialog(), None, ToneSynthesizer(), FakeCallControl()
    )
    assert CallPath(default, Line(), CallStarted("CA" + "2" * 32, "MZ" + "2" * 32, {})).playout.max_lead_s == 2.0
