"""Redis restarted EMPTY (a failover without persistence) under a whole gateway, a private redis-server per
test: agents at a live console stay online (their presence is put back), a chat being continued is told
its thread was lost under the same session id instead of silently starting over, and a chat that was with
an agent goes back to the agents' queue with the customer's message.

No timing is asserted: every step waits for its answer; the recovery check is run when the test chooses.
"""

from __future__ import annotations

from pathlib import Path

import httpx

from dialog import catalogue
from dialog.ports import KeyValueStore
from telephony.devtools.faults_world import FALLBACK
from tests.support.live_chat import HistoryDialog
from tests.support.live_console import FETCH, Console, console
from tests.support.outage import Outage, form, outage_gateway, spoken, twiml
from tests.support.redis import RedisServer, own_redis  # noqa: F401  (fixture)


async def available(anna: Console) -> None:
    went = await anna.client.post("/agents/status", data={"status": "available"}, headers=FETCH)
    assert went.status_code == 200, went.text


async def empty_restart(w: Outage) -> None:
    """Redis killed and started again without its data; the recovery watcher's next check."""
    w.redis.kill()
    w.redis.persist = False
    w.redis.restart()
    assert await w.gateway.store.ping()
    assert await w.recovery.check()


async def agent_status(w: Outage) -> str | None:
    state = await w.gateway.transfer.agents.agents.get("anna")  # type: ignore[union-attr]
    return None if state is None else state.status


async def test_an_agent_at_a_live_console_stays_online_and_takes_the_next_transfer(
    own_redis: RedisServer,  # noqa: F811
    tmp_path: Path,
) -> None:
    async with outage_gateway(own_redis, tmp_path) as w, console(w) as anna:  # the roster starts anna offline
        await available(anna)
        await empty_restart(w)
        assert await agent_status(w) == "available"
        assert (await anna.client.get("/agents/panels")).status_code == 200  # still logged in: the same cookie works
        tid, _ = await w.start("reklamacje")
        assert await w.status(tid) == "ringing"


async def test_a_console_open_through_an_outage_and_an_empty_restart_keeps_the_agent_online(
    own_redis: RedisServer,  # noqa: F811
    tmp_path: Path,
) -> None:
    """The live stream outlives the outage (it would otherwise end, and the browser's reconnect after an empty
    restart be a 401 that logs the agent out): it says so, subscribes again and tells the console to re-read."""
    async with outage_gateway(own_redis, tmp_path) as w, console(w) as anna:
        await available(anna)
        own_redis.kill()
        await anna.delivered(": store unavailable")  # the stream noticed, and is still open
        await empty_restart(w)
        await anna.delivered('"type":"store.back"')
        assert await agent_status(w) == "available"
        assert (await anna.client.get("/agents/panels")).status_code == 200


async def test_the_console_s_next_request_puts_the_agent_back_before_the_watcher_runs(
    own_redis: RedisServer,  # noqa: F811
    tmp_path: Path,
) -> None:
    async with outage_gateway(own_redis, tmp_path) as w, console(w) as anna:
        await available(anna)
        own_redis.kill()
        own_redis.persist = False
        own_redis.restart()
        assert await w.gateway.store.ping()  # no recovery check: the session is missing when the console asks
        assert (await anna.client.get("/agents/panels")).status_code == 200
        assert await agent_status(w) == "available"
        cookie = {"infolinia_console": "not-a-session"}
        async with httpx.AsyncClient(base_url=w.base, cookies=cookie) as stranger:
            refused = await stranger.get("/agents/panels")  # just after an empty restart: try again, never in
            assert refused.status_code == 503 and refused.headers["Retry-After"], refused.text


async def test_an_agent_who_logged_out_is_not_put_back(own_redis: RedisServer, tmp_path: Path) -> None:  # noqa: F811
    async with outage_gateway(own_redis, tmp_path) as w, console(w) as anna:
        await available(anna)
        assert (await anna.client.post("/agents/logout")).status_code == 303  # the stream is still open for a moment
        await empty_restart(w)
        assert await agent_status(w) == "offline"


async def test_a_chat_continued_after_an_empty_restart_is_told_the_thread_was_lost(
    own_redis: RedisServer,  # noqa: F811
    tmp_path: Path,
) -> None:
    bots: list[HistoryDialog] = []

    def bot(store: KeyValueStore) -> HistoryDialog:
        bots.append(HistoryDialog(store))
        return bots[-1]

    async with outage_gateway(own_redis, tmp_path, dialog=bot) as w:
        chat = f"{w.base}/v1/chat"
        first = (await w.http.post(chat, json={"text": "Gdzie jest moja paczka?"})).json()
        sid = first["session_id"]
        await empty_restart(w)
        lost = await w.http.post(chat, json={"session_id": sid, "text": "a kiedy dojdzie?"})
        assert lost.status_code == 200, lost.text
        body = lost.json()
        assert body["session_id"] == sid and body["reply"] == catalogue.CHAT_THREAD_LOST
        assert body["action"] == "clarify" and body["transfer"] is None
        assert bots[0].handled == ["Gdzie jest moja paczka?"]  # the follow-up was not read as a new question
        again = (await w.http.post(chat, json={"session_id": sid, "text": "Gdzie jest paczka 48213?"})).json()
        assert again["session_id"] == sid and again["reply"] == "Bot: Gdzie jest paczka 48213?"
        await empty_restart(w)  # again; now the customer asks a question that stands alone (or came back
        alone = await w.http.post(chat, json={"session_id": sid, "text": "Jakie są godziny otwarcia sklepu?"})
        assert alone.status_code == 200, alone.text  # the next day to an expired session): simply answered
        assert alone.json()["session_id"] == sid and alone.json()["reply"] == "Bot: Jakie są godziny otwarcia sklepu?"
        count = w.gateway.metrics.registry.get_sample_value
        for verdict in ("apologise", "fresh"):  # each loss counted, as a phone call's
            assert count("infolinia_threads_lost_total", {"channel": "chat", "verdict": verdict}) == 1.0


