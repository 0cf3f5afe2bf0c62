"""Agents: the roster file, their live state in a real Redis, atomic reservation, console events."""

from __future__ import annotations

import asyncio
import builtins
from collections.abc import AsyncIterator
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pytest

from telephony.agents.events import AGENT_STATUS, ConsoleEvent, EventBus
from telephony.agents.repo import AgentRepo, AgentState, StatusConflict
from telephony.agents.roster import RosterError, hash_token, load_roster, parse_roster
from tests.support.agents import new_prefix, redis_client, roster, token_of
from tests.support.clock import FakeClock

ROSTER_YAML = """
agents:
  - id: anna
    name: Anna Nowak
    contact: "+48221112233"
    queues: [obsluga, reklamacje]
    token_sha256: "{sha}"
    status: available
    team: A            # extra keys are allowed
  - id: piotr
    name: Piotr Kowalski
    contact: "sip:piotr@pbx.example.pl"
    queues: [obsluga]
    token_sha256: "{sha2}"
"""


NOW = 1_700_000_000.0


@pytest.fixture
async def repo(redis_url: str) -> AsyncIterator[tuple[AgentRepo, FakeClock]]:
    client, clock = redis_client(redis_url), FakeClock(NOW)
    yield AgentRepo(client, prefix=new_prefix(), clock=clock), clock
    await client.aclose()


# --- roster ------------------------------------------------------------------------------------------


def test_roster_yaml_in_the_issue_shape_loads_with_defaults_and_extra_keys(tmp_path: Path) -> None:
    path = tmp_path / "agents.yaml"
    path.write_text(ROSTER_YAML.format(sha=hash_token("t"), sha2=hash_token("u")), encoding="utf-8")
    anna, piotr = load_roster(path)
    assert (anna.id, anna.status, anna.queues, anna.contact) == (
        "anna",
        "available",
        ("obsluga", "reklamacje"),
        "+48221112233",
    )
    assert anna.model_extra == {"team": "A"} and anna.serves("reklamacje") and not piotr.serves("reklamacje")
    assert piotr.status == "offline" and piotr.contact.startswith("sip:")
    assert "token_sha256" not in anna.public() and "contact" not in anna.public()


@pytest.mark.parametrize(
    ("patch", "message"),
    [
        ({"contact": "221112233"}, "contact"),
        ({"token_sha256": "abc"}, "token_sha256"),
        ({"queues": []}, "queues"),
        ({"status": "sleeping"}, "status"),
        ({"id": "a b"}, "id"),
    ],
)
def test_invalid_roster_entries_fail_with_the_field_named(patch: dict[str, object], message: str) -> None:
    entry = {"id": "a", "name": "A", "contact": "client:a", "queues": ["q"], "token_sha256": "0" * 64}
    with pytest.raises(RosterError, match=message):
        parse_roster({"agents": [{**entry, **patch}]})


def test_duplicate_ids_and_missing_file_are_roster_errors(tmp_path: Path) -> None:
    entry = {"id": "a", "name": "A", "contact": "client:a", "queues": ["q"], "token_sha256": "0" * 64}
    with pytest.raises(RosterError, match="twice"):
        parse_roster({"agents": [entry, entry]})
    with pytest.raises(RosterError, match="cannot read"):
        load_roster(tmp_path / "missing.yaml")
    assert parse_roster(None) == []


# --- live state --------------------------------------------------------------------------------------


async def test_sync_keeps_live_statuses_and_removes_agents_gone_from_the_roster(
    repo: tuple[AgentRepo, FakeClock],
) -> None:
    agents, _ = repo
    await agents.sync_roster(roster(["a", "b"], status="offline"))
    await agents.set_status("a", "available")
    await agents.sync_roster(roster(["a"], status="offline"))  # a restart with a shorter roster
    states = await agents.list()
    assert [(s.id, s.status) for s in states] == [("a", "available")]
    assert await agents.get("b") is None


