"""Benchmark: write -> notification, mcp-resources against a minimal SDK + watchfiles server.

    .venv/bin/python bench/bench_notify.py            # the run recorded in docs/benchmarks.md
    .venv/bin/python bench/bench_notify.py --quick    # a fast smoke run

Both servers are spawned over stdio and driven by the SDK's client in the handshake era
(`resources/subscribe`, which the minimal server also serves). Measured, in one run:

- one file: write it, time until `notifications/resources/updated` reaches the client;
- a burst: write 1,000 subscribed files as fast as possible; time from the last write
  until every one of them has been announced, updates lost, and messages received;
- idle: CPU of each server process over 10 s while it watches a 100,000-file tree;
- RSS of mcp-resources watching that tree with 1,000 subscriptions.

The trees are generated in a temporary folder and removed afterwards.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from importlib.metadata import version
from pathlib import Path

import anyio
import mcp_types as types
from mcp import Client, MCPDeprecationWarning, StdioServerParameters

HERE = Path(__file__).parent
warnings.simplefilter("ignore", MCPDeprecationWarning)


@dataclass
class Inbox:
    """Arrival times of `resources/updated` per URI, and a count of everything received."""

    arrivals: dict[str, list[float]] = field(default_factory=dict)
    messages: int = 0
    changed: anyio.Event = field(default_factory=anyio.Event)
    pending: set[str] = field(default_factory=set)
    """URIs still waiting for an update (kept here so checking for the last one is O(1))."""

    async def __call__(self, message: object) -> None:
        if isinstance(message, types.ResourceUpdatedNotification):
            self.arrivals.setdefault(message.params.uri, []).append(time.perf_counter())
            self.pending.discard(message.params.uri)
        if not isinstance(message, Exception):
            self.messages += 1
        self.changed.set()

    async def wait(self, done: object, deadline: float) -> bool:
        """Wait until `done()` is true or `deadline` (perf_counter) passes."""
        while not done():  # type: ignore[operator]
            self.changed = anyio.Event()
            with anyio.move_on_at(deadline) as scope:
                await self.changed.wait()
            if scope.cancelled_caught:
                return bool(done())  # type: ignore[operator]
        return True


def make_tree(root: Path, dirs: int, per_dir: int) -> None:
    for d in range(dirs):
        folder = root / f"d{d:04d}"
        folder.mkdir(parents=True)
        for f in range(per_dir):
            fd = os.open(folder / f"f{f:04d}.txt", os.O_WRONLY | os.O_CREAT, 0o644)
            os.write(fd, b"v0\n")
            os.close(fd)


def servers(root: Path, work: Path) -> dict[str, tuple[StdioServerParameters, str]]:
    config = work / f"{root.name}.toml"
    config.write_text(
        f'[server]\nlog_level = "warning"\nmax_subscriptions = 5000\n'
        f'[providers.files]\ntype = "filesystem"\nroot = "{root}"\n',
        encoding="utf-8",
    )
    return {
        "minimal": (
            StdioServerParameters(
                command=sys.executable, args=[str(HERE / "minimal_notify_server.py"), str(root)]
            ),
            "min://",
        ),
        "mcp-resources": (
            StdioServerParameters(command=sys.executable, args=["-m", "mcp_resources", "serve", str(config)]),
            "files://",
        ),
    }


def pid_of(pattern: str) -> int:
    out = subprocess.run(["pgrep", "-n", "-f", pattern], capture_output=True, text=True, check=True).stdout
    return int(out.split()[0])


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


@contextlib.asynccontextmanager
async def connected(params: StdioServerParameters, inbox: Inbox) -> AsyncIterator[Client]:
    async with Client(params, mode="legacy", cache=None, message_handler=inbox) as client:
        yield client


async def ready(client: Client, inbox: Inbox, probe: Path, uri: str) -> None:
    """Write `probe` until its change is announced: the server's watcher is in place."""
    await client.subscribe_resource(uri)
    for _ in range(100):
        probe.write_text(str(time.time()))
        if await inbox.wait(lambda: uri in inbox.arrivals, time.perf_counter() + 0.2):
            return
    raise RuntimeError("the server never announced a change")


async def single_file(client: Client, inbox: Inbox, path: Path, uri: str, samples: int) -> list[float]:
    latencies = []
    for i in range(samples):
        # A lone write: the file has been quiet for longer than the watcher's 100 ms pause
        # between batches (folderwatch), which only paces sustained writing.
        await anyio.sleep(0.15)
        count = len(inbox.arrivals.get(uri, ()))
        start = time.perf_counter()
        path.write_text(f"v{i}\n")
        if await inbox.wait(lambda count=count: len(inbox.arrivals.get(uri, ())) > count, start + 5):
            latencies.append(inbox.arrivals[uri][count] - start)
    return latencies


