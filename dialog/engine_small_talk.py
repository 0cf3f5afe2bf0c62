"""Small talk in a turn: goodbye, "halo, słychać mnie?", "nie, dziękuję" after "anything else?" ("nie, to nie
to" asks for other words instead), "please repeat", thanks, "tak" to "anything else?", "mam pytanie" (an
invitation to ask it).
Apart from the engine because it needs only the session and the words, no KB, orders or model: the engine asks
it after escalation, before the KB.
"""

from __future__ import annotations

from collections.abc import Callable

from dialog import catalogue as say
from dialog.engine_config import Reply
from dialog.engine_intents import (
    is_goodbye,
    is_line_check,
    is_not_that,
    is_polite_no,
    is_repeat_request,
    is_thanks,
    no_more_questions,
    only_wants_to_ask,
)
from dialog.engine_text import words
from dialog.session import Session

MAX_REJECTED = 2  # answers a caller said were wrong ("to nie to") before a person takes over
REJECTED = "answers_rejected"  # session slot: not reset by a later answer, unlike ``misses``; by a transfer
Missed = Callable[[str, bool], None]  # (the question the KB misread, whether the turn transfers): a KB gap


def small_talk(s: Session, text: str, answer: bool | None, missed: Missed | None = None) -> Reply | None:
    """Goodbye, 'nie, dziękuję' after 'anything else?', repeat, thanks, 'tak' to 'anything else?', 'mam pytanie'."""
    few_words = len(words(text)) <= 4
    if is_goodbye(text):
        return Reply("end", say.GOODBYE)
    if is_line_check(text):  # "halo, słychać mnie?": yes, and the question still pending, if any
        if s.last_reply and s.expects != "text":
            heard = say.worded("LINE_CHECK_HEARD", s.channel)
            return Reply("answer", f"{heard} {s.last_reply}", expects=s.expects, anything_else=s.asked_anything_else)
        return Reply("answer", say.worded("LINE_CHECK", s.channel), repeatable=False)
    if is_repeat_request(text):
        last = s.last_reply
        if not last:
            return Reply("answer", say.worded("NOTHING_TO_REPEAT", s.channel), repeatable=False)
        return Reply("answer", say.REPEAT_PREFIX + last, expects=s.expects, anything_else=s.asked_anything_else)
    if s.asked_anything_else and is_not_that(text):  # "nie, to nie to": the answer missed, no goodbye
        return _answer_missed(s, missed)
    if s.asked_anything_else and answer is False and few_words:  # "nie, dziękuję"
        return Reply("end", say.GOODBYE)
    if answer is None and (is_polite_no(text) or no_more_questions(text)):  # closing with nothing pending
        return Reply("end", say.GOODBYE)
    if is_thanks(text):
        return Reply("answer", say.THANKS_REPLY, anything_else=True, repeatable=False)
    if s.asked_anything_else and answer is True and few_words:
        return Reply("answer", say.HOW_CAN_I_HELP, repeatable=False)
    # "mam pytanie": an invitation to ask it, no miss toward a transfer; never while a yes/no or a choice is
    # pending ("o to właśnie pytam" after "Czy chodzi o to: ...?" confirms it, and the offer must stay)
    if s.expects not in ("yes_no", "choice") and only_wants_to_ask(text):
        return Reply("answer", say.worded("INVITE_QUESTION", s.channel), repeatable=False)
    return None


def _answer_missed(s: Session, missed: Missed | None) -> Reply:
    """Other words, please; the question the answer missed is a KB gap; the second wrong answer in a
    conversation goes to a person (a confident next answer resets ``misses``, so they alone could loop)."""
    s.misses += 1
    s.failed_attempts += 1
    rejected = int(s.slots.get(REJECTED, "0")) + 1
    s.slots[REJECTED] = str(rejected)
    if missed is not None and s.topic and s.kb_given:  # what the last KB answer answered (not a "tak")
        missed(s.topic, rejected >= MAX_REJECTED)
    if rejected >= MAX_REJECTED:
        return Reply("transfer", say.transfer_line("not_understood", s.channel), transfer="not_understood")
    return Reply("clarify", say.worded("ANSWER_MISSED", s.channel))
