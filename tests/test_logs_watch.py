"""Logs under a fast writer: a bounded notification rate, the final state announced, no line lost."""

from __future__ import annotations

import sys
import warnings
from pathlib import Path

import anyio
import mcp_types as types
import pytest
from conftest import logs_config, utc
from mcp import MCPDeprecationWarning

from mcp_resources.testing import Notifications, connect, serve_toml

pytestmark = pytest.mark.anyio
APP = "logs://app.log"
META = "mcp-resources/"

# Appends `count` numbered lines at `rate` a second in batches of 100, then prints the
# time.monotonic() of its last write.
WRITER = """
import sys, time
path, count, rate = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
start = time.monotonic()
with open(path, "a") as out:
    for first in range(0, count, 100):
        out.write("".join(f"2025-05-01 10:00:00,000 INFO load: line {n}\\n" for n in range(first, first + 100)))
        out.flush()
        last = time.monotonic()
        delay = start + (first + 100) / rate - last
        if delay > 0 and first + 100 < count:
            time.sleep(delay)
print(last)
"""


async def test_fast_writer_bounded_rate_final_state_and_no_lost_lines(tmp_path: Path) -> None:
    folder = tmp_path / "logs"
    folder.mkdir()
    (folder / "app.log").write_text(f"{utc(0)} INFO web: start\n")
    seen = Notifications()
    async with (
        serve_toml(logs_config(), tmp_path) as service,
        connect(service, mode="legacy", message_handler=seen) as client,
    ):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", MCPDeprecationWarning)
            await client.subscribe_resource(APP)
        first = (await client.read_resource(APP + "?tail=1")).contents[0]
        follow = str((first.meta or {})[f"{META}follow"])
        numbers: list[int] = []

        async def read_new() -> None:
            nonlocal follow
            contents = (await client.read_resource(follow)).contents[0]
            assert isinstance(contents, types.TextResourceContents)
            numbers.extend(int(line.rsplit(" ", 1)[1]) for line in contents.text.splitlines())
            follow = str((contents.meta or {})[f"{META}follow"])

        command = [sys.executable, "-c", WRITER, str(folder / "app.log"), "15000", "10000"]
        async with await anyio.open_process(command) as writer:
            while writer.returncode is None:  # a follower reading while the writer writes
                await read_new()
                with anyio.move_on_after(0.05):
                    await writer.wait()
            assert writer.stdout is not None
            done = float((await writer.stdout.receive()).decode())
        started = seen.updated_at(APP)[0] if seen.updated_at(APP) else done
        await seen.wait_updated_since(APP, done)  # the last write is announced
        await read_new()
        assert numbers == list(range(15000))  # every line once, in order
        per_second = len(seen.updated_at(APP)) / max(done - started, 0.5)
        assert per_second <= 15, f"{len(seen.updated_at(APP))} updates in {done - started:.2f}s"
