"""The run log: one SQLite file recording every run, what was written and the history.

Does file I/O (stdlib :mod:`sqlite3`, :mod:`os`). The file holds, in schema version 1
(``PRAGMA user_version``; ``PRAGMA application_id`` marks the file as a run log, so a foreign
database is refused and never modified)::

    runs          one row per run: command, started_at / ended_at (ISO-8601 UTC text), as_of,
                  config hash, status (running, ok, partial, failed), counts (JSON), pid, host
    outcomes      one row per record written (field update, task create/update/close)
    written       the last value the product wrote per (account, field): manual-edit detection
    history_runs  the runs that recorded a standing, with their as_of
    history       per run and account: segment and rating position

Version 2 adds the status ``interrupted`` (a run stopped by Ctrl-C or SIGTERM); version 1 files
are lifted on the first write. A run still marked ``running`` whose process no longer exists on
this host reads back as ``interrupted`` too.

Every SQLite error is mapped to what the caller does: :class:`~crm_accounts.errors.UsageError`
(exit 2) for a damaged, foreign or unwritable file, naming it and the remedy, and
:class:`~crm_accounts.errors.TemporaryError` (exit 3) for a busy file or a full disk.
:meth:`RunLog.open_readonly` reads without writing anything (``plan``, ``runs``, ``report``), on
read-only storage too.

Writes stream through ``executemany`` in batches, one transaction per call, in
WAL mode: a run may touch a million accounts with eight fields each, and what a call recorded
survives a crash later in the run.

One run at a time per run-log file and per source: see :mod:`crm_accounts.runlock`.
"""

from __future__ import annotations

import itertools
import json
import logging
import os
import socket
import sqlite3
import sys
import urllib.parse
from collections.abc import (
    Callable,
    Iterable,
    Iterator,
    Mapping,
    Sequence,
)
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from types import MappingProxyType, TracebackType
from typing import Any, Concatenate, Final, ParamSpec, TypeVar

from .errors import TemporaryError, UsageError
from .runlock import LockHeldError, RunLock, process_alive

__all__ = [
    "APPLICATION_ID",
    "FINISHED_STATUSES",
    "SCHEMA_VERSION",
    "LockHeldError",
    "Outcome",
    "RunDetail",
    "RunLock",
    "RunLog",
    "RunSummary",
]

_log = logging.getLogger("crm_accounts")
_T = TypeVar("_T")
_P = ParamSpec("_P")

#: ``PRAGMA user_version`` of the current schema; :data:`_MIGRATIONS` lifts older files.
SCHEMA_VERSION: Final = 3
#: ``PRAGMA application_id`` of a run log ("CRMA"): tells our file from any other SQLite file.
APPLICATION_ID: Final = 0x43524D41
#: The statuses :meth:`RunLog.finish_run` accepts; ``running`` and ``interrupted`` are not final.
FINISHED_STATUSES: Final = frozenset({"ok", "partial", "failed", "interrupted"})
#: Rows per ``executemany`` call: bounds memory whatever the size of the iterable.
BATCH_SIZE: Final = 10_000
#: At most this many distinct strings are shared while reading the ``written`` table.
_SHARED_STRINGS: Final = 100_000

