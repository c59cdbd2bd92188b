"""Benchmark: mcp-resources over stdio against a minimal low-level SDK server, same run.

    .venv/bin/python bench/bench_stdio.py                 # defaults used for docs/benchmarks.md
    .venv/bin/python bench/bench_stdio.py --quick         # a fast smoke run

Both servers are spawned over stdio and driven by the SDK's client. Requests
alternate between the servers one by one, so drift on the machine affects both.
Scenarios: read 1 KiB, read 1 MiB, full paginated listing of a 1,000-file tree, and the
first `resources/list` page of a 1,000-file and of a 100,000-file tree. The trees are
generated in a temporary folder (nothing is committed) and removed afterwards.
"""

from __future__ import annotations

import argparse
import functools
import gc
import json
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from importlib.metadata import version
from pathlib import Path

import anyio
from mcp import Client, StdioServerParameters

HERE = Path(__file__).parent


@dataclass
class Series:
    """Samples (seconds per operation) of one scenario on one server."""

    samples: list[float] = field(default_factory=list)
    round_totals: list[tuple[int, float]] = field(default_factory=list)

    def rate(self) -> float:
        """Operations per second: the median over rounds."""
        return statistics.median(n / t for n, t in self.round_totals)

    def pct(self, q: float) -> float:
        """Latency percentile in milliseconds."""
        ordered = sorted(self.samples)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


def make_fixtures(base: Path, flat: bool) -> dict[str, Path]:
    roots = {name: base / name for name in ("small", "tree1k", "tree100k", "flat100k")}
    roots["small"].mkdir(parents=True)
    (roots["small"] / "kib.txt").write_bytes(b"x" * 1023 + b"\n")
    (roots["small"] / "mib.txt").write_bytes((b"y" * 1023 + b"\n") * 1024)
    layouts = {"tree1k": (10, 1, 100), "tree100k": (20, 50, 100)}
    if flat:
        layouts["flat100k"] = (1, 1, 100_000)
    for name, (dirs, subdirs, files) in layouts.items():
        for d in range(dirs):
            for s in range(subdirs):
                folder = roots[name] / f"d{d:03d}" / f"s{s:03d}"
                folder.mkdir(parents=True)
                for f in range(files):
                    fd = os.open(folder / f"file{f:05d}.txt", os.O_WRONLY | os.O_CREAT, 0o644)
                    os.write(fd, b"some text in a file\n")
                    os.close(fd)
    return roots


def ours(root: Path, work: Path) -> tuple[StdioServerParameters, str]:
    config = work / f"{root.name}.toml"
    config.write_text(
        f'[server]\nlog_level = "warning"\n[providers.files]\ntype = "filesystem"\nroot = "{root}"\n',
        encoding="utf-8",
    )
    args = ["-m", "mcp_resources", "serve", str(config)]
    return StdioServerParameters(command=sys.executable, args=args, cwd=str(work)), "files://"


def minimal(root: Path, work: Path) -> tuple[StdioServerParameters, str]:
    args = [str(HERE / "minimal_server.py"), str(root)]
    return StdioServerParameters(command=sys.executable, args=args, cwd=str(work)), "min://"


Op = Callable[[], Awaitable[object]]


async def paired(series: dict[str, Series], count: int, ops: dict[str, Op]) -> None:
    """Run each server's operation `count` times, alternating request by request.

    Interleaving per request (ABBA order) means a slow moment of the machine
    hits both servers alike; each server's total is its own service time only.
    """
    order = list(ops)
    totals = dict.fromkeys(ops, 0.0)
    for i in range(count):
        for server in order if i % 2 == 0 else reversed(order):
            start = time.perf_counter()
            await ops[server]()
            took = time.perf_counter() - start
            series[server].samples.append(took)
            totals[server] += took
    for server, total in totals.items():
        series[server].round_totals.append((count, total))


async def full_listing(client: Client) -> int:
    count, cursor = 0, None
    while True:
        page = await client.list_resources(cursor=cursor)
        count += len(page.resources)
        cursor = page.next_cursor
        if not cursor:
            return count


