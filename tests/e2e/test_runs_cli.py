"""``runs`` finds the run log the way ``sync`` does (CONTRACTS.md): ``--run-log``, else the
config's ``run_log``, else beside the ``--source`` folder's data, else the current folder."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from crm_accounts.connectors.demo import generate_demo

from .conftest import Cli

AS_OF = "2026-11-27"


@pytest.fixture
def source(tmp_path: Path) -> Path:
    return generate_demo(tmp_path / "demo", as_of=date.fromisoformat(AS_OF), accounts=20).source_dir


def _elsewhere(tmp_path: Path, name: str) -> Path:
    folder = tmp_path / name
    folder.mkdir()
    return folder


def test_runs_source_lists_the_runs_of_sync_source_from_any_working_folder(
    cli: Cli, source: Path, tmp_path: Path
) -> None:
    synced = cli("sync", "--source", source, "--as-of", AS_OF, cwd=_elsewhere(tmp_path, "a"))
    assert synced.returncode == 0, synced.stderr

    listed = cli("runs", "--source", source, cwd=_elsewhere(tmp_path, "b"))
    relative = cli("runs", "--source", source.name, cwd=source.parent)
    shown = cli("runs", "show", "1", "--source", source, cwd=tmp_path / "b")
    shown_too = cli("runs", "--source", source, "show", "1", cwd=tmp_path / "b")

    assert listed.returncode == 0, listed.stderr
    (line,) = listed.stdout.strip().splitlines()
    assert f"as of {AS_OF}" in line
    assert "ok" in line
    assert relative.stdout == listed.stdout
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.startswith(f"Run 1 (sync) as of {AS_OF}: ok")
    assert shown_too.stdout == shown.stdout
    assert not (tmp_path / "a" / "crm-accounts-runs.sqlite").exists()
    assert not (tmp_path / "b" / "crm-accounts-runs.sqlite").exists()


def test_runs_source_uses_the_configuration_from_the_environment_as_sync_does(
    cli: Cli, source: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "settings" / "crm-accounts.toml"
    config.parent.mkdir()
    config.write_text('[sync]\nrun_log = "state/runs.sqlite"\n', encoding="utf-8")
    monkeypatch.setenv("CRM_ACCOUNTS_CONFIG", str(config))
    assert cli("sync", "--source", source, "--as-of", AS_OF).returncode == 0

    listed = cli("runs", "--source", source)

    assert listed.returncode == 0, listed.stderr
    assert len(listed.stdout.strip().splitlines()) == 1
    assert (config.parent / "state" / "runs.sqlite").is_file()
    assert not (source / "crm-accounts-runs.sqlite").exists()


@pytest.mark.parametrize(
    ("arguments", "named"),
    [
        ("runs --config {config} --source {source}", "--config and --source"),
        ("runs --source {source} --run-log {log}", "--source and --run-log"),
        ("runs show 1 --config {config} --run-log {log}", "--config and --run-log"),
        ("runs --config {config} show 1 --source {source}", "--config and --source"),
    ],
)
def test_runs_refuses_two_ways_of_naming_the_run_log_with_exit_2(
    cli: Cli, source: Path, tmp_path: Path, arguments: str, named: str
) -> None:
    given = {"config": source.parent / "config.toml", "source": source,
             "log": tmp_path / "runs.sqlite"}  # fmt: skip

    refused = cli(*(word.format(**given) for word in arguments.split()))

    assert refused.returncode == 2
    assert refused.stdout == ""
    assert named in refused.stderr
    assert "give only one of --config FILE, --source DIR and --run-log FILE" in refused.stderr
    assert "Traceback" not in refused.stderr
    assert not (tmp_path / "runs.sqlite").exists()


def test_runs_source_without_a_sync_says_where_it_looked(
    cli: Cli, source: Path, tmp_path: Path
) -> None:
    refused = cli("runs", "--source", source, cwd=_elsewhere(tmp_path, "b"))

    assert refused.returncode == 2
    assert f"no run log at {source / 'crm-accounts-runs.sqlite'}" in refused.stderr
    assert not (source / "crm-accounts-runs.sqlite").exists()


def test_plan_after_sync_source_counts_movements_from_the_same_run_log(
    cli: Cli, source: Path, tmp_path: Path
) -> None:
    assert cli("sync", "--source", source, "--as-of", "2026-06-01").returncode == 0

    planned = cli("plan", "--source", source, "--as-of", AS_OF, "--json",
                  cwd=_elsewhere(tmp_path, "b"))  # fmt: skip
    reported = cli("report", "--source", source, "--as-of", AS_OF, "--out", tmp_path / "report",
                   cwd=tmp_path / "b")  # fmt: skip

    assert planned.returncode == 0, planned.stderr
    assert reported.returncode == 0, reported.stderr
    assert '"movements": [\n    {' in planned.stdout, "a sync half a year earlier: some moved"
