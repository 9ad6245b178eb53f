"""ABC segmentation, the article's four questions per group, and Pareto figures. Pure.

All comparisons are exact: thresholds and money are ``Decimal`` and computed with
:data:`~.revenue.EXACT` digits, so ``prior < a * total`` never suffers from binary rounding.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal, localcontext
from itertools import accumulate, repeat

import polars as pl

from .frames import exact_column, exact_sum
from .model import Segment
from .revenue import EXACT, RevenueSummary
from .rows import Rows
from .settings import SegmentationRule, SegmentationSettings

__all__ = [
    "GROUPS",
    "PARETO_SHARE",
    "GroupFigures",
    "MarginConcentration",
    "Pareto",
    "Segmentation",
    "SegmentedAccount",
    "group_figures",
    "pareto_figures",
    "segment_accounts",
]

#: The Pareto figures always look for 80%, whatever the segmentation rule.
PARETO_SHARE = Decimal("0.8")
GROUPS: tuple[str, ...] = ("A", "B", "C", "all")
_ZERO = Decimal(0)
_CENT = Decimal("0.01")


@dataclass(frozen=True, slots=True)
class SegmentedAccount:
    """A customer in segmentation order with its shares of the total revenue."""

    account_id: str
    segment: Segment
    revenue: Decimal
    revenue_share: Decimal
    cumulative_share: Decimal


@dataclass(frozen=True, slots=True)
class Segmentation:
    """Customers in segmentation order, then the ids of accounts without positive revenue.

    The segments are consecutive in that order: A is ``ids[:a_end]``, B ``ids[a_end:b_end]``, C
    the rest. ``customers`` gives them as records with their shares (built on first use).
    """

    ids: tuple[str, ...]
    revenues: Sequence[Decimal]
    """Each customer's revenue, in the order of ``ids``."""
    a_end: int
    b_end: int
    no_revenue: tuple[str, ...]
    total: Decimal
    ranked: pl.DataFrame | None = field(default=None, compare=False, repr=False)
    """The customers in order as rows of the revenue table, when the engine summed it."""
    customers: Sequence[SegmentedAccount] = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "customers", Rows(len(self.ids), self._customers))

    def _customers(self) -> tuple[SegmentedAccount, ...]:
        total = self.total
        with localcontext(prec=EXACT):
            return tuple(
                SegmentedAccount(account_id, segment, value, value / total, cumulative / total)
                for (account_id, segment), value, cumulative in zip(
                    self.in_order(), self.revenues, accumulate(self.revenues), strict=True
                )
            )

    def slice_of(self, segment: Segment) -> slice:
        """Where ``segment``'s customers are in ``ids`` (``none``: an empty slice)."""
        bounds = {Segment.A: (0, self.a_end), Segment.B: (self.a_end, self.b_end),
                  Segment.C: (self.b_end, len(self.ids))}  # fmt: skip
        return slice(*bounds.get(segment, (0, 0)))

    def in_order(self) -> Iterator[tuple[str, Segment]]:
        """``(account_id, segment)`` of each customer in segmentation order."""
        ids = self.ids
        for segment in (Segment.A, Segment.B, Segment.C):
            yield from zip(ids[self.slice_of(segment)], repeat(segment))

    def order_frame(self) -> pl.DataFrame:
        """The customers numbered in order (``idx``) with their segments: columns ``idx``,
        ``account_id``, ``segment`` (the matrix's input)."""
        ids = pl.Series("account_id", self.ids, pl.String)
        if self.ranked is not None:
            ids = self.ranked["account_id"]
        idx = pl.int_range(pl.len(), dtype=pl.UInt32)
        segment = (
            pl.when(idx < self.a_end).then(pl.lit(Segment.A.value))
            .when(idx < self.b_end).then(pl.lit(Segment.B.value))
            .otherwise(pl.lit(Segment.C.value))
        )  # fmt: skip
        return ids.to_frame().select(idx.alias("idx"), "account_id", segment.alias("segment"))

    def segments(self) -> dict[str, Segment]:
        """Segment per account id, ``none`` included."""
        result = dict(self.in_order())
        result.update(dict.fromkeys(self.no_revenue, Segment.NONE))
        return result


def _revenue_order(revenue: dict[str, Decimal]) -> list[tuple[str, Decimal]]:
    """Customers (revenue > 0) by revenue descending, ties by id in plain string order."""
    customers = [(account_id, value) for account_id, value in revenue.items() if value > 0]
    customers.sort(key=lambda item: item[0])
    customers.sort(key=lambda item: item[1], reverse=True)  # stable: ids stay ascending in ties
    return customers


