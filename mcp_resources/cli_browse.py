"""Commands that browse a config's resources and prompts in-process: `list`, `read`, `prompt`.

No server and no client: the App is built from the config and asked directly,
as a client's request would ask it, so what they print is what a client gets.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from mcp_resources.cli_common import assemble, config_arg, fail, level_opt, run_in_loop
from mcp_resources.components import BlobContent, TextContent
from mcp_resources.errors import ClientError, InternalError

if TYPE_CHECKING:
    from mcp_resources.prompts.messages import PromptMessage

__all__ = ["list_", "prompt", "read"]


@click.command(name="list")
@config_arg
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
@click.option("--limit", type=click.IntRange(min=1), help="Stop after this many resources.")
@level_opt
def list_(config: Path, as_json: bool, limit: int | None, log_level: str | None) -> None:
    """List every resource of CONFIG (URI, MIME type, size), in-process."""
    app = assemble(config, log_level or "warning").app
    progress = sys.stderr.isatty()

    async def run() -> int:
        count, cursor = 0, None
        async with app:
            while True:
                page = await app.list_resources(cursor)
                for item in page.resources:
                    if as_json:
                        fields = {
                            "uri": item.uri,
                            "name": item.name,
                            "mimeType": item.mime_type,
                            "size": item.size,
                            "lastModified": item.last_modified,
                        }
                        click.echo(json.dumps(fields))
                    else:
                        size = "-" if item.size is None else item.size
                        click.echo(f"{item.uri}\t{item.mime_type or '-'}\t{size}")
                    count += 1
                    if limit is not None and count >= limit:
                        return count
                if progress:
                    click.echo(f"\rlisted {count} resources…", err=True, nl=False)
                cursor = page.next_cursor
                if cursor is None:
                    return count

    count = run_in_loop(run)
    if progress:
        click.echo(f"\rlisted {count} resources.  ", err=True)


@click.command()
@config_arg
@click.argument("uri")
@click.option(
    "-o", "--output", type=click.Path(path_type=Path, dir_okay=False), help="Write the contents here."
)
@level_opt
def read(config: Path, uri: str, output: Path | None, log_level: str | None) -> None:
    """Read URI from CONFIG's providers, in-process (text to stdout)."""
    app = assemble(config, log_level or "warning").app

    async def run() -> list[Any]:
        async with app:
            try:
                return list(await app.read(uri))
            except ClientError as exc:
                fail([f"{exc.message} ({uri})"], 1)

    first, *rest = run_in_loop(run)
    data = first.data if isinstance(first, BlobContent) else first.text.encode("utf-8")
    if output is not None:
        output.write_bytes(data)
    elif isinstance(first, BlobContent) and sys.stdout.isatty():
        click.echo(
            f"{first.mime_type}, {len(data)} bytes of binary data; use --output FILE to save it", err=True
        )
    else:
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
    for extra in rest:
        click.echo(getattr(extra, "text", extra.uri), err=True)


@click.command()
@config_arg
@click.argument("name")
@click.argument("arguments", nargs=-1, metavar="[ARG=VALUE]...")
@level_opt
def prompt(config: Path, name: str, arguments: tuple[str, ...], log_level: str | None) -> None:
    """Render prompt NAME of CONFIG with ARG=VALUE arguments, as a client would get it."""
    given = dict(a.partition("=")[::2] for a in arguments)
    if bad := [a for a in arguments if "=" not in a]:
        fail([f"arguments are ARG=VALUE, not {bad[0]!r}"], 2)
    app = assemble(config, log_level or "warning").app

    async def run() -> list[PromptMessage]:
        async with app:
            try:
                return (await app.get_prompt(name, given))[1]
            except (ClientError, InternalError) as exc:
                fail([f"{exc.message} ({', '.join(f'{k}={v}' for k, v in exc.data.items())})"], 1)

    for message in run_in_loop(run):
        if message.resource is not None:
            content = message.resource
            click.echo(f"--- {message.role}: resource {content.uri} ({content.mime_type or '-'}) ---")
            click.echo(content.text if isinstance(content, TextContent) else f"[{len(content.data)} bytes]")
        elif message.link is not None:
            click.echo(f"--- {message.role}: link {message.link} ---")
        else:
            click.echo(f"--- {message.role} ---\n{message.text}")
