"""What counts as a number in input cells: plain decimals with a decimal point. Pure.

``Decimal()`` alone is too lenient for user data: it accepts ``1_000``, ``1e3``, ``NaN``,
``Infinity`` and non-ASCII digits. Revenue amounts and rating attributes both go through here.
"""

from __future__ import annotations

import re
from decimal import Decimal

__all__ = ["MAX_DIGITS", "parse_plain_decimal"]

#: Digits a number may have. The method computes with 60 digits (see ``revenue.EXACT``), so sums
#: of millions of such amounts, shares and averages stay exact; no real amount comes near it.
MAX_DIGITS = 30

_SIGNS = ("-", "+")
_PLAIN_DECIMAL = re.compile(r"\s*[+-]?(?:\d+(?:\.\d*)?|\.\d+)\s*", re.ASCII)


def parse_plain_decimal(text: str) -> Decimal | None:
    """``1234.50``, ``-10``, ``.5`` (spaces around allowed) as a Decimal; anything else ``None``.

    Numbers with more than :data:`MAX_DIGITS` digits are refused too.
    """
    # Fast path for the common cell (``1234.50``, ``-80``): an optional sign, then digits with
    # at most one decimal point; the same text the pattern below accepts, checked without it.
    digits = (text[1:] if text.startswith(_SIGNS) else text).replace(".", "", 1)
    if digits.isdigit() and digits.isascii():
        return Decimal(text) if len(digits) <= MAX_DIGITS else None
    if _PLAIN_DECIMAL.fullmatch(text) is None:
        return None
    if sum(char.isdigit() for char in text) > MAX_DIGITS:
        return None
    return Decimal(text)