def segment_accounts(
    account_ids: Iterable[str], summary: RevenueSummary, settings: SegmentationSettings
) -> Segmentation:
    """Assign A, B, C (or ``none``) to every account, following the configured rule.

    Revenue share: a customer is in A while the revenue of the customers before it is below
    ``a`` of the total, then in B while below ``b``. Customer count: the first ``ceil(a * n)``
    customers are A, up to ``ceil(b * n)`` B.
    """
    ids = list(account_ids)
    if summary.table is not None:
        return _segment_table(ids, summary.table, settings)
    revenue_of = summary.revenue.get
    revenue = {account_id: revenue_of(account_id, _ZERO) for account_id in ids}
    order = _revenue_order(revenue)
    no_revenue = tuple(sorted(account_id for account_id in ids if revenue[account_id] <= 0))
    customers = tuple(account_id for account_id, _ in order)
    values = tuple(value for _, value in order)
    with localcontext(prec=EXACT):
        before = [_ZERO, *accumulate(values)]  # before[i]: revenue of the customers before i
    a_end, b_end = _ends(before, len(values), before[-1], settings)
    return Segmentation(customers, values, a_end, b_end, no_revenue, before[-1])


def _segment_table(
    ids: list[str], table: pl.DataFrame, settings: SegmentationSettings
) -> Segmentation:
    """:func:`segment_accounts` on the engine's revenue table (the same order and sums)."""
    accounts = pl.DataFrame({"account_id": ids}, schema={"account_id": pl.String})
    joined = accounts.join(table, on="account_id", how="left")
    positive = (pl.col("revenue") > 0).fill_null(False)
    ranked = joined.filter(positive).sort("revenue", "account_id", descending=[True, False])
    no_revenue = joined.filter(~positive).sort("account_id")["account_id"].to_list()
    total = exact_sum(ranked, "revenue")
    n = ranked.height
    # before[i]: the revenue of the customers before i
    before = ranked["revenue"].cum_sum().shift(1, fill_value=pl.lit(0, pl.Decimal(38, 9)))
    a_end, b_end = _ends(_Series(before), n, total, settings)

    def revenues() -> tuple[Decimal, ...]:
        return tuple(exact_column(ranked, "revenue"))

    return Segmentation(
        tuple(ranked["account_id"].to_list()), Rows(n, revenues), a_end, b_end,
        tuple(no_revenue), total, ranked,
    )  # fmt: skip


def _ends(
    before: Sequence[Decimal], n: int, total: Decimal, settings: SegmentationSettings
) -> tuple[int, int]:
    """Where A and B end among ``n`` customers with running sums ``before`` (METHOD.md)."""
    a, b = settings.a, settings.b
    with localcontext(prec=EXACT):
        if settings.rule is SegmentationRule.REVENUE_SHARE:
            a_end = bisect_left(before, a * total, 0, n)
            b_end = bisect_left(before, b * total, 0, n)
        else:
            a_end = min(n, int((a * n).to_integral_value(rounding=ROUND_CEILING)))
            b_end = min(n, int((b * n).to_integral_value(rounding=ROUND_CEILING)))
    return a_end, max(a_end, b_end)


@dataclass(frozen=True, slots=True)
class GroupFigures:
    """The article's four questions for one group (A, B, C or all customers)."""

    accounts: int
    accounts_share: Decimal | None
    revenue: Decimal
    revenue_share: Decimal | None
    avg_revenue: Decimal | None
    avg_products_per_year: Decimal | None
    margin: Decimal | None
    margin_share: Decimal | None


def _share(part: Decimal, whole: Decimal) -> Decimal | None:
    return part / whole if whole else None


def group_figures(segmentation: Segmentation, summary: RevenueSummary) -> dict[str, GroupFigures]:
    """Figures per group key in :data:`GROUPS`; empty groups get zero counts and null averages."""
    everyone = slice(0, len(segmentation.ids))
    slices = {"A": segmentation.slice_of(Segment.A), "B": segmentation.slice_of(Segment.B),
              "C": segmentation.slice_of(Segment.C), "all": everyone}  # fmt: skip
    n_customers = len(segmentation.ids)
    ranked = segmentation.ranked
    sums = _Sums(segmentation, summary)
    if ranked is not None:
        counts = ranked["products"].fill_null(0).to_list()
    else:
        counts = list(map(summary.products.get, segmentation.ids, repeat(0)))
    per_year: dict[int, Decimal] = {}
    with localcontext(prec=EXACT):
        total_margin = sums.margin(everyone)
        result: dict[str, GroupFigures] = {}
        for group, where in slices.items():
            count = where.stop - where.start
            revenue = sums.revenue(where)
            margin = sums.margin(where) if summary.has_margins else None
            products: Decimal | None = None
            if summary.has_products and count:
                for product_count in set(counts[where]) - per_year.keys():
                    per_year[product_count] = summary.per_year(product_count)
                products = sum(map(per_year.__getitem__, counts[where]), _ZERO) / count
            result[group] = GroupFigures(
                accounts=count,
                accounts_share=_share(Decimal(count), Decimal(n_customers)),
                revenue=revenue,
                revenue_share=_share(revenue, segmentation.total),
                avg_revenue=(revenue / count).quantize(_CENT, ROUND_HALF_UP) if count else None,
                avg_products_per_year=products,
                margin=margin,
                margin_share=_share(margin, total_margin) if margin is not None else None,
            )
    return result


