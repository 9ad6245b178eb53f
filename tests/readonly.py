"""A folder nobody may write, even root: for the read-only storage tests. Mounts (I/O).

A non-root user gets the folder's write bits removed. Root writes through permission bits, so
there the folder's files are put on a tmpfs mounted over it and remounted read-only (as a
read-only volume or network share is); where mounting is not allowed the test is skipped, and
says why.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

__all__ = ["read_only_folder"]


def _mount(*args: str) -> bool:
    done = subprocess.run(["mount", *args], capture_output=True, check=False)
    return done.returncode == 0


@contextmanager
def read_only_folder(folder: Path) -> Iterator[Path]:
    """``folder`` (its current files kept) read-only for the length of the block."""
    if os.geteuid() != 0:
        folder.chmod(0o555)
        try:
            yield folder
        finally:
            folder.chmod(0o755)
        return
    if shutil.which("mount") is None:
        pytest.skip("root writes through permission bits and mount is not available here")
    with tempfile.TemporaryDirectory() as saved:
        for item in folder.iterdir():
            shutil.move(str(item), saved)
        if not _mount("-t", "tmpfs", "-o", "size=16m", "tmpfs", str(folder)):
            pytest.skip("root writes through permission bits and may not mount a tmpfs here")
        try:
            for item in Path(saved).iterdir():
                shutil.move(str(item), folder)
            assert _mount("-o", "remount,ro", str(folder)), "could not remount read-only"
            assert not os.access(folder, os.W_OK) or not _writable(folder)
            yield folder
        finally:
            subprocess.run(["umount", str(folder)], capture_output=True, check=False)


def _writable(folder: Path) -> bool:
    try:
        (folder / ".probe").touch()
    except OSError:
        return False
    (folder / ".probe").unlink()
    return True
