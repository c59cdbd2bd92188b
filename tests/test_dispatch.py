"""Our stdio dispatcher (transports/dispatch.py) keeps the SDK dispatcher's contract.

Every test runs twice over the same real pipes, once with our `PipeDispatcher`
and once with the SDK's `JSONRPCDispatcher`, and expects the same answers:
what the client sees must not depend on which one serves it.
"""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from functools import partial
from typing import Any

import anyio
import pytest
from mcp.shared.dispatcher import CallOptions, DispatchContext, Dispatcher, OnNotifyIntercept, OnRequest
from mcp.shared.exceptions import MCPError, NoBackChannelError
from mcp.shared.jsonrpc_dispatcher import JSONRPCDispatcher
from mcp.shared.transport_context import TransportContext
from mcp_types import CONNECTION_CLOSED, INVALID_PARAMS, REQUEST_TIMEOUT
from pydantic import BaseModel

from mcp_resources.transports.dispatch import PipeDispatcher
from mcp_resources.transports.lines import MessageReader
from mcp_resources.transports.pipes import MessageWriter, pipe_streams

pytestmark = pytest.mark.anyio

Ctx = DispatchContext[TransportContext]
Params = Mapping[str, Any] | None
MakeDispatcher = Callable[[MessageReader, MessageWriter], Dispatcher[Any]]

DISPATCHERS: dict[str, MakeDispatcher] = {
    "ours": lambda reader, writer: PipeDispatcher(reader, writer, inline_methods=frozenset({"initialize"})),
    "sdk": lambda reader, writer: JSONRPCDispatcher(reader, writer, inline_methods=frozenset({"initialize"})),
}


@pytest.fixture(params=sorted(DISPATCHERS))
def make(request: pytest.FixtureRequest) -> MakeDispatcher:
    return DISPATCHERS[request.param]


class Client:
    """The client's ends of the pipes: JSON lines out, JSON lines in (each read with a deadline)."""

    def __init__(self, out_fd: int, lines: asyncio.StreamReader) -> None:
        self._out = out_fd
        self._lines = lines

    def send(self, *messages: dict[str, Any]) -> None:
        """Write the messages in one write: the server reads them together."""
        os.write(self._out, b"".join(json.dumps({"jsonrpc": "2.0", **m}).encode() + b"\n" for m in messages))

    async def receive(self) -> dict[str, Any]:
        with anyio.fail_after(5):
            message: dict[str, Any] = json.loads(await self._lines.readline())
        return message

    async def nothing_more(self) -> None:
        """Nothing else was written: the next thing on the pipe is its end."""
        with anyio.fail_after(5):
            assert await self._lines.readline() == b""


async def no_notifications(ctx: Ctx, method: str, params: Params) -> None:
    raise AssertionError(f"unexpected notification {method}")


@asynccontextmanager
async def serving(
    make: MakeDispatcher,
    on_request: OnRequest,
    on_notify: Callable[[Ctx, str, Params], Any] = no_notifications,
    intercept: OnNotifyIntercept | None = None,
) -> AsyncIterator[tuple[Client, Dispatcher[Any], anyio.abc.TaskGroup]]:
    """A dispatcher serving real pipes until the client's input ends (or the task group is cancelled)."""
    server_in, client_out = os.pipe()
    client_in, server_out = os.pipe()
    lines = asyncio.StreamReader()
    # The client's read end belongs to its transport from here on (closed with it).
    reading, _ = await asyncio.get_running_loop().connect_read_pipe(
        lambda: asyncio.StreamReaderProtocol(lines), os.fdopen(client_in, "rb")
    )
    try:
        async with pipe_streams(server_in, server_out) as (reader, writer):
            dispatcher = make(reader, writer)
            async with anyio.create_task_group() as tg:
                await tg.start(partial(dispatcher.run, on_request, on_notify, intercept))
                try:
                    yield Client(client_out, lines), dispatcher, tg
                finally:
                    os.close(client_out)  # the end of input: the dispatcher finishes
    finally:
        reading.close()
        os.close(server_in)
        os.close(server_out)


def req(n: int | str, method: str, **params: Any) -> dict[str, Any]:
    return {"id": n, "method": method, **({"params": params} if params else {})}


def note(method: str, **params: Any) -> dict[str, Any]:
    return {"method": method, **({"params": params} if params else {})}


