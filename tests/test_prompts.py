"""The prompt registry in-process, both protocol eras: files, front matter, rendering, embedding, limits.

Every render here really runs in a worker process (the sandbox is not mocked).
"""

from __future__ import annotations

import base64
import os
import time
from pathlib import Path
from typing import Any

import anyio
import mcp_types as types
import pytest
from conftest import fs_config, logs_config, make_logs, make_shop, sqlite_config
from mcp import Client, MCPError

from mcp_resources.errors import ConfigError
from mcp_resources.prompts.messages import EMBED_META
from mcp_resources.testing import app_from_toml, assemble_toml, connect

pytestmark = pytest.mark.anyio
MODES = ["legacy", "auto"]
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4


def front(body: str, **tables: str) -> str:
    """A prompt file: front matter (TOML) then the template."""
    return "{#---\n" + "\n".join(tables.values()) + "\n---#}\n" + body


PROMPTS = {
    "greet.md.j2": 'Hello {{ name }}.{{ message("assistant") }}Hi {{ name }}, how can I help?',
    "echo.j2": front("Echo: {{ payload }}|", a='[arguments.payload]\ndescription = "anything"'),
    "pick.j2": front(
        "{{ colour }} {{ size }} {{ page }}",
        a='title = "Pick"\ndescription = "Choose things"',
        b='[arguments.colour]\nvalues = ["red", "green", "blue"]\ndefault = "red"',
        c="[arguments.size]\nrequired = false\nmax_length = 5",
        d='[arguments.page]\nrequired = false\ncomplete = { from = "template", template = "docs://{+path}", '
        'variable = "path" }',
    ),
    "embed-all.j2": (
        'Files:\n{{ resource("docs://notes.txt") }}\n{{ resource("docs://logo.png") }}\n'
        '{{ message("assistant") }}Tables:\n{{ resource("shop://tables/orders") }}\n'
        'Logs:\n{{ resource(uri_with("logs://app.log", level="error", tail=50)) }}'
    ),
    "big.j2": '{{ resource("docs://big.txt") }}{{ resource("docs://big.png") }}',
    "outside.j2": front("{{ resource(uri) }}", a="[arguments.uri]"),
    "picture.j2": front("{{ image(uri) }}Describe the picture.", a="[arguments.uri]"),
    "compare.j2": "{{ diff('docs://old.txt', 'docs://new.txt') }}",
    "incl.j2": '{% include "_part.j2" %} and {{ extra }}',
    "_part.j2": "part for {{ who }}",
    "escape.j2": "{{ ''.__class__.__mro__ }}",
    "pow.j2": "{{ 9 ** 999999 }}",
    "spin.j2": "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}done",
    "hog.j2": front(  # from an argument: a constant would be folded (and refused) at compile time
        "{% set x = 'x' | center(size | int) %}{{ [x, x, x, x] | join | length }}",
        a='[arguments.size]\ndefault = "100000000"',
    ),
    "huge.j2": "{% for i in range(100000) %}{{ 'y' * 1000 }}{% endfor %}",
    "broken.j2": "line one\n{% if %}\n",
    "undeclared.j2": front("{{ a }} {{ b }}", a="[arguments.a]"),
    "badfront.j2": "{#---\ntitle = \nother = 1\n---#}\nbody",
    "sneaky.j2": '{% include "../secret.j2" %}',
    "nested/deep.md.j2": front("deep {{ x }}", a='name = "deep-one"', b="[arguments.x]"),
}


