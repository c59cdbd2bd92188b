"""Value types shared by every config model: paths next to the config file, secrets, strict tables."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, SecretStr, ValidationInfo

__all__ = ["ConfigPath", "Secret", "Strict"]


def _resolve_path(value: Any, info: ValidationInfo) -> Any:
    # Relative paths in the file mean "next to the config file", whatever the cwd.
    if isinstance(value, str | os.PathLike):
        path = Path(value).expanduser()
        base = (info.context or {}).get("base_dir")
        if not path.is_absolute() and base is not None:
            path = Path(base) / path
        return Path(os.path.normpath(path))
    return value


def _resolve_secret(value: Any) -> Any:
    # Secrets are written { env = "NAME" } so the file itself can be shared.
    if isinstance(value, Mapping):
        if set(value) != {"env"} or not isinstance(value["env"], str):
            raise ValueError('expected a string or { env = "VARIABLE" }')
        name = value["env"]
        if name not in os.environ:
            raise ValueError(f"environment variable {name} is not set; export it before starting the server")
        return os.environ[name]
    return value


ConfigPath = Annotated[Path, BeforeValidator(_resolve_path)]
"""A path; relative values resolve against the config file's folder, `~` expands."""

Secret = Annotated[SecretStr, BeforeValidator(_resolve_secret)]
"""A secret string, written literally or as `{ env = "NAME" }` (never logged)."""


class Strict(BaseModel):
    """A config table: unknown keys are errors (with a suggestion), values are frozen."""

    model_config = ConfigDict(extra="forbid", frozen=True)
