"""The prompt registry: prompt folders -> named prompts, rendered by the worker pool.

At start-up every folder is read and each prompt's name settled from its file
or front matter; two prompts with one name fail start-up, naming both files.
Compiling (and inferring arguments) happens in the worker, in the background:
a prompt whose template is broken is logged with file and line and left out,
and the others serve. With `watch`, the `[prompts] dirs` folders are watched;
any change reloads them and, if the set of prompts or their text changed,
publishes `PromptsListChanged` (a clash appearing then is logged, and the later
prompt left out). Reading and compiling are in `loading`; the registry keeps
what the last load gave, serves it and decides when to load again.
"""

from __future__ import annotations

import logging
import math
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import anyio
import anyio.to_thread
from anyio import TASK_STATUS_IGNORED
from anyio.abc import TaskStatus

from mcp_resources.clientlog import FOR_CLIENTS
from mcp_resources.components import PromptsListChanged, Publish
from mcp_resources.config import PromptSettings
from mcp_resources.cursors import decode_cursor, encode_cursor
from mcp_resources.doorbell import Stopper
from mcp_resources.errors import ConfigError, InternalError, InvalidRequest
from mcp_resources.folderwatch import DEBOUNCE_MS, STEP_MS, Batch, watch_generation
from mcp_resources.prompts.files import FolderFiles, PromptFolder
from mcp_resources.prompts.loading import Prompt, Scan, compile_prompts, scan_folders
from mcp_resources.prompts.pool import JobFailed, WorkerPool

