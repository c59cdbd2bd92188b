"""Benchmark: mcp-resources over stdio against a minimal SDK server and Node's reference server, same run.

    .venv/bin/python bench/bench_stdio.py --flat --rounds 20             # what docs/benchmarks.md records
    .venv/bin/python bench/bench_stdio.py --flat --rounds 20 --block 1   # every request to another server
    .venv/bin/python bench/bench_stdio.py --quick                          # a fast smoke run

The servers (see stdio_servers.py: ours on its own stdio transport and on the SDK's,
the minimal SDK server, the Node reference filesystem server) are spawned over stdio
and driven by the same SDK client. The servers take turns (ABBA...), 50 requests at a time
by default, so drift on the machine affects all alike while each server is measured as a
client talking to it sees it; `--block 1` alternates every request. Scenarios: read 1 KiB and 1 MiB
(all servers), full paginated listing of a 1,000-file tree (all that list), and the
first `resources/list` page of a 1,000-file and a 100,000-file tree (ours and minimal).
The trees are generated in a temporary folder (nothing is committed) and removed afterwards.
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
from collections.abc import Callable
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from importlib.metadata import version
from pathlib import Path

import anyio
from mcp import Client
from measure import Op
from stdio_servers import Server, minimal, node, node_command, ours, ours_name


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


def first_page(client: Client, server: Server) -> Op:
    return client.list_resources


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


async def paired(series: dict[str, Series], count: int, ops: dict[str, Op], block: int) -> None:
    """Run each server's operation `count` times, taking turns `block` requests at a time.

    The servers take turns in ABBA order, so a slow moment of the machine hits
    every server alike; each server's total is its own service time only. With
    `block = 1` every request goes to a different server than the one before,
    which measures cold caches and wake-ups on both sides as much as the server.
    """
    order = list(ops)
    totals = dict.fromkeys(ops, 0.0)
    block = max(1, min(block, count // 2))
    turns = [block] * (count // block) + ([count % block] if count % block else [])
    for i, size in enumerate(turns):
        for server in order if i % 2 == 0 else reversed(order):
            samples = series.setdefault(server, Series()).samples
            for _ in range(size):
                start = time.perf_counter()
                await ops[server]()
                took = time.perf_counter() - start
                samples.append(took)
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


OURS, SDK, MINIMAL, NODE = (
    ours_name("own"),
    ours_name("sdk"),
    "minimal SDK server",
    "Node server-filesystem",
)
LISTING = "full listing, 1,000 files"


async def run(args: argparse.Namespace) -> dict[str, dict[str, Series]]:
    work = Path(tempfile.mkdtemp(prefix="mcpr-bench-"))
    try:
        started = time.perf_counter()
        roots = make_fixtures(work / "data", args.flat)
        print(f"fixtures ready in {time.perf_counter() - started:.1f}s", file=sys.stderr)
        command = node_command()
        if isinstance(command, str):
            print(f"without the Node server: {command}", file=sys.stderr)

        def compared(root: Path, *, sdk: bool = False) -> list[Server]:
            return [ours(root, work), *([ours(root, work, "sdk")] if sdk else []), minimal(root, work)]

        # Our server on the SDK's transport, and Node's, where it says something: reads and listing.
        servers = {"small": compared(roots["small"], sdk=True), "tree1k": compared(roots["tree1k"], sdk=True)}
        servers["tree100k"] = compared(roots["tree100k"])
        if args.flat:
            servers["flat100k"] = compared(roots["flat100k"])
        if not isinstance(command, str):
            servers["small"].append(node(roots["small"], work, command))
        results: dict[str, dict[str, Series]] = {}
        async with AsyncExitStack() as stack:
            clients: dict[str, dict[str, tuple[Client, Server]]] = {}
            for root_name, spawned in servers.items():
                for server in spawned:
                    client = await stack.enter_async_context(
                        Client(server.params, mode=args.mode, cache=None)
                    )
                    clients.setdefault(root_name, {})[server.name] = (client, server)
            for client, server in clients["tree1k"].values():
                assert await full_listing(client) == 1000, server.name
            # Warm-up, not measured: V8 compiles the Node server's hot paths after a few
            # hundred calls, and every server fills its caches.
            for client, server in clients["small"].values():
                for _ in range(300):
                    await server.read(client, "kib.txt")

            def each(root: str, make_op: Callable[[Client, Server], Op]) -> dict[str, Op]:
                return {name: make_op(client, server) for name, (client, server) in clients[root].items()}

            # The client's own full garbage collections (~45 ms here) would land on
            # whichever request allocates most; keep the long-lived client objects
            # out of them so p99 speaks of the servers.
            gc.collect()
            gc.freeze()
            # Each scenario's rounds run back to back, so what a heavy scenario leaves behind
            # (a server's garbage collection after 1 MiB replies) does not land on a light one.
            scenarios: list[tuple[str, str, int, Callable[[Client, Server], Op]]] = [
                ("read 1 KiB", "small", args.reads, lambda c, s: functools.partial(s.read, c, "kib.txt")),
                ("read 1 MiB", "small", args.big_reads, lambda c, s: functools.partial(s.read, c, "mib.txt")),
                (LISTING, "tree1k", args.listings, lambda c, s: functools.partial(full_listing, c)),
            ]
            for root_name, label in (
                ("tree1k", "1,000"),
                ("tree100k", "100,000"),
                ("flat100k", "100,000 flat"),
            ):
                if root_name in clients:
                    scenarios.append((f"first page, {label} files", root_name, args.pages, first_page))
            for scenario, root_name, count, make_op in scenarios:
                ops = each(root_name, make_op)
                if scenario.startswith("first page"):
                    ops.pop(SDK, None)  # the transport does not change what a page costs to find
                for _ in range(args.rounds):
                    await paired(results.setdefault(scenario, {}), count, ops, args.block)
                print(f"{scenario}: done", file=sys.stderr)
        return results
    finally:
        shutil.rmtree(work, ignore_errors=True)


def report(results: dict[str, dict[str, Series]], args: argparse.Namespace, load: tuple[str, str]) -> str:
    lines = [
        f"- date: {time.strftime('%Y-%m-%d')}; Python {platform.python_version()}; mcp {version('mcp')}; "
        f"{os.cpu_count()} CPUs; client mode `{args.mode}`; {args.rounds} rounds, "
        f"servers taking turns {args.block} request(s) at a time (ABBA); load average (1 min) "
        f"{load[0]} at the start, {load[1]} at the end",
        "",
        "| scenario | server | ops/s (median of rounds) | p50 ms | p99 ms |",
        "|---|---|---:|---:|---:|",
    ]
    for scenario, per_server in results.items():
        for server, s in per_server.items():
            lines.append(
                f"| {scenario} | {server} | {s.rate():,.1f} | {s.pct(0.5):.2f} | {s.pct(0.99):.2f} |"
            )

    def ratio(scenario: str, a: str, b: str) -> str:
        per = results[scenario]
        return f"{per[a].rate() / per[b].rate():.2f}×" if a in per and b in per else "n/a"

    first_page = results["first page, 100,000 files"][OURS].pct(0.5) / results["first page, 1,000 files"][
        OURS
    ].pct(0.5)
    rows = [
        ("read 1 KiB throughput, ours / minimal SDK server", ratio("read 1 KiB", OURS, MINIMAL), "≥ 1.5×"),
        ("read 1 KiB throughput, ours / Node server-filesystem", ratio("read 1 KiB", OURS, NODE), "≥ 1.3×"),
        ("read 1 MiB throughput, ours / minimal SDK server", ratio("read 1 MiB", OURS, MINIMAL), "≥ 1.0×"),
        ("full listing of 1,000 files, time ours / minimal", ratio(LISTING, MINIMAL, OURS), "≤ 1.2×"),
        ("first page, 100,000-file tree / 1,000-file tree (ours, p50)", f"{first_page:.2f}×", "≤ 2×"),
        ("read 1 KiB throughput, ours on the SDK transport / minimal", ratio("read 1 KiB", SDK, MINIMAL), ""),
        (
            "read 1 KiB throughput, our transport / the SDK's (same server)",
            ratio("read 1 KiB", OURS, SDK),
            "",
        ),
    ]
    lines += ["", "| ratio | value | target |", "|---|---:|---|"]
    lines += [f"| {name} | {value} | {target} |" for name, value, target in rows]
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
    parser.add_argument(
        "--block",
        type=int,
        default=50,
        help="requests a server answers in a row before the next one's turn (1: alternate every request)",
    )
    parser.add_argument("--flat", action="store_true", help="also time a flat folder of 100,000 files")
    parser.add_argument("--quick", action="store_true", help="a fast smoke run")
    parser.add_argument("--json", type=Path, help="also write raw samples here")
    args = parser.parse_args()
    if args.quick:
        args.rounds, args.reads, args.big_reads, args.listings, args.pages = 2, 50, 3, 1, 3
    load = os.getloadavg()[0]
    results = anyio.run(run, args)
    print(report(results, args, (f"{load:.1f}", f"{os.getloadavg()[0]:.1f}")))
    if args.json:
        raw = {sc: {sv: s.samples for sv, s in per.items()} for sc, per in results.items()}
        args.json.write_text(json.dumps(raw), encoding="utf-8")


if __name__ == "__main__":
    main()
