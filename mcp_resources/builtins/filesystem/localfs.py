"""Is a folder (and everything mounted under it) on a local filesystem?

File reads normally run in a worker thread, so a hung network mount can never
stall the event loop. A thread hop costs 100-300 µs, though, as much as the
rest of a small read. When the root and every mount below it are local
filesystems, a read is tried on the event loop first: its metadata lookups
can wait on a local disk at worst, never on a network, and its data is read
with `RWF_NOWAIT`, which fails instead of waiting when the data is not in
the page cache; then the read moves to the worker thread.

Linux only (it reads `/proc/self/mountinfo`); elsewhere every read uses the thread.
"""

from __future__ import annotations

import os
import time

__all__ = ["LOCAL_TYPES", "LocalCheck", "all_local"]

LOCAL_TYPES = frozenset(
    {
        "ext2",
        "ext3",
        "ext4",
        "xfs",
        "btrfs",
        "f2fs",
        "zfs",
        "bcachefs",
        "jfs",
        "nilfs2",
        "tmpfs",
        "ramfs",
        "overlay",
    }
)
_RECHECK_S = 10.0


def _unescape(field: str) -> str:
    # mountinfo escapes space, tab, newline and backslash as \ooo.
    return field.encode().decode("unicode_escape") if "\\" in field else field


def all_local(root: str, mountinfo: str = "/proc/self/mountinfo") -> bool:
    """Whether `root` and every mount point below it are on local filesystems."""
    if not hasattr(os, "RWF_NOWAIT"):
        return False
    try:
        with open(mountinfo, encoding="utf-8") as f:
            lines = f.read().splitlines()
    except OSError:
        return False
    best, best_type, below = "", "", []
    for line in lines:
        fields = line.split(" ")
        try:
            point, fstype = _unescape(fields[4]), fields[fields.index("-") + 1]
        except (IndexError, ValueError):
            return False
        if root == point or root.startswith(point.rstrip("/") + "/"):
            if len(point) >= len(best):
                best, best_type = point, fstype
        elif point.startswith(root.rstrip("/") + "/"):
            below.append(fstype)
    return best_type in LOCAL_TYPES and all(t in LOCAL_TYPES for t in below)


class LocalCheck:
    """`all_local(root)`, re-checked every few seconds (mounts can change)."""

    def __init__(self, root: str) -> None:
        self.root = root
        self._checked_at = -_RECHECK_S
        self._local = False

    def __call__(self) -> bool:
        now = time.monotonic()
        if now - self._checked_at >= _RECHECK_S:
            self._local = all_local(self.root)
            self._checked_at = now
        return self._local
