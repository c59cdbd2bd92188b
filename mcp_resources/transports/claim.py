"""The process's stdin and stdout, claimed for the protocol while serving.

The protocol gets private copies of fds 0 and 1; meanwhile fd 0 reads the
null device and fd 1 points at stderr, so a stray print call, a plugin or a
child process can neither corrupt the protocol nor steal a client's message
(what the SDK's own stdio transport does too). Both are restored on exit.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Iterator

__all__ = ["claimed_stdio"]


@contextlib.contextmanager
def claimed_stdio() -> Iterator[tuple[int, int]]:
    """(stdin, stdout) descriptors for the protocol, valid until exit."""
    stdin = fcntl.fcntl(0, fcntl.F_DUPFD_CLOEXEC, 3)
    stdout = fcntl.fcntl(1, fcntl.F_DUPFD_CLOEXEC, 3)
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.close(null)
    os.dup2(2, 1)
    try:
        yield stdin, stdout
    finally:
        os.dup2(stdin, 0)
        os.dup2(stdout, 1)
        os.close(stdin)
        os.close(stdout)
