"""HubSpot records <-> domain records, as small pure functions on plain dicts. No I/O.

A CRM record arrives as ``{"id", "properties": {name: text or null}, "createdAt", "updatedAt",
"archived"}``: every property value is a string, ``null`` or missing when empty ("CRM API |
Properties", https://developers.hubspot.com/docs/api/crm/properties). Ids are strings in object
answers but JSON numbers in v4 association answers (``toObjectId``; see the recorded answers in
``/work/shared/reference``), so :func:`object_id` accepts both. Datetime values come as ISO 8601
(``2026-11-27T09:00:00Z``, with or without milliseconds) or as epoch milliseconds; dates as
``YYYY-MM-DD``. Multiple-checkbox values are ``;``-separated internal option values.

Every value is parsed once, here; a record that cannot be mapped raises :class:`MappingError`
with the reason, and the source skips it, counts it and logs it.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

from crm_accounts.domain.model import (
    Account,
    Activity,
    Contact,
    DmuRole,
    IntegrationStage,
    Member,
)
from crm_accounts.domain.numbers import parse_plain_decimal
from crm_accounts.ports import AccountRecord, TaskDraft, TaskRecord, TaskUpdate

__all__ = [
    "NUMERIC_TARGETS",
    "AssociationTargets",
    "CompanyRow",
    "DealRow",
    "MappingError",
    "RoleMap",
    "activity_completed",
    "as_bool",
    "as_decimal",
    "associations",
    "company_row",
    "company_update_input",
    "contact_from_record",
    "deal_row",
    "due_timestamp",
    "local_date",
    "member_from_owner",
    "object_id",
    "parse_instant",
    "prop",
    "target_text",
    "task_close_input",
    "task_create_input",
    "task_record",
    "task_update_input",
]

#: Target fields whose properties ``setup`` creates as numbers.
NUMERIC_TARGETS = frozenset(
    {"revenue", "revenue_share", "rating_position", "rating_points", "dmu_coverage", "open_gaps"}
)
_MILLIS = re.compile(r"\d{10,16}")
_ISO_MILLIS = re.compile(r"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})\.0+Z")


class MappingError(Exception):
    """A record cannot be mapped; the message says which record and why."""


# -- values ---------------------------------------------------------------------------------------


def object_id(value: Any) -> str | None:
    """An id as text: ``"512"`` and ``512`` both give ``"512"``; empty gives ``None``."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int):
        return str(value)
    text = str(value).strip()
    return text or None


def prop(record: Mapping[str, Any], name: str | None) -> str | None:
    """A property value as text; ``None`` for null, missing or empty."""
    if not name:
        return None
    properties = record.get("properties")
    if not isinstance(properties, Mapping):
        return None
    value = properties.get(name)
    if value is None:
        return None
    text = value if isinstance(value, str) else str(value)
    return text if text.strip() else None


def as_decimal(text: str | None, what: str) -> Decimal | None:
    """A number property (``"1200.5"``, ``"-3"``, ``"1.5E3"``); ``None`` when empty.

    Raises:
        MappingError: not a finite number.
    """
    if text is None:
        return None
    value = parse_plain_decimal(text)
    if value is None:
        try:
            value = Decimal(text.strip())
        except InvalidOperation:
            value = None
    if value is None or not value.is_finite():
        raise MappingError(f"{what}: expected a number, got {text!r}")
    return value


def as_bool(text: str | None) -> bool:
    """A single checkbox (``booleancheckbox``): ``"true"``; anything else is false."""
    return text is not None and text.strip().lower() == "true"


def parse_instant(text: str | None, what: str) -> datetime:
    """A datetime property as an aware UTC datetime.

    Raises:
        MappingError: empty or not a datetime.
    """
    if text is not None:
        value = text.strip()
        try:
            if _MILLIS.fullmatch(value):
                return datetime.fromtimestamp(int(value) / 1000, tz=UTC)
            if len(value) == 10:
                return datetime.combine(date.fromisoformat(value), datetime.min.time(), UTC)
            moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
            return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
        except (ValueError, OverflowError):
            pass
    raise MappingError(f"{what}: expected a datetime, got {text!r}")


def local_date(text: str | None, zone: ZoneInfo, what: str) -> date:
    """The calendar day of a datetime (or date) property in ``zone``."""
    if text is not None and len(text.strip()) == 10:
        try:
            return date.fromisoformat(text.strip())
        except ValueError:
            pass
    return parse_instant(text, what).astimezone(zone).date()


