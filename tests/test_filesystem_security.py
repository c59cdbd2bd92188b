"""FS-1..FS-6 proven with real attacks on disk, answered over the real protocol (both eras)."""

from __future__ import annotations

import base64
import os
import socket
import stat
import threading
from collections.abc import AsyncIterator
from pathlib import Path

import anyio
import pytest
from conftest import fs_config
from mcp import Client, MCPError

from mcp_resources.errors import ClientError
from mcp_resources.testing import app_from_toml, connect

pytestmark = pytest.mark.anyio
SECRET = "TOP SECRET outside the root"


@pytest.fixture
def layout(tmp_path: Path) -> Path:
    """A root full of traps, next to a sibling folder that shares its name prefix."""
    root = tmp_path / "data"
    (root / "sub").mkdir(parents=True)
    (root / "keys").mkdir()
    (root / ".ssh").mkdir()
    (root / ".git").mkdir()
    (tmp_path / "data-secret").mkdir()
    (tmp_path / "data-secret" / "secret.txt").write_text(SECRET)
    (tmp_path / "outside.txt").write_text(SECRET)
    (root / "ok.txt").write_text("fine\n")
    (root / "sub" / "inner.txt").write_text("inner\n")
    for name in (
        ".env",
        ".env.local",
        "keys/server.pem",
        "keys/tls.key",
        "id_rsa",
        ".ssh/config",
        ".git/config",
    ):
        (root / name).write_text("secret material")
    os.symlink("../data-secret/secret.txt", root / "link_out")
    os.symlink("../data-secret", root / "link_dir_out")
    os.symlink(str(tmp_path / "outside.txt"), root / "link_abs_out")
    os.symlink("ok.txt", root / "link_in")
    os.symlink("sub", root / "link_sub")
    os.symlink(".env", root / "link_secret")
    os.symlink("loop2", root / "loop1")
    os.symlink("loop1", root / "loop2")
    os.symlink("nowhere", root / "dangling")
    os.mkfifo(root / "fifo")
    os.link(tmp_path / "outside.txt", root / "hard_out")
    return root


def config(**options: object) -> str:
    return fs_config("data", **options)


@pytest.fixture(params=["legacy", "auto"])
async def client(request: pytest.FixtureRequest, layout: Path) -> AsyncIterator[Client]:
    async with app_from_toml(config(), layout.parent) as app, connect(app, mode=request.param) as c:
        yield c


async def refused(client: Client, uri: str) -> tuple[int, str, dict[str, object]]:
    """The JSON-RPC error a read of `uri` gets; the server must still answer afterwards."""
    with anyio.fail_after(5), pytest.raises(MCPError) as caught:
        await client.read_resource(uri)
    error = caught.value.error
    assert SECRET not in str(error) and "/tmp" not in error.message
    assert (await client.read_resource("docs://ok.txt")).contents[0].text == "fine\n"  # still serving
    return error.code, error.message, error.data or {}


@pytest.mark.parametrize(
    "uri",
    [
        "docs://../data-secret/secret.txt",
        "docs://..%2fdata-secret%2fsecret.txt",
        "docs://%2e%2e/data-secret/secret.txt",
        "docs://%2E%2E%2Foutside.txt",
        "docs://sub/../../outside.txt",
        "docs://..\\outside.txt",
        "docs://sub%5C..%5C..%5Coutside.txt",
        "docs://ok.txt%00.png",
        "docs:///etc/passwd",
        "docs://%2Fetc%2Fpasswd",
        "docs://%C0%AE%C0%AE/outside.txt",
        "docs://%252e%252e/outside.txt",
        "docs://ok.txt#../../outside.txt",
        "docs://ok.txt?offset=-1",
        "docs://ok.txt?line=1&offset=2",
        "docs://ok.txt?bogus=1",
        "docs://sub/inner.txt/",
    ],
)
async def test_hostile_uris_get_invalid_params(client: Client, uri: str) -> None:
    code, _, data = await refused(client, uri)
    assert code == -32602
    assert data.get("uri") == uri


async def test_double_encoded_dots_are_a_literal_name(client: Client) -> None:
    # %252e%252e decodes once to the name "%2e%2e", which is looked up literally (and absent).
    assert await refused(client, "docs://%252e%252e/outside.txt") == (
        -32602,
        "Resource not found",
        {"uri": "docs://%252e%252e/outside.txt"},
    )


@pytest.mark.parametrize(
    "name", ["link_out", "link_dir_out/secret.txt", "link_abs_out", "link_in", "link_sub/inner.txt"]
)
async def test_symlinks_are_not_followed_by_default(client: Client, name: str) -> None:
    code, message, _ = await refused(client, f"docs://{name}")
    assert code == -32602 and "symbolic link" in message


@pytest.mark.parametrize(
    "name", [".env", ".env.local", "keys/server.pem", "keys/tls.key", "id_rsa", ".ssh/config", ".git/config"]
)
async def test_secrets_are_denied(client: Client, name: str) -> None:
    code, message, data = await refused(client, f"docs://{name}")
    assert (code, message, data["uri"]) == (-32602, "Access denied", f"docs://{name}")


async def test_secrets_stay_denied_when_hidden_files_are_served(layout: Path) -> None:
    async with app_from_toml(config(hidden=True), layout.parent) as app, connect(app) as client:
        for name in (".env", ".ssh/config", "keys/server.pem"):
            assert await refused(client, f"docs://{name}") == (
                -32602,
                "Access denied",
                {"uri": f"docs://{name}"},
            )


async def test_secrets_can_be_served_when_the_owner_says_so(layout: Path) -> None:
    async with (
        app_from_toml(config(hidden=True, deny_secrets=False), layout.parent) as app,
        connect(app) as client,
    ):
        assert (await client.read_resource("docs://.env")).contents[0].text == "secret material"


