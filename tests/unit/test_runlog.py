"""The run log (SQLite file) and the run lock (lock file): real files under ``tmp_path``, real
child processes for dead, live and racing lock holders."""

from __future__ import annotations

import json
import os
import socket
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from contextlib import closing
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crm_accounts.errors import TemporaryError, UsageError
from crm_accounts.runlog import (
    APPLICATION_ID,
    SCHEMA_VERSION,
    LockHeldError,
    Outcome,
    RunLock,
    RunLog,
)
from tests.readonly import read_only_folder

AS_OF = date(2026, 11, 27)
T0 = datetime(2026, 11, 27, 2, 0, tzinfo=UTC)
CHILD_TIMEOUT = 20


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "state" / "runs.sqlite"


@pytest.fixture
def log(path: Path) -> Iterator[RunLog]:
    with RunLog.open(path) as run_log:
        yield run_log


def start(log: RunLog, *, as_of: date = AS_OF, minutes: int = 0) -> int:
    return log.start_run(
        command="sync", as_of=as_of, config_hash="cfg1", started_at=T0 + timedelta(minutes=minutes)
    )


def dead_pid() -> int:
    """The pid of a process that has exited and been reaped."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait(timeout=CHILD_TIMEOUT)
    return child.pid


@pytest.fixture
def live_pid() -> Iterator[int]:
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    yield child.pid
    child.kill()
    child.wait(timeout=CHILD_TIMEOUT)


def write_lock(run_log: Path, *, pid: int, host: str | None = None) -> Path:
    lock = run_log.with_name(run_log.name + ".lock")
    lock.parent.mkdir(parents=True, exist_ok=True)
    holder = {"pid": pid, "host": host or socket.gethostname(), "started_at": "2026-11-27T01:00Z"}
    lock.write_text(json.dumps(holder))
    return lock


# --- the file ------------------------------------------------------------------------------------


def test_schema_is_created_on_first_open_with_its_folder(path: Path) -> None:
    with RunLog.open(path) as log:
        assert log.runs() == []
    with closing(sqlite3.connect(path)) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert db.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master")}
    assert {"runs", "outcomes", "written", "history_runs", "history"} <= tables


def test_reopening_the_file_keeps_its_runs(path: Path) -> None:
    with RunLog.open(path) as log:
        run_id = start(log)
        log.finish_run(run_id, ended_at=T0 + timedelta(minutes=5), status="ok", counts={"x": 1})
    with RunLog.open(path) as log:
        (run,) = log.runs()
    assert (run.id, run.status, dict(run.counts)) == (run_id, "ok", {"x": 1})
    assert run.started_at == T0
    assert run.ended_at == T0 + timedelta(minutes=5)


def test_a_file_that_is_not_sqlite_is_refused_naming_the_path(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("these are my notes, not a database\n" * 50)
    with pytest.raises(UsageError, match="not a crm-accounts run log") as info:
        RunLog.open(path)
    assert str(path) in str(info.value)


def test_another_applications_sqlite_database_is_refused_and_left_untouched(
    tmp_path: Path,
) -> None:
    path = tmp_path / "crm.db"
    with closing(sqlite3.connect(path)) as db:
        db.execute("CREATE TABLE customers (id TEXT)")
        db.commit()
    before = path.read_bytes()
    with pytest.raises(UsageError, match="another application") as info:
        RunLog.open(path)
    assert str(path) in str(info.value)
    assert path.read_bytes() == before


def test_a_run_log_from_a_newer_version_is_refused(path: Path) -> None:
    RunLog.open(path).close()
    with closing(sqlite3.connect(path)) as db:
        db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    with pytest.raises(UsageError, match="newer crm-accounts") as info:
        RunLog.open(path)
    assert str(path) in str(info.value)


def test_a_folder_in_place_of_the_file_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="is a folder"):
        RunLog.open(tmp_path)


# --- runs ----------------------------------------------------------------------------------------


def test_runs_are_listed_newest_first_with_their_counts(log: RunLog) -> None:
    first, second, third = (start(log, minutes=m) for m in (0, 60, 120))
    log.finish_run(first, ended_at=T0, status="ok", counts={"fields": 8, "failed": 0})
    log.finish_run(second, ended_at=T0, status="partial", counts={"fields": 7, "failed": 1})
    runs = log.runs()
    assert [r.id for r in runs] == [third, second, first]
    assert [r.status for r in runs] == ["running", "partial", "ok"]
    assert dict(runs[1].counts) == {"fields": 7, "failed": 1}
    assert dict(runs[0].counts) == {}
    assert [r.id for r in log.runs(limit=2)] == [third, second]


def test_run_detail_lists_only_the_failed_outcomes_in_failures(log: RunLog) -> None:
    run_id = start(log)
    refused = Outcome("task_create", "task-9", ok=False, detail="due 2026-12-01", error="HTTP 400")
    log.record_outcomes(run_id, [Outcome("field", "acc-1", ok=True, detail="segment B -> A")])
    log.record_outcomes(run_id, [refused, Outcome("task_close", "task-3", ok=True)])
    detail = log.run(run_id)
    assert detail.failures == (refused,)
    assert detail.outcomes == 3
    assert detail.summary.id == run_id


def test_outcomes_are_visible_to_another_reader_before_the_run_finishes(
    log: RunLog, path: Path
) -> None:
    run_id = start(log)
    log.record_outcomes(run_id, [Outcome("field", "acc-1", ok=False, error="locked")])
    with RunLog.open(path) as reader:
        assert reader.run(run_id).outcomes == 1


def test_an_unknown_run_is_a_usage_error_naming_the_run_and_the_file(
    log: RunLog, path: Path
) -> None:
    with pytest.raises(UsageError, match=f"run 42 not found in {path}"):
        log.run(42)
    with pytest.raises(UsageError, match="run 42 not found"):
        log.finish_run(42, ended_at=T0, status="ok", counts={})
    with pytest.raises(UsageError, match="run 42 not found"):
        log.record_outcomes(42, [Outcome("field", "acc-1", ok=True)])


def test_naive_timestamps_and_unknown_statuses_are_refused(log: RunLog) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        log.start_run(command="sync", as_of=AS_OF, config_hash="c", started_at=datetime(2026, 1, 1))
    run_id = start(log)
    with pytest.raises(ValueError, match="status must be one of"):
        log.finish_run(run_id, ended_at=T0, status="running", counts={})


def test_timestamps_are_stored_as_iso_utc_text(log: RunLog, path: Path) -> None:
    paris = datetime(2026, 11, 27, 4, 0, tzinfo=timezone(timedelta(hours=1)))
    log.start_run(command="sync", as_of=AS_OF, config_hash="c", started_at=paris)
    with closing(sqlite3.connect(path)) as db:
        (text,) = db.execute("SELECT started_at FROM runs").fetchone()
    assert text == "2026-11-27T03:00:00.000000+00:00"


def test_a_running_run_whose_process_died_shows_as_interrupted(path: Path) -> None:
    crashing_sync = (
        "import os, sys\n"
        "from datetime import UTC, date, datetime\n"
        "from pathlib import Path\n"
        "from crm_accounts.runlog import Outcome, RunLog\n"
        "log = RunLog.open(Path(sys.argv[1]))\n"
        "run_id = log.start_run(command='sync', as_of=date(2026, 11, 27), config_hash='c',"
        " started_at=datetime.now(UTC))\n"
        "log.record_outcomes(run_id, [Outcome('field', 'acc-1', True, 'segment B -> A')])\n"
        "os._exit(3)\n"
    )
    child = subprocess.run([sys.executable, "-c", crashing_sync, str(path)], timeout=CHILD_TIMEOUT)
    assert child.returncode == 3
    with RunLog.open(path) as log:
        mine = start(log)
        crashed, running = log.runs()[1], log.runs()[0]
        assert (crashed.status, running.id, running.status) == ("interrupted", mine, "running")
        assert log.run(crashed.id).outcomes == 1


def test_a_running_run_of_another_host_is_not_called_interrupted(log: RunLog, path: Path) -> None:
    run_id = start(log)
    with closing(sqlite3.connect(path)) as db, db:
        db.execute("UPDATE runs SET host = 'elsewhere.example', pid = ?", (dead_pid(),))
    assert log.run(run_id).summary.status == "running"


def test_prune_keeps_the_newest_runs_and_the_latest_history(log: RunLog) -> None:
    ids = [start(log, minutes=m) for m in range(5)]
    log.record_history(ids[1], AS_OF, [("acc-1", "A", 1)])
    for run_id in ids:
        log.record_outcomes(run_id, [Outcome("field", "acc-1", ok=False)])
    assert log.prune(keep_runs=2) == 2
    assert [r.id for r in log.runs()] == [ids[4], ids[3], ids[1]]
    assert log.previous_standing() == {"acc-1": ("A", 1)}
    assert log.prune(keep_runs=5) == 0


# --- last written values -------------------------------------------------------------------------


def test_record_written_upserts_and_none_deletes(log: RunLog) -> None:
    log.record_written([("acc-1", "segment", "B"), ("acc-1", "rating", "3"), ("acc-2", "seg", "C")])
    log.record_written([("acc-1", "segment", "A"), ("acc-2", "seg", None), ("acc-3", "x", None)])
    assert log.last_written() == {"acc-1": {"segment": "A", "rating": "3"}}


def test_record_written_applies_rows_in_order_across_batches(log: RunLog) -> None:
    rows: list[tuple[str, str, str | None]] = []
    for i in range(12_000):
        rows += [(f"acc-{i}", "segment", "B"), (f"acc-{i}", "segment", None)]
        rows += [(f"acc-{i}", "rating", str(i))] * (i % 2)
    rows += [("acc-0", "segment", "A")]
    log.record_written(rows)
    written = log.last_written()
    assert len(written) == 6_001
    assert written["acc-0"] == {"segment": "A"}
    assert written["acc-11999"] == {"rating": "11999"}


TEXT = st.text(alphabet=st.characters(codec="utf-8"), max_size=8) | st.sampled_from(
    ["", "'", '"', "'; DROP TABLE written; --", "\x00", "Zürich", "東京", "🙂"]
)
ROWS = st.lists(st.tuples(TEXT, TEXT, st.none() | TEXT), max_size=12)


@pytest.fixture(scope="module")
def shared_log(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunLog]:
    """One run log for every hypothesis example (each example empties it first)."""
    with RunLog.open(tmp_path_factory.mktemp("round-trip") / "runs.sqlite") as run_log:
        yield run_log


@settings(max_examples=60, deadline=None)
@given(calls=st.lists(ROWS, max_size=4))
def test_last_written_round_trips_any_strings(
    calls: list[list[tuple[str, str, str | None]]], shared_log: RunLog
) -> None:
    log = shared_log
    log.record_written((a, f, None) for a, fields in log.last_written().items() for f in fields)
    expected: dict[tuple[str, str], str] = {}
    for rows in calls:
        log.record_written(rows)
        for account_id, field, value in rows:
            if value is None:
                expected.pop((account_id, field), None)
            else:
                expected[account_id, field] = value
    written = log.last_written()
    assert {(a, f): v for a, fields in written.items() for f, v in fields.items()} == expected
    assert all(written.values())


# --- standing history ----------------------------------------------------------------------------


def test_previous_standing_is_the_latest_earlier_runs_history(log: RunLog) -> None:
    first, second, empty, current = (start(log, minutes=m) for m in range(4))
    log.record_history(first, date(2026, 11, 25), [("acc-1", "B", 2), ("acc-2", "C", None)])
    log.record_history(second, date(2026, 11, 26), [("acc-1", "A", 1)])
    log.record_history(empty, date(2026, 11, 26), [])
    assert log.previous_standing(before_run=current) == {"acc-1": ("A", 1)}
    assert log.previous_history_run(before_run=current) == (second, date(2026, 11, 26))
    assert log.previous_standing(before_run=second) == {"acc-1": ("B", 2), "acc-2": ("C", None)}
    assert log.previous_standing(before_run=first) == {}
    log.record_history(current, AS_OF, [("acc-9", "A", 1)])
    assert log.previous_standing() == {"acc-9": ("A", 1)}


def test_recording_history_twice_for_a_run_replaces_the_account_rows(log: RunLog) -> None:
    run_id = start(log)
    log.record_history(run_id, AS_OF, [("acc-1", "B", 2), ("acc-2", "C", 3)])
    log.record_history(run_id, AS_OF, [("acc-1", "A", 1)])
    assert log.previous_standing() == {"acc-1": ("A", 1), "acc-2": ("C", 3)}


# --- the lock ------------------------------------------------------------------------------------


def test_the_lock_file_names_this_process_while_held_and_is_emptied_on_release(
    path: Path,
) -> None:
    with RunLock(path) as lock:
        holder = json.loads(lock.path.read_text())
        assert lock.path == path.with_name("runs.sqlite.lock")
        assert (holder["pid"], holder["host"]) == (os.getpid(), socket.gethostname())
        assert datetime.fromisoformat(holder["started_at"]).tzinfo is not None
    assert lock.path.read_text() == ""


def test_a_second_lock_on_the_same_run_log_is_refused_with_exit_3_naming_pid_and_path(
    path: Path,
) -> None:
    with RunLock(path) as lock:
        with pytest.raises(LockHeldError) as info, RunLock(path):
            pass
        assert json.loads(lock.path.read_text())["pid"] == os.getpid()
    message = str(info.value)
    assert f"pid {os.getpid()}" in message
    assert str(lock.path) in message
    assert socket.gethostname() in message
    assert isinstance(info.value, TemporaryError)
    with RunLock(path):  # released: free again
        pass


def test_a_lock_file_naming_a_live_process_that_holds_no_lock_is_no_obstacle(
    path: Path, live_pid: int
) -> None:
    """A pid reused by another program cannot block: only the OS lock counts."""
    lock_file = write_lock(path, pid=live_pid)
    with RunLock(path):
        assert json.loads(lock_file.read_text())["pid"] == os.getpid()


def test_a_lock_held_by_a_process_killed_outright_is_free_at_once(path: Path) -> None:
    path.parent.mkdir(parents=True)
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(path)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert line(holder) == "won"
        with pytest.raises(LockHeldError, match=f"pid {holder.pid} "), RunLock(path):
            pass
        holder.kill()
        holder.wait(timeout=CHILD_TIMEOUT)
        with RunLock(path):
            pass
    finally:
        if holder.poll() is None:
            holder.kill()
        holder.communicate(timeout=CHILD_TIMEOUT)


def test_a_symbolic_link_planted_as_the_lock_file_is_refused_and_its_target_kept(
    path: Path, tmp_path: Path
) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    path.parent.mkdir(parents=True)
    path.with_name("runs.sqlite.lock").symlink_to(victim)
    with pytest.raises(UsageError, match="symbolic link"), RunLock(path):
        pass
    assert victim.read_text() == "precious"


HOLDER = """
import sys, time
from pathlib import Path
from crm_accounts.runlog import RunLock
with RunLock(Path(sys.argv[1])):
    print("won", flush=True)
    time.sleep(60)
