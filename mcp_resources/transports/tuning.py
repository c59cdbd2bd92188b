"""Process settings for a long-running server, applied once start-up is over.

Both are measured on this project's benchmarks (docs/benchmarks.md):

- The garbage collector: everything loaded at start-up lives as long as the
  process, so it is frozen out of the collector's full passes, which would
  otherwise stall a request for ~50 ms each. No collection first: it would
  take ~100 ms to find the few hundred objects start-up left behind (the
  command turns the collector off before its first import, `entry.py`, and
  it is turned back on here).
- glibc's allocator: a 1 MiB read allocates a few 1 MiB buffers (the file,
  its text, the JSON), and glibc hands each a fresh `mmap()` or trims the heap
  once it is freed, so every such read paid ~1,000 page faults, half its CPU.
  Buffers under 16 MiB now come from the heap, and up to 32 MiB of freed heap
  is kept for the next read instead of being returned at once.
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import os
import sys

__all__ = ["tune_for_serving"]

_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3


def tune_for_serving() -> None:
    """Freeze start-up objects out of garbage collection; keep big buffers on glibc's heap."""
    gc.freeze()
    gc.enable()
    if not sys.platform.startswith("linux") or any(k.startswith("MALLOC_") for k in os.environ):
        return  # elsewhere there is no glibc; a MALLOC_* variable means someone tuned it already
    with contextlib.suppress(OSError, AttributeError):  # musl and others: no mallopt, or a no-op
        mallopt = ctypes.CDLL(None).mallopt
        mallopt(_M_MMAP_THRESHOLD, 16 << 20)
        mallopt(_M_TRIM_THRESHOLD, 32 << 20)