_SCHEMA_V1: Final = (
    """CREATE TABLE runs (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        command TEXT NOT NULL,
        started_at TEXT NOT NULL,
        ended_at TEXT,
        as_of TEXT NOT NULL,
        config_hash TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('running', 'ok', 'partial', 'failed')),
        counts TEXT NOT NULL DEFAULT '{}',
        pid INTEGER NOT NULL,
        host TEXT NOT NULL,
        outcomes INTEGER NOT NULL DEFAULT 0,
        failures INTEGER NOT NULL DEFAULT 0
    )""",
    """CREATE TABLE outcomes (
        id INTEGER PRIMARY KEY,
        run_id INTEGER NOT NULL REFERENCES runs (id),
        kind TEXT NOT NULL,
        ref TEXT NOT NULL,
        ok INTEGER NOT NULL,
        detail TEXT NOT NULL,
        error TEXT
    )""",
    # Only failures are looked up by run; indexing every outcome would double the write cost.
    "CREATE INDEX outcomes_failed ON outcomes (run_id) WHERE ok = 0",
    """CREATE TABLE written (
        account_id TEXT NOT NULL,
        field TEXT NOT NULL,
        value TEXT NOT NULL,
        PRIMARY KEY (account_id, field)
    ) WITHOUT ROWID""",
    """CREATE TABLE history_runs (
        run_id INTEGER PRIMARY KEY REFERENCES runs (id),
        as_of TEXT NOT NULL
    )""",
    """CREATE TABLE history (
        run_id INTEGER NOT NULL REFERENCES history_runs (run_id),
        account_id TEXT NOT NULL,
        segment TEXT NOT NULL,
        position INTEGER,
        PRIMARY KEY (run_id, account_id)
    ) WITHOUT ROWID""",
)
#: Version 2: the status ``interrupted`` (SQLite cannot change a CHECK: the table is rebuilt,
#: ids and the AUTOINCREMENT sequence kept; foreign keys are off while migrating).
_SCHEMA_V2: Final = (
    _SCHEMA_V1[0]
    .replace("CREATE TABLE runs (", "CREATE TABLE runs_v2 (")
    .replace("'partial', 'failed')", "'partial', 'failed', 'interrupted')"),
    "INSERT INTO runs_v2 SELECT * FROM runs",
    "DROP TABLE runs",
    "ALTER TABLE runs_v2 RENAME TO runs",
)
#: Version 3: the CRM ids of the open tasks the product knows of, by task key, so a connector
#: whose search lags behind writes (HubSpot) reads them back by id instead of searching.
_SCHEMA_V3: Final = (
    """CREATE TABLE tasks (
        key TEXT PRIMARY KEY,
        crm_id TEXT NOT NULL
    ) WITHOUT ROWID""",
)
#: Statements that lift a file from version ``key`` to ``key + 1``.
_MIGRATIONS: Final[Mapping[int, tuple[str, ...]]] = {0: _SCHEMA_V1, 1: _SCHEMA_V2, 2: _SCHEMA_V3}
_BUSY_OR_FULL: Final = frozenset({"SQLITE_BUSY", "SQLITE_LOCKED", "SQLITE_FULL", "SQLITE_NOMEM"})
_UNWRITABLE: Final = frozenset({"SQLITE_READONLY", "SQLITE_CANTOPEN", "SQLITE_PERM", "SQLITE_AUTH"})


def sqlite_problem(path: Path, exc: sqlite3.Error) -> UsageError | TemporaryError:
    """The error to raise for ``exc`` on the run log ``path``: what it means and what to do."""
    name = getattr(exc, "sqlite_errorname", "") or ""
    base = "_".join(name.split("_")[:2])  # SQLITE_IOERR_WRITE -> SQLITE_IOERR
    if base in _BUSY_OR_FULL:
        return TemporaryError(
            f"the run log {path} cannot be written now ({exc}): another program holds it or the"
            " disk is full; whatever was written is in it: free space or wait, then run again"
        )
    if base == "SQLITE_IOERR":
        return TemporaryError(
            f"the run log {path} could not be read or written ({exc}); run again later, and"
            " check the disk if it happens again"
        )
    if base in _UNWRITABLE:
        return UsageError(
            f"cannot open or write the run log {path} ({exc}): check that its folder exists and"
            " is writable, or choose another file with --run-log or [sync] run_log"
        )
    return UsageError(
        f"the run log {path} is damaged or not a crm-accounts run log ({exc}): move it aside"
        " (rename it) and run again; a new run log starts empty, so the first run after it"
        " cannot tell manual edits apart and shows no movements"
    )


def _mapped(
    method: Callable[Concatenate[RunLog, _P], _T],
) -> Callable[Concatenate[RunLog, _P], _T]:
    """Run ``method`` with SQLite errors turned into :func:`sqlite_problem`'s errors."""

    def wrapper(self: RunLog, /, *args: _P.args, **kwargs: _P.kwargs) -> _T:
        try:
            return method(self, *args, **kwargs)
        except sqlite3.Error as exc:
            raise sqlite_problem(self.path, exc) from None
        except OverflowError:  # an id or limit beyond SQLite's 64-bit integers
            raise UsageError(f"a number given for the run log {self.path} is too large") from None

    wrapper.__name__ = method.__name__
    wrapper.__doc__ = method.__doc__
    return wrapper


