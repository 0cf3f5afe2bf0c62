"""A small ASGI app served on a free loopback port inside the running event loop.

Used by the local stand-ins for Twilio's REST API (the simulator's and the transfer tests') and the demo's
phones (``Served``): each needs "serve this on 127.0.0.1, tell me the URL, stop it cleanly" and nothing more.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

import uvicorn


class LocalServer:
    def __init__(self, app: Any) -> None:
        self._app = app
        self._server: uvicorn.Server | None = None
        self._task: asyncio.Task[None] | None = None
        self.url = ""

    async def start(self) -> str:
        """Serve on a free port; returns the base URL (http://127.0.0.1:PORT)."""
        config = uvicorn.Config(self._app, host="127.0.0.1", port=0, log_level="warning", lifespan="off")
        self._server = uvicorn.Server(config)
        self._task = asyncio.create_task(self._server.serve())
        while not self._server.started:
            if self._task.done():
                self._task.result()  # surfaces the start-up error
            await asyncio.sleep(0.01)
        port = self._server.servers[0].sockets[0].getsockname()[1]
        self.url = f"http://127.0.0.1:{port}"
        return self.url

    async def stop(self) -> None:
        if self._server is not None and self._task is not None:
            self._server.should_exit = True
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._task, 5.0)


class Served:
    """A stand-in that serves its own app on a free loopback port: ``serve(app)`` starts it, ``url`` is its base
    URL from then on, ``stop`` ends it (nothing when it never started). Why a base: each stand-in wrote it out."""

    url: str = ""
    _local: LocalServer | None = None

    async def serve(self, app: Any) -> str:
        self._local = LocalServer(app)
        self.url = await self._local.start()
        return self.url

    async def stop(self) -> None:
        if self._local is not None:
            await self._local.stop()
