"""Which log files a provider serves: its globs under the root, and their rotated siblings.

The catalog is a dict from name (`nginx/access.log`) to `LogFile`, built by
listing folders through the root's descriptor, never following a symlink. A
client's URI is only ever looked up in it: no name is joined onto a path
(LOG-1). The siblings of `app.log` are `app.log.1`, `app.log.2.gz`,
`app.log-20250101` and the like in the same folder; they are served too and
searched, by inode or content, when a follow cursor crosses a rotation.
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Callable
from dataclasses import dataclass
from fnmatch import fnmatchcase

from mcp_resources.builtins.filesystem.reading import iso_time
from mcp_resources.builtins.filesystem.sandbox import Refused, Sandbox
from mcp_resources.components import Resource
from mcp_resources.uris import addressable

__all__ = ["LogFile", "list_entries", "scan_catalog"]

_SUFFIX = re.compile(r"^(?:\.(\d{1,6})|-(\d{8,14}))(\.gz)?$|^(\.gz)$")


@dataclass(frozen=True, slots=True)
class LogFile:
    """A served log file."""

    name: str
    """Its path under the root, `/`-separated: the URI path and the listing name."""
    parts: tuple[str, ...]
    base: str
    """The live file it was rotated from (its own name for a live file)."""
    age: int
    """0 for the live file; rotated siblings count up from the newest."""
    compressed: bool


def scan_catalog(sandbox: Sandbox, globs: list[str], rotated: bool) -> dict[str, LogFile]:
    """Every regular file matching `globs`, plus (with `rotated`) their rotated siblings."""
    found: dict[str, LogFile] = {}
    for glob in globs:
        for parts in _match(sandbox, (), tuple(glob.split("/"))):
            name = "/".join(parts)
            found.setdefault(name, LogFile(name, parts, name, 0, name.endswith(".gz")))
    if rotated:
        for live in [f for f in found.values() if f.age == 0]:
            for sibling in _siblings(sandbox, live):
                if sibling.name not in found or found[sibling.name].age == 0:
                    found[sibling.name] = sibling
    return dict(sorted(found.items()))


def _entries(sandbox: Sandbox, folder: tuple[str, ...]) -> list[os.DirEntry[str]]:
    try:
        with sandbox.directory(folder) as fd, os.scandir(fd) as listing:
            return [e for e in listing if addressable(e.name)]
    except (Refused, OSError):
        return []


def _match(sandbox: Sandbox, folder: tuple[str, ...], pattern: tuple[str, ...]) -> list[tuple[str, ...]]:
    head, rest = pattern[0], pattern[1:]
    matches: list[tuple[str, ...]] = []
    for entry in _entries(sandbox, folder):
        if not fnmatchcase(entry.name, head):
            continue
        try:
            mode = entry.stat(follow_symlinks=False).st_mode
        except OSError:
            continue
        if rest and stat.S_ISDIR(mode):
            matches.extend(_match(sandbox, (*folder, entry.name), rest))
        elif not rest and stat.S_ISREG(mode):
            matches.append((*folder, entry.name))
    return matches


def _siblings(sandbox: Sandbox, live: LogFile) -> list[LogFile]:
    folder, stem = live.parts[:-1], live.parts[-1]
    ranked: list[tuple[tuple[int, int], str, bool]] = []
    for entry in _entries(sandbox, folder):
        if not entry.name.startswith(stem) or entry.name == stem:
            continue
        suffix = _SUFFIX.match(entry.name[len(stem) :])
        if suffix is None or not entry.is_file(follow_symlinks=False):
            continue
        number, date, gz, bare_gz = suffix.groups()
        # app.log.1 is newer than app.log.2; app.log-20250102 newer than app.log-20250101.
        order = (0, int(number)) if number else (1, -int(date)) if date else (0, 0)
        ranked.append((order, entry.name, bool(gz or bare_gz)))
    ranked.sort()
    return [
        LogFile("/".join((*folder, name)), (*folder, name), live.name, age, compressed)
        for age, (_, name, compressed) in enumerate(ranked, start=1)
    ]


def list_entries(
    sandbox: Sandbox, catalog: dict[str, LogFile], name: str, uri: Callable[[str], str], tail_lines: int
) -> list[Resource]:
    """The listing: the merged view (with more than one live log), then each file with size and mtime."""
    entries: list[Resource] = []
    if sum(1 for f in catalog.values() if f.age == 0) > 1:
        entries.append(
            Resource(uri(""), f"{name} (merged)", "All logs merged by time", mime_type="text/plain")
        )
    for file in catalog.values():
        try:
            st = sandbox.lstat(file.parts)
        except Refused:
            continue  # gone since the scan
        rotated = f"rotated from {file.base}; " if file.age else ""
        entries.append(
            Resource(
                uri(file.name),
                file.name,
                file.parts[-1],
                f"{rotated}last {tail_lines} lines (templates: windows, filters, follow)",
                "text/plain",
                st.st_size,
                iso_time(st.st_mtime),
            )
        )
    entries.sort(key=lambda r: r.uri)
    return entries
