"""What counts as a number in input cells: plain decimals with a decimal point. Pure.

``Decimal()`` alone is too lenient for user data: it accepts ``1_000``, ``1e3``, ``NaN``,
``Infinity`` and non-ASCII digits. Revenue amounts and rating attributes both go through here.
"""

from __future__ import annotations

import re
from decimal import Decimal

__all__ = ["parse_plain_decimal"]

_PLAIN_DECIMAL = re.compile(r"\s*[+-]?(?:\d+(?:\.\d*)?|\.\d+)\s*", re.ASCII)


def parse_plain_decimal(text: str) -> Decimal | None:
    """``1234.50``, ``-10``, ``.5`` (spaces around allowed) as a Decimal; anything else ``None``."""
    if _PLAIN_DECIMAL.fullmatch(text) is None:
        return None
    return Decimal(text)