async def run(args: argparse.Namespace) -> dict[str, dict[str, Series]]:
    work = Path(tempfile.mkdtemp(prefix="mcpr-bench-"))
    try:
        started = time.perf_counter()
        roots = make_fixtures(work / "data", args.flat)
        print(f"fixtures ready in {time.perf_counter() - started:.1f}s", file=sys.stderr)
        results: dict[str, dict[str, Series]] = {}
        async with AsyncExitStack() as stack:
            clients: dict[tuple[str, str], tuple[Client, str]] = {}
            names = ["small", "tree1k", "tree100k"] + (["flat100k"] if args.flat else [])
            for server_name, make in (("minimal", minimal), ("mcp-resources", ours)):
                for root_name in names:
                    params, prefix = make(roots[root_name], work)
                    client = Client(params, mode=args.mode, cache=None)
                    clients[server_name, root_name] = (await stack.enter_async_context(client), prefix)

            def series(scenario: str) -> dict[str, Series]:
                return results.setdefault(scenario, {"minimal": Series(), "mcp-resources": Series()})

            def each(root: str, make_op: Callable[[Client, str], Op]) -> dict[str, Op]:
                return {server: make_op(*clients[server, root]) for server in ("minimal", "mcp-resources")}

            for server in ("minimal", "mcp-resources"):
                assert await full_listing(clients[server, "tree1k"][0]) == 1000
            # The client's own full garbage collections (~45 ms here) would land on
            # whichever request allocates most; keep the long-lived client objects
            # out of them so p99 speaks of the servers.
            gc.collect()
            gc.freeze()
            for round_no in range(args.rounds):
                kib = each("small", lambda c, p: functools.partial(c.read_resource, p + "kib.txt"))
                await paired(series("read 1 KiB"), args.reads, kib)
                mib = each("small", lambda c, p: functools.partial(c.read_resource, p + "mib.txt"))
                await paired(series("read 1 MiB"), args.big_reads, mib)
                listing = each("tree1k", lambda c, p: functools.partial(full_listing, c))
                await paired(series("full listing, 1,000 files"), args.listings, listing)
                for root_name, label in (
                    ("tree1k", "1,000"),
                    ("tree100k", "100,000"),
                    ("flat100k", "100,000 flat"),
                ):
                    if ("minimal", root_name) in clients:
                        first = each(root_name, lambda c, p: c.list_resources)
                        await paired(series(f"first page, {label} files"), args.pages, first)
                print(f"round {round_no + 1}/{args.rounds} done", file=sys.stderr)
        return results
    finally:
        shutil.rmtree(work, ignore_errors=True)


def report(results: dict[str, dict[str, Series]], args: argparse.Namespace) -> str:
    lines = [
        f"- date: {time.strftime('%Y-%m-%d')}; Python {platform.python_version()}; mcp {version('mcp')}; "
        f"{os.cpu_count()} CPUs; client mode `{args.mode}`; {args.rounds} rounds, "
        "requests alternating between the servers",
        "",
        "| scenario | server | ops/s (median of rounds) | p50 ms | p99 ms |",
        "|---|---|---:|---:|---:|",
    ]
    for scenario, per_server in results.items():
        for server, s in per_server.items():
            lines.append(
                f"| {scenario} | {server} | {s.rate():,.1f} | {s.pct(0.5):.2f} | {s.pct(0.99):.2f} |"
            )
    ours_ = {k: v["mcp-resources"] for k, v in results.items()}
    base = {k: v["minimal"] for k, v in results.items()}
    small_read = ours_["read 1 KiB"].rate() / base["read 1 KiB"].rate()
    big_read = ours_["read 1 MiB"].rate() / base["read 1 MiB"].rate()
    listing = base["full listing, 1,000 files"].rate() / ours_["full listing, 1,000 files"].rate()
    first_page = ours_["first page, 100,000 files"].pct(0.5) / ours_["first page, 1,000 files"].pct(0.5)
    lines += [
        "",
        "| ratio | value | target |",
        "|---|---:|---|",
        f"| read 1 KiB throughput, ours / minimal | {small_read:.2f}× | ≥ 0.9× |",
        f"| read 1 MiB throughput, ours / minimal | {big_read:.2f}× | ≥ 0.9× |",
        f"| full listing of 1,000 files, time ours / minimal | {listing:.2f}× | (issue 9: ≤ 1.2×) |",
        f"| first page, 100,000-file tree / 1,000-file tree (ours, p50) | {first_page:.2f}× | ≤ 2× |",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--reads", type=int, default=800, help="1 KiB reads per round")
    parser.add_argument("--big-reads", type=int, default=20, help="1 MiB reads per round")
    parser.add_argument("--listings", type=int, default=5, help="full 1,000-file listings per round")
    parser.add_argument("--pages", type=int, default=20, help="first-page requests per round and tree")
    parser.add_argument(
        "--mode", choices=["legacy", "auto"], default="legacy", help="protocol era of the client"
    )
    parser.add_argument("--flat", action="store_true", help="also time a flat folder of 100,000 files")
    parser.add_argument("--quick", action="store_true", help="a fast smoke run")
    parser.add_argument("--json", type=Path, help="also write raw samples here")
    args = parser.parse_args()
    if args.quick:
        args.rounds, args.reads, args.big_reads, args.listings, args.pages = 2, 50, 3, 1, 3
    results = anyio.run(run, args)
    print(report(results, args))
    if args.json:
        raw = {sc: {sv: s.samples for sv, s in per.items()} for sc, per in results.items()}
        args.json.write_text(json.dumps(raw), encoding="utf-8")


if __name__ == "__main__":
    main()
