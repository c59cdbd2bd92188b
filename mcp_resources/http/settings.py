"""`[http]`: the config of a shared server (validated with the rest of the file, when it has one).

Choices that depend on the address given to `serve --http` (auth off on a
public bind, which Host headers to accept) are checked when serving starts,
by `mcp_resources.http.plan`, with the same file-key-fix messages.
"""

from __future__ import annotations

import hashlib
from typing import Literal

from pydantic import AnyHttpUrl, Field, field_validator, model_validator

from mcp_resources.configtypes import ConfigPath, Secret, Strict

__all__ = ["HttpSettings", "JwtSettings", "RateLimit", "StaticToken"]


class StaticToken(Strict):
    """`[[http.tokens]]`: one bearer token, who it stands for and what it may use."""

    principal: str = Field(min_length=1, max_length=200)
    """Name of whoever holds the token (in the audit log, metrics and rate limits)."""
    scopes: list[str]
    """Provider names this token may use; `"*"` for all of them."""
    sha256: str | None = Field(None, pattern=r"^[0-9a-f]{64}$")
    """Hex SHA-256 of the token (`mcp-resources token` prints one): the file never holds the token."""
    token: Secret | None = None
    """The token itself, literally or `{ env = "NAME" }` (hashed at start-up, then forgotten)."""
    token_file: ConfigPath | None = None
    """A file holding the token (first line; hashed at start-up)."""

    @model_validator(mode="after")
    def _one_source(self) -> StaticToken:
        given = [k for k in ("sha256", "token", "token_file") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError("give exactly one of `sha256`, `token` or `token_file`")
        return self

    def digest(self) -> bytes:
        """The token's SHA-256 digest (reads `token_file`; raises OSError if it cannot)."""
        if self.sha256 is not None:
            return bytes.fromhex(self.sha256)
        if self.token is not None:
            secret = self.token.get_secret_value()
        else:
            assert self.token_file is not None
            secret = self.token_file.read_text("utf-8").strip()
        if len(secret) < 16:
            raise ValueError("the token is shorter than 16 characters; use `mcp-resources token` to make one")
        return hashlib.sha256(secret.encode("utf-8")).digest()


class JwtSettings(Strict):
    """`[http.jwt]`: accept JSON Web Tokens signed by an identity provider."""

    public_key: ConfigPath | None = None
    """PEM file of the issuer's public key."""
    jwks: ConfigPath | None = None
    """JWKS file (the issuer's `jwks.json`, saved locally) holding its public keys."""
    audience: str = Field(min_length=1)
    """The `aud` a token must carry: this server's URL, e.g. "https://mcp.example.com/mcp"."""
    issuer: str | None = None
    """The `iss` a token must carry (checked when set)."""
    algorithms: list[Literal["RS256", "RS384", "RS512", "PS256", "ES256", "ES384", "EdDSA"]] = [
        "RS256",
        "ES256",
        "EdDSA",
    ]
    """Signature algorithms accepted (never `none`, never HMAC: the server holds no shared secret)."""
    principal_claim: str = "sub"
    """Claim naming the principal."""
    scopes_claim: str = "scope"
    """Claim listing the provider names the token may use (space-separated string or list)."""
    leeway_s: int = Field(30, ge=0, le=600)
    """Clock skew tolerated on `exp` and `nbf`, in seconds."""

    @model_validator(mode="after")
    def _one_key(self) -> JwtSettings:
        if (self.public_key is None) == (self.jwks is None):
            raise ValueError("give exactly one of `public_key` or `jwks`")
        return self


class RateLimit(Strict):
    """`[http.rate_limit]`: a token bucket per principal."""

    per_second: float = Field(50.0, ge=0)
    """Requests a principal may make per second, sustained (0 turns the limit off)."""
    burst: int = Field(100, ge=1)
    """Requests a principal may make at once before the sustained rate applies."""


def _exact(values: list[str]) -> list[str]:
    for value in values:
        if "*" in value:
            raise ValueError(f"{value!r}: wildcards are not allowed here; list each exact value")
    return values


class HttpSettings(Strict):
    """`[http]`: how `serve --http` authenticates, guards and limits clients."""

    auth: Literal["token", "jwt", "none"] = "token"
    """"token": static bearer tokens from `[[http.tokens]]`; "jwt": `[http.jwt]`; "none": no auth."""
    tokens: list[StaticToken] = []
    """The static bearer tokens (with `auth = "token"`)."""
    jwt: JwtSettings | None = None
    """JWT validation (with `auth = "jwt"`)."""
    allow_no_auth_remote: bool = False
    """Allow `auth = "none"` on an address other than loopback (anyone who can connect reads everything)."""
    public_url: AnyHttpUrl | None = None
    """The URL clients use, when it is not the bind address (behind a proxy): its host is accepted."""
    allowed_hosts: list[str] = []
    """More exact `Host` values to accept ("mcp.example.com", "mcp.example.com:8443")."""
    allowed_origins: list[str] = []
    """More exact `Origin` values to accept ("https://app.example.com")."""
    cors_origins: list[str] = []
    """Origins browsers may call from (CORS); empty: no CORS headers at all."""
    stateless: bool = False
    """No sessions: any replica can answer any request; handshake-era clients get no notifications."""
    max_sessions: int = Field(256, ge=1, le=100_000)
    """Handshake-era sessions open at once (a further one gets 503)."""
    session_idle_timeout: float = Field(1800.0, gt=0, le=86_400)
    """Seconds after which an idle session is closed."""
    rate_limit: RateLimit = RateLimit()
    """Per-principal request rate."""
    shutdown_timeout: float = Field(10.0, gt=0, le=600)
    """Seconds in-flight requests get to finish on SIGTERM."""

    _check_hosts = field_validator("allowed_hosts", "allowed_origins", "cors_origins")(_exact)