class _Sums:
    """Exact revenue and margin sums over slices of the customers in segmentation order: from
    the engine's table, or from the ``Decimal`` values."""

    def __init__(self, segmentation: Segmentation, summary: RevenueSummary) -> None:
        self._ranked = segmentation.ranked
        self._revenues = segmentation.revenues
        self._margins: list[Decimal] = []
        if self._ranked is None:
            self._margins = list(map(summary.margin.get, segmentation.ids, repeat(_ZERO)))

    def revenue(self, where: slice) -> Decimal:
        if self._ranked is not None:
            return exact_sum(self._ranked[where], "revenue")
        return sum(self._revenues[where], _ZERO)

    def margin(self, where: slice) -> Decimal:
        if self._ranked is not None:
            return exact_sum(self._ranked[where], "margin")
        return sum(self._margins[where], _ZERO)


@dataclass(frozen=True, slots=True)
class MarginConcentration:
    """The smallest top group by margin making 80% of margin: its customer and revenue share."""

    customers_share: Decimal
    revenue_share: Decimal


@dataclass(frozen=True, slots=True)
class Pareto:
    customers_share_for_80pct_revenue: Decimal | None
    margin: MarginConcentration | None


def _prefix_reaching(values: Sequence[Decimal], target: Decimal) -> int:
    """Length of the shortest prefix whose running sum reaches ``target``."""
    running = _ZERO
    for length, value in enumerate(values, start=1):
        running += value
        if running >= target:
            return length
    return len(values)


def pareto_figures(segmentation: Segmentation, summary: RevenueSummary) -> Pareto:
    """Share of customers making 80% of revenue, and margin concentration when it applies."""
    ids, revenues = segmentation.ids, segmentation.revenues
    n = len(ids)
    if not n:
        return Pareto(None, None)
    if segmentation.ranked is not None:
        return _pareto_table(segmentation.ranked, segmentation.total, summary.has_margins)
    with localcontext(prec=EXACT):
        k = _prefix_reaching(revenues, PARETO_SHARE * segmentation.total)
        revenue_share = Decimal(k) / n
        if not summary.has_margins:
            return Pareto(revenue_share, None)
        margin_of = summary.margin.get
        by_margin = sorted(
            zip(map(margin_of, ids, repeat(_ZERO)), ids, revenues, strict=True),
            key=lambda item: item[1],
        )
        by_margin.sort(key=lambda item: item[0], reverse=True)
        total_margin = sum((item[0] for item in by_margin), _ZERO)
        if total_margin <= 0:
            return Pareto(revenue_share, None)
        m = _prefix_reaching([item[0] for item in by_margin], PARETO_SHARE * total_margin)
        top_revenue = sum((item[2] for item in by_margin[:m]), _ZERO)
        concentration = MarginConcentration(Decimal(m) / n, top_revenue / segmentation.total)
    return Pareto(revenue_share, concentration)


def _pareto_table(ranked: pl.DataFrame, total: Decimal, has_margins: bool) -> Pareto:
    """:func:`pareto_figures` on the customers as rows of the engine's revenue table."""
    n = ranked.height
    with localcontext(prec=EXACT):
        k = _reaching(ranked["revenue"].cum_sum(), PARETO_SHARE * total, n)
        revenue_share = Decimal(k) / n
        if not has_margins:
            return Pareto(revenue_share, None)
        zero = pl.lit(0, pl.Decimal(38, 9))
        by_margin = ranked.with_columns(pl.col("margin").fill_null(zero)).sort(
            "margin", "account_id", descending=[True, False]
        )
        total_margin = exact_sum(by_margin, "margin")
        if total_margin <= 0:
            return Pareto(revenue_share, None)
        # Running sums rise over the margins >= 0 (first, in this order), where 80% is reached.
        rising = int((by_margin["margin"] >= 0).sum())
        m = _reaching(by_margin["margin"].cum_sum(), PARETO_SHARE * total_margin, rising)
        top_revenue = exact_sum(by_margin.head(m), "revenue")
        concentration = MarginConcentration(Decimal(m) / n, top_revenue / total)
    return Pareto(revenue_share, concentration)


def _reaching(running: pl.Series, target: Decimal, rising: int) -> int:
    """Length of the shortest prefix whose running sum reaches ``target``, found among the
    first ``rising`` running sums (which do not decrease)."""
    return min(len(running), bisect_left(_Series(running), target, 0, rising) + 1)


class _Series(Sequence[Decimal]):
    """A decimal series as a sequence, each value read when asked for (for :func:`bisect_left`)."""

    def __init__(self, series: pl.Series) -> None:
        self._series = series

    def __len__(self) -> int:
        return len(self._series)

    def __getitem__(self, index: int) -> Decimal:  # type: ignore[override]
        value: Decimal = self._series[index]
        return value
