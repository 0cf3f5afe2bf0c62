"""What a Redis URL names, and how to print it without its passwords.

Why apart from ``redis_connect``: the settings validate ``INFOLINIA_REDIS_URL`` and the CLI prints it long before
any client is built; neither needs the connection classes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import parse_qsl, unquote, urlsplit

SENTINEL_SCHEMES = ("redis+sentinel", "rediss+sentinel")


@dataclass(frozen=True)
class SentinelTarget:
    """What a ``redis+sentinel://`` URL names: the sentinels, the master's name, and the data nodes' options."""

    sentinels: list[tuple[str, int]]
    master: str
    db: int = 0
    tls: bool = False
    username: str | None = None
    password: str | None = None
    options: dict[str, str] = field(default_factory=dict)  # query options (ssl_*), for data nodes and sentinels


def is_sentinel_url(url: str) -> bool:
    return url.split("://", 1)[0].lower() in SENTINEL_SCHEMES


def parse_sentinel_url(url: str) -> SentinelTarget:
    """``redis+sentinel://[user:pass@]h1:26379,h2:26379/<master>/<db>``; a clear ValueError otherwise."""
    parts = urlsplit(url)
    if parts.scheme.lower() not in SENTINEL_SCHEMES:
        raise ValueError(f"not a Sentinel URL (redis+sentinel:// or rediss+sentinel://): {parts.scheme}://")
    credentials, _, hosts = parts.netloc.rpartition("@")
    username, _, password = credentials.partition(":") if credentials else ("", "", "")
    sentinels = [_host_port(item) for item in hosts.split(",") if item.strip()]
    if not sentinels:
        raise ValueError("a Sentinel URL names at least one sentinel: redis+sentinel://host:26379/mymaster/0")
    path = [p for p in parts.path.split("/") if p]
    if not path or len(path) > 2:
        raise ValueError("a Sentinel URL ends in /<master-name> or /<master-name>/<db>, e.g. /mymaster/0")
    if len(path) == 2 and not path[1].isdigit():
        raise ValueError(f"the database in a Sentinel URL is a number, not {path[1]!r}")
    return SentinelTarget(
        sentinels=sentinels,
        master=unquote(path[0]),
        db=int(path[1]) if len(path) == 2 else 0,
        tls=parts.scheme.lower().startswith("rediss"),
        username=unquote(username) or None,
        password=unquote(password) or None,
        options=dict(parse_qsl(parts.query)),
    )


def _host_port(item: str) -> tuple[str, int]:
    host, _, port = item.strip().rpartition(":")
    if not host or not port.isdigit():
        raise ValueError(f"each sentinel is host:port, not {item.strip()!r}")
    return host.strip("[]"), int(port)


def safe_url(url: str) -> str:
    """A URL without its passwords, fit to print: ``redis://:secret@host`` -> ``redis://:***@host``, and a
    ``password=`` or Sentinel ``sentinel_password=`` in the query too."""
    parts = urlsplit(url)
    query = "&".join(
        f"{k}=***" if k in ("password", "sentinel_password") else f"{k}={v}"
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
    )
    if parts.password is None and query == parts.query:
        return url
    netloc = parts.netloc if parts.password is None else parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return parts._replace(netloc=netloc, query=query).geturl()
