"""The read side of the HubSpot connector: the ``Source`` port. Does I/O.

One paged read per collection, never one request per record; records are mapped lazily, page by
page, and association reads go 1,000 ids at a time. What is read (names from ``[hubspot]``):

* accounts: companies through the list endpoint (100 a page) with name, owner, the owner-valued
  and attribute properties, the integration stage and the target properties (for the diff);
* revenue: closed-won deals with ``start < closedate <= end`` through search (won means
  ``hs_is_closed_won`` is true, or ``dealstage`` is one of ``won_stages``), linked to their
  company (the primary one, by association type id) by a v4 association read; with
  ``products_from_line_items`` the deals' line items (read by id) are the revenue lines
  (product, amount, margin), a deal without any counts with its own amount; amounts pass the
  :class:`~.currency.CurrencyConverter`;
* contacts: the contact list with buying role and gatekeeper, one contact per company it is
  associated with;
* members and team: the company owner holds ``owner_role`` (account manager); each property of
  ``owner_properties`` names an owner holding that PSU role; ``pioneer_property`` names the
  account's pioneer; ``roster`` adds roles, capacities and pioneers the CRM does not hold. Names
  and e-mail addresses come from the owners API (``/crm/v3/owners``, "CRM API | Owners",
  https://developers.hubspot.com/docs/api-reference/latest/crm/owners/guide); archived or unknown
  owners are no members;
* activities: meetings, calls, e-mails and tasks by ``hs_timestamp`` through search, with their
  contacts (an engagement without a contact is no contact moment; a task the product closed,
  its key retired, is none either);
* open tasks: tasks with a key in the key property whose status is not a closed one: those the
  run log knows (``recall_tasks``) read back by id, the others found by search
  (which lags behind writes, so it only discovers what the run log does not know).

Records that cannot be mapped are skipped, counted and logged; :meth:`HubSpotSource.close` logs
the totals and the option values no role map knows.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from crm_accounts.config import HubSpotSection
from crm_accounts.domain.model import Activity, Contact, Member, PsuRole, RevenueLine, TeamMember
from crm_accounts.domain.revenue import Period
from crm_accounts.logs import log_event
from crm_accounts.ports import AccountRecord, TaskRecord
from crm_accounts.progress import counted

from . import queries
from .currency import CurrencyConverter
from .http import LOGGER, HubSpotHttp
from .mapping import (
    MappingError,
    RoleMap,
    activity,
    as_decimal,
    company_row,
    contact_from_record,
    deal_row,
    member_from_owner,
    object_id,
    prop,
    task_record,
)
from .reader import Reader, prefetched

__all__ = ["HubSpotSource", "SharedState", "Team"]

_T = TypeVar("_T")
_LOGGED_PER_KIND = 20


@dataclass(frozen=True, slots=True)
class Team:
    """Who a company's properties name: owner, owner-valued properties, pioneer."""

    owner: str | None
    owner_values: tuple[tuple[str, str], ...] = ()
    pioneer: str | None = None


@dataclass
class SharedState:
    """What the read side learns that the write side uses (one connector, one run)."""

    #: Company id -> team fields, once every company was read.
    companies: dict[str, Team] | None = None
    #: Task id -> key of our open tasks, once they were read (kept current by the writer).
    open_tasks: dict[str, str] | None = None
    #: Task key -> id of the open tasks the run log knows (read back by id, not searched).
    recalled: dict[str, str] = field(default_factory=dict)


@dataclass
class _Place:
    roles: set[PsuRole] = field(default_factory=set)
    pioneer: bool = False


