"""The installed plugin seen through the real `mcp-resources` command line."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from mcp_resources.testing import write_config

SCRIPT = Path(sys.executable).parent / "mcp-resources"


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(SCRIPT), *args], check=False, capture_output=True, text=True, timeout=60)


def test_mcp_resources_plugins_lists_it() -> None:
    result = run("plugins")
    assert result.returncode == 0, result.stdout + result.stderr
    [line] = [line for line in result.stdout.splitlines() if line.startswith("hello\t")]
    _name, source, types = line.split("\t")
    assert source == "mcp-resources-hello 0.1.0"
    assert types.split()[:2] == ["provider:hello", "notifier:heartbeat"]
    assert types.split()[2].startswith("prompts:")
    assert types.endswith("prompts")


def test_plugins_disable_removes_it(tmp_path: Path) -> None:
    config = write_config('[plugins]\ndisable = ["hello"]\n', tmp_path)
    result = run("plugins", "--config", str(config))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "provider:filesystem" in result.stdout
    assert "hello" not in result.stdout

    uses_it = write_config('[plugins]\ndisable = ["hello"]\n[providers.hi]\ntype = "hello"\n', tmp_path)
    refused = run("check", str(uses_it))
    assert refused.returncode == 2
    assert "providers.hi.type: unknown provider type 'hello'" in refused.stderr


def test_mcp_resources_check_serves_its_types(tmp_path: Path) -> None:
    config = write_config(
        '[providers.hi]\ntype = "hello"\n[notifiers.beat]\ntype = "heartbeat"\nuris = ["hi://world"]\n',
        tmp_path,
    )
    result = run("check", str(config))
    assert result.returncode == 0, result.stderr
    assert "provider hi: hello at hi://" in result.stdout
    assert "notifier beat: heartbeat" in result.stdout
    assert "welcome" in result.stdout.split("prompts: ")[1]
    read = run("read", str(config), "hi://world")
    assert (read.returncode, read.stdout) == (0, "Hello, world!\n")
