"""What the HubSpot connector asks for: property lists, search bodies, time ranges. Pure; no I/O.

Facts relied on:

* List endpoints (``GET /crm/v3/objects/{type}``) return at most 100 records a page and only the
  properties named in ``properties`` ("Retrieve companies",
  https://developers.hubspot.com/docs/api-reference/latest/crm/objects/companies/get-companies).
* Search (``POST /crm/v3/objects/{type}/search``) takes ``filterGroups`` (filters in a group are
  ANDed, groups ORed), ``properties``, ``sorts``, ``limit`` (at most 200) and ``after``; one query
  pages through at most 10,000 results, beyond that HubSpot answers 400 ("Search the CRM",
  https://developers.hubspot.com/docs/api-reference/search/guide). Engagements (meetings, calls,
  e-mails, tasks) are searchable by ``hs_timestamp``. :func:`split_range` cuts a time range into
  parts that each stay under the cap.
* Datetime property filters take epoch milliseconds.
* v4 association batch reads take at most 1,000 ids ("Bug Fix: Batch Read Limit for HubSpot
  Associations API", https://developers.hubspot.com/changelog/bug-fix-batch-read-limit-for-hubspot-associations-api);
  batch update and create take at most 100 inputs.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from crm_accounts.config import HubSpotSection
from crm_accounts.ports import TargetField

__all__ = [
    "ASSOCIATION_BATCH",
    "ENGAGEMENTS",
    "LIST_PAGE",
    "SEARCH_CAP",
    "SEARCH_PAGE",
    "STATUS_PROPERTIES",
    "WRITE_BATCH",
    "PropertyNames",
    "chunks",
    "day_start_ms",
    "list_query",
    "property_names",
    "search_body",
    "split_range",
]

LIST_PAGE = 100
SEARCH_PAGE = 200
SEARCH_CAP = 10_000
ASSOCIATION_BATCH = 1_000
WRITE_BATCH = 100
#: A range is cut into parts expected to hold this many results (under the cap: data is uneven).
_PART = 8_000
#: The widest range the open-task search covers: every timestamp HubSpot can hold in practice.
ALL_TIME = (0, 4_102_444_800_000)  # 1970-01-01 .. 2100-01-01


#: Engagement object -> the property saying whether it happened. Which values count is
#: ``[hubspot] activity_done`` ("Activities | Meetings",
#: https://developers.hubspot.com/docs/api-reference/latest/crm/activities/meetings/guide;
#: "Activities | Tasks", https://developers.hubspot.com/docs/api/crm/tasks: ``hs_task_status``).
STATUS_PROPERTIES = {
    "meetings": "hs_meeting_outcome",
    "calls": "hs_call_status",
    "emails": "hs_email_status",
    "tasks": "hs_task_status",
}
ENGAGEMENTS = tuple(STATUS_PROPERTIES)

_T = TypeVar("_T")


def chunks(items: Iterable[_T], size: int) -> Iterator[list[_T]]:
    """``items`` in lists of at most ``size``, order kept."""
    batch: list[_T] = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


@dataclass(frozen=True, slots=True)
class PropertyNames:
    """The properties each read asks for, derived from ``[hubspot]`` once."""

    companies: tuple[str, ...]
    owners_only: tuple[str, ...]
    deals: tuple[str, ...]
    line_items: tuple[str, ...]
    contacts: tuple[str, ...]
    tasks: tuple[str, ...]
    targets: tuple[tuple[str, str], ...]


def _unique(names: Iterable[str | None]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(name for name in names if name))


def property_names(section: HubSpotSection) -> PropertyNames:
    """Only the properties the connector uses, the target properties included (for the diff)."""
    targets = tuple((t.value, section.fields[t.value]) for t in TargetField)
    owner_valued = (
        "hubspot_owner_id",
        *section.owner_properties,
        section.pioneer_property,
    )
    companies = _unique(
        (
            "name",
            *owner_valued,
            *section.attributes.values(),
            section.integration_stage_property,
            *(name for _, name in targets),
        )
    )
    deals = _unique(
        (
            "amount",
            "closedate",
            "deal_currency_code",
            "hs_is_closed_won",
            "dealstage",
            section.margin_property,
        )
    )
    line_items = _unique(("amount", section.product_property, section.margin_property))
    contacts = _unique(
        (
            "firstname",
            "lastname",
            "email",
            "jobtitle",
            section.buying_role_property,
            section.gatekeeper_property,
        )
    )
    tasks = _unique(
        (
            "hs_timestamp",
            "hubspot_owner_id",
            "hs_task_status",
            "hs_task_subject",
            "hs_task_body",
            section.task_key_property,
        )
    )
    return PropertyNames(
        companies, _unique(owner_valued), deals, line_items, contacts, tasks, targets
    )


def list_query(properties: Sequence[str]) -> list[tuple[str, str]]:
    """Query parameters of a list endpoint: 100 a page, the named properties, live records."""
    return [
        ("limit", str(LIST_PAGE)),
        ("properties", ",".join(properties)),
        ("archived", "false"),
    ]


def search_body(
    filters: Sequence[dict[str, Any]],
    properties: Sequence[str],
    *,
    after: str | None = None,
) -> dict[str, Any]:
    """One search page: all ``filters`` ANDed, sorted by id so pages never shift."""
    body: dict[str, Any] = {
        "filterGroups": [{"filters": list(filters)}],
        "properties": list(properties),
        "sorts": [{"propertyName": "hs_object_id", "direction": "ASCENDING"}],
        "limit": SEARCH_PAGE,
    }
    if after is not None:
        body["after"] = after
    return body


def range_filters(prop: str, low: int, high: int) -> list[dict[str, Any]]:
    """``low <= prop < high`` in epoch milliseconds."""
    return [
        {"propertyName": prop, "operator": "GTE", "value": str(low)},
        {"propertyName": prop, "operator": "LT", "value": str(high)},
    ]


def split_range(low: int, high: int, total: int) -> list[tuple[int, int]]:
    """``[low, high)`` cut into equal parts expected to hold fewer than the cap each.

    Raises:
        ValueError: the range is one millisecond wide and still too full to split.
    """
    if high - low <= 1:
        raise ValueError(f"{total} results share one millisecond ({low}); cannot split further")
    parts = min(high - low, max(2, math.ceil(total / _PART)))
    width = math.ceil((high - low) / parts)
    return [(start, min(start + width, high)) for start in range(low, high, width)]


def day_start_ms(day: date, zone: ZoneInfo) -> int:
    """Epoch milliseconds of 00:00 on ``day`` in ``zone``."""
    moment = datetime.combine(day, time(), tzinfo=zone)
    return int(moment.astimezone(UTC).timestamp() * 1000)


def window_ms(since: date, until: date, zone: ZoneInfo) -> tuple[int, int]:
    """``since < day <= until`` as ``[start, end)`` epoch milliseconds in ``zone``."""
    return day_start_ms(since + timedelta(days=1), zone), day_start_ms(
        until + timedelta(days=1), zone
    )