def target_text(value: str | None) -> str | None:
    """A target property's value as the sync compares it (``.000Z`` dropped from datetimes)."""
    if value is None:
        return None
    match = _ISO_MILLIS.fullmatch(value)
    return match.group(1) + "Z" if match else value


# -- roles ----------------------------------------------------------------------------------------


@dataclass
class RoleMap:
    """Enumeration option values -> DMU roles; unknown values are counted, never fatal.

    Values match exactly first, then case-insensitively; a multiple-checkboxes value is split on
    ``;``.
    """

    mapping: Mapping[str, str]
    unknown: Counter[str] = field(default_factory=Counter)
    _exact: dict[str, DmuRole] = field(default_factory=dict, repr=False)
    _folded: dict[str, DmuRole] = field(default_factory=dict, repr=False)
    _cache: dict[str, frozenset[DmuRole]] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        for source, role in self.mapping.items():
            value = DmuRole(role.strip().lower())
            self._exact[source] = value
            self._folded[source.strip().casefold()] = value

    def roles(self, text: str | None) -> frozenset[DmuRole]:
        """The roles of an option value list; interned per distinct value."""
        if text is None:
            return frozenset()
        cached = self._cache.get(text)
        if cached is not None:
            return cached
        roles = set()
        for item in text.split(";"):
            item = item.strip()
            if not item:
                continue
            role = self._exact.get(item) or self._folded.get(item.casefold())
            if role is None:
                self.unknown[item] += 1
            else:
                roles.add(role)
        result = frozenset(roles)
        if len(self._cache) < 10_000:
            self._cache[text] = result
        return result


# -- records -> domain ----------------------------------------------------------------------------


def _required_id(record: Mapping[str, Any], what: str) -> str:
    value = object_id(record.get("id"))
    if value is None:
        raise MappingError(f"{what} without an id: {dict(record)!r}"[:300])
    return value


@dataclass(frozen=True, slots=True)
class CompanyRow:
    """A company as the source needs it: the account, and who is in its team."""

    record: AccountRecord
    owner: str | None
    owner_values: tuple[tuple[str, str], ...]
    pioneer: str | None
    unknown_stage: str | None


def company_row(
    record: Mapping[str, Any],
    attributes: Mapping[str, str],
    stage_property: str | None,
    targets: Sequence[tuple[str, str]],
    owner_properties: Sequence[str],
    pioneer_property: str | None,
) -> CompanyRow:
    """A company as an account with attributes, stage, target values and owner-valued fields.

    Raises:
        MappingError: no id or no name.
    """
    company_id = _required_id(record, "company")
    name = prop(record, "name")
    if name is None:
        raise MappingError(f"company {company_id}: name is empty")
    values = {a: v for a, p in attributes.items() if (v := prop(record, p)) is not None}
    stage = None
    unknown = None
    raw = prop(record, stage_property)
    if raw is not None:
        try:
            stage = IntegrationStage(raw.strip().lower())
        except ValueError:
            unknown = raw
    current = {t: v for t, p in targets if (v := target_text(prop(record, p))) is not None}
    account = Account(company_id, name, stage, values)
    owned = tuple(
        (p, owner) for p in owner_properties if (owner := object_id(prop(record, p))) is not None
    )
    return CompanyRow(
        AccountRecord(account, current) if current else AccountRecord(account),
        object_id(prop(record, "hubspot_owner_id")),
        owned,
        object_id(prop(record, pioneer_property)),
        unknown,
    )


@dataclass(frozen=True, slots=True)
class DealRow:
    """A closed-won deal, before its company and currency are known."""

    id: str
    day: date
    amount: Decimal
    currency: str | None
    margin: Decimal | None


def deal_row(record: Mapping[str, Any], zone: ZoneInfo, margin_property: str | None) -> DealRow:
    """A deal with close date, amount, currency and margin.

    Raises:
        MappingError: no close date or no amount.
    """
    deal_id = _required_id(record, "deal")
    day = local_date(prop(record, "closedate"), zone, f"deal {deal_id} closedate")
    amount = as_decimal(prop(record, "amount"), f"deal {deal_id} amount")
    if amount is None:
        raise MappingError(f"deal {deal_id}: amount is empty")
    margin = as_decimal(prop(record, margin_property), f"deal {deal_id} {margin_property}")
    currency = prop(record, "deal_currency_code")
    return DealRow(deal_id, day, amount, currency.strip().upper() if currency else None, margin)