async def test_initialize_is_answered_before_the_next_message_is_read(make: MakeDispatcher) -> None:
    done: list[str] = []
    release = anyio.Event()

    async def handle(ctx: Ctx, method: str, params: Params) -> dict[str, Any]:
        if method == "initialize":
            await anyio.sleep(0.05)  # a yield: a second request read meanwhile would run first
        if method == "slow":
            await release.wait()
        done.append(method)
        return {"method": method, "id": ctx.request_id}

    async with serving(make, handle) as (client, _, _):
        client.send(req(1, "initialize"), req(2, "next"), req(3, "slow"), req(4, "fast"))
        assert await client.receive() == {
            "jsonrpc": "2.0",
            "id": 1,
            "result": {"method": "initialize", "id": 1},
        }
        assert (await client.receive())["id"] == 2
        assert (await client.receive())["id"] == 4  # requests run concurrently: the slow one waits alone
        release.set()
        assert (await client.receive())["id"] == 3
    assert done == ["initialize", "next", "fast", "slow"]


async def test_a_request_the_client_cancels_is_interrupted_and_never_answered(make: MakeDispatcher) -> None:
    started, interrupted = anyio.Event(), anyio.Event()
    seen: list[bool] = []

    async def handle(ctx: Ctx, method: str, params: Params) -> dict[str, Any]:
        if method == "slow":
            started.set()
            try:
                await anyio.sleep_forever()
            finally:
                seen.append(ctx.cancel_requested.is_set())
                interrupted.set()
        return {}

    async with serving(make, handle) as (client, _, _):
        client.send(req(1, "slow"))
        with anyio.fail_after(5):
            await started.wait()
        client.send(note("notifications/cancelled", requestId=1), req(2, "ping"))
        assert await client.receive() == {"jsonrpc": "2.0", "id": 2, "result": {}}
        with anyio.fail_after(5):
            await interrupted.wait()
        # A cancel right behind its request: the handler may never start; nothing is answered.
        client.send(req(3, "slow"), note("notifications/cancelled", requestId="3"), req(4, "ping"))
        assert await client.receive() == {"jsonrpc": "2.0", "id": 4, "result": {}}
    await client.nothing_more()
    assert seen[0] is True


async def test_a_request_still_running_at_shutdown_is_answered_connection_closed(
    make: MakeDispatcher,
) -> None:
    started = anyio.Event()

    async def handle(ctx: Ctx, method: str, params: Params) -> dict[str, Any]:
        started.set()
        await anyio.sleep_forever()
        raise AssertionError("unreachable")

    async with serving(make, handle) as (client, _, tg):
        client.send(req("a", "slow"))
        with anyio.fail_after(5):
            await started.wait()
        tg.cancel_scope.cancel()  # what a signal does to `serve`
    error = await client.receive()
    assert error == {
        "jsonrpc": "2.0",
        "id": "a",
        "error": {"code": CONNECTION_CLOSED, "message": "Connection closed"},
    }
    await client.nothing_more()


class Strict(BaseModel):
    n: int


async def test_a_handlers_failure_is_answered_as_the_sdk_answers_it(make: MakeDispatcher) -> None:
    async def handle(ctx: Ctx, method: str, params: Params) -> dict[str, Any]:
        if method == "mcp-error":
            raise MCPError(code=INVALID_PARAMS, message="Unknown resource", data={"uri": "x://y"})
        if method == "invalid":
            Strict.model_validate({"n": "not a number"})
        raise RuntimeError("boom")

    async with serving(make, handle) as (client, _, _):
        client.send(req(1, "mcp-error"), req(2, "invalid"), req(3, "crash"))
        answers = {m["id"]: m["error"] for m in [await client.receive() for _ in range(3)]}
    assert answers == {
        1: {"code": INVALID_PARAMS, "message": "Unknown resource", "data": {"uri": "x://y"}},
        2: {"code": INVALID_PARAMS, "message": "Invalid request parameters", "data": ""},
        3: {"code": 0, "message": "boom"},
    }