async def burst(client: Client, inbox: Inbox, root: Path, prefix: str, files: int) -> dict[str, float]:
    paths = [root / f"d{i // 100:04d}" / f"f{i % 100:04d}.txt" for i in range(files)]
    uris = [prefix + str(p.relative_to(root)) for p in paths]
    for uri in uris:
        await client.subscribe_resource(uri)
    await anyio.sleep(0.3)
    before = {uri: len(inbox.arrivals.get(uri, ())) for uri in uris}
    messages = inbox.messages
    inbox.pending = set(uris)
    written: dict[str, float] = {}
    for path, uri in zip(paths, uris, strict=True):
        path.write_text(f"burst {time.time()}\n")
        written[uri] = time.perf_counter()
    last_write = time.perf_counter()

    await inbox.wait(lambda: not inbox.pending, last_write + 10)
    # An update counts only if it arrived after that file's write: the file's last change was told.
    lost = sum(1 for u in uris if not any(t >= written[u] for t in inbox.arrivals.get(u, ())[before[u] :]))
    delivered = max((inbox.arrivals[u][-1] for u in uris if inbox.arrivals.get(u)), default=last_write)
    for uri in uris:
        await client.unsubscribe_resource(uri)
    return {
        "after_last_write_ms": (delivered - last_write) * 1000,
        "lost": lost,
        "messages": inbox.messages - messages,
    }


async def run(args: argparse.Namespace) -> str:
    work = Path(tempfile.mkdtemp(prefix="mcpr-notify-bench-"))
    try:
        small, big = work / "small", work / "big"
        make_tree(small, 10, 100)
        started = time.perf_counter()
        make_tree(big, 1000, 100)
        print(f"100,000-file tree ready in {time.perf_counter() - started:.1f}s", file=sys.stderr)
        rows, notes = [], []
        for name in ("minimal", "mcp-resources"):
            params, prefix = servers(small, work)[name]
            inbox = Inbox()
            async with connected(params, inbox) as client:
                probe = small / "d0009" / "f0099.txt"
                await ready(client, inbox, probe, prefix + "d0009/f0099.txt")
                one = small / "d0000" / "f0000.txt"
                uri = prefix + "d0000/f0000.txt"
                await client.subscribe_resource(uri)
                latencies = sorted(await single_file(client, inbox, one, uri, args.samples))
                bursts = [await burst(client, inbox, small, prefix, 1000) for _ in range(args.bursts)]
            p50 = statistics.median(latencies) * 1000
            p99 = latencies[min(len(latencies) - 1, int(0.99 * len(latencies)))] * 1000
            after = statistics.median(b["after_last_write_ms"] for b in bursts)
            lost = sum(int(b["lost"]) for b in bursts)
            messages = statistics.median(b["messages"] for b in bursts)
            rows.append(f"| {name} | {p50:.1f} | {p99:.1f} | {after:.0f} | {lost} | {messages:.0f} |")

        for name in ("minimal", "mcp-resources"):
            params, prefix = servers(big, work)[name]
            inbox = Inbox()
            async with connected(params, inbox) as client:
                await ready(client, inbox, big / "d0999" / "f0099.txt", prefix + "d0999/f0099.txt")
                pid = pid_of("minimal_notify_server.py" if name == "minimal" else f"{big.name}.toml")
                await anyio.sleep(1)
                before = cpu_seconds(pid)
                await anyio.sleep(args.idle)
                idle = (cpu_seconds(pid) - before) / args.idle * 100
                rss_watching = rss_mib(pid)
                for i in range(1000):
                    await client.subscribe_resource(f"{prefix}d{i:04d}/f0000.txt")
                rss_subscribed = rss_mib(pid)
            notes.append(f"| {name} | {idle:.2f} % | {rss_watching:.0f} MiB | {rss_subscribed:.0f} MiB |")
        header = (
            f"- date: {time.strftime('%Y-%m-%d')}; Python {platform.python_version()}; mcp {version('mcp')}; "
            f"watchfiles {version('watchfiles')}; {os.cpu_count()} CPUs; handshake-era client\n\n"
            f"| server | one file p50 ms | one file p99 ms | 1,000-file burst: all told, ms after last write "
            f"| updates lost | messages per burst |\n|---|---:|---:|---:|---:|---:|\n"
        )
        idle_header = (
            "\n\n| server (100,000-file tree watched) | idle CPU | RSS | RSS + 1,000 subscriptions |\n"
            "|---|---:|---:|---:|\n"
        )
        return header + "\n".join(rows) + idle_header + "\n".join(notes)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--samples", type=int, default=200, help="single-file writes per server")
    parser.add_argument("--bursts", type=int, default=5, help="1,000-file bursts per server")
    parser.add_argument("--idle", type=float, default=10.0, help="seconds of idle CPU measurement")
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    if args.quick:
        args.samples, args.bursts, args.idle = 30, 1, 3.0
    print(anyio.run(run, args))


if __name__ == "__main__":
    main()
