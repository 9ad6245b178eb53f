"""The connector port: what the services need from a CRM or a file source. No I/O here.

Two small protocols (and one optional), so a read-only source (a CSV export) is still a full source:

* :class:`Source` reads accounts (with attributes and the current values of the target fields),
  revenue lines, contacts with DMU roles, members, the account teams with PSU roles, activities,
  and the open tasks this product created earlier.
* :class:`Writer` writes target fields and creates, updates and closes tasks, returning one
  :class:`WriteResult` per record (a refused record is a result, never an exception).
* :class:`RecordLinks` (optional) gives the CRM page of an account, for links in reports.

Adapters map vendor payloads to these records; the services never see a vendor object. Large
collections are iterators so adapters can page lazily. :mod:`crm_accounts.memory` is the
in-memory implementation used by tests; ``tests/contract`` is the suite every connector passes.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from types import MappingProxyType
from typing import Protocol, runtime_checkable

import polars as pl

from .domain.frames import AccountFrame
from .domain.model import Account, Activity, Contact, Member, RevenueLine, TeamMember
from .domain.revenue import Period

__all__ = [
    "AccountRecord",
    "AccountTable",
    "Connector",
    "FieldUpdate",
    "RecordLinks",
    "RemembersTasks",
    "Source",
    "TargetField",
    "TaskClose",
    "TaskDraft",
    "TaskRecord",
    "TaskUpdate",
    "WriteResult",
    "Writer",
]

_EMPTY: Mapping[str, str] = MappingProxyType({})


class TargetField(StrEnum):
    """The account fields the product owns; connectors map them to CRM field names."""

    SEGMENT = "segment"
    REVENUE = "revenue"
    REVENUE_SHARE = "revenue_share"
    RATING_POSITION = "rating_position"
    RATING_POINTS = "rating_points"
    DMU_COVERAGE = "dmu_coverage"
    OPEN_GAPS = "open_gaps"
    COMPUTED_AT = "computed_at"


@dataclass(frozen=True, slots=True)
class AccountRecord:
    """An account as a source returns it, with the current values of the target fields."""

    account: Account
    targets: Mapping[str, str] = field(default_factory=lambda: _EMPTY)


@dataclass(frozen=True, slots=True)
class AccountTable:
    r"""Account records as frames, from a source that reads columns: the accounts for the method,
    and ``targets``, the target-field values (``id`` and one column per target field, null when
    empty). Iterating gives the :class:`AccountRecord`\ s."""

    accounts: AccountFrame
    targets: pl.DataFrame

    def __iter__(self) -> Iterator[AccountRecord]:
        found = self.target_values()
        for account in self.accounts:
            values = found.get(account.id)
            yield AccountRecord(account, values) if values else AccountRecord(account)

    def target_values(self) -> Mapping[str, Mapping[str, str]]:
        """The non-empty target-field values per account id (accounts without any are absent)."""
        names = [name for name in self.targets.columns if name != "id"]
        if not names:
            return {}
        rows = self.targets.filter(pl.any_horizontal(pl.col(names).is_not_null()))
        return {
            row[0]: {name: value for name, value in zip(names, row[1:], strict=True) if value}
            for row in rows.iter_rows()
        }


@dataclass(frozen=True, slots=True)
class TaskRecord:
    """An open task this product created earlier, as read back from the CRM."""

    id: str
    key: str
    account_id: str
    member_id: str
    contact_id: str
    due_date: date
    subject: str = ""
    description: str = ""


@dataclass(frozen=True, slots=True)
class TaskDraft:
    """A task to create; ``key`` is stored in the CRM record so reruns find it again."""

    key: str
    account_id: str
    member_id: str
    contact_id: str
    due_date: date
    subject: str
    description: str


@dataclass(frozen=True, slots=True)
class TaskUpdate:
    id: str
    key: str
    due_date: date
    subject: str
    description: str


@dataclass(frozen=True, slots=True)
class TaskClose:
    """Close an open task of ours; ``status`` ``None``: the status the CRM treats as closed
    (CSV: ``Deferred``; a CRM connector reads it from the CRM)."""

    id: str
    key: str
    status: str | None = None


@dataclass(frozen=True, slots=True)
class FieldUpdate:
    """New values for some target fields of one account; ``None`` clears a field."""

    account_id: str
    values: Mapping[str, str | None]


@dataclass(frozen=True, slots=True)
class WriteResult:
    """Outcome for one record: ``ref`` is the account id or task key it concerns."""

    ref: str
    ok: bool
    crm_id: str | None = None
    error: str | None = None


class Source(Protocol):
    """Reads what the method needs. ``contacts``/``team`` return ``None`` when absent."""

    def accounts(self) -> Iterable[AccountRecord]: ...

    def attribute_names(self) -> frozenset[str]: ...

    def revenue_lines(self, period: Period) -> Iterable[RevenueLine]:
        """At least the lines dated in ``period`` (more is allowed; the domain filters)."""
        ...

    def contacts(self) -> Iterable[Contact] | None: ...

    def members(self) -> Iterable[Member]: ...

    def team(self) -> Iterable[TeamMember] | None: ...

    def activities(self, since: date, until: date) -> Iterable[Activity]:
        """At least the activities dated ``since < date <= until``."""
        ...

    def open_tasks(self) -> Iterable[TaskRecord]:
        """Open tasks this product created (found by their stored key), no others."""
        ...

    def close(self) -> None:
        """End the read. A file source raises ``InputDataError`` listing every bad record."""
        ...


class Writer(Protocol):
    """Writes the product's results; one result per input record, in input order."""

    def preflight(self, writes: Mapping[str, int]) -> None:
        """Called before any write with the records about to be written per kind (``fields``,
        ``create``, ``update``, ``close``). A CRM connector raises ``FatalConnectorError`` when
        the API allowance left (minus the configured reserve) cannot cover them."""
        ...

    def write_fields(self, updates: Sequence[FieldUpdate]) -> list[WriteResult]: ...

    def create_tasks(self, drafts: Sequence[TaskDraft]) -> list[WriteResult]: ...

    def update_tasks(self, updates: Sequence[TaskUpdate]) -> list[WriteResult]: ...

    def close_tasks(self, closes: Sequence[TaskClose]) -> list[WriteResult]: ...


@runtime_checkable
class RemembersTasks(Protocol):
    """A connector whose search lags behind writes (HubSpot) is told, before it reads, the CRM
    ids of the open tasks the run log knows (task key -> id), and reads those back by id."""

    def recall_tasks(self, known: Mapping[str, str]) -> None: ...


class Connector(Source, Writer, Protocol):
    """A CRM connector: reads and writes."""


@runtime_checkable
class RecordLinks(Protocol):
    """Optional: a connector that knows the web page of an account's CRM record (for reports)."""

    def record_url(self, account_id: str) -> str | None: ...
