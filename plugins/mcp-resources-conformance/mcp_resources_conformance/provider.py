"""The fixture resources of the conformance suite's server scenarios, as one resource provider.

The scenarios read fixed URIs under `test://` (the provider's prefix when its
table is `[providers.test]`) and check what comes back:

| URI | scenario | contents |
|---|---|---|
| `test://static-text` | resources-read-text | a fixed sentence, `text/plain` |
| `test://static-binary` | resources-read-binary | a 1x1 PNG, as a blob |
| `test://template/{id}/data` | resources-templates-read | JSON naming the `id` |
| `test://watched-resource` | resources-subscribe, -unsubscribe | a revision number that really changes |
| `test://example-resource` | prompts-get-embedded-resource | a fixed sentence, embedded by a prompt |
"""

from __future__ import annotations

import json
import re
import struct
import zlib
from collections.abc import Mapping, Sequence

import anyio
from anyio import TASK_STATUS_IGNORED
from anyio.abc import TaskStatus
from pydantic import Field

from mcp_resources import (
    BlobContent,
    Completion,
    Contents,
    InvalidRequest,
    ProviderConfig,
    Publish,
    Resource,
    ResourceNotFound,
    ResourcePage,
    ResourceProvider,
    ResourceTemplate,
    ResourceUpdated,
    TextContent,
)

__all__ = [
    "EXAMPLE_IDS",
    "EXAMPLE_TEXT",
    "STATIC_TEXT",
    "ConformanceConfig",
    "ConformanceProvider",
    "one_pixel_png",
]

STATIC_TEXT = "This is the content of the static text resource."
EXAMPLE_TEXT = "Embedded resource content for testing."
EXAMPLE_IDS = ("123", "456", "789")
"""Values offered as completions of the template's `id` (any id reads)."""
TEMPLATE_PATH = "template/{id}/data"
_TEMPLATE_URI = re.compile(r"template/([A-Za-z0-9_-]{1,64})/data")


def one_pixel_png() -> bytes:
    """A valid PNG of one orange pixel, built here rather than stored as a binary file."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)  # 1x1, 8 bits per channel, RGB
    pixels = zlib.compress(b"\x00\xff\x80\x00")  # the row's filter byte, then the pixel
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")


class ConformanceConfig(ProviderConfig):
    """`[providers.test]` with `type = "conformance"`."""

    watched_interval_s: float = Field(default=1.0, gt=0, le=3600)
    """How often `watched-resource` changes; each change is announced to its subscribers."""


class ConformanceProvider(ResourceProvider[ConformanceConfig]):
    """Serves the conformance fixtures; `watched-resource` gets a new revision every interval."""

    type_name = "conformance"
    config_model = ConformanceConfig

    def __init__(self, name: str, config: ConformanceConfig, prefix: str) -> None:
        super().__init__(name, config, prefix)
        self.revision = 0
        """Revision of `watched-resource`, bumped by `watch()`."""
        self._fixed: dict[str, tuple[str, str]] = {  # name -> (mime type, description)
            "example-resource": ("text/plain", "Embedded by the prompt test_prompt_with_embedded_resource"),
            "static-binary": ("image/png", "A 1x1 PNG image"),
            "static-text": ("text/plain", "A fixed sentence"),
            "watched-resource": ("text/plain", f"Changes every {config.watched_interval_s:g} s"),
        }

    async def list_resources(self, cursor: str | None, limit: int) -> ResourcePage:
        """The fixed fixtures in name order; the cursor is the last name of the page."""
        names = sorted(self._fixed)
        if cursor is not None and cursor not in self._fixed:
            raise InvalidRequest("Invalid cursor", cursor=cursor)
        after = [n for n in names if cursor is None or n > cursor]
        page = after[:limit]
        items = [
            Resource(self.prefix + n, n, description=self._fixed[n][1], mime_type=self._fixed[n][0])
            for n in page
        ]
        return ResourcePage(items, page[-1] if len(after) > limit and page else None)

    async def list_templates(self) -> Sequence[ResourceTemplate]:
        """The one template: `test://template/{id}/data`."""
        return [
            ResourceTemplate(
                self.prefix + TEMPLATE_PATH,
                "template-data",
                description="JSON naming the id it was read with",
                mime_type="application/json",
            )
        ]

    async def read(self, uri: str) -> Sequence[Contents]:
        """One fixture, or the template's JSON for any id of letters, digits, `-` and `_`."""
        name = uri[len(self.prefix) :]
        if name in ("static-text", "example-resource"):
            return [TextContent(uri, STATIC_TEXT if name == "static-text" else EXAMPLE_TEXT, "text/plain")]
        if name == "static-binary":
            return [BlobContent(uri, one_pixel_png(), "image/png")]
        if name == "watched-resource":
            return [TextContent(uri, f"Revision {self.revision} of the watched resource.", "text/plain")]
        if found := _TEMPLATE_URI.fullmatch(name):
            data = {"id": found.group(1), "templateTest": True, "data": f"Data for ID: {found.group(1)}"}
            return [TextContent(uri, json.dumps(data), "application/json")]
        raise ResourceNotFound(uri)

    async def complete(
        self, template: str, argument: str, value: str, context: Mapping[str, str]
    ) -> Completion:
        """The example ids starting with `value`, for the template's `id`."""
        if template != self.prefix + TEMPLATE_PATH or argument != "id":
            raise InvalidRequest("No completions for this argument", uri=template, argument=argument)
        values = [i for i in EXAMPLE_IDS if i.startswith(value)]
        return Completion(values, len(values))

    async def watch(self, publish: Publish, *, task_status: TaskStatus[None] = TASK_STATUS_IGNORED) -> None:
        """Give `watched-resource` a new revision every interval and announce it."""
        task_status.started()
        while True:
            await anyio.sleep(self.config.watched_interval_s)
            self.revision += 1
            await publish(ResourceUpdated(self.prefix + "watched-resource"))
