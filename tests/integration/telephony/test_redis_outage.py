"""Issue 12 item 5: Redis killed and restarted under a whole gateway (a private redis-server per test).

Nothing a caller asked for is lost (callback and voicemail requests are spooled and stored when Redis is
back, once however often the spool is replayed), no Twilio callback gets a 5xx, no caller step is a bare
``<Hangup/>``, the agents API and a continued chat say 503, and a Redis that comes back empty gets the
roster again. ``/readyz`` names what is degraded.
"""

from __future__ import annotations

from pathlib import Path

import httpx

from dialog import catalogue
from telephony.devtools.faults_world import FALLBACK
from tests.support.outage import bearer, form, outage_gateway, spoken, twiml
from tests.support.redis import RedisServer, own_redis  # noqa: F401  (fixture)


async def test_callback_request_while_redis_is_down_is_spooled_and_stored_once(
    own_redis: RedisServer,  # noqa: F811
    tmp_path: Path,
) -> None:
    async with outage_gateway(own_redis, tmp_path) as w:
        tid, sid = await w.start("obsluga")  # nobody serves it: straight to the callback offer
        own_redis.kill()
        offer = twiml(await w.signed(f"/twilio/transfer/{tid}/callback-offer", form(sid)))
        assert spoken(offer) and offer.find("Gather") is not None
        booked = twiml(await w.signed(f"/twilio/transfer/{tid}/callback-answer", form(sid, Digits="1")))
        assert spoken(booked), "the caller is told the request is saved"
        assert w.recovery.spool.pending() == 1
        ready = await w.http.get(f"{w.base}/readyz")
        assert ready.status_code == 503 and {"store", "spool"} <= set(ready.json()["degraded"])

        own_redis.restart()  # with its data: the transfer record is back too
        assert await w.recovery.check()
        callbacks = w.gateway.transfer.agents.callbacks  # type: ignore[union-attr]
        stored = await callbacks.get(f"cb-{tid}")
        assert stored is not None and stored["phone"] and stored["requested"] == "callback"
        assert await w.status(tid) == "callback"
        assert w.recovery.spool.pending() == 0
        await w.recovery.spool.append("transfer.callback", {"tid": tid, "wants_call": True, "at": 0, "record": None})
        await w.recovery.check()  # the same request replayed again stores nothing new
        assert [c["id"] for c in await callbacks.pending()] == [f"cb-{tid}"]


async def test_voicemail_while_redis_is_down_reaches_an_agent_after_an_empty_restart(
    own_redis: RedisServer,  # noqa: F811
    tmp_path: Path,
) -> None:
    async with outage_gateway(own_redis, tmp_path) as w:
        tid, sid = await w.start("obsluga")
        own_redis.kill()
        invite = twiml(await w.signed(f"/twilio/transfer/{tid}/callback-answer", form(sid, Digits="2")))
        assert spoken(invite) and invite.find("Record") is not None
        recording = form(sid, RecordingUrl="https://api.twilio.com/rec/RE1", RecordingDuration="12")
        saved = twiml(await w.signed(f"/twilio/transfer/{tid}/voicemail", recording))
        assert spoken(saved)
        assert w.recovery.spool.pending() == 2

        own_redis.kill()  # failover without persistence: it comes back empty
        own_redis.persist = False
        own_redis.restart()
        await w.gateway.store.ping()
        assert await w.recovery.check()
        stored = await w.gateway.transfer.agents.callbacks.get(f"cb-{tid}")  # type: ignore[union-attr]
        assert stored is not None and stored["voicemail_url"].endswith("/RE1") and stored["phone"]


async def test_a_withheld_callers_voicemail_spooled_while_redis_is_down_is_listed_only_with_its_message(
    own_redis: RedisServer,  # noqa: F811
    tmp_path: Path,
) -> None:
    """Replaying the spool keeps the rule of the live steps: no callback to a withheld number without a message
    (one caller hung up at the beep, the other left a message)."""
    async with outage_gateway(own_redis, tmp_path) as w:
        silent, silent_sid = await w.start("obsluga", "anonymous")
        spoke, spoke_sid = await w.start("obsluga", "anonymous")
        own_redis.kill()
        for tid, sid in ((silent, silent_sid), (spoke, spoke_sid)):
            invite = twiml(await w.signed(f"/twilio/transfer/{tid}/callback-offer", form(sid, From="anonymous")))
            assert invite.find("Record") is not None
        message = form(spoke_sid, From="anonymous", RecordingUrl="https://api.twilio.com/rec/RE2", RecordingDuration=7)
        assert spoken(twiml(await w.signed(f"/twilio/transfer/{spoke}/voicemail", message)))
        # the silent one hung up at the beep: Twilio sends only the call's end (an empty recording skips
        # the action, and no "absent" is subscribed), spooled too
        gone = await w.signed("/twilio/status", form(silent_sid, CallStatus="completed", SequenceNumber="3"))
        assert gone.status_code == 204
        assert w.recovery.spool.pending() == 4

        own_redis.restart()  # with its data
        assert await w.recovery.check()
        callbacks = w.gateway.transfer.agents.callbacks  # type: ignore[union-attr]
        (listed,) = await callbacks.pending()
        assert listed["id"] == f"cb-{spoke}" and listed["voicemail_url"].endswith("/RE2") and listed["phone"] is None
        assert await callbacks.get(f"cb-{silent}") is None
        assert await w.status(silent) == "abandoned"  # closed, not left "voicemail" in no list for ever