"""

RACER = """
import sys, time
from pathlib import Path
from crm_accounts.runlog import LockHeldError, RunLock
run_log, go, release = map(Path, sys.argv[1:4])
print("ready", flush=True)
while not go.exists():
    time.sleep(0.001)
try:
    with RunLock(run_log):
        print("won", flush=True)
        deadline = time.monotonic() + 20
        while not release.exists() and time.monotonic() < deadline:
            time.sleep(0.005)
except LockHeldError:
    print("held", flush=True)
"""


def line(child: subprocess.Popen[str]) -> str:
    assert child.stdout is not None
    return child.stdout.readline().strip()


def race(path: Path, racers: int) -> list[str]:
    """Start ``racers`` processes that take the lock at once; what each one got."""
    go, release = path.with_name("go"), path.with_name("release")
    children = [
        subprocess.Popen(
            [sys.executable, "-c", RACER, str(path), str(go), str(release)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(racers)
    ]
    try:
        assert [line(child) for child in children] == ["ready"] * racers
        go.touch()  # all are spinning on it: they go at once
        results = [line(child) for child in children]
        release.touch()
        for child in children:
            child.communicate(timeout=CHILD_TIMEOUT)
    finally:
        for child in children:
            if child.poll() is None:
                child.kill()
                child.communicate(timeout=CHILD_TIMEOUT)
    return sorted(results)


def test_two_processes_racing_for_the_lock_get_exactly_one_winner(path: Path) -> None:
    path.parent.mkdir(parents=True)
    assert race(path, 2) == ["held", "won"]


def test_four_processes_racing_for_a_lock_file_left_by_a_dead_run_get_one_winner(
    path: Path,
) -> None:
    write_lock(path, pid=dead_pid())
    assert race(path, 4) == ["held", "held", "held", "won"]


# --- SQLite errors and read-only access ---------------------------------------------------------


def test_a_damaged_run_log_is_exit_2_naming_the_file_and_the_remedy(
    log: RunLog, path: Path
) -> None:
    start(log)
    with closing(sqlite3.connect(path)) as db:
        db.execute("DROP TABLE outcomes")
    with pytest.raises(UsageError, match="damaged") as info:
        log.record_outcomes(1, [Outcome("field", "acc-1", True)])
    assert str(path) in str(info.value)
    assert "move it aside" in str(info.value)


def test_garbage_in_a_runs_row_is_a_damaged_run_log_not_a_crash(log: RunLog, path: Path) -> None:
    start(log)
    with closing(sqlite3.connect(path)) as db, db:
        db.execute("UPDATE runs SET started_at = 'yesterday', counts = '{'")
    with pytest.raises(UsageError, match="damaged"):
        log.runs()


def test_a_busy_run_log_is_a_temporary_error(path: Path) -> None:
    with RunLog.open(path) as log, closing(sqlite3.connect(path, isolation_level=None)) as other:
        other.execute("BEGIN EXCLUSIVE")
        log._db.execute("PRAGMA busy_timeout = 50")
        with pytest.raises(TemporaryError, match="cannot be written now"):
            start(log)
        other.execute("ROLLBACK")


def test_huge_numbers_for_runs_and_run_ids_are_usage_errors(log: RunLog) -> None:
    with pytest.raises(UsageError, match="too large"):
        log.runs(10**30)
    with pytest.raises(UsageError, match="too large"):
        log.run(10**30)


def test_a_run_log_on_read_only_storage_is_read_without_writing(path: Path) -> None:
    with RunLog.open(path) as log:
        start(log)
    with read_only_folder(path.parent):
        readonly = RunLog.open_readonly(path)
        assert readonly is not None
        with readonly:
            assert [run.id for run in readonly.runs()] == [1]


def test_read_only_access_changes_nothing_and_finds_no_run_log_where_there_is_none(
    path: Path,
) -> None:
    assert RunLog.open_readonly(path) is None
    path.parent.mkdir(parents=True)
    path.touch()
    assert RunLog.open_readonly(path) is None
    assert path.read_bytes() == b""
    assert sorted(p.name for p in path.parent.iterdir()) == ["runs.sqlite"]


def test_a_version_1_run_log_is_lifted_keeping_its_runs_and_ids(path: Path) -> None:
    from crm_accounts.runlog import _SCHEMA_V1

    path.parent.mkdir(parents=True)
    with closing(sqlite3.connect(path, isolation_level=None)) as db:
        for statement in _SCHEMA_V1:
            db.execute(statement)
        db.execute(f"PRAGMA application_id = {APPLICATION_ID}")
        db.execute("PRAGMA user_version = 1")
        db.execute(
            "INSERT INTO runs (id, command, started_at, as_of, config_hash, status, pid, host)"
            " VALUES (7, 'sync', '2026-11-27T02:00:00+00:00', '2026-11-27', 'c', 'ok', 1, 'h')"
        )
        db.execute("INSERT INTO history_runs (run_id, as_of) VALUES (7, '2026-11-27')")
    with RunLog.open(path) as log:
        new = start(log)
        log.finish_run(new, ended_at=T0, status="interrupted", counts={})
        assert [(run.id, run.status) for run in log.runs()] == [(8, "interrupted"), (7, "ok")]
        assert log.previous_history_run() == (7, AS_OF)


def test_a_link_planted_at_the_run_log_path_is_refused_and_its_target_untouched(
    path: Path, tmp_path: Path
) -> None:
    victim = tmp_path / "victim.db"
    victim.write_bytes(b"")
    path.parent.mkdir(parents=True)
    path.symlink_to(victim)
    with pytest.raises(UsageError, match="symbolic link"):
        RunLog.open(path)
    assert victim.read_bytes() == b""


def test_created_task_ids_are_kept_with_their_outcome_and_replaced_by_what_a_sync_read(
    log: RunLog,
) -> None:
    run = start(log)
    log.record_outcomes(
        run,
        [
            Outcome("task_create", "kam1-a", True, "meets", crm_id="27000000001"),
            Outcome("task_create", "kam1-b", False, "meets", "refused"),
            Outcome("task_close", "kam1-old", True, "not needed"),
        ],
    )
    assert log.known_tasks() == {"kam1-a": "27000000001"}
    log.replace_tasks({"kam1-c": "27000000003"})
    assert log.known_tasks() == {"kam1-c": "27000000003"}


def test_a_version_1_run_log_gains_the_task_table_and_keeps_its_runs(path: Path) -> None:
    with RunLog.open(path) as old:
        start(old)
    with closing(sqlite3.connect(path)) as db:
        db.execute("DROP TABLE tasks")
        db.execute("PRAGMA user_version = 1")
        db.commit()
    with RunLog.open(path) as migrated:
        assert len(migrated.runs()) == 1
        assert migrated.known_tasks() == {}
