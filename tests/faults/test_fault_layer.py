"""The fault layer: what an operator does to a nightly job, tried against the real command.

Kills at random write positions (``kill -9`` in the middle of a file rewrite), two runs at once on
one source with different run logs, a full disk (``RLIMIT_FSIZE``), a damaged run log, links
planted where the old writer put its temporary files. After every fault: no traceback, the files
still read, nothing people own in accounts.csv is lost, no task is duplicated, and a plain rerun
completes. Seeds are fixed, so every run tries the same faults; the tally feeds
docs/operations.md.
"""

from __future__ import annotations

import random
import resource
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.readonly import read_only_folder

from .conftest import AS_OF, TIMEOUT, Tally, crm, intact, leftovers, open_task_keys, people_data

KILL_TRIALS = 10
CONCURRENT_TRIALS = 5
DISK_LIMITS = (4_096, 32_768, 65_536, 131_072, 262_144)
DAMAGE_TRIALS = 6
EDIT_TRIALS = 8

#: A person saving accounts.csv the way spreadsheet programs do (a new file renamed over the
#: old one) after ``delay`` seconds, renaming account ``account`` to ``name``.
EDITOR = """
import csv, io, os, sys, time
path, account, name, delay = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])
time.sleep(delay)
with open(path, encoding="utf-8", newline="") as handle:
    rows = list(csv.reader(handle))
for row in rows[1:]:
    if row and row[0] == account:
        row[1] = name
out = io.StringIO()
csv.writer(out, lineterminator="\\n").writerows(rows)
with open(path + ".saving", "w", encoding="utf-8", newline="") as handle:
    handle.write(out.getvalue())
os.replace(path + ".saving", path)
"""

#: Runs the CLI and kills itself with SIGKILL once ``budget`` bytes went into files it writes.
KILLER = """
import os, signal, sys
from crm_accounts import cli, safefile
from crm_accounts.connectors.csv import records
budget = int(sys.argv[1])
written = 0
real = safefile.write_atomically

class Counting:
    def __init__(self, handle):
        self.handle = handle
    def write(self, data):
        global written
        room = budget - written
        if len(data) >= room:
            self.handle.write(data[:max(room, 0)])
            self.handle.flush()
            os.kill(os.getpid(), signal.SIGKILL)
        written += len(data)
        return self.handle.write(data)
    def __getattr__(self, name):
        return getattr(self.handle, name)

def counted(path, write, **kwargs):
    return real(path, lambda handle: write(Counting(handle)), **kwargs)

safefile.write_atomically = counted
records.write_atomically = counted
sys.argv = ["crm-accounts", *sys.argv[2:]]
cli.main()
"""


def _sync(source: Path, *extra: str | Path) -> list[str | Path]:
    return ["sync", "--source", source, "--as-of", AS_OF, *extra]


def no_traceback(run: subprocess.CompletedProcess[str]) -> bool:
    return "Traceback" not in run.stderr + run.stdout


def test_kill_at_random_write_positions_loses_nothing_and_a_rerun_completes(
    source: Path, tally: Tally
) -> None:
    pristine = source.with_name("pristine-copy")
    subprocess.run(["cp", "-r", str(source), str(pristine)], check=True)
    before = people_data(source)
    total = 2 * (source / "accounts.csv").stat().st_size + 60_000  # accounts.csv + tasks.csv
    rng = random.Random(13)
    kills = 0
    for trial in range(KILL_TRIALS):
        subprocess.run(["rm", "-rf", str(source)], check=True)
        subprocess.run(["cp", "-r", str(pristine), str(source)], check=True)
        budget = rng.randrange(1, total)
        killed = subprocess.run(
            [sys.executable, "-c", KILLER, str(budget), *map(str, _sync(source))],
            capture_output=True, text=True, timeout=TIMEOUT, check=False,
        )  # fmt: skip
        kills += killed.returncode == -signal.SIGKILL
        if killed.returncode == -signal.SIGKILL:
            tally.note("kill -9: runs killed in the middle of a file write")
        held, lost = intact(source, before)
        rerun = crm(*_sync(source))
        again = crm(*_sync(source))
        survived = (
            held
            and no_traceback(killed)
            and rerun.returncode == 0
            and again.returncode == 0
            and "Nothing to change" in again.stdout
            and intact(source, before)[0]
            and leftovers(source) == []
        )
        tally.record("kill -9 at a random write position", survived, lost)
        assert survived, (trial, budget, killed.returncode, killed.stderr, rerun.stderr)
    assert kills >= KILL_TRIALS // 2, f"only {kills} runs were killed mid-write"


