"""What every part of the chat hand-off shares: its settings, its collaborators and the small helpers
behind each step (the bot's session, the agent's name, metrics, history, console events).

Split out of ``telephony/chat/handoff.py`` the way ``telephony/transfer/core.py`` is out of the warm
transfer: ``ChatHandoff`` builds on ``HandoffCore`` and keeps only the hand-off's steps (queue, accept,
decline, messages, endings), so each reads on its own.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from dialog import catalogue
from dialog.session import Session
from dialog.store import SessionRepo
from telephony.agents import events as ev
from telephony.agents.events import ConsoleEvent, EventBus
from telephony.agents.hours import QueueHours
from telephony.agents.repo import AgentRepo
from telephony.agents.waits import HandlingStats, WaitModel
from telephony.chat.presence import WAITING, WATCHED, SeenStamps, away, is_away, seen_connected
from telephony.chat.store import ChatLog
from telephony.chat.unavailable import unavailable_view
from telephony.history.ended import HandoffHistory, keep_in_history
from telephony.transfer.record import TransferRecord
from telephony.transfer.store import TransferStore

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ChatConfig:
    default_queue: str = "obsluga"
    offer_timeout_s: float = 30.0  # an offered chat not accepted by then goes to the next agent
    gone_after_s: float = 150.0  # a waiting customer not seen this long left (INFOLINIA_CHAT_GONE_AFTER_S)


@dataclass
class HandoffParts:
    """What the hand-off works with (built once per process by the composition root)."""

    store: TransferStore
    agents: AgentRepo
    events: EventBus
    stats: HandlingStats
    hours: QueueHours
    log: ChatLog
    dispatch: Callable[[Sequence[str]], Awaitable[object]]  # WarmTransfer.dispatch_queues
    sessions: SessionRepo | None = None  # the dialog's sessions: the bot conversation for the agent
    metrics: Any = None  # telephony.metrics.Metrics
    wait_model: WaitModel = field(default_factory=WaitModel)
    clock: Callable[[], float] = time.time
    history: HandoffHistory | None = None  # the conversations' history: how the hand-off ended, its messages


class HandoffCore:
    """Settings, collaborators, clock and the helpers every hand-off step uses."""

    def __init__(self, config: ChatConfig, parts: HandoffParts) -> None:
        self.cfg, self.p = config, parts
        self._stamps = SeenStamps()
        self._watched_since = parts.clock()  # customers could be seen from then on (``presence.is_gone``)

    def now(self) -> float:
        return self.p.clock()

    def unwatched(self) -> None:
        """Redis was out of reach (the chat watch lost it), or this worker just became ready (until then the load
        balancer sent it no stream: its models loaded while its watch swept): the streams could stamp nothing,
        so nobody's wait is ended as left until a whole grace after now."""
        self._watched_since = self.now()

    async def left(self, record: TransferRecord) -> None:
        """The customer's page said it went (``customer_left_at``): a waiting chat is ended sooner, never at once
        (a reload says the same, and its new stream, stamped at once, takes it back: ``presence.said_left``)."""
        if record.channel == "chat" and record.status in WAITING:
            await self.p.store.update(record.tid, customer_left_at=self.now())

    async def seen(self, record: TransferRecord, *, force: bool = False) -> None:
        """The customer of a waiting or connected chat is there (their stream, poll or message):
        ``customer_seen_at``, at most every ``SEEN_EVERY_S`` per worker; ``force``: a stream that just
        (re)connected, stamped at once, as is the first sign since the chat connected (``presence.is_away`` judges
        only such a customer). One the agent's chat shows as away is back: stamped at once, and told."""
        if record.channel != "chat" or record.status not in WATCHED:
            return
        now, back = self.now(), away(record)
        first = record.status == "connected" and not seen_connected(record)
        if self._stamps.due(record.tid, now, force=force or back or first):
            await self.p.store.update(record.tid, customer_seen_at=now)
        if back and await self.p.log.away(record, None):
            await self._told_agent(record, catalogue.CHAT_CUSTOMER_BACK, now)
            log.info("chat %s: the customer is back", record.tid)

    async def sweep_away(self) -> int:
        """Connected chats whose customer has not been seen for ``gone_after_s`` (``presence.is_away``): the agent's
        chat says so once and shows the customer away. Never ended: the agent ends it (wrap-up follows), since the
        customer may still read or come back. Read again before marking (a stamp may have landed). How many."""
        tids = [s.reserved_for for s in await self.p.agents.list() if s.status == "busy" and s.reserved_for]
        marked = 0
        for record in await self.p.store.records(tids):
            if not is_away(record, self.now(), self.cfg.gone_after_s, self._watched_since):
                continue
            latest = await self.p.store.get(record.tid)
            if latest is None or not is_away(latest, self.now(), self.cfg.gone_after_s, self._watched_since):
                continue
            now = self.now()
            if await self.p.log.away(latest, now):
                await self._told_agent(latest, catalogue.CHAT_CUSTOMER_AWAY, now)
                log.info("chat %s: the customer was not seen for %.0f s", record.tid, self.cfg.gone_after_s)
                marked += 1
        return marked

    async def _told_agent(self, record: TransferRecord, text: str, now: float) -> None:
        """A system line in the chat for its agent only (the customer's own presence is no news to them); the event
        re-renders their console's chat panel."""
        message = await self.p.log.append(record.tid, "system", text, now, to="agent")
        await self._publish(ev.CHAT_MESSAGE, record, record.agent_id, {"seq": message["seq"]})

    async def _session(self, session_id: str) -> Session | None:
        """The conversation with the bot: its history for the agent (as on a call's card), the order it is about."""
        return None if self.p.sessions is None else await self.p.sessions.load(session_id)

    async def _agent_name(self, agent_id: str | None) -> str | None:
        state = None if agent_id is None else await self.p.agents.get(agent_id)
        return None if state is None else state.agent.name

    def _unavailable(self, queue: str, reason: str) -> dict[str, Any]:
        self._counted(queue, reason)
        return unavailable_view(reason)

    def _counted(self, queue: str, result: str) -> None:
        if self.p.metrics is not None:
            self.p.metrics.chat_handoff(queue, result)

    async def _ended(self, record: TransferRecord, outcome: str) -> None:
        if self.p.metrics is not None:
            self.p.metrics.chat_handoff_ended(record.queue, outcome)
        if self.p.history is not None and record.session_id:  # the messages expire with the transfer
            await keep_in_history(self.p.history, record.session_id, outcome, self.p.log.since(record.tid))

    def _observe_wait(self, record: TransferRecord, outcome: str, until: float) -> None:
        if self.p.metrics is not None:
            waited, began_ago = until - record.enqueued_at, self.now() - record.enqueued_at  # ended before now: gone
            conversation = record.session_id or ""
            self.p.metrics.chat_waited(
                record.queue, outcome, waited, record.agent_id, conversation, began_ago=began_ago
            )

    async def _publish(self, kind: str, record: TransferRecord, agent_id: str | None, data: dict[str, Any]) -> None:
        await self.p.events.publish(ConsoleEvent(kind, agent_id, record.tid, data))
