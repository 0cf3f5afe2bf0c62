"""The deployment's session-id secret (``telephony/app/session_ids.py``): the setting, else one derived from
the Twilio auth token, else one ``serve`` makes for its workers; every worker built from the same settings
signs and checks ids alike."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from dialog.session_ids import PROCESS_IDS
from telephony.app.session_ids import VARIABLE, check_session_secret, session_ids, share_with_workers
from telephony.settings import Settings

SECRET = "f" * 64


def _settings(**values: object) -> Settings:
    return Settings.model_validate({"public_url": "http://127.0.0.1:8080", **values})


def test_workers_with_the_setting_accept_each_other_s_ids() -> None:
    one, other = session_ids(_settings(session_secret=SECRET)), session_ids(_settings(session_secret=SECRET))
    assert other.issued(one.new())
    assert not session_ids(_settings(session_secret="e" * 64)).issued(one.new())


def test_without_the_setting_the_twilio_token_is_the_shared_secret_but_never_the_key_itself() -> None:
    token = "twilio-auth-token-0123456789abcdef"
    one, other = session_ids(_settings(twilio_auth_token=token)), session_ids(_settings(twilio_auth_token=token))
    assert other.issued(one.new())
    assert not session_ids(_settings(session_secret=token)).issued(one.new())  # derived, labelled: another key


def test_without_any_secret_the_process_signs_with_its_own() -> None:
    assert session_ids(_settings()) is PROCESS_IDS


def test_a_short_secret_fails_at_start_up() -> None:
    with pytest.raises(ValidationError, match="at least 32 characters"):
        _settings(session_secret="too-short")


def test_serve_gives_its_workers_one_secret_when_none_is_configured() -> None:
    environ: dict[str, str] = {}
    share_with_workers(_settings(), 2, environ)
    made = environ[VARIABLE]
    assert len(made) == 64
    workers = [session_ids(_settings(session_secret=environ[VARIABLE])) for _ in range(2)]
    assert workers[1].issued(workers[0].new())


@pytest.mark.parametrize(
    ("workers", "values"),
    [(1, {}), (2, {"session_secret": SECRET}), (2, {"twilio_auth_token": "twilio-auth-token-0123456789abcdef"})],
)
def test_serve_leaves_the_secret_alone_when_it_is_shared_already(workers: int, values: dict[str, str]) -> None:
    environ: dict[str, str] = {}
    share_with_workers(_settings(**values), workers, environ)
    assert VARIABLE not in environ


def test_check_warns_only_where_gateways_sharing_redis_may_sign_differently() -> None:
    redis = "redis://127.0.0.1:6379/0"
    (finding,) = check_session_secret(_settings(redis_url=redis))
    assert finding.level == "warn" and VARIABLE in finding.detail
    assert check_session_secret(_settings(redis_url=redis, session_secret=SECRET)) == []
    assert check_session_secret(_settings(redis_url=redis, twilio_auth_token="twilio-auth-token-0123456789ab")) == []
    assert check_session_secret(_settings()) == []  # no Redis: one process, its own secret is enough
