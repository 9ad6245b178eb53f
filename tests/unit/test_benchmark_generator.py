"""The benchmark data generator (benchmarks/generate.py): valid CSV input at the asked size, with
the promised shape, and the same files for the same seed. Never times anything."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest

from benchmarks.generate import AS_OF, generate, read_meta
from crm_accounts.connectors.csv import CsvSource
from crm_accounts.domain.method import run_method
from crm_accounts.domain.model import Segment
from crm_accounts.domain.revenue import Period
from crm_accounts.domain.settings import MethodSettings
from crm_accounts.services.run import gather

ACCOUNTS = 400


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("bench") / "source"
    generate(out, ACCOUNTS, seed=3)
    return out


def test_the_folder_reads_without_a_single_input_problem(folder: Path) -> None:
    gathered = gather(CsvSource(folder), MethodSettings(), AS_OF)  # raises on any problem

    assert len(gathered.data.accounts) == ACCOUNTS
    assert gathered.data.contacts is not None
    assert gathered.data.team is not None


def test_rows_per_account_are_close_to_the_promised_averages(folder: Path) -> None:
    source = CsvSource(folder)
    accounts = len(list(source.accounts()))
    revenue = len(list(source.revenue_lines(Period.ending(AS_OF, 12))))
    contacts = len(list(source.contacts() or ()))
    activities = len(list(source.activities(AS_OF - timedelta(days=400), AS_OF)))
    source.close()

    assert accounts == ACCOUNTS
    assert 8 <= revenue / accounts <= 12
    assert 4 <= contacts / accounts <= 6
    assert 18 <= activities / accounts <= 22


def test_the_meta_file_counts_the_rows_written(folder: Path) -> None:
    meta = read_meta(folder)

    assert meta is not None
    for name, rows in meta["rows"].items():
        with (folder / f"{name}.csv").open(encoding="utf-8") as handle:
            assert sum(1 for _ in handle) - 1 == rows, name


def test_revenue_is_long_tailed_so_every_segment_is_populated(folder: Path) -> None:
    settings = MethodSettings()
    gathered = gather(CsvSource(folder), settings, AS_OF)

    result = run_method(gathered.data, settings, AS_OF)

    counts = Counter(customer.segment for customer in result.segmentation.customers)
    assert 0 < counts[Segment.A] < counts[Segment.C]
    assert counts[Segment.B] > 0
    assert result.segmentation.no_revenue  # prospects
    assert result.plan


def test_the_same_seed_gives_the_same_files(folder: Path, tmp_path: Path) -> None:
    again = tmp_path / "again"
    generate(again, ACCOUNTS, seed=3)

    for name in ("accounts", "revenue", "contacts", "members", "team", "activities"):
        assert (again / f"{name}.csv").read_bytes() == (folder / f"{name}.csv").read_bytes()


def test_fewer_than_one_account_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="at least 1"):
        generate(tmp_path, 0)
