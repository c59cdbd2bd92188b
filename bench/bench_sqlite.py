"""Benchmark: the sqlite provider over stdio on a 1,000,000-row table, against baselines in the same run.

    .venv/bin/python bench/bench_sqlite.py            # defaults used for docs/benchmarks.md
    .venv/bin/python bench/bench_sqlite.py --quick    # a fast smoke run

One mcp-resources server is spawned over stdio with a filesystem provider (a
1 KiB file) and a sqlite provider (a generated 1,000,000-row table), and driven
by the SDK's client. Requests of the compared scenarios alternate one by one
(ABBA), so drift on the machine affects all alike:

- a 100-row primary-key range (`tables/events/rows?limit=100`, following `next`)
  against a read of the 1 KiB file: what a page of rows costs over plain MCP;
- `SELECT COUNT(*)` through `query?sql=` against the same COUNT on a raw
  aiosqlite connection in this process, plus the 1 KiB read as the MCP overhead;
- ping while a runaway recursive query runs (until the provider's time limit
  interrupts it), against ping while idle.

The database is generated in a temporary folder (nothing is committed) and removed afterwards.
"""

from __future__ import annotations

import argparse
import gc
import os
import platform
import random
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
import warnings
from importlib.metadata import version
from pathlib import Path
from urllib.parse import quote

import aiosqlite
import anyio
from mcp import Client, MCPDeprecationWarning, MCPError, StdioServerParameters
from measure import interleaved, pct, samples_table, timed

ROWS = 1_000_000
SAME_BYTES = "a 100-row page's bytes, as a file"
RUNAWAY = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c"


def make_database(path: Path) -> None:
    rng = random.Random(4)
    kinds = ["click", "view", "purchase", "signup", "logout"]
    with sqlite3.connect(path) as db:
        db.execute(
            "CREATE TABLE events(id INTEGER PRIMARY KEY, user_id INTEGER NOT NULL, kind TEXT NOT NULL,"
            " amount REAL, note TEXT)"
        )
        for start in range(0, ROWS, 50_000):
            db.executemany(
                "INSERT INTO events VALUES (?, ?, ?, ?, ?)",
                (
                    (i + 1, rng.randrange(10_000), kinds[i % 5], round(rng.random() * 100, 2), f"event {i}")
                    for i in range(start, start + 50_000)
                ),
            )
        db.execute("CREATE INDEX events_user ON events(user_id)")
    path.with_name(path.name + "-journal").unlink(missing_ok=True)


def server(work: Path) -> StdioServerParameters:
    config = work / "bench.toml"
    config.write_text(
        '[server]\nlog_level = "warning"\n'
        '[providers.files]\ntype = "filesystem"\nroot = "files"\n'
        '[providers.db]\ntype = "sqlite"\npath = "events.db"\ntime_limit_ms = 1000\n',
        encoding="utf-8",
    )
    args = ["-m", "mcp_resources", "serve", str(config)]
    # The SDK passes on only a few variables; PYTHONPATH lets a checkout run without installing it.
    env = {"PYTHONPATH": os.environ["PYTHONPATH"]} if "PYTHONPATH" in os.environ else None
    return StdioServerParameters(command=sys.executable, args=args, cwd=str(work), env=env)


class RowPages:
    """Reads 100-row primary-key ranges one after another, as a client following `next` does."""

    def __init__(self, client: Client) -> None:
        self.client = client
        self.uri = "db://tables/events/rows?limit=100"

    async def __call__(self) -> None:
        first = (await self.client.read_resource(self.uri)).contents[0]
        text = getattr(first, "text", "")
        start = text.rfind('"next": "')
        if start < 0:
            raise RuntimeError("no next page")
        self.uri = text[start + 9 : text.index('"', start + 9)]


async def runaway_pings(client: Client, pinger: Client, times: int) -> tuple[list[float], list[float]]:
    """Ping latencies while a runaway query runs, and how long each runaway took to be stopped."""
    pings: list[float] = []
    stopped: list[float] = []
    for _ in range(times):
        done = anyio.Event()

        async def runaway(done: anyio.Event = done) -> None:
            start = time.perf_counter()
            try:
                await client.read_resource(f"db://query?sql={quote(RUNAWAY)}")
            except MCPError as exc:
                if "time limit" not in exc.error.message:
                    raise
            else:
                raise RuntimeError("the runaway query finished")
            stopped.append(time.perf_counter() - start)
            done.set()

        async with anyio.create_task_group() as tg:
            tg.start_soon(runaway)
            await anyio.sleep(0.05)  # lets the query start; pings then run until it is stopped
            while not done.is_set():
                pings.append(await timed(pinger.send_ping))
                await anyio.sleep(0.01)  # paces the pings (load shape, not synchronisation)
    return pings, stopped


