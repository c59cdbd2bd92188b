"""Benchmark: the logs provider over stdio on a 1 GiB log, against a 1 KiB file read in the same run.

    .venv/bin/python bench/bench_logs.py            # defaults used for docs/benchmarks.md
    .venv/bin/python bench/bench_logs.py --quick    # a fast smoke run

One mcp-resources server is spawned over stdio with a filesystem provider (a
1 KiB file) and a logs provider (a generated 1 GiB log and a live one), and
driven by the SDK's client:

- the last 100 lines of the 1 GiB log against a read of the 1 KiB file,
  alternating request by request (ABBA) so drift affects both alike;
- `level=error` over the last 100,000 lines (`scan=100000`), and the same
  window unfiltered, to show what parsing and filtering cost;
- a writer process appending 10,000 lines a second while the client, subscribed,
  reads each `updated` through the follow cursor: notifications a second, lag
  from a line's write to the client holding it, and that no line is lost.

Everything is generated in a temporary folder (nothing is committed) and removed afterwards.
"""

from __future__ import annotations

import argparse
import gc
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
import warnings
from importlib.metadata import version
from pathlib import Path

import anyio
import mcp_types as types
from mcp import Client, MCPDeprecationWarning, StdioServerParameters
from measure import interleaved, pct, samples_table

GIB = 1 << 30
SCAN = "level=error over the last 100,000 lines"
TAIL_BYTES = "read the same 100 lines as a file"
LEVELS = ["INFO"] * 90 + ["DEBUG"] * 7 + ["WARNING"] * 2 + ["ERROR"]

# Appends `count` lines at `rate` a second in batches of 100; each line carries its write time.
WRITER = """
import sys, time
path, count, rate = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
start = time.monotonic()
with open(path, "a") as out:
    for first in range(0, count, 100):
        now = time.monotonic()
        stamp = f"2026-11-21 10:00:00,000 INFO load: {now:.6f} line"
        out.write("".join(f"{stamp} {n}\\n" for n in range(first, first + 100)))
        out.flush()
        delay = start + (first + 100) / rate - time.monotonic()
        if delay > 0:
            time.sleep(delay)
"""


