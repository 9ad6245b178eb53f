"""A connector made of a source and a writer: every port method forwards to one of them.

The Salesforce and HubSpot connectors each pair a reading half with a writing half that share
state; this class holds the forwarding once, so a CRM connector adds only its construction,
observability and extras. No I/O of its own.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date

from crm_accounts.domain import Activity, Contact, Member, Period, RevenueLine, TeamMember
from crm_accounts.ports import (
    AccountRecord,
    FieldUpdate,
    Source,
    TaskClose,
    TaskDraft,
    TaskRecord,
    TaskUpdate,
    Writer,
    WriteResult,
)

__all__ = ["ComposedConnector"]


class ComposedConnector:
    """Implements :class:`~crm_accounts.ports.Connector` by forwarding to ``source`` and
    ``writer`` (set by the subclass's ``__init__``)."""

    source: Source
    writer: Writer

    # -- Source -----------------------------------------------------------------------------------

    def accounts(self) -> Iterable[AccountRecord]:
        return self.source.accounts()

    def attribute_names(self) -> frozenset[str]:
        return self.source.attribute_names()

    def revenue_lines(self, period: Period) -> Iterable[RevenueLine]:
        return self.source.revenue_lines(period)

    def contacts(self) -> Iterable[Contact] | None:
        return self.source.contacts()

    def members(self) -> Iterable[Member]:
        return self.source.members()

    def team(self) -> Iterable[TeamMember] | None:
        return self.source.team()

    def activities(self, since: date, until: date) -> Iterable[Activity]:
        return self.source.activities(since, until)

    def open_tasks(self) -> Iterable[TaskRecord]:
        return self.source.open_tasks()

    def close(self) -> None:
        self.source.close()

    # -- Writer -----------------------------------------------------------------------------------

    def preflight(self, writes: Mapping[str, int]) -> None:
        self.writer.preflight(writes)

    def write_fields(self, updates: Sequence[FieldUpdate]) -> list[WriteResult]:
        return self.writer.write_fields(updates)

    def create_tasks(self, drafts: Sequence[TaskDraft]) -> list[WriteResult]:
        return self.writer.create_tasks(drafts)

    def update_tasks(self, updates: Sequence[TaskUpdate]) -> list[WriteResult]:
        return self.writer.update_tasks(updates)

    def close_tasks(self, closes: Sequence[TaskClose]) -> list[WriteResult]:
        return self.writer.close_tasks(closes)
