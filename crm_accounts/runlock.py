"""Operating-system locks: one run at a time per source and per run log. Does file I/O.

A lock is an exclusive ``flock`` (``msvcrt.locking`` on Windows) on a small lock file. The
operating system releases it when its holder ends, however it ends (``kill -9`` included), so
there is no stale lock to guess about and a reused pid cannot block anyone. While held, the file
holds JSON ``{pid, host, started_at, what}`` naming the holder for the refusal message; the file
itself stays in place (removing it would let a second process lock a new file of the same name
while the first still holds the old one).

:func:`source_lock_path` says where the lock of a source lives: a CSV folder locks
``.crm-accounts.lock`` inside it, a CRM locks a file in the machine's lock folder named after its
instance (``CRM_ACCOUNTS_LOCK_DIR``, default the system's temporary folder), so two runs on one
source exclude each other whatever configuration or run log each one uses.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import os
import socket
import sys
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Final

from .errors import TemporaryError, UsageError

__all__ = [
    "LOCK_DIR_ENV",
    "SOURCE_LOCK_NAME",
    "LockHeldError",
    "OsLock",
    "RunLock",
    "process_alive",
    "source_lock_path",
]

#: The lock file of a CSV source folder, inside the folder.
SOURCE_LOCK_NAME: Final = ".crm-accounts.lock"
#: Environment variable naming the folder for CRM locks (default: the temporary folder).
LOCK_DIR_ENV: Final = "CRM_ACCOUNTS_LOCK_DIR"
_HOLDER_BYTES: Final = 4096


def process_alive(pid: int, host: str) -> bool | None:
    """Whether process ``pid`` of ``host`` exists; ``None`` when that cannot be known here."""
    if host != socket.gethostname():
        return None
    if sys.platform == "win32":  # os.kill(pid, 0) would send CTRL_C_EVENT there
        return None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by another user
        return True
    except OverflowError:  # not a pid of this system
        return False
    return True


class LockHeldError(TemporaryError):
    """Another run holds the lock: exit code 3 (run again later), nothing written."""

    def __init__(
        self, lock_path: Path, what: str, *, pid: int | None, host: str | None, started: str | None
    ) -> None:
        self.lock_path = lock_path
        self.pid = pid
        self.host = host
        self.started_at = started
        holder = (
            f"pid {pid} on host {host}, running since {started or 'an unknown time'}"
            if pid is not None
            else "a run that is just starting"
        )
        super().__init__(
            f"another crm-accounts run is working on {what} ({holder}; lock {lock_path}); "
            "nothing was written: run again when it has finished"
        )


def source_lock_path(kind: str, identity: str) -> Path:
    """The lock file of a CRM source: ``<lock folder>/crm-accounts-<kind>-<digest>.lock``.

    ``identity`` names the org or portal (instance URL, portal id, login host and user); only a
    digest of it appears in the name.
    """
    folder = Path(os.environ.get(LOCK_DIR_ENV) or tempfile.gettempdir())
    digest = hashlib.sha256(f"{kind}\n{identity}".encode()).hexdigest()[:20]
    return folder / f"crm-accounts-{kind}-{digest}.lock"


@dataclass(frozen=True, slots=True)
class _Holder:
    pid: int | None = None
    host: str | None = None
    started_at: str | None = None


def _read_holder(path: Path) -> _Holder:
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except OSError:
        return _Holder()
    try:
        data = os.read(fd, _HOLDER_BYTES)
    except OSError:
        return _Holder()
    finally:
        os.close(fd)
    try:
        parsed = json.loads(data.decode("utf-8"))
    except ValueError:
        return _Holder()
    if not isinstance(parsed, dict):
        return _Holder()
    pid, host, started = parsed.get("pid"), parsed.get("host"), parsed.get("started_at")
    return _Holder(
        pid if type(pid) is int else None,
        host if isinstance(host, str) else None,
        started if isinstance(started, str) else None,
    )


def _try_lock(fd: int) -> bool:
    """Take the exclusive lock on ``fd`` without waiting; whether it was taken."""
    if sys.platform == "win32":  # pragma: no cover - tested on POSIX only
        import msvcrt

        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True
    import fcntl

    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as exc:
        if exc.errno in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
            return False
        raise
    return True


class OsLock:
    """An exclusive operating-system lock on ``path``, for ``what`` (named in messages)."""

    def __init__(self, path: Path, what: str, *, create_folder: bool = True) -> None:
        self.path = Path(path)
        self.what = what
        self.create_folder = create_folder
        self._fd: int | None = None

    def __enter__(self) -> OsLock:
        """Take the lock at once or refuse.

        Raises:
            LockHeldError: another process holds it (exit code 3).
            UsageError: the lock file cannot be created or opened (exit code 2).
        """
        if self._fd is not None:
            raise RuntimeError(f"{self.path} is already held by this lock")
        flags = os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
        try:
            if self.create_folder:
                self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, flags, 0o644)
        except OSError as exc:
            if exc.errno == errno.ELOOP:
                raise UsageError(
                    f"the lock file {self.path} is a symbolic link; remove it (the product"
                    " never follows a link it did not make)"
                ) from None
            raise UsageError(
                f"cannot create the lock file {self.path} for {self.what}: {exc.strerror or exc}"
            ) from None
        try:
            taken = _try_lock(fd)
        except OSError as exc:
            os.close(fd)
            raise UsageError(f"cannot lock {self.path}: {exc.strerror or exc}") from None
        if not taken:
            os.close(fd)
            holder = _read_holder(self.path)
            raise LockHeldError(
                self.path, self.what, pid=holder.pid, host=holder.host, started=holder.started_at
            )
        self._fd = fd
        holder_text = json.dumps(
            {
                "pid": os.getpid(),
                "host": socket.gethostname(),
                "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
                "what": self.what,
            }
        ).encode()
        with contextlib.suppress(OSError):  # naming the holder is a courtesy, not a must
            os.ftruncate(fd, 0)
            os.pwrite(fd, holder_text, 0)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Release the lock (closing the file releases it); the file stays, emptied."""
        fd, self._fd = self._fd, None
        if fd is None:
            return
        with contextlib.suppress(OSError):
            os.ftruncate(fd, 0)
        os.close(fd)


class RunLock(OsLock):
    """One run at a time per run-log file: an :class:`OsLock` on ``<runlog>.lock``."""

    def __init__(self, run_log_path: Path) -> None:
        run_log_path = Path(run_log_path)
        super().__init__(
            run_log_path.with_name(run_log_path.name + ".lock"), f"the run log {run_log_path}"
        )