def make_log(path: Path, size: int) -> int:
    """A log of about `size` bytes in Python logging format; returns its line count."""
    lines = [
        f"2026-11-21 09:{(i // 60) % 60:02d}:{i % 60:02d},{i % 1000:03d} {LEVELS[i % 100]} shop.web: "
        f"GET /books/{i % 977} served in {i % 89} ms for user {i % 4099}\n"
        for i in range(10_000)
    ]
    block = "".join(lines).encode()
    with path.open("wb") as out:
        for _ in range(max(1, size // len(block))):
            out.write(block)
    return max(1, size // len(block)) * len(lines)


def server(work: Path) -> StdioServerParameters:
    config = work / "bench.toml"
    config.write_text(
        '[server]\nlog_level = "warning"\n'
        '[providers.files]\ntype = "filesystem"\nroot = "files"\n'
        '[providers.logs]\ntype = "logs"\nroot = "logs"\nmax_lines = 100000\nmax_bytes = "16MiB"\n',
        encoding="utf-8",
    )
    return StdioServerParameters(
        command=sys.executable, args=["-m", "mcp_resources", "serve", str(config)], cwd=str(work)
    )


async def follow_writer(client: Client, work: Path, seconds: float, rate: int) -> dict[str, float]:
    """Subscribe to the live log, run the writer, read every `updated` through the cursor."""
    live = "logs://live.log"
    updates = anyio.Event()
    arrivals: list[float] = []

    async def on_message(message: object) -> None:
        nonlocal updates
        if isinstance(message, types.ResourceUpdatedNotification) and message.params.uri == live:
            arrivals.append(time.monotonic())
            updates.set()

    count = int(seconds * rate)
    lags: list[float] = []
    received = 0
    async with Client(server(work), mode="legacy", cache=None, message_handler=on_message) as follower:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", MCPDeprecationWarning)
            await follower.subscribe_resource(live)
        first = (await follower.read_resource(live)).contents[0]
        cursor = str((first.meta or {})["mcp-resources/follow"])
        command = [sys.executable, "-c", WRITER, str(work / "logs" / "live.log"), str(count), str(rate)]
        started = time.monotonic()
        async with await anyio.open_process(command) as writer:
            with anyio.fail_after(seconds * 4 + 30):
                while received < count:
                    await updates.wait()
                    updates = anyio.Event()
                    contents = (await follower.read_resource(cursor)).contents[0]
                    now = time.monotonic()
                    assert isinstance(contents, types.TextResourceContents)
                    for line in contents.text.splitlines():
                        lags.append(now - float(line.split()[4]))
                        received += 1
                    cursor = str((contents.meta or {})["mcp-resources/follow"])
            await writer.wait()
        elapsed = time.monotonic() - started
    return {
        "lines": received,
        "expected": count,
        "updates_per_s": len(arrivals) / elapsed,
        "lag_p50": pct(lags, 0.5),
        "lag_p99": pct(lags, 0.99),
    }


async def run(args: argparse.Namespace) -> str:
    work = Path(tempfile.mkdtemp(prefix="mcpr-bench-logs-"))
    try:
        (work / "files").mkdir()
        (work / "logs").mkdir()
        (work / "files" / "kib.txt").write_bytes(b"x" * 1023 + b"\n")
        (work / "logs" / "live.log").write_text("2026-11-21 10:00:00,000 INFO load: 0 start\n")
        started = time.perf_counter()
        lines = make_log(work / "logs" / "big.log", args.size)
        size = (work / "logs" / "big.log").stat().st_size
        with (work / "logs" / "big.log").open("rb") as big:  # the tail's own bytes, as a plain file
            big.seek(size - 64 * 1024)
            (work / "files" / "tail100.txt").write_bytes(b"".join(big.read().splitlines(True)[-100:]))
        print(
            f"{lines:,}-line log ({size / GIB:.2f} GiB) in {time.perf_counter() - started:.1f}s",
            file=sys.stderr,
        )
        samples: dict[str, list[float]] = {}
        async with Client(server(work), mode="legacy", cache=None) as client:

            async def kib() -> None:
                await client.read_resource("files://kib.txt")

            async def same_bytes() -> None:
                await client.read_resource("files://tail100.txt")

            async def tail100() -> None:
                await client.read_resource("logs://big.log?tail=100")

            async def errors() -> None:
                await client.read_resource("logs://big.log?level=error&tail=100000&scan=100000")

            async def window() -> None:
                await client.read_resource("logs://big.log?tail=100000")

            for op in (kib, same_bytes, tail100, errors, window):
                await op()
            gc.collect()
            gc.freeze()
            for round_no in range(args.rounds):
                await interleaved(
                    args.reads,
                    {"read 1 KiB file": kib, "last 100 lines of 1 GiB log": tail100, TAIL_BYTES: same_bytes},
                    samples,
                )
                await interleaved(
                    args.scans,
                    {SCAN: errors, "last 100,000 lines, unfiltered": window},
                    samples,
                )
                print(f"round {round_no + 1}/{args.rounds} done", file=sys.stderr)
        follow = await follow_writer(client, work, args.writer_seconds, 10_000)
        return report(samples, follow, args, size)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def report(
    samples: dict[str, list[float]], follow: dict[str, float], args: argparse.Namespace, size: int
) -> str:
    med = {name: statistics.median(values) * 1000 for name, values in samples.items()}
    lines = [
        f"- date: {time.strftime('%Y-%m-%d')}; Python {platform.python_version()}; mcp {version('mcp')}; "
        f"{os.cpu_count()} CPUs; client mode `legacy`; {args.rounds} rounds; log {size / GIB:.2f} GiB",
        "",
        *samples_table(samples),
    ]
    ratio = med["last 100 lines of 1 GiB log"] / med["read 1 KiB file"]
    same = med["last 100 lines of 1 GiB log"] / med[TAIL_BYTES]
    lines += [
        "",
        "| measure | value | target |",
        "|---|---:|---|",
        f"| last 100 lines of 1 GiB / 1 KiB file read (medians) | {ratio:.2f}× | ≤ 1.5× |",
        f"| last 100 lines of 1 GiB / the same bytes read as a file | {same:.2f}× | (explains the above) |",
        f"| level=error over 100,000 lines (p50) | {med[SCAN]:.0f} ms | recorded |",
        f"| writer at 10,000 lines/s for {args.writer_seconds:g} s: lines read via cursor | "
        f"{follow['lines']:,.0f} of {follow['expected']:,.0f} | none lost |",
        f"| notifications a second | {follow['updates_per_s']:.1f} | bounded |",
        f"| lag from write to client, p50 / p99 | {follow['lag_p50']:.0f} / {follow['lag_p99']:.0f} ms"
        " | recorded |",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--reads", type=int, default=300, help="tail/file reads per round")
    parser.add_argument("--scans", type=int, default=3, help="100,000-line scans per round")
    parser.add_argument("--size", type=int, default=GIB, help="bytes of the big log")
    parser.add_argument("--writer-seconds", type=float, default=5.0)
    parser.add_argument("--quick", action="store_true", help="a fast smoke run")
    args = parser.parse_args()
    if args.quick:
        args.rounds, args.reads, args.scans, args.size, args.writer_seconds = 2, 50, 1, 64 << 20, 1.0
    print(anyio.run(run, args))


if __name__ == "__main__":
    main()
