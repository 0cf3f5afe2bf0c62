"""A TCP proxy in front of a real redis-server that loses one reply: Redis ran the command, the client never heard.

What a connection reset while reading the answer looks like, or a master killed right after it replicated the
write (a Sentinel failover): redis-py then sends the same command again, and the code under test sees its own
first run's effect. Everything else passes through unchanged.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable


class LoseOneReply:
    """Forwards to ``host:port``; closes the client's connection instead of passing on the first reply starting
    with ``reply`` (by default an integer, ``:<n>``) to one of ``commands`` (by default ``EVALSHA``); ``dropped``
    is then True. ``start`` gives the port to connect to."""

    def __init__(
        self,
        host: str,
        port: int,
        commands: tuple[bytes, ...] = (b"EVALSHA",),
        reply: bytes = b":",
        then: Callable[[], None] | None = None,
        skip: int = 0,
    ) -> None:
        """``then``: pass that reply on and call ``then`` (Redis dies right after answering) instead of losing it;
        ``skip``: how many such replies pass untouched first."""
        self.host, self.port, self.dropped, self.skip = host, port, False, skip
        self.commands, self.reply, self.then = commands, reply, then
        self.server: asyncio.Server | None = None

    async def start(self) -> int:
        self.server = await asyncio.start_server(self._client, "127.0.0.1", 0)
        return int(self.server.sockets[0].getsockname()[1])

    def close(self) -> None:
        if self.server is not None:
            self.server.close()

    async def _client(self, client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter) -> None:
        redis_r, redis_w = await asyncio.open_connection(self.host, self.port)
        evalsha = asyncio.Event()  # the last command forwarded was one of ``commands``

        async def up() -> None:
            while data := await client_r.read(65536):
                if any(command in data.upper() for command in self.commands):
                    evalsha.set()
                redis_w.write(data)
                await redis_w.drain()
            redis_w.close()

        async def down() -> None:
            while data := await redis_r.read(65536):
                if evalsha.is_set() and not self.dropped and data.startswith(self.reply) and self.skip > 0:
                    self.skip -= 1
                elif evalsha.is_set() and not self.dropped and data.startswith(self.reply):
                    self.dropped = True  # Redis applied it; the client's connection breaks before the answer
                    if self.then is not None:
                        client_w.write(data)
                        await client_w.drain()
                        self.then()
                    client_w.close()
                    redis_w.close()
                    return
                evalsha.clear()
                client_w.write(data)
                await client_w.drain()
            client_w.close()

        await asyncio.gather(up(), down(), return_exceptions=True)


class SlowFirstConnection:
    """Forwards to ``host:port``; what the client sends on its first connection reaches Redis ``delay_s`` late (a
    connection still in its TLS handshake, a congested link), on the others at once: two commands sent one after
    the other on two connections then land in the other order. ``start`` gives the port to connect to."""

    def __init__(self, host: str, port: int, delay_s: float) -> None:
        self.host, self.port, self.delay_s, self.connections = host, port, delay_s, 0
        self.server: asyncio.Server | None = None

    async def start(self) -> int:
        self.server = await asyncio.start_server(self._client, "127.0.0.1", 0)
        return int(self.server.sockets[0].getsockname()[1])

    def close(self) -> None:
        if self.server is not None:
            self.server.close()

    async def _client(self, client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter) -> None:
        redis_r, redis_w = await asyncio.open_connection(self.host, self.port)
        self.connections += 1
        delay = self.delay_s if self.connections == 1 else 0.0

        async def pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, wait_s: float) -> None:
            while data := await reader.read(65536):
                await asyncio.sleep(wait_s)
                writer.write(data)
                await writer.drain()
            writer.close()

        await asyncio.gather(pipe(client_r, redis_w, delay), pipe(redis_r, client_w, 0.0), return_exceptions=True)
