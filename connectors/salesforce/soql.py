"""SOQL for the Salesforce connector: API-name validation and the queries it runs. Pure; no I/O.

Every query is built with ``simple_salesforce.format_soql``. That helper quotes and escapes
*values* (strings, dates, lists) but it quotes identifiers too, so an identifier cannot go
through it as a value (simple-salesforce issue #417). Field and object names therefore go in
with the ``:literal`` format spec, and only after :func:`api_name` has checked them against a
strict pattern: letters, digits and single underscores, optionally dotted into a relationship
path. A configured name such as ``Name FROM User --`` never reaches a query; it is refused
with a :class:`~crm_accounts.errors.ConfigError` naming the key and the value.

Facts relied on (Salesforce docs):

* Dates in ``WHERE`` are unquoted ``YYYY-MM-DD`` literals ("Date Formats and Date Literals in
  WHERE", https://developer.salesforce.com/docs/platform/salesforce-soql-sosl/guide/sforce-api-calls-soql-select-dateformats.html);
  ``format_soql`` renders a ``datetime.date`` that way.
* ``convertCurrency(field)`` converts currency fields to the user's currency in ``SELECT`` only,
  never in ``WHERE`` or in aggregates ("convertCurrency()", https://developer.salesforce.com/docs/platform/salesforce-soql-sosl/guide/sforce-api-calls-soql-querying-currency-fields.html).
  Amounts are never summed in SOQL here: ``GROUP BY`` results cannot be paged with a query
  locator ("Considerations for GROUP BY", https://developer.salesforce.com/docs/atlas.en-us.soql_sosl.meta/api/sforce_api_calls_soql_select_group_by_considerations.htm).
* A long text area field (``Task.Description``) cannot appear in a ``WHERE`` clause
  ("fieldExpression Syntax", https://developer.salesforce.com/docs/atlas.en-us.238.0.soql_sosl.meta/soql_sosl/sforce_api_calls_soql_select_fieldexpression.htm),
  so tasks keyed by a Description marker are filtered after reading, not in SOQL.
* Strings in ``WHERE`` clauses can't exceed 4,000 characters ("WHERE",
  https://developer.salesforce.com/docs/atlas.en-us.252.0.soql_sosl.meta/soql_sosl/sforce_api_calls_soql_select_conditionexpression.htm):
  ``IN`` lists of ids are chunked by :data:`IDS_PER_QUERY`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from typing import TypeVar

from simple_salesforce.format import format_soql

from crm_accounts.config import SalesforceSection
from crm_accounts.errors import ConfigError
from crm_accounts.ports import TargetField

__all__ = [
    "IDS_PER_QUERY",
    "QueryFields",
    "accounts_query",
    "activity_queries",
    "api_name",
    "chunks",
    "closed_tasks_by_key_query",
    "contacts_query",
    "open_tasks_by_id_query",
    "open_tasks_query",
    "owners_query",
    "query_fields",
    "revenue_query",
    "select",
    "shared_contacts_queries",
    "team_query",
    "users_query",
]

#: Ids per ``IN (...)`` list: 18 characters plus quotes and comma each, well under the limits.
IDS_PER_QUERY = 150

# One name segment: starts with a letter, letters/digits/underscores, no trailing underscore
# (``Account``, ``KAM_Segment__c``, ``ns__Field__c``); up to five segments form a relationship
# path (``Contact.Gatekeeper__c``, ``Product2.ProductCode``).
_SEGMENT = r"[A-Za-z](?:[A-Za-z0-9_]{0,78}[A-Za-z0-9])?"
_API_NAME = re.compile(rf"{_SEGMENT}(?:\.{_SEGMENT}){{0,4}}", re.ASCII)


def api_name(value: str, key: str, *, path: bool = True) -> str:
    """``value`` when it is a Salesforce API name (a dotted relationship path if ``path``).

    Raises:
        ConfigError: naming ``[salesforce] key`` and the offending value.
    """
    if not isinstance(value, str) or _API_NAME.fullmatch(value) is None:
        raise ConfigError(
            f"[salesforce] {key}: value {value!r} is not a Salesforce API name (letters, digits "
            "and underscores, starting with a letter; dots only between relationship names)"
        )
    if not path and "." in value:
        raise ConfigError(
            f"[salesforce] {key}: value {value!r} must be a field of the object itself, "
            "not a relationship path"
        )
    return value


def select(fields: Iterable[str], obj: str, where: str = "", **values: object) -> str:
    """``SELECT fields FROM obj [WHERE where]`` with ``values`` quoted by ``format_soql``.

    ``fields`` and ``obj`` must be validated API names (or ``convertCurrency(<name>)``);
    ``where`` is a ``format_soql`` template written in this module, never user text.
    """
    unique = list(dict.fromkeys(fields))
    template = "SELECT {fields:literal} FROM {obj:literal}" + (f" WHERE {where}" if where else "")
    return format_soql(template, fields=", ".join(unique), obj=obj, **values)


_T = TypeVar("_T")


def chunks(ids: Iterable[_T], size: int = IDS_PER_QUERY) -> Iterator[list[_T]]:
    """``ids`` in lists of at most ``size`` (the last one shorter), order kept."""
    batch: list[_T] = []
    for value in ids:
        batch.append(value)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


@dataclass(frozen=True, slots=True)
class QueryFields:
    """The validated field names of a ``[salesforce]`` section, checked once."""

    attributes: tuple[tuple[str, str], ...]
    integration_stage: str | None
    targets: tuple[tuple[str, str], ...]
    margin: str | None
    product: str
    contact_role: str | None
    gatekeeper: str | None
    pioneer: str | None
    capacity: str | None
    task_key: str | None


def query_fields(section: SalesforceSection) -> QueryFields:
    """Validate every field name of ``section`` that goes into a query.

    Raises:
        ConfigError: a name is not an API name, or two target fields share one field.
    """
    attributes = tuple(
        (name, api_name(field, f"attributes.{name}")) for name, field in section.attributes.items()
    )
    targets = tuple(
        (target, api_name(section.fields[target], f"fields.{target}", path=False))
        for target in (t.value for t in TargetField)
    )
    names = [field for _, field in targets]
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise ConfigError(f"[salesforce] fields: target fields share a field: {repeated}")

    def optional(value: str | None, key: str, *, path: bool = True) -> str | None:
        return None if value is None else api_name(value, key, path=path)

    return QueryFields(
        attributes=attributes,
        integration_stage=optional(section.integration_stage_field, "integration_stage_field"),
        targets=targets,
        margin=optional(section.margin_field, "margin_field", path=False),
        product=api_name(section.product_field, "product_field"),
        contact_role=optional(section.contact_role_field, "contact_role_field", path=False),
        gatekeeper=optional(section.gatekeeper_field, "gatekeeper_field", path=False),
        pioneer=optional(section.pioneer_field, "pioneer_field"),
        capacity=optional(section.capacity_field, "capacity_field", path=False),
        task_key=optional(section.task_key_field, "task_key_field", path=False),
    )


def _money(field: str, multi_currency: bool) -> str:
    return f"convertCurrency({field})" if multi_currency else field


def accounts_query(fields: QueryFields, *, person_accounts: bool = False) -> str:
    """Accounts with owner, attribute fields, integration stage and target fields.

    No ``ORDER BY``: "Use of ORDER BY in a Bulk 2.0 query disables PKChunking for the query"
    and large ones then time out ("Troubleshooting Query Timeouts",
    https://developer.salesforce.com/docs/platform/api-asynch/guide/bulk-api-2-0-troubleshoot-query-timeouts.html);
    the source sorts by id.
    With person accounts, ``IsPersonAccount`` is read so that consumers are left out.
    """
    names = ["Id", "Name", "OwnerId", *(f for _, f in fields.attributes)]
    if fields.integration_stage:
        names.append(fields.integration_stage)
    names += [f for _, f in fields.targets]
    if person_accounts:
        names.append("IsPersonAccount")
    return select(names, "Account")


def revenue_query(
    fields: QueryFields, section: SalesforceSection, start: date, end: date, *, money: bool
) -> str:
    """Closed-won revenue with ``start < CloseDate <= end``, one row per opportunity or line.

    ``money``: the org is multi-currency, so amount and margin are read with ``convertCurrency()``
    (the margin field must then be a currency field); nothing is summed in SOQL.
    """
    if section.revenue_object == "line_item":
        names = [
            "Id",
            "Opportunity.AccountId",
            "Opportunity.CloseDate",
            _money("TotalPrice", money),
            fields.product,
        ]
        if fields.margin:
            names.append(_money(fields.margin, money))
        where = (
            "Opportunity.IsWon = true AND Opportunity.CloseDate > {start} "
            "AND Opportunity.CloseDate <= {end}"
        )
        return select(names, "OpportunityLineItem", where, start=start, end=end)
    names = ["Id", "AccountId", "CloseDate", _money("Amount", money)]
    if fields.margin:
        names.append(_money(fields.margin, money))
    where = "IsWon = true AND CloseDate > {start} AND CloseDate <= {end} AND AccountId != null"
    return select(names, "Opportunity", where, start=start, end=end)


def contacts_query(fields: QueryFields, section: SalesforceSection) -> str:
    """Contacts per account with their buying roles (AccountContactRelation or a Contact field)."""
    if section.contact_roles_source == "contact_field":
        assert fields.contact_role is not None  # the config validator guarantees it
        names = ["Id", "AccountId", "Name", "Email", "Title", fields.contact_role]
        if fields.gatekeeper:
            names.append(fields.gatekeeper)
        return select(names, "Contact", "AccountId != null")
    names = [
        "Id",
        "AccountId",
        "ContactId",
        "Roles",
        "Contact.Name",
        "Contact.Email",
        "Contact.Title",
    ]
    if fields.gatekeeper:
        names.append(f"Contact.{fields.gatekeeper}")
    return select(names, "AccountContactRelation", "IsActive = true")


def team_query(fields: QueryFields) -> str:
    """Account team rows; the pioneer field is read relative to AccountTeamMember."""
    names = ["Id", "AccountId", "UserId", "TeamMemberRole"]
    if fields.pioneer:
        names.append(fields.pioneer)
    return select(names, "AccountTeamMember")


def owners_query() -> str:
    """Account owners only, for the account-manager fallback when accounts were not read."""
    return select(["Id", "OwnerId"], "Account")


def users_query(fields: QueryFields, ids: Sequence[str]) -> str:
    """Active users among ``ids`` with name, e-mail, capacity and a ``User.``-pioneer flag."""
    names = ["Id", "Name", "Email"]
    if fields.capacity:
        names.append(fields.capacity)
    if fields.pioneer and fields.pioneer.startswith("User."):
        names.append(fields.pioneer.removeprefix("User."))
    return select(names, "User", "IsActive = true AND Id IN {ids}", ids=list(ids))


def activity_queries(since: date, until: date, key_field: str | None) -> tuple[str, str]:
    """Tasks and events with a contact (``WhoId``) dated ``since < ActivityDate <= until``.

    Run with ``queryAll``: activities older than about a year are archived and ``query`` leaves
    them out ("Archived Activities", https://help.salesforce.com/s/articleView?id=sf.activities_archived.htm;
    "QueryAll", https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_queryall.htm),
    so deleted rows, which ``queryAll`` also returns, are filtered out. Tasks carry their key (or
    Description, for the marker) so that tasks the product closed are not counted as contact.
    Group-event children (``IsChild``: one copy per invitee, "Event", Object Reference,
    https://developer.salesforce.com/docs/atlas.en-us.object_reference.meta/object_reference/sforce_api_objects_event.htm)
    are left out: one meeting is one contact moment of its owner.
    """
    where = (
        "IsDeleted = false AND WhoId != null AND ActivityDate > {since} AND ActivityDate <= {until}"
    )
    task_fields = ["Id", "WhoId", "OwnerId", "AccountId", "ActivityDate", "IsClosed", "Status"]
    task_fields.append(key_field or "Description")
    tasks = select(task_fields, "Task", where, since=since, until=until)
    events = select(
        ["Id", "WhoId", "OwnerId", "AccountId", "ActivityDate"],
        "Event",
        where + " AND IsChild = false",
        since=since,
        until=until,
    )
    return tasks, events


def shared_contacts_queries(since: date, until: date) -> tuple[str, str]:
    """Every contact of the window's tasks and events where Shared Activities is on: up to 50
    contacts per task or event, the WhoId being only one of them ("TaskRelation", Object
    Reference, https://developer.salesforce.com/docs/platform/object-reference/references/standard-objects/object-taskrelation.html;
    "EventRelation": with Shared Activities, related contacts have ``IsParent`` true, invitees
    ``IsInvitee``, https://developer.salesforce.com/docs/platform/object-reference/references/standard-objects/object-eventrelation.html).
    """
    tasks = select(
        ["TaskId", "RelationId"], "TaskRelation",
        "IsWhat = false AND Task.ActivityDate > {since} AND Task.ActivityDate <= {until}",
        since=since, until=until,
    )  # fmt: skip
    events = select(
        ["EventId", "RelationId"], "EventRelation",
        "IsParent = true AND IsWhat = false AND Event.ActivityDate > {since} "
        "AND Event.ActivityDate <= {until}",
        since=since, until=until,
    )  # fmt: skip
    return tasks, events


_TASK_FIELDS = ["Id", "WhatId", "OwnerId", "WhoId", "ActivityDate", "Subject", "Description"]


def open_tasks_query(fields: QueryFields) -> str:
    """Open tasks that can be ours: a key in the key field, or any open task on a record
    (the Description marker is matched after reading: Description is not filterable)."""
    if fields.task_key:
        return select(
            [*_TASK_FIELDS, fields.task_key],
            "Task",
            "IsClosed = false AND {key:literal} != null",
            key=fields.task_key,
        )
    return select(_TASK_FIELDS, "Task", "IsClosed = false AND WhatId != null")


def closed_tasks_by_key_query(key_field: str, keys: Sequence[str]) -> str:
    """Closed tasks still holding one of ``keys`` (their unique key blocks a new task); run with
    ``queryAll``, since an archived task holds its key too."""
    return select(
        ["Id", key_field], "Task",
        "IsDeleted = false AND IsClosed = true AND {key:literal} IN {keys}",
        key=key_field, keys=list(keys),
    )  # fmt: skip


def open_tasks_by_id_query(fields: QueryFields, ids: Sequence[str]) -> str:
    """The open tasks among ``ids`` (to check that a task to change is still ours and open)."""
    names = [*_TASK_FIELDS, fields.task_key] if fields.task_key else _TASK_FIELDS
    return select(names, "Task", "IsClosed = false AND Id IN {ids}", ids=list(ids))
