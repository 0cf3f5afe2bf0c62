"""A phone call whose dialog session the store loses mid-call (``telephony/call/resume.py``): the demo dialog
engine over a given store, a caller step that empties the store between two turns, and what the bot said
turn by turn. Shared by the unit tests (an in-memory store) and the integration test (a real redis-server
restarted empty)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from dialog.engine import DialogEngine
from dialog.factory import bundled
from dialog.kb import load_kb
from dialog.orders import JsonOrders
from dialog.ports import KeyValueStore
from dialog.store import SessionRepo
from telephony.call.timing import TurnTiming
from tests.support.line import Line

CALLER = "+48600100200"  # the demo orders know this number: "Gdzie jest moja paczka?" offers order 48213
EMPTY = "<the store loses everything>"  # a script entry: not words, the store emptied between two turns
KB = load_kb(bundled("kb.yaml"))


def demo_engine(store: KeyValueStore) -> DialogEngine:
    """The real engine on the demo KB and orders, its sessions in ``store``."""
    return DialogEngine(KB, JsonOrders(bundled("orders.json")), SessionRepo(store))


def step(action: Callable[[], Awaitable[Any]]) -> Callable[[], bool]:
    """A caller pause (``Line.until``) that runs ``action`` once, and lets the caller go on when it is done."""
    task: asyncio.Future[Any] | None = None

    def done() -> bool:
        nonlocal task
        task = task or asyncio.ensure_future(action())
        if task.done():
            task.result()  # an error in the action fails the test instead of hiding behind a timeout
            return True
        return False

    return done


def script(line: Line, turns: Sequence[str], empty: Callable[[], Awaitable[Any]], answered: list[TurnTiming]) -> None:
    """The caller after the greeting: each entry words said, and the bot's reply heard to its end (``answered``
    is ``CallDeps.on_turn``'s list: a turn's reply was sent), or ``EMPTY``: ``empty`` runs between two turns."""
    line.replied(1).play_out()
    said = 0
    for words in turns:
        if words == EMPTY:
            line.until(step(empty))
        else:
            said += 1
            line.say(words).until(_answered(answered, said)).play_out()


def _answered(answered: list[TurnTiming], n: int) -> Callable[[], bool]:
    return lambda: len(answered) >= n


def replies(report: Any) -> list[str]:
    """The bot's replies turn by turn (0: the greeting), each the sentences of the turn joined."""
    turns: dict[int, list[str]] = {}
    for entry in report.transcript:
        if entry["role"] == "bot":
            turns.setdefault(entry["turn"], []).append(entry["text"])
    return [" ".join(texts) for _, texts in sorted(turns.items())]
