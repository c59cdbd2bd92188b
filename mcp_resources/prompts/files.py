"""Prompt folders: which files are prompts, read safely into memory.

A folder is read whole (every template file, prompts and partials alike) and
handed to the worker as a name -> text map, so includes resolve inside the
folder and nothing renders from disk. On disk, symlinks are skipped (files and
folders), hidden entries too, and each file is opened without following links.

Prompt files end in `.j2`, `.jinja` or `.jinja2` (`summarise.md.j2` is the
prompt `summarise`); a file whose name starts with `_` is a partial, available
to `{% include %}` but not a prompt.
"""

from __future__ import annotations

import hashlib
import os
import stat
from dataclasses import dataclass, field
from importlib.abc import Traversable
from pathlib import Path, PurePosixPath

__all__ = [
    "MAX_FILES",
    "MAX_FILE_BYTES",
    "FolderFiles",
    "PromptFolder",
    "default_name",
    "is_prompt",
    "read_folder",
]

TEMPLATE_SUFFIXES = (".j2", ".jinja", ".jinja2")
MAX_FILE_BYTES = 256 * 1024
"""Largest template file read."""
MAX_FILES = 1000
"""Most template files read from one folder."""
_MAX_DEPTH = 8


@dataclass(frozen=True)
class PromptFolder:
    """A source of prompts: a `[prompts] dirs` folder, a plugin's package folder or the library."""

    label: str
    """How errors name it: `prompts.dirs[0] (team-prompts)`, `plugin hello`, `library`."""
    root: Path | Traversable
    watch: bool = False
    """Whether to watch it for changes (config folders; packaged ones do not change)."""


@dataclass
class FolderFiles:
    """The template files of one folder, read."""

    folder: PromptFolder
    files: dict[str, str] = field(default_factory=dict)
    """Name in the folder (`review/diff.md.j2`) -> text."""
    problems: list[str] = field(default_factory=list)
    """Files that could not be read, one line each naming the file."""
    subfolders: list[Path] = field(default_factory=list)
    """Every folder read, the root included (to watch)."""

    @property
    def key(self) -> str:
        """Identifies this version of the folder's contents (the worker caches by it)."""
        digest = hashlib.sha256()
        for name in sorted(self.files):
            digest.update(name.encode() + b"\0" + self.files[name].encode() + b"\0")
        return digest.hexdigest()[:32]

    def prompts(self) -> list[str]:
        """Names (in the folder) of the files that are prompts, not partials."""
        return [name for name in sorted(self.files) if is_prompt(name)]


def is_prompt(name: str) -> bool:
    """Whether the file `name` is a prompt (a template whose file name does not start with `_`)."""
    return not PurePosixPath(name).name.startswith("_")


def default_name(file: str) -> str:
    """The prompt name of a file: its path without suffixes (`review/diff.md.j2` -> `review/diff`)."""
    path = PurePosixPath(file)
    stem = path.name.split(".", 1)[0]
    return str(path.with_name(stem))


def read_folder(folder: PromptFolder) -> FolderFiles:
    """Read every template file of `folder` (blocking: call it from a worker thread)."""
    result = FolderFiles(folder)
    if isinstance(folder.root, Path):
        _read_disk(folder.root, "", result, 0)
    else:
        _read_package(folder.root, "", result, 0)
    return result


def _wanted(name: str) -> bool:
    return not name.startswith(".") and name != "__pycache__"


def _add(result: FolderFiles, name: str, data: bytes) -> None:
    if len(result.files) >= MAX_FILES:
        result.problems.append(f"{result.folder.label}: more than {MAX_FILES} template files; {name} skipped")
    elif len(data) > MAX_FILE_BYTES:
        result.problems.append(f"{result.folder.label}/{name}: larger than {MAX_FILE_BYTES} bytes; skipped")
    else:
        try:
            result.files[name] = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            result.problems.append(f"{result.folder.label}/{name}: not UTF-8 (byte {exc.start}); skipped")


def _read_disk(root: Path, prefix: str, result: FolderFiles, depth: int) -> None:
    result.subfolders.append(root / prefix if prefix else root)
    try:
        entries = sorted(os.scandir(root / prefix), key=lambda e: e.name)
    except OSError as exc:
        result.problems.append(f"{result.folder.label}/{prefix}: cannot list: {exc.strerror}")
        return
    for entry in entries:
        name = f"{prefix}{entry.name}"
        if not _wanted(entry.name):
            continue
        if entry.is_symlink():
            result.problems.append(f"{result.folder.label}/{name}: a symlink; skipped")
        elif entry.is_dir(follow_symlinks=False):
            if depth < _MAX_DEPTH:
                _read_disk(root, f"{name}/", result, depth + 1)
        elif entry.name.endswith(TEMPLATE_SUFFIXES):
            try:
                data = _read_file(entry.path)
            except OSError as exc:
                result.problems.append(f"{result.folder.label}/{name}: cannot read: {exc.strerror}")
                continue
            _add(result, name, data)


def _read_file(path: str) -> bytes:
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise OSError(0, "not a regular file")
        with os.fdopen(os.dup(fd), "rb") as file:
            return file.read(MAX_FILE_BYTES + 1)
    finally:
        os.close(fd)


def _read_package(root: Traversable, prefix: str, result: FolderFiles, depth: int) -> None:
    for entry in sorted(root.iterdir(), key=lambda e: e.name):
        name = f"{prefix}{entry.name}"
        if not _wanted(entry.name):
            continue
        if entry.is_dir():
            if depth < _MAX_DEPTH:
                _read_package(entry, f"{name}/", result, depth + 1)
        elif entry.name.endswith(TEMPLATE_SUFFIXES):
            _add(result, name, entry.read_bytes())
