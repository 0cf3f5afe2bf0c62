"""What the engine reports about conversations, through two best-effort ports: each turn's conversation
to the history (``ConversationLog``) and each turn not understood to the KB gaps report (``MissLog``).

Why best effort: both are for the people who run the hotline later; a caller must never wait on them nor
hear an error because Redis hiccuped. Failures are logged, the turn goes on.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from dialog.pii import mask
from dialog.ports import CallerInfo, ConversationLog, Miss, MissLog, Outcome
from dialog.session import Session

log = logging.getLogger(__name__)


@dataclass
class EngineLogs:
    misses: MissLog | None
    history: ConversationLog | None
    clock: Callable[[], float]

    async def conversation(self, s: Session, caller: CallerInfo, outcome: Outcome) -> None:
        """The conversation as stored (masked) to the history."""
        if self.history is None:
            return
        try:
            await self.history.saved(s.stored(), caller, outcome)
        except Exception:
            log.exception("session %s not written to the history", s.id)

    async def miss(self, s: Session, text: str, caller: CallerInfo, transferred: bool) -> None:
        """A question the KB could not answer, masked like the session, for the gaps report."""
        if self.misses is None:
            return
        try:
            await self.misses.record(
                Miss(mask(text, keep=[s.order_id]), caller.channel, self.clock(), transferred, s.id)
            )
        except Exception:
            log.exception("miss of session %s not recorded (gaps report)", s.id)
