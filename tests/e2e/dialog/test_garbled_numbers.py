"""A caller reading out an order number, as Whisper base wrote it from the shared phone recordings of the
digits (``bench calls --workload mixed``, 52375 at eight frame phases): garbled, but never an emergency.

One of these ("Pięźdwa, trzecie dem, pięźdwa") used to be sent to a human as urgent: the digits no longer
look like a number to the cues, and short garbled text sits close to the short urgent prototypes. Neutral
prototypes of a caller reading a number (dialog/data/escalation_prototypes.yaml) pull it back."""

from __future__ import annotations

import pytest

from dialog.engine import DialogEngine
from dialog.factory import build_engine
from dialog.ports import CallerInfo

HEARD = [
    "Pięźdwa, trzecie dem, pięźdwa",
    "Pięźdwa Trzecie dem Pięźdwa",
    "Pięć, dwa, trzy, chiedem, pięć",
    "do warty sześciedem pięgi",
    "Pięźdwa Sześciedem Pięźdwa",
    "Pięć, dwa, trzy, ty dę, pięć",
]


@pytest.fixture(scope="module")
def engine() -> DialogEngine:
    return build_engine()


@pytest.mark.parametrize("heard", HEARD)
async def test_a_garbled_order_number_is_not_an_emergency(engine: DialogEngine, heard: str) -> None:
    outcome = await engine.handle(None, heard, CallerInfo(channel="phone"))
    assert outcome.action != "transfer", (heard, outcome.reply)


async def test_a_real_emergency_still_is(engine: DialogEngine) -> None:
    outcome = await engine.handle(None, "czuję gaz w kuchni, co mam robić", CallerInfo(channel="phone"))
    assert outcome.action == "transfer" and outcome.transfer is not None and outcome.transfer.reason == "urgent"
