"""The `filesystem` provider: the files under one root folder as resources.

URIs are `PREFIX` + the path relative to the root, each component
percent-encoded (`docs://guide/getting%20started.md`); `docs://` itself is the
root folder. Disk work runs in a small per-provider thread pool, so a slow or
hung disk stalls neither the event loop nor other providers. The one exception
is a small file read on a local filesystem whose data is already cached
(`localfs.py`): that is answered on the event loop, saving the thread hop.
"""

from __future__ import annotations

import functools
import logging
import os
from collections.abc import Mapping, Sequence
from typing import ClassVar

from anyio import TASK_STATUS_IGNORED
from anyio.abc import TaskStatus

from mcp_resources.builtins.filesystem.config import FilesystemConfig
from mcp_resources.builtins.filesystem.localfs import LocalCheck
from mcp_resources.builtins.filesystem.policy import SECRET_PATTERNS, Policy
from mcp_resources.builtins.filesystem.reading import FILE_PARAMS, iso_time, read_file, read_folder
from mcp_resources.builtins.filesystem.rooted import RootedProvider
from mcp_resources.builtins.filesystem.sandbox import Opened, Refused, Sandbox
from mcp_resources.builtins.filesystem.scan import FolderCache
from mcp_resources.builtins.filesystem.source import FileSource, WouldBlock
from mcp_resources.builtins.filesystem.templates import complete_path, make_templates
from mcp_resources.builtins.filesystem.walk import Entry, list_page, scan_folder
from mcp_resources.builtins.filesystem.watch import FolderWatcher
from mcp_resources.components import (
    Completion,
    Contents,
    Publish,
    Resource,
    ResourcePage,
    ResourceTemplate,
)
from mcp_resources.errors import AccessDenied, InvalidRequest, ResourceNotFound
from mcp_resources.sniff import SAMPLE_SIZE, TypeCache
from mcp_resources.uris import ResourcePath, build_uri, parse_uri

__all__ = ["FilesystemProvider"]

log = logging.getLogger(__name__)


