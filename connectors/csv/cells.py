"""Parsers for the cells of the CSV source folder; pure, no I/O.

Each parser returns the value or raises :class:`CellError` with a short reason; the reader adds
file, line, column and the offending value. Formats follow the CSV contract
(docs/formats.md): ISO dates ``YYYY-MM-DD``, decimal point ``.``, ``;``-separated lists,
booleans ``true``/``false``/``1``/``0``/``yes``/``no``/empty.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import TypeVar

from crm_accounts.domain.model import DmuRole, IntegrationStage, PsuRole
from crm_accounts.domain.numbers import MAX_DIGITS, parse_plain_decimal

__all__ = [
    "CellError",
    "parse_bool",
    "parse_capacity",
    "parse_date",
    "parse_decimal",
    "parse_dmu_roles",
    "parse_psu_roles",
    "parse_stage",
]

_SIGNS = ("-", "+")
_TRUE = frozenset({"true", "1", "yes"})
_FALSE = frozenset({"false", "0", "no", ""})
_DATES: dict[str, date] = {}
_DMU_SETS: dict[str, frozenset[DmuRole]] = {}
_PSU_SETS: dict[str, frozenset[PsuRole]] = {}
_R = TypeVar("_R", DmuRole, PsuRole)


class CellError(ValueError):
    """A cell that breaks the format; the message says what was expected."""


def parse_date(text: str) -> date:
    """A strict ``YYYY-MM-DD`` date (cached: exports repeat the same few hundred dates)."""
    cached = _DATES.get(text)
    if cached is not None:
        return cached
    if len(text) != 10 or text[4] != "-" or text[7] != "-" or not text.isascii():
        raise CellError("expected a date YYYY-MM-DD")
    try:
        value = date.fromisoformat(text)
    except ValueError:
        raise CellError("expected a date YYYY-MM-DD") from None
    if len(_DATES) < 100_000:
        _DATES[text] = value
    return value


def parse_decimal(text: str) -> Decimal:
    """A finite decimal with a decimal point: ``1234.50``, ``-10``; no exponent, no comma."""
    # parse_plain_decimal's fast path, inlined: two cells of every revenue line come here.
    digits = (text[1:] if text.startswith(_SIGNS) else text).replace(".", "", 1)
    if digits.isdigit() and digits.isascii() and len(digits) <= MAX_DIGITS:
        return Decimal(text)
    value = parse_plain_decimal(text)
    if value is None:
        raise CellError(
            "expected a decimal number with a decimal point, like 1234.50 "
            f"(at most {MAX_DIGITS} digits)"
        )
    return value


def parse_bool(text: str) -> bool:
    """``true``/``false``/``1``/``0``/``yes``/``no``; empty is false; case-insensitive."""
    value = text.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise CellError("expected true, false, 1, 0, yes, no or empty")


def parse_capacity(text: str) -> int | None:
    """A whole number of planned contacts per week, or ``None`` when empty."""
    value = text.strip()
    if not value:
        return None
    if not value.isascii() or not value.isdigit():
        raise CellError("expected a whole number >= 0")
    return int(value)


def parse_stage(text: str) -> IntegrationStage | None:
    value = text.strip().lower()
    if not value:
        return None
    try:
        return IntegrationStage(value)
    except ValueError:
        choices = ", ".join(stage.value for stage in IntegrationStage)
        raise CellError(f"expected one of {choices} or empty") from None


def _roles(text: str, kind: type[_R], cache: dict[str, frozenset[_R]]) -> frozenset[_R]:
    cached = cache.get(text)
    if cached is not None:
        return cached
    roles: set[_R] = set()
    for item in text.split(";"):
        value = item.strip().lower()
        if not value:
            continue
        try:
            roles.add(kind(value))
        except ValueError:
            choices = ", ".join(role.value for role in kind)
            raise CellError(f"unknown role {item.strip()!r}; expected {choices}") from None
    result = frozenset(roles)
    if len(cache) < 10_000:
        cache[text] = result
    return result


def parse_dmu_roles(text: str) -> frozenset[DmuRole]:
    """A ``;``-separated list of DMU role keys; empty items are ignored; interned per text."""
    return _roles(text, DmuRole, _DMU_SETS)


def parse_psu_roles(text: str) -> frozenset[PsuRole]:
    """A ``;``-separated list of PSU role keys; empty items are ignored; interned per text."""
    return _roles(text, PsuRole, _PSU_SETS)
