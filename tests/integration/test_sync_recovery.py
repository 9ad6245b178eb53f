"""Sync against the in-memory CRM with injected faults: reruns converge, nothing duplicates."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest

from crm_accounts.memory import Faults, InMemoryConnector, SimulatedCrash
from crm_accounts.sync import SyncOptions, SyncReport

from .sync_world import AS_OF, FOREIGN_TASK, CrmState, crm_state, load_world, sync

LATER = AS_OF + timedelta(days=16)


@pytest.fixture(scope="module")
def demo_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("world")


def _world(folder: Path) -> InMemoryConnector:
    return load_world(folder)


def _open_keys(world: InMemoryConnector) -> Counter[str]:
    return Counter(t.key for t in world.open_tasks())


def _reference(folder: Path, tmp: Path) -> tuple[CrmState, CrmState, int, int]:
    """Uninterrupted runs: first sync at AS_OF, second at LATER; states and write counts."""
    world = _world(folder)
    first = sync(world, tmp / "ref.sqlite")
    after_first = crm_state(world)
    second = sync(world, tmp / "ref.sqlite", LATER)
    return after_first, crm_state(world), len(first.applied.outcomes), len(second.applied.outcomes)


def test_a_first_sync_writes_fields_and_tasks_and_a_rerun_writes_nothing(tmp_path: Path) -> None:
    world = load_world(tmp_path / "world")

    first = sync(world, tmp_path / "runs.sqlite")
    writes_after_first = world.faults.writes
    second = sync(world, tmp_path / "runs.sqlite")

    assert first.plan.create
    assert first.plan.field_updates()
    assert not first.applied.failures
    assert second.plan.writes == 0
    assert world.faults.writes == writes_after_first
    assert set(world.faults.calls) == {"write_fields", "create_tasks"}  # nothing on the rerun


def test_a_sync_with_its_run_log_deleted_creates_no_duplicate_task(tmp_path: Path) -> None:
    world = load_world(tmp_path / "world")
    sync(world, tmp_path / "runs.sqlite")
    (tmp_path / "runs.sqlite").unlink()

    again = sync(world, tmp_path / "fresh.sqlite")

    assert again.plan.create == ()
    assert again.plan.writes == 0
    assert max(_open_keys(world).values()) == 1


def test_tasks_and_fields_the_product_does_not_own_stay_untouched(tmp_path: Path) -> None:
    world = load_world(tmp_path / "world")
    accounts_before = list(world.account_list)

    sync(world, tmp_path / "runs.sqlite")
    sync(world, tmp_path / "runs.sqlite", LATER)

    foreign = world.tasks["X-1"]
    assert (foreign.record, foreign.status, foreign.owned) == (FOREIGN_TASK, "Open", False)
    assert world.account_list == accounts_before
    assert "" not in _open_keys(world)


def test_a_rejected_record_fails_alone_and_the_next_run_retries_it(tmp_path: Path) -> None:
    world = load_world(tmp_path / "world")
    reference = load_world(tmp_path / "reference")
    sync(reference, tmp_path / "ref.sqlite")
    victim_account = sorted(reference.targets)[0]
    victim_task = sorted(t.key for t in reference.open_tasks())[0]
    world.faults = Faults(reject=frozenset({victim_account, victim_task}))

    failed = sync(world, tmp_path / "runs.sqlite")

    assert {f.ref for f in failed.applied.failures} == {victim_account, victim_task}
    assert failed.status == "partial"
    world.faults = Faults()
    retried = sync(world, tmp_path / "runs.sqlite")
    assert {o.ref for o in retried.applied.outcomes} == {victim_account, victim_task}
    assert crm_state(world) == crm_state(reference)


def _first_sync_writes(tmp_path_factory: pytest.TempPathFactory) -> int:
    folder = tmp_path_factory.mktemp("count")
    return len(sync(_world(folder), folder / "count.sqlite").applied.outcomes)


def test_a_crash_after_every_write_position_is_repaired_by_a_rerun(
    demo_folder: Path, tmp_path: Path
) -> None:
    """For every K: kill the first sync after K writes, rerun, compare with an uninterrupted run;
    then the same for the second sync (reschedules and closes), at every position."""
    after_first, after_second, first_writes, second_writes = _reference(demo_folder, tmp_path)
    assert first_writes > 10, "the world must exercise every write kind"
    assert second_writes > 3

    for phase, writes in (("first", first_writes), ("second", second_writes)):
        for k in range(writes + 1):
            world = _world(demo_folder)
            log = tmp_path / f"{phase}-{k}.sqlite"
            if phase == "second":
                sync(world, log)
            as_of = AS_OF if phase == "first" else LATER
            world.faults = Faults(crash_after_writes=k)
            if k < writes:
                with pytest.raises(SimulatedCrash):
                    sync(world, log, as_of)
            else:
                sync(world, log, as_of)
            world.faults = Faults()
            sync(world, log, as_of)

            expected = after_first if phase == "first" else after_second
            assert crm_state(world) == expected, f"{phase} sync killed after {k} writes"
            assert max(_open_keys(world).values()) == 1, f"duplicate task ({phase}, {k})"


def _an_a_account(report: SyncReport) -> str:
    return next(a for a, s in sorted(report.result.segments.items()) if s.value == "A")


def test_a_manual_edit_is_overwritten_and_reported_by_default(tmp_path: Path) -> None:
    world = load_world(tmp_path / "world")
    top = _an_a_account(sync(world, tmp_path / "runs.sqlite"))
    world.targets[top]["segment"] = "C"  # a sales manager disagrees

    report = sync(world, tmp_path / "runs.sqlite")

    [change] = [a for a in report.plan.accounts if a.account_id == top]
    assert [(c.field, c.old, c.new, c.manual_edit) for c in change.changes] == [
        ("segment", "C", "A", True)
    ]
    assert world.targets[top]["segment"] == "A"


def test_a_manual_edit_is_kept_as_a_conflict_when_overwriting_is_off(tmp_path: Path) -> None:
    world = load_world(tmp_path / "world")
    top = _an_a_account(sync(world, tmp_path / "runs.sqlite"))
    world.targets[top]["segment"] = "C"
    keep = SyncOptions(overwrite_manual_edits=False)

    report = sync(world, tmp_path / "runs.sqlite", options=keep)
    again = sync(world, tmp_path / "runs.sqlite", options=keep)

    [change] = [a for a in report.plan.accounts if a.account_id == top]
    assert change.changes == ()
    assert [(c.field, c.old, c.new) for c in change.conflicts] == [("segment", "C", "A")]
    assert world.targets[top]["segment"] == "C"
    assert again.plan.totals()["conflicts_kept"] == 1
    assert again.plan.writes == 0


def test_slow_calls_are_waited_for_and_every_write_call_is_counted(tmp_path: Path) -> None:
    world = load_world(tmp_path / "world")
    waited: list[float] = []
    world.faults = Faults(delay=0.05, sleep=waited.append)

    report = sync(world, tmp_path / "runs.sqlite")

    assert not report.applied.failures
    assert waited == [0.05] * sum(world.faults.calls.values())
    assert world.faults.calls == {"write_fields": 1, "create_tasks": 1}


def test_the_run_log_tells_which_accounts_moved_since_the_last_run(tmp_path: Path) -> None:
    from decimal import Decimal

    from crm_accounts.domain import RevenueLine
    from crm_accounts.runlog import RunLog
    from crm_accounts.sync.report import movements

    world = load_world(tmp_path / "world")
    first = sync(world, tmp_path / "runs.sqlite")
    small = next(a for a, s in sorted(first.result.segments.items()) if s.value == "C")
    world.revenue.append(RevenueLine(small, AS_OF, Decimal("10000000")))  # a huge order

    second = sync(world, tmp_path / "runs.sqlite")
    with RunLog.open(tmp_path / "runs.sqlite") as run_log:
        previous = run_log.previous_standing(before_run=second.run_id)

    moved = {m.account_id: m for m in movements(second.result, previous)}
    assert (moved[small].segment_before, moved[small].segment_now) == ("C", "A")
    assert moved[small].position_before is None
    assert world.targets[small]["segment"] == "A"


def test_a_sync_the_api_allowance_cannot_cover_writes_nothing(tmp_path: Path) -> None:
    from crm_accounts.errors import FatalConnectorError

    world = load_world(tmp_path / "world")
    world.faults = Faults(budget=3)

    with pytest.raises(FatalConnectorError, match="allows 3"):
        sync(world, tmp_path / "runs.sqlite")

    assert world.faults.writes == 0
    assert world.targets == {}
