"""Whether a smart speaker may promise a call back: only with a callback book agents see (Redis)."""

from __future__ import annotations

from typing import Any

from redis.exceptions import TimeoutError as RedisTimeoutError

from dialog import catalogue
from dialog.ports import CallerInfo, Outcome, Transfer
from dialog.store import MemoryStore
from telephony.agents.callbacks_store import StoreCallbacks
from telephony.speaker.callback import no_callback_reply, offer
from telephony.speaker.conversation import SpeakerConversations
from telephony.store_health import StoreHealth

HOTLINE = "+48221112233"


class TransferringDialog:
    """Asking for a person is a transfer; anything else is answered."""

    def __init__(self) -> None:
        self.handled: list[str] = []
        self.refused: list[str] = []
        self.recorded: list[tuple[str | None, str, str | None, str | None]] = []  # said, reply, phone, handover

    async def handle(self, session_id: str | None, text: str, caller: CallerInfo) -> Outcome:
        self.handled.append(text)
        if "gaz" in text:
            return Outcome("s1", "transfer", "Łączę.", transfer=Transfer("pilne", "urgent", 10, "x"))
        if "WŚCIEKŁY" in text:  # urgent for anger alone: no emergency number
            return Outcome("s1", "transfer", "Przepraszam.", transfer=Transfer("pilne", "urgent", 10, "x", angry=True))
        if "konsultant" in text:
            return Outcome("s1", "transfer", "Łączę.", transfer=Transfer("obsluga", "requested_human", 1, "x"))
        return Outcome("s1", "answer", "Odpowiedź.")

    async def handover_refused(self, session_id: str, reply: str, caller: CallerInfo) -> None:
        self.refused.append(reply)

    async def record(
        self, session_id: str, said: str | None, reply: str, caller: CallerInfo, handover: str | None = None
    ) -> None:
        self.recorded.append((said, reply, caller.phone, handover))


async def test_without_a_callback_book_the_speaker_gives_the_hotline_instead_of_a_promise() -> None:
    dialog: Any = TransferringDialog()
    speaker = SpeakerConversations(dialog, MemoryStore(), hotline="+48221112233")
    reply = await speaker.turn("chcę rozmawiać z konsultantem", "conv")
    assert reply.text == "Przez głośnik nie mogę połączyć z konsultantem ani zamówić telefonu od konsultanta. " + (
        "Proszę zadzwonić na infolinię pod numer 221 112 233."
    )
    assert (await speaker.turn("tak", "conv")).text == "Odpowiedź."  # nothing pending: an ordinary turn
    assert dialog.handled == ["chcę rozmawiać z konsultantem", "tak"]
    assert dialog.refused == [reply.text]  # the conversation's history says what the speaker said
    emergency = await speaker.turn("czuję gaz w kuchni", "conv")
    assert emergency.text.startswith(catalogue.EMERGENCY_ADVICE)  # nobody will take it: 112 first
    angry = await speaker.turn("JESTEM WŚCIEKŁY", "conv")
    assert catalogue.EMERGENCY_ADVICE not in angry.text  # no danger: the apology the phone's transfer opens with
    assert angry.text == f"{catalogue.ANGRY_APOLOGY} {no_callback_reply('+48221112233')}"
    assert dialog.refused[-1] == angry.text


async def test_with_a_callback_book_the_speaker_offers_and_books() -> None:
    dialog: Any = TransferringDialog()
    book = StoreCallbacks(MemoryStore())
    speaker = SpeakerConversations(dialog, MemoryStore(), callbacks=book, new_id=lambda: "cb-1")
    assert (await speaker.turn("chcę rozmawiać z konsultantem", "conv")).text == catalogue.SPEAKER_CALLBACK_OFFER
    confirm = catalogue.CALLBACK_CONFIRM_PHONE.format(phone="600 100 200")
    assert (await speaker.turn("tak, 600 100 200", "conv")).text == confirm
    assert (await speaker.turn("tak", "conv")).callback_id == "cb-1"
    assert [r["phone"] for r in await book.pending()] == ["+48600100200"]
    assert dialog.recorded == [  # the conversation keeps what the speaker said, and the number booked
        (None, catalogue.SPEAKER_CALLBACK_OFFER, None, "offered"),
        ("tak, 600 100 200", confirm, None, None),
        ("tak", catalogue.CALLBACK_BOOKED.format(phone="600 100 200"), "+48600100200", "booked"),
    ]
    emergency = await speaker.turn("czuję gaz w kuchni", "conv2")  # a call back comes later: 112 first
    assert emergency.text == f"{catalogue.EMERGENCY_ADVICE} {catalogue.SPEAKER_CALLBACK_OFFER}"
    angry = await speaker.turn("JESTEM WŚCIEKŁY", "conv3")  # an angry customer: the apology and the call, no 112
    assert angry.text == f"{catalogue.ANGRY_APOLOGY} {catalogue.SPEAKER_CALLBACK_OFFER}"