def site(tmp_path: Path, **prompt_settings: object) -> str:
    """Files, a database, logs and a prompt folder; the config TOML serving them all."""
    root = tmp_path / "root"
    root.mkdir()
    (root / "notes.txt").write_text("remember the milk\n")
    (root / "logo.png").write_bytes(PNG)
    (root / "big.txt").write_text("".join(f"line {i:06d}\n" for i in range(20_000)))
    (root / "big.png").write_bytes(PNG * 200)
    (root / "old.txt").write_text("alpha\nbeta\ngamma\n")
    (root / "new.txt").write_text("alpha\nBETA\ngamma\ndelta\n")
    make_shop(tmp_path / "shop.db")
    make_logs(tmp_path / "logs")
    prompts = tmp_path / "prompts"
    for name, text in PROMPTS.items():
        (prompts / name).parent.mkdir(parents=True, exist_ok=True)
        (prompts / name).write_text(text)
    (tmp_path / "secret.j2").write_text("TOP SECRET")
    os.symlink(tmp_path / "secret.j2", prompts / "link.j2")
    settings = "".join(f"{key} = {value!r}\n".replace("'", '"') for key, value in prompt_settings.items())
    return (
        f'[prompts]\ndirs = ["prompts"]\ntime_limit_ms = 1000\n{settings}'
        + fs_config(watch=False)
        + sqlite_config(watch=False)
        + logs_config(watch=False)
    )


async def get(client: Client, prompt: str, **arguments: str) -> list[types.PromptMessage]:
    return (await client.get_prompt(prompt, arguments or None)).messages


async def error(client: Client, prompt: str, **arguments: str) -> types.ErrorData:
    with pytest.raises(MCPError) as caught:
        await client.get_prompt(prompt, arguments or None)
    return caught.value.error


def texts(messages: list[types.PromptMessage]) -> list[str]:
    return [m.content.text for m in messages if isinstance(m.content, types.TextContent)]


@pytest.mark.parametrize("mode", MODES)
async def test_list_get_defaults_and_completions(tmp_path: Path, mode: Any) -> None:
    async with app_from_toml(site(tmp_path), tmp_path) as app, connect(app, mode=mode) as client:
        listed = {p.name: p for p in (await client.list_prompts()).prompts}
        library = {"summarise-file", "review-diff-between-files", "explain-table"}
        library |= {"write-sql-for-question", "triage-log-errors"}
        assert library <= set(listed)
        assert {"greet", "echo", "pick", "incl", "deep-one"} <= set(listed)
        # Broken prompts are left out; everything else serves.
        assert not {"broken", "undeclared", "badfront", "sneaky", "link", "_part"} & set(listed)
        assert [(a.name, a.required) for a in listed["greet"].arguments or []] == [("name", True)]
        assert [a.name for a in listed["incl"].arguments or []] == ["extra", "who"]  # the partial's too
        pick = listed["pick"]
        assert (pick.title, pick.description) == ("Pick", "Choose things")
        assert (pick.arguments or [])[0].description == "One of: red, green, blue. Default: red."
        assert [(a.name, a.required) for a in pick.arguments or []] == [
            ("colour", False),
            ("size", False),
            ("page", False),
        ]

        greet = await get(client, "greet", name="Ada")
        assert [(m.role, m.content.text) for m in greet] == [  # type: ignore[union-attr]
            ("user", "Hello Ada."),
            ("assistant", "Hi Ada, how can I help?"),
        ]
        assert texts(await get(client, "pick")) == ["red  "]  # the default; optional ones empty
        assert texts(await get(client, "pick", colour="blue", size="XL", page="a")) == ["blue XL a"]

        ref = types.PromptReference(type="ref/prompt", name="pick")
        colours = await client.complete(ref, {"name": "colour", "value": "gr"})
        assert colours.completion.values == ["green"]
        pages = await client.complete(ref, {"name": "page", "value": "no"})
        assert pages.completion.values == ["notes.txt"]
        summarise = types.PromptReference(type="ref/prompt", name="summarise-file")
        uris = await client.complete(summarise, {"name": "uri", "value": "docs://n"})
        assert uris.completion.values == ["docs://new.txt", "docs://notes.txt"]
        tables = await client.complete(
            types.PromptReference(type="ref/prompt", name="explain-table"), {"name": "table", "value": ""}
        )
        assert "shop://tables/orders" in tables.completion.values
        assert all(v.startswith("shop://tables/") for v in tables.completion.values)
        logs = await client.complete(
            types.PromptReference(type="ref/prompt", name="triage-log-errors"), {"name": "log", "value": ""}
        )
        assert "logs://app.log" in logs.completion.values
        assert all(v.startswith("logs://") for v in logs.completion.values)


