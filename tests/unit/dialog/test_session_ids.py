"""Signed session ids (``dialog/session_ids.py``): only an id issued under the deployment's secret passes,
whatever a client makes up, alters or kept from before ids were signed; the id stays URL-safe hex."""

from __future__ import annotations

import re
import uuid

import pytest

from dialog.session_ids import NONCE_HEX, TAG_HEX, SessionIds
from dialog.session_keeper import SessionKeeper
from dialog.store import MemoryStore, SessionRepo

SECRET = "0123456789abcdef0123456789abcdef-test"


def _flip(text: str, at: int) -> str:
    """``text`` with one hex digit changed at ``at``."""
    return text[:at] + ("1" if text[at] == "0" else "0") + text[at + 1 :]


def test_an_issued_id_verifies_and_is_url_safe_hex() -> None:
    ids = SessionIds(SECRET)
    issued = {ids.new() for _ in range(200)}
    assert len(issued) == 200  # random: never the same twice
    for sid in issued:
        assert re.fullmatch(r"[0-9a-f]+", sid) and len(sid) == NONCE_HEX + TAG_HEX
        assert ids.issued(sid)


def test_the_same_secret_in_another_process_verifies_the_id() -> None:
    """Workers each build their own signer from the one setting: an id from one passes on another."""
    assert SessionIds(SECRET).issued(SessionIds(SECRET.encode()).new())


def test_another_secret_rejects_the_id() -> None:
    assert not SessionIds("another-secret-of-at-least-32-characters").issued(SessionIds(SECRET).new())


@pytest.mark.parametrize("where", [0, NONCE_HEX - 1, NONCE_HEX, NONCE_HEX + TAG_HEX - 1])
def test_an_altered_id_is_rejected(where: int) -> None:
    ids = SessionIds(SECRET)
    assert not ids.issued(_flip(ids.new(), where))


@pytest.mark.parametrize(
    "made_up",
    [
        uuid.uuid4().hex,  # the unsigned form issued before ids were signed
        "0" * (NONCE_HEX + TAG_HEX),  # the issued form, any digits
        "customer-42",
        "",
        "Z" * (NONCE_HEX + TAG_HEX),
    ],
)
def test_an_id_of_a_client_s_making_is_rejected(made_up: str) -> None:
    assert not SessionIds(SECRET).issued(made_up)


def test_case_and_length_must_be_exact() -> None:
    ids = SessionIds(SECRET)
    sid = ids.new()
    assert not ids.issued(sid.upper()) or sid == sid.upper()  # all digits: nothing to change
    assert not ids.issued(sid + "0") and not ids.issued(sid[:-1]) and not ids.issued(" " + sid)


def test_an_empty_secret_is_refused() -> None:
    with pytest.raises(ValueError):
        SessionIds("")


def test_a_repo_and_its_keeper_issue_and_check_under_the_same_secret() -> None:
    """A call's (or a device's) ``SessionKeeper`` judges lost threads: it must accept what the engine issued."""
    repo = SessionRepo(MemoryStore(), ids=SessionIds(SECRET))
    keeper = SessionKeeper(repo)
    sid = repo.new_id()
    assert repo.could_have_issued(sid) and keeper.could_have_issued(sid)
    assert SessionIds(SECRET).issued(keeper.new_id())
    assert not SessionRepo(MemoryStore()).could_have_issued(sid)  # the process's own secret is another one
