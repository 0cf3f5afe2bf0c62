"""A chat turn whose session the store refused to save is a 503 with Retry-After, not a 200 the gateway
will have forgotten by the next message; sent again once the store takes writes, nothing is lost.

The real app (``create_app``, its router table and guards) on real HTTP, with the real dialog engine
(bundled demo shop); only the session store is a double, because it must refuse writes while reads
work, which a real Redis does not do on request."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from dialog import build_engine, catalogue
from telephony.app.factory import create_app
from telephony.app.services import Services
from telephony.settings import Settings
from tests.support.servers import serve_in_thread
from tests.support.store import FakeStore

QUESTION = "Ile kosztuje dostawa?"
FOLLOW_UP = "A jak długo idzie paczka?"


@pytest.fixture(scope="module")
def gateway() -> Iterator[tuple[str, FakeStore]]:
    """The whole gateway in development mode (loopback, no Redis, speech off) over a store that can be
    told to refuse writes; yields its base URL and the store."""
    store = FakeStore()
    settings = Settings.model_validate(
        {"public_url": "http://127.0.0.1:8080", "speech": False, "log_json": False, "api_keys": ""}
    )
    services = Services(settings, store, build_engine(store=store))
    with serve_in_thread(create_app(settings, services), lifespan="auto") as base:
        yield base, store


def say(base: str, text: str, session_id: str | None = None) -> httpx.Response:
    return httpx.post(f"{base}/v1/chat", json={"session_id": session_id, "text": text}, timeout=60)


def history(store: FakeStore, session_id: str) -> list[Any]:
    return list(store.data[f"session:{session_id}"]["history"])


def test_a_first_message_that_could_not_be_stored_is_a_503_and_succeeds_when_sent_again(
    gateway: tuple[str, FakeStore],
) -> None:
    base, store = gateway
    store.failing = {"set"}
    try:
        refused = say(base, QUESTION)
    finally:
        store.failing = set()
    assert refused.status_code == 503, refused.text
    assert int(refused.headers["retry-after"]) > 0 and "again" in refused.json()["detail"]
    assert refused.json()["reply"] == catalogue.STORE_DOWN_REPLY  # what the widget shows the customer
    assert not [key for key in store.data if key.startswith("session:")]  # and nothing half-stored

    again = say(base, QUESTION)
    assert again.status_code == 200, again.text
    body = again.json()
    assert body["action"] == "answer" and body["reply"]
    assert [role for role, _ in history(store, body["session_id"])][-2:] == ["caller", "bot"]


def test_a_continued_chat_whose_turn_was_not_stored_keeps_its_history_and_resumes(
    gateway: tuple[str, FakeStore],
) -> None:
    base, store = gateway
    first = say(base, QUESTION)
    assert first.status_code == 200, first.text
    session_id = first.json()["session_id"]
    before = history(store, session_id)

    store.failing = {"set"}
    try:
        refused = say(base, FOLLOW_UP, session_id)
    finally:
        store.failing = set()
    assert refused.status_code == 503 and refused.headers["retry-after"], refused.text
    assert history(store, session_id) == before  # the refused turn left the stored conversation as it was

    resent = say(base, FOLLOW_UP, session_id)
    assert resent.status_code == 200 and resent.json()["session_id"] == session_id, resent.text
    said = [text for role, text in history(store, session_id) if role == "caller"]
    assert said[-2:] == [QUESTION, FOLLOW_UP]
