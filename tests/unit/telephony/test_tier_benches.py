"""The arithmetic of the capacity benches (``bench redis-ops``, ``bench asr-remote``), on scripted figures:
what they print is what docs/benchmarks.md's capacity plan is computed from."""

from __future__ import annotations

from collections import Counter

import numpy as np

from telephony.devtools.asr_remote_bench import summarise
from telephony.devtools.redis_ops_bench import key_kind, per_call


def snap(t: float, inbound: int, outbound: int, keys: int, memory: int, **calls: int) -> dict[str, object]:
    return {"calls": Counter(calls), "in": inbound, "out": outbound, "keys": keys, "memory": memory, "t": t}


def test_per_call_subtracts_what_the_idle_gateway_does_meanwhile() -> None:
    idle = (snap(0.0, 0, 0, 10, 1000, ping=0), snap(10.0, 100, 50, 10, 1000, ping=2))  # 0.2 pings/s, 10 B/s in
    busy = (snap(10.0, 100, 50, 10, 1000, ping=2), snap(30.0, 4300, 1150, 22, 73000, ping=6, set=20, get=8))
    result = per_call(idle, busy, calls=2)
    assert result["by_command"] == {"set": 10.0, "get": 4.0}  # the 4 pings were the idle rate x 20 s
    assert result["commands_per_call"] == 14.0
    assert result["bytes_per_call"] == {"in": 2000, "out": 500}  # (4200 - 200) / 2, (1100 - 100) / 2
    assert (result["keys_left_per_call"], result["memory_left_per_call_bytes"]) == (6.0, 36000)
    assert result["idle_gateway_commands_per_s"] == 0.2


def test_keys_are_grouped_by_kind_not_by_owner() -> None:
    assert key_kind("infolinia:call:CA0123abc:transcript") == "infolinia:call:*:transcript"
    assert key_kind("infolinia:session:5f0e-22") == "infolinia:session:*"
    assert key_kind("infolinia:agents:roster") == "infolinia:agents:roster"


def test_the_hop_summary() -> None:
    turns = [np.zeros(16000, dtype=np.int16), np.zeros(24000, dtype=np.int16), np.zeros(8000, dtype=np.int16)]
    result = summarise(turns, local=[0.3, 0.4, 0.5], remote=[0.5, 0.6, 0.7], hops=[0.004, 0.006, 0.02])
    assert result["audio_s_median"] == 2.0 and result["pcm_bytes_per_turn_median"] == 32000
    assert result["hop_ms"] == {"median": 6.0, "min": 4.0, "max": 20.0}
    assert result["hop_share_of_round_trip"] == 0.01
