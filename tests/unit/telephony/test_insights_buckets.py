"""The pure parts of the KPIs: hour buckets, histogram percentiles, the summary of counters, and how a
phone caller's rating (a key or Polish words) is read."""

from __future__ import annotations

import pytest

from dialog.numbers import first_digit_word
from telephony.insights.buckets import (
    LATENCY_BINS,
    WAIT_BINS,
    bin_of,
    by_agent,
    hours_between,
    percentile,
    sample_fields,
    summarize,
)
from telephony.insights.rating import parse_score


def test_hours_between_ends_before_a_whole_hour_end_and_is_empty_when_reversed() -> None:
    assert list(hours_between(3600 * 10 + 5, 3600 * 12)) == [10, 11]
    assert list(hours_between(3600 * 10, 3600 * 12 + 5)) == [10, 11, 12]  # "today so far" reads this hour
    assert list(hours_between(3600 * 12, 3600 * 10)) == []
    assert list(hours_between(3600 * 12, 3600 * 12)) == []


def test_percentiles_are_bin_upper_bounds() -> None:
    counts: dict[int, int] = {}
    for seconds in (5, 15, 15, 25, 100):  # bins 0, 1, 1, 2, 6
        counts[bin_of(WAIT_BINS, seconds)] = counts.get(bin_of(WAIT_BINS, seconds), 0) + 1
    assert percentile(WAIT_BINS, counts, 0.5) == 20.0
    assert percentile(WAIT_BINS, counts, 0.9) == 120.0
    assert percentile(WAIT_BINS, {}, 0.5) is None
    assert percentile(LATENCY_BINS, {len(LATENCY_BINS): 1}, 0.5) == LATENCY_BINS[-1] * 2  # above every bound


def test_agent_first_response_percentiles_are_exact_from_per_second_counts() -> None:
    """One 21 s answer was "30 s / 30 s" (its bin's bound); counted per second it is 21 s."""
    fields: dict[str, int] = {}
    for seconds in (21.0, 4.4, 250.0):
        for key, n in sample_fields("agent_frt", seconds).items():
            fields[key] = fields.get(key, 0) + n
    frt = summarize(fields)["agent_frt"]
    assert (frt["count"], frt["p50_s"], frt["p90_s"], frt["exact"]) == (3, 21.0, 250.0, True)
    one = summarize(sample_fields("agent_frt", 21.0))["agent_frt"]
    assert (one["p50_s"], one["p90_s"], one["exact"]) == (21.0, 21.0, True)


def test_bins_without_per_second_counts_are_interpolated_and_not_exact() -> None:
    """Hours recorded before the per-second counts: an estimate within the bin, flagged (shown with "≈")."""
    old = summarize({"agent_frt:2": 1})["agent_frt"]  # one answer between 20 and 30 s
    assert (old["p50_s"], old["p90_s"], old["exact"]) == (25.0, 29.0, False)
    mixed = summarize({"agent_frt:2": 2, "agent_frt_s:21": 1})["agent_frt"]  # one bucket old, one new
    assert mixed["exact"] is False and mixed["p50_s"] == 25.0
    assert summarize({})["agent_frt"]["p50_s"] is None


def test_summary_of_counters() -> None:
    fields = {"conversations": 4, "contained": 3, "transferred": 1, "reason:angry": 1, "csat_sum": 9, "csat_count": 2,
              "csat:4": 1, "csat:5": 1, "turn:1": 3, "a:anna:csat_sum": 5, "a:anna:csat_count": 1}  # fmt: skip
    s = summarize(fields)
    assert (s["containment"], s["csat_avg"], s["transfers_by_reason"]) == (0.75, 4.5, {"angry": 1})
    assert s["csat_distribution"] == {"1": 0, "2": 0, "3": 0, "4": 1, "5": 1}
    assert s["turn"]["count"] == 3 and s["turn"]["p95_s"] == LATENCY_BINS[1]
    assert summarize({})["csat_avg"] is None and summarize({})["containment"] is None
    assert by_agent(fields)["anna"]["csat_avg"] == 5.0


@pytest.mark.parametrize(
    ("digits", "speech", "score"),
    [("5", "", 5), ("1", "pięć", 1), ("", "pięć", 5), ("", "Daję czwórkę.", 4), ("", "na trzy", 3), ("", "dwa", 2),
     ("", "jeden", 1), ("", "5", 5), ("", "Piątka!", 5), ("9", "", None), ("0", "", None), ("", "sześć", None),
     ("", "nie wiem", None), ("", "pięćdziesiąt", None), ("", "", None)],
)  # fmt: skip
def test_a_rating_by_key_or_by_polish_words(digits: str, speech: str, score: int | None) -> None:
    assert parse_score(digits, speech) == score


def test_first_digit_word_stops_at_a_bigger_number() -> None:
    assert first_digit_word("dwadzieścia trzy") is None
    assert first_digit_word("ósemkę") == 8
