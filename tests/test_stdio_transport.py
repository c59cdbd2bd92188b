"""Our stdio transport (transports/pipes.py) on real pipes: framing, bad input, backpressure, shutdown."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path

import anyio
import mcp_types as types
import pytest
from conftest import INITIALIZE, TEST_PLUGINS
from mcp.shared.message import SessionMessage
from pydantic import ValidationError

from mcp_resources.testing import write_config
from mcp_resources.transports.lines import MessageReader
from mcp_resources.transports.pipes import MessageWriter, pipe_streams

pytestmark = pytest.mark.anyio


@contextmanager
def pipes() -> Iterator[tuple[int, int, int, int]]:
    """(server reads, client writes, client reads, server writes): two real pipes."""
    to_server, from_client = os.pipe()
    to_client, from_server = os.pipe()
    try:
        yield to_server, from_client, to_client, from_server
    finally:
        for fd in (to_server, from_client, to_client, from_server):
            try:
                os.close(fd)
            except OSError:
                pass  # already closed by the test


@asynccontextmanager
async def transport() -> AsyncIterator[tuple[MessageReader, MessageWriter, int, int]]:
    """Our streams on real pipes, and the client's ends (write, read)."""
    with pipes() as (server_in, client_out, client_in, server_out):
        async with pipe_streams(server_in, server_out) as (reader, writer):
            yield reader, writer, client_out, client_in


def notification(method: str, **params: object) -> bytes:
    return json.dumps({"jsonrpc": "2.0", "method": method, "params": params}).encode()


def write_in_thread(fd: int, data: bytes) -> threading.Thread:
    """Write `data` to `fd` without blocking the event loop (it is larger than a pipe)."""
    thread = threading.Thread(target=lambda: os.write(fd, data) and None)
    thread.start()
    return thread


def drain_in_thread(fd: int, into: bytearray) -> threading.Thread:
    def drain() -> None:
        while chunk := os.read(fd, 1 << 16):
            into.extend(chunk)

    thread = threading.Thread(target=drain)
    thread.start()
    return thread


async def receive_message(reader: MessageReader) -> types.JSONRPCNotification:
    with anyio.fail_after(5):
        item = await reader.receive()
    assert isinstance(item, SessionMessage) and isinstance(item.message, types.JSONRPCNotification)
    return item.message


async def test_a_line_split_across_writes_is_one_message() -> None:
    async with transport() as (reader, _, client_out, _):
        line = notification("a/b", text="x" * 300) + b"\n"
        for start in range(0, len(line), 7):
            os.write(client_out, line[start : start + 7])
            await anyio.lowlevel.checkpoint()
        message = await receive_message(reader)
        assert message.method == "a/b" and message.params == {"text": "x" * 300}


async def test_several_lines_in_one_write_and_crlf_endings() -> None:
    async with transport() as (reader, _, client_out, _):
        os.write(client_out, notification("one") + b"\r\n" + notification("two") + b"\n")
        assert [(await receive_message(reader)).method for _ in range(2)] == ["one", "two"]


async def test_lines_of_several_mebibytes() -> None:
    async with transport() as (reader, _, client_out, _):
        big = "é" * (3 << 20)
        writing = write_in_thread(
            client_out, notification("big", text=big) + b"\n" + notification("after") + b"\n"
        )
        assert (await receive_message(reader)).params == {"text": big}
        assert (await receive_message(reader)).method == "after"
        writing.join(5)


async def test_invalid_input_is_passed_on_as_the_error_and_reading_goes_on() -> None:
    async with transport() as (reader, _, client_out, _):
        os.write(
            client_out, b'{"jsonrpc": "2.0", "method": \n\n{"not": "json-rpc"}\n' + notification("ok") + b"\n"
        )
        for _ in range(3):  # broken JSON, an empty line, valid JSON that is no JSON-RPC message
            with anyio.fail_after(5):
                assert isinstance(await reader.receive(), ValidationError)
        assert (await receive_message(reader)).method == "ok"


