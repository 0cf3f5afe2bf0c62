"""How many connections a Wyoming server holds: in all, and from each client address.

Why per address too: ``WyomingLimits.max_connections`` bounds the server's memory, but one client on the local
network (a broken satellite reconnecting in a loop, or anyone on the LAN: Wyoming has no credentials) could open
all of them and leave every real speaker ``busy``. Past ``max_connections_per_peer`` from one address, that
address alone is told ``busy``; the others are still served. A Unix socket's clients have no address to tell
apart, so only the total bounds them.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
from dataclasses import dataclass, field

from telephony.speaker.frames import WyomingLimits

log = logging.getLogger(__name__)

SERVER_FULL = "too many connections to this server: try again later"
PEER_FULL = "too many connections from your address ({n} open): close one or try again later"


def peer_address(writer: asyncio.StreamWriter) -> str | None:
    """The client's IP address (an IPv4 one seen through a dual-stack socket as plain IPv4, so it counts as
    one peer whichever way it came); None for a Unix socket or an address the transport does not give."""
    peer = writer.get_extra_info("peername")
    host = peer[0] if isinstance(peer, tuple | list) and peer else None
    if not isinstance(host, str) or not host:
        return None
    try:
        address = ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        return host
    mapped = getattr(address, "ipv4_mapped", None)
    return str(mapped or address)


@dataclass
class ConnectionCounts:
    """Connections served now, in all and per address, and those refused (logged the first time, then one
    in 100)."""

    total: int = 0
    by_peer: dict[str, int] = field(default_factory=dict)
    refused: int = 0

    def admit(self, peer: str | None, limits: WyomingLimits) -> str | None:
        """Count this connection in and return None, or the ``busy`` error's text when it is one too many
        (for the server, or for ``peer``: its own connections already reach ``max_connections_per_peer``)."""
        held = self.by_peer.get(peer, 0) if peer is not None else 0
        if self.total >= limits.max_connections:
            return self._refuse(SERVER_FULL, f"{self.total} connections open")
        per_peer = limits.max_connections_per_peer
        if peer is not None and per_peer > 0 and held >= per_peer:
            return self._refuse(PEER_FULL.format(n=held), f"{held} connections open from {peer}")
        self.total += 1
        if peer is not None:
            self.by_peer[peer] = held + 1
        return None

    def leave(self, peer: str | None) -> None:
        """An admitted connection has ended."""
        self.total -= 1
        if peer is not None:
            left = self.by_peer.get(peer, 1) - 1
            if left > 0:
                self.by_peer[peer] = left
            else:
                self.by_peer.pop(peer, None)

    def _refuse(self, text: str, why: str) -> str:
        self.refused += 1
        if self.refused == 1 or self.refused % 100 == 0:
            log.warning("wyoming: %s: refused one (%d so far)", why, self.refused)
        return text
