"""Speaker conversations through Redis failing between two turns (``telephony/speaker/kept.py``): Home
Assistant's (``SpeakerConversations``, keyed by its ``conversation_id``) and a device's voice turn
(``DeviceThreads``, keyed by its ``session_id``), on the real demo dialog engine over ``FakeStore``, which
can be emptied (Redis back without its data) or made to fail (Redis down).

What must hold: words that lean on a conversation the store lost get ``CALL_THREAD_LOST``, a question said
again or one that stands alone is answered, one session id throughout, each loss counted by channel; the
first turn of a conversation is never apologised to; while the store is down a turn goes on from the copy
here and reaches the store once it answers; what is held here is bounded in number and time."""

from __future__ import annotations

from dialog import catalogue
from dialog.ports import CallerInfo, Hypothesis
from dialog.store import SessionRepo
from telephony.conversation_thread import ConversationThread
from telephony.metrics import Metrics
from telephony.speaker.conversation import CONVERSATION_KEY, SpeakerConversations
from telephony.speaker.device_turn import DeviceThreads
from telephony.speaker.kept import KeptConversations
from tests.support.call import ScriptedDialog
from tests.support.lost_session import demo_engine
from tests.support.store import FakeStore

ASKED = "Gdzie jest moja paczka?"
DIGITS = "cztery osiem dwa jeden trzy"  # the order number asked for, spoken digit by digit
ANSWERED = "Zamówienie numer 48213 zostało wysłane."
HOURS = "Jakie są godziny otwarcia sklepu?"
VOICE = CallerInfo(channel="voice")


def _lost(metrics: Metrics, channel: str, verdict: str) -> float | None:
    return metrics.registry.get_sample_value("infolinia_threads_lost_total", {"channel": channel, "verdict": verdict})


async def test_a_speaker_conversation_redis_lost_asks_again_only_where_the_words_need_it() -> None:
    store, metrics = FakeStore(), Metrics()
    speaker = SpeakerConversations(demo_engine(store), store, metrics=metrics)
    first = await speaker.turn(ASKED, "ha-1")
    assert first.text == catalogue.ASK_ORDER_NUMBER
    store.data.clear()  # Redis restarted without its data: the conversation's record and session gone
    lost = await speaker.turn(DIGITS, "ha-1")
    assert lost.text == catalogue.CALL_THREAD_LOST and lost.session_id == first.session_id
    assert (await speaker.turn(ASKED, "ha-1")).text == catalogue.ASK_ORDER_NUMBER  # asked again: answered
    assert (await speaker.turn(DIGITS, "ha-1")).text.startswith(ANSWERED)
    store.data.clear()
    fresh = await speaker.turn(HOURS, "ha-1")  # stands alone: answered, nothing to apologise for
    assert fresh.text.startswith("Nasze sklepy są otwarte") and fresh.session_id == first.session_id
    assert _lost(metrics, "speaker", "apologise") == 1.0 and _lost(metrics, "speaker", "fresh") == 1.0
    assert store.data[CONVERSATION_KEY.format("ha-1")]["session_id"] == first.session_id
    assert (await speaker.turn("tak", "ha-2")).text != catalogue.CALL_THREAD_LOST  # a first turn loses nothing


async def test_a_speaker_conversation_goes_on_through_redis_down_and_is_written_back() -> None:
    store = FakeStore()
    speaker = SpeakerConversations(demo_engine(store), store)
    first = await speaker.turn(ASKED, "ha-1")
    store.fail = True  # Redis down: every read and write refused
    during = await speaker.turn(DIGITS, "ha-1")
    assert during.text.startswith(ANSWERED) and during.session_id == first.session_id  # from the copy here
    store.fail = False
    after = await speaker.turn("tak", "ha-1")  # "tak" to "Czy mogę pomóc w czymś jeszcze?" asked during it
    assert after.text == catalogue.HOW_CAN_I_HELP and after.session_id == first.session_id
    kept = await SessionRepo(store).load(first.session_id or "")
    assert kept is not None and kept.caller_turns() == [ASKED, DIGITS, "tak"]  # every turn, in the store
    assert store.data[CONVERSATION_KEY.format("ha-1")]["session_id"] == first.session_id


