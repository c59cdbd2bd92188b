"""Descriptor-relative access to a root folder (FS-2, FS-3).

The root is opened once. Every access walks the path one component at a time
with `openat(dirfd, name, O_NOFOLLOW)`, so `..` never appears and a symlink is
never followed by the kernel. With `follow_symlinks` on, a symlink is resolved
in user space and accepted only when its target stays inside the root; the
walk then restarts from the root along the resolved components, again with
`O_NOFOLLOW`, so a link swapped in between check and use makes the open fail
instead of escaping. Only regular files and folders are ever opened: the type
is checked with `lstat` before the open (a FIFO or device is never opened)
and again with `fstat` on the descriptor, which must be the same inode.
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Opened", "Refused", "Sandbox"]

_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
# O_NONBLOCK: if a FIFO is swapped in after the lstat, the open returns at once
# and the fstat check refuses it instead of the read hanging.
_FILE_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC | os.O_NOCTTY
_MAX_LINK_HOPS = 16


class Refused(Exception):
    """The path cannot be served; `reason` is safe to show a client."""

    def __init__(self, reason: str, *, missing: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.missing = missing


@dataclass(frozen=True, slots=True)
class Opened:
    """An open regular file or folder inside the root."""

    fd: int
    stat: os.stat_result
    parts: tuple[str, ...]
    """The components actually opened (symlinks resolved)."""

    @property
    def is_dir(self) -> bool:
        """Whether the descriptor is a folder."""
        return stat.S_ISDIR(self.stat.st_mode)


def _kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a FIFO"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "not a regular file"


class Sandbox:
    """A root folder opened once; every path under it is reached by `openat`."""

    def __init__(self, root: Path, *, follow_symlinks: bool = False) -> None:
        self.real = os.path.realpath(root)
        self.follow_symlinks = follow_symlinks
        self.fd = os.open(self.real, _DIR_FLAGS)

    def close(self) -> None:
        """Close the root descriptor."""
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1

    def lstat(self, parts: tuple[str, ...]) -> os.stat_result:
        """`lstat` of `parts` without following any symlink (raises `Refused`)."""
        if not parts:
            return os.fstat(self.fd)
        with self._parent(parts) as parent_fd:
            return self._lstat_at(parent_fd, parts[-1])

    def open(self, parts: tuple[str, ...]) -> Opened:
        """Open a regular file or folder under the root; the caller closes `fd`."""
        return self._open(parts, 0)

    def resolve_link(self, parts: tuple[str, ...]) -> tuple[str, ...]:
        """Resolve the symlink at `parts`; its target must stay inside the root."""
        if not self.follow_symlinks:
            raise Refused("symbolic links are not followed")
        try:
            real = os.path.realpath(os.path.join(self.real, *parts), strict=True)
        except OSError as exc:
            if exc.errno == errno.ELOOP:
                raise Refused("symbolic link loop") from None
            raise Refused("broken symbolic link", missing=True) from None
        if real != self.real and os.path.commonpath([real, self.real]) != self.real:
            raise Refused("symbolic link points outside the root")
        return Path(real).relative_to(self.real).parts

    @contextmanager
    def directory(self, parts: tuple[str, ...]) -> Iterator[int]:
        """A descriptor of the folder at `parts` (no symlinks), closed on exit."""
        if not parts:
            yield self.fd
            return
        with self._parent(parts) as parent_fd:
            fd = self._open_dir_at(parent_fd, parts[-1])
        try:
            yield fd
        finally:
            os.close(fd)

    # --- internals ------------------------------------------------------------

    def _open(self, parts: tuple[str, ...], hops: int) -> Opened:
        if not parts:
            return Opened(os.dup(self.fd), os.fstat(self.fd), ())
        fd, opened = self.fd, []
        try:
            for depth, name in enumerate(parts):
                before = self._lstat_at(fd, name)
                if stat.S_ISLNK(before.st_mode):
                    return self._follow(parts[: depth + 1], parts[depth + 1 :], hops)
                if depth < len(parts) - 1:
                    if not stat.S_ISDIR(before.st_mode):
                        raise Refused("no such file or folder", missing=True)
                    fd = self._open_dir_at(fd, name)
                    opened.append(fd)
                    continue
                if not (stat.S_ISREG(before.st_mode) or stat.S_ISDIR(before.st_mode)):
                    raise Refused(f"{_kind(before.st_mode)} cannot be read")
                try:
                    file_fd = os.open(name, _FILE_FLAGS, dir_fd=fd)
                except OSError as exc:
                    raise self._refusal(exc) from None
        finally:
            for each in opened:
                os.close(each)
        after = os.fstat(file_fd)
        if (after.st_dev, after.st_ino) != (before.st_dev, before.st_ino) or not (
            stat.S_ISREG(after.st_mode) or stat.S_ISDIR(after.st_mode)
        ):
            os.close(file_fd)
            raise Refused("the file changed while it was being opened")
        return Opened(file_fd, after, parts)

    def _follow(self, link: tuple[str, ...], rest: tuple[str, ...], hops: int) -> Opened:
        if hops >= _MAX_LINK_HOPS:
            raise Refused("too many symbolic links")
        return self._open(self.resolve_link(link) + rest, hops + 1)

    @contextmanager
    def _parent(self, parts: tuple[str, ...]) -> Iterator[int]:
        """Walk to the folder holding `parts[-1]` (every component a real folder)."""
        fd = self.fd
        opened: list[int] = []
        try:
            for name in parts[:-1]:
                fd = self._open_dir_at(fd, name)
                opened.append(fd)
            yield fd
        finally:
            for each in opened:
                os.close(each)

    def _open_dir_at(self, parent_fd: int, name: str) -> int:
        try:
            return os.open(name, _DIR_FLAGS, dir_fd=parent_fd)
        except OSError as exc:
            if exc.errno in (errno.ENOTDIR, errno.ELOOP):
                raise Refused("a path component is not a folder (or is a symbolic link)") from None
            raise self._refusal(exc) from None

    @staticmethod
    def _lstat_at(parent_fd: int, name: str) -> os.stat_result:
        try:
            return os.stat(name, dir_fd=parent_fd, follow_symlinks=False)
        except OSError as exc:
            raise Sandbox._refusal(exc) from None

    @staticmethod
    def _refusal(exc: OSError) -> Refused:
        if exc.errno in (errno.ENOENT, errno.ENOTDIR):
            return Refused("no such file or folder", missing=True)
        if exc.errno in (errno.EACCES, errno.EPERM):
            return Refused("permission denied")
        if exc.errno == errno.ENAMETOOLONG:
            return Refused("name too long")
        return Refused(f"cannot open ({errno.errorcode.get(exc.errno or 0, 'error')})")