class FilesystemProvider(RootedProvider[FilesystemConfig]):
    """Serves the visible files under `root`, read-only, never outside it."""

    type_name: ClassVar[str] = "filesystem"
    config_model = FilesystemConfig

    def __init__(self, name: str, config: FilesystemConfig, prefix: str) -> None:
        super().__init__(name, config, prefix)
        self._local: LocalCheck | None = None
        self._policy: Policy | None = None
        self._templates = make_templates(name, prefix, int(config.max_read_bytes))
        self._types = TypeCache()
        self._folders = FolderCache()

    # --- life cycle -----------------------------------------------------------

    async def start(self) -> None:
        """Open the root folder and prepare the visibility rules."""
        sandbox = Sandbox(self.config.root, follow_symlinks=self.config.follow_symlinks)
        deny = [*(SECRET_PATTERNS if self.config.deny_secrets else ()), *self.config.deny]
        self._sandbox = sandbox
        self._local = LocalCheck(sandbox.real)
        log.debug("provider %r: root opened; cached reads on the event loop: %s", self.name, self._local())
        self._policy = Policy(
            sandbox,
            hidden=self.config.hidden,
            include=self.config.include,
            exclude=self.config.exclude,
            deny=deny,
            gitignore=self.config.gitignore,
        )

    @property
    def policy(self) -> Policy:
        """The visibility rules (after `start()`)."""
        return self.started(self._policy)

    # --- listing --------------------------------------------------------------

    async def list_resources(self, cursor: str | None, limit: int) -> ResourcePage:
        """One page of visible files in path order (see `walk.py`)."""
        after = None
        if cursor is not None:
            try:
                after = parse_uri(self.prefix + cursor, self.prefix).parts
            except InvalidRequest:
                raise InvalidRequest("Invalid cursor", cursor=cursor) from None
        return await self.run_sync(self._list_sync, after, limit)

    def _list_sync(self, after: tuple[str, ...] | None, limit: int) -> ResourcePage:
        page = list_page(
            self.sandbox,
            self.policy,
            after,
            limit,
            allow_hardlinks=self.config.allow_hardlinks,
            max_depth=self.config.max_depth,
            cache=self._folders,
        )
        resources = [self._resource(parts, st) for parts, st in page.files]
        resume = page.resume_after
        next_cursor = None if resume is None else build_uri("", resume)
        return ResourcePage(resources, next_cursor)

    def _resource(self, parts: tuple[str, ...], st: os.stat_result) -> Resource:
        return Resource(
            uri=build_uri(self.prefix, parts),
            name="/".join(parts),
            title=parts[-1],
            mime_type=self._mime_type(parts, st),
            size=st.st_size,
            last_modified=iso_time(st.st_mtime),
        )

    def _mime_type(self, parts: tuple[str, ...], st: os.stat_result) -> str | None:
        try:
            return self._types.get(st, parts[-1], functools.partial(self._sample, parts)).mime_type
        except Refused:
            return None

    def _sample(self, parts: tuple[str, ...]) -> bytes:
        opened = self.sandbox.open(parts)
        try:
            return b"" if opened.is_dir else os.pread(opened.fd, SAMPLE_SIZE, 0)
        finally:
            os.close(opened.fd)

    # --- change notifications ----------------------------------------------------

    @property
    def watches(self) -> bool:
        """True unless `watch = false` in the config."""
        return self.config.watch

    async def watch(self, publish: Publish, *, task_status: TaskStatus[None] = TASK_STATUS_IGNORED) -> None:
        """Publish changes under the root until cancelled (see `watch.py`)."""
        await FolderWatcher(self).run(publish, task_status.started)

    async def check(self, uri: str) -> str:
        """Validate `uri` as a read would (without reading); return it without window parameters."""
        path = parse_uri(uri, self.prefix, FILE_PARAMS)
        if self.policy.name_reason(path.parts) is not None:
            raise AccessDenied(uri)
        return await self.run_sync(self._check_sync, path)

    def _check_sync(self, path: ResourcePath) -> str:
        opened = self._open(path)
        try:
            is_dir = opened.is_dir
        finally:
            os.close(opened.fd)
        return build_uri(self.prefix, path.parts, folder=is_dir)

    # --- templates and completion ----------------------------------------------

    async def list_templates(self) -> Sequence[ResourceTemplate]:
        """Path, byte-window and line-window templates."""
        return self._templates

    async def complete(
        self, template: str, argument: str, value: str, context: Mapping[str, str]
    ) -> Completion:
        """Complete `path` from the folders on disk, using what the client already typed."""
        if template not in {t.uri_template for t in self._templates}:
            raise InvalidRequest("Unknown resource template", uri=template)
        if argument != "path":
            return Completion()
        return await self.run_sync(complete_path, value, template, self.policy, self._scan)

    # --- reading --------------------------------------------------------------

    async def read(self, uri: str) -> Sequence[Contents]:
        """A file (whole or a window) or a folder listing."""
        path = parse_uri(uri, self.prefix, FILE_PARAMS)
        if self.policy.name_reason(path.parts) is not None:
            raise AccessDenied(uri)
        if self._local is not None and self._local():
            # Local disk, cached data: answer on the event loop and skip the thread hop.
            try:
                return self._read_sync(path, nowait=True)
            except WouldBlock:
                pass
        return await self.run_sync(self._read_sync, path, False)

    def _open(self, path: ResourcePath) -> Opened:
        """Open what `path` names, with every check a read makes; the caller closes it."""
        uri = path.uri
        try:
            opened = self.sandbox.open(path.parts)
        except Refused as refused:
            if refused.missing:
                raise ResourceNotFound(uri) from None
            raise InvalidRequest(f"Cannot read: {refused.reason}", uri=uri) from None
        try:
            for parts in {path.parts, opened.parts}:  # the link and its target must both be visible
                if self.policy.path_reason(parts, is_dir=opened.is_dir) is not None:
                    raise AccessDenied(uri)
            if not opened.is_dir and path.trailing_slash:
                raise InvalidRequest("Not a folder (remove the trailing '/')", uri=uri)
            if not opened.is_dir and opened.stat.st_nlink > 1 and not self.config.allow_hardlinks:
                raise AccessDenied(uri, "Access denied: files with several hard links are not served")
        except BaseException:
            os.close(opened.fd)
            raise
        return opened

    def _read_sync(self, path: ResourcePath, nowait: bool) -> list[Contents]:
        uri = path.uri
        opened = self._open(path)
        try:

            def link(query: Mapping[str, int]) -> str:
                return build_uri(self.prefix, path.parts, folder=opened.is_dir, query=query)

            if opened.is_dir:
                if nowait:
                    raise WouldBlock  # a folder of any size is listed in the worker thread
                entries = self._scan(opened.parts)
                return read_folder(
                    entries, uri, path.query, functools.partial(self._entry_uri, path.parts), link
                )
            max_bytes = int(self.config.max_read_bytes)
            source = FileSource(opened.fd, opened.stat.st_size, nowait)
            ctype = self._types.get(
                opened.stat, path.parts[-1], functools.partial(source.pread, SAMPLE_SIZE, 0)
            )
            return read_file(source, opened.stat, ctype, uri, path.query, max_bytes, link)
        finally:
            os.close(opened.fd)

    def _scan(self, folder: tuple[str, ...]) -> list[Entry]:
        return scan_folder(
            self.sandbox,
            self.policy,
            folder,
            allow_hardlinks=self.config.allow_hardlinks,
            cache=self._folders,
        )

    def _entry_uri(self, folder: tuple[str, ...], entry: Entry) -> str:
        return build_uri(self.prefix, (*folder, entry.name), folder=entry.is_dir)
