"""``infolinia bench redis-ops``: Redis commands, bytes and memory one phone call costs (capacity planning).

A private redis-server (never the machine's own) backs an in-process gateway; simulated Twilio calls run
against it exactly as ``infolinia bench calls`` runs them (same options: ``--calls``, ``--turns``,
``--wavs``, ``--concurrency``; the first level is used). ``INFO commandstats`` and ``INFO stats`` are read
after start-up, after an idle period of the same gateway (its background work: the recovery watcher, the
chat watch), and after the calls; the idle rate is subtracted from the calls' window, so what is printed is
per call: commands by name, network bytes in and out, and the keys and memory left behind (kept until their
retention TTLs). Our own ``INFO`` and ``DBSIZE`` reads are not counted.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from collections import Counter
from typing import Any

from redis.asyncio import Redis

from telephony.devtools.load_test import run_calls, summarize
from telephony.devtools.load_test_run import QUESTIONS, caller_turns, in_process_gateway, levels, scripts
from telephony.devtools.redis_server import RedisServer
from telephony.devtools.simulator_audio import load_turn
from telephony.settings import Settings

IDLE_S = 20.0  # long enough for the 5 s recovery watcher to run a few times


async def snapshot(client: Redis) -> dict[str, Any]:
    """Calls per command (``info`` excluded), network bytes, keys and memory, now."""
    commands = await client.info("commandstats")
    stats = await client.info("stats")
    memory = await client.info("memory")
    calls = Counter({name.removeprefix("cmdstat_"): int(v["calls"]) for name, v in commands.items()})
    for ours in ("info", "dbsize"):  # this bench's own reads
        calls.pop(ours, None)
    return {
        "calls": calls,
        "in": int(stats["total_net_input_bytes"]),
        "out": int(stats["total_net_output_bytes"]),
        "keys": int(await client.dbsize()),
        "memory": int(memory["used_memory"]),
        "t": time.monotonic(),
    }


def per_call(
    idle: tuple[dict[str, Any], dict[str, Any]], busy: tuple[dict[str, Any], dict[str, Any]], calls: int
) -> dict[str, Any]:
    """(busy delta - idle rate x busy time) / calls, per command and for the byte counters."""
    (i0, i1), (b0, b1) = idle, busy
    scale = (b1["t"] - b0["t"]) / max(1e-9, i1["t"] - i0["t"])
    idle_calls, busy_calls = i1["calls"] - i0["calls"], b1["calls"] - b0["calls"]
    commands = {
        name: round((busy_calls[name] - idle_calls[name] * scale) / calls, 1)
        for name in sorted(set(busy_calls) | set(idle_calls))
    }
    commands = {k: v for k, v in sorted(commands.items(), key=lambda kv: -kv[1]) if v > 0.05}
    net = {k: round(((b1[k] - b0[k]) - (i1[k] - i0[k]) * scale) / calls) for k in ("in", "out")}
    idle_s = i1["t"] - i0["t"]
    return {
        "commands_per_call": round(sum(commands.values()), 1),
        "by_command": commands,
        "bytes_per_call": net,
        "keys_left_per_call": round((b1["keys"] - b0["keys"]) / calls, 1),
        "memory_left_per_call_bytes": round((b1["memory"] - b0["memory"]) / calls),
        "idle_gateway_commands_per_s": round(sum(idle_calls.values()) / idle_s, 2),
        "idle_by_command_per_s": {k: round(v / idle_s, 2) for k, v in idle_calls.most_common() if v},
    }


def key_kind(key: str) -> str:
    """``infolinia:call:CA123...`` -> ``infolinia:call:*``: keys grouped by what they hold, not whose."""
    parts = key.split(":")
    return ":".join(p if p.isalpha() or p.replace("_", "").isalpha() else "*" for p in parts)


async def keys_left(client: Redis) -> dict[str, dict[str, float]]:
    """What the calls left in Redis, by kind: how many keys, bytes each (MEMORY USAGE), days until expiry."""
    kinds: dict[str, list[tuple[int, float]]] = {}
    async for raw in client.scan_iter(count=1000):
        key = raw.decode() if isinstance(raw, bytes) else str(raw)
        size = await client.memory_usage(key) or 0
        ttl = await client.ttl(key)
        kinds.setdefault(key_kind(key), []).append((int(size), ttl / 86400 if ttl >= 0 else -1.0))
    return {
        kind: {
            "keys": len(v),
            "bytes_each": round(sum(b for b, _ in v) / len(v)),
            "ttl_days": round(max(t for _, t in v), 2),
        }
        for kind, v in sorted(kinds.items())
    }


async def bench_redis_ops(args: argparse.Namespace, settings: Settings) -> int:
    redis = await asyncio.to_thread(RedisServer.start)
    try:
        local = settings.model_copy(update={"redis_url": redis.url})
        if args.wavs:
            pool, closing = [load_turn(w) for w in args.wavs], None
        else:
            *pool, closing = await caller_turns(local, [*QUESTIONS, "Dziękuję, to wszystko."])
        level = levels(args.concurrency)[0]
        client = Redis.from_url(redis.url)
        async with in_process_gateway(local) as (target, rest):
            await asyncio.sleep(2.0)  # start-up's own writes settle (roster, pre-rendering is not Redis)
            idle0 = await snapshot(client)
            await asyncio.sleep(IDLE_S)
            idle1 = busy0 = await snapshot(client)
            calls = scripts(max(args.calls, level), args.turns, pool, closing)
            outcomes, wall = await run_calls(target, calls, level, rest=rest, max_s=args.max_call_s)
            busy1 = await snapshot(client)
            left = await keys_left(client)
        await client.aclose()
        run = summarize(outcomes, wall, level)
        result = per_call((idle0, idle1), (busy0, busy1), len(calls))
        result["calls"], result["concurrency"], result["call_wall_s"] = len(calls), level, round(wall, 1)
        result["turns"], result["errors"], result["dropped"] = run["turns"], run["errors"], run["dropped"]
        result["ended_by"] = run["ended_by"]
        result["keys_left_by_kind"] = left  # ttl_days -1: no expiry
        print(json.dumps(result, indent=2, default=str))
    finally:
        await asyncio.to_thread(redis.stop)
    return 0
