"""The `hello` provider: a greeting per configured name, and a template that greets anyone.

    [providers.hello]
    type = "hello"
    greeting = "Hi"
    names = ["Ada", "Grace"]

serves `hello://Ada` and `hello://Grace` (listed), reads `hello://{name}` for any
other name (the template), and completes `name` from the configured names.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from urllib.parse import quote, unquote

from pydantic import Field, field_validator

from mcp_resources import (
    Completion,
    Contents,
    InvalidRequest,
    ProviderConfig,
    Resource,
    ResourceNotFound,
    ResourcePage,
    ResourceProvider,
    ResourceTemplate,
    TextContent,
)
from mcp_resources_hello.filters import greet

__all__ = ["HelloConfig", "HelloProvider"]

_MAX_NAME = 64


class HelloConfig(ProviderConfig):
    """The keys of a `[providers.NAME]` table with `type = "hello"` (unknown keys are errors)."""

    greeting: str = Field("Hello", min_length=1, max_length=40)
    """The word each greeting starts with."""
    names: list[str] = ["world"]
    """The names listed as resources (any other name can still be read through the template)."""

    @field_validator("names")
    @classmethod
    def _usable(cls, names: list[str]) -> list[str]:
        # Checked at start-up, so a bad entry fails with the file and key, not on a client's read.
        for name in names:
            if not name.strip() or len(name) > _MAX_NAME or "/" in name:
                raise ValueError(f"{name!r} is not a usable name (1 to {_MAX_NAME} characters, no '/')")
        return names


class HelloProvider(ResourceProvider[HelloConfig]):
    """Greetings as text resources under the provider's prefix (`hello://` by default)."""

    type_name = "hello"
    config_model = HelloConfig

    def _uri(self, name: str) -> str:
        return self.prefix + quote(name, safe="")

    async def list_resources(self, cursor: str | None, limit: int) -> ResourcePage:
        """Keyset pages in name order: the cursor is the last name of the previous page."""
        after = [name for name in sorted(set(self.config.names)) if cursor is None or name > cursor]
        page = after[:limit]
        items = [Resource(self._uri(n), n, title=f"A greeting for {n}", mime_type="text/plain") for n in page]
        return ResourcePage(items, page[-1] if len(after) > limit else None)

    async def list_templates(self) -> Sequence[ResourceTemplate]:
        """One template: a greeting for any name."""
        return [
            ResourceTemplate(
                self.prefix + "{name}",
                "greeting",
                title="A greeting for anyone",
                description="Replace {name} with a name, e.g. " + self._uri("Ada"),
                mime_type="text/plain",
            )
        ]

    async def read(self, uri: str) -> Sequence[Contents]:
        """`Hello, NAME!` for `PREFIX NAME` (percent-encoded names are decoded once)."""
        encoded = uri[len(self.prefix) :]
        if "?" in encoded or "#" in encoded:
            raise InvalidRequest("A greeting takes no query or fragment", uri=uri)
        try:
            name = unquote(encoded, errors="strict")
        except UnicodeDecodeError:
            raise InvalidRequest("The name is not valid UTF-8", uri=uri) from None
        if not name.strip() or len(name) > _MAX_NAME or "/" in name:
            raise ResourceNotFound(uri)
        return [TextContent(uri, greet(name, self.config.greeting) + "\n", "text/plain")]

    async def complete(
        self, template: str, argument: str, value: str, context: Mapping[str, str]
    ) -> Completion:
        """The configured names starting with what was typed (case-insensitive)."""
        if argument != "name":
            return Completion()
        found = [n for n in sorted(set(self.config.names)) if n.lower().startswith(value.lower())]
        return Completion(found, len(found))
