"""The CRM search endpoint's query language, as the fake evaluates it. No I/O.

"Search the CRM" (https://developers.hubspot.com/docs/api-reference/latest/crm/search-the-crm and
its "Limitations"): ``filterGroups`` are OR-ed and the filters inside one group AND-ed (a
top-level ``filters`` list counts as one more group); operators ``EQ``, ``NEQ``, ``LT``, ``LTE``,
``GT``, ``GTE``, ``BETWEEN`` (``value`` and ``highValue``, inclusive), ``IN`` and ``NOT_IN``
(``values``), ``HAS_PROPERTY``, ``NOT_HAS_PROPERTY``, ``CONTAINS_TOKEN`` and
``NOT_CONTAINS_TOKEN`` (the operator enum of hubspot-api-client's ``Filter`` model); at most 5
groups, 10 filters per group and 25 filters in all ("Expanded filtering capabilities ... in
HubSpot's Search API", developer changelog, August 2024); one sorting rule; ``limit`` default
10, at most 200 per page; ``after`` an offset; and "The search endpoints are limited to 10,000
total results for any given query. Attempting to page beyond 10,000 will result in a 400 error"
— the fake answers 400 once ``after`` reaches 10,000 (``total`` still counts every match, and
``paging`` keeps pointing past the cap, so a client that follows it blindly meets the 400).

Comparisons follow the property type: numbers numerically, ``datetime``/``date`` by instant
(filter values in epoch milliseconds or ISO 8601), text and options case-insensitively for
``EQ``/``NEQ``/``IN``/``NOT_IN``; a multiple-checkbox value matches ``EQ``/``IN`` when any of its
options does. ``associations.<type>`` (``associations.contact``, recorded in the reference
file) filters on associated record ids.

Search lags behind writes: a record created or updated appears in search, with its new values,
only :attr:`.Portal.search_delay` seconds later (:meth:`.Portal.search_view`); reads by id,
batch reads and lists see it at once. HubSpot documents no figure; integration guides and
HubSpot/hubspot-api-php#59 report that a record written seconds earlier is not yet found. The
portal profile sets the delay (``search_index_delay_seconds``). Associations are not lagged.
Unknown properties count as unset. Without ``sorts``,
results come in id order. The fake is strict where HubSpot's behaviour is undocumented: a
``limit`` above 200 or a second sort rule is a 400 here.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from decimal import Decimal, InvalidOperation
from fnmatch import fnmatchcase
from typing import Any

from .schema import PropertyDef, resolve_type
from .state import Portal, Record, RequestError
from .values import parse_datetime_ms, sort_key

__all__ = ["MAX_GROUPS", "MAX_LIMIT", "MAX_RESULTS", "OPERATORS", "run_search"]

MAX_LIMIT = 200
MAX_RESULTS = 10_000
MAX_GROUPS = 5
MAX_FILTERS_PER_GROUP = 10
MAX_FILTERS = 25
DEFAULT_LIMIT = 10
OPERATORS = (
    "EQ",
    "NEQ",
    "LT",
    "LTE",
    "GT",
    "GTE",
    "BETWEEN",
    "IN",
    "NOT_IN",
    "HAS_PROPERTY",
    "NOT_HAS_PROPERTY",
    "CONTAINS_TOKEN",
    "NOT_CONTAINS_TOKEN",
)
Predicate = Callable[[Record], bool]


def _bad(message: str) -> RequestError:
    return RequestError(400, "VALIDATION_ERROR", message)


def _int(raw: object, name: str, default: int) -> int:
    if raw is None:
        return default
    try:
        return int(str(raw))
    except ValueError:
        raise _bad(f"{name} must be an integer, not {raw!r}") from None


def run_search(portal: Portal, object_name: str, body: Mapping[str, Any]) -> dict[str, Any]:
    """Evaluate a search request body; hold ``portal.lock``.

    Raises:
        RequestError: 400 ``VALIDATION_ERROR`` for a malformed request or paging past 10,000.
    """
    limit = _int(body.get("limit"), "limit", DEFAULT_LIMIT)
    after = _int(body.get("after"), "after", 0)
    if not 0 < limit <= MAX_LIMIT:
        raise _bad(f"limit must be between 1 and {MAX_LIMIT}, not {limit}")
    if after < 0:
        raise _bad(f"after must not be negative, not {after}")
    if after >= MAX_RESULTS:
        raise _bad(
            f"The search endpoints are limited to {MAX_RESULTS} total results for any given "
            f"query; after={after} pages beyond them."
        )
    groups = [_group(portal, object_name, g) for g in _filter_groups(body)]
    query = str(body.get("query") or "").strip().casefold()
    key = (
        object_name,
        portal.version,
        json.dumps([body.get("filterGroups"), body.get("sorts"), query], sort_keys=True),
    )
    lagging = portal.clock() < portal.index_pending_until
    records = None if lagging else portal.search_cache.get(key)
    if records is None:
        views = (portal.search_view(r) for r in portal.records(object_name))
        records = [
            r
            for r in views
            if r is not None and (not groups or any(all(p(r) for p in g) for g in groups))
        ]
        if query:
            records = [
                r
                for r in records
                if any(query in (v or "").casefold() for v in r.properties.values())
            ]
        records = _sorted(portal, object_name, records, body.get("sorts"))
        if len(portal.search_cache) > 16:
            portal.search_cache.clear()
        if not lagging:
            portal.search_cache[key] = records
    window = records[after : min(after + limit, MAX_RESULTS)]
    requested = body.get("properties")
    names = [str(n) for n in requested] if isinstance(requested, list) else None
    response: dict[str, Any] = {
        "total": len(records),
        "results": [portal.record_json(object_name, r, names) for r in window],
    }
    if after + limit < len(records):
        response["paging"] = {"next": {"after": str(after + limit)}}
    return response


def _filter_groups(body: Mapping[str, Any]) -> list[list[Mapping[str, Any]]]:
    raw_groups = body.get("filterGroups") or []
    if not isinstance(raw_groups, list):
        raise _bad("filterGroups must be a list")
    groups: list[list[Mapping[str, Any]]] = []
    for group in raw_groups:
        filters = group.get("filters") if isinstance(group, Mapping) else None
        if not isinstance(filters, list):
            raise _bad("each filter group needs a filters list")
        groups.append(filters)
    top = body.get("filters")
    if isinstance(top, list) and top:
        groups.append(top)
    if len(groups) > MAX_GROUPS:
        raise _bad(f"Too many filter groups: {len(groups)}; at most {MAX_GROUPS} are allowed.")
    for filters in groups:
        if len(filters) > MAX_FILTERS_PER_GROUP:
            raise _bad(
                f"Too many filters in a group: {len(filters)}; at most "
                f"{MAX_FILTERS_PER_GROUP} are allowed."
            )
    total = sum(len(f) for f in groups)
    if total > MAX_FILTERS:
        raise _bad(f"Too many filters: {total}; at most {MAX_FILTERS} are allowed.")
    return groups


def _group(portal: Portal, object_name: str, filters: list[Mapping[str, Any]]) -> list[Predicate]:
    return [_predicate(portal, object_name, f) for f in filters]


def _predicate(portal: Portal, object_name: str, spec: Mapping[str, Any]) -> Predicate:
    if not isinstance(spec, Mapping):
        raise _bad("a filter must be an object")
    name = str(spec.get("propertyName") or "")
    operator = str(spec.get("operator") or "EQ").upper()
    if not name:
        raise _bad("a filter needs a propertyName")
    if operator not in OPERATORS:
        raise _bad(f"Unknown filter operator {operator}; expected one of {', '.join(OPERATORS)}")
    if name.startswith("associations."):
        return _association_predicate(portal, object_name, name, operator, spec)
    prop = portal.property(object_name, name)

    def values_of(record: Record) -> list[str]:
        raw = record.properties.get(name)
        if raw is None or raw == "":
            return []
        return [v for v in raw.split(";") if v] if prop is not None and prop.multiple else [raw]

    return _compare(prop, operator, spec, values_of)


def _association_predicate(
    portal: Portal, object_name: str, name: str, operator: str, spec: Mapping[str, Any]
) -> Predicate:
    target = resolve_type(name.split(".", 1)[1])
    if target is None:
        raise _bad(f"Unknown association type in {name}")

    def values_of(record: Record) -> list[str]:
        return [str(i) for i, _ in portal.associations(object_name, record.id, target.name)]

    return _compare(None, operator, spec, values_of)


def _operand(prop: PropertyDef | None, raw: object) -> Any:
    """A filter value in the property's comparison domain."""
    if raw is None:
        raise _bad("this operator needs a value")
    if isinstance(raw, bool):
        raw = "true" if raw else "false"
    if prop is not None and prop.type == "number":
        try:
            return Decimal(str(raw))
        except InvalidOperation:
            raise _bad(f"{raw} is not a valid number") from None
    if prop is not None and prop.type in ("datetime", "date"):
        ms = parse_datetime_ms(raw)
        if ms is None:
            raise _bad(f"{raw} is not a valid date or epoch milliseconds")
        return Decimal(ms)
    return str(raw).casefold()


