"""Reads skip the thread hop only on local filesystems, and only for data already cached."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from conftest import fs_config

from mcp_resources.builtins.filesystem.localfs import all_local
from mcp_resources.builtins.filesystem.source import FileSource, WouldBlock
from mcp_resources.testing import app_from_toml

MOUNTS = """\
22 27 0:21 / /proc rw,relatime - proc proc rw
27 1 8:1 / / rw,relatime - ext4 /dev/sda1 rw
30 27 0:40 / /home/me/docs/shared rw - nfs4 server:/export rw
31 27 0:41 / /srv/fuse rw - fuse.sshfs host: rw
32 27 0:42 / /data/with\\040space rw - xfs /dev/sdb1 rw
"""


@pytest.fixture
def mountinfo(tmp_path: Path) -> str:
    path = tmp_path / "mountinfo"
    path.write_text(MOUNTS)
    return str(path)


@pytest.mark.parametrize(
    ("root", "local"),
    [
        ("/home/me/notes", True),  # on ext4, nothing mounted below
        ("/home/me/docs", False),  # an NFS mount below the root
        ("/home/me/docs/shared/x", False),  # on NFS
        ("/srv/fuse/a", False),  # FUSE: could hang like a network mount
        ("/data/with space/logs", True),  # escaped mount point, xfs
    ],
)
def test_local_when_root_and_every_mount_below_are_local(mountinfo: str, root: str, local: bool) -> None:
    assert all_local(root, mountinfo) is local


def test_without_mountinfo_nothing_is_local(tmp_path: Path) -> None:
    assert all_local("/anything", str(tmp_path / "missing")) is False


def _write_uncached(path: Path) -> bytes:
    """Write 4 MiB and drop it from the page cache; skip where that cannot be done."""
    data = os.urandom(4 << 20)
    path.write_bytes(data)
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
        os.preadv(fd, [bytearray(4096)], 2 << 20, os.RWF_NOWAIT)
    except BlockingIOError:
        return data
    finally:
        os.close(fd)
    pytest.skip("this filesystem keeps the file cached (tmpfs?), so a cache miss cannot be staged")


def test_an_uncached_read_would_block_and_falls_back_to_the_thread(tmp_path: Path) -> None:
    data = _write_uncached(tmp_path / "cold.bin")
    fd = os.open(tmp_path / "cold.bin", os.O_RDONLY)
    try:
        with pytest.raises(WouldBlock):
            FileSource(fd, len(data), nowait=True).pread(1 << 20, 2 << 20)
        assert FileSource(fd, len(data)).pread(1 << 20, 2 << 20) == data[2 << 20 : 3 << 20]
    finally:
        os.close(fd)


@pytest.mark.anyio
async def test_the_provider_serves_uncached_files(tmp_path: Path) -> None:
    (tmp_path / "root").mkdir()
    async with app_from_toml(fs_config(), tmp_path) as app:
        data = _write_uncached(tmp_path / "root" / "cold.bin")
        first, _notice = await app.read("docs://cold.bin")
    assert first.data == data[: 1 << 20]  # type: ignore[union-attr]
