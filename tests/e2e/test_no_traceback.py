"""Odd arguments, file-system states and signals from issue 13: each ends with exit code 2 or 3
and one message naming what is wrong, never a traceback, and nothing written on exit 2."""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import Cli

FIXTURE = Path(__file__).parent / "fixtures" / "small"
AS_OF = "2025-11-29"


@pytest.fixture
def source(tmp_path: Path) -> Path:
    folder = tmp_path / "source"
    shutil.copytree(FIXTURE / "source", folder)
    return folder


def refused(run: subprocess.CompletedProcess[str], code: int, *fragments: str) -> None:
    assert run.returncode == code, (run.returncode, run.stdout, run.stderr)
    assert "Traceback" not in run.stderr + run.stdout
    for fragment in fragments:
        assert fragment in run.stderr, run.stderr


def test_demo_into_a_path_that_is_a_file_exits_2(cli: Cli, tmp_path: Path) -> None:
    target = tmp_path / "a-file"
    target.write_text("mine")
    refused(cli("demo", "--out", target), 2, "is not a folder")
    assert target.read_text() == "mine"


@pytest.mark.parametrize("number", ["99999999999999999999999", "9223372036854775808"])
def test_runs_with_a_huge_limit_or_id_exits_2(cli: Cli, source: Path, number: str) -> None:
    assert cli("sync", "--source", source, "--as-of", AS_OF).returncode == 0
    run_log = source / "crm-accounts-runs.sqlite"
    refused(cli("runs", "--limit", number, "--run-log", run_log), 2, "too large")
    refused(cli("runs", "show", number, "--run-log", run_log), 2, "too large")


def test_an_export_name_longer_than_the_file_system_allows_exits_2_before_writing(
    cli: Cli, source: Path, tmp_path: Path
) -> None:
    before = (source / "accounts.csv").read_bytes()
    long = tmp_path / ("x" * 300)
    refused(cli("sync", "--source", source, "--as-of", AS_OF, "--export", long), 2, "--export")
    assert (source / "accounts.csv").read_bytes() == before


def test_an_export_folder_under_a_file_exits_2_before_the_source_is_written(
    cli: Cli, source: Path, tmp_path: Path
) -> None:
    blocker = tmp_path / "blocker"
    blocker.write_text("")
    before = (source / "accounts.csv").read_bytes()
    run = cli("sync", "--source", source, "--as-of", AS_OF, "--export", blocker / "out")
    refused(run, 2, "--export")
    assert (source / "accounts.csv").read_bytes() == before
    assert not (source / "tasks.csv").exists()


def test_deeply_nested_toml_exits_2_naming_the_file(cli: Cli, tmp_path: Path) -> None:
    config = tmp_path / "deep.toml"
    config.write_text("x = " + "[" * 100_000 + "]" * 100_000 + "\n")
    refused(cli("plan", "--config", config), 2, str(config))


def test_a_run_log_that_is_a_folder_exits_2(cli: Cli, source: Path, tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text(f'[source]\npath = "{source}"\n[sync]\nrun_log = "."\n')
    refused(cli("sync", "--config", config, "--as-of", AS_OF), 2, "is a folder")
    assert "kam_segment" not in (source / "accounts.csv").read_text()


def test_a_newline_in_a_member_name_gives_a_one_line_calendar_name(
    cli: Cli, source: Path, tmp_path: Path
) -> None:
    members = source / "members.csv"
    lines = members.read_text().splitlines()
    first = lines[1].split(",")
    first[1] = '"Ann\nSmith"'
    lines[1] = ",".join(first)
    members.write_text("\n".join(lines) + "\n")
    out = tmp_path / "report"
    run = cli("report", "--source", source, "--as-of", AS_OF, "--out", out)
    assert run.returncode == 0, run.stderr
    texts = [path.read_text() for path in (out / "agendas").glob("*.ics")]
    assert any("X-WR-CALNAME:Key-account contacts: Ann Smith" in text for text in texts)


def test_a_damaged_run_log_exits_2_naming_it_and_the_remedy(cli: Cli, source: Path) -> None:
    run_log = source / "crm-accounts-runs.sqlite"
    assert cli("sync", "--source", source, "--as-of", AS_OF).returncode == 0
    data = bytearray(run_log.read_bytes())
    data[100:4096] = b"\xff" * (4096 - 100)  # the schema page
    run_log.write_bytes(bytes(data))
    for args in (("sync", "--source", source), ("plan", "--source", source)):
        run = cli(*args, "--as-of", AS_OF)
        refused(run, 2, str(run_log), "move it aside")
    refused(cli("runs", "--run-log", run_log), 2, "move it aside")


def test_json_log_mode_keeps_the_final_error_line_json(cli: Cli, source: Path) -> None:
    (source / "accounts.csv").write_text("id,name\n,\n")
    run = cli("sync", "--source", source, "--as-of", AS_OF, "--log-format", "json")
    assert run.returncode == 2
    lines = [json.loads(line) for line in run.stderr.splitlines()]
    assert lines[-1]["level"] == "error"
    assert lines[-1]["exit_code"] == 2
    assert "accounts.csv" in lines[-1]["message"]


@pytest.mark.parametrize(("signum", "code", "words"), [
    (signal.SIGTERM, 143, "stopped by SIGTERM"),
    (signal.SIGINT, 130, "interrupted (Ctrl-C)"),
])  # fmt: skip
def test_a_signal_during_a_sync_is_reported_and_the_run_logged_as_interrupted(
    source: Path, signum: int, code: int, words: str
) -> None:
    run_log = source / "crm-accounts-runs.sqlite"
    # The child stops itself right after the run is recorded: the signal lands mid-run.
    script = (
        "import os, signal, sys\n"
        "from crm_accounts import cli\n"
        "from crm_accounts.runlog import RunLog\n"
        "start = RunLog.start_run\n"
        "def started(self, **kw):\n"
        "    run_id = start(self, **kw)\n"
        f"    os.kill(os.getpid(), {int(signum)})\n"
        "    return run_id\n"
        "RunLog.start_run = started\n"
        "sys.argv = ['crm-accounts', *sys.argv[1:]]\n"
        "cli.main()\n"
    )
    run = subprocess.run(
        [sys.executable, "-c", script, "sync", "--source", str(source), "--as-of", AS_OF,
         "--log-format", "json"],
        capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    assert run.returncode == code, run.stderr
    lines = [json.loads(line) for line in run.stderr.splitlines()]
    assert words in lines[-1]["message"]
    listing = subprocess.run(
        [sys.executable, "-m", "crm_accounts", "runs", "--run-log", str(run_log)],
        capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    assert "interrupted" in listing.stdout, listing.stdout
    assert "kam_segment" not in (source / "accounts.csv").read_text()


def test_a_run_refused_for_bad_data_leaves_no_export_or_report_folder(
    cli: Cli, source: Path, tmp_path: Path
) -> None:
    (source / "accounts.csv").write_text("id,name\n,\n")
    out = tmp_path / "new" / "deeper"
    run = cli("sync", "--source", source, "--as-of", AS_OF, "--export", out / "export",
              "--report", out / "report")  # fmt: skip
    refused(run, 2, "accounts.csv")
    assert not (tmp_path / "new").exists()
