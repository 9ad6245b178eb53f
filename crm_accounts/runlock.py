"""The run lock: one run at a time per run-log file. Does file I/O.

An exclusive ``<runlog>.lock`` file holds JSON ``{pid, host, started_at, token}``. A lock left by
a dead process on this host (or an unreadable lock file older than an hour) is taken over; a lock
from another host is never stolen. Process liveness is checked with ``os.kill(pid, 0)`` (POSIX).
"""

from __future__ import annotations

import json
import logging
import os
import socket
import sys
import time
import uuid
from contextlib import suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Final

from .errors import UsageError

__all__ = ["STALE_UNREADABLE_LOCK_SECONDS", "LockHeldError", "RunLock", "process_alive"]

_log = logging.getLogger("crm_accounts")

#: An unreadable lock file older than this is left over from a crash, not being written.
STALE_UNREADABLE_LOCK_SECONDS: Final = 3600.0
#: How long to wait for another process that claimed the takeover of a stale lock.
_TAKEOVER_WAIT_SECONDS: Final = 5.0


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
    return True


class LockHeldError(UsageError):
    """Another run holds the run-log lock: exit code 2, nothing written."""

    def __init__(
        self,
        lock_path: Path,
        *,
        pid: int | None,
        host: str | None,
        started_at: str | None,
        hint: str = "",
    ) -> None:
        self.lock_path = lock_path
        self.pid = pid
        self.host = host
        self.started_at = started_at
        holder = (
            f"pid {pid} on host {host}, taken at {started_at or 'an unknown time'}"
            if pid is not None
            else "an unreadable lock file being written or left by a crash"
        )
        super().__init__(
            f"another crm-accounts run holds the lock {lock_path} ({holder}); wait for it to"
            f" finish{hint or ', or delete the lock file if that process no longer exists'}"
        )


@dataclass(frozen=True, slots=True)
class _LockFile:
    """What a lock file said when read, and which file it was."""

    identity: tuple[int, int, int, int]  # st_dev, st_ino, st_mtime_ns, st_size
    mtime: float
    pid: int | None = None
    host: str | None = None
    started_at: str | None = None
    token: str | None = None


def _read_lock(path: Path) -> _LockFile | None:
    """The lock file at ``path``, or ``None`` when there is none."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        return None
    try:
        stat = os.fstat(fd)
        data = os.read(fd, 65536)
    finally:
        os.close(fd)
    identity = (stat.st_dev, stat.st_ino, stat.st_mtime_ns, stat.st_size)
    try:
        parsed = json.loads(data.decode("utf-8"))
    except ValueError:
        return _LockFile(identity, stat.st_mtime)
    if not isinstance(parsed, dict):
        return _LockFile(identity, stat.st_mtime)
    pid, host = parsed.get("pid"), parsed.get("host")
    if type(pid) is not int or pid <= 0 or not isinstance(host, str) or not host:
        return _LockFile(identity, stat.st_mtime)
    started, token = parsed.get("started_at"), parsed.get("token")
    return _LockFile(
        identity,
        stat.st_mtime,
        pid,
        host,
        started if isinstance(started, str) else None,
        token if isinstance(token, str) else None,
    )


def _write_new(path: Path, content: bytes) -> bool:
    """Create ``path`` with ``content`` unless it exists (``O_EXCL``); whether it was created."""
    try:
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
    except FileExistsError:
        return False
    try:
        view = memoryview(content)
        while view:
            view = view[os.write(fd, view) :]
        os.fsync(fd)  # after a power loss the lock still names a pid, so it can go stale
    except BaseException:
        os.close(fd)
        path.unlink(missing_ok=True)
        raise
    os.close(fd)
    return True


class RunLock:
    """One run at a time per run-log file: an exclusive lock file ``<runlog>.lock``."""

    def __init__(self, run_log_path: Path) -> None:
        """Prepare the lock for the run log at ``run_log_path``; nothing happens until entered."""
        run_log_path = Path(run_log_path)
        self.path = run_log_path.with_name(run_log_path.name + ".lock")
        self._token: str | None = None

    def __enter__(self) -> RunLock:
        """Take the lock, or take over a stale one.

        Raises:
            LockHeldError: a live process (or one on another host) holds it.
            UsageError: the lock file cannot be written.
        """
        if self._token is not None:
            raise RuntimeError(f"{self.path} is already held by this RunLock")
        token = uuid.uuid4().hex
        content = json.dumps(
            {
                "pid": os.getpid(),
                "host": socket.gethostname(),
                "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
                "token": token,
            }
        ).encode()
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._acquire(content)
        except OSError as exc:
            raise UsageError(f"cannot write the lock file {self.path}: {exc}") from exc
        self._token = token
        return self

    def _acquire(self, content: bytes) -> None:
        deadline = time.monotonic() + _TAKEOVER_WAIT_SECONDS
        seen: _LockFile | None = None
        looked_twice = False
        while True:
            if _write_new(self.path, content):
                return
            current = _read_lock(self.path)
            if current is None:  # released meanwhile: try to create it again
                continue
            seen = current
            if seen.pid is None and not looked_twice:
                looked_twice = True  # maybe created a moment ago and not yet written
                time.sleep(0.05)
                continue
            if not self._is_stale(seen):
                raise self._held(seen)
            if self._take_over(seen, content):
                _log.warning(
                    "took over the stale lock %s (pid %s on host %s, taken at %s)",
                    self.path,
                    seen.pid,
                    seen.host,
                    seen.started_at,
                )
                return
            if time.monotonic() > deadline:
                claim = self._claim(seen)
                hint = (
                    f"; {claim} says another process is taking over that stale lock: if no run"
                    " is in progress, that process died, so delete both files"
                    if claim.exists()
                    else ""
                )
                raise self._held(seen, hint)
            time.sleep(0.02)  # another process is replacing it: then look at what it wrote

    def _held(self, lock: _LockFile, hint: str = "") -> LockHeldError:
        return LockHeldError(
            self.path, pid=lock.pid, host=lock.host, started_at=lock.started_at, hint=hint
        )

    @staticmethod
    def _is_stale(lock: _LockFile) -> bool:
        if lock.pid is None or lock.host is None:
            return time.time() - lock.mtime > STALE_UNREADABLE_LOCK_SECONDS
        return process_alive(lock.pid, lock.host) is False

    def _claim(self, lock: _LockFile) -> Path:
        _, inode, mtime_ns, _ = lock.identity
        return self.path.with_name(f"{self.path.name}.takeover-{inode}-{mtime_ns}")

    def _take_over(self, stale: _LockFile, content: bytes) -> bool:
        """Replace the stale lock file ``stale`` with ours; ``False`` if another process does.

        Every process that judged this very file stale derives the same claim name from its
        inode and mtime, and only the one that creates the claim (``O_EXCL``) may replace it.
        """
        claim = self._claim(stale)
        if not _write_new(claim, b""):
            return False
        temp = self.path.with_name(f"{self.path.name}.{uuid.uuid4().hex}.tmp")
        try:
            current = _read_lock(self.path)
            if current is None or current.identity != stale.identity:
                return False  # released or replaced since we looked
            _write_new(temp, content)
            os.replace(temp, self.path)
            return True
        finally:
            temp.unlink(missing_ok=True)
            claim.unlink(missing_ok=True)

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Release the lock: remove the lock file if it is still ours."""
        token, self._token = self._token, None
        if token is None:
            return
        current = _read_lock(self.path)
        if current is not None and current.token == token:
            with suppress(FileNotFoundError):
                self.path.unlink()
        else:
            _log.warning("the lock %s was no longer ours on release; left as it is", self.path)
