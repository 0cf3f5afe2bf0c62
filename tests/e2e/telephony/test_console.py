"""The agent console, end to end: two real server processes sharing the suite's Redis, real HTTP, and a
real headless Debian chromium driven by selenium.

Both are the product app (speech off). A caller is queued by the product's ``WarmTransfer.start`` on a
third, in-test worker; agents are rung by the workers' own dispatch (``agent_available`` ->
``WarmTransfer.dispatch``) through the Twilio REST stand-in, and Twilio's signed callbacks (the agent
pressing 1, the room ending) go to worker A (``tests/support/console_twilio.py``). The browser and the
SSE streams are on worker B.
"""

from __future__ import annotations

import hashlib
import os
import time
import uuid
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis

from tests.support.console_servers import (
    AGENTS,
    BRAND,
    start_server,
    write_roster,
)
from tests.support.console_twilio import TwilioSide, gateway_env
from tests.support.servers import Server, free_port, stop, wait_ready

pytestmark = pytest.mark.redis
ANNA = AGENTS["anna"]["token"]
COOKIE = "infolinia_console"


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory, redis_url: str) -> Iterator[dict[str, Any]]:
    tmp = tmp_path_factory.mktemp("console")
    prefix = f"test-console-{uuid.uuid4().hex[:8]}:"
    side = TwilioSide()
    port_a = free_port()
    settings = side.settings(redis_url, prefix, str(write_roster(tmp / "agents.yaml")), f"http://127.0.0.1:{port_a}")
    env = {**gateway_env(settings), "INFOLINIA_BRAND_NAME": BRAND}  # whose line the console serves
    a = start_server(env, tmp / "a.log", port_a)
    b = start_server(env, tmp / "b.log")
    try:
        wait_ready(a, "/readyz", timeout_s=300)  # start-up builds the dialog engine (seconds, more on a busy box)
        wait_ready(b, "/readyz", timeout_s=300)
        side.start_worker(settings)
        yield {
            "a": a,
            "b": b,
            "prefix": prefix,
            "redis": redis.Redis.from_url(redis_url, decode_responses=True),
            "twilio": side,
        }
    finally:
        stop(a)
        stop(b)
        side.close()


@pytest.fixture
def world(env: dict[str, Any]) -> dict[str, Any]:
    """Every test starts from: both agents offline, no transfers, callbacks or sessions."""
    r: redis.Redis = env["redis"]
    prefix = env["prefix"]
    for key in r.scan_iter(f"{prefix}*"):
        if key.startswith(f"{prefix}agent:"):
            r.hset(key, mapping={"status": "offline", "no_answers": 0})
            r.hdel(key, "reserved_for", "last_transfer")
        elif key not in (f"{prefix}agents:all", f"{prefix}store:epoch"):  # the epoch gone = Redis lost its data
            r.delete(key)
    env["twilio"].twilio.drain()
    return env


def login(server: Server, token: str) -> httpx.Client:
    client = httpx.Client(base_url=server.url, timeout=10.0)
    response = client.post("/agents/login", data={"token": token})
    assert response.status_code == 303, response.text
    return client


def api(server: Server, token: str, method: str, path: str, **kw: Any) -> Any:
    response = httpx.request(method, server.url + path, headers={"Authorization": f"Bearer {token}"}, timeout=10, **kw)
    assert response.status_code == 200, response.text
    return response.json()


# --- Access control and sessions (real HTTP against worker B) ---


def test_no_anonymous_access(world: dict[str, Any]) -> None:
    b: Server = world["b"]
    with httpx.Client(base_url=b.url) as c:
        page = c.get("/agents")
        assert page.status_code == 303 and page.headers["location"] == "/agents/login"
        assert c.get("/agents/events").status_code == 401
        assert c.get("/agents/panels").status_code == 401
        assert c.post("/agents/status", data={"status": "available"}).status_code == 401
        assert c.post("/agents/callbacks/x/claim").status_code == 401
    with httpx.Client(base_url=b.url, cookies={COOKIE: "not-a-session"}) as forged:
        assert forged.get("/agents/panels").status_code == 401
    with httpx.Client(base_url=b.url) as c:
        form = c.get("/agents/login")
        assert form.status_code == 200 and 'type="password"' in form.text
        assert "frame-ancestors 'none'" in form.headers["content-security-policy"]