def test_two_syncs_on_one_folder_with_different_run_logs_never_tear_or_duplicate(
    source: Path, tmp_path: Path, tally: Tally
) -> None:
    before = people_data(source)
    for trial in range(CONCURRENT_TRIALS):
        logs = [tmp_path / f"nightly-{trial}.sqlite", tmp_path / f"manual-{trial}.sqlite"]
        as_of = f"2026-11-{20 + trial}"  # every trial has something to write
        command = [sys.executable, "-m", "crm_accounts", "sync", "--source", str(source)]
        runs = [
            subprocess.Popen(
                [*command, "--as-of", as_of, "--run-log", str(log)],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for log in logs
        ]
        outputs = [run.communicate(timeout=TIMEOUT) for run in runs]
        codes = sorted(run.returncode for run in runs)
        held, lost = intact(source, before)
        busy = [err for (_, err), run in zip(outputs, runs, strict=True) if run.returncode == 3]
        survived = (
            held
            and codes in ([0, 0], [0, 3])
            and all("Traceback" not in err for _, err in outputs)
            and all("another crm-accounts run" in err for err in busy)
        )
        tally.record("two syncs at once on one CSV folder", survived, lost)
        if codes == [0, 3]:
            tally.note("two syncs at once: the second found the source locked (exit 3)")
        assert survived, (trial, codes, outputs)
    keys = open_task_keys(source)
    assert keys, "the syncs created no task: nothing was tested"
    assert len(keys) == len(set(keys))


def _limit_file_size(limit: int) -> None:
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write beyond the limit fails with EFBIG
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))


@pytest.mark.parametrize("limit", DISK_LIMITS)
def test_a_full_disk_exits_3_with_nothing_lost_and_a_rerun_completes(
    source: Path, tmp_path: Path, tally: Tally, limit: int
) -> None:
    before = people_data(source)
    export = tmp_path / "export"
    full = subprocess.run(
        [sys.executable, "-m", "crm_accounts", *map(str, _sync(source, "--export", export))],
        capture_output=True, text=True, timeout=TIMEOUT, check=False,
        preexec_fn=lambda: _limit_file_size(limit),
    )  # fmt: skip
    held, lost = intact(source, before)
    rerun = crm(*_sync(source, "--export", export))
    survived = (
        held
        and no_traceback(full)
        and full.returncode in (0, 3)
        and rerun.returncode == 0
        and leftovers(source) == []
        and leftovers(export) == []
    )
    tally.record("disk full (file size limit)", survived, lost)
    if full.returncode == 3:
        tally.note("disk full: runs stopped by it (exit 3)")
    assert survived, (full.returncode, full.stderr, rerun.stderr)


def test_a_damaged_run_log_exits_2_or_runs_and_never_touches_the_source_on_exit_2(
    source: Path, tally: Tally
) -> None:
    run_log = source / "crm-accounts-runs.sqlite"
    assert crm(*_sync(source)).returncode == 0
    good = run_log.read_bytes()
    rng = random.Random(7)
    for trial in range(DAMAGE_TRIALS):
        damaged = bytearray(good)
        start = rng.randrange(0, max(len(damaged) - 1, 1))
        damaged[start : start + rng.randrange(16, 4096)] = rng.randbytes(4096)[: len(damaged)]
        if trial % 4 == 3:
            damaged = damaged[: rng.randrange(0, len(damaged))]  # cut short
        run_log.write_bytes(bytes(damaged))
        for suffix in ("-wal", "-shm"):
            Path(str(run_log) + suffix).unlink(missing_ok=True)
        accounts = (source / "accounts.csv").read_bytes()
        runs = [crm(*_sync(source, "--as-of", "2026-11-28")), crm("runs", "--run-log", run_log)]
        survived = all(no_traceback(run) and run.returncode in (0, 2) for run in runs) and (
            runs[0].returncode != 2 or (source / "accounts.csv").read_bytes() == accounts
        )
        tally.record("damaged run log", survived)
        if runs[0].returncode == 2:
            tally.note("damaged run log: syncs refused (exit 2)")
        assert survived, (trial, [(r.returncode, r.stderr) for r in runs])
        run_log.write_bytes(good)


