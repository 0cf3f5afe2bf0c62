"""``infolinia chat``: a terminal conversation with the same engine the phone line uses."""

from __future__ import annotations

import asyncio
import sys

from dialog.ports import CallerInfo
from telephony.app.services import build_dialog, build_redis, build_store
from telephony.settings import Settings


async def run_chat(settings: Settings) -> int:
    store = build_store(settings, build_redis(settings))
    dialog = build_dialog(settings, store)
    caller = CallerInfo(channel="chat")
    outcome = await dialog.greet(None, caller)
    session_id = outcome.session_id
    print(f"bot> {outcome.reply}")
    try:
        while True:
            line = await asyncio.to_thread(_read_line)
            if line is None:
                break
            if not line.strip():
                continue
            outcome = await dialog.handle(session_id, line, caller)
            session_id = outcome.session_id
            print(f"bot> {outcome.reply}")
            if outcome.transfer is not None:
                t = outcome.transfer
                print(f"     [transfer: queue={t.queue} reason={t.reason} priority={t.priority}]")
                print("     " + t.summary.replace("\n", "\n     "))
            if outcome.action in ("transfer", "end"):
                break
    finally:
        await store.close()
    return 0


def _read_line() -> str | None:
    try:
        return input("ty> ")
    except EOFError:
        print(file=sys.stderr)
        return None