def test_login_sets_strict_httponly_session_and_never_leaks_the_token(world: dict[str, Any]) -> None:
    b: Server = world["b"]
    r: redis.Redis = world["redis"]
    with httpx.Client(base_url=b.url) as c:
        wrong = c.post("/agents/login", data={"token": "zgadywanie"})
        assert wrong.status_code == 401 and "Nieprawidłowy token" in wrong.text
        assert "set-cookie" not in wrong.headers

        ok = c.post("/agents/login", data={"token": ANNA})
        assert ok.status_code == 303 and ok.headers["location"] == "/agents"
        cookie = ok.headers["set-cookie"]
        assert "HttpOnly" in cookie and "SameSite=strict" in cookie.replace("Strict", "strict")
        sid = c.cookies[COOKIE]
        assert ANNA not in cookie and len(sid) >= 40
        key = f"{world['prefix']}console:session:{hashlib.sha256(sid.encode()).hexdigest()}"
        assert r.get(key) == "anna" and 0 < r.ttl(key) <= 8 * 3600

        page = c.get("/agents")
        assert page.status_code == 200 and "Anna Nowak" in page.text and ANNA not in page.text
        assert page.headers["cache-control"] == "no-store"

        assert (
            c.post(
                "/agents/status", data={"status": "available"}, headers={"Origin": "http://evil.example"}
            ).status_code
            == 403
        )

        out = c.post("/agents/logout")
        assert out.status_code == 303 and r.get(key) is None
    with httpx.Client(base_url=b.url, cookies={COOKIE: sid}) as stale:
        assert stale.get("/agents/panels").status_code == 401
    for server in (world["a"], b):
        assert ANNA not in server.log_text()
    assert not any(ANNA in k or ANNA in (r.get(k) or "") for k in r.scan_iter(f"{world['prefix']}console:*"))


def test_repeated_failed_logins_are_slowed_down(world: dict[str, Any]) -> None:
    b: Server = world["b"]
    with httpx.Client(base_url=b.url) as c:
        codes = [c.post("/agents/login", data={"token": f"zly-{i}"}).status_code for i in range(11)]
        assert codes[:10] == [401] * 10 and codes[10] == 429
        assert c.post("/agents/login", data={"token": ANNA}).status_code == 429  # even the right token waits


def test_forms_work_without_javascript(world: dict[str, Any]) -> None:
    """No X-Requested-With: each action answers 303 back to the page, which shows the new state."""
    with closing(login(world["b"], ANNA)) as c:
        response = c.post("/agents/status", data={"status": "available"})
        assert response.status_code == 303 and response.headers["location"] == "/agents"
        assert 'data-status="available"' in c.get("/agents").text
        assert (
            c.post("/agents/status", data={"status": "busy"}, headers={"X-Requested-With": "fetch"}).status_code == 409
        )
        assert c.post(
            "/agents/wrap-up", data={"outcome": "resolved"}, headers={"X-Requested-With": "fetch"}
        ).json() == {
            "ok": False,
            "message": "Nie ma rozmowy do zakończenia.",
        }


def test_going_available_rings_a_waiting_caller_at_once(world: dict[str, Any]) -> None:
    """A caller queued while anna was still wrapping up her previous call is rung the moment she finishes
    wrap-up on worker B (``agent_available`` -> ``WarmTransfer.dispatch``), not at the next hold-loop tick."""
    a, side, r = world["a"], world["twilio"], world["redis"]
    r.hset(f"{world['prefix']}agent:anna", "status", "wrap_up")  # her previous call just ended
    body = {"caller": "+48601234567", "queue": "obsluga", "reason": "requested_human", "summary": "s"}
    tid = side.start_transfer(body)
    assert api(a, ANNA, "GET", f"/v1/transfers/{tid}")["status"] == "waiting"  # staffed, nobody free
    assert [r.kind for r in side.twilio.drain()] == ["update"]  # the caller moved to the room; no agent rung
    with closing(login(world["b"], ANNA)) as c:
        done = c.post("/agents/wrap-up", data={"outcome": "resolved"}, headers={"X-Requested-With": "fetch"})
        assert done.json()["ok"], done.text
    leg = side.next_agent_call()  # worker B rang anna's phone through Twilio, at once
    assert leg.get("To") == "+48221112233" and leg.get("Url").endswith(f"/twilio/transfer/{tid}/agent/anna")
    record = api(a, ANNA, "GET", f"/v1/transfers/{tid}")
    assert record["status"] == "ringing" and record["agent_id"] == "anna"
    assert api(a, ANNA, "GET", "/v1/agents/me")["status"] == "busy"


# --- Live updates across processes ---


