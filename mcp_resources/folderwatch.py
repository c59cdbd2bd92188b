"""Watching folders with watchfiles from a thread, batch by batch (shared by providers).

`watch_generation` runs one watcher over a fixed list of folders (each watched
on its own, never recursively) until its `Stopper` is set, handing each batch
of `(Change, path)` to the event loop. A provider whose folders change starts
a new generation before stopping the old one, so nothing goes unobserved.

watchfiles hands a batch over once no new change came for `step_ms`, or
after `debounce_ms` of continuous change; its thread is polled for that. On
Linux the polling starts only once an inotify doorbell rang (`doorbell.py`),
so an idle server does not wake up at all.

"New" there means a new (change, path) pair: a file written a thousand times
a second repeats one pair, so its batches would end after every step. After
each batch the thread therefore pauses `debounce_ms`; what changes meanwhile
gathers in watchfiles and is the next batch. Batches thus come at most every
`debounce_ms`, and the last change of a burst is still reported.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from typing import Any

import anyio
import anyio.from_thread
import anyio.to_thread
from anyio.abc import TaskStatus
from watchfiles._rust_notify import RustNotify

from mcp_resources.doorbell import Stopper, open_doorbell

__all__ = ["DEBOUNCE_MS", "STEP_MS", "Batch", "watch_error", "watch_generation"]

Batch = set[tuple[int, str]]
STEP_MS = 5
"""Default `step_ms`: a burst ends once nothing new came for this long."""
DEBOUNCE_MS = 100
"""Default `debounce_ms`: at most one batch this often (about ten a second)."""
_IDLE_CHECK_S = 1.0  # how often an idle watcher thread checks that it should stop
_POLL_MS = 1000  # the same, when polling without a doorbell
_BUSY_MS = 100  # polling after the doorbell rang, if watchfiles had nothing new


async def watch_generation(
    paths: list[str],
    stop: Stopper,
    deliver: Callable[[Batch], None],
    step_ms: int,
    debounce_ms: int,
    *,
    task_status: TaskStatus[None],
) -> None:
    """Run one watcher thread until `stop` is set; started once its watches exist.

    `deliver` is called on the event loop with each batch.
    """
    ready = anyio.Event()
    thread = functools.partial(_watch_thread, paths, stop, step_ms, debounce_ms, deliver, ready.set)
    try:
        async with anyio.create_task_group() as tg:
            # Abandoned on cancel: the thread sees `stop` at once and exits.
            tg.start_soon(functools.partial(anyio.to_thread.run_sync, thread, abandon_on_cancel=True))
            await ready.wait()
            task_status.started()
    finally:
        stop.set()


def _watch_thread(
    paths: list[str],
    stop: Stopper,
    step_ms: int,
    debounce_ms: int,
    deliver: Callable[[Batch], None],
    ready: Callable[[], None],
) -> None:
    """One watcher generation: add the watches, then hand each batch to the event loop.

    With a doorbell the thread sleeps until something changed and only then
    polls watchfiles (every `step_ms`, for at most `_BUSY_MS` if the change
    was already taken); without, it polls all the time. `stop` is checked at
    least once a second either way.
    """
    try:
        doorbell = open_doorbell(paths)
        watcher = _open_watcher(paths)
    except BaseException:
        stop.close()
        raise
    try:
        anyio.from_thread.run_sync(ready)
        while not stop.is_set():
            if doorbell is not None and not doorbell.wait(stop, _IDLE_CHECK_S):
                continue
            batch: Any = watcher.watch(debounce_ms, step_ms, _BUSY_MS if doorbell else _POLL_MS, None)
            if isinstance(batch, set) and batch:
                anyio.from_thread.run_sync(deliver, batch)
                stop.wait(debounce_ms / 1000)
    finally:
        watcher.close()
        if doorbell is not None:
            doorbell.close()
        stop.close()


def _open_watcher(paths: list[str]) -> RustNotify:
    # A folder can vanish between the scan and here; watch the ones still there.
    for attempt in range(4):
        try:
            return RustNotify(paths, False, False, 300, False, True)
        except FileNotFoundError:
            if attempt == 3:
                raise
            paths = [p for p in paths if os.path.isdir(p)]
        except OSError as exc:
            raise watch_error(exc, len(paths)) from exc
    raise AssertionError("unreachable")


def watch_error(exc: OSError, folders: int) -> OSError:
    """A clear error for the OS's limit on watches (watchfiles reports it as a bare OSError)."""
    text = str(exc)
    if "os error 28" in text or "No space left on device" in text:
        return OSError(
            f"the OS limit on file watches was reached watching {folders} folders; raise "
            "fs.inotify.max_user_watches (sysctl), exclude folders, or set watch = false"
        )
    return exc
