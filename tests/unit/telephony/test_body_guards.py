"""The app's error handlers for bad text: a lone surrogate is the request's fault (422), never a 500."""

from __future__ import annotations

import httpx
from fastapi import FastAPI
from pydantic import BaseModel

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
