"""How a phone caller's transfer ended, in the conversation's history: a caller who hung up in the queue,
chose a callback or was sent to the voicemail read "przełączono do konsultanta" (a supervisor's
walkthrough). Real uvicorn, redis-server and the Twilio stand-in, as tests/e2e/telephony/test_transfer.py."""

from __future__ import annotations

from typing import Any

from dialog.ports import CallerInfo, Outcome, Transfer
from telephony.history.store import HistoryStore
from tests.support.transfer import CALLER, SUMMARY, Env, agent, conf, ring, xml


async def _with_history(env: Env) -> HistoryStore:
    history = HistoryStore(env.redis, env.prefix)
    env.transfer.p.history = history
    session = {"id": "sess-1", "created_at": 1.0, "updated_at": 2.0, "slots": {"transfer_reason": "complaint"},
               "history": [["caller", "Czajnik przyszedł uszkodzony."], ["bot", "Łączę."]]}  # fmt: skip
    outcome = Outcome("sess-1", "transfer", "Łączę.", transfer=Transfer("reklamacje", "complaint", 5, SUMMARY))
    await history.saved(session, CallerInfo("phone", CALLER), outcome)
    assert (await history.get("sess-1") or {})["outcome"] == "transferred"
    return history


async def _offer(env: Env) -> tuple[str, str]:
    _, caller_sid = await env.start()
    redirect = await env.twilio.next("update")
    offer = xml(await env.post(redirect.get("Url"), {"CallSid": caller_sid}))
    gather = offer.find("Gather")
    assert gather is not None
    return gather.get("action", ""), caller_sid


async def test_a_callback_chosen_instead_of_waiting_reads_so(setup: Any) -> None:
    env: Env = await setup([agent("anna", status="offline")])
    history = await _with_history(env)
    action, caller_sid = await _offer(env)
    await env.post(action, {"CallSid": caller_sid, "Digits": "1"})
    assert (await history.get("sess-1") or {})["outcome"] == "callback"


async def test_the_voicemail_reads_so(setup: Any) -> None:
    env: Env = await setup([])
    history = await _with_history(env)
    action, caller_sid = await _offer(env)
    await env.post(action, {"CallSid": caller_sid, "SpeechResult": "nie, dziękuję", "Confidence": "0.9"})
    assert (await history.get("sess-1") or {})["outcome"] == "voicemail"


async def test_a_caller_who_hangs_up_in_the_queue_left_it(setup: Any) -> None:
    env: Env = await setup([agent("anna")])
    history = await _with_history(env)
    tid, _ = await env.start()
    await env.twilio.next("update")
    await ring(env, "anna")
    await env.post(*conf(tid, env, "participant-leave", 3, ParticipantLabel="caller"))
    assert await env.status(tid) == "abandoned"
    record = await history.get("sess-1") or {}
    assert record["outcome"] == "left_queue" and record["transcript"][0]["text"] == "Czajnik przyszedł uszkodzony."