async def test_fifo_never_hangs_a_read_or_a_listing(client: Client) -> None:
    code, message, _ = await refused(client, "docs://fifo")
    assert code == -32602 and "FIFO" in message
    with anyio.fail_after(5):
        listed = [r.uri for r in (await client.list_resources()).resources]
    assert "docs://fifo" not in listed and "docs://ok.txt" in listed


async def test_unix_socket_is_refused(layout: Path) -> None:
    with socket.socket(socket.AF_UNIX) as sock:
        sock.bind(str(layout / "sock"))
        async with app_from_toml(config(), layout.parent) as app, connect(app) as client:
            code, message, _ = await refused(client, "docs://sock")
    assert code == -32602 and "socket" in message


async def test_device_is_refused_without_being_opened(layout: Path) -> None:
    try:
        os.mknod(layout / "null", stat.S_IFCHR | 0o600, os.makedev(1, 3))
    except PermissionError:
        pytest.skip("creating a device node needs CAP_MKNOD")
    async with app_from_toml(config(), layout.parent) as app, connect(app) as client:
        code, message, _ = await refused(client, "docs://null")
        listed = [r.uri for r in (await client.list_resources()).resources]
    assert code == -32602 and "device" in message and "docs://null" not in listed


async def test_hard_link_to_a_file_outside_is_refused(client: Client) -> None:
    code, message, _ = await refused(client, "docs://hard_out")
    assert code == -32602 and "hard links" in message
    listed = [r.uri for r in (await client.list_resources()).resources]
    assert "docs://hard_out" not in listed


class TestFollowingSymlinks:
    @pytest.fixture
    async def client(self, layout: Path) -> AsyncIterator[Client]:
        async with app_from_toml(config(follow_symlinks=True), layout.parent) as app, connect(app) as c:
            yield c

    async def test_links_inside_the_root_work(self, client: Client) -> None:
        assert (await client.read_resource("docs://link_in")).contents[0].text == "fine\n"
        assert (await client.read_resource("docs://link_sub/inner.txt")).contents[0].text == "inner\n"

    @pytest.mark.parametrize("name", ["link_out", "link_dir_out/secret.txt", "link_abs_out"])
    async def test_links_out_of_the_root_are_refused(self, client: Client, name: str) -> None:
        # link_dir_out points at ../data-secret: a sibling whose path starts with the root's.
        code, message, _ = await refused(client, f"docs://{name}")
        assert code == -32602 and "outside the root" in message

    async def test_a_link_to_a_secret_is_denied(self, client: Client) -> None:
        assert (await refused(client, "docs://link_secret"))[1] == "Access denied"

    async def test_a_symlink_loop_is_refused(self, client: Client) -> None:
        code, message, _ = await refused(client, "docs://loop1")
        assert code == -32602 and "loop" in message

    async def test_a_dangling_link_is_not_found(self, client: Client) -> None:
        assert (await refused(client, "docs://dangling"))[1] == "Resource not found"

    async def test_listing_shows_links_inside_only(self, client: Client) -> None:
        listed = {r.uri for r in (await client.list_resources()).resources}
        assert "docs://link_in" in listed
        assert not {"docs://link_out", "docs://link_abs_out", "docs://link_secret", "docs://loop1"} & listed


async def test_a_50_mb_file_is_served_in_windows(layout: Path) -> None:
    with (layout / "big.log").open("wb") as f:
        line = b"2026-11-21 12:00:00 INFO something happened in the application\n"
        f.write(line * (50 * 1024 * 1024 // len(line) + 1))
    async with app_from_toml(config(), layout.parent) as app, connect(app) as client:
        with anyio.fail_after(10):
            result = await client.read_resource("docs://big.log")
    first, notice = result.contents
    assert len(first.text.encode()) <= 1024 * 1024
    window = first.meta["mcp-resources/window"]
    assert window["offset"] == 0 and window["size"] > 50 * 1024 * 1024
    assert window["next"] == f"docs://big.log?offset={window['length']}&length=1048576"
    assert notice.uri == window["next"] and window["next"] in notice.text


async def test_a_binary_file_is_a_base64_blob(layout: Path) -> None:
    payload = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 10
    (layout / "image.png").write_bytes(payload)
    async with app_from_toml(config(), layout.parent) as app, connect(app) as client:
        [content] = (await client.read_resource("docs://image.png")).contents
    assert content.mime_type == "image/png" and base64.b64decode(content.blob) == payload


async def test_swapping_a_folder_for_a_link_out_never_leaks(layout: Path) -> None:
    """TOCTOU: flip sub/ between a real folder and a link out of the root while reading."""
    target = layout / "sub"
    (layout.parent / "data-secret" / "inner.txt").write_text(SECRET)
    stop = threading.Event()

    def flip() -> None:
        while not stop.is_set():
            os.rename(target, layout / "sub.real")
            os.symlink(layout.parent / "data-secret", target)
            os.unlink(target)
            os.rename(layout / "sub.real", target)

    async with app_from_toml(config(follow_symlinks=False), layout.parent) as app:
        flipper = threading.Thread(target=flip)
        flipper.start()
        try:
            outcomes = set()
            for _ in range(300):
                try:
                    contents = await app.read("docs://sub/inner.txt")
                    outcomes.add(contents[0].text)  # type: ignore[union-attr]
                except ClientError as exc:  # refused or not found while swapped: both fine
                    outcomes.add(exc.message)
            assert SECRET not in outcomes
            assert outcomes <= {
                "inner\n",
                "Resource not found",
                "Cannot read: symbolic links are not followed",
                "Cannot read: a path component is not a folder (or is a symbolic link)",
            }
        finally:
            stop.set()
            flipper.join()
