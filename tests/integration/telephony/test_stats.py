"""KPIs and CSAT through the gateway's real wiring: two workers on one real Redis, chats on one, agents
and the supervisor on the other. What the chats, the agents and the ratings did is exactly what
``/v1/stats`` answers, whichever worker is asked; only a supervisor may ask."""

from __future__ import annotations

from pathlib import Path

from telephony.agents.callbacks import iso_now
from telephony.agents.callbacks_redis import RedisCallbacks
from telephony.exposition import parse_exposition
from telephony.insights.recorder import InsightMetrics
from tests.support.insights import insights_world, stats_since


async def test_chats_agents_callbacks_and_ratings_are_counted_exactly(redis_url: str, tmp_path: Path) -> None:
    async with insights_world(redis_url, tmp_path) as w:
        # 1: solved by the bot, rated 5
        solved = await w.chat("Gdzie jest paczka?")
        sid = solved["session_id"]
        assert (await w.chat("Dziękuję, do widzenia", sid))["action"] == "end"
        assert (await w.rate(sid, 5)).status_code == 201
        assert (await w.chat("do widzenia", sid))["action"] == "end"  # solved once, however often said
        # 2: handed to anna, who accepts; rated 4
        assert (await w.agent("PUT", "/v1/agents/anna/status", "anna", json={"status": "available"})).status_code == 200
        helped = await w.chat("Chcę rozmawiać z konsultantem")
        tid = helped["handoff"]["transfer_id"]
        assert (await w.agent("POST", f"/v1/chats/{tid}/accept", "anna")).status_code == 200
        assert (await w.agent("POST", f"/v1/chats/{tid}/end", "anna")).status_code == 200
        assert (await w.rate(helped["session_id"], 4)).status_code == 201
        assert (await w.chat("Dziękuję, do widzenia", helped["session_id"]))["action"] == "end"  # not the bot's
        # 3: handed over, nobody free (anna in wrap-up), the customer leaves: abandoned
        left = await w.chat("konsultant proszę")
        assert left["handoff"]["status"] == "waiting"
        ended = await w.http.post(f"{w.chat_worker.base}/v1/chat/{left['session_id']}/end")
        assert ended.status_code == 200
        # a phone callback closed by anna within the promise
        book = RedisCallbacks(w.redis, prefix=w.prefix)
        await book.add({"id": "cb1", "queue": "obsluga", "phone": "+48600100200", "summary": "oddzwonić",
                        "created_at": iso_now(), "channel": "phone"})  # fmt: skip
        before = (await w.agent("GET", "/v1/stats/live", "szef")).json()
        assert (before["callbacks_due"], before["callbacks_later"]) == (1, 0)  # to make now, on the wallboard
        assert (await w.agent("POST", "/v1/callbacks/cb1/claim", "anna")).status_code == 200
        assert (await w.agent("POST", "/v1/callbacks/cb1/close", "anna", json={"outcome": "ok"})).status_code == 200

        # bad ratings: out of range, unknown session, a second rating
        assert (await w.rate(sid, 6)).status_code == 422
        assert (await w.rate(sid, 0)).status_code == 422
        assert (await w.rate("no-such-session", 3)).status_code == 404
        assert (await w.rate(sid, 1)).status_code == 409

        # only a supervisor reads the figures
        assert (await w.http.get(f"{w.agents_worker.base}/v1/stats")).status_code == 401
        assert (await w.agent("GET", "/v1/stats", "anna")).status_code == 403
        for worker in (w.agents_worker, w.chat_worker):
            response = await w.http.get(
                f"{worker.base}/v1/stats?{stats_since()}", headers={"Authorization": "Bearer token-szef"}
            )
            assert response.status_code == 200, response.text
            stats = response.json()
            chat, phone = stats["channels"]["chat"], stats["channels"]["phone"]
            assert (chat["conversations"], chat["contained"], chat["transferred"]) == (3, 1, 2)
            assert chat["transfers_by_reason"] == {"requested_human": 2}
            assert (chat["answered_by_agent"], chat["abandoned"]) == (1, 1)
            assert (chat["csat_avg"], chat["csat_count"]) == (4.5, 2)
            assert chat["csat_distribution"] == {"1": 0, "2": 0, "3": 0, "4": 1, "5": 1}
            assert (chat["bot_frt"]["count"], chat["turn"]["count"], chat["wait"]["count"]) == (3, 6, 2)
            assert chat["agent_frt"]["count"] == 0  # anna accepted but never wrote: no first response
            assert chat["queues"]["obsluga"] == {"transferred": 2, "answered": 1, "abandoned": 1}
            assert (phone["conversations"], phone["callbacks_done"], phone["callbacks_in_time"]) == (0, 1, 1)
            assert stats["channels"]["speaker"]["conversations"] == 0
            assert stats["agents"]["anna"]["answered"] == 1 and stats["agents"]["anna"]["callbacks_done"] == 1
        only = await w.agent("GET", "/v1/stats?channel=chat&from=2020-01-01", "szef")
        assert list(only.json()["channels"]) == ["chat"] and only.json()["channels"]["chat"]["conversations"] == 3
        assert (await w.agent("GET", "/v1/stats?from=yesterday", "szef")).status_code == 422
        assert (await w.agent("GET", "/v1/stats?from=2030-01-01&to=2020-01-01", "szef")).status_code == 422
        live = (await w.agent("GET", "/v1/stats/live", "szef")).json()
        assert live["agents_by_status"]["wrap_up"] == 1 and live["waiting"] == 0
        assert (live["callbacks_due"], live["callbacks_later"]) == (0, 0)  # cb1 was made
        await book.add({"id": "cb2", "queue": "obsluga", "phone": "+48600100201", "summary": "oddzwonić",
                        "created_at": iso_now(), "channel": "phone"})  # fmt: skip
        assert (await w.agent("POST", "/v1/callbacks/cb2/claim", "anna")).status_code == 200
        tried = await w.agent("POST", "/v1/callbacks/cb2/close", "anna", json={"outcome": "no_answer"})
        assert tried.json()["status"] == "pending" and tried.json()["callback"]["retry_after"] > iso_now()
        live = (await w.agent("GET", "/v1/stats/live", "szef")).json()
        assert (live["callbacks_due"], live["callbacks_later"]) == (0, 1)  # nobody answered: due in an hour

        # the same figures as Prometheus gauges (refreshed here at once instead of waiting for the loop)
        metrics = w.agents_worker.gateway.metrics
        assert isinstance(metrics, InsightMetrics)
        await metrics.refresh_gauges()
        scrape = parse_exposition((await w.http.get(f"{w.agents_worker.base}/metrics")).text, ["infolinia_kpi"])
        assert scrape["infolinia_kpi_today{channel=chat,kpi=conversations}"] == 3
        assert scrape["infolinia_kpi_today{channel=chat,kpi=csat_avg}"] == 4.5
        assert scrape["infolinia_kpi_today{channel=phone,kpi=callbacks_in_time}"] == 1
