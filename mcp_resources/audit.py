"""A tamper-evident audit log: one JSON line per read, subscription, listen and prompt.

Each line carries `hash`, the SHA-256 of the previous line's hash followed by
this line's other fields as canonical JSON. Editing, removing, inserting or
reordering any line breaks the chain from that line on, which
`mcp-resources audit verify FILE` reports. (Cutting lines off the *end*
leaves a shorter valid chain: keep the last hash elsewhere, e.g. in the
system log the server writes it to at shutdown, to detect that too.)
A restarted server continues the chain of the file it finds.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from mcp_resources.errors import ConfigError

__all__ = ["GENESIS", "AuditLog", "ChainReport", "verify_chain"]

log = logging.getLogger(__name__)

GENESIS = "0" * 64
"""The `prev` of the first line of a log."""
_TAIL_BYTES = 64 << 10


def _chain(prev: str, fields: Mapping[str, Any]) -> str:
    canonical = json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(prev.encode("ascii") + canonical.encode("utf-8")).hexdigest()


def _last_hash(path: Path) -> str:
    """The hash the next line chains to: the file's last line's, or GENESIS for a new file."""
    try:
        with path.open("rb") as file:
            size = file.seek(0, os.SEEK_END)
            file.seek(max(0, size - _TAIL_BYTES))
            lines = file.read().splitlines()
    except FileNotFoundError:
        return GENESIS
    if not lines:
        return GENESIS
    try:
        value = json.loads(lines[-1])["hash"]
        if isinstance(value, str) and len(value) == 64:
            return value
    except (ValueError, KeyError, TypeError):
        pass
    raise ConfigError(
        [
            f"{path}: the last line is not an audit entry, so the chain cannot continue; "
            f"check it with `mcp-resources audit verify {path}` and move the file aside"
        ]
    )


class AuditLog:
    """Appends chained entries to a JSON-lines file (opened at start, one `write` per line)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._prev = _last_hash(path)
        try:
            self._fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC, 0o600)
        except OSError as exc:
            raise ConfigError([f"{path}: cannot open the audit log: {exc.strerror}"]) from None
        self.entries = 0

    def record(self, method: str, principal: str, outcome: str, **fields: Any) -> None:
        """Append one entry (`time`, `principal`, `method`, `outcome` and `fields`), chained."""
        entry = {
            "time": datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "principal": principal,
            "method": method,
            "outcome": outcome,
            **fields,
        }
        entry["hash"] = self._prev = _chain(self._prev, entry)
        line = json.dumps(entry, ensure_ascii=False, separators=(",", ":")) + "\n"
        try:
            # Small O_APPEND writes from the one event loop thread: whole lines, in order.
            os.write(self._fd, line.encode("utf-8"))
        except OSError:
            log.exception("could not write to the audit log %s", self.path)
        self.entries += 1

    def close(self) -> None:
        """Close the file, logging the last hash (keep it to detect a truncated log)."""
        os.close(self._fd)
        log.info("audit log %s: %d entries written, last hash %s", self.path, self.entries, self._prev)


@dataclass(frozen=True)
class ChainReport:
    """What `verify_chain` found."""

    entries: int
    last_hash: str
    broken_at: int | None = None
    """1-based line number of the first line that does not chain, or None."""
    problem: str = ""


def verify_chain(path: Path) -> ChainReport:
    """Check every line of an audit log against the chain (reads the file once, line by line)."""
    prev, count = GENESIS, 0
    with path.open("rb") as file:
        for number, raw in enumerate(file, 1):
            try:
                entry = json.loads(raw)
                claimed = entry.pop("hash")
            except (ValueError, KeyError, TypeError, AttributeError):
                return ChainReport(count, prev, number, "not a JSON audit entry")
            if _chain(prev, entry) != claimed:
                return ChainReport(count, prev, number, "hash mismatch: this or an earlier line was changed")
            prev, count = claimed, count + 1
    return ChainReport(count, prev)
