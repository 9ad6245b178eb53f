"""The demo command end to end, and ``plan --json`` agreeing with the exported files."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from .conftest import Cli

AS_OF = "2026-11-27"
SMALL = Path(__file__).parent / "fixtures" / "small"


RESULT_FILES = (
    "segments.csv", "ratings.csv", "gaps.csv", "plan.csv", "whitespace.csv",
    "role_suggestions.csv", "summary.json",
)  # fmt: skip


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_demo_writes_data_config_and_results_and_says_where(cli: Cli, tmp_path: Path) -> None:
    out = tmp_path / "demo"

    run = cli("demo", "--out", out, "--as-of", AS_OF)

    assert run.returncode == 0, run.stderr
    for name in RESULT_FILES:
        assert (out / "results" / name).is_file()
        assert str(out / "results" / name) in run.stdout.replace("\n", "")
    assert str(out / "config.toml") in run.stdout
    # it ends with where the report, the workbook and the agendas are
    last = run.stdout.strip().splitlines()[-3:]
    assert last[0].split() == ["Report:", str(out / "report" / "report.html")]
    assert last[1].split() == ["Workbook:", str(out / "report" / "report.xlsx")]
    assert last[2].startswith(f"Agendas:          {out / 'report' / 'agendas'} (")
    assert (out / "report" / "report.html").is_file()
    assert (out / "report" / "report.xlsx").is_file()
    assert list((out / "report" / "agendas").glob("*.ics"))
    assert "of customers make 80% of revenue" in run.stdout
    summary = json.loads((out / "results" / "summary.json").read_text())
    assert summary["customers"] > 100
    assert _rows(out / "results" / "plan.csv"), "the demo must plan contacts"
    assert {row["code"] for row in _rows(out / "results" / "gaps.csv")} == {
        "dmu_role_missing", "psu_role_missing", "contact_never", "contact_overdue",
        "single_threaded", "gatekeeper_only",
    }  # fmt: skip


def test_plan_on_the_demo_config_reproduces_the_demo_results(cli: Cli, tmp_path: Path) -> None:
    out = tmp_path / "demo"
    assert cli("demo", "--out", out, "--as-of", AS_OF).returncode == 0

    again = tmp_path / "again"
    run = cli("plan", "--config", out / "config.toml", "--as-of", AS_OF, "--export", again)

    assert run.returncode == 0, run.stderr
    for name in RESULT_FILES:
        assert (again / name).read_bytes() == (out / "results" / name).read_bytes(), name


def test_plan_json_holds_the_same_values_as_the_exported_files(cli: Cli, tmp_path: Path) -> None:
    out = tmp_path / "out"
    args = ("plan", "--config", SMALL / "config.toml", "--as-of", "2025-11-29")

    exported = cli(*args, "--export", out)
    printed = cli(*args, "--json")

    assert exported.returncode == printed.returncode == 0
    document = json.loads(printed.stdout)
    assert document["summary"] == json.loads((out / "summary.json").read_text())
    for table in ("segments", "ratings", "gaps", "plan", "whitespace", "role_suggestions"):
        assert document[table] == _rows(out / f"{table}.csv"), table


def test_plan_prints_the_readable_summary_without_a_terminal(cli: Cli) -> None:
    run = cli("plan", "--config", SMALL / "config.toml", "--as-of", "2025-11-29")

    assert run.returncode == 0, run.stderr
    for heading in (
        "the four questions per group",
        "customer rating",
        "gaps by code",
        "Planned contacts per member and week",
        "Unscheduled",
    ):
        assert heading in run.stdout
    assert "\x1b[" not in run.stdout, "no terminal escape codes when piped"