_RUN_COLUMNS: Final = (
    "id, command, started_at, ended_at, as_of, config_hash, status, counts, pid, host"
)


@dataclass(frozen=True, slots=True)
class Outcome:
    """What happened to one record a run wrote.

    Attributes:
        kind: ``field``, ``task_create``, ``task_update`` or ``task_close``.
        ref: The account id (fields) or the task key (tasks).
        ok: Whether the CRM accepted the write.
        detail: What changed, e.g. ``segment B -> A`` or ``due 2026-12-01``.
        error: Why the CRM refused it, when it did.
        crm_id: The CRM id of a created task (kept in the ``tasks`` table, not in outcomes).
    """

    kind: str
    ref: str
    ok: bool
    detail: str = ""
    error: str | None = None
    crm_id: str | None = None


@dataclass(frozen=True, slots=True)
class RunSummary:
    """One row of the run list; ``status`` is ``interrupted`` for a run whose process died."""

    id: int
    command: str
    started_at: datetime
    ended_at: datetime | None
    as_of: date
    config_hash: str
    status: str
    counts: Mapping[str, int]


@dataclass(frozen=True, slots=True)
class RunDetail:
    """One run with its failed outcomes and the number of outcomes recorded."""

    summary: RunSummary
    failures: tuple[Outcome, ...]
    outcomes: int


def _utc_text(value: datetime, name: str) -> str:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware, got {value.isoformat()}")
    return value.astimezone(UTC).isoformat(timespec="microseconds")


def _batches(items: Iterable[_T]) -> Iterator[list[_T]]:
    iterator = iter(items)
    while batch := list(itertools.islice(iterator, BATCH_SIZE)):
        yield batch


