"""Customer rating: rank the selected top accounts against each other per criterion. Pure.

Per criterion, rank 1 is the most interesting account; equal values share the average of the ranks
they span, and accounts without a value rank after all others, sharing the remaining ranks' average.
Points are the sum of ranks; fewest points is position 1.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from .numbers import parse_plain_decimal
from .settings import METRICS, Better, CriterionSettings, RatingSettings

__all__ = [
    "Rated",
    "Rating",
    "criterion_value",
    "default_criteria",
    "parse_number",
    "rank_values",
    "rate_accounts",
    "select_rated",
]

_ZERO = Decimal(0)


def default_criteria(has_margins: bool, has_products: bool) -> tuple[CriterionSettings, ...]:
    """Revenue, then margin and products per year when the data has them; all ``higher``."""
    keys = ["revenue"]
    if has_margins:
        keys.append("margin")
    if has_products:
        keys.append("products_per_year")
    return tuple(CriterionSettings(key=key, source=key) for key in keys)


def select_rated(settings: RatingSettings, segment_a_in_order: Sequence[str]) -> tuple[str, ...]:
    """The explicit ``rating.accounts`` list, else the top ``rating.top`` of group A."""
    if settings.accounts is not None:
        return settings.accounts
    return tuple(segment_a_in_order[: settings.top])


def parse_number(raw: str) -> Decimal | None:
    """A plain decimal from a cell, or ``None`` when it is not one (``8,5``, ``NaN``, ``1e3``)."""
    return parse_plain_decimal(raw)


def rank_values(values: Sequence[Decimal | None], better: Better) -> list[Decimal]:
    """Ranks for ``values`` (1 = most interesting), ties and missing values averaged.

    >>> [str(r) for r in rank_values([Decimal(9), Decimal(5), Decimal(5), None], Better.HIGHER)]
    ['1', '2.5', '2.5', '4']
    """
    present = [(value, i) for i, value in enumerate(values) if value is not None]
    present.sort(key=lambda item: item[0], reverse=better is Better.HIGHER)
    ranks = [_ZERO] * len(values)
    start = 0
    while start < len(present):
        end = start
        while end + 1 < len(present) and present[end + 1][0] == present[start][0]:
            end += 1
        shared = Decimal(start + 1 + end + 1) / 2
        for _, i in present[start : end + 1]:
            ranks[i] = shared
        start = end + 1
    missing = [i for i, value in enumerate(values) if value is None]
    if missing:
        shared = Decimal(len(present) + 1 + len(values)) / 2
        for i in missing:
            ranks[i] = shared
    return ranks


@dataclass(frozen=True, slots=True)
class Rated:
    """One rated account: its position, points and rank per criterion key."""

    position: int
    account_id: str
    points: Decimal
    ranks: Mapping[str, Decimal]


@dataclass(frozen=True, slots=True)
class Rating:
    criteria: tuple[CriterionSettings, ...]
    accounts: tuple[Rated, ...]
    warnings: tuple[str, ...]

    def position_of(self) -> dict[str, int]:
        return {rated.account_id: rated.position for rated in self.accounts}


MetricLookup = Callable[[str, str], Decimal | None]
"""``metric(account_id, name)``: a computed metric value, ``None`` when it does not exist."""


def criterion_value(
    criterion: CriterionSettings,
    account_id: str,
    metric: MetricLookup,
    attributes: Callable[[str], Mapping[str, str]],
) -> tuple[Decimal | None, str | None]:
    """The value an account is ranked on for ``criterion``, and a warning when it is unusable.

    A source that is a metric name always means the metric; otherwise the account attribute of
    that name is read, and a non-numeric cell is missing (``None``) with a warning.
    """
    if criterion.source in METRICS:
        return metric(account_id, criterion.source), None
    raw = attributes(account_id).get(criterion.source, "")
    value = parse_number(raw) if raw.strip() else None
    if raw.strip() and value is None:
        return None, (
            f"account {account_id}: attribute {criterion.source!r} value {raw!r} "
            f"is not a number; criterion {criterion.key!r} treats it as missing"
        )
    return value, None


def rate_accounts(
    account_ids: Sequence[str],
    criteria: Sequence[CriterionSettings],
    metric: MetricLookup,
    attributes: Callable[[str], Mapping[str, str]],
    revenue: Callable[[str], Decimal],
) -> Rating:
    """Rank ``account_ids`` on each criterion (values from :func:`criterion_value`) and order
    them by points."""
    warnings: list[str] = []
    ranks_by_key: dict[str, list[Decimal]] = {}
    for criterion in criteria:
        values: list[Decimal | None] = []
        for account_id in account_ids:
            value, warning = criterion_value(criterion, account_id, metric, attributes)
            if warning is not None:
                warnings.append(warning)
            values.append(value)
        ranks_by_key[criterion.key] = rank_values(values, criterion.better)
    rows = []
    for i, account_id in enumerate(account_ids):
        ranks = {key: ranks[i] for key, ranks in ranks_by_key.items()}
        rows.append((sum(ranks.values(), _ZERO), account_id, ranks))
    rows.sort(key=lambda row: row[1])
    rows.sort(key=lambda row: revenue(row[1]), reverse=True)
    rows.sort(key=lambda row: row[0])
    rated = tuple(
        Rated(position, account_id, points, ranks)
        for position, (points, account_id, ranks) in enumerate(rows, start=1)
    )
    return Rating(tuple(criteria), rated, tuple(warnings))
