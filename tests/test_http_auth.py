"""HTTP auth set-up: JWTs (real keys, real signatures), `mcp-resources token`, and start-up refusals."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import anyio
import httpx2
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from mcp import Client, MCPError
from mcp.client.streamable_http import streamable_http_client

from mcp_resources.http.auth import JwtVerifier, StaticTokenVerifier
from mcp_resources.http.settings import JwtSettings, StaticToken
from mcp_resources.testing import spawn_http

pytestmark = pytest.mark.anyio
AUDIENCE = "https://mcp.example.com/mcp"


def _pem(key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey) -> str:
    public = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return public.decode()


def _token(key: object, algorithm: str = "RS256", **claims: object) -> str:
    body = {"sub": "carol", "aud": AUDIENCE, "exp": int(time.time()) + 300, "scope": "docs", **claims}
    return jwt.encode(body, key, algorithm=algorithm)  # type: ignore[arg-type]


async def _cli(*args: str, cwd: Path) -> tuple[int, str]:
    done = await anyio.run_process([sys.executable, "-m", "mcp_resources", *args], cwd=cwd, check=False)
    return done.returncode, (done.stdout + done.stderr).decode()


async def test_jwt_server_accepts_valid_tokens_only(tmp_path: Path) -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    (tmp_path / "issuer.pem").write_text(_pem(key))
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "a.txt").write_text("alpha")
    (tmp_path / "private").mkdir()
    config = tmp_path / "mcp-resources.toml"
    config.write_text(
        f"""
