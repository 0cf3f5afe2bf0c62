"""The mixed workload of ``bench calls`` (telephony/devtools/workload.py): what callers ask, in which order."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pytest

from telephony.devtools.workload import (
    DIGITS,
    MAY_MISS,
    FreshOrders,
    PlannedTurn,
    Recordings,
    caller_turn,
    demo_order_ids,
    dynamic_share,
    kind_lines,
    latency_by_kind,
    mixed_scripts,
    plan_calls,
    spoken_number,
    trim,
    write_many_orders,
)

ORDERS = ["48213", "48214", "50001"]


@pytest.mark.parametrize("turns", [1, 2, 3, 4, 5, 8])
def test_at_least_half_the_replies_are_dynamic(turns: int) -> None:
    plans = plan_calls(12, turns, ORDERS, sentences=5)
    assert dynamic_share(plans) >= 0.5
    for plan in plans:
        assert len(plan) == turns and plan[0].dynamic  # every call starts with an order
        # never two turns that may miss in a row (a sentence, a misheard number): the dialog would hand over
        assert not any(a.kind in MAY_MISS and b.kind in MAY_MISS for a, b in itertools.pairwise(plan))


def test_orders_are_real_pressed_and_said_and_calls_differ() -> None:
    plans = plan_calls(8, 4, ORDERS, sentences=5, seed=3)
    orders = [t for p in plans for t in p if t.dynamic]
    assert {t.order_id for t in orders} <= set(ORDERS) and len({t.order_id for t in orders}) > 1
    assert {t.kind for t in orders} == {"dtmf_order", "spoken_order"}
    assert all(0 <= t.sentence < 5 for p in plans for t in p if not t.dynamic)
    assert len({tuple(p) for p in plans}) > 1
    assert plan_calls(8, 4, ORDERS, 5, seed=3) == plans  # seeded: every run asks the same


def test_bad_inputs_are_refused() -> None:
    with pytest.raises(ValueError, match="order numbers"):
        plan_calls(2, 3, [], sentences=5)
    with pytest.raises(ValueError):
        plan_calls(2, 3, ORDERS, sentences=0)


def test_the_demo_orders_are_known() -> None:
    ids = demo_order_ids()
    assert "48213" in ids and all(i.isdigit() for i in ids)


def recordings() -> Recordings:
    """Digit n: n+1 short beeps' worth of samples at amplitude 3000, padded with 200 ms of silence."""
    digits = {
        word: np.concatenate([np.zeros(1600), np.full(800 * (n + 1), 3000), np.zeros(1600)]).astype(np.int16)
        for n, word in enumerate(DIGITS)
    }
    return Recordings(digits, [("Lubię czytać przed snem.", np.full(4000, 2000, dtype=np.int16))])


def test_a_number_is_said_digit_by_digit_in_order() -> None:
    rec = recordings()
    pcm = spoken_number("480", rec.digits, tail_s=0.3)
    voiced = np.flatnonzero(pcm)
    runs = np.split(voiced, np.flatnonzero(np.diff(voiced) > 1) + 1)
    assert [len(r) for r in runs] == [800 * 5, 800 * 9, 800 * 1]  # cztery, osiem, zero: trimmed, in order
    gaps = [int(b[0] - a[-1] - 1) for a, b in itertools.pairwise(runs)]
    assert gaps == [2 * 800, 2 * 800]  # 100 ms margins: 200 ms between digits, never the 500 ms turn end
    assert len(pcm) - 1 - runs[-1][-1] >= 0.3 * 8000  # then the caller is silent
    spaced = spoken_number("480", rec.digits, gap_s=0.25, margin_s=0.05)
    voiced = np.flatnonzero(spaced)
    runs = np.split(voiced, np.flatnonzero(np.diff(voiced) > 1) + 1)
    assert [int(b[0] - a[-1] - 1) for a, b in itertools.pairwise(runs)] == [2000 + 2 * 400] * 2


def test_trim_keeps_the_voiced_part_with_margins() -> None:
    pcm = np.concatenate([np.zeros(8000), np.full(8000, 3000), np.zeros(8000)]).astype(np.int16)
    cut = trim(pcm, margin_s=0.05)
    assert np.count_nonzero(cut) == 8000 and len(cut) == 8000 + 2 * 400


def test_caller_turns_for_each_kind() -> None:
    rec = recordings()
    keys = caller_turn(PlannedTurn("dtmf_order", order_id="48213"), rec)
    assert keys.digits == "48213#" and len(keys.pcm) == 0
    said = caller_turn(PlannedTurn("spoken_order", order_id="48213"), rec)
    assert said.digits == "" and 0 < said.voiced_end_s < len(said.pcm) / 8000
    sentence = caller_turn(PlannedTurn("sentence", sentence=0), rec)
    assert sentence.label == "Lubię czytać przed snem." and sentence.voiced_end_s == 0.5
    scripts, dynamic = mixed_scripts(3, 4, rec, ORDERS)
    assert [len(s) for s in scripts] == [4, 4, 4] and dynamic == [[True, True, False, True]] * 3


def test_latency_is_reported_apart_for_dynamic_and_static_replies() -> None:
    lat: list[list[float | None]] = [[0.9, 0.4, 1.1, None], [0.7, 0.5]]  # the second call ended after two turns
    flags = [[True, False, True, False], [True, False, True, False]]
    kinds = latency_by_kind(lat, flags)
    assert kinds["dynamic"] == {"turns": 3, "p50": 0.9, "p95": 1.08, "p99": 1.096}
    assert kinds["static"]["turns"] == 2 and kinds["static"]["p50"] == 0.45
    lines = kind_lines([{"concurrency": 2, "by_kind": kinds}, {"concurrency": 4}])
    assert lines[-1] == "| 2 | 3/5 | 900/1080/1096 | 450/495/499 | - |"


async def test_the_mixed_bench_orders_are_many_distinct_and_readable_by_the_gateway(tmp_path: Path) -> None:
    from dialog.orders import JsonOrders

    path = write_many_orders(tmp_path / "orders.json", count=300)
    ids = demo_order_ids(path)
    assert len(ids) == 300 and len(set(ids)) == 300  # a reply per order: nothing for the reply cache to repeat
    assert not set(ids) & set(demo_order_ids())  # none of the demo orders
    order = await JsonOrders(path).get(ids[123])
    assert order is not None and order.id == ids[123]


def test_each_level_asks_for_orders_no_earlier_level_asked_for() -> None:
    """The gateway caches every synthesized status for the run: a repeated order would not be synthesized."""
    rec, orders = recordings(), [str(48000 + i) for i in range(30)]
    fresh = FreshOrders(orders)
    asked: list[set[str]] = []
    for calls in (1, 2, 4):
        _, dynamic = fresh.scripts(calls, 4, rec, seed=7)
        assert sum(map(sum, dynamic)) == 3 * calls and fresh.reused == 0
        asked.append(fresh.asked - set().union(*asked))
        assert len(asked[-1]) == 3 * calls  # all new: none from an earlier level, none twice in this one
    fresh.scripts(4, 4, rec, seed=7)  # 21 of 30 used: only 9 fresh left for 12 order turns
    assert fresh.reused == 3
