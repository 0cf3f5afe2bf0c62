"""Order look-up: the bundled JSON file, file validation, and HttpOrders against a real local HTTP server."""

from __future__ import annotations

import asyncio
import contextlib
import json
import threading
import time
from collections.abc import Iterator
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest

from dialog.engine_orders import address_text, status_text
from dialog.factory import bundled
from dialog.orders import (
    STATUSES,
    HttpOrders,
    JsonOrders,
    Order,
    OrdersFileError,
    OrdersUnavailable,
    phone_key,
)

ORDERS = [
    {"id": "48213", "status": "shipped", "carrier": "InPost", "tracking": "62011", "eta": "2026-11-25",
     "phone": "+48600100200"},
    {"id": "50003", "status": "delivered", "carrier": "DPD", "eta": "2026-11-20", "phone": "+48600100200"},
]  # fmt: skip


class _Handler(BaseHTTPRequestHandler):
    """A tiny orders service: /orders/<id>, /orders?phone=..., /slow/..., /broken/... ."""

    def log_message(self, *args: object) -> None:  # keep test output clean
        pass

    def _send(self, status: int, body: object) -> None:
        data = body.encode() if isinstance(body, str) else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        with contextlib.suppress(BrokenPipeError):  # the client gave up (the timeout test): expected
            self.wfile.write(data)

    def _drip(self) -> None:
        """One byte every 0.1 s for up to 60 s: every read is quick, the whole answer never comes."""
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", "600")
        self.end_headers()
        with contextlib.suppress(OSError):  # the client gives up: expected
            for _ in range(600):
                self.wfile.write(b" ")
                self.wfile.flush()
                time.sleep(0.1)

    def do_GET(self) -> None:
        url = urlparse(self.path)
        if url.path.startswith("/slow/"):
            time.sleep(1.0)
        if url.path.startswith("/drip/"):
            return self._drip()
        if url.path.startswith("/broken/"):
            return self._send(503, {"error": "maintenance"})
        if url.path.startswith("/garbage/"):
            return self._send(200, "<html>not json")
        path = url.path.removeprefix("/slow").removeprefix("/garbage")
        if path == "/orders":
            phone = parse_qs(url.query).get("phone", [""])[0]
            return self._send(200, {"orders": [o for o in ORDERS if o["phone"] == phone], "total": 2})
        order = next((o for o in ORDERS if path == f"/orders/{o['id']}"), None)
        return self._send(200, order) if order else self._send(404, {"detail": "not found"})


@pytest.fixture(scope="module")
def server_url() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


# ---------------------------------------------------------------- JSON file
async def test_bundled_demo_orders_cover_every_status() -> None:
    orders = JsonOrders(bundled("orders.json"))
    found = [await orders.get(i) for i in ("48213", "48214", "48215", "48216", "48217", "48218", "48219")]
    assert {o.status for o in found if o} == set(STATUSES)
    assert await orders.get("99999") is None
    shipped = await orders.get(" 48213 ")
    assert shipped is not None and shipped.carrier == "InPost" and shipped.eta == date(2026, 11, 25)


async def test_phone_lookup_picks_the_latest_order_and_ignores_formatting() -> None:
    orders = JsonOrders(bundled("orders.json"))
    latest = await orders.latest_for_phone("600 100 200")  # two orders on this phone; 48213 is due later
    assert latest is not None and latest.id == "48213"
    assert await orders.latest_for_phone("+48 999 999 999") is None
    assert await orders.latest_for_phone("123") is None
    assert phone_key("+48 600-100-200") == "600100200"


