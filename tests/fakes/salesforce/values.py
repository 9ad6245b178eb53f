"""Field values in and out of the fake org: JSON and CSV parsing, formatting, constraints. No I/O.

Stored values are Python types: ``str`` (text, picklists, ids; multi-select picklists as
``"a;b"``), ``Decimal`` (double, currency, percent), ``int``, ``bool``, ``date``, ``datetime``
(UTC-aware) or ``None``.

Formats follow "Valid Date and DateTime Formats" (REST API Developer Guide,
https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/intro_valid_date_formats.htm):
responses write datetimes as ``2026-11-27T09:00:00.000+0000``, dates as ``2026-11-27``.
A value JSON cannot deserialize into the field's type fails the whole request with
``JSON_PARSER_ERROR`` ("Cannot deserialize instance of double from VALUE_STRING value abc or request
may be missing a required field at [line:1, column:N]", as real orgs answer, e.g.
restforce/restforce#897). Record-level constraint errors (``STRING_TOO_LONG``,
``NUMBER_OUTSIDE_VALID_RANGE``, ``INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST``,
``INVALID_EMAIL_ADDRESS``) use the messages real orgs return ("Name: data value too large: ...
(max length=255)", "Amount: value outside of valid range on numeric field: ...").

Bulk API 2.0 CSV rules ("Valid CSV Record Rows", Bulk API 2.0 Developer Guide,
https://developer.salesforce.com/docs/atlas.en-us.api_asynch.meta/api_asynch/datafiles_csv_valid_record_rows.htm):
an empty value leaves the field unchanged on update, ``#N/A`` sets it to null.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from .schema import NUMBER_TYPES, STRING_TYPES, FieldDef

__all__ = [
    "CSV_NULL",
    "Stored",
    "ValueProblemError",
    "constraint_error",
    "format_datetime",
    "from_csv",
    "from_json",
    "parse_datetime",
    "rounded",
    "to_csv",
    "to_json",
]

Stored = str | Decimal | int | bool | date | datetime | None
CSV_NULL = "#N/A"

_DATETIME = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:?\d{2})$"
)
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}$")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+$")
_JSON_TYPE_NAMES = {"currency": "double", "percent": "double", "datetime": "datetime"}


@dataclass(frozen=True)
class ValueProblemError(Exception):
    """A value the field's type cannot hold; ``json_token`` names the JSON token kind."""

    field: FieldDef
    value: object
    json_token: str

    def parser_message(self, column: int) -> str:
        """The ``JSON_PARSER_ERROR`` text real orgs return for this value."""
        kind = _JSON_TYPE_NAMES.get(self.field.type, self.field.type)
        return (
            f"Cannot deserialize instance of {kind} from {self.json_token} value {self.value} "
            f"or request may be missing a required field at [line:1, column:{column}]"
        )


def parse_datetime(text: str) -> datetime | None:
    """An ISO datetime with ``Z``, ``+hh:mm`` or ``+hhmm`` and optional fraction, as UTC."""
    match = _DATETIME.match(text)
    if not match:
        return None
    year, month, day, hour, minute, second, fraction, zone = match.groups()
    try:
        value = datetime(
            int(year), int(month), int(day), int(hour), int(minute), int(second),
            int((fraction or "0").ljust(6, "0")[:6]), tzinfo=UTC,
        )  # fmt: skip
    except ValueError:
        return None
    if zone != "Z":
        sign = 1 if zone[0] == "+" else -1
        digits = zone[1:].replace(":", "")
        offset = sign * (int(digits[:2]) * 60 + int(digits[2:]))
        value = value - timedelta(minutes=offset)
    return value


def _parse_date(text: str) -> date | None:
    if not _DATE.match(text):
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def _decimal(text: str) -> Decimal | None:
    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


def _token(value: object) -> str:
    if isinstance(value, bool):
        return "VALUE_TRUE" if value else "VALUE_FALSE"
    if isinstance(value, str):
        return "VALUE_STRING"
    if isinstance(value, int):
        return "VALUE_NUMBER_INT"
    if isinstance(value, float):
        return "VALUE_NUMBER_FLOAT"
    return "START_OBJECT" if isinstance(value, dict) else "START_ARRAY"


