"""What `serve --http ADDRESS` will accept: hosts, origins and auth, checked against the bind.

Run before anything starts, so a risky or incomplete setup stops the server
with a message naming the file, the key and the fix: auth off on a public
address, token auth without tokens, a wildcard bind without the host names
clients will use.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from pathlib import Path

from mcp_resources.errors import ConfigError
from mcp_resources.http.settings import HttpSettings

__all__ = ["HttpPlan", "parse_address", "plan", "preflight"]

_LOOPBACK_NAMES = {"localhost"}
_WILDCARDS = {"0.0.0.0", "::", ""}  # noqa: S104 (named so they can be refused without a host list)


def parse_address(text: str) -> tuple[str, int]:
    """`[HOST:]PORT` (IPv6 as `[::1]:8000`) -> (host, port); the host defaults to 127.0.0.1."""
    host, sep, port = text.rpartition(":")
    if not sep:
        host, port = "127.0.0.1", text
    host = host.removeprefix("[").removesuffix("]") if host.startswith("[") else host
    if not port.isdigit() or not 0 <= int(port) <= 65535:
        raise ValueError(f"{text!r}: expected [HOST:]PORT, e.g. 8000 or 127.0.0.1:8000")
    return host or "0.0.0.0", int(port)  # noqa: S104 (":8000" means all interfaces, as in uvicorn)


def is_loopback(host: str) -> bool:
    """Whether `host` is a loopback name or address."""
    if host in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _host_port(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


@dataclass(frozen=True)
class HttpPlan:
    """The checked settings of one HTTP server."""

    host: str
    port: int
    allowed_hosts: list[str]
    allowed_origins: list[str]


def plan(settings: HttpSettings, host: str, port: int, source: Path) -> HttpPlan:
    """Check `settings` against the bind address; the exact Host/Origin allow-lists to enforce.

    `port` is the port clients use (when binding port 0, the port the OS chose).
    """
    problems = []
    loopback = is_loopback(host)
    if settings.auth == "none" and not loopback and not settings.allow_no_auth_remote:
        problems.append(
            f'{source}: http.auth: "none" on {host}, which is not a loopback address, lets anyone who '
            "can connect read everything; configure tokens, bind 127.0.0.1, or set "
            "http.allow_no_auth_remote = true if a proxy in front authenticates"
        )
    if settings.auth == "token" and not settings.tokens:
        problems.append(
            f'{source}: http.tokens: auth = "token" (the default) needs at least one [[http.tokens]] '
            "table; make one with `mcp-resources token NAME --scopes PROVIDER,...`, "
            'or set http.auth = "jwt" or "none"'
        )
    if settings.auth == "jwt" and settings.jwt is None:
        problems.append(f'{source}: http.jwt: auth = "jwt" needs an [http.jwt] table (public_key or jwks)')

    hosts = [_host_port(name, port) for name in ("127.0.0.1", "localhost", "::1")] if loopback else []
    if host not in _WILDCARDS and not loopback:
        hosts.append(_host_port(host, port))
    origins = [f"http://{h}" for h in hosts]
    if settings.public_url is not None:
        url = settings.public_url
        origin = f"{url.scheme}://{url.host}" + (f":{url.port}" if url.port not in (None, 80, 443) else "")
        hosts.append(origin.split("://", 1)[1])
        origins.append(origin)
    hosts += settings.allowed_hosts
    origins += settings.allowed_origins + settings.cors_origins
    if host in _WILDCARDS and not (settings.allowed_hosts or settings.public_url):
        problems.append(
            f"{source}: http.allowed_hosts: serving on every interface ({host or '*'}:{port}) needs the "
            "exact Host values clients send, to refuse DNS rebinding; add "
            f'allowed_hosts = ["server.example.com:{port}"] or set http.public_url'
        )
    if problems:
        raise ConfigError(problems)
    return HttpPlan(host, port, list(dict.fromkeys(hosts)), list(dict.fromkeys(origins)))


def preflight(settings: HttpSettings, source: Path, address: str | None) -> str:
    """What `serve --http ADDRESS` checks before it starts, without binding (for `check --http`).

    Raises `ValueError` for a malformed address and `ConfigError` for what serving would
    refuse (including unreadable token files and keys); returns a line saying it is fine.
    Without an address, checks against 127.0.0.1: what depends on the address is then left out.
    """
    from mcp_resources.http.auth import verifier_for  # PyJWT and cryptography: only when checking auth

    host, port = parse_address(address or "127.0.0.1:0")
    plan(settings, host, port, source)
    verifier_for(settings, source)
    where = address or "127.0.0.1 (pass --http [HOST:]PORT to check the address you will serve on)"
    return f"http: OK for {where}; auth: {settings.auth}"