async def test_notifications_go_to_the_intercept_in_order_and_a_failing_handler_costs_only_itself(
    make: MakeDispatcher,
) -> None:
    intercepted: list[str] = []
    handled: list[tuple[str, object]] = []

    def intercept(method: str, params: Params) -> bool:
        intercepted.append(method)
        return method == "x/consumed"

    async def on_notify(ctx: Ctx, method: str, params: Params) -> None:
        handled.append((method, ctx.request_id))
        if method == "x/fails":
            raise RuntimeError("a broken handler")

    async def handle(ctx: Ctx, method: str, params: Params) -> dict[str, Any]:
        return {}

    async with serving(make, handle, on_notify, intercept) as (client, _, _):
        client.send(note("x/one"), note("x/consumed"), note("x/fails"), note("x/two"), req(1, "ping"))
        assert (await client.receive())["id"] == 1
    assert intercepted == ["x/one", "x/consumed", "x/fails", "x/two"]
    assert sorted(handled) == [("x/fails", None), ("x/one", None), ("x/two", None)]


async def test_progress_goes_out_with_the_clients_token_and_only_with_one(make: MakeDispatcher) -> None:
    async def handle(ctx: Ctx, method: str, params: Params) -> dict[str, Any]:
        await ctx.progress(0.5, 1.0, "half")
        return {}

    async with serving(make, handle) as (client, _, _):
        client.send(req(1, "work", _meta={"progressToken": "t-1"}))
        progress = await client.receive()
        assert progress == {
            "jsonrpc": "2.0",
            "method": "notifications/progress",
            "params": {"progressToken": "t-1", "progress": 0.5, "total": 1.0, "message": "half"},
        }
        assert (await client.receive())["id"] == 1
        client.send(req(2, "work"))
        assert (await client.receive()) == {"jsonrpc": "2.0", "id": 2, "result": {}}


async def test_the_servers_own_requests_get_answers_errors_timeouts_and_progress(
    make: MakeDispatcher,
) -> None:
    reports: list[tuple[float, float | None, str | None]] = []
    kept: list[Ctx] = []

    async def on_progress(progress: float, total: float | None, message: str | None) -> None:
        reports.append((progress, total, message))

    async def handle(ctx: Ctx, method: str, params: Params) -> dict[str, Any]:
        kept.append(ctx)
        if method == "ask":
            return await ctx.send_raw_request("roots/list", None, CallOptions(on_progress=on_progress))
        if method == "ask-error":
            try:
                await ctx.send_raw_request("roots/list", {"x": 1})
            except MCPError as exc:
                return {"error": exc.error.message}
        try:
            await ctx.send_raw_request("sampling/createMessage", {}, {"timeout": 0.2})
        except MCPError as exc:
            return {"code": exc.error.code}
        raise AssertionError("no timeout")

    async with serving(make, handle) as (client, _, _):
        client.send(req(1, "ask"))
        asked = await client.receive()
        assert asked["method"] == "roots/list" and "params" in asked
        token = asked["params"]["_meta"]["progressToken"]
        client.send(note("notifications/progress", progressToken=token, progress=1, total=2))
        client.send({"id": asked["id"], "result": {"roots": []}})
        assert await client.receive() == {"jsonrpc": "2.0", "id": 1, "result": {"roots": []}}
        assert reports == [(1.0, 2.0, None)]

        client.send(req(2, "ask-error"))
        asked = await client.receive()
        assert asked["params"] == {"x": 1}
        client.send({"id": asked["id"], "error": {"code": -1, "message": "no roots here"}})
        assert (await client.receive())["result"] == {"error": "no roots here"}

        client.send(req(3, "ask-timeout"))
        asked = await client.receive()
        cancel = await client.receive()
        assert cancel["method"] == "notifications/cancelled"
        assert cancel["params"]["requestId"] == asked["id"]
        assert (await client.receive())["result"] == {"code": REQUEST_TIMEOUT}
        # Once a request is answered, its back-channel is closed.
        with pytest.raises(NoBackChannelError):
            await kept[0].send_raw_request("roots/list", None)


async def test_waiting_server_requests_get_connection_closed_at_the_end_of_input(
    make: MakeDispatcher,
) -> None:
    outcome: list[int] = []

    async def handle(ctx: Ctx, method: str, params: Params) -> dict[str, Any]:
        return {}

    async def ask(dispatcher: Dispatcher[Any]) -> None:
        try:
            await dispatcher.send_raw_request("roots/list", None, {"request_id": "mine-1"})
        except MCPError as exc:
            outcome.append(exc.error.code)

    async with serving(make, handle) as (client, dispatcher, tg):
        tg.start_soon(ask, dispatcher)
        assert (await client.receive())["id"] == "mine-1"
        with pytest.raises(ValueError, match="already in flight"):
            await dispatcher.send_raw_request("roots/list", None, {"request_id": "mine-1"})
    assert outcome == [CONNECTION_CLOSED]