def from_json(f: FieldDef, value: object) -> Stored:
    """The stored form of a JSON value for field ``f``.

    Numeric strings are accepted for number fields and ``"true"``/``"false"`` for checkboxes,
    like the platform's lenient deserializer; an empty string is null for text and lookups;
    anything else that does not fit raises.

    Raises:
        ValueProblemError: the value cannot be deserialized into the field's type.
    """
    if value is None:
        return None
    problem = ValueProblemError(f, value, _token(value))
    if f.type in STRING_TYPES or f.type in ("id", "reference"):
        if isinstance(value, bool | dict | list):
            raise problem
        # The platform stores an empty text value as null (so "" clears a field or lookup).
        return (value or None) if isinstance(value, str) else str(value)
    if f.type == "boolean":
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in ("true", "false"):
            return value.lower() == "true"
        raise problem
    if f.type in NUMBER_TYPES:
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            raise problem
        number = _decimal(str(value))
        if number is None:
            raise problem
        if f.type == "int":
            if number != number.to_integral_value():
                raise problem
            return int(number)
        return number
    if not isinstance(value, str):
        raise problem
    parsed = _parse_date(value) if f.type == "date" else parse_datetime(value)
    if parsed is None:
        raise problem
    return parsed


def from_csv(f: FieldDef, text: str) -> Stored:
    """The stored form of a Bulk API CSV cell (``#N/A`` is null; callers skip empty cells).

    Raises:
        ValueProblemError: the text is not a valid value of the field's type.
    """
    if text == CSV_NULL:
        return None
    problem = ValueProblemError(f, text, "VALUE_STRING")
    if f.type in STRING_TYPES or f.type in ("id", "reference"):
        return text
    if f.type == "boolean":
        lowered = text.lower()
        if lowered not in ("true", "false", "1", "0"):
            raise problem
        return lowered in ("true", "1")
    if f.type in NUMBER_TYPES:
        number = _decimal(text)
        if number is None or (f.type == "int" and number != number.to_integral_value()):
            raise problem
        return int(number) if f.type == "int" else number
    if f.type == "date":
        # Bulk API accepts a date with a trailing Z (e.g. 1940-06-07Z) as well as the plain form.
        parsed_date = _parse_date(text.removesuffix("Z"))
        if parsed_date is None:
            raise problem
        return parsed_date
    parsed = parse_datetime(text)
    if parsed is None:
        raise problem
    return parsed


def format_datetime(value: datetime, *, bulk: bool = False) -> str:
    """``2026-11-27T09:00:00.000+0000`` (REST) or ``2026-11-27T09:00:00.000Z`` (Bulk CSV)."""
    utc = value.astimezone(UTC)
    millis = f"{utc.microsecond // 1000:03d}"
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + millis + ("Z" if bulk else "+0000")


def to_json(f: FieldDef, value: Stored) -> object:
    """The JSON form of a stored value: numbers as JSON numbers, dates as ISO strings."""
    if value is None:
        return None
    if isinstance(value, bool | int | str):
        return value
    if isinstance(value, Decimal):
        return int(value) if f.type == "int" else float(value)
    if isinstance(value, datetime):
        return format_datetime(value)
    return value.isoformat()


def to_csv(f: FieldDef, value: Stored) -> str:
    """The Bulk API 2.0 query CSV form: empty for null, ``true``/``false``, plain decimals."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, datetime):
        return format_datetime(value, bulk=True)
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def constraint_error(f: FieldDef, value: Stored) -> tuple[str, str] | None:
    """``(status code, message)`` when ``value`` breaks ``f``'s length, range or picklist."""
    if value is None:
        return None
    label = f.display_label
    if isinstance(value, str) and f.type in STRING_TYPES:
        if f.length and len(value) > f.length:
            return (
                "STRING_TOO_LONG",
                f"{label}: data value too large: {value} (max length={f.length})",
            )
        if f.type == "email" and not _EMAIL.match(value):
            return "INVALID_EMAIL_ADDRESS", f"{label}: invalid email address: {value}"
        if f.restricted and f.type == "picklist" and value not in f.picklist:
            return (
                "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
                f"{label}: bad value for restricted picklist field: {value}",
            )
    if isinstance(value, Decimal | int) and not isinstance(value, bool) and f.precision:
        whole = abs(int(value))
        if len(str(whole)) > f.precision - f.scale and whole != 0:
            return (
                "NUMBER_OUTSIDE_VALID_RANGE",
                f"{label}: value outside of valid range on numeric field: {value}",
            )
    return None


def rounded(f: FieldDef, value: Stored) -> Stored:
    """Numbers rounded to the field's scale, as the platform stores them."""
    if isinstance(value, Decimal) and f.type != "int":
        return value.quantize(Decimal(1).scaleb(-f.scale), rounding=ROUND_HALF_UP)
    return value
