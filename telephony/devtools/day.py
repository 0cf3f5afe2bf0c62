"""``infolinia bench day``: a scripted day of calls, chats and speaker conversations, then ``/v1/stats``
compared with what the script did, figure by figure.

The script (``DAY``) says what each contact does and how it must end; the run checks each contact did end
so (a contact that went otherwise is reported, not silently counted), and ``expected`` derives every
figure the day must show from the script alone. Runs in ``day_world`` (real gateway, dialog engine,
Redis, Twilio's part on the wire).
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from telephony.agents.callbacks import iso_now
from telephony.devtools.day_world import DayWorld, day_world, token
from telephony.devtools.redis_server import RedisServer

Channel = Literal["phone", "chat", "speaker"]
# solved: by the bot alone; agent: an agent took it; abandoned: left waiting for one; booked: handed to
# people without a live agent (a speaker's callback, booked: an offer declined counts no transfer);
# open: still talking to the bot.
Ending = Literal["solved", "agent", "abandoned", "booked", "open"]
HANDED = ("agent", "abandoned", "booked")
GOODBYE = "Dziękuję, to wszystko. Do widzenia."
PERSON = "Chcę rozmawiać z konsultantem."


@dataclass(frozen=True)
class Contact:
    """One conversation. ``rating``: ``key:N``, ``voice:<Polish words>`` (phone), ``chat:N``, or None."""

    channel: Channel
    says: tuple[str, ...]
    ending: Ending
    agent: str | None = None  # who takes it (``agent``)
    rating: str | None = None
    score: int | None = None  # what the rating means (None: no rating counted)


DAY: tuple[Contact, ...] = (
    Contact("phone", ("Gdzie jest moja paczka?", GOODBYE), "solved", rating="key:5", score=5),
    Contact("phone", (GOODBYE,), "solved", rating="voice:Daję czwórkę.", score=4),
    Contact("phone", (GOODBYE,), "solved", rating=None),
    Contact("phone", ("dtmf:0",), "agent", agent="anna", rating="voice:trzy", score=3),
    Contact("phone", (PERSON,), "abandoned"),
    Contact("chat", ("Jakie są koszty dostawy?", GOODBYE), "solved", rating="chat:5", score=5),
    Contact("chat", (PERSON,), "agent", agent="bartek", rating="chat:2", score=2),
    Contact("chat", (PERSON,), "abandoned"),
    Contact("chat", ("Jakie są godziny otwarcia sklepu?",), "open"),
    Contact("speaker", ("Jakie są koszty dostawy?", GOODBYE), "solved"),
    Contact("speaker", (PERSON, "tak", "600 100 200", "tak"), "booked"),
)
CALLBACKS_IN_TIME = 1  # requested and closed by anna the same day
VOCABULARY = sorted({s for c in DAY if c.channel == "phone" for s in c.says if not s.startswith("dtmf:")})


def expected(day: tuple[Contact, ...] = DAY) -> dict[str, dict[str, Any]]:
    """The figures of each channel that the script implies."""
    out: dict[str, dict[str, Any]] = {}
    for channel in ("phone", "chat", "speaker"):
        mine = [c for c in day if c.channel == channel]
        scores = [c.score for c in mine if c.score is not None]
        out[channel] = {
            "conversations": len(mine),
            "contained": sum(c.ending == "solved" for c in mine),
            "transferred": sum(c.ending in HANDED for c in mine),
            "answered_by_agent": sum(c.ending == "agent" for c in mine),
            "abandoned": sum(c.ending == "abandoned" for c in mine),
            "csat_count": len(scores),
            "csat_avg": round(sum(scores) / len(scores), 2) if scores else None,
            "csat_distribution": {str(s): scores.count(s) for s in range(1, 6)},
            "callbacks_done": CALLBACKS_IN_TIME if channel == "phone" else 0,
            "callbacks_in_time": CALLBACKS_IN_TIME if channel == "phone" else 0,
        }
    return out


def expected_agents(day: tuple[Contact, ...] = DAY) -> dict[str, dict[str, Any]]:
    answered = Counter(c.agent for c in day if c.ending == "agent" and c.agent)
    return {a: {"answered": n} for a, n in answered.items()}


def compare(stats: dict[str, Any], day: tuple[Contact, ...] = DAY) -> list[str]:
    """Every figure that differs from the script's, as "channel.figure: expected X, got Y"."""
    wrong = []
    for channel, figures in expected(day).items():
        got = stats["channels"][channel]
        wrong += [f"{channel}.{k}: expected {v}, got {got.get(k)}" for k, v in figures.items() if got.get(k) != v]
    for agent, figures in expected_agents(day).items():
        got = stats["agents"].get(agent, {})
        wrong += [f"agent {agent}.{k}: expected {v}, got {got.get(k)}" for k, v in figures.items() if got.get(k) != v]
    return wrong


async def run_day(w: DayWorld, day: tuple[Contact, ...] = DAY) -> list[str]:
    """Drive the day; returns the contacts that did not end as scripted (empty: all did)."""
    problems: list[str] = []
    await _callback(w)
    for i, contact in enumerate(day):
        run = {"phone": _phone, "chat": _chat, "speaker": _speaker}[contact.channel]
        ended = await run(w, contact)
        if ended != contact.ending:
            problems.append(f"contact {i} ({contact.channel} {contact.says}): ended {ended}, scripted {contact.ending}")
    return problems


async def supervisor_stats(w: DayWorld, query: str = "") -> dict[str, Any]:
    """``/v1/stats`` as the supervisor reads it; by default from two days back (the world's Redis prefix is its own):
    the API's "today" lost what a day run across local midnight counted before it."""
    query = query or "?from=" + (datetime.now(UTC).date() - timedelta(days=2)).isoformat()
    response = await w.http.get(f"{w.base}/v1/stats{query}", headers={"Authorization": f"Bearer {token('szef')}"})
    assert response.status_code == 200, response.text
    stats: dict[str, Any] = response.json()
    return stats


