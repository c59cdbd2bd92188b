"""Streamable HTTP end to end: the real `serve --http` process, the SDK's real client, real files.

One server (two tokens with different scopes, an audit log, prompts) serves
most tests; others start their own to change one setting. Everything runs on
127.0.0.1.
"""

from __future__ import annotations

import hashlib
import json
import sys
import warnings
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Literal

import anyio
import httpx2
import mcp_types as types
import pytest
from conftest import INITIALIZE
from mcp import Client, MCPDeprecationWarning, MCPError
from mcp.client.streamable_http import streamable_http_client
from mcp.client.subscriptions import ResourceUpdated

from mcp_resources.testing import HttpProcess, Notifications, spawn_http

pytestmark = pytest.mark.anyio

ADMIN = "admin-token-0123456789abcdef"
ALICE = "alice-token-0123456789abcdef"
ROOMY = "rate_limit = { per_second = 1000, burst = 1000 }"


def _sha(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def write_site(folder: Path, http: str = "", extra: str = "") -> Path:
    """Two filesystem providers (docs, private), prompts, and `[http]` settings."""
    (folder / "docs").mkdir()
    (folder / "docs" / "a.txt").write_text("alpha\n")
    (folder / "docs" / "big.txt").write_text("0123456789abcdef" * (2 << 16))  # 2 MiB
    (folder / "private").mkdir()
    (folder / "private" / "secret.txt").write_text("payroll\n")
    (folder / "prompts").mkdir()
    (folder / "prompts" / "embed.md.j2").write_text("Read this:\n{{ resource(uri) }}\n")
    config = folder / "mcp-resources.toml"
    config.write_text(
        f"""
[prompts]
dirs = ["prompts"]
library = false

[audit]
path = "audit.jsonl"

[http]
{http or ROOMY}

[[http.tokens]]
principal = "admin"
scopes = ["*"]
sha256 = "{_sha(ADMIN)}"

[[http.tokens]]
principal = "alice"
scopes = ["docs"]
token = {{ env = "ALICE_TOKEN" }}

[providers.docs]
type = "filesystem"
root = "docs"
max_read_bytes = "4MiB"

[providers.private]
type = "filesystem"
root = "private"
{extra}
"""
    )
    return config


@asynccontextmanager
async def site(folder: Path, http: str = "", extra: str = "") -> AsyncIterator[HttpProcess]:
    """Write the site into `folder` (unless there) and serve it until the block ends."""
    config = folder / "mcp-resources.toml"
    if not config.exists():
        write_site(folder, http, extra)
    with pytest.MonkeyPatch.context() as env:
        env.setenv("ALICE_TOKEN", ALICE)  # the spawned server reads alice's token from here
        async with spawn_http(config) as server:
            yield server


async def audit_verify(log: Path) -> tuple[int, str]:
    """`mcp-resources audit verify LOG`: exit code and output."""
    command = [sys.executable, "-m", "mcp_resources", "audit", "verify", str(log)]
    done = await anyio.run_process(command, check=False)
    return done.returncode, (done.stdout + done.stderr).decode()


@pytest.fixture(scope="module")
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="module")
async def shared(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[HttpProcess]:
    async with site(tmp_path_factory.mktemp("site")) as server:
        yield server


@asynccontextmanager
async def client(
    server: HttpProcess,
    token: str | None,
    mode: Literal["auto", "legacy"] = "auto",
    handler: Notifications | None = None,
) -> AsyncIterator[Client]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with (
        httpx2.AsyncClient(headers=headers, timeout=30) as http,
        Client(
            streamable_http_client(server.url, http_client=http),
            mode=mode,
            cache=None,
            message_handler=handler,
        ) as connected,
    ):
        yield connected


def _post(server: HttpProcess, headers: dict[str, str], body: object | None = None) -> httpx2.Response:
    message = body or INITIALIZE
    all_headers = {
        "content-type": "application/json",
        "accept": "application/json, text/event-stream",
        **headers,
    }
    return httpx2.post(server.url, json=message, headers=all_headers, timeout=10)


# --- authentication ------------------------------------------------------------


async def test_requests_without_a_valid_token_get_401_with_www_authenticate(shared: HttpProcess) -> None:
    for headers in (
        {},
        {"authorization": "Bearer wrong-token-0123456789"},
        {"authorization": f"Basic {ADMIN}"},
    ):
        response = _post(shared, headers)
        assert response.status_code == 401, headers
        assert response.headers["www-authenticate"].startswith("Bearer ")
        assert "invalid_token" in response.headers["www-authenticate"]
    # A token in the query string is never looked at.
    response = httpx2.post(shared.url + f"?access_token={ADMIN}", json={}, timeout=10)
    assert response.status_code == 401
    ok = _post(shared, {"authorization": f"Bearer {ADMIN}"})
    assert ok.status_code == 200
    assert ok.headers["x-content-type-options"] == "nosniff"


# --- both eras: list, read, subscribe / listen -------------------------------------


@pytest.mark.parametrize("mode", ["legacy", "auto"])
async def test_both_eras_list_read_and_hear_changes(
    shared: HttpProcess, tmp_path_factory: pytest.TempPathFactory, mode: Literal["auto", "legacy"]
) -> None:
    notes = Notifications()
    async with client(shared, ADMIN, mode, notes) as c:
        listed = await c.list_resources()
        uris = {r.uri for r in listed.resources}
        assert {"docs://a.txt", "private://secret.txt"} <= uris
        read = await c.read_resource("docs://a.txt")
        assert read.contents[0].text == "alpha\n"
        root = shared.config.parent
        target = root / "docs" / f"watched-{mode}.txt"
        target.write_text("v1")
        uri = f"docs://watched-{mode}.txt"
        if mode == "legacy":
            assert c.server_capabilities.resources.subscribe
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", MCPDeprecationWarning)
                await c.subscribe_resource(uri)
            target.write_text("v2")
            await notes.wait_updated(uri, within=15)
        else:
            async with c.listen(resource_subscriptions=[uri]) as sub:
                target.write_text("v2")
                with anyio.fail_after(15):
                    assert await sub.__anext__() == ResourceUpdated(uri=uri)


async def test_a_large_read_works_with_the_default_client(shared: HttpProcess) -> None:
    for mode in ("legacy", "auto"):
        async with client(shared, ADMIN, mode) as c:  # type: ignore[arg-type]
            read = await c.read_resource("docs://big.txt")
            assert len(read.contents[0].text) == 2 << 20  # type: ignore[union-attr]


# --- authorization by scope -----------------------------------------------------------


@pytest.mark.parametrize("mode", ["legacy", "auto"])
async def test_scopes_filter_listing_and_refuse_other_providers(
    shared: HttpProcess, mode: Literal["auto", "legacy"]
) -> None:
    async with client(shared, ALICE, mode) as c:
        uris = {r.uri for r in (await c.list_resources()).resources}
        assert "docs://a.txt" in uris
        assert not any(u.startswith("private://") for u in uris)
        templates = (await c.list_resource_templates()).resource_templates
        assert templates and all(t.uri_template.startswith("docs://") for t in templates)
        assert (await c.read_resource("docs://a.txt")).contents[0].text == "alpha\n"
        with pytest.raises(MCPError) as denied:
            await c.read_resource("private://secret.txt")
        assert denied.value.error.code == types.INVALID_PARAMS
        assert "scopes do not include provider 'private'" in denied.value.error.message
        assert denied.value.error.data == {"uri": "private://secret.txt"}
        # A prompt cannot read what its caller may not: embeds go through the same check.
        with pytest.raises(MCPError) as via_prompt:
            await c.get_prompt("embed", {"uri": "private://secret.txt"})
        assert "payroll" not in str(via_prompt.value)
        embedded = await c.get_prompt("embed", {"uri": "docs://a.txt"})
        assert any(getattr(m.content, "type", "") == "resource" for m in embedded.messages)
        if mode == "legacy":
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", MCPDeprecationWarning)
                with pytest.raises(MCPError) as refused:
                    await c.subscribe_resource("private://secret.txt")
            assert "not include provider" in refused.value.error.message
        else:
            with pytest.raises(MCPError) as refused:
                async with c.listen(resource_subscriptions=["private://secret.txt"]):
                    pass
            assert "not include provider" in refused.value.error.message


# --- DNS rebinding, CORS ------------------------------------------------------------------


async def test_evil_host_and_origin_are_refused(shared: HttpProcess) -> None:
    port = shared.url.split(":")[2].split("/")[0]
    auth = {"authorization": f"Bearer {ADMIN}"}
    assert _post(shared, {**auth, "host": "evil.example"}).status_code == 421
    assert _post(shared, {**auth, "host": f"evil.example:{port}"}).status_code == 421
    assert _post(shared, {**auth, "host": "127.0.0.1"}).status_code == 421  # exact host:port only
    assert _post(shared, {**auth, "origin": "http://evil.example"}).status_code == 403
    assert _post(shared, {**auth, "origin": f"http://127.0.0.1:{port}"}).status_code == 200
    # No CORS unless configured: a browser gets no allow-origin header.
    preflight = httpx2.options(
        shared.url,
        headers={"origin": f"http://127.0.0.1:{port}", "access-control-request-method": "POST"},
        timeout=10,
    )
    assert "access-control-allow-origin" not in preflight.headers


async def test_cors_only_for_listed_origins(tmp_path: Path) -> None:
    http = 'cors_origins = ["https://app.example.com"]'
    async with site(tmp_path, http) as server:
        asks = {"access-control-request-method": "POST", "access-control-request-headers": "authorization"}
        allowed = httpx2.options(
            server.url, headers={"origin": "https://app.example.com", **asks}, timeout=10
        )
        assert allowed.headers["access-control-allow-origin"] == "https://app.example.com"
        other = httpx2.options(server.url, headers={"origin": "https://evil.example", **asks}, timeout=10)
        assert other.headers.get("access-control-allow-origin") != "https://evil.example"
        post = _post(server, {"authorization": f"Bearer {ADMIN}", "origin": "https://app.example.com"})
        assert post.status_code == 200


# --- rate limit -------------------------------------------------------------------------------


async def test_rate_limit_answers_429_per_principal(tmp_path: Path) -> None:
    async with site(tmp_path, "rate_limit = { per_second = 0.2, burst = 3 }") as server:
        admin = [_post(server, {"authorization": f"Bearer {ADMIN}"}) for _ in range(4)]
        assert [r.status_code for r in admin] == [200, 200, 200, 429]
        refused = admin[-1]
        assert int(refused.headers["retry-after"]) >= 1
        error = refused.json()["error"]
        assert error["code"] == -32029
        assert "Rate limit exceeded" in error["message"]
        # Another principal has its own bucket.
        assert _post(server, {"authorization": f"Bearer {ALICE}"}).status_code == 200
        # The SDK client sees a clear error, not a hang.
        failure = ""
        try:
            async with client(server, ADMIN) as c:
                await c.list_resources()
        except BaseException as exc:  # the client wraps transport errors in exception groups
            failure = _flatten(exc)
        assert "429" in failure or "Rate limit" in failure


_REST = "this or an earlier line was changed (the 0 line(s) before it chain correctly)\n"


def _flatten(exc: BaseException) -> str:
    if isinstance(exc, BaseExceptionGroup):
        return " | ".join(_flatten(e) for e in exc.exceptions)
    return f"{type(exc).__name__}: {exc}"


# --- health and metrics --------------------------------------------------------------------------


async def test_healthz_is_open_and_metrics_need_a_token(shared: HttpProcess) -> None:
    async with client(shared, ADMIN) as c:
        await c.read_resource("docs://a.txt")
        with pytest.raises(MCPError):
            await c.read_resource("docs://missing.txt")
    health = httpx2.get(shared.base + "/healthz", timeout=10)
    assert health.status_code == 200
    body = health.json()
    assert body["status"] == "ok"
    assert body["providers"]["docs"] == {
        "type": "filesystem",
        "status": "ok",
        "watcher": {"running": True, "restarts": 0},
    }
    assert httpx2.get(shared.base + "/metrics", timeout=10).status_code == 401
    metrics = httpx2.get(shared.base + "/metrics", headers={"authorization": f"Bearer {ADMIN}"}, timeout=10)
    assert metrics.status_code == 200
    text = metrics.text
    assert 'mcp_resources_requests_total{method="resources/read",outcome="ok"}' in text
    assert 'mcp_resources_requests_total{method="resources/read",outcome="invalid_params"}' in text
    assert "mcp_resources_request_duration_seconds_bucket" in text
    assert _metric(text, "mcp_resources_read_bytes_total") >= len("alpha\n")
    assert 'mcp_resources_watcher_up{watcher="providers.docs"} 1.0' in text
    assert 'mcp_resources_http_responses_total{status="401"}' in text
    for name in ("mcp_resources_sessions", "mcp_resources_subscriptions", "mcp_resources_listen_streams"):
        assert f"\n{name} " in text
    assert 'mcp_resources_notifications_sent_total{era="listen"}' in text


def _metric(text: str, name: str) -> float:
    return next(float(line.split()[-1]) for line in text.splitlines() if line.startswith(name + " "))


# --- audit ------------------------------------------------------------------------------------


async def test_audit_log_chains_and_detects_tampering(tmp_path: Path) -> None:
    async with site(tmp_path) as server, client(server, ALICE) as c:
        await c.read_resource("docs://a.txt")
        with pytest.raises(MCPError):
            await c.read_resource("private://secret.txt")
        await c.get_prompt("embed", {"uri": "docs://a.txt"})
    log = tmp_path / "audit.jsonl"
    entries = [json.loads(line) for line in log.read_text().splitlines()]
    reads = [e for e in entries if e["method"] == "resources/read"]
    assert {(e["principal"], e["uri"], e["outcome"]) for e in reads} == {
        ("alice", "docs://a.txt", "ok"),
        ("alice", "private://secret.txt", "invalid_params"),
    }
    assert next(e for e in reads if e["outcome"] == "ok")["bytes"] == len("alpha\n")
    assert any(e["method"] == "prompts/get" and e["prompt"] == "embed" for e in entries)
    code, said = await audit_verify(log)
    assert code == 0, said
    assert f"{len(entries)} entries, chain intact" in said

    lines = log.read_text().splitlines(keepends=True)
    tampered = lines[0].replace('"alice"', '"mallory"')
    log.write_text("".join([tampered, *lines[1:]]))
    assert await audit_verify(log) == (1, f"{log}: line 1: hash mismatch: {_REST}")
    log.write_text("".join([lines[0], *lines[2:]]))  # a line removed
    code, said = await audit_verify(log)
    assert code == 1
    assert "line 2: hash mismatch" in said


async def test_a_restarted_server_continues_the_chain(tmp_path: Path) -> None:
    for _ in range(2):
        async with site(tmp_path) as server, client(server, ADMIN) as c:
            await c.read_resource("docs://a.txt")
    code, said = await audit_verify(tmp_path / "audit.jsonl")
    assert code == 0, said
    assert "2 entries, chain intact" in said


# --- stateless mode ---------------------------------------------------------------------------------


async def test_stateless_mode_is_honest_about_notifications(tmp_path: Path) -> None:
    async with site(tmp_path, "stateless = true") as server:
        async with client(server, ADMIN, "legacy") as legacy:
            capabilities = legacy.server_capabilities.resources
            assert capabilities is not None
            assert not capabilities.subscribe
            assert not capabilities.list_changed
            assert (await legacy.read_resource("docs://a.txt")).contents[0].text == "alpha\n"
        async with client(server, ADMIN) as modern:
            (tmp_path / "docs" / "n.txt").write_text("1")
            async with modern.listen(resource_subscriptions=["docs://n.txt"]) as sub:
                (tmp_path / "docs" / "n.txt").write_text("2")
                with anyio.fail_after(15):
                    assert await sub.__anext__() == ResourceUpdated(uri="docs://n.txt")


# --- graceful shutdown ---------------------------------------------------------------------------------


async def test_sigterm_ends_open_streams_and_exits_cleanly(tmp_path: Path) -> None:
    async with site(tmp_path) as server:
        notes = Notifications()
        async with client(server, ADMIN, "legacy", notes) as legacy, client(server, ADMIN) as modern:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", MCPDeprecationWarning)
                await legacy.subscribe_resource("docs://a.txt")
            async with modern.listen(resource_subscriptions=["docs://a.txt"]) as sub:
                server.process.terminate()
                with anyio.fail_after(8):  # far less than the 10 s drain limit: streams were ended
                    code = await server.process.wait()
                    async for _ in sub:
                        pass
        assert code == 0
        assert any("shutting down: ending open streams" in line for line in server.log)
        assert not any("Traceback" in line for line in server.log)
        assert not any("timeout graceful shutdown exceeded" in line for line in server.log)


# --- the shipped example --------------------------------------------------------------------------


async def test_the_http_example_serves_with_its_demo_tokens(tmp_path: Path) -> None:
    import shutil

    examples = Path(__file__).parent.parent / "examples"
    for name in ("demo", "http"):  # a copy: the audit log is written next to the config
        shutil.copytree(examples / name, tmp_path / name, ignore=shutil.ignore_patterns("audit.jsonl"))
    async with spawn_http(tmp_path / "http" / "mcp-resources.toml") as server:
        async with client(server, "demo-reader-token-not-secret") as reader:
            uris = [r.uri for r in (await reader.list_resources()).resources]
            assert uris and all(u.startswith("docs://") for u in uris)
            with pytest.raises(MCPError, match="scopes do not include provider 'shop'"):
                await reader.read_resource("shop://schema")
        async with client(server, "demo-admin-token-not-secret") as admin:
            schema = await admin.read_resource("shop://schema")
            assert "books" in schema.contents[0].text  # type: ignore[union-attr]
    code, said = await audit_verify(tmp_path / "http" / "audit.jsonl")
    assert code == 0, said


async def test_a_session_belongs_to_the_token_that_opened_it(shared: HttpProcess) -> None:
    opened = _post(shared, {"authorization": f"Bearer {ADMIN}"})
    session = opened.headers["mcp-session-id"]
    ping = {"jsonrpc": "2.0", "id": 2, "method": "ping"}
    borrowed = {
        "authorization": f"Bearer {ALICE}",
        "mcp-session-id": session,
        "mcp-protocol-version": "2025-11-25",
    }
    assert _post(shared, borrowed, ping).status_code == 404
    own = {**borrowed, "authorization": f"Bearer {ADMIN}"}
    assert _post(shared, own, ping).status_code == 200
