"""The wait estimate, its Polish phrases, the Redis moving average and the simulated-day bench."""

from __future__ import annotations

import pytest

from dialog import catalogue
from telephony.agents.waits import (
    HandlingStats,
    WaitModel,
    estimate_wait_s,
    genitive,
    hold_announcement,
    ordinal_locative,
    update_average,
    wait_phrase,
)
from telephony.devtools.waits_bench import main, run_waits_bench
from tests.support.agents import new_prefix, redis_client


def test_estimate_from_position_free_and_staffed_agents_and_handling_time() -> None:
    model = WaitModel(ring_s=20, residual=0.5, overhead_s=30)
    assert estimate_wait_s(2, available=2, staffed=3, avg_handling_s=None, model=model) == 20  # rung now
    assert estimate_wait_s(1, available=0, staffed=2, avg_handling_s=270, model=model) == 20 + 0.5 * 300 / 2
    assert estimate_wait_s(4, available=1, staffed=2, avg_handling_s=270, model=model) == 20 + 2.5 * 300 / 2
    assert estimate_wait_s(3, available=0, staffed=2, avg_handling_s=None, model=model) is None  # no history
    assert estimate_wait_s(1, available=0, staffed=0, avg_handling_s=270, model=model) is None  # nobody staffed
    more_agents = estimate_wait_s(5, 0, 4, 270, model)
    fewer_agents = estimate_wait_s(5, 0, 2, 270, model)
    assert more_agents is not None and fewer_agents is not None and more_agents < fewer_agents


@pytest.mark.parametrize(
    ("seconds", "phrase"),
    [
        (None, "kilka minut"),
        (20, "około minuty"),
        (89, "około minuty"),
        (120, "około dwóch minut"),
        (200, "około trzech minut"),
        (300, "około pięciu minut"),
        (60 * 12, "około dwunastu minut"),
        (60 * 23, "około dwudziestu pięciu minut"),  # long waits rounded to 5 minutes
        (60 * 21, "około dwudziestu minut"),
        (60 * 75, "ponad godzinę"),
    ],
)
def test_wait_phrases(seconds: float | None, phrase: str) -> None:
    assert wait_phrase(seconds) == phrase


def test_numerals_and_the_announcement() -> None:
    assert [genitive(n) for n in (2, 4, 11, 21, 34, 40)] == [
        "dwóch", "czterech", "jedenastu", "dwudziestu jeden", "trzydziestu czterech", "czterdziestu",
    ]  # fmt: skip
    with pytest.raises(ValueError):
        genitive(60)
    assert [ordinal_locative(n) for n in (1, 2, 3, 7, 25)] == [
        "pierwszym", "drugim", "trzecim", "siódmym", "dwudziestym piątym",
    ]  # fmt: skip
    assert hold_announcement(3, 130) == (
        "Łączymy z konsultantem. Jest Pan lub Pani na trzecim miejscu w kolejce. "
        "Szacowany czas oczekiwania: około dwóch minut."
    )
    assert hold_announcement(None, None) == (
        f"{catalogue.HOLD_CONNECTING} {catalogue.WAIT_ESTIMATE.format(wait='kilka minut')}"
    )


async def test_moving_average_in_redis_needs_some_history(redis_url: str) -> None:
    client = redis_client(redis_url)
    stats = HandlingStats(client, prefix=new_prefix(), alpha=0.5, min_samples=3)
    assert await stats.average("obsluga") is None
    assert await stats.record("obsluga", 100) == 100
    assert await stats.record("obsluga", 200) == 150
    assert await stats.average("obsluga") is None  # two calls are not a history yet
    assert await stats.record("obsluga", 250) == 200 == update_average(150, 2, 250, 0.5)
    assert await stats.average("obsluga") == 200 and await stats.average("reklamacje") is None
    await client.aclose()


def test_bench_is_reproducible_and_beats_the_naive_rule(capsys: pytest.CaptureFixture[str]) -> None:
    result = run_waits_bench(seed=7)
    assert result == run_waits_bench(seed=7)
    assert result != run_waits_bench(seed=8)
    estimate, naive = result["estimate"], result["naive"]
    assert isinstance(estimate, dict) and isinstance(naive, dict)
    assert int(result["calls"]) > 300  # type: ignore[call-overload]
    assert estimate["mae_s"] < naive["mae_s"] and estimate["p90_abs_err_s"] < naive["p90_abs_err_s"]
    assert abs(estimate["bias_s"]) < abs(naive["bias_s"])
    assert main(["--seed", "7"]) == 0 and '"seed": 7' in capsys.readouterr().out