async def test_authenticate_by_token_only(repo: tuple[AgentRepo, FakeClock]) -> None:
    agents, _ = repo
    await agents.sync_roster(roster(["a", "b"]))
    found = await agents.authenticate(token_of("b"))
    assert found is not None and found.id == "b"
    assert await agents.authenticate("wrong") is None and await agents.authenticate("") is None
    assert await agents.authenticate(hash_token(token_of("b"))) is None  # the hash is not the token


async def test_reserve_takes_the_longest_idle_agent_serving_the_queue(repo: tuple[AgentRepo, FakeClock]) -> None:
    agents, clock = repo
    await agents.sync_roster([*roster(["a", "b"]), *roster(["c"], queues=("reklamacje",))])
    for name in ("b", "a", "c"):  # b waits longest, then a
        await agents.set_status(name, "offline")
        clock.t += 10
        await agents.set_status(name, "available")
    first = await agents.reserve("obsluga", transfer_id="t1")
    second = await agents.reserve("obsluga", transfer_id="t2")
    assert (first and first.id, second and second.id) == ("b", "a")
    assert await agents.reserve("obsluga", transfer_id="t3") is None  # c serves another queue
    state = await agents.get("b")
    assert state is not None and (state.status, state.reserved_for) == ("busy", "t1")
    assert (await agents.reserve("reklamacje", exclude={"c"}, transfer_id="t4")) is None


async def test_release_is_guarded_by_the_transfer_and_no_answers_twice_go_offline(
    repo: tuple[AgentRepo, FakeClock],
) -> None:
    agents, clock = repo
    await agents.sync_roster(roster(["a"]))
    assert (await agents.reserve("obsluga", transfer_id="t1")) is not None
    assert await agents.release("a", "available", transfer_id="other") is None  # stale callback
    clock.t += 5
    assert await agents.release("a", "available", transfer_id="t1", no_answer=True) == "available"
    assert await agents.release("a", "available", transfer_id="t1") is None  # repeated: no-op
    state = await agents.get("a")
    assert state is not None and state.idle_since == clock.t and state.no_answers == 1
    await agents.reserve("obsluga", transfer_id="t2")
    assert await agents.release("a", "available", transfer_id="t2", no_answer=True) == "offline"
    await agents.set_status("a", "available")
    await agents.reserve("obsluga", transfer_id="t3")
    assert await agents.release("a", "wrap_up", transfer_id="t3") == "wrap_up"
    state = await agents.get("a")
    assert state is not None and (state.no_answers, state.last_transfer, state.reserved_for) == (
        0,
        "t3",
        None,
    )


async def test_status_changes_by_the_agent(repo: tuple[AgentRepo, FakeClock]) -> None:
    agents, _ = repo
    await agents.sync_roster(roster(["a"], status="offline"))
    assert await agents.set_status("a", "available") == "offline"
    await agents.reserve("obsluga", transfer_id="t1")
    with pytest.raises(StatusConflict) as refused:
        await agents.set_status("a", "available")  # on a call: the call decides
    assert refused.value.current == "busy"
    assert await agents.finish_wrap_up("a") is False
    await agents.release("a", "wrap_up", transfer_id="t1")
    assert await agents.finish_wrap_up("a") is True
    assert await agents.set_status("ghost", "available") is None
    assert await agents.counts("obsluga") == (1, 1)


# --- concurrency: two transfers never get the same agent ---------------------------------------------


async def test_concurrent_reservations_over_separate_connections_never_share_an_agent(redis_url: str) -> None:
    prefix, clients = new_prefix(), [redis_client(redis_url) for _ in range(4)]
    repos = [AgentRepo(c, prefix=prefix) for c in clients]
    await repos[0].sync_roster(roster([f"a{i}" for i in range(5)]))
    got = await asyncio.gather(*(repos[i % 4].reserve("obsluga", transfer_id=f"t{i}") for i in range(20)))
    winners = [a.id for a in got if a is not None]
    assert sorted(winners) == [f"a{i}" for i in range(5)]  # every agent exactly once, 15 found nobody
    states = await repos[0].list()
    assert {s.reserved_for for s in states} == {f"t{i}" for i, a in enumerate(got) if a is not None}
    for c in clients:
        await c.aclose()


