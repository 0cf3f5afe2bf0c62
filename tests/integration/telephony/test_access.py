"""Who may use the gateway, over real HTTP and a real Redis: API keys for chat and voice turns (open only in
development mode), rate limits per client IP and per credential shared by the workers, the failed-credential
brake, /metrics and /docs behind their guards (README "Security")."""

from __future__ import annotations

import base64
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from dialog import catalogue
from telephony.access.keys import hash_secret
from tests.support.access import API_KEY, agent, gateways, key, settings_for
from tests.support.agents import token_of

CHAT = {"text": "Ile kosztuje dostawa?"}
SZEF = agent("szef", ["obsluga"], role="supervisor")


def chat(url: str, **kw: object) -> httpx.Response:
    return httpx.post(f"{url}/v1/chat", json=CHAT, timeout=30, **kw)  # type: ignore[arg-type]


def voice(url: str, **kw: object) -> httpx.Response:
    pcm = b"\x00\x01" * 800
    return httpx.post(
        f"{url}/v1/voice/turn?rate=16000",
        content=pcm,
        headers={"content-type": "application/octet-stream", **kw.pop("headers", {})},  # type: ignore[dict-item]
        timeout=30,
    )


def test_chat_and_voice_turn_need_an_api_key_outside_development(redis_url: str, tmp_path: Path) -> None:
    with gateways(settings_for(redis_url, tmp_path)) as (url,):
        anonymous = chat(url)
        assert anonymous.status_code == 401 and anonymous.headers["www-authenticate"] == "Bearer"
        assert chat(url, headers=key("inf_wrong")).status_code == 401
        assert chat(url, headers=key()).status_code == 200
        assert chat(url, headers={"X-API-Key": API_KEY}).status_code == 200
        assert voice(url).status_code == 401  # refused before the audio is even read
        assert voice(url, headers=key("inf_wrong")).status_code == 401
        assert voice(url, headers=key()).status_code == 503  # let in: speech is off on this gateway


def test_without_any_key_outside_development_the_api_is_closed(redis_url: str, tmp_path: Path) -> None:
    with gateways(settings_for(redis_url, tmp_path, api_keys="")) as (url,):
        refused = chat(url)
        assert refused.status_code == 401 and "INFOLINIA_API_KEYS" in refused.json()["detail"]


def test_development_mode_is_open_without_a_credential_but_still_checks_a_wrong_one(
    redis_url: str, tmp_path: Path
) -> None:
    settings = settings_for(redis_url, tmp_path, api_keys="", public_url="http://127.0.0.1:8080")
    with gateways(settings) as (url,):
        assert chat(url).status_code == 200
        assert chat(url, headers=key("inf_wrong")).status_code == 401


def test_the_per_key_limit_is_shared_by_the_workers(redis_url: str, tmp_path: Path) -> None:
    with gateways(settings_for(redis_url, tmp_path, rate_limit_token="3/minute"), count=2) as (a, b):
        codes = [chat(url, headers=key()).status_code for url in (a, b, a)]
        limited = chat(b, headers=key())
        assert codes == [200, 200, 200] and limited.status_code == 429
        assert int(limited.headers["retry-after"]) >= 1


def test_the_per_client_ip_limit_without_a_key(redis_url: str, tmp_path: Path) -> None:
    settings = settings_for(redis_url, tmp_path, rate_limit_ip="4/minute", dev_mode=True)
    with gateways(settings, count=2) as (a, b):
        assert [chat(url).status_code for url in (a, b, a, b, a)] == [200, 200, 200, 200, 429]
        assert chat(b, headers=key()).status_code == 200  # a key holder is limited per key, not per address


def test_a_refused_chat_is_told_in_polish_when_to_try_again(redis_url: str, tmp_path: Path) -> None:
    """A widget shows ``reply`` to the customer: a 429 (the burst a busy hour brings) carries it like the 503."""
    settings = settings_for(redis_url, tmp_path, rate_limit_ip="1/minute", dev_mode=True)
    with gateways(settings) as (url,):
        assert chat(url).status_code == 200
        limited = chat(url)
        assert limited.status_code == 429 and int(limited.headers["retry-after"]) >= 1
        assert limited.json()["reply"] == catalogue.RATE_LIMITED_REPLY and "detail" in limited.json()


def test_wrong_api_keys_brake_the_client_ip_even_for_the_right_key(redis_url: str, tmp_path: Path) -> None:
    with gateways(settings_for(redis_url, tmp_path, auth_failures="3/5 minutes"), count=2) as (a, b):
        assert [chat(a, headers=key(f"inf_guess{i}")).status_code for i in range(3)] == [401] * 3
        assert chat(b, headers=key()).status_code == 429  # the other worker knows


def test_a_burst_of_wrong_keys_gets_no_more_tries_than_the_brake_allows(redis_url: str, tmp_path: Path) -> None:
    """40 guesses sent at once: each was checked against the brake before any failure was counted, so about
    half were tried (a guesser's rate grew with its connections); now exactly the brake's 3 are."""
    with gateways(settings_for(redis_url, tmp_path, auth_failures="3/5 minutes")) as (url,):
        with ThreadPoolExecutor(40) as pool:
            codes = list(pool.map(lambda i: chat(url, headers=key(f"inf_guess{i}")).status_code, range(40)))
        assert sorted(codes) == [401] * 3 + [429] * 37


