"""A small CRM world for sync tests: demo data loaded into the in-memory connector."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from crm_accounts.connectors.csv import CsvSource
from crm_accounts.connectors.demo import generate_demo
from crm_accounts.domain import MethodSettings, Period
from crm_accounts.memory import InMemoryConnector, StoredTask
from crm_accounts.ports import TaskRecord
from crm_accounts.runlog import RunLog
from crm_accounts.sync import SyncOptions, SyncReport, run_sync

AS_OF = date(2026, 11, 27)
SETTINGS = MethodSettings()
FOREIGN_TASK = TaskRecord("X-1", "", "acc-0001", "m-01", "con-00001", AS_OF, "Lunch", "by hand")


def load_world(folder: Path, accounts: int = 24) -> InMemoryConnector:
    """Demo data of ``accounts`` accounts as an in-memory CRM with one task nobody planned."""
    demo = generate_demo(folder, as_of=AS_OF, accounts=accounts)
    source = CsvSource(demo.source_dir)
    records = list(source.accounts())
    world = InMemoryConnector(
        account_list=[r.account for r in records],
        revenue=list(source.revenue_lines(_everything())),
        contact_list=list(source.contacts() or ()),
        member_list=list(source.members()),
        team_list=list(source.team() or ()),
        activity_list=list(source.activities(date.min, date.max)),
    )
    source.close()
    world.tasks["X-1"] = StoredTask(FOREIGN_TASK, owned=False)
    return world


def _everything() -> Period:
    return Period(date.min, date.max, 12)


def fixed_clock(
    moment: datetime = datetime(2026, 11, 27, 6, 0, tzinfo=UTC),
) -> Callable[[], datetime]:
    return lambda: moment


@dataclass(frozen=True)
class CrmState:
    """What a user sees in the CRM: target fields and tasks (CRM ids left out)."""

    fields: dict[str, dict[str, str]]
    tasks: list[tuple[str, ...]]


def crm_state(world: InMemoryConnector) -> CrmState:
    tasks = sorted(
        (t.record.key, t.record.account_id, t.record.member_id, t.record.contact_id,
         str(t.record.due_date), t.status, t.record.subject, t.record.description,
         str(t.owned))
        for t in world.tasks.values()
    )  # fmt: skip
    return CrmState({k: dict(v) for k, v in world.targets.items() if v}, tasks)


def sync(
    world: InMemoryConnector,
    run_log_path: Path,
    as_of: date = AS_OF,
    options: SyncOptions | None = None,
) -> SyncReport:
    with RunLog.open(run_log_path) as run_log:
        return run_sync(
            world, SETTINGS, options or SyncOptions(), as_of, run_log,
            config_hash="test", now=fixed_clock(),
        )  # fmt: skip
