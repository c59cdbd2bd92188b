"""Prompt worker processes, seen from the server: spawn, send a job, enforce the wall clock.

A pool holds up to `size` workers (`worker.py`), started on first use. A job
takes a free worker, sends one length-prefixed JSON message and waits for the
reply under a wall-clock limit; a worker that overruns, or dies (the kernel
ends it at its CPU limit), is killed and replaced on the next job, so one
hostile template costs its own request and nothing else.
"""

from __future__ import annotations

import json
import logging
import signal
import struct
import subprocess
import sys
from dataclasses import dataclass, field
from typing import Any

import anyio
from anyio.abc import Process
from anyio.streams.buffered import BufferedByteReceiveStream

__all__ = ["JobFailed", "WorkerPool"]

log = logging.getLogger(__name__)
_HEADER = struct.Struct(">I")
_MAX_REPLY = 256 * 1024 * 1024


class JobFailed(Exception):
    """A job did not complete: its template failed, or a limit stopped it.

    `limit` is true when a limit (time, CPU, memory, output) stopped it.
    """

    def __init__(self, message: str, *, limit: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.limit = limit


@dataclass
class _Worker:
    process: Process
    reader: BufferedByteReceiveStream
    folders: set[str] = field(default_factory=set)  # folder keys this worker has been sent


class WorkerPool:
    """Up to `size` worker processes sharing the same limits."""

    def __init__(self, settings: dict[str, Any], *, size: int = 2, wall_s: float = 2.0) -> None:
        self.settings = settings
        """Sent to each worker at start: cpu_s, memory_bytes, output_bytes, max_embeds, plugins."""
        self.wall_s = wall_s
        self._idle: list[_Worker | None] = [None] * size
        self._slots = anyio.Semaphore(size)

    async def run(self, job: dict[str, Any], files: dict[str, str] | None = None) -> dict[str, Any]:
        """Run `job` on a free worker (sending the folder's `files` if it lacks them); its reply.

        Raises `JobFailed` for a template error or a limit.
        """
        async with self._slots:
            worker = self._idle.pop()
            try:
                if worker is None:
                    worker = await self._spawn()
                reply = await self._exchange(worker, job, files)
            except BaseException:
                if worker is not None:
                    await self._kill(worker)
                self._idle.append(None)
                raise
            self._idle.append(worker)
        if "error" in reply:
            raise JobFailed(reply["error"], limit=bool(reply.get("limit")))
        return reply

    async def _exchange(
        self, worker: _Worker, job: dict[str, Any], files: dict[str, str] | None
    ) -> dict[str, Any]:
        folder = job.get("folder")
        send_files = folder is not None and folder not in worker.folders and files is not None
        with anyio.move_on_after(self.wall_s) as timer:
            reply = await self._send(worker, {**job, "files": files} if send_files else job)
            if reply.get("missing") and files is not None:
                reply = await self._send(worker, {**job, "files": files})
        if timer.cancelled_caught:
            raise JobFailed(f"stopped after the {round(self.wall_s * 1000)} ms time limit", limit=True)
        if folder is not None and files is not None:
            worker.folders.add(folder)
        return reply

    async def _send(self, worker: _Worker, message: dict[str, Any]) -> dict[str, Any]:
        data = json.dumps(message).encode("ascii")
        assert worker.process.stdin is not None
        try:
            await worker.process.stdin.send(_HEADER.pack(len(data)) + data)
            (size,) = _HEADER.unpack(await worker.reader.receive_exactly(_HEADER.size))
            if size > _MAX_REPLY:
                raise JobFailed("the worker's reply is too large", limit=True)
            reply: dict[str, Any] = json.loads(await worker.reader.receive_exactly(size))
        except (anyio.EndOfStream, anyio.IncompleteRead, anyio.BrokenResourceError, OSError):
            raise JobFailed(await self._death(worker), limit=True) from None
        return reply

    async def _death(self, worker: _Worker) -> str:
        with anyio.move_on_after(1):
            await worker.process.wait()
        code = worker.process.returncode
        if code == -signal.SIGXCPU:
            return f"stopped at the {self.settings['cpu_s']} s CPU limit"
        if code is not None and code < 0:
            return f"the worker was stopped by signal {signal.Signals(-code).name}"
        return "the worker ended unexpectedly"

    async def _spawn(self) -> _Worker:
        try:
            # -P: never import from the working directory (it is not ours to trust).
            process = await anyio.open_process(
                [sys.executable, "-P", "-m", "mcp_resources.prompts.worker"],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=None,  # the worker logs to our stderr
            )
        except OSError as exc:
            log.error("cannot start a prompt worker: %s", exc)
            raise JobFailed("the prompt worker could not be started") from None
        assert process.stdout is not None
        worker = _Worker(process, BufferedByteReceiveStream(process.stdout))
        data = json.dumps(self.settings).encode("ascii")
        assert process.stdin is not None
        await process.stdin.send(_HEADER.pack(len(data)) + data)
        return worker

    async def _kill(self, worker: _Worker) -> None:
        with anyio.CancelScope(shield=True):
            if worker.process.returncode is None:
                worker.process.kill()
            await worker.process.aclose()

    async def aclose(self) -> None:
        """Stop every idle worker (closing stdin ends one; a stuck one is killed)."""
        workers = [w for w in self._idle if w is not None]
        self._idle = [None] * len(self._idle)
        for worker in workers:
            with anyio.CancelScope(shield=True):
                assert worker.process.stdin is not None
                await worker.process.stdin.aclose()
                with anyio.move_on_after(1):
                    await worker.process.wait()
                await self._kill(worker)
