"""The `mcp-resources` command line.

Output meant for people and scripts (listings, contents) goes to stdout;
logs, progress and errors go to stderr. `serve` never writes to stdout
itself: there, stdout is the protocol. Start-up problems exit with code 2.
"""

from __future__ import annotations

import gc
import json
import logging
import sys
from collections.abc import Callable, Coroutine
from importlib.resources import files
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

import anyio
import click

from mcp_resources import __version__
from mcp_resources.audit import AuditLog
from mcp_resources.claude_desktop import install_claude
from mcp_resources.cli_security import audit, token
from mcp_resources.components import BlobContent, TextContent
from mcp_resources.errors import ClientError, ConfigError, InternalError
from mcp_resources.observe import Observer
from mcp_resources.plugins import PluginSet, load_plugins
from mcp_resources.startup import Assembly, load

if TYPE_CHECKING:
    from mcp_resources.config import Config
    from mcp_resources.prompts.messages import PromptMessage
    from mcp_resources.transports.stdio import StdioTransport

__all__ = ["main"]

log = logging.getLogger("mcp_resources")
T = TypeVar("T")
_LEVELS = ["debug", "info", "warning", "error"]


def _setup_logging(level: str) -> None:
    logging.basicConfig(
        stream=sys.stderr,
        level=level.upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )


def _fail(lines: list[str], code: int = 2) -> NoReturn:
    for line in lines:
        click.echo(f"mcp-resources: error: {line}", err=True)
    sys.exit(code)


def _assemble(config: Path, log_level: str | None) -> Assembly:
    # Logging is set up first so plugin load failures are logged in the same format.
    _setup_logging(log_level or "warning")
    try:
        assembly = load(config)
    except ConfigError as exc:
        _fail(exc.problems)
    logging.getLogger().setLevel((log_level or assembly.config.server.log_level).upper())
    return assembly


def _run(func: Callable[[], Coroutine[Any, Any, T]]) -> T:
    try:
        return anyio.run(func)
    except ConfigError as exc:
        _fail(exc.problems)
    except OSError as exc:
        _fail([f"start-up failed: {exc.strerror or exc}"])


_config_arg = click.argument("config", type=click.Path(path_type=Path, dir_okay=False))
_level_opt = click.option("--log-level", type=click.Choice(_LEVELS), help="Override [server] log_level.")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="mcp-resources")
def main() -> None:
    """Serve files, SQL databases and logs as MCP resources, configured by one TOML file."""


def _audit_log(assembly: Assembly) -> AuditLog | None:
    path = assembly.config.audit.path
    if path is None:
        return None
    try:
        return AuditLog(path)
    except ConfigError as exc:
        _fail(exc.problems)


def _serve_http(assembly: Assembly, address: str) -> None:
    from mcp_resources.http.plan import parse_address
    from mcp_resources.transports.http import bind, serve_http

    try:
        host, port = parse_address(address)
        sock = bind(host, port)
    except ValueError as exc:
        _fail([f"--http: {exc}"])
    except OSError as exc:
        _fail([f"--http {address}: cannot listen there: {exc.strerror}"])
    config = assembly.config
    audit = _audit_log(assembly)
    try:
        _run(lambda: serve_http(assembly.app, config.http, [sock], source=config.path, audit=audit))
    finally:
        sock.close()
        if audit is not None:
            audit.close()


@main.command()
@_config_arg
@click.option(
    "--http",
    "address",
    metavar="[HOST:]PORT",
    help="Serve Streamable HTTP at http://HOST:PORT/mcp instead of stdio (HOST defaults to 127.0.0.1).",
)
@_level_opt
@click.option(
    "--stdio-transport",
    type=click.Choice(["own", "sdk"]),
    default="own",
    show_default=True,
    envvar="MCP_RESOURCES_STDIO_TRANSPORT",
    help="own: the event loop reads and writes the pipes; sdk: the MCP SDK's thread-based transport.",
)
def serve(config: Path, address: str | None, log_level: str | None, stdio_transport: StdioTransport) -> None:
    """Serve CONFIG over stdio (Claude Desktop, Claude Code, IDEs), or over HTTP with --http."""
    # Start-up allocates ~100,000 objects that live as long as the process; collecting
    # them over and over while importing costs ~20% of start-up (see transports/tuning.py).
    gc.disable()
    from mcp_resources.transports.stdio import serve_stdio

    assembly = _assemble(config, log_level)
    if address is not None:
        _serve_http(assembly, address)
        return
    app = assembly.app
    audit = _audit_log(assembly)
    if sys.stdin.isatty():
        click.echo(
            "mcp-resources speaks MCP on stdin/stdout: start it from an MCP client (see the README). "
            "Press Ctrl-C to stop.",
            err=True,
        )
    try:
        _run(lambda: serve_stdio(app, stdio_transport, observer=Observer(audit)))
    finally:
        if audit is not None:
            audit.close()


def _check_http(config: Config, address: str | None) -> str:
    from mcp_resources.http.plan import preflight

    try:
        return preflight(config.http, config.path, address)
    except ValueError as exc:
        _fail([f"--http: {exc}"])
    except ConfigError as exc:
        _fail(exc.problems)