[prompts]
library = false
[http]
auth = "jwt"
public_url = "https://mcp.example.com"
[http.jwt]
public_key = "issuer.pem"
audience = "{AUDIENCE}"
issuer = "https://id.example.com"
[providers.docs]
type = "filesystem"
root = "docs"
[providers.private]
type = "filesystem"
root = "private"
"""
    )
    good = _token(key, iss="https://id.example.com")
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    public_pem = _pem(key).encode()
    refused = {
        "wrong audience": _token(key, iss="https://id.example.com", aud="https://other.example.com"),
        "wrong issuer": _token(key, iss="https://evil.example.com"),
        "expired": _token(key, iss="https://id.example.com", exp=int(time.time()) - 3600),
        "signed by another key": _token(other, iss="https://id.example.com"),
        "alg none": jwt.encode(
            {"sub": "x", "aud": AUDIENCE, "exp": time.time() + 60}, None, algorithm="none"
        ),
        # The classic confusion: HMAC "signed" with the public key as the secret.
        "HS256 with the public key": _hs256(public_pem),
    }
    async with spawn_http(config) as server:
        for why, token in refused.items():
            response = httpx2.post(
                server.url,
                json={},
                headers={"authorization": f"Bearer {token}", "content-type": "application/json"},
                timeout=10,
            )
            assert response.status_code == 401, why
            # OAuth clients are told where to find out which issuer to ask (RFC 9728).
            assert (
                'resource_metadata="https://mcp.example.com/.well-known/oauth-protected-resource/mcp"'
                in (response.headers["www-authenticate"])
            )
        metadata = httpx2.get(server.base + "/.well-known/oauth-protected-resource/mcp", timeout=10).json()
        assert metadata["resource"] == AUDIENCE
        assert metadata["authorization_servers"] == ["https://id.example.com/"]
        async with (
            httpx2.AsyncClient(headers={"authorization": f"Bearer {good}"}, timeout=30) as http,
            Client(streamable_http_client(server.url, http_client=http), cache=None) as client,
        ):
            uris = {r.uri for r in (await client.list_resources()).resources}
            assert uris == {"docs://a.txt"}  # scope "docs" only
            with pytest.raises(MCPError, match="not include provider 'private'"):
                await client.read_resource("private://x")


def _hs256(secret: bytes) -> str:
    # PyJWT refuses to sign HMAC with a PEM key; forge the token by hand, as an attacker would.
    import base64
    import hashlib
    import hmac

    def b64(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

    header = b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    claims = {"sub": "x", "aud": AUDIENCE, "exp": int(time.time()) + 60, "scope": "*"}
    payload = b64(json.dumps(claims).encode())
    signature = hmac.new(secret, f"{header}.{payload}".encode(), hashlib.sha256).digest()
    return f"{header}.{payload}.{b64(signature)}"


async def test_jwks_files_pick_the_key_by_kid(tmp_path: Path) -> None:
    first, second = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    keys = []
    for kid, key in (("one", first), ("two", second)):
        jwk = json.loads(jwt.algorithms.ECAlgorithm.to_jwk(key.public_key()))
        keys.append({**jwk, "kid": kid, "alg": "ES256", "use": "sig"})
    (tmp_path / "jwks.json").write_text(json.dumps({"keys": keys}))
    settings = JwtSettings(jwks=tmp_path / "jwks.json", audience=AUDIENCE, scopes_claim="scp")
    verifier = JwtVerifier(settings, tmp_path / "mcp-resources.toml")
    signed = jwt.encode(
        {"sub": "dave", "aud": AUDIENCE, "exp": int(time.time()) + 60, "scp": ["docs", "logs"]},
        second,
        algorithm="ES256",
        headers={"kid": "two"},
    )
    verified = await verifier.verify_token(signed)
    assert verified is not None
    assert (verified.subject, verified.scopes) == ("dave", ["docs", "logs"])
    mislabelled = jwt.encode(
        {"sub": "dave", "aud": AUDIENCE, "exp": int(time.time()) + 60},
        second,
        "ES256",
        headers={"kid": "one"},
    )
    assert await verifier.verify_token(mislabelled) is None
    assert await verifier.verify_token("not.a.jwt") is None


async def test_static_tokens_are_kept_as_hashes(tmp_path: Path) -> None:
    (tmp_path / "token").write_text("from-a-file-0123456789\n")
    tokens = [
        StaticToken(principal="a", scopes=["docs"], token="literal-token-0123456789"),
        StaticToken(principal="b", scopes=["*"], token_file=tmp_path / "token"),
    ]
    verifier = StaticTokenVerifier(tokens, tmp_path / "mcp-resources.toml")
    a = await verifier.verify_token("literal-token-0123456789")
    b = await verifier.verify_token("from-a-file-0123456789")
    assert a is not None and b is not None
    assert (a.subject, a.scopes, b.subject) == ("a", ["docs"], "b")
    assert "literal-token" not in a.token  # only the digest travels with the request
    assert await verifier.verify_token("literal-token-012345678") is None


async def test_token_command_prints_a_table_that_works(tmp_path: Path) -> None:
    done = await anyio.run_process(
        [sys.executable, "-m", "mcp_resources", "token", "erin", "--scopes", "docs"], check=True
    )
    table, said = done.stdout.decode(), done.stderr.decode()
    token = said.rsplit(": ", 1)[1].strip()
    assert token not in table
    (tmp_path / "docs").mkdir()
    config = tmp_path / "mcp-resources.toml"
    config.write_text(
        '[prompts]\nlibrary = false\n[providers.docs]\ntype = "filesystem"\nroot = "docs"\n' + table
    )
    async with spawn_http(config) as server:
        response = httpx2.get(
            server.base + "/metrics", headers={"authorization": f"Bearer {token}"}, timeout=10
        )
        assert response.status_code == 200


@pytest.mark.parametrize(
    ("http", "address", "expected"),
    [
        ('auth = "none"', "0.0.0.0:0", 'http.auth: "none" on 0.0.0.0'),
        ("", "127.0.0.1:0", 'http.tokens: auth = "token" (the default) needs at least one [[http.tokens]]'),
        ('auth = "jwt"', "127.0.0.1:0", 'http.jwt: auth = "jwt" needs an [http.jwt] table'),
        (
            'auth = "none"\nallow_no_auth_remote = true',
            "0.0.0.0:0",
            "http.allowed_hosts: serving on every interface",
        ),
        ('auth = "none"\nallowed_hosts = ["*.example.com"]', "127.0.0.1:0", "wildcards are not allowed"),
        ('auth = "none"', "127.0.0.1:99999", "--http: '127.0.0.1:99999': expected [HOST:]PORT"),
        (
            '[[http.tokens]]\nprincipal = "x"\nscopes = ["*"]\ntoken = "short"',
            "127.0.0.1:0",
            "http.tokens[0]: the token is shorter than 16 characters",
        ),
        (
            '[[http.tokens]]\nprincipal = "x"\nscopes = ["*"]\ntoken_file = "gone.txt"',
            "127.0.0.1:0",
            "http.tokens[0].token_file: cannot read",
        ),
    ],
)
@pytest.mark.parametrize("command", ["serve", "check"])
async def test_risky_or_incomplete_http_setups_stop_at_start_up(
    tmp_path: Path, command: str, http: str, address: str, expected: str
) -> None:
    # `check --http ADDRESS` refuses what `serve --http ADDRESS` would, before anything starts.
    config = tmp_path / "mcp-resources.toml"
    config.write_text(
        f'[prompts]\nlibrary = false\n[http]\n{http}\n[providers.d]\ntype = "filesystem"\nroot = "."\n'
    )
    code, said = await _cli(command, str(config), "--http", address, cwd=tmp_path)
    assert code == 2, said
    assert expected in said
    assert "Traceback" not in said


async def test_check_looks_at_the_http_table_only_when_the_config_has_one(tmp_path: Path) -> None:
    config = tmp_path / "mcp-resources.toml"
    stdio = '[prompts]\nlibrary = false\n[providers.d]\ntype = "filesystem"\nroot = "."\n'
    config.write_text(stdio)
    code, said = await _cli("check", str(config), cwd=tmp_path)
    assert code == 0 and "http" not in said, said  # token auth without tokens is no mistake on stdio
    config.write_text(stdio + '[http]\nauth = "jwt"\n')
    code, said = await _cli("check", str(config), cwd=tmp_path)
    assert code == 2 and 'http.jwt: auth = "jwt" needs an [http.jwt] table' in said, said
    config.write_text(stdio + '[http]\nauth = "none"\n')
    code, said = await _cli("check", str(config), cwd=tmp_path)
    assert code == 0 and "http: OK for 127.0.0.1" in said, said
