"""The verdict on a chat that went quiet (``telephony.insights.idle``), from scripted turns and a clock:
an answer the customer did not come back to is solved by the bot, anything else is unresolved, and nothing
is decided before the chat has been quiet for the configured time."""

from __future__ import annotations

from collections.abc import Iterable

from telephony.conversation_turn import ConversationTurn
from telephony.insights.idle import LastTurn, Verdict, idle_outcome, last_turn

IDLE_S = 900.0


def turn(
    action: str, expects: str = "text", handed_over: bool = True, informed: bool | None = None
) -> ConversationTurn:
    """An answer gives an entry unless ``informed=False`` (a greeting, thanks)."""
    given = action == "answer" if informed is None else informed
    return ConversationTurn(
        "chat", action, 0.3, False, handed_over=handed_over, conversation="c1", expects=expects, informed=given
    )


def play(script: Iterable[tuple[float, ConversationTurn]]) -> LastTurn | None:
    """The chat's state after its turns (time, turn), as the recorder keeps it: only the last one counts."""
    last: LastTurn | None = None
    for at, t in script:
        last = last_turn(t, at)
    return last


def verdict_at(script: list[tuple[float, ConversationTurn]], now: float) -> Verdict | None:
    last = play(script)
    assert last is not None
    return idle_outcome(last, now, IDLE_S)


def test_an_answer_nobody_came_back_to_is_solved_by_the_bot_once_the_chat_is_quiet() -> None:
    script = [(0.0, turn("clarify")), (60.0, turn("answer"))]  # not understood at first, then answered
    assert verdict_at(script, 60.0 + IDLE_S - 1) is None  # still possibly typing
    assert verdict_at(script, 60.0 + IDLE_S) == "contained"


def test_not_understood_or_an_open_question_last_is_unresolved() -> None:
    assert verdict_at([(0.0, turn("answer")), (30.0, turn("clarify"))], 30.0 + IDLE_S) == "unresolved"
    for expects in ("yes_no", "choice", "order_number"):  # the bot asked; the customer never answered
        assert verdict_at([(0.0, turn("answer", expects))], IDLE_S) == "unresolved", expects


def test_a_hand_off_nobody_could_take_is_unresolved_even_when_answers_follow() -> None:
    assert verdict_at([(0.0, turn("transfer", handed_over=False))], IDLE_S + 5) == "unresolved"
    refused = last_turn(turn("transfer", handed_over=False), 0.0)
    assert refused is not None and refused.wanted_person
    # the store keeps "wanted" apart from the last turn; the sweep gives it back with the last answer
    assert idle_outcome(LastTurn(10.0, "answer", wanted_person=True), 10.0 + IDLE_S, IDLE_S) == "unresolved"


def test_an_ended_or_handed_over_chat_is_left_to_its_own_count() -> None:
    assert play([(0.0, turn("answer")), (10.0, turn("end"))]) is None
    assert play([(0.0, turn("answer")), (10.0, turn("transfer"))]) is None


def test_the_last_turn_survives_its_round_trip_through_redis() -> None:
    last = LastTurn(12.5, "answer", "yes_no")
    assert LastTurn.decode(last.encode(), 12.5) == last
    assert LastTurn.decode("", 3.0) == LastTurn(3.0, "unknown", "text")  # a lost row: never "solved"
    assert idle_outcome(LastTurn.decode("", 3.0), 3.0 + IDLE_S, IDLE_S) == "unresolved"


def test_a_greeting_alone_solved_nothing_thanks_after_an_answer_keeps_it_solved() -> None:
    """A chat that only said "dzień dobry" and got the greeting (an answer naming no entry) was counted solved."""
    hello = [(0.0, turn("answer", informed=False))]
    assert verdict_at(hello, IDLE_S) == "unresolved"
    assert play(hello) == LastTurn(0.0, "answer", informed=False)
    # stickiness of "informed" across turns is the store's (``ChatOutcomes``); the last turn alone says no here
    assert verdict_at([(0.0, turn("answer")), (5.0, turn("answer", informed=False))], 5.0 + IDLE_S) == "unresolved"
    assert idle_outcome(LastTurn(5.0, "answer", informed=True), 5.0 + IDLE_S, IDLE_S) == "contained"
