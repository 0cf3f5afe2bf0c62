"""Request heads that trickle, over real sockets to a real uvicorn with the gateway's protocols
(``telephony/app/header_deadline.py``), h11 and httptools alike: uvicorn has no timeout for a request's headers,
so a connection sending nothing, or its headers a byte at a time, was kept forever (a file descriptor each).
Now it is closed once ``header_read_s`` passes without a whole head, from the connection's start or the previous
response's end; a request whose head arrived (a slow body, a WebSocket) is never cut by it."""

from __future__ import annotations

import pickle
import socket
import time
from collections.abc import Iterator

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket
from websockets.sync.client import connect

from telephony.app.header_deadline import HEADER_READ_S, protocol_for
from telephony.settings import Settings
from tests.support.servers import held_for, serve_in_thread

LIMIT_S = 1.0


async def healthz(request: Request) -> PlainTextResponse:
    return PlainTextResponse("ok")


async def echo(request: Request) -> JSONResponse:
    return JSONResponse({"length": len(await request.body())})


async def ws_echo(websocket: WebSocket) -> None:
    await websocket.accept()
    while True:
        await websocket.send_text(await websocket.receive_text())


APP = Starlette(
    routes=[Route("/healthz", healthz), Route("/echo", echo, methods=["POST"]), WebSocketRoute("/ws", ws_echo)]
)


@pytest.fixture(params=["h11", "httptools"])
def address(request: pytest.FixtureRequest) -> Iterator[tuple[str, int]]:
    with serve_in_thread(APP, http=protocol_for(LIMIT_S, request.param)) as url:
        host, port = url.removeprefix("http://").split(":")
        yield host, int(port)


def test_a_head_trickling_a_byte_at_a_time_is_closed_after_the_limit(address: tuple[str, int]) -> None:
    with socket.create_connection(address) as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: gateway\r\n")
        started = time.monotonic()
        answered = httpx.get(f"http://{address[0]}:{address[1]}/healthz", timeout=5)  # the others are served
        assert answered.status_code == 200 and time.monotonic() - started < LIMIT_S
        took = held_for(sock, b"X-Slow: " + b"a" * 100, since=started)
    assert LIMIT_S * 0.8 <= took < LIMIT_S + 1.5


def test_a_connection_that_sends_nothing_is_closed_after_the_limit(address: tuple[str, int]) -> None:
    with socket.create_connection(address) as sock:
        assert LIMIT_S * 0.8 <= held_for(sock) < LIMIT_S + 1.0


def test_after_a_response_the_next_head_has_the_limit_too(address: tuple[str, int]) -> None:
    """Any byte cancels uvicorn's keep-alive timer: a trickle after a response was kept forever too."""
    with socket.create_connection(address) as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: gateway\r\n\r\n")
        assert sock.recv(65536).startswith(b"HTTP/1.1 200")
        assert LIMIT_S * 0.8 <= held_for(sock, b"GET /healthz HTTP/1.1\r\nX-Slow: " + b"a" * 100) < LIMIT_S + 1.0


def test_a_request_whose_head_arrived_is_not_cut_and_keep_alive_goes_on(address: tuple[str, int]) -> None:
    """A body trickling over 2.5 limits is answered (the body has its own bound), then a second request on the
    same connection after a pause shorter than keep-alive."""
    body = b"x" * 20
    with socket.create_connection(address, timeout=10) as sock:
        sock.sendall(b"POST /echo HTTP/1.1\r\nHost: gateway\r\nContent-Length: 20\r\n\r\n")
        for byte in body:
            sock.sendall(bytes([byte]))
            time.sleep(LIMIT_S / 8)
        first = sock.recv(65536)
        assert first.startswith(b"HTTP/1.1 200") and first.endswith(b'{"length":20}')
        time.sleep(LIMIT_S / 2)
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: gateway\r\n\r\n")
        assert sock.recv(65536).startswith(b"HTTP/1.1 200")


def test_a_websocket_outlives_the_limit(address: tuple[str, int]) -> None:
    with connect(f"ws://{address[0]}:{address[1]}/ws", open_timeout=5) as ws:
        ws.send("first")
        assert ws.recv(timeout=5) == "first"
        time.sleep(LIMIT_S * 2.5)
        ws.send("later")
        assert ws.recv(timeout=5) == "later"


def test_the_setting_defaults_above_keep_alive_and_reaches_the_worker_processes() -> None:
    """``--workers N`` sends uvicorn's config to fresh processes by pickling: the bound protocol must survive."""
    assert Settings(speech=False).header_read_s == HEADER_READ_S == 12.0
    factory = pickle.loads(pickle.dumps(protocol_for(3.0)))
    assert factory.keywords == {"header_read_s": 3.0}  # type: ignore[attr-defined]
