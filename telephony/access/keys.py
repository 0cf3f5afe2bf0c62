"""API keys of devices and chat integrations, and when the gateway counts as "in development".

Why sha256 digests in the settings, as for agent tokens in the roster: the environment, a compose file or
a settings dump never holds a usable secret. A key is 256 random bits (``infolinia apikey``), so a plain
hash is enough (no salt or slow hash needed: nothing to brute-force). Each key may carry a name
(``kiosk=<sha256>``) so logs and per-key rate limits say which device or integration it is.

Development mode opens ``/v1/chat``, ``/v1/voice/turn`` and ``/docs`` without a credential, so the README's
``make run`` + ``curl`` work out of the box. Unless forced by ``INFOLINIA_DEV_MODE``, it is on only when
nothing suggests a deployment: no API key is set, the public URL is ``http://`` on a loopback host, and the
server listens on a loopback address. Anything else (a real public URL, ``0.0.0.0``, a key) closes it.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit

_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_NAME = re.compile(r"^[A-Za-z0-9_.\-]{1,64}$")
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def hash_secret(secret: str) -> str:
    """Hex sha256 of a secret (an API key, an agent token, the metrics token): what settings keep."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def new_api_key() -> tuple[str, str]:
    """A fresh key (to give the device) and its digest (for ``INFOLINIA_API_KEYS``)."""
    key = "inf_" + secrets.token_urlsafe(32)
    return key, hash_secret(key)


def matches(secret: str, digest: str) -> bool:
    """``secret`` hashes to ``digest`` (compared in constant time)."""
    return bool(digest) and hmac.compare_digest(hash_secret(secret), digest)


@dataclass(frozen=True)
class ApiKeys:
    """The configured keys: digest -> name."""

    names: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def parse(cls, text: str) -> ApiKeys:
        """``"kiosk=<sha256>, <sha256>"``; raises ValueError naming the bad entry."""
        names: dict[str, str] = {}
        for n, entry in enumerate((e.strip() for e in text.split(",")), start=1):
            if not entry:
                continue
            name, _, digest = entry.rpartition("=")
            digest = digest.strip().lower()
            if not _SHA256.match(digest):  # named by position and name: the usual mistake is the key itself
                where = f"{n} ({name.strip()!r})" if _NAME.match(name.strip()) else str(n)
                fix = "expected [name=]<64 hex digits of sha256> (make one with `infolinia apikey`)"
                raise ValueError(f"API key entry {where}: {fix}")
            name = name.strip() or f"key-{digest[:8]}"
            if not _NAME.match(name):
                raise ValueError(f"API key name {name!r}: letters, digits, '_', '-', '.' only")
            names[digest] = name
        return cls(names)

    def identify(self, secret: str) -> str | None:
        """The name of the key ``secret`` is, or None (every digest compared, in constant time)."""
        found = None
        for digest, name in self.names.items():
            if matches(secret, digest):
                found = name
        return found

    def __bool__(self) -> bool:
        return bool(self.names)


def parse_networks(text: str) -> tuple[Network, ...]:
    """``"127.0.0.1/32, 10.0.0.0/8"`` -> networks; raises ValueError on a bad entry."""
    return tuple(ipaddress.ip_network(n.strip(), strict=False) for n in text.split(",") if n.strip())


def is_loopback(host: str) -> bool:
    host = host.strip("[]").lower()
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def development_mode(explicit: bool | None, keys: ApiKeys, public_url: str, bind_host: str) -> bool:
    """``explicit`` when set; else on only for a local run (see the module's docstring)."""
    if explicit is not None:
        return explicit
    url = urlsplit(public_url)
    return not keys and url.scheme == "http" and is_loopback(url.hostname or "") and is_loopback(bind_host)


@dataclass(frozen=True)
class AccessPolicy:
    """What the gateway's guards check, built once from the settings (``telephony/app/build.py``)."""

    keys: ApiKeys = field(default_factory=ApiKeys)
    dev_mode: bool = False
    metrics_networks: tuple[Network, ...] = ()
    metrics_token_sha256: str = ""
