"""``/v1/history`` and ``/v1/gaps`` read a date as ``/v1/stats`` does, through the real gateway over real HTTP
and a real Redis: any ISO 8601 date form is its whole day (``20261206``, ``2026-W49-7``), a week (``2026-W49``)
or a month (``2026-12``) the whole of it, and an offset typed unencoded (``+01:00``, decoded as a space) is
still its offset. They read only 10-character dates: ``to=20261206`` was epoch seconds (1970), ``2026-W49`` a 422.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx

from dialog.ports import CallerInfo, Miss
from telephony.history.gaps import MissBook
from telephony.history.store import HistoryStore
from tests.support.access import agent, gateways, key, settings_for
from tests.support.agents import redis_client, token_of

WARSAW = ZoneInfo("Europe/Warsaw")
SUNDAY_EVENING = datetime(2026, 12, 6, 20, 0, tzinfo=WARSAW).timestamp()  # 2026-W49-7
MONDAY = datetime(2026, 11, 30, tzinfo=WARSAW).timestamp()  # 2026-W49-1
NEXT_MONDAY = datetime(2026, 12, 7, tzinfo=WARSAW).timestamp()


async def test_history_and_gaps_read_every_iso_date_form(redis_url: str, tmp_path: Path) -> None:
    settings = settings_for(redis_url, tmp_path, [agent("szef", ["obsluga"], "supervisor")])
    redis = redis_client(redis_url)
    session = {"id": "sunday", "created_at": SUNDAY_EVENING, "updated_at": SUNDAY_EVENING, "history": []}
    await HistoryStore(redis, settings.redis_prefix).saved(session, CallerInfo(channel="chat"))
    await MissBook(redis, settings.redis_prefix).record(Miss("Czy robicie grawerowanie?", "chat", SUNDAY_EVENING))
    with gateways(settings) as (url,), httpx.Client(base_url=url, headers=key(token_of("szef")), timeout=120) as api:

        def found(**period: str) -> list[str]:
            resp = api.get("/v1/history", params=period)
            assert resp.status_code == 200, (period, resp.text)
            return [c["id"] for c in resp.json()["conversations"]]

        for day in ("2026-12-06", "20261206", "2026-W49-7", "2026W497"):
            assert found(**{"from": day, "to": day}) == ["sunday"], day
        assert found(to="20261205") == [] and found(to="20261206") == ["sunday"]
        assert found(**{"from": "2026-W49", "to": "2026-W49"}) == ["sunday"]
        assert found(**{"from": "2026-12", "to": "2026-12"}) == ["sunday"] and found(to="2026-11") == []
        assert found(**{"from": "2026-W50"}) == []
        unencoded = api.get("/v1/history?from=2026-12-06T19:00+01:00&to=2026-12-06T21:00+01:00")
        assert unencoded.status_code == 200 and [c["id"] for c in unencoded.json()["conversations"]] == ["sunday"]
        assert api.get("/v1/history", params={"to": "2026-13"}).status_code == 422

        week = api.get("/v1/gaps", params={"from": "2026-W49", "to": "2026-W49", "min_count": 1})
        assert week.status_code == 200, week.text
        assert (week.json()["from"], week.json()["to"], week.json()["misses"]) == (MONDAY, NEXT_MONDAY - 0.001, 1)
        alone = api.get("/v1/gaps", params={"to": "2026-W49"}).json()  # a week alone is that week, as /v1/stats
        assert (alone["from"], alone["misses"]) == (MONDAY, 1)
        day = api.get("/v1/gaps", params={"from": "20261206", "to": "20261206"}).json()
        assert day["misses"] == 1 and day["to"] == NEXT_MONDAY - 0.001
    await redis.aclose()