def _reserve_in_process(redis_url: str, prefix: str, worker: int, n: int) -> builtins.list[str | None]:
    async def run() -> builtins.list[str | None]:
        client = redis_client(redis_url)
        repo = AgentRepo(client, prefix=prefix)
        got = await asyncio.gather(*(repo.reserve("obsluga", transfer_id=f"w{worker}-{i}") for i in range(n)))
        await client.aclose()
        return [a.id if a else None for a in got]

    return asyncio.run(run())


async def test_two_worker_processes_reserving_at_once_never_share_an_agent(redis_url: str) -> None:
    prefix, client = new_prefix(), redis_client(redis_url)
    await AgentRepo(client, prefix=prefix).sync_roster(roster([f"a{i}" for i in range(6)]))
    loop = asyncio.get_running_loop()
    with ProcessPoolExecutor(2) as pool:
        results = await asyncio.gather(
            *(loop.run_in_executor(pool, _reserve_in_process, redis_url, prefix, w, 8) for w in range(2))
        )
    winners = [a for r in results for a in r if a is not None]
    assert sorted(winners) == [f"a{i}" for i in range(6)]
    await client.aclose()


async def test_a_reservation_that_loses_the_race_takes_the_next_agent(redis_url: str) -> None:
    """Deterministic interleaving: between our snapshot and our compare-and-set, another worker
    reserves the agent we chose; we must not get them, and must get the next one."""
    prefix, client = new_prefix(), redis_client(redis_url)
    clock = FakeClock(NOW)
    other = AgentRepo(client, prefix=prefix, clock=clock)

    class Racing(AgentRepo):
        raced = False

        async def list(self) -> builtins.list[AgentState]:
            states = await super().list()
            if not self.raced:
                self.raced = True
                taken = await other.reserve("obsluga", transfer_id="other")
                assert taken is not None and taken.id == "first"
            return states  # stale: still shows "first" as available

    await other.sync_roster(roster(["first", "second"]))
    await other.set_status("second", "offline")
    clock.t += 1
    await other.set_status("second", "available")
    got = await Racing(client, prefix=prefix, clock=clock).reserve("obsluga", transfer_id="mine")
    assert got is not None and got.id == "second"
    await client.aclose()


# --- events ------------------------------------------------------------------------------------------


async def test_events_cross_connections_and_filter_per_agent(redis_url: str) -> None:
    prefix = new_prefix()
    publisher, subscriber = redis_client(redis_url), redis_client(redis_url)
    async with EventBus(subscriber, prefix=prefix).subscribe() as sub:
        bus = EventBus(publisher, prefix=prefix)
        assert await bus.publish(ConsoleEvent(AGENT_STATUS, "anna", None, {"status": "available"})) == 1
        await publisher.publish(bus.channel, "not json")  # ignored, never breaks the stream
        await bus.publish(ConsoleEvent("transfer.waiting", None, "t1", {"queue": "obsluga"}))
        first, second = await sub.get(2.0), await sub.get(2.0)
        assert await sub.get(0.2) is None
    assert first == ConsoleEvent(AGENT_STATUS, "anna", None, {"status": "available"})
    assert second is not None and second.transfer_id == "t1"
    assert first.is_for("anna") and not first.is_for("piotr") and second.is_for("piotr")
    assert bus.channel == f"{prefix}events"
    await publisher.aclose()
    await subscriber.aclose()


def test_a_roster_file_with_mistakes_names_the_file_the_agent_and_every_field(tmp_path: Path) -> None:
    """Found by a walkthrough: `infolinia check` said "invalid agents roster at agents.0.contact: Field
    required", naming neither the file nor the agent, and only the first of its problems."""
    path = tmp_path / "agents.yaml"
    path.write_text("agents:\n  - {id: anna, name: Anna, phone: '600100200', token_sha256: abc, queues: [q]}\n")
    with pytest.raises(RosterError) as err:
        load_roster(path)
    message = str(err.value)
    assert message.startswith(f"invalid agents roster {path}: agents[0] (id 'anna'): contact: Field required; ")
    assert "agents[0] (id 'anna'): token_sha256:" in message and "\n" not in message
