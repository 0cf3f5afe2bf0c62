"""What a turn on a vanished session gets (``dialog/resume.py``), the one judge of the chat and the phone call:
the apology for words that need the lost exchange, an answer for words that stand alone."""

from __future__ import annotations

import pytest

from dialog.resume import apology_session, fresh_session, leans_on_the_thread, only_a_number, verdict


@pytest.mark.parametrize(
    ("text", "leans"),
    [
        ("a kiedy dojdzie?", True),
        ("a ile to kosztuje?", True),
        ("tak", True),
        ("nie", True),
        ("nie, dziękuję", False),  # closing: said goodbye to, not asked for the whole question again
        ("dziękuję, to wszystko", False),
        ("dzięki", False),
        ("to drugie", True),
        ("ten numer, co podałem", True),
        ("48213", True),
        ("cztery osiem dwa jeden trzy", True),  # an order number asked for, said digit by digit
        ("4 8 2 1 3", True),
        ("Jakie są godziny otwarcia sklepu?", False),
        ("Dzień dobry", False),  # a customer back the next day: greeted, not apologised to
        ("Chcę zwrócić buty kupione w zeszłym tygodniu", False),
        ("Gdzie jest zamówienie 48213?", False),  # names its number: stands alone
    ],
)
def test_only_words_that_need_the_lost_thread_are_answered_with_the_apology(text: str, leans: bool) -> None:
    assert leans_on_the_thread(text) is leans


@pytest.mark.parametrize(
    ("text", "number"),
    [("48213", True), ("cztery osiem, dwa jeden trzy", True), ("numer 48213", False), ("", False), ("tak", False)],
)
def test_a_number_alone_is_an_answer_to_a_question(text: str, number: bool) -> None:
    assert only_a_number(text) is number


# A phone call as the turns the store lost it between: (words, a caller turn answered before the loss) -> verdict.
SCRIPT = [
    ("zwrot towaru", False, "fresh"),  # the first words after the greeting: nothing of theirs was lost
    ("tak", False, "fresh"),
    ("tak", True, "apologise"),  # a "tak" to the question the store forgot
    ("cztery osiem dwa jeden trzy", True, "apologise"),
    ("a ile to kosztuje?", True, "apologise"),
    ("Jakie są godziny otwarcia sklepu?", True, "fresh"),  # stands alone: simply answered
    ("", True, "fresh"),  # nothing heard: the fresh conversation says so, no question to repeat
]


@pytest.mark.parametrize(("text", "answered_before", "expected"), SCRIPT)
def test_the_verdict_after_a_loss(text: str, answered_before: bool, expected: str) -> None:
    assert verdict(text, answered_before=answered_before) == expected


def test_a_chat_s_session_id_always_names_an_exchange_to_lose() -> None:
    assert verdict("tak") == "apologise" and verdict("Jakie są godziny otwarcia sklepu?") == "fresh"


def test_the_sessions_under_the_same_id_say_the_earlier_part_is_gone() -> None:
    fresh = fresh_session("s-1", "phone", now=5.0)
    assert fresh.id == "s-1" and fresh.slots == {"thread_lost": "fresh"} and fresh.history == []
    lost = apology_session("s-1", "phone", "tak", "Przepraszam.", "thread", now=5.0)
    assert lost.history == [("caller", "tak"), ("bot", "Przepraszam.")] and lost.last_reply == "Przepraszam."
    assert lost.slots == {"thread_lost": "thread"} and lost.expects == "text" and lost.offer is None