def _compare(
    prop: PropertyDef | None,
    operator: str,
    spec: Mapping[str, Any],
    values_of: Callable[[Record], list[str]],
) -> Predicate:
    if operator in ("HAS_PROPERTY", "NOT_HAS_PROPERTY"):
        wanted = operator == "HAS_PROPERTY"
        return lambda r: bool(values_of(r)) is wanted

    def keys(record: Record) -> list[Any]:
        return [sort_key(prop, v)[1] for v in values_of(record)]

    if operator in ("IN", "NOT_IN"):
        raw_values = spec.get("values")
        if not isinstance(raw_values, list) or not raw_values:
            raise _bad(f"{operator} needs a non-empty values list")
        options = {_operand(prop, v) for v in raw_values}
        inside = operator == "IN"
        return lambda r: any(k in options for k in keys(r)) is inside
    if operator in ("CONTAINS_TOKEN", "NOT_CONTAINS_TOKEN"):
        pattern = str(spec.get("value") or "").casefold()
        contains = operator == "CONTAINS_TOKEN"
        return lambda r: (
            any(
                fnmatchcase(token, pattern) or (("*" not in pattern) and pattern in token)
                for v in values_of(r)
                for token in v.casefold().split()
            )
            is contains
        )
    low = _operand(prop, spec.get("value"))
    if operator == "BETWEEN":
        high = _operand(prop, spec.get("highValue"))
        return lambda r: any(low <= k <= high for k in keys(r))
    tests: dict[str, Callable[[Any], bool]] = {
        "EQ": lambda k: k == low,
        "LT": lambda k: k < low,
        "LTE": lambda k: k <= low,
        "GT": lambda k: k > low,
        "GTE": lambda k: k >= low,
    }
    if operator == "NEQ":
        return lambda r: not any(k == low for k in keys(r))
    test = tests[operator]
    return lambda r: any(test(k) for k in keys(r))


def _sorted(portal: Portal, object_name: str, records: list[Record], sorts: object) -> list[Record]:
    if not sorts:
        return records
    if not isinstance(sorts, list):
        raise _bad("sorts must be a list")
    if len(sorts) > 1:
        raise _bad("Only one sort rule can be applied to a search.")
    rule = sorts[0]
    if isinstance(rule, str):
        descending = rule.startswith("-")
        name = rule.lstrip("-")
    elif isinstance(rule, Mapping):
        name = str(rule.get("propertyName") or "")
        descending = str(rule.get("direction") or "ASCENDING").upper() == "DESCENDING"
    else:
        raise _bad("a sort must be a property name or {propertyName, direction}")
    prop = portal.property(object_name, name)
    present = [r for r in records if r.properties.get(name) is not None]
    missing = [r for r in records if r.properties.get(name) is None]
    present.sort(key=lambda r: r.id)
    present.sort(key=lambda r: sort_key(prop, r.properties.get(name))[1], reverse=descending)
    return present + missing
