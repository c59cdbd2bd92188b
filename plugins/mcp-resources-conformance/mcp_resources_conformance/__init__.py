"""mcp-resources-conformance: the fixtures of the official MCP conformance suite, as a plugin.

The server scenarios of `@modelcontextprotocol/conformance` expect fixed
resources, a template, prompts and completions. This plugin provides them
through the public plugin API only: the `conformance` provider type (see
`provider.py`) and a folder of prompt files. `scripts/conformance` serves it
with `mcp-resources.toml` next to this package and runs the suite.
"""

from __future__ import annotations

from importlib.resources import files
from typing import Any

from mcp_resources import hookimpl
from mcp_resources_conformance.provider import ConformanceProvider

__all__ = ["ConformanceProvider", "register_prompt_loaders", "register_providers"]


@hookimpl
def register_providers(register: Any) -> None:
    """The `conformance` provider type."""
    register(ConformanceProvider)


@hookimpl
def register_prompt_loaders(register: Any) -> None:
    """The prompts the prompts-* scenarios get (`test_simple_prompt`, ...)."""
    register(files(__name__) / "prompts")