class RunLog:
    """The run-log file: runs, their outcomes, the last written values and the standing history.

    Not thread-safe; one instance per thread. Readers in other processes see every committed call.
    """

    __slots__ = ("_db", "_path")

    def __init__(self, connection: sqlite3.Connection, path: Path) -> None:
        """Wrap an open, migrated connection; use :meth:`open`."""
        self._db = connection
        self._path = path

    @classmethod
    def open(cls, path: Path) -> RunLog:
        """Open the run log at ``path``, creating its folder and schema when needed.

        Raises:
            UsageError: ``path`` is not a run log (not SQLite, another application's database,
                a newer schema) or cannot be opened; the message names the path.
        """
        path = Path(path)
        try:
            if path.is_symlink():
                raise UsageError(
                    f"the run log {path} is a symbolic link; give the file itself (--run-log or"
                    " [sync] run_log): the product never writes through a link"
                )
            if path.is_dir():
                raise UsageError(
                    f"the run log {path} is a folder; give a file name (--run-log or [sync]"
                    " run_log)"
                )
            path.parent.mkdir(parents=True, exist_ok=True)
            db = sqlite3.connect(path, timeout=30.0, isolation_level=None)
        except OSError as exc:
            raise UsageError(f"cannot open the run log {path}: {exc.strerror or exc}") from None
        except sqlite3.Error as exc:
            raise sqlite_problem(path, exc) from None
        try:
            _prepare(db, path)
            _verify(db, path)
        except BaseException:
            db.close()
            raise
        return cls(db, path)

    @classmethod
    def open_readonly(cls, path: Path) -> RunLog | None:
        """Open the run log at ``path`` for reading only; ``None`` when there is none yet.

        Nothing is created or migrated; a file on read-only storage is read as it is.

        Raises:
            UsageError: ``path`` is not a run log, is damaged or comes from a newer version.
            TemporaryError: the file is busy.
        """
        path = Path(path)
        try:
            if not path.is_file():
                return None
        except OSError as exc:
            raise UsageError(f"cannot open the run log {path}: {exc.strerror or exc}") from None
        quoted = urllib.parse.quote(str(path.absolute()))
        last: sqlite3.Error | None = None
        # mode=ro still needs the -shm file of a WAL database; immutable=1 reads a file on
        # read-only storage (nothing else may write it meanwhile, which read-only storage ensures).
        for query in ("mode=ro", "immutable=1"):
            try:
                db = sqlite3.connect(f"file:{quoted}?{query}", uri=True, timeout=30.0,
                                     isolation_level=None)  # fmt: skip
            except sqlite3.Error as exc:
                last = exc
                continue
            try:
                if _check_header(db, path) == 0:
                    db.close()
                    return None  # an empty file: no run recorded yet
                db.execute("SELECT count(*) FROM runs").fetchone()
            except sqlite3.OperationalError as exc:
                db.close()
                last = exc
                continue
            except sqlite3.Error as exc:
                db.close()
                raise sqlite_problem(path, exc) from None
            except BaseException:
                db.close()
                raise
            return cls(db, path)
        assert last is not None
        raise sqlite_problem(path, last) from None

    @property
    def path(self) -> Path:
        """The run-log file."""
        return self._path

    def close(self) -> None:
        """Close the file; every call already returned is committed."""
        self._db.close()

    def __enter__(self) -> RunLog:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield self._db
        except BaseException:
            if self._db.in_transaction:
                self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    def _require_run(self, run_id: int) -> None:
        if self._db.execute("SELECT 1 FROM runs WHERE id = ?", (run_id,)).fetchone() is None:
            raise UsageError(f"run {run_id} not found in {self._path}")

    @_mapped
    def start_run(
        self, *, command: str, as_of: date, config_hash: str, started_at: datetime
    ) -> int:
        """Record a run as ``running`` with this process's pid and host; returns its id.

        Raises:
            ValueError: ``started_at`` is naive.
        """
        started = _utc_text(started_at, "started_at")
        with self._transaction() as db:
            cursor = db.execute(
                "INSERT INTO runs (command, started_at, as_of, config_hash, status, pid, host)"
                " VALUES (?, ?, ?, ?, 'running', ?, ?)",
                (
                    command,
                    started,
                    as_of.isoformat(),
                    config_hash,
                    os.getpid(),
                    socket.gethostname(),
                ),
            )
        if cursor.lastrowid is None:  # pragma: no cover - an INSERT always sets it
            raise RuntimeError("SQLite returned no id for the new run")
        return cursor.lastrowid

    @_mapped
    def record_outcomes(self, run_id: int, outcomes: Iterable[Outcome]) -> None:
        """Append outcomes to a run, committed before returning (a later crash keeps them).

        Raises:
            UsageError: no run ``run_id``.
        """
        total = failed = 0
        with self._transaction() as db:
            self._require_run(run_id)
            for batch in _batches(outcomes):
                db.executemany(
                    "INSERT INTO outcomes (run_id, kind, ref, ok, detail, error)"
                    " VALUES (?, ?, ?, ?, ?, ?)",
                    [(run_id, o.kind, o.ref, int(o.ok), o.detail, o.error) for o in batch],
                )
                total += len(batch)
                failed += sum(1 for o in batch if not o.ok)
                db.executemany(
                    "INSERT INTO tasks (key, crm_id) VALUES (?, ?)"
                    " ON CONFLICT (key) DO UPDATE SET crm_id = excluded.crm_id",
                    [
                        (o.ref, o.crm_id)
                        for o in batch
                        if o.ok and o.kind == "task_create" and o.crm_id
                    ],
                )

            db.execute(
                "UPDATE runs SET outcomes = outcomes + ?, failures = failures + ? WHERE id = ?",
                (total, failed, run_id),
            )

    @_mapped
    def finish_run(
        self, run_id: int, *, ended_at: datetime, status: str, counts: Mapping[str, int]
    ) -> None:
        """Close a run with its final status (``ok``, ``partial`` or ``failed``) and counts.

        Raises:
            UsageError: no run ``run_id``.
            ValueError: an unknown status, a count that is not an int, or a naive ``ended_at``.
        """
        if status not in FINISHED_STATUSES:
            raise ValueError(f"status must be one of {sorted(FINISHED_STATUSES)}, got {status!r}")
        for name, count in counts.items():
            if not isinstance(name, str) or type(count) is not int:
                raise ValueError(f"counts must map str to int, got {name!r}: {count!r}")
        ended = _utc_text(ended_at, "ended_at")
        text = json.dumps(dict(counts), sort_keys=True)
        with self._transaction() as db:
            updated = db.execute(
                "UPDATE runs SET ended_at = ?, status = ?, counts = ? WHERE id = ?",
                (ended, status, text, run_id),
            ).rowcount
            if updated == 0:
                raise UsageError(f"run {run_id} not found in {self._path}")

    @_mapped
    def runs(self, limit: int = 20) -> list[RunSummary]:
        """The latest ``limit`` runs, newest first.

        Raises:
            UsageError: ``limit`` is negative.
        """
        if limit < 0:
            raise UsageError(f"the number of runs to list must be 0 or more, got {limit}")
        rows = self._db.execute(
            f"SELECT {_RUN_COLUMNS} FROM runs ORDER BY id DESC LIMIT ?", (limit,)
        ).fetchall()
        return [_summary(row) for row in rows]

    @_mapped
    def run(self, run_id: int, *, max_failures: int | None = None) -> RunDetail:
        """One run with its failed outcomes in the order recorded (the first ``max_failures``).

        Raises:
            UsageError: no run ``run_id``.
        """
        row = self._db.execute(
            f"SELECT {_RUN_COLUMNS}, outcomes FROM runs WHERE id = ?", (run_id,)
        ).fetchone()
        if row is None:
            raise UsageError(f"run {run_id} not found in {self._path}")
        failures = self._db.execute(
            "SELECT kind, ref, detail, error FROM outcomes WHERE run_id = ? AND ok = 0"
            " ORDER BY id LIMIT ?",
            (run_id, -1 if max_failures is None else max_failures),
        )
        return RunDetail(
            summary=_summary(row[:-1]),
            failures=tuple(Outcome(k, r, False, d, e) for k, r, d, e in failures),
            outcomes=row[-1],
        )

    @_mapped
    def last_written(self) -> dict[str, dict[str, str]]:
        """The last value the product wrote, per account id and target field."""
        result: dict[str, dict[str, str]] = {}
        # SQLite hands out a new str per row; sharing equal field names and (bounded) values
        # keeps eight million rows of "A", "B", ratings and dates in a fraction of the memory.
        shared: dict[str, str] = {}
        current_id: str | None = None
        current: dict[str, str] = {}
        # The primary-key order groups each account's rows: one dict lookup per account.
        for account_id, field, value in self._db.execute(
            "SELECT account_id, field, value FROM written ORDER BY account_id, field"
        ):
            if account_id != current_id:
                current_id = account_id
                current = result[account_id] = {}
            if len(shared) < _SHARED_STRINGS:
                field = shared.setdefault(field, field)
                value = shared.setdefault(value, value)
            else:
                field = shared.get(field, field)
                value = shared.get(value, value)
            current[field] = value
        return result

    @_mapped
    def known_tasks(self) -> dict[str, str]:
        """CRM id per task key of the open tasks the last sync knew of, and those created since
        (a created task is kept with its id in the same transaction as its outcome). A task the
        last sync closed stays until the next sync has read it back closed, so a search that
        still shows it open is not believed."""
        exists = self._db.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'tasks'"
        ).fetchone()
        if exists is None:  # an older run log opened read-only: not migrated, knows no task
            return {}
        return dict(self._db.execute("SELECT key, crm_id FROM tasks"))

    @_mapped
    def replace_tasks(self, tasks: Mapping[str, str]) -> None:
        """Make ``tasks`` (key -> CRM id: the open tasks a sync just read) the known tasks."""
        with self._transaction() as db:
            db.execute("DELETE FROM tasks")
            for batch in _batches(tasks.items()):
                db.executemany("INSERT INTO tasks (key, crm_id) VALUES (?, ?)", batch)

    @_mapped
    def record_written(self, values: Iterable[tuple[str, str, str | None]]) -> None:
        """Upsert ``(account_id, field, value)`` rows in order; a ``None`` value deletes the row."""
        upsert = (
            "INSERT INTO written (account_id, field, value) VALUES (?, ?, ?)"
            " ON CONFLICT (account_id, field) DO UPDATE SET value = excluded.value"
            " WHERE value IS NOT excluded.value"  # an unchanged value costs no page write
        )
        delete = "DELETE FROM written WHERE account_id = ? AND field = ?"
        upserts: list[tuple[str, str, str]] = []
        deletes: list[tuple[str, str]] = []
        with self._transaction() as db:
            # Only one list is ever non-empty, so rows apply in the order given.
            for account_id, field, value in values:
                if value is None:
                    if upserts:
                        db.executemany(upsert, upserts)
                        upserts.clear()
                    deletes.append((account_id, field))
                    if len(deletes) >= BATCH_SIZE:
                        db.executemany(delete, deletes)
                        deletes.clear()
                else:
                    if deletes:
                        db.executemany(delete, deletes)
                        deletes.clear()
                    upserts.append((account_id, field, value))
                    if len(upserts) >= BATCH_SIZE:
                        db.executemany(upsert, upserts)
                        upserts.clear()
            db.executemany(upsert, upserts)
            db.executemany(delete, deletes)

    @_mapped
    def record_history(
        self, run_id: int, as_of: date, rows: Iterable[tuple[str, str, int | None]]
    ) -> None:
        """Record ``(account_id, segment, rating_position)`` rows as the standing of a run.

        May be called more than once per run (a later row for an account replaces the earlier
        one). A call with no rows does not make the run count as having a history.

        Raises:
            UsageError: no run ``run_id``.
        """
        with self._transaction() as db:
            self._require_run(run_id)
            for batch in _batches(rows):
                db.execute(
                    "INSERT INTO history_runs (run_id, as_of) VALUES (?, ?)"
                    " ON CONFLICT (run_id) DO UPDATE SET as_of = excluded.as_of",
                    (run_id, as_of.isoformat()),
                )
                db.executemany(
                    "INSERT INTO history (run_id, account_id, segment, position)"
                    " VALUES (?, ?, ?, ?) ON CONFLICT (run_id, account_id)"
                    " DO UPDATE SET segment = excluded.segment, position = excluded.position",
                    [
                        (run_id, account_id, segment, position)
                        for account_id, segment, position in batch
                    ],
                )

    @_mapped
    def previous_history_run(self, before_run: int | None = None) -> tuple[int, date] | None:
        """The id and as_of of the latest run with a history (strictly before ``before_run``)."""
        row = self._db.execute(
            "SELECT run_id, as_of FROM history_runs WHERE run_id < ? ORDER BY run_id DESC LIMIT 1",
            (sys.maxsize if before_run is None else before_run,),
        ).fetchone()
        return None if row is None else (row[0], date.fromisoformat(row[1]))

    @_mapped
    def previous_standing(self, before_run: int | None = None) -> dict[str, tuple[str, int | None]]:
        """Per account the ``(segment, rating_position)`` of :meth:`previous_history_run`.

        Empty when no run (before ``before_run``) recorded a history.
        """
        ref = self.previous_history_run(before_run)
        if ref is None:
            return {}
        segments: dict[str, str] = {}
        return {
            account_id: (segments.setdefault(segment, segment), position)
            for account_id, segment, position in self._db.execute(
                "SELECT account_id, segment, position FROM history WHERE run_id = ?", (ref[0],)
            )
        }

    @_mapped
    def prune(self, *, keep_runs: int) -> int:
        """Delete all but the newest ``keep_runs`` runs with their outcomes and history.

        The latest run with a history is always kept (the next run compares against it), and so
        is the ``written`` table. Freed space is reused by later runs; the file does not shrink.
        Returns the number of runs deleted.

        Raises:
            UsageError: ``keep_runs`` is less than 1.
        """
        if keep_runs < 1:
            raise UsageError(f"the number of runs to keep must be 1 or more, got {keep_runs}")
        with self._transaction() as db:
            oldest_kept = db.execute(
                "SELECT id FROM runs ORDER BY id DESC LIMIT 1 OFFSET ?", (keep_runs - 1,)
            ).fetchone()
            if oldest_kept is None:
                return 0
            spared = db.execute("SELECT coalesce(max(run_id), 0) FROM history_runs").fetchone()
            params = (oldest_kept[0], spared[0])
            db.execute("DELETE FROM outcomes WHERE run_id < ? AND run_id <> ?", params)
            db.execute("DELETE FROM history WHERE run_id < ? AND run_id <> ?", params)
            db.execute("DELETE FROM history_runs WHERE run_id < ? AND run_id <> ?", params)
            return db.execute("DELETE FROM runs WHERE id < ? AND id <> ?", params).rowcount


