"""Benchmark: prompts/get over stdio against a resources/read of the same file, in the same run.

    .venv/bin/python bench/bench_prompts.py            # defaults used for docs/benchmarks.md
    .venv/bin/python bench/bench_prompts.py --quick    # a fast smoke run

One mcp-resources server is spawned over stdio with a filesystem provider (a
1 KiB file) and a prompt folder, and driven by the SDK's client, alternating
request by request (ABBA):

- `resources/read` of the 1 KiB file (the baseline);
- `prompts/get` of a prompt embedding that file (render in a worker process,
  then the read through the App);
- `prompts/get` of a prompt with text only (the render alone).

Then the cost of the sandbox's wall-clock limit: a runaway template is killed
at `time_limit_ms` (500 here), and the next render waits for a new worker.

Everything is generated in a temporary folder and removed afterwards.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
from importlib.metadata import version
from pathlib import Path

import anyio
from mcp import Client, MCPError, StdioServerParameters
from measure import interleaved, samples_table, timed

PROMPTS = {
    "embed.j2": 'Summarise this file.\n{{ resource("files://note.txt") }}',
    "text.j2": "Write a haiku about {{ topic }}, in {{ language }}.",
    "spin.j2": "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}",
}


def server(work: Path) -> StdioServerParameters:
    (work / "files").mkdir()
    (work / "files" / "note.txt").write_text("x" * 1023 + "\n")
    (work / "prompts").mkdir()
    for name, text in PROMPTS.items():
        (work / "prompts" / name).write_text(text)
    config = work / "bench.toml"
    config.write_text(
        '[server]\nlog_level = "error"\n'
        '[prompts]\ndirs = ["prompts"]\nlibrary = false\ntime_limit_ms = 500\nwatch = false\n'
        '[providers.files]\ntype = "filesystem"\nroot = "files"\nwatch = false\n',
        encoding="utf-8",
    )
    return StdioServerParameters(
        command=sys.executable, args=["-m", "mcp_resources", "serve", str(config)], cwd=str(work)
    )


async def run(args: argparse.Namespace) -> str:
    work = Path(tempfile.mkdtemp(prefix="bench-prompts-"))
    samples: dict[str, list[float]] = {}
    recovery: list[float] = []
    try:
        async with Client(server(work), mode="legacy") as client:
            haiku = {"topic": "tea", "language": "en"}
            ops = {
                "resources/read 1 KiB file": lambda: client.read_resource("files://note.txt"),
                "prompts/get embedding that file": lambda: client.get_prompt("embed"),
                "prompts/get, text only": lambda: client.get_prompt("text", haiku),
            }
            await interleaved(20, ops, {})  # warm up: both workers started, pages cached
            for _ in range(args.rounds):
                await interleaved(args.reads, ops, samples)
            for _ in range(args.kills):
                try:
                    await client.get_prompt("spin")
                except MCPError:
                    pass
                recovery.append(await timed(lambda: client.get_prompt("text", haiku)))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return report(samples, recovery, args)


def report(samples: dict[str, list[float]], recovery: list[float], args: argparse.Namespace) -> str:
    med = {name: statistics.median(values) * 1000 for name, values in samples.items()}
    lines = [
        f"- date: {time.strftime('%Y-%m-%d')}; Python {platform.python_version()}; mcp {version('mcp')}; "
        f"jinja2 {version('jinja2')}; {os.cpu_count()} CPUs; client mode `legacy`; {args.rounds} rounds",
        "",
        *samples_table(samples),
    ]
    base = med["resources/read 1 KiB file"]
    embed, text = med["prompts/get embedding that file"] / base, med["prompts/get, text only"] / base
    recovered = statistics.median(recovery) * 1000
    lines += [
        "",
        "| ratio (medians) | value |",
        "|---|---:|",
        f"| prompts/get embedding the file / resources/read of it | {embed:.2f}× |",
        f"| prompts/get, text only / resources/read | {text:.2f}× |",
        f"| first render after a runaway one was killed (new worker) | {recovered:.0f} ms, median of"
        f" {len(recovery)} |",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--reads", type=int, default=200, help="requests of each kind per round")
    parser.add_argument("--kills", type=int, default=5, help="runaway renders to recover from")
    parser.add_argument("--quick", action="store_true", help="a fast smoke run")
    args = parser.parse_args()
    if args.quick:
        args.rounds, args.reads, args.kills = 2, 30, 1
    print(anyio.run(run, args))


if __name__ == "__main__":
    main()
