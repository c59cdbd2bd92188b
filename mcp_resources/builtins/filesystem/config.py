"""The `[providers.NAME]` table of `type = "filesystem"`."""

from __future__ import annotations

from pydantic import ByteSize, Field, field_validator

from mcp_resources.components import ProviderConfig
from mcp_resources.config import ConfigPath

__all__ = ["FilesystemConfig"]


class FilesystemConfig(ProviderConfig):
    """Serve the files under one folder."""

    root: ConfigPath
    """The folder to serve; relative to the config file."""
    include: list[str] = []
    """gitignore-style patterns a file must match to be served (empty: every file)."""
    exclude: list[str] = []
    """gitignore-style patterns of files and folders never served."""
    hidden: bool = False
    """Serve names starting with a dot."""
    follow_symlinks: bool = False
    """Follow symbolic links whose target stays inside the root (never outside)."""
    deny_secrets: bool = True
    """Never serve common secret files (.env*, *.pem, *.key, id_*, .ssh/, .git/, ...)."""
    deny: list[str] = []
    """More gitignore-style patterns never served, even with `deny_secrets = false`."""
    gitignore: bool = True
    """Hide what the root's .gitignore files ignore."""
    allow_hardlinks: bool = False
    """Serve files with more than one hard link (one could alias a secret outside the root)."""
    max_read_bytes: ByteSize = Field(ByteSize(1 << 20), ge=1024, le=64 << 20)
    """Largest read; a bigger file is served in windows of this size."""
    max_depth: int = Field(32, ge=1, le=256)
    """Files with more path components than this are not listed (they stay readable)."""
    watch: bool = True
    """Send change notifications (watches every visible folder with the OS's file events)."""
    watch_step_ms: int = Field(5, ge=1, le=1000)
    """A burst of changes is announced once no new change came for this long."""
    watch_debounce_ms: int = Field(100, ge=1, le=60_000)
    """During continuous change, announce what changed at least this often."""

    @field_validator("root")
    @classmethod
    def _root_is_a_folder(cls, root: ConfigPath) -> ConfigPath:
        if not root.exists():
            raise ValueError(f"folder {str(root)!r} does not exist; create it or fix the path")
        if not root.is_dir():
            raise ValueError(f"{str(root)!r} is not a folder; point root at a folder")
        return root
