"""The error policy that keeps providers apart: one call guarded, one provider's events scoped.

The App routes every provider call through `guarded`, so a provider that
raises or hangs fails only the request it was serving, and what reaches the
server layer is either a result, a `ClientError` meant for the client, or an
`InternalError` with a generic message. Separate from `app` so the policy can
be read in one place, and so the merged-catalogue walk (`catalogue`) applies
the same policy without importing the App.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable
from typing import Any, TypeVar

from mcp_resources.clientlog import FOR_CLIENTS
from mcp_resources.components import ChangeEvent, Publish, ResourceProvider, ResourceUpdated
from mcp_resources.errors import ClientError, InternalError

__all__ = ["guarded", "own_events"]

# The App's logger, not this module's: its name reaches clients in notifications/message,
# and it stays what it was when this policy lived in app.py.
log = logging.getLogger("mcp_resources.app")
T = TypeVar("T")


async def guarded(
    provider: ResourceProvider[Any], work: Awaitable[T], what: str, request_timeout: float, **data: Any
) -> T:
    """Run one provider call under the request timeout (`request_timeout` seconds) and the error policy."""
    try:
        # asyncio's own timeout: half the cost of anyio.fail_after on this hot path.
        async with asyncio.timeout(request_timeout):
            return await work
    except ClientError:
        raise
    except TimeoutError:
        log.error(
            "provider %r: %s timed out after %ss",
            provider.name,
            what,
            request_timeout,
            extra=FOR_CLIENTS,
        )
        raise InternalError(f"Provider {provider.name!r} timed out", **data) from None
    except Exception:
        log.exception("provider %r: %s failed", provider.name, what, extra=FOR_CLIENTS)
        raise InternalError(**data) from None


def own_events(provider: ResourceProvider[Any], publish: Publish) -> Publish:
    """A publish that only lets a provider announce changes of its own URIs."""

    async def publish_own(event: ChangeEvent) -> None:
        if isinstance(event, ResourceUpdated) and not event.uri.startswith(provider.prefix):
            log.warning("provider %r published a URI it does not own: %r", provider.name, event.uri)
            return
        await publish(event)

    return publish_own