@pytest.mark.parametrize("mode", MODES)
async def test_bad_arguments_name_the_argument(tmp_path: Path, mode: Any) -> None:
    async with app_from_toml(site(tmp_path), tmp_path) as app, connect(app, mode=mode) as client:
        missing = await error(client, "greet")
        assert (missing.code, missing.data) == (-32602, {"prompt": "greet", "argument": "name"})
        unknown = await error(client, "greet", name="a", nme="b")
        assert (unknown.code, unknown.data) == (-32602, {"prompt": "greet", "argument": "nme"})
        not_allowed = await error(client, "pick", colour="purple")
        assert not_allowed.data == {"prompt": "pick", "argument": "colour"}
        assert "red, green, blue" in not_allowed.message
        too_long = await error(client, "pick", size="XXXXXL")
        assert (too_long.code, too_long.data) == (-32602, {"prompt": "pick", "argument": "size"})
        huge = await error(client, "echo", payload="x" * 20_000)
        assert huge.data == {"prompt": "echo", "argument": "payload"}
        nothing = await error(client, "broken")
        assert (nothing.code, nothing.data) == (-32602, {"prompt": "broken"})
        with pytest.raises(MCPError) as caught:
            await client.complete(
                types.PromptReference(type="ref/prompt", name="pick"), {"name": "nope", "value": ""}
            )
        assert caught.value.error.data == {"prompt": "pick", "argument": "nope"}
        assert texts(await get(client, "greet", name="still serving"))[0] == "Hello still serving."


@pytest.mark.parametrize("mode", MODES)
async def test_resources_of_every_provider_type_are_embedded(tmp_path: Path, mode: Any) -> None:
    async with app_from_toml(site(tmp_path), tmp_path) as app, connect(app, mode=mode) as client:
        messages = await get(client, "embed-all")
        parts = [(m.role, m.content) for m in messages]
        kinds = [(role, c.type) for role, c in parts]
        assert kinds == [
            ("user", "text"),
            ("user", "resource"),
            ("user", "resource"),
            ("assistant", "text"),
            ("assistant", "resource"),
            ("assistant", "text"),
            ("assistant", "resource"),
        ]
        resources = [c.resource for _, c in parts if isinstance(c, types.EmbeddedResource)]
        notes, logo, table, log = resources
        assert isinstance(notes, types.TextResourceContents) and notes.text == "remember the milk\n"
        assert notes.uri == "docs://notes.txt" and (notes.meta or {})["mcp-resources/provider"] == "docs"
        assert isinstance(logo, types.BlobResourceContents) and base64.b64decode(logo.blob) == PNG
        assert isinstance(table, types.TextResourceContents) and '"orders"' in table.text
        assert isinstance(log, types.TextResourceContents) and "request 20 failed" in log.text
        assert log.uri == "logs://app.log?level=error&tail=50"
        assert "hunter2" not in log.text  # redacted like any read


@pytest.mark.parametrize("mode", MODES)
async def test_big_resources_come_as_a_window_with_a_link_and_diffs_work(tmp_path: Path, mode: Any) -> None:
    toml = site(tmp_path, max_embed="64KiB")
    async with app_from_toml(toml, tmp_path) as app, connect(app, mode=mode) as client:
        parts = [m.content for m in await get(client, "big")]
        assert [p.type for p in parts] == ["resource", "text", "resource_link", "text", "resource_link"]
        window = parts[0].resource  # type: ignore[union-attr]
        assert isinstance(window, types.TextResourceContents)
        assert len(window.text.encode()) <= 64 * 1024 and window.text.endswith("\n")
        assert (window.meta or {})[EMBED_META] == {"bytes": len(window.text), "of": 20_000 * 12}
        assert "docs://big.txt" in parts[1].text  # type: ignore[union-attr]
        assert parts[2].uri == "docs://big.txt"  # type: ignore[union-attr]
        assert parts[4].uri == "docs://big.png"  # type: ignore[union-attr]

        [diff] = texts(await get(client, "compare"))
        assert diff.startswith("```diff\n--- docs://old.txt\n+++ docs://new.txt\n")
        assert "-beta\n+BETA\n" in diff and "+delta\n" in diff

        library = texts(
            await get(client, "review-diff-between-files", old="docs://old.txt", new="docs://new.txt")
        )
        assert any("+BETA" in t for t in library)


