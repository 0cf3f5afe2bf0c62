"""A conversation continued after its session vanished from the store: apologise, or simply answer.

Why here: the chat (``telephony/chat/turn.py``) and the phone call (``telephony/call/resume.py``) meet the
same loss (Redis came back empty without persistence, or the session expired) and must judge it alike. The
next words either mean something only after what went before ("a ile to kosztuje?", "tak", "to drugie", an
order number asked for): then the honest reply is that the thread was lost and the question is wanted
again, under the same session id; or they stand alone ("Jakie są godziny otwarcia?"): then they are
answered as the first turn of a fresh conversation under that id, with nothing to apologise for. Pure text
and session logic: no store, no channel.
"""

from __future__ import annotations

import re
from typing import Literal

from dialog.engine_intents import is_follow_up, is_goodbye, is_greeting_only, is_polite_no, only_courtesy
from dialog.engine_text import fold
from dialog.numbers import is_number_word, yes_no
from dialog.session import Session
from dialog.store import SessionRepo

Verdict = Literal["apologise", "fresh"]  # say the thread was lost | answer as the first turn of a fresh session
_WORD = re.compile(r"\d+|[^\W\d_]+")


def session_repo(dialog: object) -> SessionRepo | None:
    """The dialog's own sessions (``DialogEngine.sessions``): where its conversations really are, so a
    session is judged lost only where the dialog would not find it either. None for a dialog that keeps
    them elsewhere or not at all (a scripted one): nothing is judged lost there."""
    repo = getattr(dialog, "sessions", None)
    return repo if isinstance(repo, SessionRepo) else None


def leans_on_the_thread(text: str) -> bool:
    """Words that mean something only after what was said before: a follow-up ("a ile to kosztuje?"), an
    answer ("tak", "nie"), two words at most ("to drugie"), or a number and nothing else (an order number
    asked for, typed or spoken digit by digit: "cztery osiem dwa jeden trzy"). A greeting ("dzień dobry")
    starts afresh: it is answered, not apologised to, and so is a closing ("dziękuję", "nie, dziękuję", "to
    wszystko"): a caller saying goodbye is not asked to say the whole question again."""
    if is_greeting_only(text) or only_courtesy(text) or is_goodbye(text) or is_polite_no(text):
        return False
    return is_follow_up(text) or yes_no(text) is not None or len(text.split()) <= 2 or only_a_number(text)


def only_a_number(text: str) -> bool:
    """Digits and numeral words alone: an answer to "proszę podać numer", meaningless without the question."""
    words = _WORD.findall(fold(text))
    return bool(words) and all(w.isdigit() or is_number_word(w) for w in words)


def verdict(text: str, answered_before: bool = True) -> Verdict:
    """What a turn on a vanished session gets. ``answered_before``: the conversation had an exchange to lose
    (a chat client's session id always names one; a phone call knows whether the caller had a turn answered:
    the first words after the greeting lose nothing but the greeting). Nothing said (a phone turn nobody
    understood) is no question to ask again: the fresh conversation says it heard nothing."""
    return "apologise" if answered_before and text.strip() and leans_on_the_thread(text) else "fresh"


def fresh_session(session_id: str, channel: str, now: float) -> Session:
    """An empty conversation under the client's id, for a question that stands alone after a lost thread:
    the engine continues it as it would a new one (marked, so the history says the earlier part is gone)."""
    session = Session(id=session_id, created_at=now, updated_at=now, channel=channel)
    session.slots["thread_lost"] = "fresh"
    return session


def apology_session(session_id: str, channel: str, text: str, reply: str, kind: str, now: float) -> Session:
    """The fresh session under the client's id, holding this exchange (the caller's words and the apology,
    so an agent's transcript reads it); ``kind`` says what was lost (``thread``, or a chat's ``handoff``)."""
    session = Session(id=session_id, created_at=now, updated_at=now, channel=channel)
    session.add("caller", text)
    session.add("bot", reply)
    session.last_reply = reply
    session.slots["thread_lost"] = kind
    return session
