"""``/v1/stats`` time ranges over the real gateway and Redis: ``to`` is exclusive at hour granularity, and a
bound inside an hour is refused (the figures are hourly buckets: 22:24-22:25 cannot be answered exactly)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from telephony.insights.kpis import KpiStore
from tests.support.insights import insights_world

WARSAW = ZoneInfo("Europe/Warsaw")


def at(text: str) -> float:
    return datetime.fromisoformat(text).replace(tzinfo=WARSAW).timestamp()


async def test_to_is_exclusive_and_a_range_inside_an_hour_is_refused(redis_url: str, tmp_path: Path) -> None:
    async with insights_world(redis_url, tmp_path) as w:
        kpis = KpiStore(w.redis, prefix=w.prefix)
        await kpis.write("chat", {"conversations": 1}, at("2026-12-06T21:30"))
        for minute in (22, 27):  # the walkthrough's conversations at 22:22-22:27
            await kpis.write("chat", {"conversations": 1}, at(f"2026-12-06T22:{minute}"))

        async def conversations(query: str) -> int:
            response = await w.agent("GET", f"/v1/stats?channel=chat&{query}", "szef")
            assert response.status_code == 200, response.text
            return int(response.json()["channels"]["chat"]["conversations"])

        assert await conversations("from=2026-12-06T21:00&to=2026-12-06T22:00") == 1
        assert await conversations("from=2026-12-06T22:00&to=2026-12-06T23:00") == 2
        assert await conversations("from=2026-12-06T21:00&to=2026-12-06T23:00") == 3
        assert await conversations("from=2026-12-06&to=2026-12-06") == 3  # a bare date: the whole day
        assert await conversations("from=2026-12-07&to=2026-12-07") == 0
        # a date in ISO 8601's other forms is a date too: the whole day (was: 'to' at its midnight, a 422 here)
        assert await conversations("from=20261206&to=20261206") == 3
        assert await conversations("from=2026-W49-7&to=2026-W49-7") == 3
        # a week or a month is the whole of it (a week was read as its Monday: 2026-W49 answered 30 November only)
        assert await conversations("from=2026-W49&to=2026-W49") == 3
        assert await conversations("from=2026W49&to=2026W49") == 3
        assert await conversations("from=2026-W50&to=2026-W50") == 0
        assert await conversations("from=2026-12&to=2026-12") == 3  # was a 422
        assert await conversations("from=2026-11&to=2026-11") == 0
        assert await conversations("from=2026-W49&to=2026-W49-6") == 0  # its start: Monday; to Saturday's end
        assert await conversations("to=2026-12") == 3  # a 'to' alone is the whole month it names (was 31 Dec.)
        assert await conversations("to=2026-W50") == 0 and await conversations("to=2026-W49") == 3
        assert await conversations("to=2026-12-06T22:00") == 1  # a date-time alone: from the start of its day
        # with an offset, percent-encoded as a query must be ("+" alone reads as a space)
        assert await conversations("from=2026-12-06T21:00%2B01:00&to=2026-12-06T22:00%2B01:00") == 1
        assert await conversations("from=2026-12-06T20:00Z&to=2026-12-06T21:00Z") == 1
        # typed into the address bar, the '+' arrives as a space (form decoding): still the offset (was a 422)
        assert await conversations("from=2026-12-06T21:00+01:00&to=2026-12-06T22:00+01:00") == 1
        assert await conversations("from=2026-12-06T22:00+0100&to=2026-12-06T23:00+01") == 2
        whole = await w.agent("GET", "/v1/stats?from=2026-12-06T21:00&to=2026-12-06T22:00", "szef")
        assert (whole.json()["from"], whole.json()["to"]) == ("2026-12-06T20:00:00+00:00", "2026-12-06T21:00:00+00:00")

        inside = await w.agent("GET", "/v1/stats?from=2026-12-06T22:24&to=2026-12-06T22:25", "szef")
        assert inside.status_code == 422 and "whole hour" in inside.text
        assert (await w.agent("GET", "/v1/stats?from=2026-12-06T22:00&to=2026-12-06T22:30", "szef")).status_code == 422
        empty = await w.agent("GET", "/v1/stats?from=2026-12-06T22:00&to=2026-12-06T22:00", "szef")
        assert empty.status_code == 422


async def test_a_range_reaching_past_now_still_counts_what_happened(redis_url: str, tmp_path: Path) -> None:
    """Asked 2020-2030 ("everything"), the supervisor saw 0: the read window was the retention before ``to`` (the
    last 400 days before 2030, all in the future), not before now. Far bounds are a 422, never a 500."""
    async with insights_world(redis_url, tmp_path) as w:
        kpis = KpiStore(w.redis, prefix=w.prefix)
        await kpis.write("chat", {"conversations": 2}, kpis.clock() - 86400)

        async def conversations(query: str) -> object:
            response = await w.agent("GET", f"/v1/stats?channel=chat&{query}", "szef")
            return response.json()["channels"]["chat"]["conversations"] if response.status_code == 200 else response

        assert await conversations("from=2020-01-01&to=2030-01-01") == 2
        assert await conversations("from=2020-01-01&to=9999-12-30") == 2
        assert await conversations("from=2030-01-01&to=2030-12-31") == 0  # the future: nothing yet
        for query in (
            "to=9999-12-31",
            "from=9999-12-31T23:00&to=9999-12-31T23:00",
            "from=0001-01-01&to=0001-01-01",
            "to=9999-12",
            "to=9999-W52",
            "to=2026-13",
            "to=2026-W54",
        ):
            refused = await w.agent("GET", f"/v1/stats?{query}", "szef")
            assert refused.status_code == 422, (query, refused.status_code, refused.text)
