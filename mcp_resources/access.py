"""Who is asking, and which providers they may use: set per request, checked by the App.

The server layer sets the caller's `Access` for the duration of each request
(from the HTTP bearer token's scopes); the App consults it wherever a
provider is chosen, so listings, reads, completions, subscriptions and the
reads a prompt makes while rendering all obey the same rule. With no token
(stdio, in-process, HTTP with `auth = "none"`) everything is allowed.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

__all__ = ["ALL_PROVIDERS", "LOCAL", "Access", "acting_as", "current_access"]

ALL_PROVIDERS = "*"
"""The scope granting every provider."""


@dataclass(frozen=True)
class Access:
    """A principal and the provider names it may use (`None`: all of them)."""

    principal: str
    providers: frozenset[str] | None = None

    @classmethod
    def from_scopes(cls, principal: str, scopes: Iterable[str]) -> Access:
        """Access for a token's scopes: provider names, or `*` for every provider."""
        names = frozenset(scopes)
        return cls(principal, None if ALL_PROVIDERS in names else names)

    def allows(self, provider: str) -> bool:
        """Whether this principal may use provider `provider`."""
        return self.providers is None or provider in self.providers


LOCAL = Access("local")
"""Whoever started the server (stdio, in-process, HTTP without auth): everything."""

_current: ContextVar[Access] = ContextVar("mcp_resources_access", default=LOCAL)


def current_access() -> Access:
    """The access of the request being served."""
    return _current.get()


@contextmanager
def acting_as(access: Access) -> Iterator[None]:
    """Serve what runs inside as `access`."""
    token = _current.set(access)
    try:
        yield
    finally:
        _current.reset(token)
