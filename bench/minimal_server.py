"""Baseline for the benchmarks: the smallest honest low-level SDK server over a folder.

`python bench/minimal_server.py ROOT` serves every file under ROOT over stdio with the
official SDK's low-level `Server`: a sorted walk of the whole tree per `resources/list`
(100 per page, integer offset cursor), and a read that joins the URI's path to ROOT and
returns text (UTF-8) or a base64 blob. No policy, no windows, no sniffing: the floor the
SDK and Python set, against which mcp-resources' own costs are measured.
"""

from __future__ import annotations

import base64
import mimetypes
import os
import sys
from pathlib import Path

import anyio
import mcp_types as types
from mcp import MCPError
from mcp.server.lowlevel import Server
from mcp.server.stdio import stdio_server

ROOT = Path(sys.argv[1]).resolve()
PAGE = 100
PREFIX = "min://"


def walk() -> list[str]:
    found = []
    for folder, dirs, files in os.walk(ROOT):
        dirs.sort()
        rel = os.path.relpath(folder, ROOT)
        found += [name if rel == "." else f"{rel}/{name}" for name in files]
    return sorted(found)


async def list_resources(
    ctx: object, params: types.PaginatedRequestParams | None
) -> types.ListResourcesResult:
    start = int(params.cursor) if params and params.cursor else 0
    names = walk()
    page = names[start : start + PAGE]
    resources = [
        types.Resource(
            uri=PREFIX + name,
            name=name,
            mime_type=mimetypes.guess_type(name)[0] or "text/plain",
            size=(ROOT / name).stat().st_size,
        )
        for name in page
    ]
    more = start + PAGE < len(names)
    return types.ListResourcesResult(resources=resources, next_cursor=str(start + PAGE) if more else None)


async def read_resource(ctx: object, params: types.ReadResourceRequestParams) -> types.ReadResourceResult:
    path = ROOT / params.uri.removeprefix(PREFIX)
    try:
        data = path.read_bytes()
    except OSError:
        raise MCPError(types.INVALID_PARAMS, "Resource not found", data={"uri": params.uri}) from None
    mime = mimetypes.guess_type(path.name)[0] or "text/plain"
    try:
        content: types.TextResourceContents | types.BlobResourceContents = types.TextResourceContents(
            uri=params.uri, mime_type=mime, text=data.decode("utf-8")
        )
    except UnicodeDecodeError:
        content = types.BlobResourceContents(
            uri=params.uri, mime_type=mime, blob=base64.b64encode(data).decode()
        )
    return types.ReadResourceResult(contents=[content])


server: Server[object] = Server("minimal", on_list_resources=list_resources, on_read_resource=read_resource)


async def main() -> None:
    async with stdio_server() as (read_stream, write_stream):
        await server.run(read_stream, write_stream, server.create_initialization_options())


if __name__ == "__main__":
    anyio.run(main)