async def test_end_of_input_mid_line_still_delivers_that_line_then_ends() -> None:
    async with transport() as (reader, _, client_out, _):
        os.write(client_out, notification("first") + b"\n" + notification("last"))
        os.close(client_out)
        assert [(await receive_message(reader)).method for _ in range(2)] == ["first", "last"]
        with anyio.fail_after(5):
            assert [item async for item in reader] == []


def reply(n: int, size: int) -> SessionMessage:
    return SessionMessage(types.JSONRPCResponse(jsonrpc="2.0", id=n, result={"pad": "y" * size}))


async def test_replies_arrive_whole_and_in_order_and_what_is_queued_is_sent_on_close() -> None:
    received = bytearray()
    with pipes() as (server_in, _, client_in, server_out):
        draining = drain_in_thread(client_in, received)
        async with pipe_streams(server_in, server_out) as (_, writer):
            for n in range(3000):
                await writer.send(reply(n, n % 500))
        os.close(server_out)  # the server's last copy: the client now reads to the end
        draining.join(10)
    lines = received.decode().splitlines()
    assert [json.loads(line)["id"] for line in lines] == list(range(3000))
    assert all(json.loads(line)["result"]["pad"] == "y" * (n % 500) for n, line in enumerate(lines))


async def test_a_result_is_written_as_the_same_bytes_as_its_response_model() -> None:
    # The dispatcher writes results without building a JSONRPCResponse: the bytes must not change.
    result = {
        "contents": [
            {"uri": "a://\u00e9", "text": "x\u2028\x00y", "_meta": {"n": 1.5, "z": None, "big": 2**70}}
        ]
    }
    received = bytearray()
    with pipes() as (server_in, _, client_in, server_out):
        draining = drain_in_thread(client_in, received)
        async with pipe_streams(server_in, server_out) as (_, writer):
            for request_id in (7, "seven"):
                await writer.send(
                    SessionMessage(types.JSONRPCResponse(jsonrpc="2.0", id=request_id, result=result))
                )
                await writer.send_result(request_id, result)
        os.close(server_out)
        draining.join(10)
    lines = bytes(received).splitlines()
    assert len(lines) == 4 and lines[0] == lines[1] and lines[2] == lines[3]


async def test_a_client_that_stops_reading_makes_the_server_wait_instead_of_buffering() -> None:
    with pipes() as (server_in, _, client_in, server_out):
        received = bytearray()
        async with pipe_streams(server_in, server_out) as (_, writer):
            sent = 0
            with anyio.move_on_after(2):  # bounded: stops when sending blocks
                while sent < 100:
                    await writer.send(reply(sent, 1 << 20))
                    sent += 1
            # the pipe (up to 1 MiB) plus our 4 MiB buffer, then send() waits
            assert 3 <= sent <= 8
            draining = drain_in_thread(client_in, received)
            with anyio.fail_after(10):
                await writer.send(reply(sent, 10))  # room again once the client reads
        os.close(server_out)
        draining.join(10)
        assert [json.loads(line)["id"] for line in received.splitlines()] == list(range(sent + 1))


async def test_a_client_that_went_away_costs_no_error() -> None:
    server_in, client_out = os.pipe()
    client_in, server_out = os.pipe()
    os.close(client_in)  # every write is now EPIPE
    try:
        async with pipe_streams(server_in, server_out) as (_, writer):
            for n in range(50):
                await writer.send(reply(n, 1000))
                await anyio.lowlevel.checkpoint()
    finally:
        for fd in (server_in, client_out, server_out):
            os.close(fd)


def test_the_server_falls_back_to_the_sdk_transport_when_stdin_is_a_file(tmp_path: Path) -> None:
    config = write_config(f'[providers.docs]\ntype = "filesystem"\nroot = "{tmp_path}"\n', tmp_path)
    requests = tmp_path / "requests.jsonl"
    requests.write_text(json.dumps(INITIALIZE) + "\n")
    with requests.open("rb") as stdin:
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "mcp_resources",
                "serve",
                str(config),
                "--log-level",
                "info",
                "--stdio-transport",
                "own",
            ],
            stdin=stdin,
            capture_output=True,
            timeout=60,
        )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["result"]["serverInfo"]["name"] == "mcp-resources"
    assert b"stdin or stdout is not a pipe: using the SDK's stdio transport" in result.stderr