async def test_callback_steps_never_hang_up_silently(own_redis: RedisServer, tmp_path: Path) -> None:  # noqa: F811
    """A step that does not fit the transfer (it is waiting, not offered a callback): an apology and the
    fallback number, not ``<Hangup/>`` without a word."""
    async with outage_gateway(own_redis, tmp_path, agent_status="wrap_up") as w:
        tid, sid = await w.start("reklamacje")
        for step in ("callback-offer", "callback-answer"):
            doc = twiml(await w.signed(f"/twilio/transfer/{tid}/{step}", form(sid, Digits="1")))
            assert spoken(doc) and doc.findtext("Dial") == FALLBACK, step
        assert await w.status(tid) == "waiting"


async def test_final_status_while_redis_is_down_is_acknowledged_and_applied_later(
    own_redis: RedisServer,  # noqa: F811
    tmp_path: Path,
) -> None:
    async with outage_gateway(own_redis, tmp_path, agent_status="wrap_up") as w:
        tid, sid = await w.start("reklamacje")  # anna in wrap-up: the caller waits in the room
        assert await w.status(tid) == "waiting"
        own_redis.kill()
        gone = await w.signed("/twilio/status", form(sid, CallStatus="completed", SequenceNumber="3"))
        assert gone.status_code == 204
        own_redis.restart()
        await w.recovery.check()
        assert await w.status(tid) == "abandoned"
        assert await w.warm.p.store.waiting("reklamacje") == []


async def test_agents_api_and_a_continued_chat_answer_503_while_redis_is_down(
    own_redis: RedisServer,  # noqa: F811
    tmp_path: Path,
) -> None:
    async with outage_gateway(own_redis, tmp_path) as w:
        own_redis.kill()
        agents = await w.http.get(f"{w.base}/v1/agents", headers=bearer("anna"))
        assert agents.status_code == 503 and agents.headers.get("retry-after")
        chat = await w.http.post(f"{w.base}/v1/chat", json={"session_id": "a" * 32, "text": "a gdzie paczka?"})
        assert chat.status_code == 503 and chat.json()["reply"] == catalogue.STORE_DOWN_REPLY  # Polish, for the widget
        assert agents.json()["reply"] == catalogue.STORE_DOWN_REPLY


async def test_roster_is_published_again_when_redis_comes_back_empty(
    own_redis: RedisServer,  # noqa: F811
    tmp_path: Path,
) -> None:
    own_redis.persist = False
    async with outage_gateway(own_redis, tmp_path) as w:
        assert (await w.http.get(f"{w.base}/v1/agents", headers=bearer("anna"))).status_code == 200
        own_redis.kill()
        own_redis.restart()
        await w.gateway.store.ping()
        ready = await w.http.get(f"{w.base}/readyz")
        assert ready.status_code == 503 and "roster" in ready.json()["degraded"]
        await w.recovery.check()
        assert (await w.http.get(f"{w.base}/v1/agents", headers=bearer("anna"))).status_code == 200
        assert (await w.http.get(f"{w.base}/readyz")).json()["degraded"] == []


async def test_console_dashboards_and_stats_answer_503_in_polish_while_redis_is_down(
    own_redis: RedisServer,  # noqa: F811
    tmp_path: Path,
) -> None:
    """Every page and API an agent or supervisor has open: a clear 503 with the Polish ``reply`` and
    Retry-After, never a 500 or a stack trace."""
    async with outage_gateway(own_redis, tmp_path) as w, httpx.AsyncClient(base_url=w.base, timeout=30) as client:
        assert (await client.post("/agents/login", data={"token": "token-anna"})).status_code == 303
        own_redis.kill()
        pages = ("/agents", "/agents/panels", "/agents/dashboard", "/agents/history", "/agents/gaps", "/agents/audit")
        apis = ("/v1/queues", "/v1/callbacks", "/v1/stats", "/v1/stats/live", "/v1/history", "/v1/audit")
        for path in (*pages, *apis):
            answer = await client.get(path, headers=bearer("anna"))
            assert answer.status_code == 503 and answer.headers.get("retry-after"), (path, answer.text)
            assert answer.json()["reply"] == catalogue.STORE_DOWN_REPLY, path
        status = await client.post(
            "/agents/status", data={"status": "available"}, headers={"X-Requested-With": "fetch"}
        )
        assert status.status_code == 503 and status.json()["reply"] == catalogue.STORE_DOWN_REPLY
        # an agent opening the console (or the dashboard) in the browser: a Polish page, not JSON
        browser = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
        for path in ("/agents", "/agents/dashboard", "/agents/history", "/agents/login"):
            page = await client.get(path, headers=browser)
            assert page.status_code == 503 and page.headers["content-type"].startswith("text/html"), path
            assert "Konsola jest chwilowo niedostępna" in page.text and page.headers.get("retry-after"), path
            assert "default-src 'self'" in page.headers["content-security-policy"] and "detail" not in page.text
        login = await client.post("/agents/login", data={"token": "token-anna"}, headers=browser)
        assert login.status_code == 503 and "Konsola jest chwilowo niedostępna" in login.text
