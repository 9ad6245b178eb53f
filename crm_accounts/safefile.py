"""Safe file replacement, used for every file the product writes. Does file I/O.

:func:`write_atomically` writes the new content to a temporary file created exclusively
(``O_CREAT | O_EXCL | O_NOFOLLOW``) under a unique name in the target's own folder, so a link
planted there is never followed and two writers never share a file; flushes it to disk, lets the
caller verify that the file being replaced is still the one it read, then renames it over the
target with :func:`os.replace` (readers see the old file or the new one) and syncs the folder.
Whatever goes wrong, the temporary file is removed; one left by a process killed outright (its
pid in the name is no longer alive) is removed by the next write to the same file.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import stat
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any, Final

__all__ = [
    "FileIdentity",
    "file_identity",
    "fsync_folder",
    "temp_name",
    "write_atomically",
    "write_bytes_atomically",
]

#: ``(st_dev, st_ino, st_size, st_mtime_ns)``: changes whenever a file is replaced or edited.
FileIdentity = tuple[int, int, int, int]

_NOFOLLOW: Final = getattr(os, "O_NOFOLLOW", 0)
_CLOEXEC: Final = getattr(os, "O_CLOEXEC", 0)
_STEM_LIMIT: Final = 180  # leaves room for the suffix under the usual 255-byte name limit
_TEMP = re.compile(r"\.(?P<stem>.+)\.(?P<pid>\d+)-[0-9a-f]{12}\.tmp\Z")


def file_identity(path: Path) -> FileIdentity | None:
    """What identifies the file now at ``path`` (a link is not followed); ``None`` if absent."""
    try:
        info = os.stat(path, follow_symlinks=False)
    except FileNotFoundError:
        return None
    return (info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns)


def temp_name(target: str) -> str:
    """A fresh temporary name for ``target``: hidden, unique, with this process's pid."""
    return f".{target[:_STEM_LIMIT]}.{os.getpid()}-{secrets.token_hex(6)}.tmp"


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError, OSError):
        return True
    return True


def _sweep(folder: Path, target: str) -> None:
    """Remove temporary files for ``target`` left by processes that died mid-write."""
    stem = target[:_STEM_LIMIT]
    with contextlib.suppress(OSError), os.scandir(folder) as entries:
        for entry in entries:
            match = _TEMP.match(entry.name)
            if match is None or match["stem"] != stem:
                continue
            pid = int(match["pid"])
            if pid != os.getpid() and not _pid_alive(pid):
                with contextlib.suppress(OSError):
                    os.unlink(entry.path)


def fsync_folder(folder: Path) -> None:
    """Make a rename durable (POSIX); not possible on every platform, hence best effort."""
    with contextlib.suppress(OSError):
        descriptor = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)


def _mode_for(path: Path) -> int:
    try:
        info = os.stat(path, follow_symlinks=False)
    except OSError:
        return 0o644
    return stat.S_IMODE(info.st_mode) if stat.S_ISREG(info.st_mode) else 0o644


def write_atomically(
    path: Path,
    write: Callable[[Any], bool | None],
    *,
    binary: bool = False,
    verify: Callable[[], None] | None = None,
) -> bool:
    """Replace ``path`` with what ``write`` writes to the handle it is given.

    ``write`` returns ``False`` when the content is the same as the current file's: then
    ``path`` is left alone (not even its modification time changes). ``verify`` runs after the
    new content is on disk and before the rename; what it raises stops the replacement.
    Text is UTF-8 with line endings as written. Returns whether ``path`` was replaced.

    Raises:
        OSError: the temporary file cannot be created, written or renamed; nothing changed.
    """
    folder = path.parent
    _sweep(folder, path.name)
    temp = folder / temp_name(path.name)
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW | _CLOEXEC, 0o600)
    try:
        handle: IO[Any] = (
            os.fdopen(fd, "wb") if binary else os.fdopen(fd, "w", encoding="utf-8", newline="")
        )
    except BaseException:
        os.close(fd)
        _discard(temp)
        raise
    try:
        with handle:
            changed = write(handle) is not False
            if changed:
                handle.flush()
                os.fsync(handle.fileno())
                if hasattr(os, "fchmod"):  # POSIX; Windows has no modes to keep
                    os.fchmod(handle.fileno(), _mode_for(path))
        if changed:
            if verify is not None:
                verify()
            os.replace(temp, path)
    except BaseException:
        _discard(temp)
        raise
    if changed:
        fsync_folder(folder)
    else:
        _discard(temp)
    return changed


def _discard(temp: Path) -> None:
    with contextlib.suppress(OSError):
        temp.unlink(missing_ok=True)


def write_bytes_atomically(path: Path, content: bytes | str) -> None:
    """Replace ``path`` with ``content`` (text as UTF-8), as :func:`write_atomically` does."""
    data = content.encode("utf-8") if isinstance(content, str) else content

    def write(handle: IO[bytes]) -> None:
        handle.write(data)

    write_atomically(path, write, binary=True)