def converse(config: Path, transport: str, script: list[tuple[bytes, int]]) -> list[bytes]:
    """Send each line and read the replies it is due; the replies, in order."""
    with subprocess.Popen(
        [sys.executable, "-m", "mcp_resources", "serve", str(config), "--stdio-transport", transport],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    ) as proc:
        assert proc.stdin and proc.stdout
        replies = []
        for line, due in script:
            proc.stdin.write(line)
            proc.stdin.flush()
            replies += [proc.stdout.readline() for _ in range(due)]
        proc.stdin.close()
        assert proc.stdout.read() == b"" and proc.wait(30) == 0
    return replies


def request(n: int, method: str, params: object = None) -> bytes:
    message = {"jsonrpc": "2.0", "id": n, "method": method, **({"params": params} if params else {})}
    return json.dumps(message).encode()


ENVELOPE = {
    "_meta": {
        "io.modelcontextprotocol/protocolVersion": "2026-07-28",
        "io.modelcontextprotocol/clientInfo": {"name": "t", "version": "1"},
        "io.modelcontextprotocol/clientCapabilities": {},
    }
}
"""A 2026-07-28 request's `params`: the per-request envelope that opens a modern-era connection."""


@pytest.fixture
def docs_config(tmp_path: Path) -> Path:
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "a.txt").write_text("alpha\n")
    return write_config('[providers.docs]\ntype = "filesystem"\nroot = "docs"\n', tmp_path)


def test_both_transports_answer_the_same_input_with_the_same_bytes(docs_config: Path) -> None:
    script = [
        (json.dumps(INITIALIZE).encode() + b"\n", 1),
        (b'{"jsonrpc": "2.0", "method": "notifications/initialized"}\n', 0),
        (b'{"jsonrpc": "2.0", "id": \n', 0),  # broken JSON: logged, no reply
        (b"\n", 0),
        (request(2, "ping") + b"\r\n", 1),
        (
            b'{"jsonrpc": "2.0", "id": 3, "method": "resources/read", "params": {"uri": "docs://a\xff.txt"}}\n',
            1,
        ),
        (request(4, "no/such/method") + b"\n", 1),
        (request(5, "resources/read", {"uri": "docs://a.txt"}) + b"\n", 1),
        (request(6, "resources/read", {"uri": 7}) + b"\n", 1),
        (request(7, "resources/list") + b"\n", 1),
        # A request in the 2026 envelope on a handshake-era connection is refused.
        (request(8, "resources/list", ENVELOPE) + b"\n", 1),
    ]
    own = converse(docs_config, "own", script)
    assert own == converse(docs_config, "sdk", script)
    assert [json.loads(line)["id"] for line in own] == [1, 2, 3, 4, 5, 6, 7, 8]
    assert json.loads(own[2])["error"]["data"]["uri"] == "docs://a\ufffd.txt"
    assert json.loads(own[7])["error"]["code"] == types.INVALID_REQUEST


def test_both_transports_choose_the_era_from_the_first_request_alike(docs_config: Path) -> None:
    # What comes before the first request (here eleven notifications and broken lines) is
    # kept or dropped alike; a first request in the 2026 envelope opens a modern connection,
    # which then refuses the handshake.
    early = [notification("notifications/initialized") + b"\n", b"not json\n"] * 5 + [b"[]\n"]
    modern = [
        *((line, 0) for line in early),
        (request(1, "resources/read", {"uri": "docs://a.txt", **ENVELOPE}) + b"\n", 1),
        (json.dumps(INITIALIZE).encode() + b"\n", 1),
        (request(2, "resources/list", ENVELOPE) + b"\n", 1),
    ]
    own = converse(docs_config, "own", modern)
    assert own == converse(docs_config, "sdk", modern)
    read, handshake, listing = (json.loads(line) for line in own)
    assert read["result"]["contents"][0]["text"] == "alpha\n"
    assert handshake["error"]["code"] == types.UNSUPPORTED_PROTOCOL_VERSION
    assert listing["result"]["resources"][0]["uri"] == "docs://a.txt"

    handshake_era = [*((line, 0) for line in early), (json.dumps(INITIALIZE).encode() + b"\n", 1)]
    own = converse(docs_config, "own", handshake_era)
    assert own == converse(docs_config, "sdk", handshake_era)
    assert json.loads(own[0])["result"]["protocolVersion"] == "2025-11-25"