@pytest.mark.parametrize(
    "planted",
    [
        "source/accounts.csv.partial",
        "source/tasks.csv.partial",
        "export/segments.csv.partial",
        "export/summary.json.partial",
        "report/report.html.partial",
        "report/report.xlsx.partial",
    ],
)
def test_a_link_planted_where_temporary_files_were_written_is_never_followed(
    source: Path, tmp_path: Path, tally: Tally, planted: str
) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    link = tmp_path / planted
    link.parent.mkdir(parents=True, exist_ok=True)
    link.symlink_to(victim)
    run = crm(*_sync(source, "--export", tmp_path / "export", "--report", tmp_path / "report"))
    survived = run.returncode == 0 and victim.read_text() == "precious" and no_traceback(run)
    tally.record("link planted at a temporary name", survived)
    assert survived, run.stderr


def test_a_link_planted_as_the_lock_file_is_refused_and_never_followed(
    source: Path, tmp_path: Path, tally: Tally
) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    (source / ".crm-accounts.lock").symlink_to(victim)
    accounts = (source / "accounts.csv").read_bytes()
    run = crm(*_sync(source))
    survived = (
        run.returncode == 2
        and "symbolic link" in run.stderr
        and victim.read_text() == "precious"
        and (source / "accounts.csv").read_bytes() == accounts
    )
    tally.record("link planted as the lock file", survived)
    assert survived, run.stderr


def test_read_only_output_folders_stop_the_run_before_the_source_is_written(
    source: Path, tmp_path: Path, tally: Tally
) -> None:
    folder = tmp_path / "readonly"
    folder.mkdir()
    with read_only_folder(folder):
        accounts = (source / "accounts.csv").read_bytes()
        runs = [crm(*_sync(source, option, folder)) for option in ("--export", "--report")]
        survived = (
            all(
                run.returncode == 2 and "cannot be written" in run.stderr and no_traceback(run)
                for run in runs
            )
            and (source / "accounts.csv").read_bytes() == accounts
        )
        tally.record("read-only output folder", survived)
        assert survived, [run.stderr for run in runs]


def test_an_edit_saved_while_a_sync_runs_is_never_lost(source: Path, tally: Tally) -> None:
    """Whenever the person saves (before the sync reads, while it writes, after it is done),
    their edit is in accounts.csv afterwards; a sync that finds the file changed stops with
    exit 3 and the next run completes."""
    accounts = source / "accounts.csv"
    ids = list(people_data(source))
    rng = random.Random(31)
    for trial in range(EDIT_TRIALS):
        account, name = rng.choice(ids), f"Edited in trial {trial}"
        as_of = f"2026-11-{10 + trial}"  # every trial has something to write
        sync = subprocess.Popen(
            [sys.executable, "-m", "crm_accounts", "sync", "--source", str(source),
             "--as-of", as_of],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        editor = subprocess.run(
            [sys.executable, "-c", EDITOR, str(accounts), account, name,
             str(rng.uniform(0.0, 1.5))],
            capture_output=True, text=True, timeout=TIMEOUT, check=False,
        )  # fmt: skip
        _, err = sync.communicate(timeout=TIMEOUT)
        kept = people_data(source)[account]["name"] == name
        rerun = crm("sync", "--source", source, "--as-of", as_of)
        survived = (
            editor.returncode == 0
            and kept
            and sync.returncode in (0, 3)
            and "Traceback" not in err
            and rerun.returncode == 0
            and people_data(source)[account]["name"] == name
            and leftovers(source) == []
        )
        tally.record("a person saves accounts.csv while a sync runs", survived, int(not kept))
        if sync.returncode == 3:
            tally.note("edit during a sync: the sync refused to overwrite it (exit 3)")
        assert survived, (trial, sync.returncode, err, editor.stderr, rerun.stderr)
