"""Supervision of long-running watchers (providers' `watch()`, notifiers' `run()`).

Each watcher runs in its own task. One that raises is logged with its
traceback and started again after a backoff that doubles from 0.1 s to 30 s
(and resets once it has run for a minute): it can neither stop the server
nor another plugin's watcher. One that returns has finished and is left alone.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable
from dataclasses import dataclass
from typing import Any, Protocol

import anyio

from mcp_resources.clientlog import FOR_CLIENTS
from mcp_resources.components import Publish

__all__ = ["BACKOFF_MAX_S", "BACKOFF_MIN_S", "START_TIMEOUT_S", "WatcherState", "supervise"]

log = logging.getLogger(__name__)

BACKOFF_MIN_S = 0.1
BACKOFF_MAX_S = 30.0
HEALTHY_AFTER_S = 60.0
START_TIMEOUT_S = 10.0
"""How long start-up waits for a watcher to call `task_status.started()`."""


class Runner(Protocol):
    """`provider.watch` or `notifier.run`."""

    def __call__(self, publish: Publish, *, task_status: Any) -> Awaitable[None]: ...


@dataclass
class WatcherState:
    """What the App knows of one watcher (for logs, health and metrics)."""

    name: str
    running: bool = False
    restarts: int = 0
    last_error: str | None = None


class _Started:
    """The `task_status` a watcher gets: `started()` marks it ready."""

    def __init__(self, ready: anyio.Event, state: WatcherState) -> None:
        self.ready = ready
        self.state = state

    def started(self, value: object = None) -> None:
        self.state.running = True
        self.ready.set()


async def supervise(state: WatcherState, run: Runner, publish: Publish, ready: anyio.Event) -> None:
    """Run `run(publish)` until it returns, restarting it when it raises."""
    delay = BACKOFF_MIN_S
    while True:
        began = time.monotonic()
        try:
            await run(publish, task_status=_Started(ready, state))
        except Exception as exc:
            if time.monotonic() - began > HEALTHY_AFTER_S:
                delay = BACKOFF_MIN_S
            state.restarts += 1
            state.last_error = f"{type(exc).__name__}: {exc}"
            log.exception("watcher %r failed; restarting in %.1fs", state.name, delay, extra=FOR_CLIENTS)
        else:
            log.info("watcher %r finished", state.name)
            return
        finally:
            state.running = False
            ready.set()  # a watcher that failed to start must not hold the server up
        await anyio.sleep(delay)
        delay = min(delay * 2, BACKOFF_MAX_S)