def serve_piped(config: Path, lines: list[dict[str, object]]) -> subprocess.CompletedProcess[bytes]:
    """`printf '<lines>' | mcp-resources serve CONFIG`: the end of input right behind the lines."""
    payload = "".join(json.dumps(line) + "\n" for line in lines).encode()
    return subprocess.run(
        [sys.executable, "-m", "mcp_resources", "serve", str(config), "--stdio-transport", "own"],
        input=payload,
        capture_output=True,
        timeout=60,
    )


def slow_config(tmp_path: Path, seconds: float) -> Path:
    return write_config(
        f'[plugins]\ndirs = ["{TEST_PLUGINS}"]\n[providers.slow]\ntype = "slow"\nseconds = {seconds}\n',
        tmp_path,
    )


def test_requests_piped_in_at_once_are_all_answered_before_the_server_exits(tmp_path: Path) -> None:
    # The end of input comes while the reads still run: each still gets its result (the
    # SDK's transport would cancel them and answer "Connection closed").
    lines = [INITIALIZE, {"jsonrpc": "2.0", "method": "notifications/initialized"}]
    lines += [
        {"jsonrpc": "2.0", "id": n, "method": "resources/read", "params": {"uri": f"slow://{n}"}}
        for n in range(2, 7)
    ]
    result = serve_piped(slow_config(tmp_path, 0.5), lines)
    assert result.returncode == 0, result.stderr
    answers = {message["id"]: message for message in map(json.loads, result.stdout.splitlines())}
    assert sorted(answers) == list(range(1, 7))
    for n in range(2, 7):
        assert answers[n]["result"] == {"contents": []}, answers[n]  # what the slow provider reads


def test_the_end_of_input_does_not_wait_for_requests_that_are_never_answered(tmp_path: Path) -> None:
    # A request the client cancelled, and a 2026 listen stream (answered only when it ends):
    # the server exits at once instead of waiting out its grace period for them.
    cancelled = [
        INITIALIZE,
        {"jsonrpc": "2.0", "method": "notifications/initialized"},
        {"jsonrpc": "2.0", "id": 2, "method": "resources/read", "params": {"uri": "slow://x"}},
        {"jsonrpc": "2.0", "method": "notifications/cancelled", "params": {"requestId": 2}},
    ]
    listen = {
        "jsonrpc": "2.0",
        "id": 1,
        "method": "subscriptions/listen",
        "params": {"notifications": {"resourcesListChanged": True}, **ENVELOPE},
    }
    # The client may cancel with the id as a string: "2" and 2 are one request, as for the dispatcher.
    cancelled_as_text = [*cancelled[:-1], {**cancelled[-1], "params": {"requestId": "2"}}]
    for lines in (cancelled, cancelled_as_text, [listen]):
        started = time.monotonic()
        result = serve_piped(slow_config(tmp_path, 60), lines)
        assert result.returncode == 0, result.stderr
        assert time.monotonic() - started < 8, lines  # the grace period is 10 s


def test_a_cancel_naming_no_request_is_ignored_and_serving_goes_on(docs_config: Path) -> None:
    # Malformed `requestId`s (an object, a list, a boolean, none) cost nothing: the server
    # answers on and exits 0 at the end of input (an object once crashed its reader).
    cancels = [{"requestId": {}}, {"requestId": [1]}, {"requestId": True}, {}]
    script = [
        (json.dumps(INITIALIZE).encode() + b"\n", 1),
        *((notification("notifications/cancelled", **params) + b"\n", 0) for params in cancels),
        (request(2, "ping") + b"\n", 1),
    ]
    for transport in ("own", "sdk"):
        assert json.loads(converse(docs_config, transport, script)[1]) == {
            "jsonrpc": "2.0",
            "id": 2,
            "result": {},
        }
