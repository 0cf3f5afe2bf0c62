"""How a chat that just went quiet ended: solved by the bot, or not (pure; the clock is passed in).

Why: a web-chat customer rarely says goodbye, they close the window. Counting only chats the engine ended
(``Outcome.solved``) left most chats the bot answered well out of "Rozwiązane przez bota". So a chat the
bot kept (no hand-off to a person) that has been quiet for ``idle_after_s`` is decided from its last bot
turn: an answer the customer did not come back to is ``contained`` (the phone's name for a call the bot
solved alone), provided the chat was given one (an entry, an order's status: a chat that only said "dzień
dobry" or "mam pytanie" and got the greeting was counted solved while the history said "bez odpowiedzi"),
anything else (a "nie zrozumiałem", a question the customer never answered, a hand-off
nobody could take, even one followed by answers) is ``unresolved``. The Redis side (who decides, once)
is ``telephony/insights/outcomes.py``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from telephony.conversation_turn import ConversationTurn

Verdict = Literal["contained", "unresolved"]
IDLE_CHANNELS = ("chat",)  # channels whose conversations end by going quiet (a phone call hangs up)


@dataclass(frozen=True)
class LastTurn:
    """The bot's last turn in a conversation still with it: when, and what it left the customer with."""

    at: float  # epoch seconds
    action: str  # the engine's action (answer, clarify, transfer)
    expects: str = "text"  # what the bot waited for next (text, order_number, yes_no, choice)
    wanted_person: bool = False  # the customer asked for a person nobody could be (sticky for the chat)
    informed: bool = False  # the chat was given an answer (an entry, an order's status) at some turn (sticky)

    def encode(self) -> str:
        return f"{self.action}|{self.expects}"

    @classmethod
    def decode(cls, text: str, at: float, wanted_person: bool = False, informed: bool = False) -> LastTurn:
        action, _, expects = text.partition("|")
        return cls(at, action or "unknown", expects or "text", wanted_person, informed)


def last_turn(turn: ConversationTurn, at: float) -> LastTurn | None:
    """What a turn leaves to decide later; None when the conversation is over for the bot (it ended, or a
    person took it): nothing is left to decide by waiting."""
    if turn.action == "end" or (turn.action == "transfer" and turn.handed_over):
        return None
    return LastTurn(at, turn.action, turn.expects, wanted_person=turn.action == "transfer", informed=turn.informed)


def answered(last: LastTurn) -> bool:
    """An answer that asked nothing back, in a chat given one: the customer had what they came for when they
    went quiet (a greeting or thanks last is fine once an entry was given; a greeting alone solved nothing)."""
    return last.action == "answer" and last.expects == "text" and last.informed


def idle_outcome(last: LastTurn, now: float, idle_after_s: float) -> Verdict | None:
    """The verdict on a conversation whose last bot turn is ``last``; None while it is not yet quiet. A chat
    whose customer asked for a person (and got none) is never the bot's, as the engine counts it."""
    if now - last.at < idle_after_s:
        return None
    return "contained" if answered(last) and not last.wanted_person else "unresolved"
