"""Built-in plugin: the prompt library shipped with mcp-resources.

The library lives in the repository's top-level `prompts/` folder; wheels
carry it as `mcp_resources/library` (see `pyproject.toml`), and a source
checkout or editable install reads the folder itself. `[prompts] library =
false` (or `[plugins] disable = ["prompt-library"]`) leaves it out.
"""

from __future__ import annotations

from collections.abc import Callable
from importlib.resources import files
from pathlib import Path

from mcp_resources.hookspecs import PromptSource, hookimpl

__all__ = ["LIBRARY_PLUGIN", "library_folder", "register_prompt_loaders"]

LIBRARY_PLUGIN = "prompt-library"
"""This plugin's name in `BUILTIN_PLUGINS`."""


def library_folder() -> PromptSource:
    """The library's folder: packaged in a wheel, or `prompts/` beside the package in a checkout."""
    packaged = files("mcp_resources") / "library"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[2] / "prompts"


@hookimpl
def register_prompt_loaders(register: Callable[[PromptSource], None]) -> None:
    """Register the library folder."""
    register(library_folder())