async def run(args: argparse.Namespace) -> str:
    work = Path(tempfile.mkdtemp(prefix="mcpr-bench-sqlite-"))
    try:
        started = time.perf_counter()
        (work / "files").mkdir()
        (work / "files" / "kib.txt").write_bytes(b"x" * 1023 + b"\n")
        make_database(work / "events.db")
        size = (work / "events.db").stat().st_size
        print(
            f"{ROWS:,}-row database ({size / 2**20:.0f} MiB) in {time.perf_counter() - started:.1f}s",
            file=sys.stderr,
        )
        samples: dict[str, list[float]] = {}
        count_sql = "db://query?sql=" + quote("SELECT COUNT(*) FROM events")
        async with (
            Client(server(work), mode="legacy", cache=None) as client,
            Client(server(work), mode="legacy", cache=None) as pinger,
            aiosqlite.connect(f"file:{work / 'events.db'}?mode=ro", uri=True) as raw,
        ):

            async def raw_count() -> None:
                async with raw.execute("SELECT COUNT(*) FROM events") as cursor:
                    assert (await cursor.fetchone()) == (ROWS,)

            async def kib() -> None:
                await client.read_resource("files://kib.txt")

            async def mcp_count() -> None:
                await client.read_resource(count_sql)

            pages = RowPages(client)
            # The same bytes as a 100-row page, served as a file: what is left of the gap is our work.
            page = (await client.read_resource("db://tables/events/rows?limit=100")).contents[0]
            (work / "files" / "page.json").write_text(getattr(page, "text", ""), encoding="utf-8")

            async def same_bytes() -> None:
                await client.read_resource("files://page.json")

            for op in (kib, pages, same_bytes, mcp_count, raw_count):  # warm up: first opens, caches
                await op()
            gc.collect()
            gc.freeze()  # keep the client's long-lived objects out of its own collections
            for round_no in range(args.rounds):
                await interleaved(
                    args.reads,
                    {"read 1 KiB file": kib, "100-row PK range": pages, SAME_BYTES: same_bytes},
                    samples,
                )
                await interleaved(
                    args.counts,
                    {
                        "COUNT via MCP": mcp_count,
                        "COUNT raw aiosqlite": raw_count,
                        "read 1 KiB (overhead)": kib,
                    },
                    samples,
                )
                print(f"round {round_no + 1}/{args.rounds} done", file=sys.stderr)
            for _ in range(args.idle_pings):
                samples.setdefault("ping, idle", []).append(await timed(pinger.send_ping))
                await anyio.sleep(0.01)
            pings, stopped = await runaway_pings(client, pinger, args.runaways)
            samples["ping, runaway query running"] = pings
        return report(samples, stopped, args)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def report(samples: dict[str, list[float]], stopped: list[float], args: argparse.Namespace) -> str:
    med = {name: statistics.median(values) * 1000 for name, values in samples.items()}
    lines = [
        f"- date: {time.strftime('%Y-%m-%d')}; Python {platform.python_version()}; mcp {version('mcp')}; "
        f"SQLite {sqlite3.sqlite_version}; {os.cpu_count()} CPUs; client mode `legacy`; {args.rounds} rounds",
        "",
        *samples_table(samples),
    ]
    page_ratio = med["100-row PK range"] / med["read 1 KiB file"]
    busy, idle = pct(samples["ping, runaway query running"], 0.99), pct(samples["ping, idle"], 0.99)
    count_ratio = med["COUNT via MCP"] / (med["COUNT raw aiosqlite"] + med["read 1 KiB (overhead)"])
    lines += [
        "",
        "| ratio (medians) | value | target |",
        "|---|---:|---|",
        f"| 100-row PK range / 1 KiB file read | {page_ratio:.2f}× | ≤ 1.3× |",
        f"| the same bytes as a file / 1 KiB file read | {med[SAME_BYTES] / med['read 1 KiB file']:.2f}× |"
        " (payload alone) |",
        f"| COUNT via MCP / (raw aiosqlite COUNT + 1 KiB read) | {count_ratio:.2f}× | ≤ 1.2× |",
        f"| ping p99 with a runaway query running / idle | {busy:.1f} / {idle:.1f} ms | stays responsive |",
        f"| runaway query stopped after (time limit 1,000 ms) | {statistics.median(stopped) * 1000:.0f} ms"
        f" median, {max(stopped) * 1000:.0f} ms max | interrupted, not abandoned |",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--reads", type=int, default=300, help="page/file reads per round")
    parser.add_argument("--counts", type=int, default=20, help="COUNT(*) triples per round")
    parser.add_argument("--idle-pings", type=int, default=300)
    parser.add_argument("--runaways", type=int, default=5, help="runaway queries to ping through")
    parser.add_argument("--quick", action="store_true", help="a fast smoke run")
    args = parser.parse_args()
    # ping is a handshake-era method; the SDK warns about it whatever the client's mode.
    warnings.filterwarnings("ignore", "ping is removed", category=MCPDeprecationWarning)
    if args.quick:
        args.rounds, args.reads, args.counts, args.idle_pings, args.runaways = 2, 50, 5, 50, 1
    print(anyio.run(run, args))


if __name__ == "__main__":
    main()
