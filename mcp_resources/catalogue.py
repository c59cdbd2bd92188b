"""The merged resource catalogue: one page across every provider, and URI completion over it.

The App lists providers as one catalogue, in config order, each in its own
order, behind an opaque cursor naming the provider and that provider's own
cursor. Walking it is separate from `app` (which only routes) because it is
the one place that pages through several providers in turn; every call it
makes goes through the same error policy (`isolation.guarded`).
"""

from __future__ import annotations

import fnmatch
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from mcp_resources.components import Completion, Resource, ResourcePage, ResourceProvider
from mcp_resources.cursors import decode_cursor, encode_cursor
from mcp_resources.errors import InternalError, InvalidRequest
from mcp_resources.isolation import guarded

if TYPE_CHECKING:  # the prompt machinery is imported only when a config has prompts
    from mcp_resources.prompts.frontmatter import CompleteFromResources

__all__ = ["complete_uris", "list_page"]


async def list_page(
    providers: Sequence[ResourceProvider[Any]], cursor: str | None, limit: int, request_timeout: float
) -> ResourcePage:
    """Up to `limit` resources of `providers` from `cursor` on (a failing provider is skipped and logged)."""
    index, provider_cursor = _decode_cursor(cursor, providers)
    items: list[Resource] = []
    while index < len(providers) and len(items) < limit:
        provider = providers[index]
        try:
            page = await guarded(
                provider,
                provider.list_resources(provider_cursor, limit - len(items)),
                "listing",
                request_timeout,
            )
        except InternalError:
            # One broken provider must not hide the others: skip it (already logged).
            index, provider_cursor = index + 1, None
            continue
        items.extend(page.resources)
        if page.next_cursor is not None:
            return ResourcePage(items, encode_cursor(provider.name, page.next_cursor))
        index, provider_cursor = index + 1, None
    if index < len(providers):
        return ResourcePage(items, encode_cursor(providers[index].name, None))
    return ResourcePage(items, None)


async def complete_uris(
    providers: Sequence[ResourceProvider[Any]],
    source: CompleteFromResources,
    value: str,
    request_timeout: float,
    limit: int = 100,
) -> Completion:
    """URIs of the catalogue starting with `value` (at most 50 pages of each provider are looked at)."""
    found: list[str] = []
    more = False
    for provider in providers:
        if (source.provider and provider.name != source.provider) or (
            source.type and provider.type_name != source.type
        ):
            continue
        if not (provider.prefix.startswith(value) or value.startswith(provider.prefix)):
            continue
        cursor: str | None = None
        for _ in range(50):
            page = await guarded(
                provider, provider.list_resources(cursor, 100), "completion", request_timeout
            )
            for resource in page.resources:
                if resource.uri.startswith(value) and (
                    source.glob is None or fnmatch.fnmatchcase(resource.uri, source.glob)
                ):
                    found.append(resource.uri)
            cursor = page.next_cursor
            if cursor is None or len(found) > limit:
                break
        more = more or cursor is not None or len(found) > limit
    return Completion(found[:limit], None if more else len(found), more)


def _decode_cursor(cursor: str | None, providers: Sequence[ResourceProvider[Any]]) -> tuple[int, str | None]:
    if cursor is None:
        return 0, None
    name, inner = decode_cursor(cursor)
    for index, provider in enumerate(providers):
        if provider.name == name:
            return index, inner
    raise InvalidRequest("Invalid cursor", cursor=cursor)
