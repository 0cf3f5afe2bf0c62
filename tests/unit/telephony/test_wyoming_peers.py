"""The Wyoming server's connection counts per client address (``telephony/speaker/peers.py``) and the setting that
bounds them (real sockets: ``tests/e2e/telephony/test_wyoming_connections.py``)."""

from __future__ import annotations

from typing import Any

from telephony.app.speaker import wyoming_limits
from telephony.settings import Settings
from telephony.speaker.frames import WyomingLimits
from telephony.speaker.peers import ConnectionCounts, peer_address


class _Writer:
    def __init__(self, peer: Any) -> None:
        self.peer = peer

    def get_extra_info(self, name: str) -> Any:
        return self.peer if name == "peername" else None


def test_the_setting_reaches_the_servers_limits() -> None:
    assert wyoming_limits(Settings(wyoming_max_connections_per_peer=3)).max_connections_per_peer == 3
    assert wyoming_limits(Settings()).max_connections_per_peer == 16


def test_an_ipv4_client_is_one_peer_whichever_socket_it_came_through() -> None:
    assert peer_address(_Writer(("::ffff:192.168.1.7", 5000, 0, 0))) == "192.168.1.7"  # type: ignore[arg-type]
    assert peer_address(_Writer(("192.168.1.7", 5001))) == "192.168.1.7"  # type: ignore[arg-type]
    assert peer_address(_Writer("")) is None  # type: ignore[arg-type]  # a Unix socket: no address


def test_zero_is_no_cap_per_address_and_a_leaving_connection_frees_its_place() -> None:
    counts, capped = ConnectionCounts(), WyomingLimits(max_connections=3, max_connections_per_peer=1)
    assert counts.admit("10.0.0.1", capped) is None
    assert "your address" in (counts.admit("10.0.0.1", capped) or "")
    assert counts.admit(None, capped) is None and counts.admit("10.0.0.2", capped) is None
    assert "this server" in (counts.admit("10.0.0.3", capped) or "")  # the total, whoever asks
    counts.leave("10.0.0.1")
    assert counts.by_peer == {"10.0.0.2": 1} and counts.refused == 2
    uncapped, open_ = ConnectionCounts(), WyomingLimits(max_connections=3, max_connections_per_peer=0)
    assert [uncapped.admit("10.0.0.1", open_) for _ in range(3)] == [None, None, None]
    assert "this server" in (uncapped.admit("10.0.0.1", open_) or "")  # only the total bounds it