@pytest.mark.parametrize("mode", MODES)
async def test_images_are_image_parts_checked_like_reads(tmp_path: Path, mode: Any) -> None:
    toml = site(tmp_path, max_embed="64KiB")
    async with app_from_toml(toml, tmp_path) as app, connect(app, mode=mode) as client:
        image, text = [m.content for m in await get(client, "picture", uri="docs://logo.png")]
        assert isinstance(image, types.ImageContent) and image.mime_type == "image/png"
        assert base64.b64decode(image.data) == PNG
        assert (image.meta or {})["mcp-resources/provider"] == "docs"
        assert (image.meta or {})["mcp-resources/untrusted"] is True
        assert isinstance(text, types.TextContent) and text.text == "Describe the picture."
        # Too big to embed: a note and a link, as for any binary resource.
        parts = [m.content for m in await get(client, "picture", uri="docs://big.png")]
        assert [p.type for p in parts] == ["text", "resource_link", "text"]
        for uri in ("docs://notes.txt", "docs://../secret.j2", "shop://schema"):
            found = await error(client, "picture", uri=uri)
            assert found.code == -32602 and found.data == {"prompt": "picture", "uri": uri}, uri
        assert "not one" in (await error(client, "picture", uri="docs://notes.txt")).message


@pytest.mark.parametrize("mode", MODES)
async def test_arguments_are_values_never_template_source(tmp_path: Path, mode: Any) -> None:
    payloads = [
        "{{ 7 * 7 }}",
        "{% for x in range(3) %}{{ x }}{% endfor %}",
        "{{ ''.__class__.__mro__[1].__subclasses__() }}",
        "{{ cycler.__init__.__globals__.os.popen('id').read() }}",
        "{% include '../secret.j2' %}",
        "\x00" + "0" * 32 + ":res:0\x00",  # a forged placeholder: the nonce is secret
    ]
    async with app_from_toml(site(tmp_path), tmp_path) as app, connect(app, mode=mode) as client:
        for payload in payloads:
            assert texts(await get(client, "echo", payload=payload)) == [f"Echo: {payload}|"]


@pytest.mark.parametrize("mode", MODES)
async def test_embedding_goes_through_the_same_checks_as_a_read(tmp_path: Path, mode: Any) -> None:
    async with app_from_toml(site(tmp_path), tmp_path) as app, connect(app, mode=mode) as client:
        for uri in (
            "docs://../secret.j2",
            "docs://%2e%2e/secret.j2",
            "file:///etc/passwd",
            "shop://tables/secrets",
        ):
            found = await error(client, "outside", uri=uri)
            assert found.code == -32602 and found.data["uri"] == uri, uri
            assert str(tmp_path) not in found.message


