"""The CSV source's aggregating paths give what the per-row port gives: revenue.csv read in a
child process (the same summary, the same problems in the same order; a failing child is
replaced by reading here), and activities handed to the domain's ``HistoryBuilder``."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from crm_accounts.connectors.csv import CsvSource
from crm_accounts.connectors.csv.background import PendingRevenue, fork_available
from crm_accounts.connectors.csv.files import Problems
from crm_accounts.domain.contact_plan import HistoryBuilder, summarize_activities
from crm_accounts.domain.revenue import Period, RevenueSummary
from crm_accounts.domain.settings import MethodSettings
from crm_accounts.errors import InputDataError, InputProblem
from crm_accounts.services.run import Gathered, gather

from .test_csv_source import AS_OF, folder_with

ACTIVITIES = (
    "id,account_id,contact_id,member_id,date,type,status\n"
    "t1,a1,c1,m1,2025-10-01,call,completed\n"
    "t2,a1,c1,m1,2025-10-03,call,Completed\n"
    "t3,a1,c1,m1,2025-10-09,call,planned\n"
    "t4,a2,c2,m2,2024-11-29,call,\n"
    "t5,a2,c2,m2,2024-11-30,call,\n"
    "t6,a2,c2,m9,2025-11-30,call,\n"
    "t7,zz,c2,m2,2025-11-01,call,\n"
    "t8,a2,,m2,2025-11-01,call,\n"
    "t9,a2,c2,m2,1.11.2025,call,\n"
    "t10,a1,c1,m2,2025-11-29,call,done\n"
)


def test_activities_handed_to_the_builder_give_the_history_of_the_records(
    tmp_path: Path,
) -> None:
    folder = folder_with(tmp_path, activities=ACTIVITIES)
    since = AS_OF - timedelta(days=365)
    by_row, by_record = CsvSource(folder), CsvSource(folder)
    builder = HistoryBuilder(AS_OF, 365)
    by_row.add_activities(since, AS_OF, builder.add)
    expected = summarize_activities(by_record.activities(since, AS_OF), AS_OF, 365)
    assert builder.history() == expected
    assert expected.last
    assert by_row.problems.items == by_record.problems.items
    assert len(by_row.problems.items) == 3


needs_fork = pytest.mark.skipif(not fork_available(), reason="no fork or a single CPU here")

BAD_EVERYWHERE = {
    "accounts": "id,name\na1,Alfa\na1,Again\n,Nameless\na2,Bravo\n",
    "revenue": (
        "account_id,date,amount,margin,product\n"
        "a1,2025-01-15,250.00,200.00,P1\n"
        "zz,2025-01-15,1,,\n"
        "a2,15.1.2025,1e3,x,\n"
        "a2,2025-02-01,100.5,,P2\n"
    ),
    "contacts": "id,account_id,name,dmu_roles\nc1,a1,Ada,decider\nc1,a1,Ada,boss\n",
    "members": "id,name,capacity_per_week\nm1,Anna,lots\n",
    "team": "account_id,member_id,psu_roles\na1,m9,account_manager\n",
    "activities": "account_id,contact_id,member_id,date\na1,c1,m1,yesterday\n",
}


@pytest.fixture
def forks(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[int]]:
    """Count the children forked during the test (they are forked as usual); a test that reads
    in a child must have forked one, or it proves nothing."""
    born: list[int] = []
    real = os.fork

    def counting() -> int:
        pid = real()
        if pid:
            born.append(pid)
        return pid

    monkeypatch.setattr(os, "fork", counting)
    yield born
    assert born, "no child was forked: the reading in a child was not tested"


def _gather(folder: Path, background: bool) -> Gathered | list[InputProblem]:
    try:
        return gather(CsvSource(folder, background=background), MethodSettings(), AS_OF)
    except InputDataError as exc:
        return list(exc.problems)


@needs_fork
def test_problems_of_a_child_read_come_in_file_order(tmp_path: Path, forks: list[int]) -> None:
    folder = folder_with(tmp_path, **BAD_EVERYWHERE)
    in_turn = _gather(folder, background=False)
    in_child = _gather(folder, background=True)
    assert isinstance(in_turn, list)
    assert [Path(p.file).name for p in in_turn].count("revenue.csv") >= 3
    assert in_child == in_turn


@needs_fork
def test_summary_of_a_child_read_equals_the_summary_read_in_turn(
    tmp_path: Path, forks: list[int]
) -> None:
    folder = folder_with(tmp_path)
    in_turn = _gather(folder, background=False)
    in_child = _gather(folder, background=True)
    assert isinstance(in_turn, Gathered)
    assert isinstance(in_child, Gathered)
    assert in_child.data.revenue == in_turn.data.revenue
    assert in_child.data == in_turn.data


@needs_fork
def test_a_missing_revenue_file_is_reported_from_the_child(
    tmp_path: Path, forks: list[int]
) -> None:
    folder = folder_with(tmp_path, revenue=None)
    assert _gather(folder, background=True) == _gather(folder, background=False)


def _summary(problems: Problems) -> RevenueSummary:
    problems.add("revenue.csv", 7, f"read by {os.getpid()}")
    period = Period.ending(AS_OF, 12)
    return RevenueSummary(period, {}, {}, {}, has_margins=False, has_products=False)


@needs_fork
def test_the_child_does_the_work_and_sends_its_problems() -> None:
    pending = PendingRevenue.start(_summary)
    assert pending is not None
    summary, problems = pending.result()
    assert summary.revenue == {}
    assert [p.message for p in problems] != [f"read by {os.getpid()}"]
    assert [p.line for p in problems] == [7]


@needs_fork
def test_a_failing_child_is_replaced_by_reading_here() -> None:
    parent = os.getpid()

    def work(problems: Problems) -> RevenueSummary:
        if os.getpid() != parent:
            raise RuntimeError("the child fails")
        return _summary(problems)

    pending = PendingRevenue.start(work)
    assert pending is not None
    _, problems = pending.result()
    assert [p.message for p in problems] == [f"read by {parent}"]


@needs_fork
def test_a_cancelled_child_is_killed_and_reaped() -> None:
    def slow(problems: Problems) -> RevenueSummary:
        time.sleep(60)
        return _summary(problems)

    pending = PendingRevenue.start(slow)
    assert pending is not None
    pid = pending._pid
    assert pid is not None
    started = time.monotonic()
    pending.cancel()
    assert time.monotonic() - started < 5
    with pytest.raises(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)
