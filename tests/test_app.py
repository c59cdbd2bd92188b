"""The App: merged pagination across providers, isolation, timeouts, one error policy."""

from __future__ import annotations

import logging
from pathlib import Path

import mcp_types as types
import pytest
from conftest import TEST_PLUGINS, fs_config
from mcp import MCPError

from mcp_resources.testing import app_from_toml, connect

pytestmark = pytest.mark.anyio
PLUGINS = f'[plugins]\ndirs = ["{TEST_PLUGINS}"]\n'


def memory(name: str, count: int) -> str:
    items = ", ".join(f'"{name}{i:02d}" = "text {i}"' for i in range(count))
    return f'[providers.{name}]\ntype = "memory"\nitems = {{ {items} }}\n'


@pytest.mark.parametrize("mode", ["legacy", "auto"])
async def test_pages_merge_across_providers_with_one_opaque_cursor(tmp_path: Path, mode: str) -> None:
    toml = "[server]\npage_size = 4\n" + PLUGINS + memory("m", 6) + memory("n", 0) + memory("o", 3)
    async with app_from_toml(toml, tmp_path) as app, connect(app, mode=mode) as client:  # type: ignore[arg-type]
        pages, cursor = [], None
        while True:
            page = await client.list_resources(cursor=cursor)
            pages.append([r.uri for r in page.resources])
            cursor = page.next_cursor
            if cursor is None:
                break
    assert pages == [
        ["m://m00", "m://m01", "m://m02", "m://m03"],
        ["m://m04", "m://m05", "o://o00", "o://o01"],
        ["o://o02"],
    ]


async def test_a_broken_provider_fails_only_its_own_requests(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    (tmp_path / "root").mkdir()
    (tmp_path / "root" / "a.txt").write_text("a")
    toml = PLUGINS + '[providers.bad]\ntype = "broken"\n' + fs_config()
    async with app_from_toml(toml, tmp_path) as app:
        for mode in ("legacy", "auto"):
            async with connect(app, mode=mode) as client:  # type: ignore[arg-type]
                listed = [r.uri for r in (await client.list_resources()).resources]
                templates = [t.name for t in (await client.list_resource_templates()).resource_templates]
                with pytest.raises(MCPError) as caught:
                    await client.read_resource("bad://anything")
                assert (await client.read_resource("docs://a.txt")).contents[0].text == "a"
            assert listed == ["docs://a.txt"]
            assert templates == ["docs-path", "docs-bytes", "docs-lines"]
            error = caught.value.error
            assert (error.code, error.message, error.data) == (
                -32603,
                "Internal error",
                {"uri": "bad://anything"},
            )
            assert "hunter2" not in str(error) and "/home/alice" not in str(error)
    assert "password=hunter2" in caplog.text  # the traceback is in the server's log, not the reply


async def test_a_hung_provider_times_out_and_the_rest_keep_serving(tmp_path: Path) -> None:
    toml = (
        "[server]\nrequest_timeout = 0.3\n" + PLUGINS + '[providers.slow]\ntype = "slow"\n' + memory("m", 1)
    )
    async with app_from_toml(toml, tmp_path) as app, connect(app) as client:
        with pytest.raises(MCPError) as caught:
            await client.read_resource("slow://x")
        assert (caught.value.error.code, caught.value.error.message) == (-32603, "Provider 'slow' timed out")
        listed = [r.uri for r in (await client.list_resources()).resources]  # slow listing is skipped
        assert listed == ["m://m00"]
        assert (await client.read_resource("m://m00")).contents[0].text == "text 0"


@pytest.mark.parametrize("mode", ["legacy", "auto"])
async def test_unknown_prefix_is_invalid_params_naming_the_uri(tmp_path: Path, mode: str) -> None:
    async with app_from_toml(PLUGINS + memory("m", 1), tmp_path) as app, connect(app, mode=mode) as client:  # type: ignore[arg-type]
        for uri in ("nothere://x", "m://missing", "", "m:/"):
            with pytest.raises(MCPError) as caught:
                await client.read_resource(uri)
            error = caught.value.error
            assert (error.code, error.message, error.data) == (-32602, "Resource not found", {"uri": uri})


async def test_completion_is_routed_by_template_prefix(tmp_path: Path) -> None:
    async with app_from_toml(PLUGINS + memory("m", 12), tmp_path) as app, connect(app) as client:
        ref = types.ResourceTemplateReference(type="ref/resource", uri="m://{name}")
        found = await client.complete(ref, {"name": "name", "value": "m1"})
        with pytest.raises(MCPError) as unknown_prompt:
            await client.complete(
                types.PromptReference(type="ref/prompt", name="x"), {"name": "a", "value": ""}
            )
        with pytest.raises(MCPError) as caught:
            await client.complete(
                types.ResourceTemplateReference(type="ref/resource", uri="zz://{x}"),
                {"name": "x", "value": ""},
            )
    assert found.completion.values == ["m10", "m11"]
    assert (unknown_prompt.value.error.code, unknown_prompt.value.error.data) == (-32602, {"prompt": "x"})
    assert (caught.value.error.code, caught.value.error.data) == (-32602, {"uri": "zz://{x}"})


async def test_capabilities_are_honest(tmp_path: Path) -> None:
    (tmp_path / "root").mkdir()
    for library in ("true", "false"):
        toml = f"[prompts]\nlibrary = {library}\n" + fs_config(watch=False)
        async with app_from_toml(toml, tmp_path) as app:
            for mode in ("legacy", "auto"):
                async with connect(app, mode=mode) as client:  # type: ignore[arg-type]
                    caps = client.server_capabilities
                    assert caps.resources and caps.completions is not None
                    # Prompts only when there are some; no change notifications are delivered here.
                    assert (caps.prompts is not None) == (library == "true")
                    assert not caps.resources.subscribe and not caps.resources.list_changed
                    assert caps.prompts is None or not caps.prompts.list_changed


async def test_an_unexpected_error_in_the_server_layer_is_generic(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.ERROR)
    async with app_from_toml(PLUGINS + memory("m", 1), tmp_path) as app:

        async def explode(cursor: str | None = None) -> None:
            raise KeyError("/srv/private/path")

        app.list_resources = explode  # type: ignore[method-assign]
        for mode in ("legacy", "auto"):
            async with connect(app, mode=mode) as client:  # type: ignore[arg-type]
                with pytest.raises(MCPError) as caught:
                    await client.list_resources()
                assert (caught.value.error.code, caught.value.error.message) == (-32603, "Internal error")
                assert "/srv/private" not in str(caught.value.error)