@main.command()
@_config_arg
@_level_opt
@click.option(
    "--http",
    "address",
    metavar="[HOST:]PORT",
    help="Also check the [http] settings for serving at that address, as serve --http would.",
)
def check(config: Path, log_level: str | None, address: str | None) -> None:
    """Validate CONFIG, load its plugins and open every provider (and check [http] when it has one)."""
    assembly = _assemble(config, log_level or "warning")
    # A config without an [http] table is for stdio: its HTTP defaults (token auth, no tokens)
    # are not a mistake until someone serves it over HTTP.
    http = None
    if address is not None or assembly.config.http.model_fields_set:
        http = _check_http(assembly.config, address)

    prompts = assembly.app.prompts

    async def open_and_close() -> None:
        async with assembly.app:
            if prompts is not None:
                await prompts.ensure_loaded()  # compiles every template, as serving would

    _run(open_and_close)
    for provider in assembly.app.providers:
        click.echo(f"provider {provider.name}: {provider.type_name} at {provider.prefix}")
    for notifier in assembly.app.notifiers:
        click.echo(f"notifier {notifier.name}: {notifier.type_name}")
    if prompts is not None:
        click.echo(f"prompts: {', '.join(prompts.prompts) or 'none'}")
    failures = [f"plugin {f.name} ({f.source}) failed to load: {f.error}" for f in assembly.plugins.failures]
    failures += [f"prompt problem: {problem}" for problem in (prompts.problems if prompts else [])]
    if failures:
        _fail(failures, 1)
    if http is not None:
        click.echo(http)
    click.echo(f"{assembly.config.path.name}: OK")


@main.command()
@click.option(
    "--config", type=click.Path(path_type=Path, dir_okay=False), help="Also load CONFIG's plugin dirs."
)
def plugins(config: Path | None) -> None:
    """List the plugins, the types they provide and any that failed to load."""
    _setup_logging("critical")
    found: PluginSet = load_plugins() if config is None else _assemble(config, "critical").plugins
    for info in found.plugins:
        types = [
            *(f"provider:{t}" for t in info.provider_types),
            *(f"notifier:{t}" for t in info.notifier_types),
        ]
        types += [f"prompts:{src}" for src in info.prompt_sources]
        click.echo(f"{info.name}\t{info.source}\t{' '.join(types) or '-'}")
    for failure in found.failures:
        click.echo(f"{failure.name}\t{failure.source}\tFAILED: {failure.error}")
    for type_name, owners in found.conflicts.items():
        click.echo(f"{type_name}\tCONFLICT: registered by {', '.join(owners)}")
    if found.failures or found.conflicts:
        sys.exit(1)


@main.command(name="list")
@_config_arg
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
@click.option("--limit", type=click.IntRange(min=1), help="Stop after this many resources.")
@_level_opt
def list_(config: Path, as_json: bool, limit: int | None, log_level: str | None) -> None:
    """List every resource of CONFIG (URI, MIME type, size), in-process."""
    app = _assemble(config, log_level or "warning").app
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

    count = _run(run)
    if progress:
        click.echo(f"\rlisted {count} resources.  ", err=True)


@main.command()
@_config_arg
@click.argument("uri")
@click.option(
    "-o", "--output", type=click.Path(path_type=Path, dir_okay=False), help="Write the contents here."
)
@_level_opt
def read(config: Path, uri: str, output: Path | None, log_level: str | None) -> None:
    """Read URI from CONFIG's providers, in-process (text to stdout)."""
    app = _assemble(config, log_level or "warning").app

    async def run() -> list[Any]:
        async with app:
            try:
                return list(await app.read(uri))
            except ClientError as exc:
                _fail([f"{exc.message} ({uri})"], 1)

    first, *rest = _run(run)
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


@main.command()
@_config_arg
@click.argument("name")
@click.argument("arguments", nargs=-1, metavar="[ARG=VALUE]...")
@_level_opt
def prompt(config: Path, name: str, arguments: tuple[str, ...], log_level: str | None) -> None:
    """Render prompt NAME of CONFIG with ARG=VALUE arguments, as a client would get it."""
    given = dict(a.partition("=")[::2] for a in arguments)
    if bad := [a for a in arguments if "=" not in a]:
        _fail([f"arguments are ARG=VALUE, not {bad[0]!r}"], 2)
    app = _assemble(config, log_level or "warning").app

    async def run() -> list[PromptMessage]:
        async with app:
            try:
                return (await app.get_prompt(name, given))[1]
            except (ClientError, InternalError) as exc:
                _fail([f"{exc.message} ({', '.join(f'{k}={v}' for k, v in exc.data.items())})"], 1)

    for message in _run(run):
        if message.resource is not None:
            content = message.resource
            click.echo(f"--- {message.role}: resource {content.uri} ({content.mime_type or '-'}) ---")
            click.echo(content.text if isinstance(content, TextContent) else f"[{len(content.data)} bytes]")
        elif message.link is not None:
            click.echo(f"--- {message.role}: link {message.link} ---")
        else:
            click.echo(f"--- {message.role} ---\n{message.text}")


@main.command()
@click.argument("path", type=click.Path(path_type=Path, dir_okay=False), default="mcp-resources.toml")
@click.option("--force", is_flag=True, help="Overwrite an existing file.")
def init(path: Path, force: bool) -> None:
    """Write a commented starter config to PATH (default mcp-resources.toml)."""
    if path.exists() and not force:
        _fail([f"{path} already exists; use --force to overwrite it"], 1)
    path.write_text(files("mcp_resources").joinpath("starter.toml").read_text("utf-8"), "utf-8")
    click.echo(f"wrote {path}; check it with: mcp-resources check {path}", err=True)


main.add_command(install_claude)
main.add_command(token)
main.add_command(audit)
