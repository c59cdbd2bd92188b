"""Process tuning: the heap reused for big replies, and no garbage collection while starting."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import INITIALIZE
from mcp import Client

from mcp_resources.testing import stdio_server_params, write_config

pytestmark = [
    pytest.mark.anyio,
    pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc and /proc"),
]


def children() -> set[int]:
    with open(f"/proc/{os.getpid()}/task/{os.getpid()}/children", encoding="ascii") as file:
        return {int(pid) for pid in file.read().split()}


def minor_faults(pid: int) -> int:
    with open(f"/proc/{pid}/stat", encoding="ascii") as file:
        return int(file.read().rsplit(")", 1)[1].split()[7])


async def test_reading_1_mib_again_and_again_faults_in_no_new_memory(tmp_path: Path) -> None:
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "mib.txt").write_bytes((b"y" * 1023 + b"\n") * 1024)
    config = write_config('[providers.docs]\ntype = "filesystem"\nroot = "docs"\n', tmp_path)
    before = children()
    async with Client(stdio_server_params(config), mode="legacy") as client:
        [server] = children() - before
        for _ in range(5):  # the heap grows to what a read needs
            await client.read_resource("docs://mib.txt")
        faults = minor_faults(server)
        for _ in range(20):
            [content] = (await client.read_resource("docs://mib.txt")).contents
            assert len(content.text) == 1 << 20
        per_read = (minor_faults(server) - faults) / 20
    # Each read allocates ~4 MiB; fresh mmap()s would fault in ~1,000 pages a read.
    assert per_read < 100


COUNT_COLLECTIONS = """
import atexit, gc, sys
runs = []
gc.callbacks.append(lambda phase, info: phase == "start" and runs.append(1))
atexit.register(lambda: print("collections", len(runs), "enabled", gc.isenabled(), file=sys.stderr))
sys.argv = ["mcp-resources", *sys.argv[1:]]
from mcp_resources.entry import main
main()
"""


def collections(*args: str, stdin: bytes = b"") -> tuple[int, bool]:
    """(garbage collections run, whether the collector is on at exit) for `mcp-resources ARGS`."""
    result = subprocess.run(
        [sys.executable, "-c", COUNT_COLLECTIONS, *args], input=stdin, capture_output=True, check=True
    )
    words = result.stderr.decode().split("collections ")[-1].split()
    return int(words[0]), words[2] == "True"


def test_start_up_runs_with_the_collector_off_and_other_commands_turn_it_back_on(tmp_path: Path) -> None:
    # Importing the SDK and our plugins with the collector on ran ~200 collections (~90 ms).
    (tmp_path / "docs").mkdir()
    config = write_config('[providers.docs]\ntype = "filesystem"\nroot = "docs"\n', tmp_path)
    runs, enabled = collections("serve", str(config), stdin=json.dumps(INITIALIZE).encode() + b"\n")
    assert runs < 20 and enabled  # on again once serving, with what start-up built frozen
    runs, enabled = collections("check", str(config))
    assert enabled