async def test_a_chat_with_an_agent_goes_back_to_the_queue_with_its_message(
    own_redis: RedisServer,  # noqa: F811
    tmp_path: Path,
) -> None:
    queues = ("reklamacje", "obsluga")
    async with (
        outage_gateway(own_redis, tmp_path, queues=queues, dialog=HistoryDialog) as w,
        console(w) as anna,
    ):
        await available(anna)
        chat = f"{w.base}/v1/chat"
        asked = (await w.http.post(chat, json={"text": "Poproszę konsultanta"})).json()
        sid, tid = asked["session_id"], asked["handoff"]["transfer_id"]
        await anna.delivered(f'"transfer_id":"{tid}"')  # the chat is offered to her: she is busy with it
        accepted = await anna.client.post("/agents/chat/accept", data={"transfer_id": tid}, headers=FETCH)
        assert accepted.status_code == 200, accepted.text
        await empty_restart(w)
        assert await agent_status(w) == "wrap_up"  # she had the chat: back, but not offered new work mid-chat
        polled = await w.http.get(f"{chat}/{sid}", params={"handoff_id": tid})  # a client without SSE asks
        assert polled.status_code == 200, polled.text
        assert polled.json()["handoff"] == {
            "status": "ended",
            "transfer_id": tid,
            "ended_by": "lost",
            "text": catalogue.CHAT_HANDOFF_LOST_WRITE,
        }

        text = "Halo, jest tam ktoś?"
        back = await w.http.post(chat, json={"session_id": sid, "handoff_id": tid, "text": text})
        assert back.status_code == 200, back.text
        body = back.json()
        assert body["session_id"] == sid and body["reply"].startswith(catalogue.CHAT_HANDOFF_LOST)
        assert body["action"] == "transfer" and body["handoff"]["status"] == "waiting"
        assert body["handoff"]["transfer_id"] not in (None, tid)
        seen = (await w.http.get(f"{chat}/{sid}")).json()
        assert [m["text"] for m in seen["messages"] if m["from"] == "customer"] == [text]

        again = body["handoff"]["transfer_id"]  # anna closes the lost chat and is offered it again
        done = await anna.client.post("/agents/wrap-up", data={"outcome": "dropped"}, headers=FETCH)
        assert done.status_code == 200, done.text
        await anna.delivered(f'"transfer_id":"{again}"')
        assert (await w.http.get(f"{chat}/{sid}")).json()["handoff"]["transfer_id"] == again
        assert await w.status(again) == "ringing"


async def test_a_lost_hand_off_with_nobody_to_go_back_to_says_so(own_redis: RedisServer, tmp_path: Path) -> None:  # noqa: F811
    async with outage_gateway(own_redis, tmp_path, dialog=HistoryDialog) as w:  # nobody serves "obsluga"
        sid = (await w.http.post(f"{w.base}/v1/chat", json={"text": "Dzień dobry"})).json()["session_id"]
        await empty_restart(w)
        body = {"session_id": sid, "handoff_id": "t-gone", "text": "halo?"}
        back = (await w.http.post(f"{w.base}/v1/chat", json=body)).json()
        assert back["session_id"] == sid and back["handoff"]["status"] == "unavailable"
        assert back["reply"] == f"{catalogue.CHAT_HANDOFF_LOST} {catalogue.CHAT_UNAVAILABLE_BUSY}"


async def test_a_caller_waiting_for_an_agent_is_handed_to_the_fallback_number(
    own_redis: RedisServer,  # noqa: F811
    tmp_path: Path,
) -> None:
    """The hold loop of a transfer Redis lost: not music for ever (no queue, no agent, no maximum wait any
    more), but the apology and the fallback number, by REST; the star key's way out meanwhile."""
    async with outage_gateway(own_redis, tmp_path, agent_status="wrap_up") as w:
        tid, sid = await w.start("reklamacje")  # anna in wrap-up: the caller waits in the room
        assert await w.status(tid) == "waiting"
        w.twilio.drain()
        await empty_restart(w)
        tick = twiml(await w.signed(f"/twilio/transfer/{tid}/hold", form(sid)))
        heard = [el.tag for el in tick]  # never silence while REST moves the caller: the apology, music, again
        assert heard[0] in ("Play", "Say") and heard[1:] == ["Play", "Redirect"], heard
        moved = await w.twilio.next("update")
        assert moved.call_sid == sid and FALLBACK in moved.get("Twiml")
        pressed = twiml(await w.signed(f"/twilio/transfer/{tid}/after-room", form(sid)))  # the star key
        assert spoken(pressed) and pressed.findtext("Dial") == FALLBACK
