"""The `logs` provider: the log files under one folder, as tails, windows, filters and follow cursors.

    logs://app.log                      the last `tail_lines` lines
    logs://app.log?tail=50&level=error  the last 50 error records (tracebacks included)
    logs://app.log?line=1&count=100     a line window;  ?offset=0&length=65536  a byte window
    logs://app.log?since=15m            from 15 minutes ago, found by bisection on timestamps
    logs://app.log?cursor=C             what was added after an earlier read (across rotation)
    logs://?files=a.log,b.log&tail=100  several files merged by time (all live files by default)

(`logs://` being the provider's prefix; see `request.py` for every parameter.)
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Mapping, Sequence
from typing import ClassVar

from anyio import TASK_STATUS_IGNORED
from anyio.abc import TaskStatus

from mcp_resources.builtins.filesystem.localfs import LocalCheck
from mcp_resources.builtins.filesystem.rooted import RootedProvider
from mcp_resources.builtins.filesystem.sandbox import Refused, Sandbox
from mcp_resources.builtins.filesystem.source import WouldBlock
from mcp_resources.builtins.logs.catalog import LogFile, list_entries, scan_catalog
from mcp_resources.builtins.logs.choose import FormatChooser
from mcp_resources.builtins.logs.clean import Redactor
from mcp_resources.builtins.logs.config import LogsConfig
from mcp_resources.builtins.logs.formats import LEVELS
from mcp_resources.builtins.logs.merged import read_merged
from mcp_resources.builtins.logs.reads import Deadline, FileRead, read_file
from mcp_resources.builtins.logs.records import Pipeline
from mcp_resources.builtins.logs.render import Answer, render
from mcp_resources.builtins.logs.request import FILE_PARAMS, MERGED_PARAMS, OUTPUTS, LogRequest, parse_request
from mcp_resources.builtins.logs.scanning import Limits
from mcp_resources.builtins.logs.templates import make_templates
from mcp_resources.components import (
    Completion,
    Contents,
    Publish,
    ResourcePage,
    ResourceTemplate,
)
from mcp_resources.errors import InvalidRequest, ResourceNotFound
from mcp_resources.uris import build_uri, check_params, parse_uri

__all__ = ["LogsProvider"]

_CARRIED = ("level", "since", "until", "grep", "regex", "scan", "format")  # kept in follow/next links
_INLINE_LINES = 1000  # a plain tail at most this long may be answered on the event loop


class LogsProvider(RootedProvider[LogsConfig]):
    """Serves the log files matching `files` under `root`, read-only (see the module docstring)."""

    type_name: ClassVar[str] = "logs"
    config_model = LogsConfig

    def __init__(self, name: str, config: LogsConfig, prefix: str) -> None:
        super().__init__(name, config, prefix)
        self.catalog: dict[str, LogFile] = {}
        self.redactor = Redactor(config.redact, defaults=config.redact_defaults)
        self.formats = FormatChooser(config)
        self.templates = make_templates(name, prefix, config)
        self.local: Callable[[], bool] = lambda: False
        """Whether the root is on a local disk (reads of cached data may then skip the thread)."""

    # --- life cycle -----------------------------------------------------------

    async def start(self) -> None:
        """Open the root folder and find the log files."""
        self._sandbox = Sandbox(self.config.root)
        self.local = LocalCheck(self._sandbox.real)
        self.rescan()

    def rescan(self) -> dict[str, LogFile]:
        """Find the served files again (blocking: call it in a worker thread); returns the new catalog."""
        self.catalog = scan_catalog(self.sandbox, self.config.files, self.config.rotated)
        return self.catalog

    # --- the Opener protocol (reads.py) ----------------------------------------------

    def open(self, file: LogFile) -> tuple[int, os.stat_result]:
        """Open a catalog file through the root, without following links; only regular files."""
        try:
            opened = self.sandbox.open(file.parts)
        except Refused as refused:
            if refused.missing:
                raise ResourceNotFound(self.file_uri(file.name)) from None
            raise InvalidRequest(f"Cannot read: {refused.reason}", uri=self.file_uri(file.name)) from None
        if opened.is_dir:
            os.close(opened.fd)
            raise ResourceNotFound(self.file_uri(file.name))
        return opened.fd, opened.stat

    def siblings(self, file: LogFile) -> list[LogFile]:
        """The rotated files of `file`, newest first (the catalog is refreshed first)."""
        return sorted(
            (f for f in self.rescan().values() if f.base == file.name and f.age), key=lambda f: f.age
        )

    # --- URIs -----------------------------------------------------------------

    def file_uri(self, name: str, query: Mapping[str, str] | None = None) -> str:
        """The URI of a served file."""
        return build_uri(self.prefix, tuple(name.split("/")), query=query)

    async def lookup(self, name: str, uri: str) -> LogFile:
        """The catalog entry `name` (looking on disk again if it is new), or `ResourceNotFound`."""
        file = self.catalog.get(name)
        if file is None:
            file = (await self.run_sync(self.rescan)).get(name)
        if file is None:
            raise ResourceNotFound(uri)
        return file

    def request(self, query: Mapping[str, str], uri: str) -> LogRequest:
        """The checked parameters of a read."""
        config = self.config
        return parse_request(
            query, uri, tail_lines=config.tail_lines, max_lines=config.max_lines, scan_lines=config.scan_lines
        )

    # --- the contract -----------------------------------------------------------

    async def list_resources(self, cursor: str | None, limit: int) -> ResourcePage:
        """Every served file with its size and modification time, and the merged view."""
        catalog = await self.run_sync(self.rescan)
        entries = await self.run_sync(
            list_entries, self.sandbox, catalog, self.name, self.file_uri, self.config.tail_lines
        )
        after = [r for r in entries if cursor is None or r.uri > cursor]
        page = after[:limit]
        return ResourcePage(page, page[-1].uri if len(after) > limit else None)

    async def list_templates(self) -> Sequence[ResourceTemplate]:
        """Tail-and-filter, window, follow and merged templates."""
        return self.templates

    async def read(self, uri: str) -> Sequence[Contents]:
        """A tail, window or follow read of one file, or the merged view."""
        path = parse_uri(uri, self.prefix, None)
        if not path.parts:
            check_params(path, MERGED_PARAMS)
            return [await self._read_merged(path.query, uri)]
        check_params(path, FILE_PARAMS)
        name = "/".join(path.parts)
        file = await self.lookup(name, uri)
        req = self.request(path.query, uri)
        done: tuple[Pipeline, FileRead] | None = None
        if self._inline(file, req):
            # A short plain tail from cached data on a local disk: answer on the event loop.
            with contextlib.suppress(WouldBlock):
                done = self._read_sync(file, req, uri, nowait=True)
        if done is None:
            done = await self.run_sync(self._read_sync, file, req, uri)
        pipeline, found = done
        carried = {k: v for k, v in path.query.items() if k in _CARRIED}
        cursor = str(found.cursor) if found.cursor is not None else None
        answer = Answer(
            uri=uri,
            records=found.scan.records,
            stopped=found.scan.stopped,
            tail=req.mode == "tail",
            format_name=pipeline.format.name,
            cursor=cursor,
            follow=self.file_uri(name, {**carried, "cursor": cursor}) if cursor else None,
            next_uri=self._next(name, req, found, carried),
            gap=found.gap,
            size=found.size,
            mtime=found.mtime,
        )
        return [render(answer, req.format)]

    def _inline(self, file: LogFile, req: LogRequest) -> bool:
        plain = req.mode == "tail" and req.format == "text" and not req.filter.active
        return plain and req.tail <= _INLINE_LINES and not file.compressed and self.local()

    def _read_sync(
        self, file: LogFile, req: LogRequest, uri: str, nowait: bool = False
    ) -> tuple[Pipeline, FileRead]:
        if nowait:
            known = self.formats.known(file)  # unparsed text: the format only names itself
            if known is None:
                raise WouldBlock
            pipeline = Pipeline(known, self.redactor, self.config.max_line_length, False)
        else:
            pipeline = self.pipeline(file, req)
        timed = req.filter.since is not None or req.filter.until is not None
        if timed and not pipeline.format.has_time:
            raise InvalidRequest(
                f"{file.name} has no timestamps the server recognises ({pipeline.format.name} format); "
                "drop since/until or declare its format",
                uri=uri,
                argument="since" if req.filter.since is not None else "until",
            )
        deadline = Deadline(self.config.time_limit_ms / 1000)
        found = read_file(self, file, req, pipeline, self.limits(req), deadline, uri, nowait=nowait)
        return pipeline, found

    def _next(self, name: str, req: LogRequest, found: FileRead, carried: dict[str, str]) -> str | None:
        scan = found.scan
        if scan.stopped is None or req.mode == "tail":
            return None
        if req.mode == "lines":
            return self.file_uri(
                name, {**carried, "line": str(req.line + scan.scanned), "count": str(req.count)}
            )
        if req.mode == "bytes" or found.cursor is None:
            length = req.offset + req.length - scan.end if req.mode == "bytes" else 1 << 62
            return self.file_uri(name, {**carried, "offset": str(scan.end), "length": str(length)})
        return self.file_uri(name, {**carried, "cursor": str(found.cursor)})

    def limits(self, req: LogRequest) -> Limits:
        """The limits of one read."""
        config = self.config
        return Limits(config.max_lines, int(config.max_bytes), req.scan, config.max_line_length * 4 + 4)

    def pipeline(self, file: LogFile, req: LogRequest) -> Pipeline:
        """How `file`'s lines are cleaned and parsed for `req` (blocking: detects the format)."""
        parse = req.filter.needs_parse or req.format == "json"
        return Pipeline(
            self.formats.choose(file, self.open), self.redactor, self.config.max_line_length, parse
        )

    async def _read_merged(self, query: Mapping[str, str], uri: str) -> Contents:
        req = self.request(query, uri)
        if "files" in query:
            names = [n for n in query["files"].split(",") if n]
            for name in names:
                await self.lookup(name, uri)
        else:
            names = [f.name for f in (await self.run_sync(self.rescan)).values() if f.age == 0]
        if not names:
            raise InvalidRequest("No files to merge", uri=uri, argument="files")
        return await self.run_sync(read_merged, self, names, req, uri)

    async def check(self, uri: str) -> str:
        """Validate `uri` like a read; events are published under the file's (or the merged view's) URI."""
        path = parse_uri(uri, self.prefix, None)
        if not path.parts:
            check_params(path, MERGED_PARAMS)
            self.request(path.query, uri)
            return self.prefix
        check_params(path, FILE_PARAMS)
        self.request(path.query, uri)
        return self.file_uri((await self.lookup("/".join(path.parts), uri)).name)

    async def complete(
        self, template: str, argument: str, value: str, context: Mapping[str, str]
    ) -> Completion:
        """File names, level names and output formats."""
        if argument in ("file", "files"):
            head, _, value = value.rpartition(",") if argument == "files" else ("", "", value)
            catalog = await self.run_sync(self.rescan)
            candidates = [
                (f"{head}," if head else "") + n for n in catalog if argument == "file" or catalog[n].age == 0
            ]
            value = (f"{head}," if head else "") + value
        elif argument == "level":
            candidates = list(LEVELS)
        elif argument == "format":
            candidates = list(OUTPUTS)
        else:
            return Completion()
        values = [c for c in candidates if c.startswith(value)]
        return Completion(values[:100], len(values), len(values) > 100)

    # --- change notifications -----------------------------------------------------

    @property
    def watches(self) -> bool:
        """True unless `watch = false`."""
        return self.config.watch

    async def watch(self, publish: Publish, *, task_status: TaskStatus[None] = TASK_STATUS_IGNORED) -> None:
        """Announce appends, rotations and new files (see `watch.py`)."""
        from mcp_resources.builtins.logs.watch import LogWatcher

        await LogWatcher(self).run(publish, task_status.started)
