"""The CLI on small folders whose expected tables were computed by hand (see each README)."""

from __future__ import annotations

import csv
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from .conftest import Cli

FIXTURES = Path(__file__).parent / "fixtures"
FOLDERS = sorted(p.name for p in FIXTURES.iterdir() if (p / "expected").is_dir())
RATIO_COLUMNS = {"revenue_share", "cumulative_share", "products_per_year", "dmu_coverage"}
DECIMAL_COLUMNS = {"revenue", "margin", "points"}
IGNORED_COLUMNS = {"key"}  # the task key format is the implementation's choice
TOLERANCE = Decimal("0.000001")


def _read(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        return list(reader.fieldnames or []), list(reader)


def _same_cell(column: str, actual: str, expected: str) -> bool:
    if column in IGNORED_COLUMNS:
        return True
    if not actual or not expected:
        return actual == expected
    if column in RATIO_COLUMNS:
        return abs(Decimal(actual) - Decimal(expected)) <= TOLERANCE
    if column in DECIMAL_COLUMNS or column.startswith("rank_"):
        return Decimal(actual) == Decimal(expected)
    return actual == expected


def _assert_table(actual_path: Path, expected_path: Path, *, ordered: bool) -> None:
    actual_columns, actual = _read(actual_path)
    expected_columns, expected = _read(expected_path)
    assert actual_columns == expected_columns, actual_path.name
    if not ordered:

        def key(row: dict[str, str]) -> tuple[str, ...]:
            return tuple(row[c] for c in expected_columns if c not in IGNORED_COLUMNS)

        actual, expected = sorted(actual, key=key), sorted(expected, key=key)
    assert len(actual) == len(expected), f"{actual_path.name}: row count"
    for number, (got, want) in enumerate(zip(actual, expected, strict=True), start=2):
        mismatched = {
            column: (got[column], want[column])
            for column in expected_columns
            if not _same_cell(column, got[column], want[column])
        }
        assert not mismatched, f"{actual_path.name} row {number} ({want}): {mismatched}"


def _assert_json(actual: Any, expected: Any, where: str) -> None:
    if isinstance(expected, dict):
        assert isinstance(actual, dict), where
        assert set(actual) == set(expected), where
        for key, value in expected.items():
            _assert_json(actual[key], value, f"{where}.{key}")
    elif isinstance(expected, float) or (isinstance(expected, int) and isinstance(actual, float)):
        assert isinstance(actual, int | float), where
        assert abs(Decimal(str(actual)) - Decimal(str(expected))) <= TOLERANCE, where
    elif isinstance(expected, str) and where.rsplit(".", 1)[-1] in {
        "total_revenue", "revenue", "avg_revenue", "margin"
    }:  # fmt: skip
        assert Decimal(actual) == Decimal(expected), where
    else:
        assert actual == expected, where


@pytest.mark.parametrize("folder", FOLDERS)
def test_plan_exports_the_hand_computed_tables(folder: str, cli: Cli, tmp_path: Path) -> None:
    fixture = FIXTURES / folder
    as_of = (fixture / "as_of.txt").read_text().strip()
    out = tmp_path / "out"

    run = cli("plan", "--config", fixture / "config.toml", "--as-of", as_of, "--export", out)

    assert run.returncode == 0, run.stderr
    expected = fixture / "expected"
    _assert_table(out / "segments.csv", expected / "segments.csv", ordered=True)
    _assert_table(out / "ratings.csv", expected / "ratings.csv", ordered=True)
    _assert_table(out / "gaps.csv", expected / "gaps.csv", ordered=False)
    _assert_table(out / "plan.csv", expected / "plan.csv", ordered=False)
    actual_summary = json.loads((out / "summary.json").read_text())
    expected_summary = json.loads((expected / "summary.json").read_text())
    warnings = expected_summary.pop("warnings")
    got_warnings = actual_summary.pop("warnings")
    _assert_json(actual_summary, expected_summary, "summary")
    assert len(got_warnings) == len(warnings)
    for account_id, field in warnings:
        assert any(account_id in w and field in w for w in got_warnings), (account_id, field)
