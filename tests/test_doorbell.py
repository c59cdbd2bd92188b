"""The watcher's doorbell: an inotify descriptor that wakes the watcher thread only on a change."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from mcp_resources.doorbell import Stopper, open_doorbell


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
