"""One conversation's session kept through a store outage (``dialog/session_keeper.py``), over a store double that
fails on demand (``tests/support/store.py``).

What must hold: while the store is down a load gets the copy last loaded or saved here, under the same id; a save
the store refuses stays here and is what the next loads get; the next save the store takes, or ``flush``, writes
it back under that id; a store that answers but lost the session (an empty restart) is still a lost session; with
no copy here the store's error reaches the caller (the engine degrades as before); a turn can be taken back while
the store is down; a stalled store is waited for only ``timeout_s``.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from dialog.session import Session
from dialog.session_keeper import SessionKeeper, StoreSkipped, with_sessions
from dialog.store import SessionRepo
from tests.support.lost_session import demo_engine
from tests.support.store import FakeStore

SID = "a" * 32


def _session(**changes: Any) -> Session:
    return Session(id=SID, channel="phone", **changes)


def _keeper(store: FakeStore, timeout_s: float | None = None) -> SessionKeeper:
    return SessionKeeper(SessionRepo(store), timeout_s)


async def _stored(store: FakeStore) -> Session | None:
    return await SessionRepo(store).load(SID)


async def test_a_turn_during_an_outage_gets_the_copy_and_its_update_is_written_back_under_the_same_id() -> None:
    store = FakeStore()
    keeper = _keeper(store)
    await keeper.save(_session(expects="order_number", purpose="status", topic="paczka"))
    store.fail = True
    during = await keeper.load(SID)
    assert during is not None and during.id == SID and during.expects == "order_number" and during.topic == "paczka"
    during.add("caller", "48213")
    during.clear_question()
    await keeper.save(during)  # refused: kept here, no error
    assert keeper.pending and (await _stored_while_up(store)).expects == "order_number"  # the store's is older
    after = await keeper.load(SID)  # still down: the newer copy
    assert after is not None and after.caller_turns() == ["48213"] and after.expects == "text"
    store.fail = False
    again = await keeper.load(SID)  # back: the copy here is newer than the store's, used without asking
    assert again is not None and again.caller_turns() == ["48213"] and keeper.pending
    await keeper.save(again)  # the next save the store takes writes it back
    stored = await _stored(store)
    assert stored is not None and stored.id == SID and stored.caller_turns() == ["48213"] and not keeper.pending


async def _stored_while_up(store: FakeStore) -> Session:
    store.fail = False
    try:
        stored = await _stored(store)
    finally:
        store.fail = True
    assert stored is not None
    return stored


async def test_flush_writes_what_is_pending_once_the_store_answers() -> None:
    store = FakeStore()
    keeper = _keeper(store)
    store.fail = True
    await keeper.save(_session(topic="zwrot"))
    assert not await keeper.flush() and keeper.pending  # still down: kept, nothing lost
    store.fail = False
    assert await keeper.flush() and not keeper.pending
    stored = await _stored(store)
    assert stored is not None and stored.topic == "zwrot"
    store.calls.clear()
    assert await keeper.flush() and store.calls == []  # nothing pending: no write


class _OpenBreaker:
    """A breaker that says the store timed out a moment ago, and records what it is told."""

    stalled = True

    def __init__(self) -> None:
        self.seen: list[Exception] = []

    def saw(self, exc: Exception) -> None:
        self.seen.append(exc)


async def test_an_open_breaker_keeps_turns_off_the_store_but_not_the_shutdown_flush() -> None:
    """Why: at shutdown the copy has one last chance; Redis may be back before the breaker has heard so, and
    a copy skipped then is lost for good."""
    store = FakeStore()
    keeper = SessionKeeper(SessionRepo(store), None, breaker=_OpenBreaker())
    await keeper.save(_session(topic="zwrot"))  # not sent: the breaker is open
    assert keeper.pending and store.calls == []
    assert not await keeper.flush() and store.calls == []  # a turn's flush waits for the breaker too
    assert await keeper.flush(force=True) and not keeper.pending  # the shutdown's is sent
    stored = await _stored(store)
    assert stored is not None and stored.topic == "zwrot"


async def test_an_open_breaker_still_asks_the_store_for_a_session_with_no_copy_here() -> None:
    """Another worker answered this conversation so far: skipped, the engine would start a new conversation
    and orphan the customer's, though the store answers (one timeout anywhere opens the breaker)."""
    store = FakeStore()
    await SessionRepo(store).save(_session(topic="raty"))
    keeper = SessionKeeper(SessionRepo(store), None, breaker=_OpenBreaker())
    loaded = await keeper.load(SID)
    assert loaded is not None and loaded.topic == "raty"