__all__ = ["Prompt", "PromptRegistry", "Rendered"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Rendered:
    """A rendered prompt: text with placeholders (marked by `nonce`) and what they stand for."""

    prompt: Prompt
    text: str
    nonce: str
    roles: Sequence[str]
    embeds: Sequence[str]
    diffs: Sequence[tuple[str, str]]


class PromptRegistry:
    """Every prompt of the configured folders, plugins and library."""

    def __init__(
        self, folders: Sequence[PromptFolder], settings: PromptSettings, plugins: dict[str, Any] | None = None
    ) -> None:
        self.folders = list(folders)
        self.settings = settings
        self.pool = WorkerPool(
            {
                "cpu_s": math.ceil(settings.time_limit_ms / 1000),
                "memory_bytes": int(settings.memory),
                "output_bytes": int(settings.max_output),
                "max_embeds": settings.max_embeds,
                "plugins": plugins,
            },
            size=settings.workers,
            wall_s=settings.time_limit_ms / 1000,
        )
        self.prompts: dict[str, Prompt] = {}
        """Loaded prompts by name, in name order."""
        self.problems: list[str] = []
        """What the last load left out and why, one line each (also logged)."""
        self._scan: Scan | None = None
        self._analysis: dict[tuple[str, str], dict[str, Any]] = {}  # (folder key, file) -> worker's result
        self._loaded = False
        self._lock = anyio.Lock()

    @property
    def watches(self) -> bool:
        """Whether folders are watched, so `PromptsListChanged` can be published."""
        return self.settings.watch and any(f.watch for f in self.folders)

    async def start(self) -> None:
        """Read the folders; raise `ConfigError` if two prompts share a name."""
        self._scan = await anyio.to_thread.run_sync(scan_folders, self.folders)
        if self._scan.clashes:
            raise ConfigError(self._scan.clashes)

    async def aclose(self) -> None:
        """Stop the worker processes."""
        await self.pool.aclose()

    async def ensure_loaded(self) -> None:
        """Compile every prompt once (the first caller waits; later ones return at once)."""
        if self._loaded:
            return
        async with self._lock:
            if not self._loaded:
                # Read again: start() only settled names, and the watches may have begun since.
                await self._load(await anyio.to_thread.run_sync(scan_folders, self.folders))
                self._loaded = True

    async def warm_up(self) -> None:
        """`ensure_loaded` in the background at start-up: logs a failure instead of raising it."""
        try:
            await self.ensure_loaded()
        except Exception:
            log.exception("prompts: loading failed; will try again on the next prompt request")

    async def reload(self) -> bool:
        """Read and compile everything again; whether the prompts changed."""
        async with self._lock:
            before = self._signature()
            await self._load(await anyio.to_thread.run_sync(scan_folders, self.folders))
            self._loaded = True
            return self._signature() != before

    def _signature(self) -> list[tuple[str, str, str]]:
        return [(p.name, p.file, p.folder.key) for p in self.prompts.values()]

    async def _load(self, scan: Scan) -> None:
        self._scan = scan
        prompts, problems, analysis = await compile_prompts(self.pool, scan, self._analysis)
        fresh = [p for p in problems if p not in self.problems]  # each reload re-finds the old ones
        for problem in fresh:
            log.error("prompts: %s", problem)
        if fresh:  # clients hear only that something is wrong: the details name host paths
            log.warning(
                "prompts: %d template problem(s); see the server's log", len(fresh), extra=FOR_CLIENTS
            )
        self.prompts = dict(sorted(prompts.items()))
        self.problems = problems
        self._analysis = analysis
        log.info("prompts: %d loaded from %d sources", len(self.prompts), len(scan.folders))

    # --- requests -------------------------------------------------------------

    async def get(self, name: str) -> Prompt:
        """The prompt called `name`, or -32602 naming it."""
        await self.ensure_loaded()
        prompt = self.prompts.get(name)
        if prompt is None:
            raise InvalidRequest(f"Unknown prompt {name!r}", prompt=name)
        return prompt

    async def page(self, cursor: str | None, size: int) -> tuple[list[Prompt], str | None]:
        """Up to `size` prompts in name order from `cursor` on, and the cursor of the next page."""
        await self.ensure_loaded()
        start = 0
        if cursor is not None:
            where, offset = decode_cursor(cursor)
            if where or offset is None or not offset.isdigit():
                raise InvalidRequest("Invalid cursor", cursor=cursor)
            start = int(offset)
        prompts = list(self.prompts.values())[start : start + size]
        more = start + len(prompts) < len(self.prompts)
        return prompts, encode_cursor("", str(start + len(prompts))) if more else None

    def bind(self, prompt: Prompt, given: Mapping[str, str] | None) -> dict[str, str]:
        """Argument values for a render: checked, defaults filled; -32602 naming the argument."""
        given = dict(given or {})
        for name in given:
            prompt.argument(name)
        values: dict[str, str] = {}
        for name, spec in prompt.arguments:
            value = given.get(name)
            if value is None:
                if spec.is_required:
                    raise InvalidRequest(
                        f"Prompt {prompt.name!r} needs argument {name!r}", prompt=prompt.name, argument=name
                    )
                value = spec.default or ""
            limit = spec.max_length or self.settings.max_argument_length
            if len(value) > limit:
                raise InvalidRequest(
                    f"Argument {name!r} is longer than {limit} characters", prompt=prompt.name, argument=name
                )
            if spec.values is not None and value and value not in spec.values:
                raise InvalidRequest(
                    f"Argument {name!r} must be one of: {', '.join(spec.values)}",
                    prompt=prompt.name,
                    argument=name,
                )
            values[name] = value
        return values

    async def render(self, name: str, arguments: Mapping[str, str] | None) -> Rendered:
        """Render prompt `name` in a worker; arguments are values only, never template source."""
        prompt = await self.get(name)
        values = self.bind(prompt, arguments)
        nonce = secrets.token_hex(16)
        job = {"op": "render", "folder": prompt.folder.key, "name": prompt.file, "arguments": values}
        try:
            reply = await self.pool.run({**job, "nonce": nonce}, prompt.folder.files)
        except JobFailed as exc:
            log.warning("prompt %r: %s", name, exc.message)
            raise InternalError(
                f"Prompt {name!r} could not be rendered: {exc.message}", prompt=name
            ) from None
        diffs = [(old, new) for old, new in reply["diffs"]]
        return Rendered(prompt, reply["text"], nonce, reply["roles"], reply["embeds"], diffs)

    async def diff(self, old: str, new: str, old_name: str, new_name: str) -> str:
        """A unified diff of two texts, computed in a worker (bounded like a render)."""
        job = {"op": "diff", "old": old, "new": new, "old_name": old_name, "new_name": new_name}
        try:
            reply = await self.pool.run(job)
        except JobFailed as exc:
            raise InternalError(f"Could not compare {old_name} and {new_name}: {exc.message}") from None
        text: str = reply["text"]
        return text

    # --- hot reload -------------------------------------------------------------

    def _watched(self, scan_folders: Sequence[FolderFiles]) -> list[str]:
        return sorted({str(p) for f in scan_folders if f.folder.watch for p in f.subfolders if p.is_dir()})

    async def watch(self, publish: Publish, *, task_status: TaskStatus[None] = TASK_STATUS_IGNORED) -> None:
        """Watch the `[prompts] dirs` folders; publish `PromptsListChanged` when prompts change."""
        send, receive = anyio.create_memory_object_stream[Batch](math.inf)
        async with anyio.create_task_group() as tg, send, receive:
            # The folders of the last read (start()'s, at first); the load below reads them again
            # once the watches are in place, so no change in between goes unseen.
            folders = self._watched(self._scan.folders if self._scan else [])
            stop = Stopper()
            await tg.start(watch_generation, folders, stop, send.send_nowait, STEP_MS, DEBOUNCE_MS)
            task_status.started()
            if not self._loaded:
                await self.ensure_loaded()
            elif await self.reload():  # a restarted watch: what changed while it was down
                await publish(PromptsListChanged())
            async for _batch in receive:
                if await self.reload():
                    await publish(PromptsListChanged())
                now = self._watched(self._scan.folders if self._scan else [])
                if now != folders:
                    old, stop = stop, Stopper()
                    await tg.start(watch_generation, now, stop, send.send_nowait, STEP_MS, DEBOUNCE_MS)
                    old.set()
                    folders = now
                    # What a new folder got before its watch began is only seen by reading again.
                    if await self.reload():
                        await publish(PromptsListChanged())
            tg.cancel_scope.cancel()
