"""Benchmark: start-up (spawn to initialized) and memory of mcp-resources against the minimal SDK server.

    .venv/bin/python bench/bench_startup.py            # defaults used for docs/benchmarks.md
    .venv/bin/python bench/bench_startup.py --quick    # a fast smoke run

Each round spawns every server (see stdio_servers.py) in turn, in ABBA order, and
times `Client(...)` from the spawn until the `initialize` handshake is done, with the
same SDK client. Ours runs a filesystem-only config (the default prompt library
included). Once initialized and idle for a second, the resident memory (VmRSS) of
each server process is read from /proc (Linux), and that of its child processes
(our prompt worker, which renders the library's prompts in a sandbox) apart.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import tempfile
import time
from importlib.metadata import version
from pathlib import Path

import anyio
from mcp import Client
from stdio_servers import Server, minimal, node, node_command, ours


def children(pid: int) -> set[int]:
    found: set[int] = set()
    for task in os.listdir(f"/proc/{pid}/task"):
        with open(f"/proc/{pid}/task/{task}/children", encoding="ascii") as file:
            found.update(int(child) for child in file.read().split())
    return found


def rss_mib(pid: int) -> float:
    with open(f"/proc/{pid}/status", encoding="ascii") as file:
        for line in file:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


async def start_once(server: Server, settle: float) -> tuple[float, float, float]:
    """(seconds to initialized, server RSS MiB, its children's RSS MiB)."""
    before = children(os.getpid())
    started = time.perf_counter()
    async with Client(server.params, mode="legacy", cache=None):
        took = time.perf_counter() - started
        [pid] = children(os.getpid()) - before
        await anyio.sleep(settle)  # not a synchronisation: memory is read once start-up work is over
        return took, rss_mib(pid), sum(rss_mib(child) for child in children(pid))


async def run(args: argparse.Namespace, work: Path) -> dict[str, list[tuple[float, float, float]]]:
    (work / "root").mkdir()
    (work / "root" / "kib.txt").write_bytes(b"x" * 1023 + b"\n")
    servers = [ours(work / "root", work), minimal(work / "root", work)]
    command = node_command()
    if isinstance(command, str):
        print(f"without the Node server: {command}")
    else:
        servers.append(node(work / "root", work, command))
    results: dict[str, list[tuple[float, float, float]]] = {s.name: [] for s in servers}
    for round_no in range(args.rounds):
        for server in servers if round_no % 2 == 0 else reversed(servers):
            results[server.name].append(await start_once(server, args.settle))
    return results


def report(results: dict[str, list[tuple[float, float, float]]], args: argparse.Namespace) -> str:
    lines = [
        f"- date: {time.strftime('%Y-%m-%d')}; Python {platform.python_version()}; mcp {version('mcp')}; "
        f"{os.cpu_count()} CPUs; {args.rounds} starts per server, alternating; RSS read {args.settle} s "
        f"after initialize; load average (1 min) {os.getloadavg()[0]:.1f} at the end",
        "",
        "| server | start-up p50 ms | min ms | p90 ms | RSS MiB (median) | its child processes, MiB |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    medians = {}
    for name, samples in results.items():
        times = sorted(t for t, _, _ in samples)
        medians[name] = statistics.median(times)
        rss = statistics.median(r for _, r, _ in samples)
        kids = statistics.median(k for _, _, k in samples)
        p90 = times[min(len(times) - 1, int(0.9 * len(times)))]
        lines.append(
            f"| {name} | {medians[name] * 1000:.0f} | {times[0] * 1000:.0f} | {p90 * 1000:.0f} | "
            f"{rss:.1f} | {kids:.1f} |"
        )
    ours_rss = statistics.median(r for _, r, _ in results["mcp-resources"])
    lines += [
        "",
        "| measure | value | target |",
        "|---|---:|---|",
        f"| start-up to initialized, ours / minimal SDK server (medians) | "
        f"{medians['mcp-resources'] / medians['minimal SDK server']:.2f}× | ≤ 1.1× |",
        f"| RSS after start, ours | {ours_rss:.1f} MiB | ≤ 80 MiB |",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rounds", type=int, default=40, help="starts per server")
    parser.add_argument("--settle", type=float, default=1.0, help="seconds idle before reading RSS")
    parser.add_argument("--quick", action="store_true", help="a fast smoke run")
    args = parser.parse_args()
    if args.quick:
        args.rounds, args.settle = 4, 0.5
    work = Path(tempfile.mkdtemp(prefix="mcpr-startup-"))
    try:
        results = anyio.run(run, args, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(report(results, args))


if __name__ == "__main__":
    main()