def contact_from_record(
    record: Mapping[str, Any],
    company_id: str,
    roles: RoleMap,
    role_property: str,
    gatekeeper_property: str | None,
) -> Contact:
    """A contact of ``company_id``: name from first and last name (else the e-mail address)."""
    contact_id = _required_id(record, "contact")
    parts = [p for p in (prop(record, "firstname"), prop(record, "lastname")) if p]
    email = prop(record, "email")
    name = " ".join(part.strip() for part in parts) or email or f"contact {contact_id}"
    return Contact(
        contact_id,
        company_id,
        name,
        roles.roles(prop(record, role_property)),
        as_bool(prop(record, gatekeeper_property)),
        email,
        prop(record, "jobtitle"),
    )


def member_from_owner(owner: Mapping[str, Any], capacity: int | None) -> Member:
    """An owner (``/crm/v3/owners``: ``id``, ``email``, ``firstName``, ``lastName``) as a member."""
    owner_id = _required_id(owner, "owner")
    names = [str(owner.get(k)).strip() for k in ("firstName", "lastName") if owner.get(k)]
    email = str(owner["email"]).strip() if owner.get("email") else None
    return Member(owner_id, " ".join(n for n in names if n) or email or owner_id, email, capacity)


def activity_completed(status: str | None, done: frozenset[str]) -> bool:
    """Whether an engagement status counts as a contact moment ("" stands for no status)."""
    return (status or "") in done


#: HubSpot's only closed task status ("Activities | Tasks", ``hs_task_status``: NOT_STARTED,
#: IN_PROGRESS, WAITING, COMPLETED, DEFERRED; METHOD.md "Tasks").
CLOSED_TASK_STATUS = "COMPLETED"
_RETIRED_KEY = re.compile(r".+\.closed\.[0-9]+")


def retired_key(key: str, task_id: str) -> str:
    """The key a task the product closes keeps: ``<key>.closed.<task id>``. Completed and
    retired, it is neither read back as open nor counted as a contact moment."""
    return f"{key}.closed.{task_id}"


def activity(
    record: Mapping[str, Any],
    contact_id: str,
    status_property: str,
    done: frozenset[str],
    zone: ZoneInfo,
    key_property: str | None = None,
) -> Activity:
    """An engagement with one of its contacts; the owner is the member who had the contact.
    A task the product closed (its key retired, :func:`retired_key`) is no contact moment.

    Raises:
        MappingError: no owner or no timestamp.
    """
    engagement_id = _required_id(record, "engagement")
    owner = object_id(prop(record, "hubspot_owner_id"))
    if owner is None:
        raise MappingError(f"engagement {engagement_id}: hubspot_owner_id is empty")
    day = local_date(prop(record, "hs_timestamp"), zone, f"engagement {engagement_id}")
    key = prop(record, key_property)
    closed_by_us = key is not None and _RETIRED_KEY.fullmatch(key) is not None
    completed = activity_completed(prop(record, status_property), done) and not closed_by_us
    return Activity(owner, contact_id, day, completed)


def task_record(
    record: Mapping[str, Any],
    key_property: str,
    zone: ZoneInfo,
    company_id: str | None,
    contact_id: str | None,
) -> TaskRecord | None:
    """An open task of ours, or ``None`` when it carries no key (someone else's)."""
    key = prop(record, key_property)
    if key is None:
        return None
    task_id = _required_id(record, "task")
    return TaskRecord(
        task_id,
        key,
        company_id or "",
        object_id(prop(record, "hubspot_owner_id")) or "",
        contact_id or "",
        local_date(prop(record, "hs_timestamp"), zone, f"task {task_id} hs_timestamp"),
        prop(record, "hs_task_subject") or "",
        _raw(record, "hs_task_body"),
    )


def _raw(record: Mapping[str, Any], name: str) -> str:
    """A text property exactly as stored (line breaks and spaces kept), ``""`` when empty."""
    properties = record.get("properties")
    value = properties.get(name) if isinstance(properties, Mapping) else None
    return "" if value is None else str(value)


# -- associations ---------------------------------------------------------------------------------


#: HUBSPOT_DEFINED association type ids that mark the primary company: deal to company (5),
#: contact to company (1).
PRIMARY_TYPES = frozenset({"5", "1"})


@dataclass(frozen=True, slots=True)
class AssociationTargets:
    """The records one record is associated with, and which of them carry the Primary label."""

    targets: tuple[str, ...]
    primary: tuple[str, ...] = ()

    def one(self) -> str | None:
        """The primary target, else the only one, else the lowest id (never counted twice)."""
        if self.primary:
            return self.primary[0]
        return min(self.targets, key=lambda t: (len(t), t)) if self.targets else None


