"""Salesforce records <-> domain records, as small pure functions on plain dicts. No I/O.

Records arrive in two shapes and are read the same way:

* REST query records (``GET /query``): JSON with the relationship fields nested
  (``{"Contact": {"Name": ...}}``), ``null`` for empty, numbers as JSON numbers (parsed to
  ``Decimal`` by the client), booleans as JSON booleans, dates ``YYYY-MM-DD``, datetimes
  ``2026-11-27T09:00:00.000+0000`` ("Query", https://developer.salesforce.com/docs/platform/api-rest/guide/resources-query.html).
* Bulk API 2.0 query results: CSV with one column per selected field, relationship fields as
  dotted column names and empty cells for null ("Get Results for a Query Job",
  https://developer.salesforce.com/docs/platform/api-asynch/guide/query-get-job-results.html).
  :func:`nest` turns such a row into the REST shape.

Every value is parsed once, here; a record that cannot be mapped raises :class:`MappingError`
with the reason, and the source skips it, counts it and logs it.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

from crm_accounts.domain.model import (
    Account,
    Activity,
    Contact,
    DmuRole,
    IntegrationStage,
    Member,
    PsuRole,
    RevenueLine,
)
from crm_accounts.domain.numbers import parse_plain_decimal
from crm_accounts.ports import AccountRecord, TargetField

from .soql import QueryFields

__all__ = [
    "NUMERIC_TARGETS",
    "MappingError",
    "RoleMap",
    "account_from_record",
    "activity_from_event",
    "as_bool",
    "as_date",
    "as_decimal",
    "as_text",
    "contact_from_contact",
    "contact_from_relation",
    "field_update_record",
    "member_from_user",
    "nest",
    "number_value",
    "required_text",
    "revenue_line",
    "value_at",
]

#: Target fields written as JSON numbers (Number fields, see ``admin.TARGET_DEFINITIONS``).
NUMERIC_TARGETS = frozenset(
    {
        TargetField.REVENUE.value,
        TargetField.REVENUE_SHARE.value,
        TargetField.RATING_POSITION.value,
        TargetField.RATING_POINTS.value,
        TargetField.DMU_COVERAGE.value,
        TargetField.OPEN_GAPS.value,
    }
)
_DATETIME = re.compile(r"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.\d+)?(?:Z|[+-]00:?00)")
_R = TypeVar("_R", DmuRole, PsuRole)


class MappingError(ValueError):
    """A record that cannot become a domain record; the message says why."""


# -- values ---------------------------------------------------------------------------------


def nest(row: Mapping[str, str]) -> dict[str, Any]:
    """A Bulk API CSV row as a REST record: ``"A.B"`` columns nested, empty cells ``None``."""
    record: dict[str, Any] = {}
    for column, text in row.items():
        value: Any = text if text != "" else None
        *parents, last = column.split(".")
        target = record
        for parent in parents:
            child = target.get(parent)
            if not isinstance(child, dict):
                child = {}
                target[parent] = child
            target = child
        target[last] = value
    return record


def value_at(record: Mapping[str, Any], path: str) -> Any:
    """The value at a dotted field path; ``None`` when a relationship on the way is empty."""
    value: Any = record
    for part in path.split("."):
        if not isinstance(value, Mapping):
            return None
        value = value.get(part)
    return value


def as_text(value: Any) -> str | None:
    """Any field value as text: ``None`` and ``""`` are no value; numbers in plain notation."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, float):
        return format(Decimal(repr(value)), "f")
    return str(value)


def as_decimal(value: Any, what: str) -> Decimal | None:
    """A number (JSON number, Decimal, or plain-decimal text from a Bulk CSV); ``None`` if empty.

    Raises:
        MappingError: the value is not a finite number.
    """
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise MappingError(f"{what}: expected a number, got {value!r}")
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        value = Decimal(repr(value))
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise MappingError(f"{what}: expected a finite number, got {value!r}")
        return value
    if isinstance(value, str):
        parsed = parse_plain_decimal(value)
        if parsed is None:
            try:  # Bulk CSV may use exponent notation for large doubles
                parsed = Decimal(value.strip())
            except InvalidOperation:
                parsed = None
        if parsed is not None and parsed.is_finite():
            return parsed
    raise MappingError(f"{what}: expected a number, got {value!r}")


