"""Per-account revenue, margin and product figures for the period. Pure; no I/O.

Revenue lines are aggregated as a frame by :func:`summarize_revenue` (see :mod:`.frames`).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, localcontext

import polars as pl

from .calendar import months_before
from .frames import bought_by, revenue_figures
from .model import RevenueLine

__all__ = ["EXACT", "Period", "RevenueSummary", "summarize_revenue"]

#: Decimal precision for sums and comparisons: money never rounds inside the method.
EXACT = 60

_ZERO = Decimal(0)


@dataclass(frozen=True, slots=True)
class Period:
    """Revenue period ``start < date <= end``; ``start`` is excluded."""

    start: date
    end: date
    months: int

    @classmethod
    def ending(cls, as_of: date, months: int) -> Period:
        """The ``months`` calendar months up to and including ``as_of``."""
        return cls(months_before(as_of, months), as_of, months)

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and self.start < day <= self.end


@dataclass(frozen=True, slots=True)
class RevenueSummary:
    """Figures per account id; accounts without lines in the period are absent."""

    period: Period
    revenue: Mapping[str, Decimal]
    margin: Mapping[str, Decimal]
    products: Mapping[str, int]
    has_margins: bool
    has_products: bool
    bought: Mapping[str, Collection[str]] = field(default_factory=dict)
    """The distinct products each account bought in the period (for whitespace): tuples of
    interned strings, a fraction of the memory of a set per account."""
    product_lists: pl.DataFrame | None = None
    """The same as ``account_id``/``bought`` rows, when aggregated from a frame."""
    table: pl.DataFrame | None = None
    """The figures as a frame when the engine summed them (see :class:`.frames.RevenueFigures`);
    segmentation and the group figures then work on it."""

    def bought_by(self, account_ids: Collection[str]) -> Mapping[str, Collection[str]]:
        """``bought`` of ``account_ids`` only (without building the rest)."""
        if self.product_lists is not None:
            return bought_by(self.product_lists, account_ids)
        return {i: self.bought[i] for i in account_ids if i in self.bought}

    def revenue_of(self, account_id: str) -> Decimal:
        return self.revenue.get(account_id, _ZERO)

    def margin_of(self, account_id: str) -> Decimal | None:
        """The account's margin, or ``None`` when the data has no margins at all."""
        return self.margin.get(account_id, _ZERO) if self.has_margins else None

    def products_per_year(self, account_id: str) -> Decimal | None:
        """Distinct products scaled to a year, or ``None`` when the data has no products."""
        if not self.has_products:
            return None
        return self.per_year(self.products.get(account_id, 0))

    def per_year(self, count: int) -> Decimal:
        """``count`` distinct products in the period, scaled to a year."""
        with localcontext(prec=EXACT):
            return Decimal(count * 12) / self.period.months

    def metric(self, account_id: str, name: str) -> Decimal | None:
        """A rating metric by name: ``revenue``, ``margin`` or ``products_per_year``."""
        if name == "revenue":
            return self.revenue_of(account_id)
        if name == "margin":
            return self.margin_of(account_id)
        return self.products_per_year(account_id)


def summarize_revenue(lines: Iterable[RevenueLine], period: Period) -> RevenueSummary:
    """Sum amounts and margins and count distinct products per account within ``period``.

    Margins (products) "exist" when any line, in the period or not, carries one. The lines may
    be a :class:`~.frames.RevenueFrame` (aggregated in place) or any records (converted once).
    """
    figures = revenue_figures(lines, period.start, period.end)
    return RevenueSummary(
        period,
        figures.revenue,
        figures.margin,
        figures.products,
        figures.has_margins,
        figures.has_products,
        bought=figures.bought,
        product_lists=figures.product_lists,
        table=figures.table,
    )