async def test_a_flush_that_lands_after_a_newer_save_leaves_the_newer_copy_pending() -> None:
    """The older copy's write finishing must not mark the newer one (saved meanwhile, refused) as written."""
    store, release = FakeStore(), asyncio.Event()
    keeper = _keeper(store)
    repo_save = keeper.repo.save

    async def slow_save(session: Session) -> None:
        await release.wait()
        await repo_save(session)

    keeper.repo.save = slow_save  # type: ignore[method-assign]
    first = asyncio.create_task(keeper.save(_session(topic="stary")))
    await asyncio.sleep(0)
    keeper.kept, keeper.pending = _session(topic="nowy").stored(), True  # a newer turn, its write refused
    release.set()
    await first
    assert keeper.pending and keeper.kept is not None and keeper.kept["topic"] == "nowy"
    keeper.repo.save = repo_save  # type: ignore[method-assign]
    assert await keeper.flush() and not keeper.pending
    stored = await _stored(store)
    assert stored is not None and stored.topic == "nowy"


async def test_a_store_that_answers_without_the_session_is_a_lost_session_not_an_outage() -> None:
    store = FakeStore()
    keeper = _keeper(store)
    await keeper.save(_session(topic="paczka"))
    store.data.clear()  # Redis restarted empty, and the call saw no error: the lost thread, judged elsewhere
    assert await keeper.load(SID) is None
    store.fail = True
    with pytest.raises(ConnectionError):  # and no copy is left to go on from
        await keeper.load(SID)


async def test_with_no_copy_here_the_store_s_error_reaches_the_engine() -> None:
    store = FakeStore()
    store.fail = True
    with pytest.raises(ConnectionError):
        await _keeper(store).load(SID)


async def test_a_session_with_no_copy_here_is_read_from_a_failing_store_once_per_turn() -> None:
    """A turn reads it twice (the lost-thread check, then the engine): against a stalled store each read was a
    whole timeout. The second is not sent; the turn's save (here the engine's fresh session) ends that."""
    store = FakeStore()
    store.fail = True
    keeper = _keeper(store)
    with pytest.raises(ConnectionError):
        await keeper.load(SID)
    with pytest.raises(StoreSkipped):  # handled by the engine as any store failure: a fresh session
        await keeper.load(SID)
    assert [call.split()[0] for call in store.calls] == ["get"]
    await keeper.save(Session(id="c" * 32, channel="voice"))  # refused, kept here
    store.fail = False
    assert await keeper.load(SID) is None  # the next turn asks again (the store answers: no such session)
    assert [call.split()[0] for call in store.calls] == ["get", "set", "get"]


async def test_a_copy_kept_through_a_failed_load_is_written_back_after_an_empty_restart() -> None:
    store = FakeStore()
    keeper = _keeper(store)
    await keeper.save(_session(topic="paczka"))
    store.fail = True
    assert await keeper.load(SID) is not None and keeper.pending  # the store is not trusted any more
    store.fail = False
    store.data.clear()  # it came back empty: the call still has its session, nothing to apologise for
    kept = await keeper.load(SID)
    assert kept is not None and kept.topic == "paczka"
    await keeper.save(kept)
    stored = await _stored(store)
    assert stored is not None and stored.topic == "paczka"


