"""A rendered prompt -> MCP prompt messages, with resources embedded through the App's read path.

The worker's output is text with placeholders carrying the render's nonce
(`helpers.marker`): `message(role)` starts a message of that role, `resource(uri)`
becomes an embedded resource part, `image(uri)` an image part, `diff(old, new)`
a unified diff. A client's argument cannot forge a placeholder: it does not
know the nonce.

Resources are read with the same `read` the server uses for `resources/read`,
so every check a provider makes applies. One bigger than `max_embed` bytes is
embedded as its first window, followed by a note and a link to the whole
resource; a binary one that big (an image too) is linked, not embedded.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from mcp_resources.components import BlobContent, Contents, TextContent
from mcp_resources.errors import ClientError, InvalidRequest
from mcp_resources.prompts.helpers import marker_pattern
from mcp_resources.prompts.registry import Rendered

__all__ = ["EMBED_META", "PromptMessage", "build_messages"]

EMBED_META = "mcp-resources/embedded"
"""`_meta` key of an embedded resource that was cut: `{"bytes": shown, "of": total}`."""

Read = Callable[[str], Awaitable[Sequence[Contents]]]
Diff = Callable[[str, str, str, str], Awaitable[str]]


@dataclass(frozen=True)
class PromptMessage:
    """One message of a prompt: a role and one part (text, an embedded resource, an image or a link)."""

    role: str
    text: str | None = None
    resource: Contents | None = None
    image: BlobContent | None = None
    """An image resource shown as an image part (its MIME type is `image/...`)."""
    link: str | None = None
    """URI of a resource the client can read (a `resource_link` part)."""


class _Builder:
    def __init__(self, rendered: Rendered, read: Read, diff: Diff, max_embed: int) -> None:
        self.rendered = rendered
        self.read = read
        self.diff = diff
        self.max_embed = max_embed
        self.role = "user"
        self.messages: list[PromptMessage] = []

    def text(self, text: str) -> None:
        text = text.strip("\n")
        if text.strip():
            self.messages.append(PromptMessage(self.role, text=text))

    async def contents(self, uri: str) -> Sequence[Contents]:
        try:
            return await self.read(uri)
        except ClientError as exc:
            name = self.rendered.prompt.name
            raise InvalidRequest(
                f"Prompt {name!r} embeds {uri!r}: {exc.message}", prompt=name, uri=uri
            ) from None

    def link_binary(self, content: BlobContent) -> None:
        note = f"[{content.uri} is {len(content.data)} bytes of binary data: linked, not embedded]"
        self.messages.append(PromptMessage(self.role, text=note))
        self.messages.append(PromptMessage(self.role, link=content.uri))

    async def embed(self, uri: str) -> None:
        for content in await self.contents(uri):
            if isinstance(content, BlobContent):
                if len(content.data) <= self.max_embed:
                    self.messages.append(PromptMessage(self.role, resource=content))
                else:
                    self.link_binary(content)
                continue
            data = content.text.encode("utf-8")
            if len(data) <= self.max_embed:
                self.messages.append(PromptMessage(self.role, resource=content))
                continue
            shown = _cut(data, self.max_embed)
            meta = {**(content.meta or {}), EMBED_META: {"bytes": len(shown), "of": len(data)}}
            window = TextContent(content.uri, shown.decode("utf-8"), content.mime_type, meta)
            self.messages.append(PromptMessage(self.role, resource=window))
            note = f"[embedded {len(shown)} of {len(data)} bytes of {content.uri}; read it for the rest]"
            self.messages.append(PromptMessage(self.role, text=note))
            self.messages.append(PromptMessage(self.role, link=content.uri))

    async def picture(self, uri: str) -> None:
        contents = await self.contents(uri)
        images = [
            c for c in contents if isinstance(c, BlobContent) and (c.mime_type or "").startswith("image/")
        ]
        if not contents or len(images) != len(contents):
            name = self.rendered.prompt.name
            raise InvalidRequest(
                f"Prompt {name!r} shows {uri!r} as an image, but it is not one", prompt=name, uri=uri
            )
        for image in images:
            if len(image.data) <= self.max_embed:
                self.messages.append(PromptMessage(self.role, image=image))
            else:
                self.link_binary(image)

    async def compare(self, old: str, new: str) -> None:
        texts = []
        for uri in (old, new):
            parts = await self.contents(uri)
            if not parts or not all(isinstance(p, TextContent) for p in parts):
                raise InvalidRequest(f"Cannot compare {uri!r}: it is not text", uri=uri)
            text = "".join(p.text for p in parts if isinstance(p, TextContent))
            texts.append(_cut(text.encode("utf-8"), self.max_embed).decode("utf-8"))
        found = await self.diff(texts[0], texts[1], old, new)
        body = f"```diff\n{found}```" if found else f"(no differences between {old} and {new})"
        self.messages.append(PromptMessage(self.role, text=body))


def _cut(data: bytes, limit: int) -> bytes:
    """At most `limit` bytes of UTF-8 text, ending at a line end when one is near."""
    if len(data) <= limit:
        return data
    cut = data[:limit]
    newline = cut.rfind(b"\n")
    if newline >= limit // 2:
        cut = cut[: newline + 1]
    return cut.decode("utf-8", "ignore").encode("utf-8")


async def build_messages(rendered: Rendered, read: Read, diff: Diff, max_embed: int) -> list[PromptMessage]:
    """The messages of a rendered prompt, embedding what its placeholders name."""
    builder = _Builder(rendered, read, diff, max_embed)
    position = 0
    for found in marker_pattern(rendered.nonce).finditer(rendered.text):
        builder.text(rendered.text[position : found.start()])
        position = found.end()
        kind, index = found.group(1), int(found.group(2))
        if kind == "role":
            builder.role = rendered.roles[index]
        elif kind == "res":
            await builder.embed(rendered.embeds[index])
        elif kind == "img":
            await builder.picture(rendered.embeds[index])
        else:
            await builder.compare(*rendered.diffs[index])
    builder.text(rendered.text[position:])
    return builder.messages
