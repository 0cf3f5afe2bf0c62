"""The "orders service that drips bytes" fault of ``infolinia bench faults``: a local HTTP server that answers
every request with a 200, a ``Content-Length`` and then the order one byte at a time (each read is quick,
the whole answer takes ten seconds or more), behind the real gateway's orders look-up.

The caller must not wait on it: the orders client's deadline covers the whole request, so the turn ends
in the catalogue's apology with the offer of a human ("tak" hands them over), on the phone and in chat.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from dialog import catalogue
from dialog.ports import CallerInfo
from telephony.devtools.faults import SILENCE_LIMIT_S, Row
from telephony.devtools.faults_world import CALLER, FaultWorld, fault_world

ORDERS_TIMEOUT_S = 2.0  # the world's INFOLINIA_ORDERS_TIMEOUT_S (the default, 3 s, is the limit itself)
DRIP_EVERY_S = 0.2


@asynccontextmanager
async def dripping_orders() -> AsyncIterator[str]:
    """The base URL of an orders service that answers with the order, one byte every ``DRIP_EVERY_S``: each
    read is quick, the whole answer takes ten seconds or more. A client with only a per-read timeout would
    get the order in the end (and keep the caller waiting for it); one with a whole-request deadline gives up."""

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(ConnectionError, asyncio.CancelledError, asyncio.IncompleteReadError):
            head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1")
            order_id = head.split(" ", 2)[1].rstrip("/").rsplit("/", 1)[-1].split("?")[0]
            body = json.dumps({"id": order_id, "status": "shipped", "carrier": "InPost", "tracking": "6201"}).encode()
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n")
            writer.write(f"Content-Length: {len(body)}\r\n\r\n".encode())
            for i in range(len(body)):
                writer.write(body[i : i + 1])
                await writer.drain()
                await asyncio.sleep(DRIP_EVERY_S)
        writer.close()

    server = await asyncio.start_server(serve, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.close()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(server.wait_closed(), 1.0)


async def orders_dripping(w: FaultWorld, strict: bool = True) -> Row:
    """A caller (phone) and a chat ask where their order is; the orders service drips bytes."""
    row = Row("orders service drips bytes")
    dialog = (await w.gateway.services.get()).dialog
    phone = CallerInfo("phone", CALLER, {})
    began = time.monotonic()
    said = await dialog.handle(None, "Gdzie jest moje zamówienie numer 48213?", phone)
    phone_s = time.monotonic() - began
    handed = await dialog.handle(said.session_id, "tak", phone)
    began = time.monotonic()
    chat = await w.http.post(f"{w.base}/v1/chat", json={"text": "Jaki jest status zamówienia 48213?"})
    chat_s = time.monotonic() - began
    offer = catalogue.ORDERS_UNAVAILABLE_OFFER
    row.figures = {
        "orders deadline (s)": ORDERS_TIMEOUT_S,
        "phone: caller waited (s)": round(phone_s, 2),
        "phone: apology": said.reply.startswith(offer),
        "phone: 'tak' ->": f"{handed.action} {handed.transfer.queue if handed.transfer else ''}".strip(),
        "chat": f"{chat.status_code} in {chat_s:.2f} s",
    }
    row.check(said.reply.startswith(offer), "the caller did not hear the apology and the offer of a human")
    row.check(handed.action == "transfer" and handed.transfer is not None, "'tak' did not hand the caller over")
    row.check(chat.status_code == 200 and chat.json()["reply"].startswith(offer), "chat: no apology (or a 5xx)")
    row.check(not strict or max(phone_s, chat_s) <= SILENCE_LIMIT_S, "caller silent past the limit")
    return row


async def run_orders_dripping(strict: bool = True) -> Row:
    """The scenario in its own world (its gateway's orders service is the dripping one)."""
    async with dripping_orders() as url, fault_world(orders_url=url, orders_timeout_s=ORDERS_TIMEOUT_S) as world:
        return await orders_dripping(world, strict)