@pytest.mark.parametrize("mode", MODES)
async def test_sandbox_and_resource_limits_stop_templates_not_the_server(tmp_path: Path, mode: Any) -> None:
    async with app_from_toml(site(tmp_path), tmp_path) as app, connect(app, mode=mode) as client:
        escape = await error(client, "escape")
        assert escape.code == -32603 and "unsafe" in escape.message and "escape.j2 line 1" in escape.message
        power = await error(client, "pow")
        assert "exceed 4096 bits" in power.message
        hog = await error(client, "hog")
        assert "memory limit" in hog.message
        huge = await error(client, "huge")
        assert "output passed" in huge.message

        # A runaway loop is killed at the wall-clock limit; other requests go on meanwhile.
        pings: list[float] = []

        async def ping_while_spinning() -> None:
            for _ in range(5):
                began = time.monotonic()
                await client.list_resource_templates()
                pings.append(time.monotonic() - began)
                await anyio.sleep(0.1)

        began = time.monotonic()
        async with anyio.create_task_group() as tg:
            tg.start_soon(ping_while_spinning)
            spin = await error(client, "spin")
        assert "1000 ms time limit" in spin.message and time.monotonic() - began < 5
        assert max(pings) < 0.5
        assert texts(await get(client, "greet", name="after"))[0] == "Hello after."
        assert str(tmp_path) not in escape.message + spin.message + hog.message


async def test_broken_prompts_are_reported_with_file_and_line(tmp_path: Path) -> None:
    async with app_from_toml(site(tmp_path), tmp_path) as app:
        assert app.prompts is not None
        await app.prompts.ensure_loaded()
        problems = "\n".join(app.prompts.problems)
    assert "prompts/broken.j2 line 2: Expected an expression" in problems
    assert "undeclared.j2: uses 'b', not declared" in problems
    assert "badfront.j2: front matter:" in problems and "line 2" in problems
    assert "sneaky.j2 line 1: includes '../secret.j2', which is not in this folder" in problems
    assert "link.j2: a symlink; skipped" in problems


async def test_a_name_clash_fails_start_up_naming_both_files(tmp_path: Path) -> None:
    for folder in ("a", "b"):
        (tmp_path / folder).mkdir()
    (tmp_path / "a" / "same.j2").write_text("one")
    (tmp_path / "b" / "other.j2").write_text(front("two", a='name = "same"'))
    toml = '[prompts]\ndirs = ["a", "b"]\n'
    with pytest.raises(ConfigError) as caught:
        async with app_from_toml(toml, tmp_path):
            pass
    message = str(caught.value)
    assert "prompt 'same' is defined twice" in message
    assert "a/same.j2" in message and "b/other.j2" in message
    # The library clashes too, unless turned off.
    (tmp_path / "a" / "same.j2").rename(tmp_path / "a" / "summarise-file.j2")
    with pytest.raises(ConfigError, match="summarise-file"):
        async with app_from_toml('[prompts]\ndirs = ["a"]\n', tmp_path):
            pass
    async with app_from_toml('[prompts]\ndirs = ["a"]\nlibrary = false\n', tmp_path) as app:
        assert app.prompts is not None
        await app.prompts.ensure_loaded()
        assert sorted(app.prompts.prompts) == ["summarise-file"]


async def test_plugin_prompts_render_with_the_plugins_filters(tmp_path: Path) -> None:
    from conftest import TEST_PLUGINS

    toml = f'[plugins]\ndirs = ["{TEST_PLUGINS}"]\n'
    async with app_from_toml(toml, tmp_path) as app, connect(app) as client:
        assert texts(await get(client, "hello", name="world")) == ["Say hello to WORLD!."]


async def test_render_workers_load_only_the_plugins_that_customise_jinja(tmp_path: Path) -> None:
    import shutil

    from conftest import TEST_PLUGINS

    plugins = shutil.copytree(TEST_PLUGINS, tmp_path / "plugins")
    (plugins / "imported.py").write_text(  # no hook for prompts: the workers have no use for it
        "import os, pathlib\n"
        "with open(pathlib.Path(__file__).with_name('imports.log'), 'a') as log:\n"
        "    log.write(f'{os.getpid()}\\n')\n"
    )
    async with app_from_toml('[plugins]\ndirs = ["plugins"]\n', tmp_path) as app, connect(app) as client:
        assert texts(await get(client, "hello", name="world")) == ["Say hello to WORLD!."]
    assert (plugins / "imports.log").read_text().split() == [str(os.getpid())]


