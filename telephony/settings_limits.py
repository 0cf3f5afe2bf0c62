"""The limits part of the gateway settings: how long Redis, a request, a recovery and a shutdown may take, and
how many calls one worker takes at once.

Apart from ``telephony/settings.py`` only to keep each file readable (as ``telephony/settings_speech.py``);
``Settings`` inherits these fields, so they are read once, with the same ``INFOLINIA_`` prefix, and injected
like every other setting.
"""

from __future__ import annotations

from pydantic import Field, ValidationInfo, field_validator
from pydantic_settings import BaseSettings

# A turn's own worst time under its session lease, Redis failover aside: a few Redis commands and an orders
# look-up, each bounded by its own 2 s timeout, and the dialog between them
LEASE_TURN_S = 10.0


class LimitsSettings(BaseSettings):
    """Timeouts and limits (``Settings`` sets the prefix and the sources)."""

    # --- Redis: how long a command, a failover and a replica's confirmation may take --------------
    redis_failover_s: float = Field(
        10.0,
        ge=0,
        description="With Sentinel (redis+sentinel://): how long a command waits for the promoted replica "
        "during a failover before the caller degrades (spool, 503). Plain URLs retry for about 0.3 s.",
    )
    redis_timeout_s: float = Field(
        2.0,
        gt=0,
        description="A Redis command not answered this long fails as 'Redis unavailable' (spool, 503, the "
        "call's own copy): a stalled Redis (accepts, never answers) cannot hold a call or a chat.",
    )
    redis_wait_replicas: int = Field(
        0,
        ge=0,
        le=100,  # Redis refuses a WAIT past its integer range: every callback would stay in the spool
        description="Callback and voicemail requests are confirmed only once this many replicas have them "
        "(Redis WAIT); unconfirmed ones stay in the local spool. 1 with Sentinel; 0 = a single Redis.",
    )
    redis_wait_ms: int = Field(500, ge=1, description="How long WAIT waits for the replicas (ms).")

    # --- one turn of a session at a time across the workers (telephony/chat/session_lease.py) ------
    session_lease_ttl_s: float = Field(
        30.0,
        gt=0,
        description="A turn's lease on its session in Redis expires this long after it was taken: keep it well "
        "above a turn's worst time (at least INFOLINIA_REDIS_FAILOVER_S + 10 s); a worker that crashed mid-turn "
        "blocks that session's next turns this long.",
    )
    session_lease_wait_s: float = Field(
        10.0,
        ge=0,
        description="Longest a turn waits for the turns of the same session ahead of it (in its worker and on the "
        "others, counted from its arrival); past it a chat gets 503 "
        "'send again' and a device hears the same. Other workers' turns are not waited for while Redis is down "
        "or timing out.",
    )

    # --- recovery and slow clients ------------------------------------------------------------
    recovery_interval_s: float = Field(
        5.0, gt=0, description="How often a degraded gateway checks Redis (replays the spool, restores the roster)."
    )
    recovery_grace_s: float = Field(
        30.0,
        gt=0,
        description="After Redis came back empty, how long a console session missing on a worker that does not "
        "hold its live stream is answered 503 (try again) rather than 401 (log in): the worker holding the "
        "stream puts it back meanwhile. Keep it above recovery_interval_s.",
    )

    body_read_s: float = Field(
        30.0,
        gt=0,
        description="Longest time a request body may take to arrive, whole (408 past it). uvicorn waits as long "
        "as bytes keep coming: a byte a second held a connection, and a file descriptor, forever.",
    )
    header_read_s: float = Field(
        12.0,
        gt=0,
        description="Longest time a request's line and headers may take to arrive, from the connection's start or "
        "the previous response's end (the connection closed past it). uvicorn has no such timeout: headers sent "
        "a byte a second held a connection, and a file descriptor, forever. Keep it above uvicorn's 5 s "
        "keep-alive, which still closes idle connections first.",
    )

    # --- capacity and shutdown -----------------------------------------------------------------
    max_concurrent_calls: int = Field(
        0,
        ge=0,
        description="Calls one worker answers at once; more hear 'all lines busy' and go to the fallback number. "
        "0 = no limit (set it to the measured capacity / workers).",
    )
    stream_stall_s: float = Field(
        5.0,
        gt=0,
        description="A call's media stream silent this long (Twilio sends a frame every 20 ms, silence included) "
        "without a stop, or sending only broken frames, is stalled: the caller hears the apology and goes to the "
        "fallback number. Without it such a call held its line and left the caller in silence for good. Also the "
        "longest a send of our audio may wait for Twilio to take it (it stopped reading), and a stream may take "
        "from connecting to its 'start': then the same fallback.",
    )
    wyoming_max_connections_per_peer: int = Field(
        16,
        ge=0,
        description="`infolinia wyoming`: connections one client address may hold at once (of the server's 128); "
        "more are answered with a Wyoming `busy` error, that address alone. Without it one client on the LAN "
        "could hold them all. 0 = no such cap: for a server that is the gateways' recognizer or synthesizer "
        "tier (INFOLINIA_ASR_REMOTE, INFOLINIA_TTS_REMOTE), where each call of a gateway opens a connection.",
    )
    drain_grace_s: float = Field(
        60.0, ge=0, description="On SIGTERM: how long calls in progress may go on before going to the fallback number."
    )
    shutdown_flush_s: float = Field(
        3.0, gt=0, description="On stopping: how long writes still held for Redis (KPIs, kept sessions) may take."
    )

    @field_validator("redis_wait_ms")
    @classmethod
    def _wait_within_timeout(cls, v: int, info: ValidationInfo) -> int:
        """WAIT blocks on the server for ``v`` ms: longer than the command timeout, every WAIT would time out."""
        timeout_s = info.data.get("redis_timeout_s")
        if timeout_s is not None and v >= timeout_s * 1000:
            raise ValueError(f"must be shorter than INFOLINIA_REDIS_TIMEOUT_S ({timeout_s} s) in ms")
        return v

    @field_validator("session_lease_ttl_s")
    @classmethod
    def _lease_outlives_a_turn(cls, v: float, info: ValidationInfo) -> float:
        """A lease that lapses under a running turn lets another worker's turn of the session run at once, and the
        later save wins. The TTL runs from the take's first landing: behind Sentinel, a take whose answer a
        failover lost is sent again for up to ``redis_failover_s`` and finds its own lease, with that much of
        the TTL gone before the turn starts. Not ``session_lease_wait_s``: the wait comes before the take."""
        failover_s = info.data.get("redis_failover_s")
        if failover_s is not None and v < failover_s + LEASE_TURN_S:
            least = failover_s + LEASE_TURN_S
            raise ValueError(
                f"must be at least INFOLINIA_REDIS_FAILOVER_S ({failover_s:g} s) + {LEASE_TURN_S:g} s for a turn "
                f"({least:g} s): a lease that lapses under a running turn lets another worker's turn overwrite it"
            )
        return v