def test_agent_tokens_cannot_be_guessed_quickly(redis_url: str, tmp_path: Path) -> None:
    """The agents API had no brake (~600 guesses/s); now it shares the console login's, on every worker."""
    settings = settings_for(redis_url, tmp_path, [SZEF], auth_failures="5/5 minutes")
    with gateways(settings, count=2) as (a, b):
        guesses = [httpx.get(f"{a}/v1/agents", headers=key(f"guess-{i}"), timeout=30).status_code for i in range(5)]
        assert guesses == [401] * 5
        right = httpx.get(f"{b}/v1/agents", headers=key(token_of("szef")), timeout=30)
        assert right.status_code == 429 and int(right.headers["retry-after"]) >= 1
        login = httpx.post(f"{b}/agents/login", data={"token": token_of("szef")}, timeout=30)
        assert login.status_code == 429  # the console login and the API count the same failures


def test_each_agent_token_has_its_own_request_rate(redis_url: str, tmp_path: Path) -> None:
    settings = settings_for(redis_url, tmp_path, [SZEF, agent("anna", ["obsluga"])], rate_limit_token="2/minute")
    with gateways(settings) as (url,):
        szef = [httpx.get(f"{url}/v1/agents", headers=key(token_of("szef")), timeout=30).status_code for _ in "abc"]
        assert szef == [200, 200, 429]
        assert httpx.get(f"{url}/v1/agents", headers=key(token_of("anna")), timeout=30).status_code == 200


def login(url: str, token: str) -> httpx.Response:
    return httpx.post(f"{url}/agents/login", data={"token": token}, timeout=30)


def test_wrong_tokens_on_the_console_login_are_braked_by_the_guard(redis_url: str, tmp_path: Path) -> None:
    """The login form goes through the API's guard: wrong tokens are failed attempts of the address; once
    spent, a 429 with ``Retry-After``, even for the right token (README "Security": the brake holds until
    its window passes), on the login and on the API alike."""
    settings = settings_for(redis_url, tmp_path, [SZEF], auth_failures="3/5 minutes")
    with gateways(settings, count=2) as (a, b):
        wrong = [login(a, f"guess-{i}") for i in range(3)]
        assert [r.status_code for r in wrong] == [401] * 3 and "Nieprawidłowy token" in wrong[0].text
        braked = login(a, "guess-3")
        assert braked.status_code == 429 and int(braked.headers["retry-after"]) >= 1
        assert "Zbyt wiele prób logowania" in braked.text
        right = login(b, token_of("szef"))  # the other worker counts the same failures
        assert right.status_code == 429 and int(right.headers["retry-after"]) >= 1
        assert "set-cookie" not in right.headers
        assert httpx.get(f"{b}/v1/agents", headers=key(token_of("szef")), timeout=30).status_code == 429


def test_console_logins_count_against_the_token_s_request_rate(redis_url: str, tmp_path: Path) -> None:
    """A token's request rate covers the login as well as the API (the login used to skip it)."""
    settings = settings_for(redis_url, tmp_path, [SZEF, agent("anna", ["obsluga"])], rate_limit_token="2/minute")
    with gateways(settings) as (url,):
        first = login(url, token_of("szef"))
        assert first.status_code == 303 and first.headers["location"] == "/agents"
        assert httpx.get(f"{url}/v1/agents", headers=key(token_of("szef")), timeout=30).status_code == 200
        limited = login(url, token_of("szef"))
        assert limited.status_code == 429 and int(limited.headers["retry-after"]) >= 1
        assert "set-cookie" not in limited.headers
        assert login(url, token_of("anna")).status_code == 303  # another token, its own rate


def test_metrics_from_an_allowed_network_or_with_the_token(redis_url: str, tmp_path: Path) -> None:
    with gateways(settings_for(redis_url, tmp_path)) as (url,):
        assert httpx.get(f"{url}/metrics", timeout=30).status_code == 200  # loopback is allowed by default
    token = "prometheus-scrape-token"
    closed = settings_for(redis_url, tmp_path, metrics_allow="10.0.0.0/8", metrics_token_sha256=hash_secret(token))
    with gateways(closed) as (url,):
        assert httpx.get(f"{url}/metrics", timeout=30).status_code == 403
        assert httpx.get(f"{url}/metrics", headers=key("wrong"), timeout=30).status_code == 401
        scrape = httpx.get(f"{url}/metrics", headers=key(token), timeout=30)
        assert scrape.status_code == 200 and "infolinia_" in scrape.text


def basic(secret: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"any:{secret}".encode()).decode()}


def test_api_docs_need_a_key_or_a_supervisor_outside_development(redis_url: str, tmp_path: Path) -> None:
    settings = settings_for(redis_url, tmp_path, [SZEF, agent("anna", ["obsluga"])])
    with gateways(settings) as (url,):
        for path in ("/docs", "/redoc", "/openapi.json"):
            refused = httpx.get(url + path, timeout=30)
            assert refused.status_code == 401 and refused.headers["www-authenticate"].startswith("Basic")
        schema = httpx.get(f"{url}/openapi.json", headers=basic(API_KEY), timeout=30)
        assert schema.status_code == 200 and "/v1/chat" in schema.json()["paths"]
        assert httpx.get(f"{url}/docs", headers=key(token_of("szef")), timeout=30).status_code == 200
        assert httpx.get(f"{url}/openapi.json", headers=key(token_of("anna")), timeout=30).status_code == 401


@pytest.mark.parametrize("path", ["/docs", "/openapi.json"])
def test_api_docs_are_open_in_development_mode(redis_url: str, tmp_path: Path, path: str) -> None:
    with gateways(settings_for(redis_url, tmp_path, dev_mode=True)) as (url,):
        assert httpx.get(url + path, timeout=30).status_code == 200
