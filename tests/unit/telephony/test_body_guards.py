"""The app's error handlers for bad text (a lone surrogate is the request's fault: 422, never a 500), and the body
limit of a route that reads its own body (``BodyLimit``'s streamed routes)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import httpx
from fastapi import FastAPI, HTTPException, Request
from pydantic import BaseModel
from starlette.types import Message

from telephony.app.body_limit import BodyLimit
from telephony.app.guards import unencodable_text


class Lenient(BaseModel):
    """Like the console's message form: not strict, so "\\ud800" passes validation."""

    text: str


async def test_text_a_lenient_model_let_in_fails_where_it_is_encoded_as_a_422() -> None:
    app = FastAPI()
    app.add_exception_handler(UnicodeEncodeError, unencodable_text)

    @app.post("/echo")
    async def echo(body: Lenient) -> dict[str, int]:
        return {"bytes": len(body.text.encode("utf-8"))}  # where Redis or a log line would encode it

    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as http:
        fine = await http.post("/echo", json={"text": "zażółć"})
        bad = await http.post("/echo", content='{"text": "\\ud800"}', headers={"content-type": "application/json"})
    assert fine.status_code == 200 and fine.json() == {"bytes": 10}
    assert bad.status_code == 422 and "UTF-8" in bad.json()["detail"]


async def test_an_encoding_bug_of_ours_stays_a_500() -> None:
    """Only a lone surrogate from the request is its fault; any other encoding failure is a server bug."""
    app = FastAPI()
    app.add_exception_handler(UnicodeEncodeError, unencodable_text)

    @app.get("/latin")
    async def latin() -> dict[str, int]:
        return {"bytes": len("zażółć".encode("ascii"))}

    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as http:
        assert (await http.get("/latin")).status_code == 500


def streamed_app() -> FastAPI:
    """An upload route reading its whole body without a limit of its own, behind ``BodyLimit`` (limit 100)."""
    app = FastAPI()

    @app.post("/upload")
    async def upload(request: Request) -> dict[str, int]:
        if request.headers.get("x-refuse"):
            raise HTTPException(401, "refused from the headers")
        if request.headers.get("x-busy"):  # the route's own wait (a guard, models loading) before it reads
            await asyncio.sleep(0.2)
        return {"bytes": len(await request.body())}

    app.add_middleware(BodyLimit, limits={"/upload": 100}, streamed=frozenset({"/upload"}), body_s=0.05)
    return app


async def parts(*chunks: bytes) -> AsyncIterator[bytes]:
    for chunk in chunks:
        yield chunk


async def test_a_streamed_route_reads_its_own_body_and_is_cut_at_the_limit() -> None:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=streamed_app()), base_url="http://t") as http:
        fine = await http.post("/upload", content=parts(b"a" * 50, b"b" * 50))
        too_long = await http.post("/upload", content=parts(b"a" * 60, b"b" * 60))  # no length to refuse early
        refused = await http.post("/upload", content=b"x" * 80, headers={"x-refuse": "1"})
    assert fine.status_code == 200 and fine.json() == {"bytes": 100} and "connection" not in fine.headers
    assert too_long.status_code == 413 and "larger than 100 bytes" in too_long.json()["detail"]
    assert refused.status_code == 401 and refused.headers["connection"] == "close"  # its body was never read


async def yielding(*chunks: bytes) -> AsyncIterator[bytes]:
    """Chunks that are each already there, the event loop run between them (the route's read suspends)."""
    for chunk in chunks:
        await asyncio.sleep(0)
        yield chunk


async def test_a_streamed_body_is_timed_only_while_the_route_waits_for_it() -> None:
    """A route that waits longer than ``body_s`` before it reads a body sent at once still gets it: only the
    client's slowness counts (a trickle is cut with a 408 over real HTTP: tests/integration, test_slow_bodies)."""
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=streamed_app()), base_url="http://t") as http:
        late = await http.post("/upload", content=yielding(b"x" * 40, b"y" * 40), headers={"x-busy": "1"})
    assert late.status_code == 200 and late.json() == {"bytes": 80}


async def test_a_client_gone_mid_body_is_no_error_of_the_route() -> None:
    """An upload cut off mid-body (the client closed the connection): nothing to answer, and no exception
    for the server to log as the app's failure (an ERROR and a traceback per aborted upload)."""
    messages: list[Message] = [
        {"type": "http.request", "body": b"x" * 40, "more_body": True},
        {"type": "http.disconnect"},
    ]
    sent: list[Message] = []

    async def receive() -> Message:
        return messages.pop(0)

    async def send(message: Message) -> None:
        sent.append(message)

    headers = [(b"content-length", b"80"), (b"content-type", b"application/octet-stream")]
    scope = {"type": "http", "method": "POST", "path": "/upload", "headers": headers, "query_string": b""}
    await streamed_app()(scope, receive, send)  # raised ClientDisconnect out of the app before
    assert sent == [] and messages == []
