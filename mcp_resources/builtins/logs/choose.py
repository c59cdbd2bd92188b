"""Which format each log file is in: declared for it, configured for all, or detected from its start."""

from __future__ import annotations

import os
from collections.abc import Callable
from fnmatch import fnmatchcase

from mcp_resources.builtins.logs.catalog import LogFile
from mcp_resources.builtins.logs.config import LogsConfig
from mcp_resources.builtins.logs.formats import FORMATS, LogFormat, detect, regex_format
from mcp_resources.builtins.logs.lines import open_stream

__all__ = ["FormatChooser"]

_SAMPLE = 1 << 16  # detection looks at the first 64 KiB (at most 200 lines)

Opener = Callable[[LogFile], tuple[int, os.stat_result]]


class FormatChooser:
    """Picks and remembers each file's format (detection is cached per file and inode)."""

    def __init__(self, config: LogsConfig) -> None:
        self.config = config
        self.custom = {n: regex_format(n, f.pattern, f.time_format) for n, f in config.formats.items()}
        undeclared = [self.custom[n] for n, f in config.formats.items() if not f.files]
        self.candidates = [*undeclared, *(f for n, f in FORMATS.items() if n != "plain")]
        self._detected: dict[str, tuple[int, LogFormat]] = {}

    def known(self, file: LogFile) -> LogFormat | None:
        """The format without touching the disk: declared, configured, or detected before."""
        cached = self._detected.get(file.name)
        return self._declared(file) or (cached[1] if cached else None)

    def _declared(self, file: LogFile) -> LogFormat | None:
        for name, spec in self.config.formats.items():
            if any(fnmatchcase(file.base, g) for g in spec.files):
                return self.custom[name]
        if self.config.format != "auto":
            return self.custom.get(self.config.format) or FORMATS[self.config.format]
        return None

    def choose(self, file: LogFile, open_file: Opener) -> LogFormat:
        """The format of `file`, detecting it from the file's start if needed (blocking)."""
        declared = self._declared(file)
        if declared is not None:
            return declared
        fd, st = open_file(file)
        try:
            cached = self._detected.get(file.name)
            if cached is not None and cached[0] == st.st_ino:
                return cached[1]
            sample = open_stream(fd, file.compressed).read(_SAMPLE)
        finally:
            os.close(fd)
        fmt = detect(sample.decode("utf-8", "replace").splitlines()[:200], self.candidates)
        self._detected[file.name] = (st.st_ino, fmt)
        return fmt