async def test_prompt_pages(tmp_path: Path) -> None:
    (tmp_path / "p").mkdir()
    for i in range(7):
        (tmp_path / "p" / f"p{i}.j2").write_text(f"prompt {i}")
    toml = '[server]\npage_size = 3\n[prompts]\ndirs = ["p"]\nlibrary = false\n'
    async with app_from_toml(toml, tmp_path) as app, connect(app) as client:
        names, cursor = [], None
        while True:
            page = await client.list_prompts(cursor=cursor)
            names += [p.name for p in page.prompts]
            cursor = page.next_cursor
            if cursor is None:
                break
        assert names == [f"p{i}" for i in range(7)]
        with pytest.raises(MCPError) as caught:
            await client.list_prompts(cursor="bogus")
        assert caught.value.error.code == -32602


def test_config_mistakes_in_prompts_name_the_key(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        assemble_toml('[prompts]\ndirs = ["missing"]\ntime_limit_ms = 5\n', tmp_path)
    message = str(caught.value)
    assert "prompts.time_limit_ms" in message
    with pytest.raises(ConfigError, match=r"prompts\.dirs\[0\]: folder .*missing.* does not exist"):
        assemble_toml('[prompts]\ndirs = ["missing"]\n', tmp_path)


@pytest.mark.parametrize("mode", MODES)
async def test_the_library_prompts_work_on_real_data(tmp_path: Path, mode: Any) -> None:
    async with app_from_toml(site(tmp_path), tmp_path) as app, connect(app, mode=mode) as client:
        summary = await get(client, "summarise-file", uri="docs://notes.txt", length="long", audience="ops")
        assert "for ops" in texts(summary)[0] and "section-by-section" in texts(summary)[0]
        assert summary[-1].content.resource.text == "remember the milk\n"  # type: ignore[union-attr]

        table = await get(client, "explain-table", table="shop://tables/orders")
        assert '"name": "orders"' in table[-1].content.resource.text  # type: ignore[union-attr]

        sql = await get(client, "write-sql-for-question", schema="shop://schema", question="Top 3 customers?")
        assert "Top 3 customers?" in texts(sql)[0] and "shop://query?sql=" in texts(sql)[0]
        schema = sql[-1].content.resource.text  # type: ignore[union-attr]
        assert '"orders"' in schema and '"secrets"' not in schema  # hidden tables stay hidden

        triage = await get(client, "triage-log-errors", log="logs://app.log", level="warning")
        [log] = [m.content.resource for m in triage if isinstance(m.content, types.EmbeddedResource)]
        assert log.uri == "logs://app.log?level=warning&since=24h&tail=300"
        bad_level = await error(client, "triage-log-errors", log="logs://app.log", level="debug")
        assert bad_level.data == {"prompt": "triage-log-errors", "argument": "level"}

        review = texts(
            await get(client, "review-diff-between-files", old="docs://old.txt", new="docs://new.txt")
        )
        assert any(t.startswith("```diff") for t in review)


async def test_a_plugin_may_ship_prompts_in_a_zip(tmp_path: Path) -> None:
    """Prompt folders are read through importlib's Traversable, so zipped packages work too."""
    import zipfile

    archive = tmp_path / "plugin.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("zipped_plugin/prompts/zipped.md.j2", front("zipped {{ x }}", a="[arguments.x]"))
        zipped.writestr("zipped_plugin/prompts/_part.j2", "part")
    plugins = tmp_path / "plugins"
    plugins.mkdir()
    (plugins / "zipped_loader.py").write_text(
        "import zipfile\n"
        "from mcp_resources import hookimpl\n"
        "@hookimpl\n"
        "def register_prompt_loaders(register):\n"
        f"    register(zipfile.Path({str(archive)!r}, 'zipped_plugin/prompts/'))\n"
    )
    toml = '[plugins]\ndirs = ["plugins"]\n[prompts]\nlibrary = false\n'
    async with app_from_toml(toml, tmp_path) as app, connect(app) as client:
        assert [p.name for p in (await client.list_prompts()).prompts] == ["zipped"]
        assert texts(await get(client, "zipped", x="!")) == ["zipped !"]
