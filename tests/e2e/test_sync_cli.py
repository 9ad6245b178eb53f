"""``sync``, ``plan`` and ``runs`` end to end on a CSV folder, as a scheduler runs them."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from crm_accounts import cli as cli_module
from crm_accounts.connectors.csv import CsvSource
from crm_accounts.memory import Faults, InMemoryConnector
from crm_accounts.services import compose

from .conftest import Cli

AS_OF = "2026-11-27"
FIELDS = ("kam_segment", "kam_revenue", "kam_computed_at")


@pytest.fixture
def demo(cli: Cli, tmp_path: Path) -> Path:
    out = tmp_path / "demo"
    from datetime import date

    from crm_accounts.connectors.demo import generate_demo

    generate_demo(out, as_of=date.fromisoformat(AS_OF), accounts=40)
    return out


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted((folder / "source").iterdir())}


def test_a_first_sync_writes_and_a_second_writes_nothing(cli: Cli, demo: Path) -> None:
    config = demo / "config.toml"
    planned = cli("plan", "--config", config, "--as-of", AS_OF, "--json")
    assert planned.returncode == 0, planned.stderr
    totals = json.loads(planned.stdout)["sync"]["totals"]
    assert totals["tasks_to_create"] > 0
    before = _snapshot(demo)
    assert before == _snapshot(demo), "plan writes nothing"

    first = cli("sync", "--config", config, "--as-of", AS_OF)
    after_first = _snapshot(demo)
    second = cli("sync", "--config", config, "--as-of", AS_OF)

    assert first.returncode == 0, first.stderr
    assert f"{totals['tasks_to_create']} to create" in first.stdout
    assert second.returncode == 0, second.stderr
    assert "nothing written" in second.stdout
    assert _snapshot(demo) == after_first
    header = after_first["accounts.csv"].decode().splitlines()[0]
    assert all(name in header for name in FIELDS)
    original_header = before["accounts.csv"].decode().splitlines()[0]
    assert header.startswith(original_header), "columns are appended, never reordered"
    runs = cli("runs", "--config", config)
    assert runs.returncode == 0, runs.stderr
    assert len(runs.stdout.strip().splitlines()) == 2


def test_plan_after_a_sync_says_nothing_would_change(cli: Cli, demo: Path) -> None:
    config = demo / "config.toml"
    assert cli("sync", "--config", config, "--as-of", AS_OF).returncode == 0

    planned = cli("plan", "--config", config, "--as-of", AS_OF)

    assert planned.returncode == 0, planned.stderr
    assert "nothing: the CRM is up to date" in planned.stdout


def test_a_hand_edited_segment_is_overwritten_and_reported(cli: Cli, demo: Path) -> None:
    config = demo / "config.toml"
    assert cli("sync", "--config", config, "--as-of", AS_OF).returncode == 0
    accounts = demo / "source" / "accounts.csv"
    lines = accounts.read_text(encoding="utf-8").splitlines(keepends=True)
    header = lines[1 - 1].rstrip("\n").split(",")
    column = header.index("kam_segment")
    row = lines[1].rstrip("\n").split(",")
    human = "C" if row[column] != "C" else "B"
    row[column] = human
    lines[1] = ",".join(row) + "\n"
    accounts.write_text("".join(lines), encoding="utf-8")

    again = cli("sync", "--config", config, "--as-of", AS_OF)

    assert again.returncode == 0, again.stderr
    assert "overwrites a manual edit" in again.stdout
    assert "1 manual edits overwritten" in again.stdout


def _lock_file(demo: Path) -> Path:
    return demo / "crm-accounts-runs.sqlite.lock"


HOLD_SOURCE = """
import sys, time
from pathlib import Path
from crm_accounts.runlock import OsLock
with OsLock(Path(sys.argv[1]) / ".crm-accounts.lock", "the CSV folder"):
    print("holding", flush=True)
    time.sleep(60)
"""


def test_a_second_run_on_the_same_csv_folder_with_another_run_log_exits_3_naming_the_holder(
    cli: Cli, demo: Path, tmp_path: Path
) -> None:
    source = demo / "source"
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_SOURCE, str(source)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "holding"
        refused = cli("sync", "--source", source, "--as-of", AS_OF,
                      "--run-log", tmp_path / "other-runs.sqlite")  # fmt: skip
    finally:
        holder.kill()
        holder.communicate(timeout=60)

    assert refused.returncode == 3, refused.stderr
    assert f"pid {holder.pid}" in refused.stderr
    assert str(source) in refused.stderr
    assert "Traceback" not in refused.stderr
    assert "kam_segment" not in (source / "accounts.csv").read_text()
    assert not (source / "tasks.csv").exists()


def test_a_lock_file_left_by_a_killed_run_naming_a_live_pid_does_not_block(
    cli: Cli, demo: Path
) -> None:
    """The lock is the operating system's: a pid reused by another program blocks nothing."""
    unrelated = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        _lock_file(demo).write_text(
            json.dumps({"pid": unrelated.pid, "host": socket.gethostname(),
                        "started_at": datetime.now(UTC).isoformat()})
        )  # fmt: skip
        run = cli("sync", "--config", demo / "config.toml", "--as-of", AS_OF)
    finally:
        unrelated.kill()
        unrelated.wait()

    assert run.returncode == 0, run.stderr
    assert "kam_segment" in (demo / "source" / "accounts.csv").read_text()


def test_json_logs_parse_and_never_show_a_secret_from_the_environment(
    cli: Cli, demo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    secret = "hunter2-very-secret-token"
    monkeypatch.setenv("CRM_ACCOUNTS_SALESFORCE_PASSWORD", secret)
    run_log = tmp_path / secret / "runs.sqlite"  # the secret reaches a logged path

    run = cli("sync", "--config", demo / "config.toml", "--as-of", AS_OF,
              "--log-format", "json", "--run-log", run_log)  # fmt: skip

    assert run.returncode == 0, run.stderr
    events = [json.loads(line) for line in run.stderr.splitlines() if line.strip()]
    assert {"run_started", "run_finished"} <= {event["event"] for event in events}
    assert secret not in run.stderr
    assert secret not in run.stdout


def test_failed_records_end_the_run_with_exit_1_and_are_listed(
    cli: Cli,
    demo: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # The composition root is where a connector is chosen; here it hands out a CRM that
    # refuses one account, so the CLI's partial-failure path runs for real.
    source = CsvSource(demo / "source")
    records = list(source.accounts())
    crm = InMemoryConnector(account_list=[r.account for r in records])
    source.close()
    victim = records[0].account.id
    crm.faults = Faults(reject=frozenset({victim}))
    monkeypatch.setattr(compose, "open_connector", lambda *a, **k: crm)
    monkeypatch.setattr(
        sys, "argv", ["crm-accounts", "sync", "--source", str(demo / "source"), "--as-of", AS_OF,
                      "--run-log", str(tmp_path / "runs.sqlite")]
    )  # fmt: skip

    with pytest.raises(SystemExit) as exited:
        cli_module.main()

    assert exited.value.code == 1
    out = capsys.readouterr().out
    assert f"failed: field {victim}: rejected by fault injection" in out
    assert "1 failed" in out
    shown = cli("runs", "show", "1", "--run-log", tmp_path / "runs.sqlite")
    assert shown.returncode == 0, shown.stderr
    assert "partial" in shown.stdout
    assert f"field {victim}: rejected by fault injection" in shown.stdout
