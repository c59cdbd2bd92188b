"""The `[providers.NAME]` table of `type = "logs"`."""

from __future__ import annotations

import re

from pydantic import BaseModel, ByteSize, ConfigDict, Field, field_validator, model_validator

from mcp_resources.components import ProviderConfig
from mcp_resources.config import ConfigPath

__all__ = ["FormatConfig", "LogsConfig"]

_FORMAT_NAME = re.compile(r"^[a-z][a-z0-9_-]{0,31}$")


class FormatConfig(BaseModel):
    """`[providers.NAME.formats.FORMAT]`: a log line format of your own."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    pattern: str
    """A Python regex matched at the start of a line, with named groups `time`, `level`, `message`."""
    time_format: str | None = None
    """A `strptime` format for the `time` group (default: ISO 8601 or an epoch number)."""
    files: list[str] = []
    """Globs of the files in this format (default: tried first when detecting any file's format)."""


class LogsConfig(ProviderConfig):
    """Serve the log files under one folder: tails, windows, filters, follow-by-cursor."""

    root: ConfigPath
    """The folder holding the logs; relative to the config file."""
    files: list[str] = ["*.log"]
    """Globs of the served files, relative to `root` (`*`, `?`, `[...]` per path component)."""
    rotated: bool = True
    """Also serve rotated siblings of each file (`app.log.1`, `app.log.2.gz`, `app.log-20250101`)."""
    format: str = "auto"
    """Line format: `auto` (detected per file) or a format name (built-in or from `formats`)."""
    formats: dict[str, FormatConfig] = {}
    """Formats of your own, by name."""
    tail_lines: int = Field(200, ge=1, le=100_000)
    """Lines a plain read returns (the end of the file)."""
    max_lines: int = Field(5000, ge=1, le=1_000_000)
    """Most lines one read returns; more are cut, with a link to the rest."""
    scan_lines: int = Field(100_000, ge=1, le=10_000_000)
    """Most lines a filtered read looks through, from the end, to find its matches."""
    max_bytes: ByteSize = Field(ByteSize(1 << 20), ge=1024, le=64 << 20)
    """Most bytes of text one read returns; more are cut, with a link to the rest."""
    max_line_length: int = Field(4096, ge=80, le=1 << 20)
    """Characters kept of a longer line (the rest is replaced by a marker)."""
    redact: list[str] = []
    """More regexes whose matches are replaced by `[REDACTED]` (a `secret` group: only that part)."""
    redact_defaults: bool = True
    """Redact common secrets: bearer tokens, passwords in key=value, cloud keys, private keys."""
    time_limit_ms: int = Field(2000, ge=10, le=600_000)
    """A filtered read stops looking after this long and says so."""
    watch: bool = True
    """Send change notifications when a log grows, rotates, or a new log appears."""

    @field_validator("root")
    @classmethod
    def _root_is_a_folder(cls, root: ConfigPath) -> ConfigPath:
        if not root.is_dir():
            raise ValueError(f"folder {str(root)!r} does not exist; create it or fix the path")
        return root

    @field_validator("files")
    @classmethod
    def _relative_globs(cls, globs: list[str]) -> list[str]:
        if not globs:
            raise ValueError('list at least one glob, e.g. files = ["*.log"]')
        for glob in globs:
            parts = glob.split("/")
            if glob.startswith("/") or any(p in ("", ".", "..") for p in parts):
                raise ValueError(f"{glob!r} must be a relative glob under root without '.' or '..'")
            if "**" in glob:
                raise ValueError(f"{glob!r}: '**' is not supported; list each folder level (logs/*/*.log)")
        return globs

    @model_validator(mode="after")
    def _known_formats(self) -> LogsConfig:
        from mcp_resources.builtins.logs.formats import FORMATS, regex_format

        for name, spec in self.formats.items():
            if not _FORMAT_NAME.match(name) or name in FORMATS or name == "auto":
                raise ValueError(f"format name {name!r} must be new, lowercase letters, digits, '-' or '_'")
            regex_format(name, spec.pattern, spec.time_format)  # raises ValueError with the fix
        if self.format != "auto" and self.format not in FORMATS and self.format not in self.formats:
            known = ", ".join(["auto", *FORMATS, *self.formats])
            raise ValueError(f"format {self.format!r} is unknown; use one of: {known}")
        if self.redact:
            from mcp_resources.builtins.logs.clean import Redactor

            Redactor(self.redact, defaults=False)  # raises ValueError naming the bad pattern
        return self
