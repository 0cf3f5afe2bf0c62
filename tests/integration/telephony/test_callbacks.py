"""Callback requests: Redis book (atomic claim across connections), the single-worker store book, the
speaker flow booking into either, and phone transfers turned into callbacks."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest

from dialog.ports import CallerInfo, Outcome, Transfer
from dialog.redis_connect import NotReplicated
from dialog.store import MemoryStore
from telephony.agents.callbacks import CallbackBook, Retries, callback_from_transfer
from telephony.agents.callbacks_redis import RedisCallbacks
from telephony.agents.callbacks_store import StoreCallbacks
from telephony.speaker.conversation import SpeakerConversations
from telephony.transfer.record import TransferRecord
from tests.support.agents import new_prefix, redis_client


def request(callback_id: str, created_at: str = "2025-03-03T09:00:00+00:00") -> dict[str, Any]:
    return {
        "id": callback_id,
        "queue": "obsluga",
        "reason": "requested_human",
        "priority": 1,
        "summary": "Klient prosi o kontakt w sprawie zamówienia 48213.",
        "phone": "+48600100200",
        "created_at": created_at,
        "session_id": "s1",
        "conversation_id": None,
        "channel": "phone",
        "status": "pending",
        "transcript": [],
    }


@pytest.fixture(params=["redis", "store"])
async def book(request: pytest.FixtureRequest, redis_url: str) -> AsyncIterator[CallbackBook]:
    if request.param == "store":
        yield StoreCallbacks(MemoryStore())
        return
    client = redis_client(redis_url)
    yield RedisCallbacks(client, prefix=new_prefix())
    await client.aclose()


async def test_lifecycle_pending_claimed_closed_with_voicemail(book: CallbackBook) -> None:
    await book.add(request("late", "2025-03-03T10:00:00+00:00"))
    await book.add(request("early", "2025-03-03T08:00:00+00:00"))
    pending = await book.list("pending")
    assert {r["id"] for r in pending} == {"early", "late"}
    assert pending[0]["transcript"] == [] and pending[0]["summary"].startswith("Klient")
    assert await book.attach_voicemail("early", "https://api.twilio.com/rec/RE1", 12.5)
    assert not await book.attach_voicemail("nope", "x")

    won = await book.claim("early", "anna")
    assert won.won and won.record is not None and won.record["claimed_by"] == "anna"
    lost = await book.claim("early", "piotr")
    assert not lost.won and lost.reason == "taken" and lost.record is not None
    assert lost.record["claimed_by"] == "anna"
    assert (await book.claim("nope", "anna")).reason == "unknown"

    assert (await book.close("early", "piotr", "done")).reason == "not_yours"
    assert (await book.close("late", "anna", "done")).reason == "not_yours"  # not claimed yet
    closed = await book.close("early", "anna", "oddzwoniono, sprawa załatwiona")
    assert closed.won and closed.record is not None
    assert closed.record["outcome"] == "oddzwoniono, sprawa załatwiona" and closed.record["status"] == "closed"
    assert closed.record["voicemail_url"] == "https://api.twilio.com/rec/RE1" and closed.record["voicemail_s"] == 12.5
    assert [r["id"] for r in await book.list("pending")] == ["late"]
    assert [r["id"] for r in await book.list("closed")] == ["early"]
    assert not (await book.close("early", "anna", "again")).won  # closing twice changes nothing


async def test_redis_list_is_oldest_first(redis_url: str) -> None:
    client = redis_client(redis_url)
    book = RedisCallbacks(client, prefix=new_prefix())
    for name, hour in (("c", 11), ("a", 9), ("b", 10)):
        await book.add(request(name, f"2025-03-03T{hour:02d}:00:00+00:00"))
    assert [r["id"] for r in await book.pending()] == ["a", "b", "c"]
    await client.aclose()


async def test_many_agents_claiming_one_callback_at_once_exactly_one_wins(redis_url: str) -> None:
    prefix, clients = new_prefix(), [redis_client(redis_url) for _ in range(5)]
    books = [RedisCallbacks(c, prefix=prefix) for c in clients]
    for n in range(5):
        await books[0].add(request(f"cb{n}"))
    for n in range(5):
        results = await asyncio.gather(*(books[i].claim(f"cb{n}", f"agent{i}") for i in range(5)))
        winners = [i for i, r in enumerate(results) if r.won]
        assert len(winners) == 1
        record = await books[0].get(f"cb{n}")
        assert record is not None and record["claimed_by"] == f"agent{winners[0]}"
        assert all(r.reason == "taken" for r in results if not r.won)
    assert await books[0].pending() == [] and len(await books[0].list("claimed")) == 5
    for c in clients:
        await c.aclose()


def test_callback_from_a_phone_transfer_carries_number_summary_and_transcript() -> None:
    transfer = TransferRecord(
        tid="t1", call_sid="CA1", caller="+48600100200", queue="reklamacje", reason="complaint", priority=2,
        summary="Reklamacja zamówienia 48213.", transcript=[{"role": "caller", "text": "chcę reklamować"}],
        order_id="48213", created_at=1.0, enqueued_at=1.0,
    )  # fmt: skip
    record = callback_from_transfer(transfer, callback_id="cb1", created_at="2025-03-03T09:00:00+00:00")
    assert record["phone"] == "+48600100200" and record["transfer_id"] == "t1" and record["order_id"] == "48213"
    assert record["transcript"] == [{"role": "caller", "text": "chcę reklamować"}] and record["channel"] == "phone"


class TransferringDialog:
    """A stand-in engine that always escalates (the speaker flow under test is ours, not the engine's)."""

    async def handle(self, session_id: str | None, text: str, caller: CallerInfo) -> Outcome:
        transfer = Transfer("obsluga", "requested_human", 1, "Klient chce rozmawiać z konsultantem.")
        return Outcome("sess-1", "transfer", "Łączę.", transfer=transfer)

    async def record(self, *args: object) -> None:
        return None  # what the speaker said: the history's test is test_speaker_history.py


async def test_speaker_callbacks_land_in_the_redis_book_agents_claim_from(redis_url: str) -> None:
    client = redis_client(redis_url)
    book = RedisCallbacks(client, prefix=new_prefix())
    dialog: Any = TransferringDialog()
    speaker = SpeakerConversations(dialog, MemoryStore(), callbacks=book, new_id=lambda: "cb-1")
    await speaker.turn("chcę rozmawiać z konsultantem", "conv")
    await speaker.turn("tak", "conv")
    await speaker.turn("600 100 200", "conv")
    booked = await speaker.turn("tak", "conv")
    assert booked.callback_id == "cb-1"
    [record] = await book.pending()
    assert record["id"] == booked.callback_id and record["phone"] == "+48600100200"
    assert record["channel"] == "speaker" and record["conversation_id"] == "conv"
    assert record["requested"] == "callback"  # as a phone caller's request says it (a walkthrough: it was missing)
    assert (await book.claim(record["id"], "anna")).won
    await client.aclose()


async def test_a_request_no_replica_confirms_is_stored_but_not_reported_saved(redis_url: str) -> None:
    """``replicas=1`` against a Redis with no replica: the write lands on the master but WAIT gets no
    confirmation, so ``add`` and ``attach_voicemail`` raise ``NotReplicated`` (a ConnectionError: the
    transfer steps then spool the request too, and the spool is replayed until a replica confirms it)."""
    client = redis_client(redis_url)
    durable = RedisCallbacks(client, prefix=new_prefix(), replicas=1, replica_wait_ms=50)
    try:
        with pytest.raises(NotReplicated, match="0 of 1 replicas"):
            await durable.add(request("cb-w"))
        assert (await durable.get("cb-w") or {}).get("status") == "pending"  # on the master all the same
        with pytest.raises(NotReplicated):
            await durable.attach_voicemail("cb-w", "https://api.twilio.com/rec/RE" + "1" * 32, 3.0)
        assert (await durable.get("cb-w") or {}).get("voicemail_s") == 3.0
        assert not await durable.attach_voicemail("unknown", "x")  # nothing written: nothing to confirm
    finally:
        await client.aclose()


async def test_a_try_nobody_answered_goes_back_to_the_list_until_the_last_one(book: CallbackBook) -> None:
    await book.add(request("cb"))
    for attempt in (1, 2):
        assert (await book.claim("cb", "anna")).won
        again = await book.close("cb", "anna", "no_answer")
        assert again.won and again.record is not None
        assert again.record["status"] == "pending" and again.record["failed_attempts"] == attempt
        assert "claimed_by" not in again.record
        assert [r["id"] for r in await book.list("pending")] == ["cb"] and await book.list("claimed") == []
    assert (await book.claim("cb", "piotr")).won  # anyone may try next
    last = await book.close("cb", "piotr", "no_answer")
    assert last.won and last.record is not None
    assert (last.record["status"], last.record["outcome"], last.record["failed_attempts"]) == (
        "closed",
        "unreachable",
        3,
    )
    assert [r["id"] for r in await book.list("closed")] == ["cb"] and await book.pending() == []

    await book.add(request("wrong"))
    assert (await book.claim("wrong", "anna")).won
    wrong = await book.close("wrong", "anna", "wrong_number")
    assert wrong.record is not None and (wrong.record["status"], wrong.record["outcome"]) == ("closed", "wrong_number")


@pytest.mark.parametrize("kind", ["redis", "store"])
async def test_a_try_nobody_answered_is_due_again_only_after_the_gap_and_the_limit_is_the_setting(
    kind: str, redis_url: str
) -> None:
    """Scripted clock: a no-answer at 09:30 with a 45 min gap is due at 10:15; until then a callback
    that is due sorts first; with two tries allowed, the second no-answer closes it."""
    now = [1741000000.0]  # 2025-03-03 11:06:40 UTC
    retries = Retries(max_attempts=2, gap_s=45 * 60)
    client = redis_client(redis_url) if kind == "redis" else None
    book: CallbackBook = (
        RedisCallbacks(client, prefix=new_prefix(), clock=lambda: now[0], retries=retries)
        if client is not None
        else StoreCallbacks(MemoryStore(), clock=lambda: now[0], retries=retries)
    )
    try:
        await book.add(request("first", "2025-03-03T08:00:00+00:00"))
        await book.add(request("second", "2025-03-03T09:00:00+00:00"))
        assert (await book.claim("first", "anna")).won
        tried = await book.close("first", "anna", "no_answer")
        assert tried.record is not None and tried.record["retry_after"] == "2025-03-03T11:51:40+00:00"
        assert [r["id"] for r in await book.list("pending")] == ["second", "first"]  # the due one first
        now[0] += 45 * 60
        assert [r["id"] for r in await book.list("pending")] == ["first", "second"]  # due again: oldest first
        assert (await book.claim("first", "piotr")).won
        last = await book.close("first", "piotr", "no_answer")
        assert last.record is not None and (last.record["status"], last.record["outcome"]) == ("closed", "unreachable")
    finally:
        if client is not None:
            await client.aclose()


async def test_a_claimed_callback_is_released_by_its_holder_or_a_supervisor(book: CallbackBook) -> None:
    await book.add(request("cb"))
    assert (await book.release("cb", "anna")).reason == "not_claimed"
    assert (await book.release("nope", "anna")).reason == "unknown"
    assert (await book.claim("cb", "piotr")).won
    assert (await book.release("cb", "anna")).reason == "not_yours"
    mine = await book.release("cb", "piotr")
    assert (
        mine.won and mine.record is not None and mine.record["status"] == "pending" and "claimed_by" not in mine.record
    )
    assert (await book.claim("cb", "piotr")).won
    taken_back = await book.release("cb", "ewa", anyone=True)
    assert taken_back.won and [r["id"] for r in await book.pending()] == ["cb"]
    assert (await book.claim("cb", "anna")).won  # and anyone may claim it again
