"""Timing helpers the benchmarks share: timed operations, ABBA interleaving, percentiles, tables."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable

__all__ = ["Op", "interleaved", "pct", "samples_table", "timed"]

Op = Callable[[], Awaitable[object]]
"""One operation to time: a request, a read, a query."""


async def timed(op: Op) -> float:
    """Seconds `op` took."""
    start = time.perf_counter()
    await op()
    return time.perf_counter() - start


async def interleaved(count: int, ops: dict[str, Op], samples: dict[str, list[float]]) -> None:
    """Each op `count` times, alternating request by request in ABBA order."""
    names = list(ops)
    for i in range(count):
        for name in names if i % 2 == 0 else reversed(names):
            samples.setdefault(name, []).append(await timed(ops[name]))


def pct(values: list[float], q: float) -> float:
    """The `q` percentile of `values` (seconds), in milliseconds."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


def samples_table(samples: dict[str, list[float]]) -> list[str]:
    """A Markdown table of each operation's sample count, p50 and p99 (ms)."""
    lines = ["| operation | samples | p50 ms | p99 ms |", "|---|---:|---:|---:|"]
    return lines + [
        f"| {n} | {len(v)} | {pct(v, 0.5):.2f} | {pct(v, 0.99):.2f} |" for n, v in samples.items()
    ]