def as_date(value: Any, what: str) -> date:
    """A ``YYYY-MM-DD`` date.

    Raises:
        MappingError: missing or not a date.
    """
    if isinstance(value, str) and len(value) == 10:
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise MappingError(f"{what}: expected a date YYYY-MM-DD, got {value!r}")


def as_bool(value: Any) -> bool:
    """A checkbox: JSON ``true``, or ``"true"`` in a Bulk CSV; empty is false."""
    if isinstance(value, bool):
        return value
    return isinstance(value, str) and value.strip().lower() == "true"


def required_text(record: Mapping[str, Any], path: str, what: str) -> str:
    text = as_text(value_at(record, path))
    if text is None:
        raise MappingError(f"{what} {record.get('Id')!r}: {path} is empty")
    return text


def target_text(value: Any) -> str | None:
    """A target field's current value as the text the sync compares (datetimes as ``...Z``)."""
    text = as_text(value)
    if text is not None:
        match = _DATETIME.fullmatch(text)
        if match:
            return match.group(1) + "Z"
    return text


# -- roles ----------------------------------------------------------------------------------


@dataclass
class RoleMap:
    """Picklist values -> roles of one kind; unknown values are counted, never fatal.

    Values match exactly first, then case-insensitively; a multi-select value is split on
    ``;`` (how multi-select picklist values come back in the API).
    """

    mapping: Mapping[str, str]
    kind: type[DmuRole] | type[PsuRole]
    unknown: Counter[str] = field(default_factory=Counter)
    _exact: dict[str, Any] = field(default_factory=dict, repr=False)
    _folded: dict[str, Any] = field(default_factory=dict, repr=False)
    _cache: dict[str, frozenset[Any]] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        for source, role in self.mapping.items():
            value = self.kind(role.strip().lower())
            self._exact[source] = value
            self._folded[source.strip().casefold()] = value

    def roles(self, value: Any) -> frozenset[Any]:
        """The roles of a (multi-)picklist value; interned per distinct value."""
        text = as_text(value)
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


# -- records -> domain ----------------------------------------------------------------------


def account_from_record(
    record: Mapping[str, Any], fields: QueryFields
) -> tuple[AccountRecord, str | None, str | None]:
    """An Account row as ``(AccountRecord, owner id, unknown stage value or None)``.

    Attributes are the configured fields as text (empty ones left out); targets are keyed by
    :class:`~crm_accounts.ports.TargetField` value. An integration stage that is not one of
    the three stages is returned as the third element and the account gets no stage.
    """
    account_id = required_text(record, "Id", "account")
    name = required_text(record, "Name", "account")
    attributes = {}
    for attribute, path in fields.attributes:
        text = as_text(value_at(record, path))
        if text is not None:
            attributes[attribute] = text
    stage = None
    unknown_stage = None
    if fields.integration_stage:
        raw = as_text(value_at(record, fields.integration_stage))
        if raw is not None:
            try:
                stage = IntegrationStage(raw.strip().lower())
            except ValueError:
                unknown_stage = raw
    targets = {}
    for target, api in fields.targets:
        text = target_text(record.get(api))
        if text is not None:
            targets[target] = text
    account = Account(account_id, name, stage, attributes)
    owner = as_text(record.get("OwnerId"))
    return (
        (AccountRecord(account, targets) if targets else AccountRecord(account)),
        owner,
        (unknown_stage),
    )


