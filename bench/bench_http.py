"""Streamable HTTP under load: 64 clients reading while 64 more hold subscriptions through a file churn.

    .venv/bin/python bench/bench_http.py [--seconds 10] [--rounds 2]

Two servers, each started fresh, in ABAB order: `mcp-resources serve --http` (bearer-token
auth, scopes, DNS-rebinding guard, rate limit on but roomy, metrics) and the SDK's minimal
HTTP server (bench/minimal_http_server.py: `Server.streamable_http_app()` at its defaults,
no auth). Per round and server: 64 subscriber clients connect (32 handshake-era
`resources/subscribe`, 32 2026-07-28 listen streams, one file each); a writer rewrites those
64 files round-robin 40 times a second; 64 reader clients (2026-07-28, the SDK's default
client) read 1 KiB files as fast as they can for `--seconds`. Reported: reads/s, read p50/p99,
errors, and notifications received. Everything runs on 127.0.0.1; loops stop by themselves.
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
import socket
import sys
import tempfile
import time
import warnings
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path

import anyio
import httpx2
import mcp_types as types
from mcp import Client, MCPDeprecationWarning
from mcp.client.streamable_http import streamable_http_client
from measure import pct

HERE = Path(__file__).parent
TOKEN = "bench-token-0123456789abcdef"
FILES = 256
READERS = SUBSCRIBERS = 64
WRITES_PER_S = 40


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def make_files(root: Path) -> None:
    root.mkdir()
    for i in range(FILES):
        (root / f"f{i:03}.txt").write_text(f"{i:03} " + "x" * 1019 + "\n")


def ours(work: Path, root: Path, port: int) -> tuple[list[str], str, dict[str, str]]:
    config = work / "mcp-resources.toml"
    digest = hashlib.sha256(TOKEN.encode()).hexdigest()
    config.write_text(
        f'[server]\nlog_level = "warning"\n[prompts]\nlibrary = false\n'
        f"[http]\nrate_limit = {{ per_second = 100000, burst = 100000 }}\n"
        f'[[http.tokens]]\nprincipal = "bench"\nscopes = ["*"]\nsha256 = "{digest}"\n'
        f'[providers.files]\ntype = "filesystem"\nroot = "{root}"\n'
    )
    command = [sys.executable, "-m", "mcp_resources", "serve", str(config), "--http", f"127.0.0.1:{port}"]
    return command, "files://", {"Authorization": f"Bearer {TOKEN}"}


def minimal(work: Path, root: Path, port: int) -> tuple[list[str], str, dict[str, str]]:
    return [sys.executable, str(HERE / "minimal_http_server.py"), str(root), str(port)], "min://", {}


@asynccontextmanager
async def started(command: list[str], port: int) -> AsyncIterator[None]:
    async with await anyio.open_process(command, stdout=None, stderr=None) as process:
        with anyio.fail_after(60):
            while True:  # a benchmark may poll for readiness; tests wait on the log line instead
                try:
                    httpx2.get(f"http://127.0.0.1:{port}/", timeout=1)
                    break
                except httpx2.TransportError:
                    await anyio.sleep(0.05)
        try:
            yield
        finally:
            process.terminate()
            await process.wait()


@asynccontextmanager
async def connected(
    url: str, headers: dict[str, str], mode: str, on_message: Callable[..., object] | None = None
):  # type: ignore[no-untyped-def]
    async with (
        httpx2.AsyncClient(headers=headers, timeout=60) as http,
        Client(
            streamable_http_client(url, http_client=http),
            mode=mode,  # type: ignore[arg-type]
            cache=None,
            message_handler=on_message,  # type: ignore[arg-type]
        ) as client,
    ):
        yield client


async def one_round(make, work: Path, root: Path, seconds: float) -> dict[str, float]:  # type: ignore[no-untyped-def]
    port = free_port()
    command, prefix, headers = make(work, root, port)
    url = f"http://127.0.0.1:{port}/mcp"
    latencies: list[float] = []
    errors = 0
    heard = 0
    async with started(command, port), anyio.create_task_group() as tg:
        ready = anyio.Semaphore(0)
        stop = anyio.Event()

        async def on_message(message: object) -> None:
            nonlocal heard
            if isinstance(message, types.ResourceUpdatedNotification):
                heard += 1

        async def subscriber(i: int) -> None:
            nonlocal heard, errors
            uri = f"{prefix}f{i:03}.txt"
            try:
                if i % 2:
                    async with connected(url, headers, "legacy", on_message) as client:
                        with warnings.catch_warnings():
                            warnings.simplefilter("ignore", MCPDeprecationWarning)
                            await client.subscribe_resource(uri)
                        ready.release()
                        await stop.wait()
                else:
                    async with (
                        connected(url, headers, "auto") as client,
                        client.listen(resource_subscriptions=[uri]) as sub,
                    ):
                        ready.release()
                        with anyio.move_on_after(seconds + 30):
                            async for _ in sub:
                                heard += 1
                                if stop.is_set():
                                    break
            except Exception:
                errors += 1
                ready.release()

        go = anyio.Event()
        deadline = 0.0

        async def reader(i: int) -> None:
            nonlocal errors
            async with connected(url, headers, "auto") as client:
                await client.read_resource(f"{prefix}f{i:03}.txt")  # connected and warm
                ready.release()
                await go.wait()
                for n in itertools.count(i):
                    if time.perf_counter() > deadline:
                        return
                    began = time.perf_counter()
                    try:
                        await client.read_resource(f"{prefix}f{n % FILES:03}.txt")
                    except Exception:
                        errors += 1
                    latencies.append(time.perf_counter() - began)

        async def writer(deadline: float) -> None:
            for n in itertools.count():
                if time.perf_counter() > deadline:
                    return
                (root / f"f{n % SUBSCRIBERS:03}.txt").write_text(f"{n} " + "y" * 1019 + "\n")
                await anyio.sleep(1 / WRITES_PER_S)

        for i in range(SUBSCRIBERS):
            tg.start_soon(subscriber, i)
        with anyio.fail_after(120):
            for _ in range(SUBSCRIBERS):
                await ready.acquire()
        async with anyio.create_task_group() as load:
            for i in range(READERS):
                load.start_soon(reader, i)
            with anyio.fail_after(120):
                for _ in range(READERS):
                    await ready.acquire()
            began = time.perf_counter()
            deadline = began + seconds
            go.set()
            load.start_soon(writer, deadline)
        elapsed = time.perf_counter() - began
        await anyio.sleep(1)  # let the last notifications arrive before counting
        stop.set()
        # Wake listen loops blocked on an idle stream.
        tg.cancel_scope.cancel()
    return {
        "reads": len(latencies),
        "rps": len(latencies) / elapsed,
        "p50": pct(latencies, 0.5),
        "p99": pct(latencies, 0.99),
        "errors": errors,
        "heard": heard,
    }


async def run(args: argparse.Namespace) -> str:
    servers = {"mcp-resources (auth, scopes, guard, metrics)": ours, "SDK minimal HTTP server": minimal}
    results: dict[str, list[dict[str, float]]] = {name: [] for name in servers}
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        for round_ in range(args.rounds):
            for name in servers if round_ % 2 == 0 else reversed(list(servers)):
                root = work / f"root-{round_}-{len(results[name])}-{abs(hash(name)) % 1000}"
                make_files(root)
                results[name].append(await one_round(servers[name], work, root, args.seconds))
                print(name, results[name][-1], file=sys.stderr)
    lines = [
        f"{READERS} readers + {SUBSCRIBERS} subscribers, {WRITES_PER_S} file writes/s, "
        f"{args.seconds:g} s per round, {args.rounds} round(s) each (best round shown)",
        "",
        "| server | reads/s | read p50 ms | read p99 ms | errors | notifications received |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for name, rounds in results.items():
        best = max(rounds, key=lambda r: r["rps"])
        errors = sum(int(r["errors"]) for r in rounds)
        lines.append(
            f"| {name} | {best['rps']:.0f} | {best['p50']:.1f} | {best['p99']:.1f} | {errors} | "
            f"{int(best['heard'])} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--rounds", type=int, default=2)
    print(anyio.run(run, parser.parse_args()))


if __name__ == "__main__":
    main()