def test_hotline_wording() -> None:
    assert no_callback_reply("") == "Przez głośnik nie mogę połączyć z konsultantem ani zamówić telefonu od " + (
        "konsultanta. Proszę zadzwonić na infolinię."
    )
    assert no_callback_reply("+4930123456").endswith("na infolinię pod numer +4930123456.")


class TimingOutBook(StoreCallbacks):
    """A callback book on a Redis that stalled: every booking times out."""

    async def add(self, record: dict[str, Any]) -> str:
        raise RedisTimeoutError("Timeout reading from socket")


async def test_a_booking_redis_did_not_take_gives_the_hotline_and_opens_the_breaker() -> None:
    """A stalled Redis under the last "tak": no "a consultant will call you" that nobody will keep."""
    dialog: Any = TransferringDialog()
    health = StoreHealth(60.0)
    speaker = SpeakerConversations(dialog, MemoryStore(), callbacks=TimingOutBook(MemoryStore()), hotline=HOTLINE,
                                   breaker=health)  # fmt: skip
    await speaker.turn("chcę rozmawiać z konsultantem", "conv")
    await speaker.turn("tak, 600 100 200", "conv")
    booked = await speaker.turn("tak", "conv")
    assert (booked.text, booked.callback_id) == (no_callback_reply(HOTLINE), None)
    assert health.stalled  # the booking's timeout opened it
    assert dialog.recorded[-1] == ("tak", no_callback_reply(HOTLINE), None, "not_booked")
    assert (await speaker.turn("tak", "conv")).text == "Odpowiedź."  # nothing pending any more


async def test_while_the_breaker_is_open_no_callback_is_offered_or_booked() -> None:
    """Inside the back-off the book is not asked at all: the offer becomes the hotline, and an offer made just
    before the stall ends in the hotline too, with nothing stored."""
    dialog: Any = TransferringDialog()
    book, health = StoreCallbacks(MemoryStore()), StoreHealth(60.0)
    speaker = SpeakerConversations(dialog, MemoryStore(), callbacks=book, hotline=HOTLINE, breaker=health)
    assert (await speaker.turn("chcę rozmawiać z konsultantem", "b")).text == catalogue.SPEAKER_CALLBACK_OFFER
    await speaker.turn("tak, 600 100 200", "b")
    health.saw(RedisTimeoutError("Timeout reading from socket"))
    assert (await speaker.turn("tak", "b")).text == no_callback_reply(HOTLINE)
    assert (await speaker.turn("chcę rozmawiać z konsultantem", "c")).text == no_callback_reply(HOTLINE)
    assert dialog.refused == [no_callback_reply(HOTLINE)]  # the history says what the speaker said
    assert await book.pending() == []


def test_an_emergencys_kb_answer_follows_the_112_advice_on_the_speaker() -> None:
    """What the caller can do now (``Transfer.answer``), after 112 and before the offer or the hotline; an
    angry caller's transfer never says it."""
    answer = "Kartę SIM zablokujemy od razu w Panelu Klienta."
    urgent = Transfer("obsluga", "urgent", 10, "PILNE", answer=answer)
    assert offer(urgent).reply == f"{catalogue.EMERGENCY_ADVICE} {answer} {catalogue.SPEAKER_CALLBACK_OFFER}"
    assert no_callback_reply("", urgent) == f"{catalogue.EMERGENCY_ADVICE} {answer} {no_callback_reply('')}"
    angry = Transfer("obsluga", "urgent", 10, "PILNE", angry=True, answer=answer)
    assert offer(angry).reply == f"{catalogue.ANGRY_APOLOGY} {catalogue.SPEAKER_CALLBACK_OFFER}"
