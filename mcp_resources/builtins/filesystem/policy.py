"""Which files under the root a client may see: hidden, deny, exclude, include, .gitignore.

The same rules decide listing, reading, completion and (later) change
notifications, so a client can never read, or hear about, a file it cannot
list. Patterns use gitignore syntax (pathspec): `*.pem` matches at any depth,
`.ssh/` matches a folder and everything in it, `docs/**/*.md` anchors at the
root. Name rules are checked before anything is read from disk.
"""

from __future__ import annotations

import functools
import os
import stat
import time
from collections.abc import Sequence
from dataclasses import dataclass

from pathspec import GitIgnoreSpec

from mcp_resources.builtins.filesystem.sandbox import Refused, Sandbox

__all__ = ["SECRET_PATTERNS", "Policy"]

SECRET_PATTERNS: tuple[str, ...] = (
    ".env*",
    "*.pem",
    "*.key",
    "id_*",
    ".ssh/",
    ".git/",
    "*.p12",
    "*.pfx",
    "*.jks",
    "*.keystore",
    "*.kdbx",
    ".netrc",
    ".pgpass",
    ".git-credentials",
    ".npmrc",
    ".pypirc",
    ".aws/",
    ".gnupg/",
    ".docker/",
    ".kube/",
)
"""Secrets denied by default (`deny_secrets = true`), even when hidden files are shown."""

_GITIGNORE_MAX_BYTES = 1 << 20
_GITIGNORE_RECHECK_S = 1.0


@dataclass(slots=True)
class _Ignore:
    checked_at: float
    signature: tuple[int, int, int] | None
    spec: GitIgnoreSpec | None


class Policy:
    """Decides visibility of paths (as component tuples) under one root."""

    def __init__(
        self,
        sandbox: Sandbox,
        *,
        hidden: bool,
        include: Sequence[str],
        exclude: Sequence[str],
        deny: Sequence[str],
        gitignore: bool,
    ) -> None:
        self.sandbox = sandbox
        self.hidden = hidden
        self.include = GitIgnoreSpec.from_lines(include) if include else None
        self.exclude = GitIgnoreSpec.from_lines(exclude) if exclude else None
        self.deny = GitIgnoreSpec.from_lines(deny) if deny else None
        self.gitignore = gitignore
        self._ignores: dict[tuple[str, ...], _Ignore] = {}
        # Decisions from names alone never change, and reads and listings ask for them often.
        self._by_pattern = functools.lru_cache(maxsize=16384)(self._pattern_reason)
        self._by_name = functools.lru_cache(maxsize=4096)(self._name_reason)

    def dir_reason(self, parts: tuple[str, ...]) -> str | None:
        """Why the folder at `parts` is invisible, or `None` if it is visible."""
        if not parts:
            return None
        return self._by_pattern(parts, True) or self._gitignore_reason(parts, True)

    def file_reason(self, parts: tuple[str, ...]) -> str | None:
        """Why the file at `parts` is invisible (checked alone, not its folders)."""
        return self._by_pattern(parts, False) or self._gitignore_reason(parts, False)

    def path_reason(self, parts: tuple[str, ...], *, is_dir: bool) -> str | None:
        """Why `parts` is invisible, checking every folder on the way."""
        for depth in range(1, len(parts)):
            if reason := self.dir_reason(parts[:depth]):
                return reason
        return self.dir_reason(parts) if is_dir else self.file_reason(parts)

    def name_reason(self, parts: tuple[str, ...]) -> str | None:
        """Reasons decidable from names alone, for any type (checked before disk access)."""
        return self._by_name(parts)

    def _name_reason(self, parts: tuple[str, ...]) -> str | None:
        for depth in range(1, len(parts) + 1):
            prefix = parts[:depth]
            as_dir = "/".join(prefix) + "/"
            last = depth == len(parts)
            if not self.hidden and prefix[-1].startswith("."):
                return "hidden"
            # A secret pattern is checked both ways for the last name: its type is unknown yet.
            if self.deny is not None and (
                self.deny.match_file(as_dir) or (last and self.deny.match_file(as_dir[:-1]))
            ):
                return "denied"
            if self.exclude is not None and self.exclude.match_file(as_dir[:-1] if last else as_dir):
                return "excluded"
        return None

    def _pattern_reason(self, parts: tuple[str, ...], is_dir: bool) -> str | None:
        rel = "/".join(parts) + ("/" if is_dir else "")
        if not self.hidden and parts[-1].startswith("."):
            return "hidden"
        if self.deny is not None and self.deny.match_file(rel):
            return "denied"
        if self.exclude is not None and self.exclude.match_file(rel):
            return "excluded"
        if not is_dir and self.include is not None and not self.include.match_file(rel):
            return "not matched by include"
        return None

    def _gitignore_reason(self, parts: tuple[str, ...], is_dir: bool) -> str | None:
        return "ignored by .gitignore" if self.gitignore and self._ignored(parts, is_dir) else None

    # --- .gitignore -------------------------------------------------------------

    def _ignored(self, parts: tuple[str, ...], is_dir: bool) -> bool:
        ignored = False
        for depth in range(len(parts)):
            spec = self._spec(parts[:depth])
            if spec is None:
                continue
            rel = "/".join(parts[depth:]) + ("/" if is_dir else "")
            verdict = spec.check_file(rel).include
            if verdict is not None:
                ignored = verdict
        return ignored

    def _spec(self, folder: tuple[str, ...]) -> GitIgnoreSpec | None:
        now = time.monotonic()
        cached = self._ignores.get(folder)
        if cached is not None and now - cached.checked_at < _GITIGNORE_RECHECK_S:
            return cached.spec
        signature = self._signature((*folder, ".gitignore"))
        if cached is not None and cached.signature == signature:
            cached.checked_at = now
            return cached.spec
        spec = self._load((*folder, ".gitignore")) if signature is not None else None
        self._ignores[folder] = _Ignore(now, signature, spec)
        return spec

    def _signature(self, parts: tuple[str, ...]) -> tuple[int, int, int] | None:
        try:
            st = self.sandbox.lstat(parts)
        except Refused:
            return None
        if not stat.S_ISREG(st.st_mode):
            return None
        return (st.st_ino, st.st_size, st.st_mtime_ns)

    def _load(self, parts: tuple[str, ...]) -> GitIgnoreSpec | None:
        try:
            opened = self.sandbox.open(parts)
        except Refused:
            return None
        try:
            if opened.is_dir:
                return None
            data = _read_up_to(opened.fd, _GITIGNORE_MAX_BYTES)
        finally:
            os.close(opened.fd)
        return GitIgnoreSpec.from_lines(data.decode("utf-8", errors="replace").splitlines())


def _read_up_to(fd: int, limit: int) -> bytes:
    chunks, total = [], 0
    while total < limit:
        chunk = os.read(fd, min(65536, limit - total))
        if not chunk:
            break
        chunks.append(chunk)
        total += len(chunk)
    return b"".join(chunks)
