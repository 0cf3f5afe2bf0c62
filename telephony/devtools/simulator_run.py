"""Entry points of the call simulator: run one call, print what happened, write the stereo WAV.

``run_simulation`` needs an already running gateway (``base_url``) plus the two values the gateway
signs with: its public URL and the Twilio auth token. Starting a gateway in-process is the CLI's job.
``main(argv)`` is a standalone entry (``python -m telephony.devtools.simulator_run``) for a running gateway.
"""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from dialog.ports import KeyValueStore
from telephony.call.deps import record_key
from telephony.devtools.simulator import CallActions, CallSimulator, SimulationResult
from telephony.devtools.simulator_audio import load_turn, write_stereo


async def run_simulation(
    specs: Sequence[str],
    base_url: str,
    *,
    public_url: str,
    auth_token: str,
    account_sid: str = "AC" + "0" * 32,
    barge_in: bool = False,
    out: str | Path | None = None,
    pause_s: float = 0.7,
    max_s: float = 300.0,
    rest: CallActions | None = None,
    store: KeyValueStore | None = None,
    record_wait_s: float = 10.0,
) -> SimulationResult:
    """Call the gateway with ``specs`` (WAV paths, or ``dtmf:DIGITS``) as the caller's turns.

    ``rest``: a started ``FakeTwilioRest`` (or ``TwilioStandin``) the gateway's Twilio API base points
    at, so the bot's hang-up, transfer or redirect ends the simulated call as it would end a real one.
    ``store``: the gateway's store (its Redis, or the in-process gateway's own): the call's record is read
    from it afterwards, so the result carries what the recognizer heard and what the bot said
    (``result.transcript``)."""
    turns = [load_turn(s) for s in specs]
    sim = CallSimulator(
        base_url,
        public_url=public_url,
        auth_token=auth_token,
        account_sid=account_sid,
        barge_in=barge_in,
        pause_s=pause_s,
        rest=rest,
    )
    result = await sim.run(turns, max_s=max_s)
    if out is not None:
        write_stereo(out, result.caller_audio, result.bot_audio)
    if store is not None:
        result.transcript = await call_transcript(store, result.call_sid, record_wait_s)
    return result


async def call_transcript(store: KeyValueStore, call_sid: str, wait_s: float = 10.0) -> list[dict[str, Any]] | None:
    """The call's heard transcript from its final record, which the gateway saves as the call ends (a
    moment after the simulator hangs up; the records saved after each turn say ``in_progress`` and miss
    the marks still coming back); None when it does not appear within ``wait_s``."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + wait_s
    while True:
        record = await store.get(record_key(call_sid))
        if record is not None and record.get("ended") != "in_progress":
            return list(record.get("transcript") or [])
        if loop.time() >= deadline:
            return None
        await asyncio.sleep(0.1)


def format_dialogue(transcript: list[dict[str, Any]]) -> list[str]:
    """The conversation, turn by turn: "KLIENT: …" (what the recognizer heard; keys as "[0]") and
    "BOT: …" (what the caller heard of the bot: an interrupted sentence shows its heard part)."""
    lines: list[str] = []
    bot: list[str] = []
    cut = False

    def flush() -> None:
        nonlocal cut
        if bot or cut:
            lines.append("BOT: " + " ".join(bot) + (" [przerwane przez klienta]" if cut else ""))
        bot.clear()
        cut = False

    for entry in transcript:
        if entry.get("role") == "caller":
            flush()
            lines.append(f"KLIENT: {entry.get('text', '')}")
        elif entry.get("role") == "bot":
            status = entry.get("status", "heard")
            text = str(entry.get("text", "") if status == "heard" else entry.get("heard", "")).strip()
            if text:
                bot.append(text)
            cut = cut or status == "interrupted"
    flush()
    return lines


def format_result(result: SimulationResult) -> str:
    """The conversation as the simulated phone saw it: caller turns, bot segments (by mark), latencies."""
    events: list[tuple[float, str]] = []
    for t in result.turns:
        latency = "no reply" if t.latency_s is None else f"reply after {t.latency_s * 1000:.0f} ms"
        events.append(
            (
                t.start_s,
                f"{t.start_s:7.2f}s  CALLER  {t.label}  (speech ends {t.speech_end_s:.2f}s; {latency})",
            )
        )
    for s in result.segments:
        how = f"interrupted after {s.played_s:.2f}s" if s.interrupted else "heard in full"
        events.append((s.returned_at, f"{s.returned_at:7.2f}s  BOT     [{s.mark}] {s.duration_s:.2f}s audio, {how}"))
    lines = [f"call {result.call_sid}: {result.duration_s:.1f} s, ended: {result.ended_by}"]
    if result.action is not None and result.action.kind == "transfer":
        lines[0] += f" to {result.action.number}" + (
            f" ({result.action.announcement})" if result.action.announcement else ""
        )
    if result.transcript is not None:
        lines += ["dialogue (what the recognizer heard, what the caller heard of the bot):"]
        lines += ["  " + line for line in format_dialogue(result.transcript)] or ["  (nothing said)"]
        lines.append("timeline:")
    lines += [text for _, text in sorted(events, key=lambda e: e[0])]
    latencies = sorted(t.latency_s for t in result.turns if t.latency_s is not None)
    if latencies:
        median = latencies[len(latencies) // 2]
        p95 = latencies[min(len(latencies) - 1, round(0.95 * (len(latencies) - 1)))]
        lines.append(
            f"turn latency (speech end -> first bot audio): median {median * 1000:.0f} ms, "
            f"p95 {p95 * 1000:.0f} ms, max {latencies[-1] * 1000:.0f} ms over {len(latencies)} turns"
        )
    return "\n".join(lines)


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="simulate-call", description="call a running gateway like Twilio does")
    p.add_argument("turns", nargs="+", help="caller WAV files (any rate), or dtmf:DIGITS")
    p.add_argument("--url", default="http://127.0.0.1:8080", help="where the gateway listens")
    p.add_argument("--public-url", help="the gateway's configured public URL (signatures); default --url")
    p.add_argument("--auth-token", required=True, help="the gateway's Twilio auth token")
    p.add_argument("--barge-in", action="store_true", help="start each next turn ~1 s into the bot's reply")
    p.add_argument("--out", default="call.wav", help="stereo WAV of the call (left caller, right bot)")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    result = asyncio.run(
        run_simulation(
            args.turns,
            args.url,
            public_url=args.public_url or args.url,
            auth_token=args.auth_token,
            barge_in=args.barge_in,
            out=args.out,
        )
    )
    print(format_result(result))
    print(f"both sides written to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
