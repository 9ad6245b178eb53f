"""An in-memory connector: the port's fake for tests and for embedding. No I/O.

It behaves like a small CRM: ids are assigned on create, tasks the product did not create are
invisible to :meth:`open_tasks` and refused by update and close, unknown accounts are refused per
record.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from itertools import count

from .domain.model import Account, Activity, Contact, Member, RevenueLine, TeamMember
from .domain.revenue import Period
from .errors import FatalConnectorError
from .ports import (
    AccountRecord,
    FieldUpdate,
    TargetField,
    TaskClose,
    TaskDraft,
    TaskRecord,
    TaskUpdate,
    WriteResult,
)

__all__ = ["Faults", "InMemoryConnector", "SimulatedCrash", "StoredTask"]

_TARGETS = frozenset(TargetField)


class SimulatedCrash(BaseException):
    """The process dies here. A ``BaseException`` so no ``except Exception`` can swallow it."""


@dataclass
class Faults:
    """Injectable faults for tests of partial failure and crash recovery.

    Attributes:
        reject: record refs (account ids, task keys) the fake CRM refuses, per record.
        crash_after_writes: after this many records were written, the next write kills the
            process (raises :class:`SimulatedCrash`); ``None`` never crashes.
        delay: seconds each write call takes, spent through ``sleep`` (inject a fake clock).
        budget: records the fake API allowance still covers; ``preflight`` refuses more.
    """

    reject: frozenset[str] = frozenset()
    crash_after_writes: int | None = None
    delay: float = 0.0
    sleep: Callable[[float], None] = time.sleep
    budget: int | None = None
    writes: int = 0
    calls: Counter[str] = field(default_factory=Counter)

    def call(self, name: str) -> None:
        self.calls[name] += 1
        if self.delay:
            self.sleep(self.delay)

    def refuses(self, ref: str) -> str | None:
        """Kill the process when due; an error message when ``ref`` is to be refused."""
        if self.crash_after_writes is not None and self.writes >= self.crash_after_writes:
            raise SimulatedCrash(f"killed after {self.writes} writes")
        if ref in self.reject:
            return "rejected by fault injection"
        self.writes += 1
        return None


@dataclass(slots=True)
class StoredTask:
    record: TaskRecord
    status: str = "Open"
    owned: bool = True


@dataclass
class InMemoryConnector:
    """Holds every collection in lists; implements both ``Source`` and ``Writer``."""

    account_list: list[Account] = field(default_factory=list)
    revenue: list[RevenueLine] = field(default_factory=list)
    contact_list: list[Contact] | None = None
    member_list: list[Member] = field(default_factory=list)
    team_list: list[TeamMember] | None = None
    activity_list: list[Activity] = field(default_factory=list)
    targets: dict[str, dict[str, str]] = field(default_factory=dict)
    tasks: dict[str, StoredTask] = field(default_factory=dict)
    faults: Faults = field(default_factory=Faults)
    _ids: Iterator[int] = field(default_factory=lambda: count(1), repr=False)
    _account_ids: set[str] = field(default_factory=set, repr=False)

    def accounts(self) -> Iterable[AccountRecord]:
        return [AccountRecord(a, dict(self.targets.get(a.id, {}))) for a in self.account_list]

    def attribute_names(self) -> frozenset[str]:
        return frozenset(name for a in self.account_list for name in a.attributes)

    def revenue_lines(self, period: Period) -> Iterable[RevenueLine]:
        return [line for line in self.revenue if line.date in period]

    def contacts(self) -> Iterable[Contact] | None:
        return self.contact_list

    def members(self) -> Iterable[Member]:
        return self.member_list

    def team(self) -> Iterable[TeamMember] | None:
        return self.team_list

    def activities(self, since: date, until: date) -> Iterable[Activity]:
        return [a for a in self.activity_list if since < a.date <= until]

    def open_tasks(self) -> Iterable[TaskRecord]:
        return [t.record for t in self.tasks.values() if t.owned and t.status == "Open"]

    def close(self) -> None:
        return None

    def _known_account(self, account_id: str) -> bool:
        if len(self._account_ids) != len(self.account_list):
            self._account_ids = {a.id for a in self.account_list}
        return account_id in self._account_ids

    def preflight(self, writes: Mapping[str, int]) -> None:
        if self.faults.budget is not None and sum(writes.values()) > self.faults.budget:
            raise FatalConnectorError(
                f"{sum(writes.values())} writes planned, the fake CRM allows {self.faults.budget}"
            )

    def write_fields(self, updates: Sequence[FieldUpdate]) -> list[WriteResult]:
        self.faults.call("write_fields")
        results = []
        for update in updates:
            unknown = sorted(set(update.values) - _TARGETS)
            refused = self.faults.refuses(update.account_id)
            if refused:
                results.append(WriteResult(update.account_id, False, error=refused))
            elif not self._known_account(update.account_id):
                results.append(WriteResult(update.account_id, False, error="unknown account"))
            elif unknown:
                error = f"not a target field: {', '.join(unknown)}"
                results.append(WriteResult(update.account_id, False, error=error))
            else:
                stored = self.targets.setdefault(update.account_id, {})
                for name, value in update.values.items():
                    if value is None:
                        stored.pop(name, None)
                    else:
                        stored[name] = value
                results.append(WriteResult(update.account_id, True, crm_id=update.account_id))
        return results

    def create_tasks(self, drafts: Sequence[TaskDraft]) -> list[WriteResult]:
        self.faults.call("create_tasks")
        results = []
        for draft in drafts:
            refused = self.faults.refuses(draft.key)
            if refused:
                results.append(WriteResult(draft.key, False, error=refused))
                continue
            if not self._known_account(draft.account_id):
                results.append(WriteResult(draft.key, False, error="unknown account"))
                continue
            task_id = f"T{next(self._ids):06d}"
            while task_id in self.tasks:  # tasks loaded into the fake keep their ids
                task_id = f"T{next(self._ids):06d}"
            self.tasks[task_id] = StoredTask(
                TaskRecord(
                    task_id,
                    draft.key,
                    draft.account_id,
                    draft.member_id,
                    draft.contact_id,
                    draft.due_date,
                    draft.subject,
                    draft.description,
                )
            )
            results.append(WriteResult(draft.key, True, crm_id=task_id))
        return results

    def _owned_open(self, task_id: str) -> StoredTask | None:
        task = self.tasks.get(task_id)
        return task if task is not None and task.owned and task.status == "Open" else None

    def update_tasks(self, updates: Sequence[TaskUpdate]) -> list[WriteResult]:
        self.faults.call("update_tasks")
        results = []
        for update in updates:
            refused = self.faults.refuses(update.key)
            if refused:
                results.append(WriteResult(update.key, False, error=refused))
                continue
            task = self._owned_open(update.id)
            if task is None:
                results.append(WriteResult(update.key, False, error="no open task of ours"))
                continue
            task.record = replace(
                task.record,
                due_date=update.due_date,
                subject=update.subject,
                description=update.description,
            )
            results.append(WriteResult(update.key, True, crm_id=update.id))
        return results

    def close_tasks(self, closes: Sequence[TaskClose]) -> list[WriteResult]:
        self.faults.call("close_tasks")
        results = []
        for close in closes:
            refused = self.faults.refuses(close.key)
            if refused:
                results.append(WriteResult(close.key, False, error=refused))
                continue
            task = self._owned_open(close.id)
            if task is None:
                results.append(WriteResult(close.key, False, error="no open task of ours"))
                continue
            task.status = close.status or "Deferred"
            results.append(WriteResult(close.key, True, crm_id=close.id))
        return results
