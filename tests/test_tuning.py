"""The serving process reuses its heap for big replies instead of faulting in fresh memory each time."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
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
