"""An ASGI middleware that lands a request's KPI writes in Redis before its response starts.

Why: KPI events are written fire-and-forget (``KpiStore.add``) so they never delay a caller; for an HTTP
request that would let a client read ``/v1/stats`` on another worker before the first worker's write
arrived. Awaiting this process's writes in flight at ``http.response.start`` costs a Redis round trip
and makes "what I did is counted" hold across workers for every HTTP route.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from telephony.insights.kpis import KpiStore


class KpiFlush:
    def __init__(self, app: ASGIApp, kpis: KpiStore) -> None:
        self.app, self.kpis = app, kpis

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def flushed(message: Message) -> None:
            if message["type"] == "http.response.start":
                await self.kpis.flush()
            await send(message)

        await self.app(scope, receive, flushed)
