"""A burst of unsigned Twilio webhooks, all at once, from its own process (``infolinia bench pace`` runs it).

Why a process of its own: the burst must stall the gateway's event loop, not the loop of the far end that
measures what the caller hears. Why raw sockets and not an HTTP client: 2,000 requests at once cost the
sender little this way, so they reach the gateway as one burst, as from a botnet, not spread over seconds.

``python -m telephony.devtools.webhook_flood HOST PORT N`` prints ``{"statuses": {...}, "wall_s": ...}``.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from collections import Counter
from urllib.parse import urlencode

from telephony.devtools.simulator_wire import voice_webhook
from telephony.devtools.twilio_standin import new_call_sid


def request(host: str, port: int) -> bytes:
    """One incoming-call webhook as Twilio posts it, without ``X-Twilio-Signature`` (answered 403)."""
    body = urlencode(voice_webhook(new_call_sid(), "AC" + "9" * 32, "+48600100999", "+48221234567")).encode()
    head = (
        f"POST /twilio/voice HTTP/1.1\r\nHost: {host}:{port}\r\n"
        "Content-Type: application/x-www-form-urlencoded\r\n"
        f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    )
    return head.encode() + body


async def _one(host: str, port: int, payload: bytes) -> str:
    """The status code of one request, or what went wrong ("refused", "reset", "timeout")."""
    try:
        async with asyncio.timeout(30):
            reader, writer = await asyncio.open_connection(host, port)
            writer.write(payload)
            await writer.drain()
            line = await reader.readline()
            writer.close()
            parts = line.split()
            return parts[1].decode() if len(parts) > 1 else "empty"
    except TimeoutError:
        return "timeout"
    except ConnectionRefusedError:
        return "refused"
    except OSError:
        return "reset"


async def flood(host: str, port: int, n: int) -> dict[str, object]:
    """``n`` webhooks at once (each its own connection); how they were answered and how long it took."""
    payload = request(host, port)
    started = time.perf_counter()
    statuses = await asyncio.gather(*(_one(host, port, payload) for _ in range(n)))
    return {"statuses": dict(Counter(statuses)), "wall_s": round(time.perf_counter() - started, 3)}


def main(argv: list[str] | None = None) -> int:
    host, port, n = (argv if argv is not None else sys.argv[1:])[:3]
    print(json.dumps(asyncio.run(flood(host, int(port), int(n)))))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