def _check_header(db: sqlite3.Connection, path: Path) -> int:
    """The schema version of ``db``; refuses another application's file or a newer schema."""
    app_id = db.execute("PRAGMA application_id").fetchone()[0]
    version = db.execute("PRAGMA user_version").fetchone()[0]
    tables = db.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
    if app_id != APPLICATION_ID and (app_id != 0 or tables or version):
        raise UsageError(
            f"{path} is not a crm-accounts run log (it is another application's SQLite"
            " database); set [sync] run_log to another file"
        )
    if version > SCHEMA_VERSION:
        raise UsageError(
            f"the run log {path} has schema version {version}, written by a newer"
            f" crm-accounts (this one reads up to {SCHEMA_VERSION}); upgrade crm-accounts"
        )
    return int(version)


def _prepare(db: sqlite3.Connection, path: Path) -> None:
    """Check that ``db`` is a run log (or empty), then set it up and migrate it."""

    def header() -> int:
        return _check_header(db, path)

    try:
        version = header()
        if version < SCHEMA_VERSION:
            db.execute("BEGIN IMMEDIATE")  # another process may be creating it right now
            try:
                version = header()
                for step in range(version, SCHEMA_VERSION):
                    for statement in _MIGRATIONS[step]:
                        db.execute(statement)
                db.execute(f"PRAGMA application_id = {APPLICATION_ID}")
                db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")
        db.execute("PRAGMA journal_mode = WAL")
        # In WAL mode NORMAL loses no committed data when the process crashes, only on power loss.
        db.execute("PRAGMA synchronous = NORMAL")
        db.execute("PRAGMA foreign_keys = ON")
        db.execute("PRAGMA cache_size = -65536")  # KiB: 64 MiB for million-row upserts
        # A million-row call grows the WAL to hundreds of MiB; shrink it back after checkpoints.
        db.execute("PRAGMA journal_size_limit = 67108864")
    except sqlite3.Error as exc:  # locked, read-only, disk full, not a database, ...
        raise sqlite_problem(path, exc) from None