def test_file_errors_name_the_file_and_the_field(tmp_path: Path) -> None:
    with pytest.raises(OrdersFileError, match="not found"):
        JsonOrders(tmp_path / "missing.json")
    bad_json = tmp_path / "bad.json"
    bad_json.write_text("{orders: [", encoding="utf-8")
    with pytest.raises(OrdersFileError, match="not valid JSON"):
        JsonOrders(bad_json)
    bad_status = tmp_path / "status.json"
    bad_status.write_text(json.dumps({"orders": [{"id": "1", "status": "lost"}]}), encoding="utf-8")
    with pytest.raises(OrdersFileError, match=r"orders\.0\.status"):
        JsonOrders(bad_status)
    typo = tmp_path / "typo.json"
    typo.write_text(json.dumps({"order": []}), encoding="utf-8")
    with pytest.raises(OrdersFileError, match="orders"):
        JsonOrders(typo)
    dup = tmp_path / "dup.json"
    dup.write_text(json.dumps({"orders": [{"id": 7, "status": "paid"}, {"id": "7", "status": "paid"}]}), "utf-8")
    with pytest.raises(OrdersFileError, match="duplicate order id '7'"):
        JsonOrders(dup)


# ---------------------------------------------------------------- HTTP service
async def test_http_get_found_and_unknown(server_url: str) -> None:
    orders = HttpOrders(server_url, timeout_s=2.0)
    try:
        order = await orders.get("48213")
        assert order == Order.model_validate(ORDERS[0])
        assert await orders.get("99999") is None
        assert await orders.get("../admin") is None  # never sent as a path
    finally:
        await orders.close()


async def test_http_phone_lookup(server_url: str) -> None:
    orders = HttpOrders(server_url + "/", timeout_s=2.0)
    try:
        latest = await orders.latest_for_phone("+48600100200")
        assert latest is not None and latest.id == "48213"
        assert await orders.latest_for_phone("+48111222333") is None
    finally:
        await orders.close()


async def test_http_timeout_5xx_garbage_and_refused_are_unavailable(server_url: str) -> None:
    for url, timeout in (
        (f"{server_url}/slow", 0.2),
        (f"{server_url}/broken", 2.0),
        (f"{server_url}/garbage", 2.0),
    ):
        orders = HttpOrders(url, timeout_s=timeout)
        try:
            with pytest.raises(OrdersUnavailable):
                await orders.get("48213")
        finally:
            await orders.close()
    refused = HttpOrders("http://127.0.0.1:9", timeout_s=1.0)
    try:
        with pytest.raises(OrdersUnavailable, match="unreachable"):
            await refused.latest_for_phone("+48600100200")
    finally:
        await refused.close()


async def test_http_service_that_drips_bytes_is_cut_at_the_total_deadline(server_url: str) -> None:
    """Each read arrives within the timeout, the answer never does: the caller must not wait longer than the
    deadline for it (the outer 30 s guard only keeps a broken build from hanging the suite)."""
    orders = HttpOrders(f"{server_url}/drip", timeout_s=0.5)
    try:
        with pytest.raises(OrdersUnavailable, match=r"longer than 0\.5 s"):
            await asyncio.wait_for(orders.get("48213"), timeout=30)
    finally:
        await orders.close()


# ---------------------------------------------------------------- phrasing
def test_status_phrasing_per_status() -> None:
    today = date(2026, 11, 22)
    texts = {s: status_text(Order(id="1", status=s), today) for s in STATUSES}
    assert len(set(texts.values())) == len(STATUSES)  # one distinct phrasing per status
    assert all("numer 1" in t for t in texts.values())
    shipped = status_text(Order(id="48213", status="shipped", carrier="InPost", eta=date(2026, 11, 25)), today)
    assert shipped == (
        "Zamówienie numer 48213 zostało wysłane. Przesyłkę dostarcza InPost. Przewidywana data dostawy to 25 listopada."
    )
    next_year = status_text(Order(id="7", status="paid", carrier="DHL", eta=date(2027, 1, 3)), today)
    assert "Wyślemy je przez DHL" in next_year and "3 stycznia 2027" in next_year
    assert "nie da się" in address_text(Order(id="7", status="delivered"))
    assert "na koncie" in address_text(Order(id="7", status="placed"))
