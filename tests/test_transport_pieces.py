"""The pieces under the stdio transport: the batched stdout writer and the watcher's doorbell."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import anyio
import pytest

from mcp_resources.doorbell import Stopper, open_doorbell
from mcp_resources.transports.stdout import BatchedStdout

pytestmark = pytest.mark.anyio


def _drain(fd: int, into: bytearray) -> None:
    while chunk := os.read(fd, 65536):
        into += chunk


async def test_batched_stdout_keeps_order_and_sends_everything_before_closing() -> None:
    read, write = os.pipe()
    received = bytearray()
    reader = threading.Thread(target=_drain, args=(read, received))
    reader.start()
    stdout = BatchedStdout(write)
    lines = [f'{{"n": {i}, "pad": "{"x" * (i % 300)}"}}\n' for i in range(5000)]
    for line in lines:
        await stdout.write(line)
        await stdout.flush()
    assert await stdout.aclose()
    os.close(write)
    reader.join(10)
    os.close(read)
    assert received.decode() == "".join(lines)


async def test_batched_stdout_survives_a_reader_that_went_away() -> None:
    read, write = os.pipe()
    os.close(read)  # the client is gone: every write would be EPIPE
    stdout = BatchedStdout(write)
    for _ in range(100):
        await stdout.write("lost\n")
    assert await stdout.aclose()
    os.close(write)


async def test_batched_stdout_applies_backpressure_to_a_stalled_reader() -> None:
    read, write = os.pipe()
    stdout = BatchedStdout(write)
    chunk = "y" * (1 << 20) + "\n"
    written = 0
    with anyio.move_on_after(2):
        while True:
            await stdout.write(chunk)
            written += 1
    assert 16 <= written <= 20  # ~16 MiB queued (plus the pipe), then write() waits
    received = bytearray()
    reader = threading.Thread(target=_drain, args=(read, received))
    reader.start()
    assert await stdout.aclose()
    os.close(write)
    reader.join(10)
    os.close(read)
    assert len(received) == written * len(chunk)


def test_the_doorbell_rings_on_a_change_and_a_stop_wakes_it(tmp_path: Path) -> None:
    doorbell = open_doorbell([str(tmp_path)])
    if doorbell is None:
        pytest.skip("no inotify here: the watcher polls instead")
    stop = Stopper()
    try:
        assert doorbell.wait(stop, 0.05) is False  # nothing happened
        (tmp_path / "f.txt").write_text("x")
        assert doorbell.wait(stop, 5) is True
        assert doorbell.wait(stop, 0.05) is False  # events were drained
        threading.Timer(0.05, stop.set).start()
        started = time.monotonic()
        assert doorbell.wait(stop, 5) is False
        assert time.monotonic() - started < 1  # woken by the stop, not the timeout
    finally:
        doorbell.close()
        stop.close()