class HubSpotSource:
    """Implements :class:`~crm_accounts.ports.Source` for one HubSpot account."""

    def __init__(self, http: HubSpotHttp, section: HubSpotSection, state: SharedState) -> None:
        self.http = http
        self.reader = Reader(http)
        self.section = section
        self.state = state
        self.names = queries.property_names(section)
        self.zone = ZoneInfo(section.timezone)
        self.roles = RoleMap(section.buying_roles)
        self.currency = CurrencyConverter(section)
        self.skipped: Counter[str] = Counter()
        self.unknown_stages: Counter[str] = Counter()
        self._owners: dict[str, dict[str, Any]] | None = None
        self._roster: dict[int, str] | None = None
        done = {value for value in section.activity_done["tasks"] if value}
        self._closed = frozenset(section.task_close_statuses.values()) | done

    # -- plumbing ---------------------------------------------------------------------------------

    def _skip(self, kind: str, reason: str) -> None:
        self.skipped[kind] += 1
        if self.skipped[kind] <= _LOGGED_PER_KIND:
            log_event(
                LOGGER, "hubspot.skipped", f"skipped {kind}: {reason}", logging.WARNING, kind=kind
            )

    def _mapped(self, kind: str, rows: Iterable[_T], fn: Callable[[_T], Any]) -> Iterator[Any]:
        for row in rows:
            try:
                yield fn(row)
            except MappingError as exc:
                self._skip(kind, str(exc))

    def _search(
        self,
        object_type: str,
        filters: list[dict[str, Any]],
        properties: tuple[str, ...],
        range_property: str,
        low: int,
        high: int,
    ) -> Iterator[dict[str, Any]]:
        """A search, read ahead on a background thread when ``max_workers`` allows (the
        association reads of one chunk then overlap the search of the next)."""
        records = self.reader.search(object_type, filters, properties, range_property, low, high)
        if self.section.max_workers < 2:
            return records
        return prefetched(records, 2 * queries.ASSOCIATION_BATCH)

    def _list(self, object_type: str, properties: tuple[str, ...]) -> Iterator[dict[str, Any]]:
        """All records of ``object_type``; the list endpoint says no total (none reported)."""
        progress = self.reader.progress
        progress.begin(f"reading {object_type}")
        pages = self.http.pages(
            f"list_{object_type}", f"/crm/v3/objects/{object_type}", queries.list_query(properties)
        )
        return counted(pages, progress)

    # -- accounts ---------------------------------------------------------------------------------

    def accounts(self) -> Iterator[AccountRecord]:
        companies: dict[str, Team] = {}
        section = self.section
        for record in self._list("companies", self.names.companies):
            try:
                row = company_row(
                    record,
                    section.attributes,
                    section.integration_stage_property,
                    self.names.targets,
                    list(section.owner_properties),
                    section.pioneer_property,
                )
            except MappingError as exc:
                self._skip("company", str(exc))
                continue
            if row.unknown_stage is not None:
                self.unknown_stages[row.unknown_stage] += 1
            companies[row.record.account.id] = Team(row.owner, row.owner_values, row.pioneer)
            yield row.record
        self.state.companies = companies

    def attribute_names(self) -> frozenset[str]:
        """The configured attribute names (whether or not a company has a value)."""
        return frozenset(self.section.attributes)

    def known_companies(self) -> dict[str, Team]:
        """Team fields of every company; a light read when the accounts were not read."""
        if self.state.companies is None:
            companies: dict[str, Team] = {}
            owner_props = list(self.section.owner_properties)
            for record in self._list("companies", self.names.owners_only):
                company_id = object_id(record.get("id"))
                if company_id is None:
                    continue
                values = tuple(
                    (p, o) for p in owner_props if (o := object_id(prop(record, p))) is not None
                )
                companies[company_id] = Team(
                    object_id(prop(record, "hubspot_owner_id")),
                    values,
                    object_id(prop(record, self.section.pioneer_property)),
                )
            self.state.companies = companies
        return self.state.companies

    # -- revenue ----------------------------------------------------------------------------------

    def _won_filters(self) -> list[dict[str, Any]]:
        if self.section.won_stages:
            return [
                {
                    "propertyName": "dealstage",
                    "operator": "IN",
                    "values": list(self.section.won_stages),
                }
            ]
        return [{"propertyName": "hs_is_closed_won", "operator": "EQ", "value": "true"}]

    def revenue_lines(self, period: Period) -> Iterator[RevenueLine]:
        """Closed-won revenue with ``period.start < close date <= period.end``."""
        low, high = queries.window_ms(period.start, period.end, self.zone)
        records = self._search(
            "deals", self._won_filters(), self.names.deals, "closedate", low, high
        )
        deals = self._mapped(
            "deal", records, lambda r: deal_row(r, self.zone, self.section.margin_property)
        )
        if self.section.products_from_line_items:
            yield from self._line_item_revenue(deals)
            return
        for chunk in queries.chunks(deals, queries.ASSOCIATION_BATCH):
            companies = self.reader.associated("deals", "companies", (d.id for d in chunk))
            for deal in chunk:
                company = companies[deal.id].one() if deal.id in companies else None
                if company is None:
                    self._skip("deal", f"deal {deal.id} is associated with no company")
                    continue
                yield RevenueLine(
                    company,
                    deal.day,
                    self.currency(deal.id, deal.currency, deal.amount),
                    None
                    if deal.margin is None
                    else self.currency(deal.id, deal.currency, deal.margin),
                )

    def _line_item_revenue(self, deals: Iterable[Any]) -> Iterator[RevenueLine]:
        """One line per line item of the won deals (a deal without any counts as a whole).

        The line items the won deals' associations name are read by id, 100 a call: on a large
        portal that is a fraction of listing every line item.
        """
        won: dict[str, tuple[str, date, str | None]] = {}
        whole: dict[str, tuple[Decimal, Decimal | None]] = {}
        items: dict[str, str] = {}
        for chunk in queries.chunks(deals, queries.ASSOCIATION_BATCH):
            ids = [d.id for d in chunk]
            companies = self.reader.associated("deals", "companies", ids)
            lines = self.reader.associated("deals", "line_items", ids)
            for deal in chunk:
                company = companies[deal.id].one() if deal.id in companies else None
                if company is None:
                    self._skip("deal", f"deal {deal.id} is associated with no company")
                    continue
                won[deal.id] = (company, deal.day, deal.currency)
                if deal.id in lines and lines[deal.id].targets:
                    items.update((item, deal.id) for item in lines[deal.id].targets)
                else:
                    whole[deal.id] = (deal.amount, deal.margin)
        for deal_id, (amount, margin) in whole.items():
            company, day, currency = won[deal_id]
            converted = None if margin is None else self.currency(deal_id, currency, margin)
            yield RevenueLine(company, day, self.currency(deal_id, currency, amount), converted)
        if not items:
            return
        margin_property = self.section.margin_property
        ordered = sorted(items, key=lambda i: (len(i), i))
        for record in self.by_id("line_items", ordered, self.names.line_items):
            item_id = object_id(record.get("id"))
            item_deal = items.get(item_id or "")
            if item_deal is None:
                continue
            company, day, code = won[item_deal]
            try:
                value = as_decimal(prop(record, "amount"), f"line item {item_id} amount")
                share = as_decimal(
                    prop(record, margin_property), f"line item {item_id} {margin_property}"
                )
            except MappingError as exc:
                self._skip("line item", str(exc))
                continue
            if value is None:
                self._skip("line item", f"line item {item_id}: amount is empty")
                continue
            yield RevenueLine(
                company,
                day,
                self.currency(item_deal, code, value),
                None if share is None else self.currency(item_deal, code, share),
                prop(record, self.section.product_property),
            )

    # -- contacts ---------------------------------------------------------------------------------

    def contacts(self) -> Iterator[Contact]:
        """One contact per company it is associated with."""
        section = self.section
        for chunk in queries.chunks(
            self._list("contacts", self.names.contacts), queries.ASSOCIATION_BATCH
        ):
            ids = [i for r in chunk if (i := object_id(r.get("id"))) is not None]
            companies = self.reader.associated("contacts", "companies", ids)
            for record in chunk:
                contact_id = object_id(record.get("id"))
                linked = companies.get(contact_id or "")
                if linked is None or not linked.targets:
                    continue  # a contact of no company is nobody's DMU
                for company_id in dict.fromkeys(linked.targets):
                    try:
                        yield contact_from_record(
                            record,
                            company_id,
                            self.roles,
                            section.buying_role_property,
                            section.gatekeeper_property,
                        )
                    except MappingError as exc:
                        self._skip("contact", str(exc))

    # -- members and team -------------------------------------------------------------------------

    def owners(self) -> dict[str, dict[str, Any]]:
        """Every active owner by id (``GET /crm/v3/owners``, 100 a page)."""
        if self._owners is None:
            owners: dict[str, dict[str, Any]] = {}
            query = [("limit", str(queries.LIST_PAGE)), ("archived", "false")]
            for owner in self.http.pages("owners", "/crm/v3/owners", query):
                owner_id = object_id(owner.get("id"))
                if owner_id is not None and not owner.get("archived"):
                    owners[owner_id] = owner
            self._owners = owners
        return self._owners

    def roster_ids(self) -> dict[int, str]:
        """Roster entry index -> owner id (the entry's owner id, or the owner with its e-mail)."""
        if self._roster is not None:
            return self._roster
        owners = self.owners()
        by_email = {
            str(o["email"]).strip().casefold(): i for i, o in owners.items() if o.get("email")
        }
        found: dict[int, str] = {}
        for index, entry in enumerate(self.section.roster):
            key = entry.member.strip()
            owner_id = key if key in owners else by_email.get(key.casefold())
            if owner_id is None:
                self._skip("roster entry", f"{entry.member!r} is no active HubSpot owner")
            else:
                found[index] = owner_id
        self._roster = found
        return found

    def _places(self) -> dict[tuple[str, str], _Place]:
        section = self.section
        places: dict[tuple[str, str], _Place] = {}
        pioneers: dict[str, str] = {}
        companies = self.known_companies()
        for company_id, team in companies.items():
            if team.owner:
                places.setdefault((company_id, team.owner), _Place()).roles.add(section.owner_role)
            for name, owner in team.owner_values:
                role = PsuRole(section.owner_properties[name].strip().lower())
                places.setdefault((company_id, owner), _Place()).roles.add(role)
            if team.pioneer:
                pioneers[company_id] = team.pioneer
        pioneer_places: set[tuple[str, str]] = set()
        pioneers_everywhere: set[str] = set()
        for index, owner_id in self.roster_ids().items():
            entry = section.roster[index]
            if entry.pioneer and entry.accounts is None:
                pioneers_everywhere.add(owner_id)
            targets = entry.accounts if entry.accounts is not None else list(companies)
            for company_id in targets:
                if company_id not in companies:
                    continue
                if entry.roles:
                    places.setdefault((company_id, owner_id), _Place()).roles.update(entry.roles)
                if entry.pioneer and entry.accounts is not None:
                    pioneer_places.add((company_id, owner_id))
        for (company_id, owner_id), place in places.items():
            place.pioneer = (
                pioneers.get(company_id) == owner_id
                or owner_id in pioneers_everywhere
                or (company_id, owner_id) in pioneer_places
            )
        return places

    def members(self) -> Iterator[Member]:
        """Active owners holding a place in a team, or named in the roster."""
        owners = self.owners()
        capacity = {
            owner_id: self.section.roster[i].capacity_per_week
            for i, owner_id in self.roster_ids().items()
            if self.section.roster[i].capacity_per_week is not None
        }
        wanted = {owner for _, owner in self._places()} | set(self.roster_ids().values())
        for owner_id in sorted(wanted, key=lambda o: (len(o), o)):
            owner = owners.get(owner_id)
            if owner is None:
                self._skip("owner", f"owner {owner_id} is archived or unknown")
                continue
            try:
                yield member_from_owner(owner, capacity.get(owner_id))
            except MappingError as exc:
                self._skip("owner", str(exc))

    def team(self) -> Iterator[TeamMember]:
        """Every (company, active owner) place with its PSU roles and pioneer flag."""
        owners = self.owners()
        for (company_id, owner_id), place in self._places().items():
            if owner_id in owners and place.roles:
                yield TeamMember(company_id, owner_id, frozenset(place.roles), place.pioneer)

    # -- activities and tasks ---------------------------------------------------------------------

    def activities(self, since: date, until: date) -> Iterator[Activity]:
        """Engagements with ``since < day <= until``, one activity per associated contact."""
        low, high = queries.window_ms(since, until, self.zone)
        for object_type in queries.ENGAGEMENTS:
            status = queries.STATUS_PROPERTIES[object_type]
            done = frozenset(self.section.activity_done[object_type])
            key = self.section.task_key_property if object_type == "tasks" else None
            properties = ("hs_timestamp", "hubspot_owner_id", status, *([key] if key else []))
            records = self._search(object_type, [], properties, "hs_timestamp", low, high)
            for chunk in queries.chunks(records, queries.ASSOCIATION_BATCH):
                ids = [i for r in chunk if (i := object_id(r.get("id"))) is not None]
                contacts = self.reader.associated(object_type, "contacts", ids)
                for record in chunk:
                    linked = contacts.get(object_id(record.get("id")) or "")
                    for contact_id in dict.fromkeys(linked.targets if linked else ()):
                        try:
                            yield activity(record, contact_id, status, done, self.zone, key)
                        except MappingError as exc:
                            self._skip(object_type[:-1], str(exc))
                            break

    def by_id(
        self, object_type: str, ids: Iterable[str], properties: tuple[str, ...]
    ) -> Iterator[dict[str, Any]]:
        """Records read by id, 100 a call (``POST /crm/v3/objects/{type}/batch/read``, "Read a
        batch of tasks by internal ID, or unique property values", HubSpot's OpenAPI specs for
        tasks and line items): a read by id sees a write at once, unlike search. Ids that no
        longer exist come back as ``errors`` of a 207 answer and are simply absent."""
        for chunk in queries.chunks(dict.fromkeys(ids), queries.WRITE_BATCH):
            answer = self.http.json(
                f"{object_type}_read",
                "POST",
                f"/crm/v3/objects/{object_type}/batch/read",
                body={
                    "inputs": [{"id": i} for i in chunk],
                    "properties": list(properties),
                    "propertiesWithHistory": [],
                },
            )
            yield from answer.get("results") or []

    def tasks_by_id(self, ids: Iterable[str]) -> Iterator[dict[str, Any]]:
        """Tasks read by id (:meth:`by_id`) with the task properties."""
        return self.by_id("tasks", ids, self.names.tasks)

    def _open_task_records(self) -> Iterator[dict[str, Any]]:
        """Our tasks: those the run log knows, by id, then the others search finds (search
        only discovers: a task it shows that was read by id is taken from the read)."""
        known = set(self.state.recalled.values())
        yield from self.tasks_by_id(sorted(known, key=lambda i: (len(i), i)))
        key = self.section.task_key_property
        filters: list[dict[str, Any]] = [
            {"propertyName": key, "operator": "HAS_PROPERTY"},
            {
                "propertyName": "hs_task_status",
                "operator": "NOT_IN",
                "values": sorted(self._closed),
            },
        ]
        low, high = queries.ALL_TIME
        for record in self._search("tasks", filters, self.names.tasks, "hs_timestamp", low, high):
            if object_id(record.get("id")) not in known:
                yield record

    def open_tasks(self) -> Iterator[TaskRecord]:
        """Tasks with our key and a status that is not closed, with company and contact."""
        key = self.section.task_key_property
        found: dict[str, str] = {}
        for chunk in queries.chunks(self._open_task_records(), queries.ASSOCIATION_BATCH):
            ids = [i for r in chunk if (i := object_id(r.get("id"))) is not None]
            companies = self.reader.associated("tasks", "companies", ids)
            contacts = self.reader.associated("tasks", "contacts", ids)
            for record in chunk:
                if prop(record, "hs_task_status") in self._closed:
                    continue
                task_id = object_id(record.get("id")) or ""
                company = companies[task_id].one() if task_id in companies else None
                contact = contacts[task_id].one() if task_id in contacts else None
                try:
                    task = task_record(record, key, self.zone, company, contact)
                except MappingError as exc:
                    self._skip("open task", str(exc))
                    continue
                if task is not None:
                    found[task.id] = task.key
                    yield task
        self.state.open_tasks = found

    def close(self) -> None:
        """Log what was skipped, option values no role map knows, conversions; nothing raises."""
        for kind, count in sorted(self.skipped.items()):
            log_event(
                LOGGER,
                "hubspot.skipped_total",
                f"{count} {kind} record(s) skipped",
                logging.WARNING,
                kind=kind,
                count=count,
            )
        if self.roles.unknown:
            values = ", ".join(f"{v!r} ({n})" for v, n in self.roles.unknown.most_common(10))
            log_event(
                LOGGER,
                "hubspot.unknown_roles",
                f"{self.section.buying_role_property} values not in [hubspot] "
                f"buying_roles were ignored: {values}",
                logging.WARNING,
                values=dict(self.roles.unknown),
            )
        if self.unknown_stages:
            values = ", ".join(repr(v) for v in self.unknown_stages)
            log_event(
                LOGGER,
                "hubspot.unknown_stage",
                f"integration stage values that are not a stage were ignored: {values}",
                logging.WARNING,
            )
        for code, count in sorted(self.currency.converted.items()):
            log_event(
                LOGGER,
                "hubspot.converted",
                f"{count} amount(s) converted from {code} to {self.currency.reference}",
                code=code,
                count=count,
            )
