"""The console's cross-origin check behind a reverse proxy that rewrites Host (the gateway then sees
``Host: 10.0.0.5:8080`` while the agent's browser says ``Origin: https://agents.example.pl``)."""

from __future__ import annotations

import pytest
from fastapi import HTTPException
from starlette.requests import Request

from telephony.console.web import same_origin


def _post(host: str, origin: str | None) -> Request:
    headers = [(b"host", host.encode())] + ([(b"origin", origin.encode())] if origin else [])
    return Request({"type": "http", "method": "POST", "path": "/agents/login", "headers": headers})


def test_the_public_url_is_our_origin_behind_a_proxy() -> None:
    same_origin(_post("10.0.0.5:8080", "https://agents.example.pl"), "https://agents.example.pl")
    with pytest.raises(HTTPException) as refused:
        same_origin(_post("10.0.0.5:8080", "https://agents.example.pl"))  # without the public URL: refused
    assert refused.value.status_code == 403


def test_other_sites_are_still_refused() -> None:
    for origin in ("https://evil.example", "https://agents.example.pl.evil.example", "http://10.0.0.6:8080"):
        with pytest.raises(HTTPException) as refused:
            same_origin(_post("10.0.0.5:8080", origin), "https://agents.example.pl")
        assert refused.value.status_code == 403


def test_same_host_and_originless_posts_pass() -> None:
    same_origin(_post("gw.example.pl", "https://gw.example.pl"), "https://agents.example.pl")
    same_origin(_post("gw.example.pl", None), "https://agents.example.pl")  # a form post without JS, old browser
    same_origin(_post("gw.example.pl", "null"), None)
