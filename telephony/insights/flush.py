"""An ASGI middleware that lands a request's KPI writes in Redis before its response starts.

Why: KPI events are written fire-and-forget (``KpiStore.add``) so they never delay a caller; for an HTTP
request that would let a client read ``/v1/stats`` on another worker before the first worker's write
arrived. Awaiting this process's writes in flight at ``http.response.start`` costs a Redis round trip
and makes "what I did is counted" hold across workers for every HTTP route.

Not while Redis timed out a moment ago (``health``, the store-health breaker): the round trip would be a whole
timeout, added to a response that was otherwise ready at once (a device's voice turn going on from its kept
session). The writes go on in the background as always, and may be lost as in any outage.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from telephony.insights.kpis import KpiStore
from telephony.store_health import StoreHealth


class KpiFlush:
    def __init__(self, app: ASGIApp, kpis: KpiStore, health: StoreHealth | None = None) -> None:
        self.app, self.kpis, self.health = app, kpis, health

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def flushed(message: Message) -> None:
            if message["type"] == "http.response.start" and not (self.health is not None and self.health.stalled):
                await self.kpis.flush()
            await send(message)

        await self.app(scope, receive, flushed)
