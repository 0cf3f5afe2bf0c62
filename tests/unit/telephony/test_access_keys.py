"""API keys as the settings hold them, and when the gateway counts as in development (pure)."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from telephony.access.keys import ApiKeys, development_mode, hash_secret, new_api_key
from telephony.settings import Settings


def test_named_and_unnamed_keys_identify_by_their_secret_only() -> None:
    (kiosk, kiosk_sha), (shop, shop_sha) = new_api_key(), new_api_key()
    keys = ApiKeys.parse(f" kiosk={kiosk_sha.upper()} , {shop_sha}")
    assert keys.identify(kiosk) == "kiosk" and keys.identify(shop) == f"key-{shop_sha[:8]}"
    assert keys.identify(kiosk_sha) is None and keys.identify("") is None  # the digest is not the key
    assert not ApiKeys.parse("") and keys


@pytest.mark.parametrize("text", ["kiosk=abc", "a b=" + "0" * 64, "secret-in-plain-text"])
def test_a_malformed_key_setting_fails_at_start_up(text: str) -> None:
    with pytest.raises(ValidationError, match="API key"):
        Settings.model_validate({"api_keys": text})


@pytest.mark.parametrize(
    ("public_url", "host", "keys", "explicit", "dev"),
    [
        ("http://127.0.0.1:8080", "127.0.0.1", "", None, True),  # make run
        ("http://localhost:8080", "::1", "", None, True),
        ("https://127.0.0.1:8080", "127.0.0.1", "", None, False),  # https: a deployment
        ("http://voice.example.pl", "127.0.0.1", "", None, False),  # a real public URL
        ("http://127.0.0.1:8080", "0.0.0.0", "", None, False),  # reachable from the network (Docker)
        ("http://127.0.0.1:8080", "127.0.0.1", "k=" + "0" * 64, None, False),  # keys configured
        ("https://voice.example.pl", "0.0.0.0", "", True, True),  # forced
        ("http://127.0.0.1:8080", "127.0.0.1", "", False, False),
    ],
)
def test_development_mode(public_url: str, host: str, keys: str, explicit: bool | None, dev: bool) -> None:
    assert development_mode(explicit, ApiKeys.parse(keys), public_url, host) is dev


def test_rate_rules_networks_and_the_metrics_token_are_validated() -> None:
    for bad in (
        {"rate_limit_ip": "lots"},
        {"rate_limit_handoff": "20 per fortnight"},
        {"metrics_allow": "10.0.0.0/33"},
        {"metrics_token_sha256": "abc"},
    ):
        with pytest.raises(ValidationError, match=next(iter(bad))):
            Settings.model_validate(bad)
    ok = Settings.model_validate({"auth_failures": "5/10 minutes", "metrics_token_sha256": hash_secret("t").upper()})
    assert ok.metrics_token_sha256 == hash_secret("t")
