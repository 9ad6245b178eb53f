"""The read side of the Salesforce connector: the ``Source`` port over SOQL. Does I/O.

One query per collection, never one per account; records are mapped lazily page by page
(``QueryPages``). When the first page reports more rows than ``bulk_query_threshold``
(``totalSize``, the number of records the query returns: "Query",
https://developer.salesforce.com/docs/platform/api-rest/guide/resources-query.html) the rows are
read through a Bulk API 2.0 query job instead; that check costs no extra call, unlike a
``SELECT COUNT()`` first.

Records that cannot be mapped (an opportunity without a close date, a user with a negative
capacity) are skipped, counted and logged; :meth:`SalesforceSource.close` logs the totals, and
the counts of picklist values no role map knows.

What is read (field names from ``[salesforce]``):

* accounts: Id, Name, OwnerId, the attribute fields, the integration-stage field and the target
  fields (their current values, for the diff);
* revenue: closed-won Opportunities (or OpportunityLineItems) with ``start < CloseDate <= end``;
* contacts: active AccountContactRelations with Contact fields, or Contacts with a role field;
* members: the active Users referenced as account owner or team member;
* team: AccountTeamMembers; an account's owner becomes its account manager when no team row of
  that account maps to ``account_manager`` (only when the owner is an active user);
* activities: Tasks and Events with a contact (``WhoId`` a Contact, not a Lead) in the window,
  archived ones included (``queryAll``); a task counts as a contact moment when it is closed and
  the product did not close it (:mod:`.tasks`); group-event children are not read;
* open tasks: Tasks not closed that carry a live key (key field, or Description marker).

What the org itself has is read once through :class:`~.org.OrgFacts`: whether it is
multi-currency (amounts then read with ``convertCurrency()``), whether it has person accounts
(left out: a consumer is not a key account, and nothing of theirs is read), the Task Status
values (a configured closing status must be closed in this org), and, for role maps set in the
file, the picklist values they must name. AccountTeamMember may be switched off in an org: then
account owners are the only team (a warning says so).
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any, TypeVar

from crm_accounts.config import SalesforceSection
from crm_accounts.domain.model import (
    Activity,
    Contact,
    DmuRole,
    Member,
    PsuRole,
    RevenueLine,
    TeamMember,
)
from crm_accounts.domain.revenue import Period
from crm_accounts.logs import log_event
from crm_accounts.ports import AccountRecord, TaskRecord
from crm_accounts.progress import SILENT, Progress, counted

from . import soql
from .bulk import BulkClient
from .http import LOGGER, ApiError, SalesforceHttp
from .mapping import (
    MappingError,
    RoleMap,
    account_from_record,
    activity_from_event,
    as_bool,
    as_text,
    contact_from_contact,
    contact_from_relation,
    member_from_user,
    revenue_line,
    value_at,
)
from .org import OrgFacts
from .tasks import activity_from_task, task_record

__all__ = ["SalesforceSource", "SharedState"]

_T = TypeVar("_T")
#: Skipped records logged one by one per kind; the rest only counted.
_LOGGED_PER_KIND = 20
#: Key prefix of Contact ids ("Standard Field Record ID Prefix Decoder", Salesforce Help,
#: https://help.salesforce.com/s/articleView?id=000385203&type=1): a WhoId may also be a Lead.
_CONTACT_PREFIX = "003"


@dataclass
class SharedState:
    """What the read side learns that the write side uses (one connector, one run)."""

    #: Account id -> owner id, once every account was read.
    owners: dict[str, str | None] | None = None
    #: Task id -> key of our open tasks, once they were read (kept current by the writer).
    open_tasks: dict[str, str] | None = None
    #: Task id -> Description without the marker (marker mode: closing rewrites the marker).
    descriptions: dict[str, str] = field(default_factory=dict)
    #: Person accounts: read, left out, and nothing of theirs used.
    excluded: set[str] = field(default_factory=set)


_FROM = re.compile(r"\sFROM\s+(\w+)")


def _object_of(query: str) -> str:
    """The object a SOQL query reads (field names are checked API names: no ``FROM`` there)."""
    found = _FROM.search(query)
    return found.group(1) if found else "Salesforce"


@dataclass
class _TeamRow:
    roles: set[PsuRole] = field(default_factory=set)
    pioneer: bool = False


class SalesforceSource:
    """Implements :class:`~crm_accounts.ports.Source` for one org."""

    def __init__(
        self,
        http: SalesforceHttp,
        bulk: BulkClient,
        section: SalesforceSection,
        fields: soql.QueryFields,
        state: SharedState,
        org: OrgFacts,
    ) -> None:
        self.http = http
        self.bulk = bulk
        self.section = section
        self.fields = fields
        self.state = state
        self.org = org
        self.batch_size = 2000
        self.skipped: Counter[str] = Counter()
        self.unknown_stages: Counter[str] = Counter()
        self.contact_roles = RoleMap(section.contact_roles, DmuRole)
        self.team_roles = RoleMap(section.team_roles, PsuRole)
        self._team_rows: dict[tuple[str, str], _TeamRow] | None = None
        self._users: dict[str, dict[str, Any]] | None = None
        self._pioneers = {p.strip().casefold() for p in section.pioneers if p.strip()}
        #: Told what each query reads, its ``totalSize`` and the rows so far.
        self.progress: Progress = SILENT

    # -- plumbing -----------------------------------------------------------------------------

    def records(self, query: str, *, all_rows: bool = False) -> Iterator[dict[str, Any]]:
        """The rows of ``query``: REST pages, or a Bulk API 2.0 job for large results;
        ``all_rows`` runs it as ``queryAll`` (archived activities included)."""
        pages = self.http.query(query, batch_size=self.batch_size, all_rows=all_rows)
        self.progress.begin(f"reading {_object_of(query)} records", pages.total_size)
        if pages.total_size > self.section.bulk_query_threshold and not pages.complete:
            log_event(
                LOGGER,
                "salesforce.bulk_switch",
                f"{pages.total_size} rows exceed bulk_query_threshold; using a Bulk API job",
                rows=pages.total_size,
            )
            yield from counted(self.bulk.query(query, all_rows=all_rows), self.progress)
            return
        yield from counted(pages, self.progress)

    def _mapped(
        self, kind: str, rows: Iterable[dict[str, Any]], fn: Callable[[dict[str, Any]], _T]
    ) -> Iterator[_T]:
        for row in rows:
            try:
                yield fn(row)
            except MappingError as exc:
                self._skip(kind, str(exc))

    def _skip(self, kind: str, reason: str) -> None:
        self.skipped[kind] += 1
        if self.skipped[kind] <= _LOGGED_PER_KIND:
            log_event(LOGGER, "salesforce.skipped", f"skipped {kind}: {reason}",
                      logging.WARNING, kind=kind)  # fmt: skip

    # -- accounts -------------------------------------------------------------------------------

    def accounts(self) -> Iterator[AccountRecord]:
        """Business accounts in id order (sorted here: ``ORDER BY`` would slow bulk queries)."""
        owners: dict[str, str | None] = {}
        interned: dict[str, str] = {}  # a few hundred owners for a million accounts
        person = self.org.person_accounts()
        found: list[AccountRecord] = []
        for row in self.records(soql.accounts_query(self.fields, person_accounts=person)):
            if person and as_bool(row.get("IsPersonAccount")):
                self.state.excluded.add(str(row.get("Id")))
                continue
            try:
                record, owner, stage = account_from_record(row, self.fields)
            except MappingError as exc:
                self._skip("account", str(exc))
                continue
            if stage is not None:
                self.unknown_stages[stage] += 1
            owners[record.account.id] = interned.setdefault(owner, owner) if owner else None
            found.append(record)
        if self.state.excluded:
            log_event(LOGGER, "salesforce.person_accounts",
                      f"{len(self.state.excluded)} person account(s) left out", logging.INFO,
                      count=len(self.state.excluded))  # fmt: skip
        self.state.owners = owners
        found.sort(key=lambda record: record.account.id)
        yield from found

    def attribute_names(self) -> frozenset[str]:
        """The configured attribute names (whether or not an account has a value)."""
        return frozenset(self.section.attributes)

    def _owners(self) -> dict[str, str | None]:
        if self.state.owners is None:
            owners: dict[str, str | None] = {}
            for row in self.records(soql.owners_query()):
                account_id = as_text(row.get("Id"))
                if account_id:
                    owners[account_id] = as_text(row.get("OwnerId"))
            self.state.owners = owners
        return self.state.owners

    # -- revenue, contacts --------------------------------------------------------------------

    def revenue_lines(self, period: Period) -> Iterator[RevenueLine]:
        query = soql.revenue_query(
            self.fields, self.section, period.start, period.end, money=self.org.multi_currency()
        )
        line_item = self.section.revenue_object == "line_item"
        excluded = self.state.excluded
        lines = self._mapped(
            "revenue line", self.records(query), lambda r: revenue_line(r, self.fields, line_item)
        )
        return (line for line in lines if line.account_id not in excluded)

    def contacts(self) -> Iterator[Contact]:
        query = soql.contacts_query(self.fields, self.section)
        if self.section.contact_roles_source == "contact_field":
            role_field = self.fields.contact_role
            assert role_field is not None
            self.org.check_role_values("contact_roles", "Contact", role_field)

            def from_contact(row: dict[str, Any]) -> Contact:
                return contact_from_contact(
                    row, self.contact_roles, role_field, self.fields.gatekeeper
                )

            return self._mapped("contact", self.records(query), from_contact)
        self.org.check_role_values("contact_roles", "AccountContactRelation", "Roles")
        return self._mapped(
            "contact",
            self.records(query),
            lambda r: contact_from_relation(r, self.contact_roles, self.fields.gatekeeper),
        )

    # -- members and team ---------------------------------------------------------------------

    def _read_team(self) -> dict[tuple[str, str], _TeamRow]:
        if self._team_rows is None:
            rows: dict[tuple[str, str], _TeamRow] = {}
            pioneer_field = self.fields.pioneer
            self.org.check_role_values("team_roles", "AccountTeamMember", "TeamMemberRole")
            for row in self._team_records():
                account_id, user_id = as_text(row.get("AccountId")), as_text(row.get("UserId"))
                if not account_id or not user_id:
                    self._skip("team member", f"{row.get('Id')!r}: AccountId or UserId is empty")
                    continue
                place = rows.setdefault((account_id, user_id), _TeamRow())
                place.roles |= self.team_roles.roles(row.get("TeamMemberRole"))
                if pioneer_field and as_bool(value_at(row, pioneer_field)):
                    place.pioneer = True
            self._team_rows = rows
        return self._team_rows

    def _team_records(self) -> Iterator[dict[str, Any]]:
        """AccountTeamMember rows; none when account teams are off in the org (the query is
        refused with ``INVALID_TYPE``: "sObject type ... is not supported")."""
        try:
            yield from self.records(soql.team_query(self.fields))
        except ApiError as exc:
            if exc.code != "INVALID_TYPE" or "AccountTeamMember" not in str(exc):
                raise
            log_event(LOGGER, "salesforce.no_account_teams",
                      "AccountTeamMember is not available in this org (Account Teams are off): "
                      "account owners are the only team members", logging.WARNING)  # fmt: skip

    def _read_users(self) -> dict[str, dict[str, Any]]:
        if self._users is None:
            wanted = {owner for owner in self._owners().values() if owner}
            wanted.update(user for _, user in self._read_team())
            users: dict[str, dict[str, Any]] = {}
            for chunk in soql.chunks(sorted(wanted)):
                for row in self.records(soql.users_query(self.fields, chunk)):
                    user_id = as_text(row.get("Id"))
                    if user_id:
                        users[user_id] = row
            self._users = users
        return self._users

    def members(self) -> Iterator[Member]:
        """The active users referenced as owner or team member."""
        users = self._read_users()
        return self._mapped(
            "user", users.values(), lambda r: member_from_user(r, self.fields.capacity)
        )

    def _is_pioneer(self, user_id: str) -> bool:
        if user_id.casefold() in self._pioneers:
            return True
        user = (self._users or {}).get(user_id) or {}
        email = as_text(user.get("Email"))
        if email and email.casefold() in self._pioneers:
            return True
        pioneer_field = self.fields.pioneer
        if pioneer_field and pioneer_field.startswith("User."):
            return as_bool(user.get(pioneer_field.removeprefix("User.")))
        return False

    def team(self) -> Iterator[TeamMember]:
        """Team rows of active users, plus the owner as account manager where none is."""
        rows = self._read_team()
        users = self._read_users()
        places: dict[tuple[str, str], _TeamRow] = {
            key: _TeamRow(set(place.roles), place.pioneer)
            for key, place in rows.items()
            if key[1] in users
        }
        managed = {
            account for (account, _), place in places.items()
            if PsuRole.ACCOUNT_MANAGER in place.roles
        }  # fmt: skip
        for account_id, owner in self._owners().items():
            if owner and owner in users and account_id not in managed:
                places.setdefault((account_id, owner), _TeamRow()).roles.add(
                    PsuRole.ACCOUNT_MANAGER
                )
        for (account_id, user_id), place in places.items():
            yield TeamMember(
                account_id,
                user_id,
                frozenset(place.roles),
                place.pioneer or self._is_pioneer(user_id),
            )

    # -- activities and tasks -----------------------------------------------------------------

    def activities(self, since: date, until: date) -> Iterator[Activity]:
        key_field = self.fields.task_key
        tasks, events = soql.activity_queries(since, until, key_field)
        shared = self._shared_contacts(since, until)
        yield from self._contact_activities(
            "task activity",
            self.records(tasks, all_rows=True),
            lambda r: activity_from_task(r, key_field),
            shared,
        )
        yield from self._contact_activities(
            "event activity", self.records(events, all_rows=True), activity_from_event, shared
        )

    def _shared_contacts(self, since: date, until: date) -> dict[str, set[str]]:
        """Activity id -> its further contacts, where Shared Activities is on (TaskRelation
        exists only then: elsewhere the query is refused with ``INVALID_TYPE`` and costs one
        call). Relations of archived activities are not read: their WhoId still counts."""
        tasks, events = soql.shared_contacts_queries(since, until)
        found: dict[str, set[str]] = {}
        try:
            rows = list(self.records(tasks))
        except ApiError as exc:
            if exc.code != "INVALID_TYPE":
                raise
            return found
        rows += list(self.records(events))
        for row in rows:
            activity = as_text(row.get("TaskId") or row.get("EventId"))
            contact = as_text(row.get("RelationId"))
            if activity and contact and contact.startswith(_CONTACT_PREFIX):
                found.setdefault(activity, set()).add(contact)
        return found

    def _contact_activities(
        self,
        kind: str,
        rows: Iterable[dict[str, Any]],
        fn: Callable[[dict[str, Any]], Activity],
        shared: dict[str, set[str]],
    ) -> Iterator[Activity]:
        """Activities with a contact, not a lead, on an account that is not left out; one per
        further contact of a shared activity."""
        excluded = self.state.excluded
        for row in rows:
            try:
                activity = fn(row)
            except MappingError as exc:
                self._skip(kind, str(exc))
                continue
            if activity.account_id in excluded:
                continue
            if activity.contact_id.startswith(_CONTACT_PREFIX):
                yield activity
            if not shared:  # Shared Activities off: no further contacts to look up
                continue
            for contact in sorted(shared.get(str(row.get("Id")), ())):
                if contact != activity.contact_id:
                    yield activity._replace(contact_id=contact)

    def open_tasks(self) -> Iterator[TaskRecord]:
        """Open tasks this product created (a live key in the key field or the marker)."""
        self.org.closing_status()  # a configured status the org does not close with: exit 2
        found: dict[str, str] = {}
        key_field = self.fields.task_key
        for row in self.records(soql.open_tasks_query(self.fields)):
            try:
                task = task_record(row, key_field)
            except MappingError as exc:
                self._skip("open task", str(exc))
                continue
            if task is not None:
                found[task.id] = task.key
                if not key_field:
                    self.state.descriptions[task.id] = task.description
                yield task
        self.state.open_tasks = found

    def close(self) -> None:
        """Log what was skipped and which picklist values no role map knows; nothing raises."""
        for kind, count in sorted(self.skipped.items()):
            log_event(LOGGER, "salesforce.skipped_total", f"{count} {kind} record(s) skipped",
                      logging.WARNING, kind=kind, count=count)  # fmt: skip
        for name, role_map in (("contact_roles", self.contact_roles),
                               ("team_roles", self.team_roles)):  # fmt: skip
            if role_map.unknown:
                values = ", ".join(f"{v!r} ({n})" for v, n in role_map.unknown.most_common(10))
                log_event(
                    LOGGER,
                    "salesforce.unknown_roles",
                    f"picklist values not in [salesforce] {name} were ignored: {values}",
                    logging.WARNING,
                    setting=name,
                    values=dict(role_map.unknown),
                )
        if self.unknown_stages:
            values = ", ".join(repr(v) for v in self.unknown_stages)
            log_event(LOGGER, "salesforce.unknown_stage",
                      f"integration stage values that are not a stage were ignored: {values}",
                      logging.WARNING)  # fmt: skip