def test_sse_delivers_events_from_the_other_worker_only_to_their_agent(world: dict[str, Any]) -> None:
    b, side = world["b"], world["twilio"]
    with closing(login(b, ANNA)) as c, c.stream("GET", "/agents/events") as stream:
        assert stream.status_code == 200
        assert stream.headers["content-type"].startswith("text/event-stream")
        lines = stream.iter_lines()
        assert next(lines).startswith("retry:")
        for event in (
            {"type": "transfer.ringing", "agent_id": "bartek", "transfer_id": "t-b"},
            {"type": "queue.changed"},
            {"type": "transfer.ringing", "agent_id": "anna", "transfer_id": "t-a"},
        ):
            assert side.publish(event["type"], event.get("agent_id"), event.get("transfer_id")) >= 1
        data: list[str] = []
        deadline = time.monotonic() + 10
        while len(data) < 2 and time.monotonic() < deadline:
            line = next(lines)
            if line.startswith("data:"):
                data.append(line)
        assert data == [
            'data: {"type":"queue.changed","transfer_id":null}',
            'data: {"type":"transfer.ringing","transfer_id":"t-a"}',
        ]


def test_stream_ends_when_the_session_is_revoked(world: dict[str, Any]) -> None:
    """Logging out (here: on the other worker) closes the live stream within one keep-alive (the product's
    15 s: the read timeout only bounds a hang)."""
    client = login(world["b"], ANNA)
    with closing(client), client.stream("GET", "/agents/events", timeout=60) as stream:
        other = httpx.Client(base_url=world["a"].url, cookies=dict(client.cookies))
        with closing(other):
            assert other.post("/agents/logout").status_code == 303
        text = "".join(stream.iter_text())  # returns when the server ends the stream
        assert "event: logout" in text


def test_only_one_agent_claims_a_callback_through_the_console(world: dict[str, Any]) -> None:
    a, b = world["a"], world["b"]
    cid = world["twilio"].new_callback({"queue": "obsluga", "phone": "+48600100200", "summary": "x"})
    anna, bartek = login(a, ANNA), login(b, AGENTS["bartek"]["token"])
    with closing(anna), closing(bartek):
        headers = {"X-Requested-With": "fetch"}
        results = [c.post(f"/agents/callbacks/{cid}/claim", headers=headers) for c in (bartek, anna)]
        assert [r.status_code for r in results] == [200, 409]
        assert "ktoś inny" in results[1].json()["message"]
        closed = anna.post(f"/agents/callbacks/{cid}/close", data={"outcome": "resolved"}, headers=headers)
        assert closed.status_code == 409  # only the claimer may close


def test_no_outcome_is_refused_never_defaulted(world: dict[str, Any]) -> None:
    """No outcome chosen records none: the console's forms get a Polish reason (it is shown in the form),
    the JSON API a 422 naming the missing field; the callback stays claimed and the agent in wrap-up."""
    a, b, r = world["a"], world["b"], world["redis"]
    cid = world["twilio"].new_callback({"queue": "obsluga", "phone": "+48600100200", "summary": "x"})
    r.hset(f"{world['prefix']}agent:anna", "status", "wrap_up")
    headers = {"X-Requested-With": "fetch"}
    with closing(login(b, ANNA)) as c:
        assert c.post(f"/agents/callbacks/{cid}/claim", headers=headers).status_code == 200
        for data in ({"outcome": ""}, {}):
            closed = c.post(f"/agents/callbacks/{cid}/close", data=data, headers=headers)
            assert closed.json() == {"ok": False, "message": "Wybierz wynik oddzwonienia z listy, zanim je zamkniesz."}
            done = c.post("/agents/wrap-up", data=data, headers=headers)
            assert done.json() == {"ok": False, "message": "Wybierz wynik rozmowy z listy, zanim zakończysz obsługę."}
    auth = {"Authorization": f"Bearer {ANNA}"}
    for path in (f"/v1/callbacks/{cid}/close", "/v1/agents/me/wrap-up"):
        for body in ({}, {"outcome": ""}):
            refused = httpx.post(a.url + path, json=body, headers=auth, timeout=10)
            assert refused.status_code == 422 and refused.json()["detail"][0]["loc"] == ["body", "outcome"]
    assert api(a, ANNA, "GET", "/v1/callbacks?status=claimed")["callbacks"][0]["id"] == cid
    assert api(a, ANNA, "GET", "/v1/agents/me")["status"] == "wrap_up"


# --- The real browser ---


def test_console_in_a_real_browser(world: dict[str, Any], browser: Any, tmp_path: Path) -> None:
    from tests.support.console_browser import ConsoleDriver

    shots = Path(os.environ.get("CONSOLE_SCREENSHOT_DIR") or tmp_path)
    ConsoleDriver(browser, world["a"], world["b"], world["twilio"], shots).run_scenario()