def _verify(db: sqlite3.Connection, path: Path) -> None:
    """Refuse a damaged run log when it is opened for writing, before a sync writes anything:
    damage found only later (while outcomes are recorded) would stop a run that has already
    written to the CRM. ``quick_check`` walks every page once ("PRAGMA quick_check",
    https://www.sqlite.org/pragma.html#pragma_quick_check)."""
    try:
        rows = db.execute("PRAGMA quick_check").fetchall()
    except sqlite3.Error as exc:
        raise sqlite_problem(path, exc) from None
    if [tuple(row) for row in rows] != [("ok",)]:
        problem = "; ".join(str(row[0]) for row in rows[:3])
        raise sqlite_problem(path, sqlite3.DatabaseError(f"integrity check failed: {problem}"))


def _summary(row: Sequence[Any]) -> RunSummary:
    try:
        return _parsed_summary(row)
    except (ValueError, TypeError) as exc:  # a row that no crm-accounts wrote
        raise sqlite3.DatabaseError(f"run {row[0]!r} cannot be read: {exc}") from None


def _parsed_summary(row: Sequence[Any]) -> RunSummary:
    run_id, command, started, ended, as_of, config_hash, status, counts, pid, host = row
    if status == "running" and process_alive(int(pid), str(host)) is False:
        status = "interrupted"
    return RunSummary(
        id=run_id,
        command=command,
        started_at=datetime.fromisoformat(started),
        ended_at=None if ended is None else datetime.fromisoformat(ended),
        as_of=date.fromisoformat(as_of),
        config_hash=config_hash,
        status=status,
        counts=MappingProxyType(json.loads(counts)),
    )