# --- the channels ---------------------------------------------------------------------------------
async def _available(w: DayWorld, agent: str) -> None:
    """Only ``agent`` free (the others in wrap-up: staffed, so a caller waits instead of a callback offer)."""
    assert w.gateway.transfer is not None
    for other in ("anna", "bartek"):
        if other == agent:
            await make_available(w, other)
        else:
            await w.agent("PUT", f"/v1/agents/{other}/status", other, json={"status": "offline"})
            await w.gateway.transfer.agents.agents.set_status(other, "wrap_up", expect=())


async def make_available(w: DayWorld, agent: str) -> None:
    """``agent`` available over the API, out of the wrap-up this world may have put them in (``_available``):
    set in the repo, so left there too, since the API refuses available from a wrap-up (it would end one with
    no outcome)."""
    assert w.gateway.transfer is not None
    await w.gateway.transfer.agents.agents.set_status(agent, "offline", expect=())
    await w.agent("PUT", f"/v1/agents/{agent}/status", agent, json={"status": "available"})


async def _phone(w: DayWorld, c: Contact) -> str:
    await _available(w, c.agent or "")
    result = await w.call(c.says)
    if result.action is None:
        return "open"
    redirect = w.redirect_of(result.call_sid)
    if redirect.get("Url").endswith("/twilio/survey"):
        await w.survey(redirect.get("Url"), result.call_sid, _answer(c.rating))
        return "solved"
    twiml = redirect.get("Twiml")
    tid = twiml.split("room-", 1)[1].split("<", 1)[0] if "room-" in twiml else ""
    if not tid:
        return "other"
    if c.ending == "abandoned":  # the caller gives up waiting
        await w.conference(tid, "participant-leave", 1, ParticipantLabel="caller", CallSid=result.call_sid)
        return "abandoned"
    agent = await w.agent_takes_call(tid)
    await w.conference(tid, "participant-leave", 2, ParticipantLabel="agent")
    await w.survey(await w.after_dial(twiml, result.call_sid), result.call_sid, _answer(c.rating))
    await w.agent("POST", "/v1/agents/me/wrap-up", agent, json={"outcome": "resolved"})
    return "agent" if agent == c.agent else f"agent {agent}"


def _answer(rating: str | None) -> dict[str, str]:
    if rating is None:
        return {}
    kind, _, value = rating.partition(":")
    return {"Digits": value} if kind == "key" else {"SpeechResult": value}


async def _chat(w: DayWorld, c: Contact) -> str:
    await _available(w, c.agent or "")
    sid: str | None = None
    reply: dict[str, Any] = {}
    for text in c.says:
        reply = await w.chat(text, sid)
        sid = reply["session_id"]
    ended = {"end": "solved", "transfer": "handed"}.get(reply["action"], "open")
    if ended == "handed":
        tid = reply["handoff"]["transfer_id"]
        if c.ending == "abandoned":
            await w.http.post(f"{w.base}/v1/chat/{sid}/end")
            return "abandoned"
        await w.agent("POST", f"/v1/chats/{tid}/accept", c.agent or "")
        await w.agent("POST", f"/v1/chats/{tid}/end", c.agent or "")
        await w.agent("POST", "/v1/agents/me/wrap-up", c.agent or "", json={"outcome": "resolved"})
        ended = "agent"
    if c.rating is not None:
        rated = await w.http.post(f"{w.base}/v1/chat/{sid}/rating", json={"score": int(c.rating.split(":")[1])})
        assert rated.status_code == 201, rated.text
    return ended


async def _speaker(w: DayWorld, c: Contact) -> str:
    conversation: str | None = None
    action, booked = None, False
    for text in c.says:
        reply = await w.speaker.turn(text, conversation)
        conversation, action = reply.conversation_id, reply.action or action
        booked = booked or reply.callback_id is not None
    return "booked" if booked else {"end": "solved"}.get(action or "", "open")


async def _callback(w: DayWorld) -> None:
    """A phone callback requested this morning, claimed and closed by anna within the promise."""
    assert w.gateway.transfer is not None
    book = w.gateway.transfer.agents.callbacks
    await book.add({"id": "day-cb-1", "queue": "obsluga", "phone": "+48600100900", "summary": "Prośba o telefon.",
                    "created_at": iso_now(), "channel": "phone", "status": "pending"})  # fmt: skip
    await w.agent("POST", "/v1/callbacks/day-cb-1/claim", "anna")
    await w.agent("POST", "/v1/callbacks/day-cb-1/close", "anna", json={"outcome": "resolved"})


async def bench_day(redis_url: str | None = None) -> int:
    """The scripted day in its own world (a private redis-server unless ``redis_url``): prints each
    figure, expected and shown, and returns 1 if any differs or a contact went otherwise."""
    logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per request would bury the table
    server = None if redis_url else RedisServer.start()
    try:
        async with day_world(redis_url or (server.url if server else ""), VOCABULARY) as w:
            problems = await run_day(w)
            stats = await supervisor_stats(w)
    finally:
        if server is not None:
            server.stop()
    print(f"{'figure':<32} {'script':>10} {'/v1/stats':>10}")
    for channel, figures in expected().items():
        for name, value in figures.items():
            if not isinstance(value, dict):
                print(f"{channel + '.' + name:<32} {value!s:>10} {stats['channels'][channel].get(name)!s:>10}")
    wrong = problems + compare(stats)
    print("\n".join(["", *wrong]) if wrong else "\nevery figure matches the script")
    return 1 if wrong else 0
