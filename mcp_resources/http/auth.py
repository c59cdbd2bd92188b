"""Bearer-token verifiers for the SDK's auth middleware: static tokens and JWTs.

Static tokens are held only as SHA-256 digests and compared in constant time
against every configured digest (no early exit, no dict lookup on attacker
input). JWTs are verified with the issuer's public key (PEM or a JWKS file):
signature, `exp`/`nbf` with leeway, `aud`, and `iss` when configured; only
asymmetric algorithms are accepted, so a token cannot pick `none` or HMAC.
A token's scopes are the provider names it may use (`*`: all).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from collections import OrderedDict
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives.serialization import load_pem_public_key
from mcp.server.auth.provider import AccessToken, TokenVerifier

from mcp_resources.errors import ConfigError
from mcp_resources.http.settings import HttpSettings, JwtSettings, StaticToken

__all__ = ["JwtVerifier", "StaticTokenVerifier", "verifier_for"]

log = logging.getLogger(__name__)
_CACHE_SIZE = 1024


class StaticTokenVerifier:
    """Accepts the tokens of `[[http.tokens]]`, known only by their digests."""

    def __init__(self, tokens: list[StaticToken], source: Path) -> None:
        self._known: list[tuple[bytes, StaticToken]] = []
        problems = []
        for index, token in enumerate(tokens):
            try:
                self._known.append((token.digest(), token))
            except OSError as exc:
                where = f"{source}: http.tokens[{index}].token_file"
                problems.append(
                    f"{where}: cannot read {token.token_file}: {exc.strerror}; write the token there "
                    "(`mcp-resources token NAME` makes one) or fix the path"
                )
            except ValueError as exc:
                problems.append(f"{source}: http.tokens[{index}]: {exc}")
        if problems:
            raise ConfigError(problems)

    async def verify_token(self, token: str) -> AccessToken | None:
        """The token's principal and scopes, or None if it is not one of ours."""
        digest = hashlib.sha256(token.encode("utf-8", "surrogateescape")).digest()
        found: StaticToken | None = None
        for known, entry in self._known:  # every comparison runs: the time says nothing
            if hmac.compare_digest(known, digest) and found is None:
                found = entry
        if found is None:
            return None
        return AccessToken(
            token="sha256:" + digest.hex(),  # the raw token is not kept past this call
            client_id=found.principal,
            subject=found.principal,
            scopes=list(found.scopes),
        )


class JwtVerifier:
    """Accepts JWTs signed by the configured issuer's key(s)."""

    def __init__(self, settings: JwtSettings, source: Path) -> None:
        self.settings = settings
        self._key: Any = None
        self._keys: jwt.PyJWKSet | None = None
        key_file = settings.public_key or settings.jwks
        assert key_file is not None
        key = "http.jwt.public_key" if settings.public_key else "http.jwt.jwks"
        try:
            text = key_file.read_text("utf-8")
            if settings.public_key is not None:
                self._key = load_pem_public_key(text.encode("utf-8"))
            else:
                self._keys = jwt.PyJWKSet.from_json(text)
        except OSError as exc:
            raise ConfigError([f"{source}: {key}: cannot read {key_file}: {exc.strerror}"]) from None
        except (jwt.PyJWTError, ValueError, TypeError) as exc:
            raise ConfigError([f"{source}: {key}: {key_file} holds no usable public key ({exc})"]) from None
        self._cache: OrderedDict[str, AccessToken] = OrderedDict()

    def _signing_key(self, token: str) -> Any:
        if self._keys is None:
            return self._key
        kid = jwt.get_unverified_header(token).get("kid")
        if kid is None and len(self._keys.keys) == 1:
            return self._keys.keys[0].key
        return self._keys[str(kid)].key

    async def verify_token(self, token: str) -> AccessToken | None:
        """The token's subject and scopes if its signature, audience, issuer and times check out."""
        cached = self._cache.get(token)
        if cached is not None:  # exp is re-checked by the SDK's backend on every request
            self._cache.move_to_end(token)
            return cached
        settings = self.settings
        try:
            claims = jwt.decode(
                token,
                self._signing_key(token),
                algorithms=list(settings.algorithms),
                audience=settings.audience,
                issuer=settings.issuer,
                leeway=settings.leeway_s,
                options={"require": ["exp", "aud"]},
            )
        except (jwt.PyJWTError, KeyError, ValueError) as exc:
            log.info("rejected a JWT: %s", exc)
            return None
        scopes = claims.get(settings.scopes_claim) or []
        if isinstance(scopes, str):
            scopes = scopes.split()
        principal = str(claims.get(settings.principal_claim) or "")
        if not principal or not isinstance(scopes, list):
            log.info("rejected a JWT without %s or with malformed scopes", settings.principal_claim)
            return None
        verified = AccessToken(
            token="sha256:" + hashlib.sha256(token.encode("utf-8", "surrogateescape")).hexdigest(),
            client_id=str(claims.get("azp") or claims.get("client_id") or principal),
            subject=principal,
            scopes=[str(s) for s in scopes],
            expires_at=int(claims["exp"]),
            claims={"iss": claims["iss"]} if "iss" in claims else None,
        )
        self._cache[token] = verified
        if len(self._cache) > _CACHE_SIZE:
            self._cache.popitem(last=False)
        return verified


def verifier_for(settings: HttpSettings, source: Path) -> TokenVerifier | None:
    """The verifier `settings.auth` asks for (None: no auth); reads token files and keys now.

    Raises `ConfigError` naming `source`, the key and the fix for an unreadable file or key.
    """
    if settings.auth == "token":
        return StaticTokenVerifier(settings.tokens, source)
    if settings.auth == "jwt" and settings.jwt is not None:
        return JwtVerifier(settings.jwt, source)
    return None