def associations(result: Mapping[str, Any]) -> tuple[str | None, AssociationTargets, str | None]:
    """``(from id, targets, next page cursor)`` of one v4 batch-read result.

    A result is ``{"from": {"id"}, "to": [{"toObjectId", "associationTypes": [{"category",
    "typeId", "label"}]}], "paging": {"next": {"after"}}}``; a label may be ``null``. The
    primary company is the one with a ``HUBSPOT_DEFINED`` primary type id (:data:`PRIMARY_TYPES`:
    deal to company 5, contact to company 1, "Associations v4", association type id table,
    https://developers.hubspot.com/docs/api-reference/crm-associations-v4/guide), never a label
    text: a portal may name its own (``USER_DEFINED``) label "Primary" too.
    """
    source = result.get("from")
    from_id = object_id(source.get("id")) if isinstance(source, Mapping) else None
    targets: list[str] = []
    primary: list[str] = []
    for item in result.get("to") or []:
        if not isinstance(item, Mapping):
            continue
        to_id = object_id(item.get("toObjectId", item.get("id")))
        if to_id is None:
            continue
        targets.append(to_id)
        if any(
            isinstance(t, Mapping)
            and str(t.get("category") or "") == "HUBSPOT_DEFINED"
            and object_id(t.get("typeId")) in PRIMARY_TYPES
            for t in item.get("associationTypes") or []
        ):
            primary.append(to_id)
    paging = result.get("paging")
    following = paging.get("next") if isinstance(paging, Mapping) else None
    after = following.get("after") if isinstance(following, Mapping) else None
    cursor = None if after in (None, "") else str(after)
    return from_id, AssociationTargets(tuple(targets), tuple(primary)), cursor


# -- domain -> payloads ---------------------------------------------------------------------------


def company_update_input(
    account_id: str, values: Mapping[str, str | None], fields: Mapping[str, str]
) -> dict[str, Any]:
    """A batch-update input; an empty string clears a property."""
    return {
        "id": account_id,
        "properties": {fields[t]: ("" if v is None else v) for t, v in values.items()},
    }


def due_timestamp(day: date, zone: ZoneInfo) -> str:
    """``hs_timestamp`` for a task due on ``day``: 00:00 that day in ``zone``, as UTC ISO 8601
    ("Tasks", https://developers.hubspot.com/docs/api/crm/tasks: a Unix timestamp in
    milliseconds or UTC format)."""
    moment = datetime.combine(day, datetime.min.time(), zone).astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.000Z")


#: HUBSPOT_DEFINED association types of a task: to its company (192) and contact (204).
TASK_TO_COMPANY = 192
TASK_TO_CONTACT = 204


def task_create_input(
    draft: TaskDraft, key_property: str, open_status: str, zone: ZoneInfo
) -> dict[str, Any]:
    """A batch-create input: owner = member, due = ``hs_timestamp``, the key in its property,
    associated with the company and the contact in the same call. The key is also the input's
    ``objectWriteTraceId``, which makes HubSpot answer a partial failure with 207 naming the
    failed inputs ("Error handling", https://developers.hubspot.com/docs/api-reference/error-handling)."""
    associations_in = [
        {
            "to": {"id": draft.account_id},
            "types": [
                {"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": TASK_TO_COMPANY}
            ],
        }
    ]
    if draft.contact_id:
        associations_in.append(
            {
                "to": {"id": draft.contact_id},
                "types": [
                    {"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": TASK_TO_CONTACT}
                ],
            }
        )
    return {
        "objectWriteTraceId": draft.key,
        "properties": {
            "hs_timestamp": due_timestamp(draft.due_date, zone),
            "hs_task_subject": draft.subject,
            "hs_task_body": draft.description,
            "hs_task_status": open_status,
            "hubspot_owner_id": draft.member_id,
            key_property: draft.key,
        },
        "associations": associations_in,
    }


def task_update_input(update: TaskUpdate, zone: ZoneInfo) -> dict[str, Any]:
    """A rescheduled task: new due time, subject and body (the key is kept)."""
    return {
        "id": update.id,
        "properties": {
            "hs_timestamp": due_timestamp(update.due_date, zone),
            "hs_task_subject": update.subject,
            "hs_task_body": update.description,
        },
    }


def task_close_input(task_id: str, key: str, key_property: str) -> dict[str, Any]:
    """A task of ours closed: COMPLETED, its key retired in the same update."""
    properties = {"hs_task_status": CLOSED_TASK_STATUS, key_property: retired_key(key, task_id)}
    return {"id": task_id, "properties": properties}
