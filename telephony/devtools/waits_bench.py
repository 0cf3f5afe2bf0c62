"""``infolinia bench waits``: how wrong is the wait estimate callers hear? A simulated day of calls.

A working day (8:00-20:00) of Poisson arrivals with a morning and an afternoon peak, 10% urgent
callers, lognormal handling times, wrap-up after each call and agents on staggered shifts, all from a
fixed seed. Every caller gets the estimate the gateway would announce on arrival (``waits.estimate_wait_s``
with the moving average of calls finished *so far*, exactly as the Redis average would hold it) and the
bench compares it with the wait the simulation then produces. Callers never hang up here: the error of
the estimate, not the service level, is measured.
"""

from __future__ import annotations

import argparse
import heapq
import json
import math
from dataclasses import dataclass, field

import numpy as np

from telephony.agents.waits import WaitModel, estimate_wait_s, update_average, wait_phrase

DAY_START, DAY_END = 8 * 3600.0, 20 * 3600.0
# Calls per hour from 8:00; with the shifts below the agents are 55-85% loaded (a busy, sane line).
ARRIVALS_PER_HOUR = (25, 28, 42, 45, 55, 55, 60, 58, 40, 38, 25, 18)
SHIFTS = ((8, 16), (8, 16), (8, 16), (10, 18), (10, 18), (12, 20), (12, 20), (12, 20))  # hours
HANDLING_MEAN_S, HANDLING_CV = 300.0, 0.7
WRAP_UP_S, RING_S = 30.0, 12.0
URGENT_SHARE, ALPHA, MIN_SAMPLES = 0.1, 0.2, 3


@dataclass(order=True)
class _Caller:
    key: tuple[int, float, int]  # (-priority, arrival, n): serving order
    arrival: float = field(compare=False)
    estimate: float | None = field(compare=False, default=None)
    naive: float | None = field(compare=False, default=None)


@dataclass(eq=False)  # identity: two agents on the same shift are still two agents
class _Agent:
    shift: tuple[float, float]
    free_at: float = 0.0
    busy: bool = False


class _Day:
    """One simulated day; ``run`` returns (estimate, naive, actual wait) per served caller."""

    def __init__(self, seed: int, model: WaitModel) -> None:
        self.rng, self.model = np.random.default_rng(seed), model
        self.agents = [_Agent((h0 * 3600.0, h1 * 3600.0)) for h0, h1 in SHIFTS]
        self.events: list[tuple[float, int, str, int]] = []
        self.waiting: list[_Caller] = []
        self.avg: float | None = None
        self.finished = 0
        self.results: list[tuple[float | None, float | None, float]] = []
        self._n = 0

    def _push(self, at: float, kind: str, ref: int = -1) -> None:
        self._n += 1
        heapq.heappush(self.events, (at, self._n, kind, ref))

    def _arrivals(self) -> None:
        for hour, rate in enumerate(ARRIVALS_PER_HOUR):
            start = DAY_START + hour * 3600.0
            for at in np.sort(self.rng.uniform(start, start + 3600.0, self.rng.poisson(rate))):
                self._push(float(at), "arrival")
        for i, agent in enumerate(self.agents):
            self._push(agent.shift[0], "free", i)
            self._push(agent.shift[1], "shift_end", i)

    def _on_shift(self, now: float) -> list[_Agent]:
        return [a for a in self.agents if a.shift[0] <= now < a.shift[1]]

    def _arrive(self, now: float) -> None:
        urgent = self.rng.random() < URGENT_SHARE
        caller = _Caller((-5 if urgent else 0, now, self._n), now)
        position = 1 + sum(1 for c in self.waiting if c < caller)
        staffed = self._on_shift(now)
        available = sum(1 for a in staffed if not a.busy)
        avg = self.avg if self.finished >= MIN_SAMPLES else None
        caller.estimate = estimate_wait_s(position, available, len(staffed), avg, self.model)
        if avg is not None and staffed:  # the obvious rule: everyone ahead, one average call each, shared
            caller.naive = (position - 1) * avg / len(staffed)
        heapq.heappush(self.waiting, caller)

    def _dispatch(self, now: float) -> None:
        while self.waiting:
            free = [a for a in self._on_shift(now) if not a.busy]
            if not free:
                return
            agent = min(free, key=lambda a: a.free_at)  # the longest idle, as the router does
            caller = heapq.heappop(self.waiting)
            connect = now + RING_S
            handling = self._handling()
            agent.busy = True
            self.results.append((caller.estimate, caller.naive, connect - caller.arrival))
            self._push(connect + handling, "call_end", int(handling * 1000))
            self._push(connect + handling + WRAP_UP_S, "free", self.agents.index(agent))

    def _handling(self) -> float:
        sigma = math.sqrt(math.log(1 + HANDLING_CV**2))
        return float(self.rng.lognormal(math.log(HANDLING_MEAN_S) - sigma**2 / 2, sigma))

    def run(self) -> list[tuple[float | None, float | None, float]]:
        self._arrivals()
        while self.events:
            now, _, kind, ref = heapq.heappop(self.events)
            if kind == "arrival":
                self._arrive(now)
            elif kind == "call_end":
                self.avg = update_average(self.avg, self.finished, ref / 1000.0, ALPHA)
                self.finished += 1
            elif kind == "free":
                self.agents[ref].busy, self.agents[ref].free_at = False, now
            elif kind == "shift_end" and not self.agents[ref].busy:
                self.agents[ref].free_at = now
            self._dispatch(now)
        return self.results


def _errors(pairs: list[tuple[float, float]]) -> dict[str, float]:
    err = np.array([e - w for e, w in pairs])
    return {
        "mae_s": round(float(np.mean(np.abs(err))), 1),
        "p90_abs_err_s": round(float(np.percentile(np.abs(err), 90)), 1),
        "bias_s": round(float(np.mean(err)), 1),
    }


def run_waits_bench(seed: int = 7, model: WaitModel | None = None) -> dict[str, object]:
    """Simulate one day with ``seed``; the estimate's error (MAE, p90, bias) and, for comparison, the
    naive rule's. ``phrase_match``: share of callers whose spoken phrase equals the phrase of their
    actual wait ("około dwóch minut" heard, about two minutes waited)."""
    model = model or WaitModel(ring_s=RING_S)
    results = _Day(seed, model).run()
    known = [(e, w) for e, _, w in results if e is not None]
    naive = [(n, w) for _, n, w in results if n is not None]
    waits = np.array([w for *_, w in results])
    return {
        "seed": seed,
        "calls": len(results),
        "mean_wait_s": round(float(waits.mean()), 1),
        "p90_wait_s": round(float(np.percentile(waits, 90)), 1),
        "no_history": sum(1 for e, _, _ in results if e is None),
        "estimate": _errors(known),
        "naive": _errors(naive),
        "phrase_match": round(sum(wait_phrase(e) == wait_phrase(w) for e, w in known) / len(known), 3),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Wait-estimate error on a simulated day of calls.")
    parser.add_argument("--seed", type=int, nargs="+", default=[7])
    args = parser.parse_args(argv)
    for seed in args.seed:
        print(json.dumps(run_waits_bench(seed), ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
