"""The command line, run as a real subprocess: check, plugins, list, read, init."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import TEST_PLUGINS, fs_config, make_tree

from mcp_resources.testing import write_config


def cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "mcp_resources", *args], capture_output=True, text=True, timeout=30, cwd=cwd
    )


@pytest.fixture
def config(tmp_path: Path) -> Path:
    make_tree(
        tmp_path / "root", {"a.md": "# A\n", "sub": {"b.txt": "bee\n"}, "img": b"\x89PNG\r\n\x1a\n\x00\x00"}
    )
    return write_config(fs_config(), tmp_path)


def test_check_reports_providers(config: Path) -> None:
    result = cli("check", str(config))
    assert result.returncode == 0, result.stderr
    providers, prompts, ok = result.stdout.splitlines()
    assert (providers, ok) == ("provider docs: filesystem at docs://", "mcp-resources.toml: OK")
    library = {"explain-table", "review-diff-between-files", "summarise-file", "triage-log-errors"}
    # The library's prompts, and those of any plugin installed beside mcp-resources (the hello plugin's).
    assert library | {"write-sql-for-question"} <= set(prompts.removeprefix("prompts: ").split(", "))


def test_check_compiles_every_prompt_and_names_file_and_line(config: Path) -> None:
    make_tree(config.parent / "prompts", {"fine.j2": "ok {{ x }}", "bad.md.j2": "one\ntwo {{ x \n"})
    config.write_text('[prompts]\ndirs = ["prompts"]\nlibrary = false\n' + config.read_text())
    result = cli("check", str(config))
    assert result.returncode == 1
    assert "prompts: fine\n" in result.stdout or "prompts: fine, " in result.stdout  # + installed plugins
    assert (
        "prompt problem: " in result.stderr
        and "prompts/bad.md.j2 line 2: unexpected end of template" in result.stderr
    )


def test_check_fails_on_a_broken_plugin_even_if_unused(config: Path) -> None:
    make_tree(config.parent / "plugins", {"bad.py": "raise RuntimeError('no')\n"})
    config.write_text('[plugins]\ndirs = ["plugins"]\n' + config.read_text())
    result = cli("check", str(config))
    assert result.returncode == 1
    assert "mcp-resources: error: plugin bad (file bad.py) failed to load: RuntimeError: no" in result.stderr


def test_check_config_errors_exit_2(tmp_path: Path) -> None:
    result = cli("check", str(write_config("[server]\npage_sise = 5\n", tmp_path)))
    assert result.returncode == 2
    assert "server.page_sise: unknown key; did you mean 'page_size'?" in result.stderr


def test_plugins_lists_builtins_and_failures(config: Path) -> None:
    result = cli("plugins")
    assert result.returncode == 0
    assert "filesystem\tbuilt-in\tprovider:filesystem" in result.stdout.splitlines()
    make_tree(config.parent / "plugins", {"bad.py": "import nope_not_here\n"})
    config.write_text('[plugins]\ndirs = ["plugins"]\n' + config.read_text())
    result = cli("plugins", "--config", str(config))
    assert result.returncode == 1
    assert "bad\tfile bad.py\tFAILED: ModuleNotFoundError: No module named 'nope_not_here'" in result.stdout


def test_list_prints_uri_mime_and_size(config: Path) -> None:
    result = cli("list", str(config))
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "docs://a.md\ttext/markdown\t4",
        "docs://img\timage/png\t10",
        "docs://sub/b.txt\ttext/plain\t4",
    ]
    as_json = [
        json.loads(line) for line in cli("list", str(config), "--json", "--limit", "2").stdout.splitlines()
    ]
    assert [r["uri"] for r in as_json] == ["docs://a.md", "docs://img"] and as_json[0][
        "mimeType"
    ] == "text/markdown"


def test_read_writes_contents_to_stdout(config: Path, tmp_path: Path) -> None:
    assert cli("read", str(config), "docs://sub/b.txt").stdout == "bee\n"
    out = tmp_path / "img.out"
    assert cli("read", str(config), "docs://img", "--output", str(out)).returncode == 0
    assert out.read_bytes() == b"\x89PNG\r\n\x1a\n\x00\x00"


def test_read_errors_are_clear(config: Path) -> None:
    result = cli("read", str(config), "docs://../etc/passwd")
    assert result.returncode == 1
    assert result.stderr.strip() == (
        "mcp-resources: error: Invalid resource URI: a '..' path segment is not allowed (docs://../etc/passwd)"
    )


def test_init_writes_a_config_that_checks(tmp_path: Path) -> None:
    result = cli("init", cwd=tmp_path)
    assert result.returncode == 0
    assert cli("check", str(tmp_path / "mcp-resources.toml")).returncode == 0
    again = cli("init", cwd=tmp_path)
    assert again.returncode == 1 and "already exists; use --force" in again.stderr
    assert cli("init", "--force", cwd=tmp_path).returncode == 0


def test_version_and_help() -> None:
    assert cli("--version").stdout.startswith("mcp-resources, version ")
    assert "serve" in cli("--help").stdout


def test_a_provider_that_cannot_start_stops_start_up_with_exit_2(tmp_path: Path) -> None:
    toml = f'[plugins]\ndirs = ["{TEST_PLUGINS}"]\n[providers.bad]\ntype = "broken"\nfail_start = true\n'
    config = write_config(toml, tmp_path)
    for command in ("check", "serve"):
        result = cli(command, str(config))
        assert result.returncode == 2
        assert (
            f"mcp-resources: error: {config}: providers.bad: cannot start: cannot reach the backend"
            in result.stderr
        )
