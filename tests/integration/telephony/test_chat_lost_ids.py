"""A chat continued with a session id the gateway does not know: only an id it issued (unguessable and signed,
``SessionRepo.new_id``) is kept and told "straciłem wątek"; any other id (a client's own "customer-42", an
e-mail, hex digits of the issued form's length) starts a conversation under a new id, as before, so nobody
holds a session under a guessable id.

The real app on real HTTP with the real dialog engine (bundled demo shop) over an in-memory store."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from dialog import build_engine, catalogue
from dialog.store import SessionRepo
from telephony.app.factory import create_app
from telephony.app.services import Services
from telephony.settings import Settings
from tests.support.servers import serve_in_thread
from tests.support.store import FakeStore


@pytest.fixture(scope="module")
def base() -> Iterator[str]:
    store = FakeStore()
    settings = Settings.model_validate(
        {"public_url": "http://127.0.0.1:8080", "speech": False, "log_json": False, "api_keys": ""}
    )
    with serve_in_thread(
        create_app(settings, Services(settings, store, build_engine(store=store))), lifespan="auto"
    ) as url:
        yield url


def say(base: str, text: str, session_id: str) -> dict[str, object]:
    response = httpx.post(f"{base}/v1/chat", json={"session_id": session_id, "text": text}, timeout=60)
    assert response.status_code == 200, response.text
    body: dict[str, object] = response.json()
    return body


@pytest.mark.parametrize("guessable", ["customer-42", "jan.kowalski@example.com", "1", "0" * 32, "0" * 64])
def test_an_unknown_id_the_gateway_never_issues_is_not_adopted(base: str, guessable: str) -> None:
    body = say(base, "a kiedy dojdzie?", guessable)
    assert body["session_id"] != guessable and body["reply"] != catalogue.CHAT_THREAD_LOST


def test_an_unknown_id_of_the_gateway_s_own_kind_is_kept_and_told_the_thread_was_lost(base: str) -> None:
    lost = SessionRepo(FakeStore()).new_id()  # an id this process signed, as the gateway's engine does
    body = say(base, "a kiedy dojdzie?", lost)
    assert body["session_id"] == lost and body["reply"] == catalogue.CHAT_THREAD_LOST