def revenue_line(record: Mapping[str, Any], fields: QueryFields, line_item: bool) -> RevenueLine:
    """A closed-won Opportunity (or OpportunityLineItem) as a revenue line."""
    prefix = "Opportunity." if line_item else ""
    what = "opportunity line item" if line_item else "opportunity"
    account_id = required_text(record, f"{prefix}AccountId", what)
    day = as_date(value_at(record, f"{prefix}CloseDate"), f"{what} {record.get('Id')!r} CloseDate")
    amount_field = "TotalPrice" if line_item else "Amount"
    amount = as_decimal(record.get(amount_field), f"{what} {record.get('Id')!r} {amount_field}")
    if amount is None:
        raise MappingError(f"{what} {record.get('Id')!r}: {amount_field} is empty")
    margin = None
    if fields.margin:
        margin = as_decimal(record.get(fields.margin), f"{what} {record.get('Id')!r} margin")
    product = as_text(value_at(record, fields.product)) if line_item else None
    return RevenueLine(account_id, day, amount, margin, product)


def contact_from_relation(
    record: Mapping[str, Any], roles: RoleMap, gatekeeper: str | None
) -> Contact:
    """An AccountContactRelation row (with ``Contact.*`` fields) as a contact of that account."""
    contact_id = required_text(record, "ContactId", "account contact relation")
    account_id = required_text(record, "AccountId", "account contact relation")
    name = required_text(record, "Contact.Name", "account contact relation")
    flag = as_bool(value_at(record, f"Contact.{gatekeeper}")) if gatekeeper else False
    return Contact(
        contact_id,
        account_id,
        name,
        roles.roles(record.get("Roles")),
        flag,
        as_text(value_at(record, "Contact.Email")),
        as_text(value_at(record, "Contact.Title")),
    )


def contact_from_contact(
    record: Mapping[str, Any], roles: RoleMap, role_field: str, gatekeeper: str | None
) -> Contact:
    """A Contact row whose roles live in a (multi-select) picklist field of the contact."""
    return Contact(
        required_text(record, "Id", "contact"),
        required_text(record, "AccountId", "contact"),
        required_text(record, "Name", "contact"),
        roles.roles(record.get(role_field)),
        as_bool(record.get(gatekeeper)) if gatekeeper else False,
        as_text(record.get("Email")),
        as_text(record.get("Title")),
    )


def member_from_user(record: Mapping[str, Any], capacity_field: str | None) -> Member:
    """A User as a member; capacity is a whole number >= 0 or left to the config default."""
    user_id = required_text(record, "Id", "user")
    capacity = None
    if capacity_field:
        value = as_decimal(record.get(capacity_field), f"user {user_id!r} {capacity_field}")
        if value is not None:
            if value < 0 or value != value.to_integral_value():
                raise MappingError(
                    f"user {user_id!r} {capacity_field}: expected a whole number >= 0, got {value}"
                )
            capacity = int(value)
    return Member(
        user_id,
        required_text(record, "Name", "user"),
        as_text(record.get("Email")),
        capacity,
    )


def activity_from_event(record: Mapping[str, Any]) -> Activity:
    """A past Event with a contact: a contact moment."""
    return Activity(
        required_text(record, "OwnerId", "event"),
        required_text(record, "WhoId", "event"),
        as_date(record.get("ActivityDate"), f"event {record.get('Id')!r} ActivityDate"),
        True,
        as_text(record.get("AccountId")),
    )


# -- domain -> payloads ---------------------------------------------------------------------


def number_value(value: str) -> int | float | None:
    """A plain decimal as a JSON number (``int`` when whole), or ``None`` if it is not one."""
    number = parse_plain_decimal(value)
    if number is None:
        return None
    return int(number) if number == number.to_integral_value() else float(number)


def field_update_record(
    account_id: str,
    values: Mapping[str, str | None],
    fields: Mapping[str, str],
    numeric: frozenset[str] = NUMERIC_TARGETS,
) -> dict[str, Any]:
    """A FieldUpdate as an sObject Collections record; ``numeric`` targets as JSON numbers,
    ``None`` or ``""`` as null (clears the field).

    ``fields`` maps target fields to Account field API names. The caller refuses unknown
    targets, and non-numbers for ``numeric`` targets, before this is called.
    """
    record: dict[str, Any] = {"attributes": {"type": "Account"}, "id": account_id}
    for target, value in values.items():
        if value is None or value == "":
            record[fields[target]] = None
        elif target in numeric:
            number = number_value(value)
            record[fields[target]] = value if number is None else number
        else:
            record[fields[target]] = value
    return record
