"""The logs provider end to end: the server spawned over stdio, the SDK's client, both protocol eras."""

from __future__ import annotations

import os
import warnings
from pathlib import Path

import anyio
import mcp_types as types
import pytest
from conftest import body, logs_config, make_logs, utc
from mcp import Client, MCPDeprecationWarning
from mcp.client.subscriptions import ResourcesListChanged, ResourceUpdated

from mcp_resources.testing import Notifications, stdio_server_params, write_config

pytestmark = pytest.mark.anyio
APP = "logs://app.log"
META = "mcp-resources/"


@pytest.fixture
def config(tmp_path: Path) -> Path:
    make_logs(tmp_path / "logs")
    return write_config(logs_config(tail_lines=20), tmp_path)


async def browse(client: Client) -> str:
    """Tail, windows, filters, formats, redaction, escapes and the merged view; returns a follow URI."""
    listed = [r.uri for r in (await client.list_resources()).resources]
    assert APP in listed and "logs://app.log.2.gz" in listed and listed[0] == "logs://"
    tail = await body(client, APP)
    assert len(tail.splitlines()) == 20 and tail.splitlines()[-1].endswith("request 49 served")
    everything = await body(client, APP + "?tail=100")
    assert "hunter2" not in everything and "password=[REDACTED]" in everything
    assert "\x1b" not in everything and "\\x1b[31m" in everything
    assert (await body(client, APP + "?line=1&count=1")).splitlines()[0].endswith("request 0 served")
    errors = (await body(client, APP + "?level=error&tail=100")).splitlines()
    assert errors[0].endswith("request 20 failed") and errors[3] == "ValueError: bad input"
    since = (await body(client, APP + f"?since={LOG_SINCE}&until={LOG_UNTIL}")).splitlines()
    assert [line.split()[-2] for line in since] == ["44", "45"]
    records = (await body(client, "logs://access.log?format=json&level=error"))["records"]
    assert [r["level"] for r in records] == ["error"] and "/p/7" in records[0]["text"]
    for name, first_error in FIRST_ERRORS.items():  # every format's levels, parsed
        found = (await body(client, f"logs://{name}?format=json&level=error"))["records"]
        assert first_error in found[0]["text"] and found[0]["time"] > 1.7e9, name
    merged = (await body(client, "logs://?files=events.jsonl,sys.log&tail=2")).splitlines()
    assert merged[0].startswith("events.jsonl: ") or merged[0].startswith("sys.log: ")
    first = (await client.read_resource(APP + "?tail=1")).contents[0]
    return str((first.meta or {})[f"{META}follow"])


FIRST_ERRORS = {
    "app.log": "request 20 failed",
    "access.log": "/p/7",
    "events.jsonl": "event 3",
    "sys.log": "disk failed",
    "nginx-error.log": "upstream timed out",
    "custom.log": "custom broke",
}
LOG_SINCE = utc(44).replace(",", ".").replace("+", "%2B")
LOG_UNTIL = utc(45).replace(",", ".").replace("+", "%2B")


async def follow_across_rotation(client: Client, folder: Path, follow: str) -> None:
    """Append, rotate (rename + create), append: the cursor reader sees each new line once."""
    app = folder / "app.log"
    with app.open("a") as out:
        out.write(f"{utc(70)} INFO web: before rotation\n")
    os.replace(app, folder / "app.log.1")
    app.write_text(f"{utc(71)} INFO web: after rotation\n")
    first = (await client.read_resource(follow)).contents[0]
    assert isinstance(first, types.TextResourceContents)
    assert [line.split("web: ")[1] for line in first.text.splitlines()] == [
        "before rotation",
        "after rotation",
    ]


async def test_handshake_era(config: Path) -> None:
    seen = Notifications()
    folder = config.parent / "logs"
    async with Client(stdio_server_params(config), mode="legacy", message_handler=seen) as client:
        follow = await browse(client)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", MCPDeprecationWarning)
            await client.subscribe_resource(APP)
        with (folder / "app.log").open("a") as out:
            out.write(f"{utc(60)} ERROR web: appended\n")
        await seen.wait_updated(APP)
        assert (await body(client, APP + "?tail=1")).strip().endswith("appended")
        assert seen.list_changes() == 0
        (folder / "worker.log").write_text(f"{utc(61)} INFO worker: started\n")
        await seen.wait_list_changed()
        assert "logs://worker.log" in [r.uri for r in (await client.list_resources()).resources]
        follow = str(((await client.read_resource(follow)).contents[0].meta or {})[f"{META}follow"])
        await follow_across_rotation(client, folder, follow)


async def test_2026_era(config: Path) -> None:
    folder = config.parent / "logs"
    async with Client(stdio_server_params(config)) as client:
        assert client.protocol_version == "2026-07-28"
        follow = await browse(client)
        async with client.listen(resource_subscriptions=[APP], resources_list_changed=True) as changes:
            with (folder / "app.log").open("a") as out:
                out.write(f"{utc(60)} ERROR web: appended\n")
            with anyio.fail_after(10):
                assert await changes.__anext__() == ResourceUpdated(uri=APP)
            (folder / "worker.log").write_text(f"{utc(61)} INFO worker: started\n")
            with anyio.fail_after(10):
                assert await changes.__anext__() == ResourcesListChanged()
        follow = str(((await client.read_resource(follow)).contents[0].meta or {})[f"{META}follow"])
        await follow_across_rotation(client, folder, follow)
