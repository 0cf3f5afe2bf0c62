"""``bench cpu``: timing a stage and adding stages up per kind of turn."""

from __future__ import annotations

from telephony.devtools.cpu_budget import Cost, format_costs, measure


def test_measure_takes_the_median_per_unit_after_a_warm_up() -> None:
    calls: list[int] = []
    cost = measure("busy", "unit", lambda: calls.append(sum(range(20000))), repeats=3, per=2.0)
    assert len(calls) == 4  # one warm-up, three timed
    assert cost.stage == "busy" and cost.cpu_ms >= 0.0 and cost.wall_ms > 0.0


def test_turns_are_the_sum_of_their_stages_with_shares() -> None:
    costs = [Cost("ASR", "turn", 600.0, 400.0), Cost("VAD", "s of audio", 5.0, 5.0)]
    table = format_costs(costs, {"a turn": {"ASR": 1, "VAD": 4}})
    assert "| ASR | turn | 600.0 | 400.0 |" in table
    assert "| a turn | 600 (97 %) | 20 (3 %) | 620 |" in table