async def test_a_turn_is_taken_back_from_the_copy_while_the_store_is_down() -> None:
    store = FakeStore()
    keeper = _keeper(store)
    before = _session(topic="paczka")
    await keeper.save(before)
    store.fail = True
    turn = await keeper.load(SID)
    assert turn is not None
    turn.add("caller", "a ile")  # the first half of what the caller said
    await keeper.save(turn)
    await keeper.save_before(SID, before.model_dump(mode="json"))
    assert await keeper.restore_before(SID)
    restored = await keeper.load(SID)
    assert restored is not None and restored.history == [] and restored.topic == "paczka"
    assert not await keeper.restore_before(SID)  # once
    store.fail = False
    assert await keeper.flush()
    stored = await _stored(store)
    assert stored is not None and stored.history == []


async def test_the_copy_is_kept_as_the_store_keeps_it_personal_data_masked() -> None:
    store = FakeStore()
    keeper = _keeper(store)
    store.fail = True
    session = _session()
    session.add("caller", "mój mail to jan.kowalski@example.com")
    await keeper.save(session)
    kept = await keeper.load(SID)
    assert kept is not None and "jan.kowalski@example.com" not in kept.history[0][1]
    assert session.history[0][1].endswith("jan.kowalski@example.com")  # the live session is untouched


class _Stalled(FakeStore):
    """A store that never answers (a Redis stopped with SIGSTOP: the connection is open, nothing comes back)."""

    async def get(self, key: str) -> dict[str, Any] | None:
        await asyncio.Event().wait()
        return None

    async def set(self, key: str, value: dict[str, Any], ttl_s: int | None = None) -> None:
        await asyncio.Event().wait()


async def test_a_stalled_store_is_waited_for_only_timeout_s() -> None:
    keeper = SessionKeeper(SessionRepo(_Stalled()), timeout_s=0.05)
    keeper.kept = _session(topic="paczka").stored()  # loaded before the store stalled
    loaded = await asyncio.wait_for(keeper.load(SID), 10)  # a keeper without its bound fails here, never hangs
    assert loaded is not None and loaded.topic == "paczka"
    await asyncio.wait_for(keeper.save(loaded), 10)  # times out: kept, no error
    assert keeper.pending


async def test_with_sessions_binds_a_copy_of_the_engine_and_leaves_the_shared_one_alone() -> None:
    engine = demo_engine(FakeStore())
    keeper = SessionKeeper(engine.sessions)
    bound = with_sessions(engine, keeper)
    assert bound is not engine and bound.sessions is keeper and engine.sessions is not keeper
    assert bound.kb_step is engine.kb_step and bound.cpu is engine.cpu  # models, KB and CPU lane shared
    scripted = object()
    assert with_sessions(scripted, keeper) is None  # no engine sessions: nothing to bind

    class Proxy:  # forwards what it does not know to an engine, as test witnesses and decorators do
        def __init__(self, inner: object) -> None:
            self.inner = inner

        def __getattr__(self, name: str) -> object:
            if name == "inner":
                raise AttributeError(name)
            return getattr(self.inner, name)

    proxy = Proxy(engine)
    assert with_sessions(proxy, keeper) is None  # it cannot say how to bind: left alone, not half-copied


async def test_a_shared_pending_copy_gives_way_to_a_newer_store_session_checked_once_per_turn() -> None:
    store = FakeStore()
    keeper = SessionKeeper(SessionRepo(store), shared=True)
    store.fail = True
    await keeper.save(_session(topic="zwrot", updated_at=10.0))  # refused: pending here
    store.calls.clear()
    first, second = await keeper.load(SID), await keeper.load(SID)  # one turn's two loads, still down
    assert first is not None and second is not None and first.topic == second.topic == "zwrot"
    assert len(store.calls) == 1  # checked once this turn: a stalled store is not waited for twice
    await keeper.save(second)  # the turn's save, refused again: the next turn checks again
    store.fail = False
    await SessionRepo(store).save(_session(topic="paczka", updated_at=20.0))  # another worker's later turn
    newer = await keeper.load(SID)
    assert newer is not None and newer.topic == "paczka" and not keeper.pending  # the store's, not the stale copy
    await SessionRepo(store).save(_session(topic="paczka", updated_at=5.0))  # an older one: the copy wins
    await keeper.save(_session(topic="zwrot", updated_at=30.0))
    stored = await _stored(store)
    assert stored is not None and stored.topic == "zwrot"