async def test_a_first_turn_while_redis_is_down_is_answered_and_kept_until_it_answers() -> None:
    store = FakeStore()
    speaker = SpeakerConversations(demo_engine(store), store)
    store.fail = True
    first = await speaker.turn(ASKED, "ha-1")  # no copy of anything yet: a fresh conversation, not an error
    assert first.text == catalogue.ASK_ORDER_NUMBER and not store.data
    store.fail = False
    assert (await speaker.turn(DIGITS, "ha-1")).text.startswith(ANSWERED)
    assert store.data[CONVERSATION_KEY.format("ha-1")]["session_id"] == first.session_id


async def test_a_device_session_redis_lost_is_told_even_by_a_worker_that_never_saw_it() -> None:
    store, metrics = FakeStore(), Metrics()
    dialog = demo_engine(store)
    first, _ = await DeviceThreads(metrics).turn(dialog, None, [Hypothesis(ASKED, 0.9)], VOICE)
    assert first.reply == catalogue.ASK_ORDER_NUMBER
    store.data.clear()
    other = DeviceThreads(metrics)  # the next request on another worker: its session id says it had a thread
    lost, _ = await other.turn(dialog, first.session_id, [Hypothesis(DIGITS, 0.9)], VOICE)
    assert lost.reply == catalogue.CALL_THREAD_LOST and lost.session_id == first.session_id
    again, _ = await other.turn(dialog, first.session_id, [Hypothesis(ASKED, 0.9)], VOICE)
    assert again.reply == catalogue.ASK_ORDER_NUMBER and again.session_id == first.session_id
    assert _lost(metrics, "voice", "apologise") == 1.0
    store.data.clear()
    new, _ = await other.turn(dialog, None, [Hypothesis("tak", 0.9)], VOICE)  # no session id: a first turn
    assert new.reply != catalogue.CALL_THREAD_LOST and _lost(metrics, "voice", "apologise") == 1.0


async def test_a_device_session_goes_on_through_redis_down_on_the_worker_that_holds_it() -> None:
    store = FakeStore()
    dialog, threads = demo_engine(store), DeviceThreads()
    first, _ = await threads.turn(dialog, None, [Hypothesis(ASKED, 0.9)], VOICE)
    store.fail = True
    during, bound = await threads.turn(dialog, first.session_id, [Hypothesis(DIGITS, 0.9)], VOICE)
    assert during.reply.startswith(ANSWERED) and during.session_id == first.session_id
    assert bound is not dialog  # what the route records after the turn goes to the same kept session
    elsewhere, _ = await DeviceThreads().turn(dialog, first.session_id, [Hypothesis("tak", 0.9)], VOICE)
    assert elsewhere.session_id != first.session_id  # no copy there: the engine degrades, as it always did
    store.fail = False
    after, _ = await threads.turn(dialog, first.session_id, [Hypothesis("tak", 0.9)], VOICE)
    assert after.reply == catalogue.HOW_CAN_I_HELP
    kept = await SessionRepo(store).load(first.session_id)
    assert kept is not None and kept.caller_turns() == [ASKED, DIGITS, "tak"]


def test_the_conversations_held_here_are_bounded_in_number_and_time() -> None:
    now = [0.0]
    kept = KeptConversations(max_entries=2, idle_s=60.0, clock=lambda: now[0])

    def thread() -> ConversationThread:
        return ConversationThread(ScriptedDialog(), catalogue.CALL_THREAD_LOST, "speaker")

    made = [kept.take(k, thread) for k in ("a", "b")]
    assert kept.take("a", thread) is made[0]
    kept.take("c", thread)
    assert len(kept) == 2 and kept.get("b") is None and kept.get("a") is made[0]  # the least recent went
    now[0] = 59.0
    assert kept.get("a") is made[0]
    now[0] = 120.0
    assert kept.get("a") is None and kept.get("c") is None and len(kept) == 0  # idle past the session TTL
