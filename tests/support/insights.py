"""The insights world: two gateway workers (``build_gateway`` from Settings, real uvicorn) on one real
Redis prefix, a roster with two agents and a supervisor, and a stand-in dialog keeping its history in
the real session store: "konsultant" is a transfer, "do widzenia" ends the conversation (solved)."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import yaml
from redis.asyncio import Redis

from dialog.ports import CallerInfo, Handover, Outcome, Reason, Transfer
from dialog.session import Session
from dialog.store import RedisStore
from telephony.agents.roster import hash_token
from tests.support.live_chat import HistoryDialog, Worker, bearer, settings_for, start_worker
from tests.support.servers import free_port

ROSTER = {"anna": ("Anna Nowak", "agent"), "bartek": ("Bartek Wiśniewski", "agent"), "szef": ("Ewa Szef", "supervisor")}


SMALL_TALK = ("dzień dobry", "mam pytanie", "dziękuję")  # answered as the engine does: no entry given


class EndingDialog(HistoryDialog):
    """``HistoryDialog``, plus "do widzenia": the matter is solved, the conversation ends. A question's answer
    names an entry (``kb_id``), as the engine's does; a greeting, "mam pytanie" or thanks are answered with none."""

    async def handle(self, session_id: str | None, text: str, caller: CallerInfo) -> Outcome:
        if "do widzenia" not in text.lower():
            outcome = await super().handle(session_id, text, caller)
            small_talk = text.lower().strip(" .!?") in SMALL_TALK
            return outcome if outcome.action != "answer" or small_talk else replace(outcome, kb_id="faq")
        self.handled.append(text)
        session = (await self.sessions.load(session_id)) if session_id else None
        session = session or Session(id=session_id or self.sessions.new_id(), channel=caller.channel)
        session.add("caller", text)
        solved = not session.solved and "transfer_reason" not in session.slots  # as the engine counts it
        session.solved = session.solved or solved
        outcome = Outcome(session.id, "end", "Dziękuję za rozmowę. Do widzenia!", solved=solved)
        session.add("bot", outcome.reply)
        await self.sessions.save(session)
        return outcome


def write_roster(path: Path) -> Path:
    rows = [
        {"id": i, "name": n, "contact": f"client:{i}", "queues": ["obsluga"], "status": "offline", "role": role}
        for i, (n, role) in ROSTER.items()
    ]
    for row in rows:
        row["token_sha256"] = hash_token(f"token-{row['id']}")
    path.write_text(yaml.safe_dump({"agents": rows}, allow_unicode=True), encoding="utf-8")
    return path


@dataclass
class InsightsWorld:
    chat_worker: Worker
    agents_worker: Worker
    http: httpx.AsyncClient
    prefix: str
    redis: Redis

    async def chat(self, text: str, session_id: str | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {"text": text, **({"session_id": session_id} if session_id else {})}
        response = await self.http.post(f"{self.chat_worker.base}/v1/chat", json=body)
        assert response.status_code == 200, response.text
        result: dict[str, Any] = response.json()
        return result

    async def rate(self, session_id: str, score: Any) -> httpx.Response:
        return await self.http.post(f"{self.chat_worker.base}/v1/chat/{session_id}/rating", json={"score": score})

    async def agent(self, method: str, path: str, agent_id: str, **kw: Any) -> httpx.Response:
        return await self.http.request(method, f"{self.agents_worker.base}{path}", headers=bearer(agent_id), **kw)


@contextlib.asynccontextmanager
async def insights_world(
    redis_url: str, tmp_path: Path, brand: str | None = None, timezone: str | None = None, **extra: Any
) -> AsyncIterator[InsightsWorld]:
    """``brand``: the operator's name (INFOLINIA_BRAND_NAME); None: the demo KB's. ``timezone``:
    INFOLINIA_TIMEZONE; None: the default (Europe/Warsaw). ``extra``: any other setting by its field name."""
    prefix = f"in{uuid.uuid4().hex[:8]}:"
    roster = write_roster(tmp_path / "agents.yaml")
    store = RedisStore(redis_url, prefix=prefix)
    dialog = EndingDialog(store)
    ports = free_port(), free_port()
    named: dict[str, Any] = {"brand_name": brand, **extra} if brand else dict(extra)
    if timezone:
        named["timezone"] = timezone
    settings = [settings_for(p, prefix, redis_url, roster).model_copy(update=named) for p in ports]
    workers = [await start_worker(s, p, dialog) for s, p in zip(settings, ports, strict=True)]
    redis = Redis.from_url(redis_url, decode_responses=True)
    async with httpx.AsyncClient(timeout=10) as http:
        try:
            yield InsightsWorld(workers[0], workers[1], http, prefix, redis)
        finally:
            for worker in workers:
                worker.server.should_exit = True
                await asyncio.wait_for(worker.task, 10)
            keys = [k async for k in redis.scan_iter(f"{prefix}*")]
            if keys:
                await redis.delete(*keys)
            await redis.aclose()
            await store.close()


class PhoneDialog(EndingDialog):
    """``EndingDialog`` with what a phone call also needs: a greeting, the keypad's escalation."""

    async def greet(self, session_id: str | None, caller: CallerInfo) -> Outcome:
        return Outcome(session_id or self.sessions.new_id(), "answer", "Dzień dobry, w czym mogę pomóc?")

    async def escalate(self, session_id: str, reason: Reason, caller: CallerInfo) -> Outcome:
        summary = "Klient prosi o konsultanta."
        return Outcome(
            session_id or self.sessions.new_id(), "transfer", "Łączę.", transfer=Transfer("obsluga", reason, 3, summary)
        )

    async def retract(self, session_id: str) -> None:
        return None

    async def handover_refused(self, session_id: str, reply: str, caller: CallerInfo) -> None:
        return None

    async def record(
        self, session_id: str, said: str | None, reply: str, caller: CallerInfo, handover: Handover | None = None
    ) -> None:
        return None

    def vocabulary(self) -> list[str]:
        return []

    def phrases(self) -> list[str]:
        return []


def stats_since() -> str:
    """A ``/v1/stats`` query from two days back: the default period is "today" in the gateway's time zone, so a test
    that runs across local midnight lost what it counted before it (a fresh clone run at 00:00 Warsaw time failed)."""
    return "from=" + (datetime.now(UTC).date() - timedelta(days=2)).isoformat()
