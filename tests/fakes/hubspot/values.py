"""Property value checking and formatting for the fake HubSpot portal. No I/O.

HubSpot stores every property value as a string and returns strings or ``null`` ("Properties
API": values are strings; an empty string clears a value). What a write may send, per type:

* ``number``: a decimal number, as a JSON string or number;
* ``datetime``: epoch milliseconds (string or number) or ISO 8601 ("Activities | Tasks":
  "either a Unix timestamp in milliseconds or UTC format"); returned like Java's
  ``Instant.toString()`` — ``2022-12-25T09:45:00Z`` without a fraction when the milliseconds are
  zero, ``2021-04-20T15:16:13.506Z`` otherwise (the recorded meetings in
  /work/shared/reference/hubspot-real-responses.json);
* ``date``: ``YYYY-MM-DD`` or the epoch milliseconds of that day's midnight UTC;
* ``enumeration``: one of the option values; multiple checkboxes take ``;``-separated values;
  owner-valued properties take an owner id;
* ``bool``: ``true`` / ``false``.

A write with bad values fails as a whole with 400 ``VALIDATION_ERROR`` and the message
``Property values were not valid: [{"isValid":false,"message":...,"error":...,"name":...}]`` —
the shape of the recorded 400 in the reference file. Error codes: ``INVALID_LONG`` ("<v> was not
a valid long." — recorded), ``INVALID_OPTION`` ("<v> was not one of the allowed options: [...]",
as integrations quote it), ``PROPERTY_DOESNT_EXIST`` ('Property "<p>" does not exist', as
integrations quote it), ``READ_ONLY_VALUE`` for calculated and system properties, and the
fake's own ``INVALID_NUMBER`` ("<v> was not a valid number.") for numbers, whose real wording was
not found.
"""

from __future__ import annotations

import json
import re
from collections.abc import Container
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from .schema import PropertyDef

__all__ = [
    "ValueProblem",
    "check_value",
    "format_ms",
    "invalid_properties_message",
    "parse_datetime_ms",
    "sort_key",
]

ValueProblem = dict[str, Any]
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_DIGITS = re.compile(r"-?\d+$")
_ISO = re.compile(r"\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$")


def format_ms(ms: int) -> str:
    """Epoch milliseconds as HubSpot writes datetimes (``Instant.toString()``)."""
    moment = datetime.fromtimestamp(ms / 1000, tz=UTC)
    base = moment.strftime("%Y-%m-%dT%H:%M:%S")
    return f"{base}Z" if ms % 1000 == 0 else f"{base}.{ms % 1000:03d}Z"


def parse_datetime_ms(raw: object) -> int | None:
    """Epoch milliseconds from milliseconds or ISO 8601 text; ``None`` when it is neither."""
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        return raw
    if isinstance(raw, float) and raw.is_integer():
        return int(raw)
    if not isinstance(raw, str):
        return None
    text = raw.strip()
    if _DIGITS.match(text):
        return int(text)
    if not _ISO.match(text):
        return None
    try:
        if len(text) == 10:
            moment = datetime.combine(date.fromisoformat(text), time(), UTC)
        else:
            moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=UTC)
    except ValueError:
        return None
    return (moment - _EPOCH) // timedelta(milliseconds=1)


def _text_of(raw: object) -> str:
    if isinstance(raw, bool):
        return "true" if raw else "false"
    if isinstance(raw, float) and raw.is_integer():
        return str(int(raw))
    return str(raw)


def _problem(prop_name: str, error: str, message: str) -> ValueProblem:
    return {"isValid": False, "message": message, "error": error, "name": prop_name}


def _options_message(value: str, allowed: list[str]) -> str:
    return f"{value} was not one of the allowed options: [{', '.join(allowed)}]"


def check_value(
    prop: PropertyDef | None,
    name: str,
    raw: object,
    owners: Container[str],
) -> tuple[str | None, ValueProblem | None]:
    """``(stored value, None)`` for a valid write of ``raw`` to property ``name``, or
    ``(None, problem)``. ``None`` and ``""`` clear the value."""
    if prop is None:
        return None, _problem(name, "PROPERTY_DOESNT_EXIST", f'Property "{name}" does not exist')
    if prop.read_only or prop.calculated:
        return None, _problem(
            name, "READ_ONLY_VALUE", f'"{name}" is a calculated property; its value cannot be set.'
        )
    if raw is None or raw == "":
        return None, None
    if isinstance(raw, (dict, list)):
        return None, _problem(name, "INVALID_PROPERTY_VALUE", f"{json.dumps(raw)} is not a string")
    text = _text_of(raw).strip() if not isinstance(raw, str) else raw
    if prop.type == "number":
        return _number(name, raw, text)
    if prop.type in ("datetime", "date"):
        ms = parse_datetime_ms(raw)
        if ms is None:
            return None, _problem(name, "INVALID_LONG", f"{text} was not a valid long.")
        if prop.type == "date":
            return datetime.fromtimestamp(ms / 1000, tz=UTC).date().isoformat(), None
        return format_ms(ms), None
    if prop.type == "bool":
        lowered = text.strip().lower()
        if lowered not in ("true", "false"):
            return None, _problem(name, "INVALID_OPTION", _options_message(text, ["true", "false"]))
        return lowered, None
    if prop.type == "enumeration":
        return _enumeration(prop, name, text, owners)
    return text, None


def _number(name: str, raw: object, text: str) -> tuple[str | None, ValueProblem | None]:
    if isinstance(raw, bool):
        return None, _problem(name, "INVALID_NUMBER", f"{text} was not a valid number.")
    try:
        number = Decimal(text.strip())
    except InvalidOperation:
        number = Decimal("NaN")
    if not number.is_finite():
        return None, _problem(name, "INVALID_NUMBER", f"{text} was not a valid number.")
    return text.strip(), None


def _enumeration(
    prop: PropertyDef, name: str, text: str, owners: Container[str]
) -> tuple[str | None, ValueProblem | None]:
    values = [v.strip() for v in text.split(";")] if prop.multiple else [text.strip()]
    values = [v for v in values if v]
    if prop.referenced_object_type == "OWNER":
        bad = [v for v in values if v not in owners]
        if bad:
            return None, _problem(
                name, "INVALID_OPTION", f"{bad[0]} was not one of the allowed options"
            )
        return ";".join(values) or None, None
    allowed = prop.option_values()
    bad = [v for v in values if v not in allowed]
    if bad:
        return None, _problem(name, "INVALID_OPTION", _options_message(bad[0], allowed))
    return ";".join(values) or None, None


def invalid_properties_message(problems: list[ValueProblem]) -> str:
    """The ``message`` of a 400 ``VALIDATION_ERROR`` for invalid property values."""
    return "Property values were not valid: " + json.dumps(problems, separators=(",", ":"))


def sort_key(prop: PropertyDef | None, value: str | None) -> tuple[int, Any]:
    """A comparison key for a stored value: numbers and times numerically, text case-folded;
    missing values sort last."""
    if value is None:
        return (1, 0)
    if prop is not None and prop.type == "number":
        try:
            return (0, Decimal(value))
        except InvalidOperation:
            return (0, Decimal(0))
    if prop is not None and prop.type in ("datetime", "date"):
        return (0, Decimal(parse_datetime_ms(value) or 0))
    return (0, value.casefold())
