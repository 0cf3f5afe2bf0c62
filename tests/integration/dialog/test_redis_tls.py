"""A managed Redis over TLS (``rediss://``): a real redis-server with a TLS port, its certificate signed by a
throw-away CA made with openssl here. The gateway's one client builder (``connect_redis``) reaches it with
the CA named in the URL, and refuses it without (the certificate is verified, not merely encrypted)."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from redis.exceptions import ConnectionError as RedisConnectionError

from dialog.redis_connect import connect_redis
from dialog.store import RedisStore
from telephony.devtools.redis_server import RedisServer
from tests.support.servers import free_port


def _openssl(*args: str, cwd: Path) -> None:
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True)


def _certificates(folder: Path) -> None:
    """ca.crt, and server.crt/server.key for 127.0.0.1 signed by it."""
    if shutil.which("openssl") is None:
        pytest.fail("openssl is not installed (Debian: apt-get install openssl)", pytrace=False)
    _openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.crt",
             "-days", "1", "-subj", "/CN=infolinia-test-ca", cwd=folder)  # fmt: skip
    _openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key", "-out", "server.csr",
             "-subj", "/CN=127.0.0.1", cwd=folder)  # fmt: skip
    (folder / "san.cnf").write_text("subjectAltName=IP:127.0.0.1,DNS:localhost\n", encoding="utf-8")
    _openssl("x509", "-req", "-in", "server.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial",
             "-out", "server.crt", "-days", "1", "-extfile", "san.cnf", cwd=folder)  # fmt: skip


@pytest.fixture
def tls_redis(tmp_path: Path) -> Iterator[tuple[int, Path]]:
    """(TLS port, CA file) of a redis-server that also listens in plain text (for the launcher's wait)."""
    _certificates(tmp_path)
    port = free_port()
    args = ("--tls-port", str(port), "--tls-cert-file", str(tmp_path / "server.crt"),
            "--tls-key-file", str(tmp_path / "server.key"), "--tls-ca-cert-file", str(tmp_path / "ca.crt"),
            "--tls-auth-clients", "no")  # fmt: skip
    server = RedisServer.start(args=args)
    try:
        yield port, tmp_path / "ca.crt"
    finally:
        server.stop()


async def test_a_rediss_url_with_the_ca_stores_and_reads_over_tls(tls_redis: tuple[int, Path]) -> None:
    port, ca = tls_redis
    store = RedisStore("", client=connect_redis(f"rediss://127.0.0.1:{port}/0?ssl_ca_certs={ca}"))
    try:
        await store.set("session:tls", {"said": "Dzień dobry"}, ttl_s=60)
        assert await store.get("session:tls") == {"said": "Dzień dobry"}
        assert await store.ping()
    finally:
        await store.close()


async def test_a_certificate_the_client_does_not_trust_is_refused(tls_redis: tuple[int, Path]) -> None:
    port, _ = tls_redis
    client = connect_redis(f"rediss://127.0.0.1:{port}/0")  # the system's CAs: our throw-away CA is not one
    try:
        with pytest.raises(RedisConnectionError, match=r"(?i)certificate"):
            await client.ping()
    finally:
        await client.aclose()
