"""`mcp-resources install-claude`: the real command in a temporary HOME, then the entry it wrote, started."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import fs_config, make_tree
from mcp import Client, StdioServerParameters

from mcp_resources.claude_desktop import default_config_file, server_command
from mcp_resources.testing import write_config

REPO = Path(__file__).parent.parent
DEMO = REPO / "examples" / "demo" / "mcp-resources.toml"
SCRIPT = Path(sys.executable).parent / "mcp-resources"


def install(home: Path, *args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """Run the installed console script with HOME set to `home` (as a user would, from a terminal)."""
    env = {k: v for k, v in os.environ.items() if k not in ("XDG_CONFIG_HOME", "APPDATA")}
    env["HOME"] = str(home)
    return subprocess.run(
        [str(SCRIPT), "install-claude", *args], capture_output=True, text=True, timeout=60, env=env, cwd=cwd
    )


def claude_file(home: Path) -> Path:
    return default_config_file(home=home)


def test_standard_locations() -> None:
    home = Path("/home/ann")
    name = "claude_desktop_config.json"
    assert default_config_file("darwin", {}, home) == home / "Library/Application Support/Claude" / name
    assert default_config_file("linux", {}, home) == home / ".config/Claude" / name
    assert default_config_file("linux", {"XDG_CONFIG_HOME": "/xdg"}, home) == Path("/xdg/Claude") / name
    assert default_config_file("win32", {"APPDATA": "/roaming"}, home) == Path("/roaming/Claude") / name
    assert default_config_file("win32", {}, home) == home / "AppData/Roaming/Claude" / name


def test_the_command_is_the_running_script_or_this_python(tmp_path: Path) -> None:
    assert server_command(str(SCRIPT)) == [str(SCRIPT)]
    # `python -m mcp_resources`: the script beside this Python.
    assert server_command(str(REPO / "mcp_resources" / "__main__.py")) == [str(SCRIPT)]
    # No script anywhere: this Python, with -m.
    python = tmp_path / "bin" / "python"
    assert server_command("__main__.py", str(python)) == [str(python), "-m", "mcp_resources"]


@pytest.mark.anyio
async def test_install_then_start_the_written_entry_from_a_bare_environment(tmp_path: Path) -> None:
    home = tmp_path / "home"
    result = install(home, os.path.relpath(DEMO, tmp_path), "--name", "demo", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    path = claude_file(home)
    assert f"{path}: added server 'demo'" in result.stdout
    entry = json.loads(path.read_text())["mcpServers"]["demo"]
    assert entry == {"command": str(SCRIPT), "args": ["serve", str(DEMO.resolve())]}
    assert result.stdout.splitlines()[-1].strip() == (
        f"claude mcp add demo -- {SCRIPT} serve {DEMO.resolve()}"
    )
    assert list(path.parent.iterdir()) == [path]  # nothing to back up the first time

    # Claude starts it with its own environment: no venv on PATH, another working directory.
    bare = StdioServerParameters(
        command=entry["command"], args=entry["args"], env={"PATH": "/usr/bin:/bin"}, cwd="/"
    )
    async with Client(bare, mode="legacy") as client:
        assert client.server_info and client.server_info.name == "mcp-resources demo"
        listed = [r.uri for r in (await client.list_resources()).resources]
        assert "demo://README.md" in listed
        [readme] = (await client.read_resource("demo://README.md")).contents
        assert "demo://" in readme.text  # type: ignore[union-attr]


def test_other_servers_and_unknown_keys_are_kept_with_one_backup(tmp_path: Path) -> None:
    make_tree(tmp_path / "files", {"a.md": "# A\n"})
    config = write_config('[server]\nname = "My notes"\n' + fs_config("files"), tmp_path)
    home = tmp_path / "home"
    path = claude_file(home)
    path.parent.mkdir(parents=True)
    original = {
        "globalShortcut": "Ctrl+Space",
        "mcpServers": {
            "other": {"command": "npx", "args": ["-y", "@acme/server"]},
            "My-notes": {
                "command": "/old/bin/mcp-resources",
                "args": ["serve", "/old.toml"],
                "env": {"A": "1"},
            },
        },
    }
    path.write_text(json.dumps(original, indent=4))
    path.chmod(0o640)

    first = install(home, str(config))
    assert first.returncode == 0, first.stderr
    assert f"{path}: updated server 'My-notes'" in first.stdout
    written = json.loads(path.read_text())
    assert written["globalShortcut"] == "Ctrl+Space"
    assert written["mcpServers"]["other"] == original["mcpServers"]["other"]
    assert written["mcpServers"]["My-notes"] == {
        "command": str(SCRIPT),
        "args": ["serve", str(config)],
        "env": {"A": "1"},
    }
    assert path.stat().st_mode & 0o777 == 0o640
    [backup] = [p for p in path.parent.iterdir() if p != path]
    assert backup.name.startswith("claude_desktop_config.json.") and backup.suffix == ".bak"
    assert json.loads(backup.read_text()) == original
    assert f"the previous file is saved as {backup}" in first.stdout

    before = path.read_bytes(), path.stat().st_mtime_ns
    second = install(home, str(config))
    assert second.returncode == 0, second.stderr
    assert f"{path}: server 'My-notes' is already up to date" in second.stdout
    assert (path.read_bytes(), path.stat().st_mtime_ns) == before
    assert sorted(path.parent.iterdir()) == sorted([path, backup])


def test_dry_run_prints_the_diff_and_writes_nothing(tmp_path: Path) -> None:
    home = tmp_path / "home"
    target = tmp_path / "elsewhere" / "claude.json"
    target.parent.mkdir()
    target.write_text('{\n  "mcpServers": {}\n}\n')
    result = install(home, str(DEMO), "--config-file", str(target), "--dry-run")
    assert result.returncode == 0, result.stderr
    assert f"--- {target}\n+++ {target}\n" in result.stdout
    assert '+    "mcp-resources-demo": {\n' in result.stdout
    assert f'+        "{DEMO.resolve()}"\n' in result.stdout
    assert f"dry run: {target} was not changed" in result.stdout
    assert target.read_text() == '{\n  "mcpServers": {}\n}\n'
    assert list(target.parent.iterdir()) == [target] and not (home / ".config").exists()


@pytest.mark.parametrize(
    ("existing", "message"),
    [
        (
            '{"mcpServers": {',
            "not valid JSON (Expecting property name enclosed in double quotes at line 1); "
            "fix the file (it was left as it is)",
        ),
        ('["a list"]', 'expected a JSON object with an "mcpServers" object; fix the file'),
        (
            '{"mcpServers": {"demo": {"command": "uvx", "args": ["other-server"]}}}',
            "a server named 'demo' already runs 'uvx'; choose another name with --name",
        ),
    ],
)
def test_a_file_it_cannot_update_safely_is_left_alone(tmp_path: Path, existing: str, message: str) -> None:
    target = tmp_path / "claude.json"
    target.write_text(existing)
    result = install(tmp_path, str(DEMO), "--name", "demo", "--config-file", str(target))
    assert result.returncode == 1
    assert result.stderr.strip() == f"mcp-resources: error: {target}: {message}"
    assert target.read_text() == existing and list(tmp_path.iterdir()) == [target]


def test_a_broken_config_or_name_is_refused_before_claude_sees_it(tmp_path: Path) -> None:
    config = write_config('[providers.docs]\ntype = "filesystem"\nroot = "missing"\n', tmp_path)
    result = install(tmp_path / "home", str(config))
    assert result.returncode == 2
    assert "providers.docs.root: folder" in result.stderr and "does not exist" in result.stderr
    bad_name = install(tmp_path / "home", str(DEMO), "--name", "my server")
    assert bad_name.returncode == 2
    assert "--name 'my server': use 1 to 64 letters, digits, '-' or '_'" in bad_name.stderr
    assert not (tmp_path / "home").exists()
