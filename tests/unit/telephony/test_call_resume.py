"""A phone call whose dialog session vanished mid-call (``telephony/call/resume.py``), driven through the call
loop by a scripted caller on the in-memory line: the real dialog engine, its sessions in a ``MemoryStore``
emptied between two turns (what Redis restarted without persistence does to a call in progress).

What must hold: words that lean on the lost exchange get the apology asking for the whole question again; a
question that stands alone is answered; the first words after the greeting are never apologised to; the
call goes on under the same session id, and the loss is counted."""

from __future__ import annotations

from typing import Any

from dialog import catalogue
from dialog.ports import CallerInfo, Hypothesis
from dialog.store import MemoryStore, SessionRepo
from telephony.call.resume import CallThread
from telephony.call.timing import TurnTiming
from telephony.metrics import Metrics
from tests.support.call import ScriptedDialog as _Scripted
from tests.support.line import call, harness
from tests.support.lost_session import CALLER, EMPTY, demo_engine, replies, script


class ScriptedDialog(_Scripted):
    """Canned replies with the engine's sessions: the call binds its keeper as it binds the engine's."""

    sessions: SessionRepo | None = None

    def with_sessions(self, sessions: SessionRepo) -> ScriptedDialog:
        self.sessions = sessions
        return self


ASKED = "Gdzie jest moja paczka?"
OFFER = "Czy chodzi o zamówienie numer 48213?"  # the demo orders know the caller's number
ANSWERED = "Zamówienie numer 48213 zostało wysłane."
SIGNED = SessionRepo(MemoryStore()).new_id()  # an id this process issued (signed with its own secret)


async def _call(turns: list[str], metrics: Any = None) -> tuple[Any, MemoryStore]:
    """A call of ``turns`` after the greeting (``EMPTY``: the store loses everything, as Redis restarted empty)."""
    store, answered = MemoryStore(), list[TurnTiming]()
    h = await harness(dialog=demo_engine(store), store=store, metrics=metrics, on_turn=answered.append)
    script(h.line, turns, store.close, answered)  # MemoryStore.close drops every key
    return await call(h, {"from": CALLER}), store


def _lost(metrics: Metrics, verdict: str) -> float | None:
    return metrics.registry.get_sample_value("infolinia_threads_lost_total", {"channel": "phone", "verdict": verdict})


async def test_a_pending_confirmation_lost_mid_call_is_asked_again_not_forgotten() -> None:
    metrics = Metrics()
    report, store = await _call([ASKED, EMPTY, "tak", ASKED], metrics)
    said = replies(report)
    assert said[1] == OFFER
    assert said[2] == catalogue.CALL_THREAD_LOST  # "tak" to a question the store forgot
    assert said[3] == OFFER  # the whole question again: answered, the call goes on
    assert report.ended == "caller_hung_up" and not report.errors
    session = await SessionRepo(store).load(report.session_id)  # the same id all along, the apology in it
    assert session is not None and session.slots["thread_lost"] == "thread"
    assert ("bot", catalogue.CALL_THREAD_LOST) in session.history and session.history[-1] == ("bot", OFFER)
    assert [t.action for t in report.turns] == ["clarify", "clarify", "clarify"]
    assert _lost(metrics, "apologise") == 1.0


async def test_an_order_number_said_digit_by_digit_after_the_loss_gets_the_apology() -> None:
    report, _ = await _call([ASKED, "nie", EMPTY, "cztery osiem dwa jeden trzy"])
    said = replies(report)
    assert said[2] == catalogue.ASK_ORDER_NUMBER  # "nie": the bot asked for the number
    assert said[3] == catalogue.CALL_THREAD_LOST


async def test_a_question_that_stands_alone_is_answered_under_the_same_id() -> None:
    metrics = Metrics()
    report, store = await _call([ASKED, EMPTY, "Jakie są godziny otwarcia sklepu?"], metrics)
    said = replies(report)
    assert said[2].startswith("Nasze sklepy są otwarte") and catalogue.CALL_THREAD_LOST not in said
    session = await SessionRepo(store).load(report.session_id)
    assert session is not None and session.slots["thread_lost"] == "fresh"
    assert session.caller_turns() == ["Jakie są godziny otwarcia sklepu?"]  # a fresh conversation
    assert _lost(metrics, "fresh") == 1.0 and _lost(metrics, "apologise") is None


async def test_the_first_words_after_the_greeting_lose_nothing_to_apologise_for() -> None:
    report, _ = await _call([EMPTY, "zwrot towaru"])  # two words: "leaning" in a chat
    said = replies(report)
    assert said[1] != catalogue.CALL_THREAD_LOST and said[1].startswith("Czy chodzi o to")


async def test_a_kept_session_goes_to_the_dialog_untouched() -> None:
    report, _ = await _call([ASKED, "tak"])
    assert replies(report)[2].startswith(ANSWERED)


async def test_a_dialog_without_the_engine_s_sessions_is_never_judged() -> None:
    dialog = ScriptedDialog()
    thread = CallThread(dialog, catalogue.CALL_THREAD_LOST)
    thread.answered = True
    out = await thread.turn(SIGNED, "tak", [Hypothesis("tak", 1.0)], CallerInfo(channel="phone"))
    assert out.reply == "Odpowiedź na: tak." and dialog.handled == ["tak"]


class _Down(MemoryStore):
    """A store that refuses every read and write (Redis down, not empty)."""

    async def get(self, key: str) -> dict[str, Any] | None:
        raise ConnectionError("redis is down")

    async def set(self, key: str, value: dict[str, Any], ttl_s: int | None = None) -> None:
        raise ConnectionError("redis is down")


async def test_a_store_that_is_down_is_left_to_the_engine_and_a_failed_save_still_apologises_and_is_kept() -> None:
    down = ScriptedDialog()
    down.sessions = SessionRepo(_Down())
    thread = CallThread(down, "Przepraszam.")
    thread.answered = True
    out = await thread.turn(SIGNED, "tak", [Hypothesis("tak", 1.0)], CallerInfo(channel="phone"))
    assert out.reply == "Odpowiedź na: tak."  # down, not empty: the engine degrades as it always did

    class _Empty(_Down):
        async def get(self, key: str) -> dict[str, Any] | None:
            return None

    empty = ScriptedDialog()
    empty.sessions = SessionRepo(_Empty())
    thread = CallThread(empty, "Przepraszam.")
    thread.answered = True
    out = await thread.turn(SIGNED, "tak", [Hypothesis("tak", 1.0)], CallerInfo(channel="phone"))
    assert out.reply == "Przepraszam." and empty.handled == []  # never silence
    assert thread.repo is not None and thread.repo.pending  # the apology's session waits for the store here
    assert thread.repo.kept_id == SIGNED


async def test_an_id_the_gateway_never_issues_is_not_adopted() -> None:
    store = MemoryStore()
    dialog = ScriptedDialog()
    dialog.sessions = SessionRepo(store)
    thread = CallThread(dialog, "Przepraszam.")
    thread.answered = True
    for made_up in ("customer-42", "0" * 32, SIGNED[:-1] + ("0" if SIGNED[-1] != "0" else "1")):
        out = await thread.turn(made_up, "tak", [Hypothesis("tak", 1.0)], CallerInfo(channel="phone"))
        assert out.reply == "Odpowiedź na: tak." and len(store) == 0
