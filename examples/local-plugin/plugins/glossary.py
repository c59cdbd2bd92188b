"""A one-off plugin: terms and their definitions from the config file, one resource per term.

Loaded because its folder is listed in `[plugins] dirs`; the file name (`glossary`) is the
plugin's name for `[plugins] disable`. It uses only the public API; for a plugin others can
pip install, start from plugins/mcp-resources-hello instead.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any
from urllib.parse import quote, unquote

from mcp_resources import (
    Contents,
    ProviderConfig,
    Resource,
    ResourceNotFound,
    ResourcePage,
    ResourceProvider,
    TextContent,
    hookimpl,
)


class GlossaryConfig(ProviderConfig):
    """`[providers.NAME]` with `type = "glossary"`: a `terms` table of term = definition."""

    terms: dict[str, str]


class GlossaryProvider(ResourceProvider[GlossaryConfig]):
    """`glossary://TERM` reads `TERM: definition`."""

    type_name = "glossary"
    config_model = GlossaryConfig

    async def list_resources(self, cursor: str | None, limit: int) -> ResourcePage:
        """Terms in alphabetical order; the cursor is the last term of the previous page."""
        after = [term for term in sorted(self.config.terms) if cursor is None or term > cursor]
        page = [
            Resource(self.prefix + quote(term, safe=""), term, mime_type="text/plain")
            for term in after[:limit]
        ]
        return ResourcePage(page, after[limit - 1] if len(after) > limit else None)

    async def read(self, uri: str) -> Sequence[Contents]:
        """One term and its definition; an unknown term is `ResourceNotFound` (-32602 for the client)."""
        term = unquote(uri[len(self.prefix) :])
        if term not in self.config.terms:
            raise ResourceNotFound(uri)
        return [TextContent(uri, f"{term}: {self.config.terms[term]}\n", "text/plain")]


@hookimpl
def register_providers(register: Callable[[type[ResourceProvider[Any]]], None]) -> None:
    """Make `type = "glossary"` available to the config."""
    register(GlossaryProvider)
