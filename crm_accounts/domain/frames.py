"""Revenue lines and activities as columnar frames, and their aggregation. Pure; no I/O.

The method's two big inputs are aggregated here, set-based, with polars (a computation
library): revenue, margin and distinct products per account in the period, and the last contact
moment per (member, contact) pair in the lookback.

Every source reaches the same code. A file source that reads columns already (the CSV source)
hands over a :class:`RevenueFrame` or :class:`ActivityFrame`; records from a CRM connector are
converted once by :func:`revenue_frame` / :func:`activity_frame`. Both wrappers are iterables of
the port's records too, so a caller that wants records still gets them.

Money stays exact. Amounts travel as their text. When every amount is a plain decimal of at most
18 integer and 9 fraction digits, they are summed in polars' 38-digit decimal type (ten billion
such lines cannot overflow it); otherwise each account's amounts are summed with Python's
``Decimal``. Either way a sum has the exponent a ``Decimal`` sum of the same texts has (the
smallest of its terms and of ``Decimal(0)``).
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal, localcontext
from typing import Any, TypeVar

import polars as pl

from .model import (
    Account,
    Activity,
    Contact,
    DmuRole,
    IntegrationStage,
    PsuRole,
    RevenueLine,
    TeamMember,
)
from .rows import LazyMapping

__all__ = [
    "ACTIVITY_SCHEMA",
    "CONTACT_FRAME_SCHEMA",
    "ENGINE_DECIMAL",
    "REVENUE_SCHEMA",
    "TEAM_FRAME_SCHEMA",
    "AccountFrame",
    "AccountsById",
    "ActivityFrame",
    "ById",
    "ContactFrame",
    "RevenueFrame",
    "TeamFrame",
    "activity_frame",
    "bought_by",
    "last_contacts",
    "revenue_figures",
    "revenue_frame",
]

R = TypeVar("R")
#: Decimal precision of Python sums (the same as ``revenue.EXACT``).
_EXACT = 60
#: An amount polars sums exactly in ``Decimal(38, 9)`` (a source that checks this may say
#: ``plain``).
ENGINE_DECIMAL = r"^-?[0-9]{1,18}(\.[0-9]{1,9})?$"
_SCALE = 9

REVENUE_SCHEMA = {
    "account_id": pl.String,
    "date": pl.Date,
    "amount": pl.String,
    "margin": pl.String,  # null: no margin on the line
    "product": pl.String,  # null: no product
}
ACTIVITY_SCHEMA = {
    "member_id": pl.String,
    "contact_id": pl.String,
    "date": pl.Date,
    "completed": pl.Boolean,
    "account_id": pl.String,
}

#: Contacts: roles as a list of role keys, ``email`` and ``title`` null when not given.
CONTACT_FRAME_SCHEMA = {
    "id": pl.String,
    "account_id": pl.String,
    "name": pl.String,
    "dmu": pl.List(pl.String),
    "gatekeeper": pl.Boolean,
    "email": pl.String,
    "title": pl.String,
}
#: Places in account teams: roles as a list of role keys.
TEAM_FRAME_SCHEMA = {
    "account_id": pl.String,
    "member_id": pl.String,
    "psu": pl.List(pl.String),
    "pioneer": pl.Boolean,
}


class _Records:
    """What the frame-backed collections of records share: their size is the frame's height,
    and ``in`` compares records (rarely used; the records are made one by one for it)."""

    __slots__ = ()
    frame: pl.DataFrame

    def __len__(self) -> int:
        return self.frame.height

    def __contains__(self, record: object) -> bool:
        return any(record == mine for mine in self)  # type: ignore[attr-defined]


@dataclass(frozen=True, slots=True)
class AccountFrame(_Records):
    """Accounts as a frame: ``id``, ``name``, ``integration_stage`` (a stage key or null) and
    one text column per name in ``attributes`` (null when the account has no value); iterating
    gives the records."""

    frame: pl.DataFrame
    attributes: tuple[str, ...]

    def __iter__(self) -> Iterator[Account]:
        return iter(self.by_id().values())

    def by_id(self) -> AccountsById:
        """The accounts by id, each record made when asked for."""
        columns = _Columns(self.frame.select("name", "integration_stage", *self.attributes))
        names = self.attributes
        stages = {stage.value: stage for stage in IntegrationStage}

        def account(row: int) -> Account:
            name, stage, *values = (column[row] for column in columns())
            attributes = {key: value for key, value in zip(names, values, strict=True)
                          if value is not None}  # fmt: skip
            return Account(ids[row], name, stages.get(stage), attributes)

        ids = self.frame["id"].to_list()
        return AccountsById(ids, account, lambda: self.frame["name"].to_list())


class ById(Mapping[str, R]):
    """Records by id, each made from its row when asked for (a frame's ids in ``ids``; ``make``
    builds the record of a row number)."""

    def __init__(self, ids: list[str], make: Callable[[int], R]) -> None:
        self._ids = ids
        self._make = make
        self._index: dict[str, int] | None = None

    def __len__(self) -> int:
        return len(self._ids)

    def __iter__(self) -> Iterator[str]:
        return iter(self._ids)

    def __contains__(self, key: object) -> bool:
        return key in self._where()

    def __getitem__(self, key: str) -> R:
        return self._make(self._where()[key])

    def _where(self) -> dict[str, int]:
        if self._index is None:
            self._index = {record_id: row for row, record_id in enumerate(self._ids)}
        return self._index

    def values(self) -> Iterator[R]:  # type: ignore[override]
        return map(self._make, range(len(self._ids)))


class AccountsById(ById[Account]):
    """:class:`ById` for accounts, with their names without making their records."""

    def __init__(
        self, ids: list[str], make: Callable[[int], Account], names: Callable[[], list[str]]
    ) -> None:
        super().__init__(ids, make)
        self._names = names

    def names(self) -> dict[str, str]:
        """Each account's name by id."""
        return dict(zip(self._ids, self._names(), strict=True))


class _Columns:
    """A frame's columns as lists, made on first use (for building records row by row)."""

    def __init__(self, frame: pl.DataFrame) -> None:
        self._frame: pl.DataFrame | None = frame
        self._lists: list[list[Any]] = []

    def __call__(self) -> list[list[Any]]:
        if self._frame is not None:
            self._lists = [column.to_list() for column in self._frame.iter_columns()]
            self._frame = None
        return self._lists


@dataclass(frozen=True, slots=True)
class ContactFrame(_Records):
    """Contacts as a frame (:data:`CONTACT_FRAME_SCHEMA`); iterating gives the records."""

    frame: pl.DataFrame

    def __iter__(self) -> Iterator[Contact]:
        return iter(self.by_id().values())

    def by_id(self) -> ById[Contact]:
        """The contacts by id, each record made when asked for."""
        columns = _Columns(self.frame.select(list(CONTACT_FRAME_SCHEMA)))
        roles: dict[tuple[str, ...], frozenset[DmuRole]] = {}

        def contact(row: int) -> Contact:
            contact_id, account_id, name, keys, gatekeeper, email, title = (
                column[row] for column in columns()
            )
            held = roles.get(key := tuple(keys))
            if held is None:
                held = roles[key] = frozenset(map(DmuRole, key))
            return Contact(contact_id, account_id, name, held, gatekeeper, email, title)

        return ById(self.frame["id"].to_list(), contact)


@dataclass(frozen=True, slots=True)
class TeamFrame(_Records):
    """Account teams as a frame (:data:`TEAM_FRAME_SCHEMA`); iterating gives the records."""

    frame: pl.DataFrame

    def __iter__(self) -> Iterator[TeamMember]:
        roles: dict[tuple[str, ...], frozenset[PsuRole]] = {}
        for account_id, member_id, keys, pioneer in self.frame.iter_rows():
            held = roles.get(key := tuple(keys))
            if held is None:
                held = roles[key] = frozenset(map(PsuRole, key))
            yield TeamMember(account_id, member_id, held, pioneer)


@dataclass(frozen=True, slots=True)
class RevenueFrame:
    """Revenue lines as a frame (:data:`REVENUE_SCHEMA`); iterating gives the records."""

    frame: pl.DataFrame
    plain: bool = False
    """Every amount and margin is known to be a plain decimal of at most 18 integer and 9
    fraction digits (the source checked them)."""

    def __iter__(self) -> Iterator[RevenueLine]:
        for account_id, day, amount, margin, product in self.frame.iter_rows():
            yield RevenueLine(
                account_id,
                day,
                Decimal(amount),
                None if margin is None else Decimal(margin),
                product or None,
            )


@dataclass(frozen=True, slots=True)
class ActivityFrame:
    """Activities as a lazy frame (:data:`ACTIVITY_SCHEMA`; a file source's may be read only
    when collected, in batches); iterating gives the records.

    A source that checks its rows in the same pass gives ``valid``, a lazy one-cell query that
    is true when every row passed, and ``otherwise``, the records it reads instead when not.
    """

    frame: pl.LazyFrame
    valid: pl.LazyFrame | None = None
    otherwise: Callable[[], Iterable[Activity]] | None = None

    def __iter__(self) -> Iterator[Activity]:
        if self.valid is not None and not _passes(self.valid):
            assert self.otherwise is not None
            yield from self.otherwise()
            return
        for row in self.frame.collect().iter_rows():
            yield Activity(*row)


def _passes(valid: pl.LazyFrame) -> bool:
    try:
        return bool(valid.collect(engine="streaming").item())
    except pl.exceptions.PolarsError:
        return False


def revenue_frame(lines: Iterable[RevenueLine]) -> pl.DataFrame:
    """The lines as a frame: the one conversion from the port's records."""
    if isinstance(lines, RevenueFrame):
        return lines.frame
    rows = [
        (
            line.account_id,
            line.date,
            str(line.amount),
            None if line.margin is None else str(line.margin),
            line.product or None,
        )
        for line in lines
    ]
    return pl.DataFrame(rows, schema=REVENUE_SCHEMA, orient="row")


def activity_frame(activities: Iterable[Activity]) -> pl.LazyFrame:
    """The activities as a frame: the one conversion from the port's records."""
    if isinstance(activities, ActivityFrame):
        return activities.frame
    rows = [tuple(activity) for activity in activities]
    return pl.DataFrame(rows, schema=ACTIVITY_SCHEMA, orient="row").lazy()


@dataclass(frozen=True, slots=True)
class RevenueFigures:
    """Per account id (accounts without lines in the period are absent)."""

    revenue: dict[str, Decimal]
    margin: dict[str, Decimal]
    products: dict[str, int]
    bought: Mapping[str, tuple[str, ...]]
    product_pairs: pl.DataFrame
    has_margins: bool
    has_products: bool


def revenue_figures(
    frame: pl.DataFrame, start: date, end: date, *, plain: bool = False
) -> RevenueFigures:
    """Sums of amounts and margins, distinct products, for lines dated ``start < date <= end``.

    Margins (products) "exist" when any line, in the period or not, carries one. ``plain``: the
    caller knows every amount and margin is a plain decimal the engine sums exactly.
    """
    has_margins = bool(frame["margin"].is_not_null().any())
    has_products = bool(frame["product"].fill_null("").ne("").any())
    lines = frame.filter((pl.col("date") > start) & (pl.col("date") <= end))
    revenue = _sums(lines, "amount", plain)
    margin = _sums(lines.filter(pl.col("margin").is_not_null()), "margin", plain)
    pairs = lines.filter(pl.col("product").fill_null("") != "").select("account_id", "product")
    counted = pairs.group_by("account_id").agg(pl.col("product").n_unique())
    products = dict(zip(counted["account_id"].to_list(), counted["product"].to_list(), strict=True))
    return RevenueFigures(
        revenue, margin, products, LazyMapping(lambda: bought_by(pairs)), pairs, has_margins,
        has_products,
    )  # fmt: skip


def bought_by(
    pairs: pl.DataFrame, account_ids: Iterable[str] | None = None
) -> dict[str, tuple[str, ...]]:
    """The distinct products per account id (of ``account_ids``, or all) from
    ``(account_id, product)`` rows, sorted, as tuples of interned strings."""
    if account_ids is not None:
        pairs = pairs.filter(pl.col("account_id").is_in(list(account_ids)))
    pairs = pairs.unique().sort("account_id", "product")
    intern = sys.intern
    held: dict[str, list[str]] = {}
    for account_id, product in zip(pairs["account_id"], pairs["product"], strict=True):
        held.setdefault(account_id, []).append(intern(product))
    return {account_id: tuple(values) for account_id, values in held.items()}


def _sums(lines: pl.DataFrame, column: str, plain: bool) -> dict[str, Decimal]:
    """Exact per-account sums of a text column of plain decimals (see the module docstring)."""
    if lines.is_empty():
        return {}
    text = pl.col(column)
    point = text.str.find(".", literal=True)
    scale = pl.when(point.is_null()).then(0).otherwise(text.str.len_bytes() - point - 1)
    if plain or bool(lines[column].str.contains(ENGINE_DECIMAL).all()):
        # The sum as text with the scale of its longest term: "12.500000000" with scale 2 is
        # cut to "12.50", with scale 0 to "12." (which Decimal reads as 12).
        total = text.cast(pl.Decimal(38, _SCALE)).sum().cast(pl.String)
        grouped = lines.group_by("account_id").agg(
            total.str.head(total.str.len_chars() - (_SCALE - scale.max()))
        )
        return dict(zip(grouped["account_id"], map(Decimal, grouped[column]), strict=True))
    grouped = lines.group_by("account_id", maintain_order=True).agg(text)
    with localcontext(prec=_EXACT):
        return {
            account_id: sum(map(Decimal, values), Decimal(0))
            for account_id, values in grouped.iter_rows()
        }


def last_contacts(activities: Iterable[Activity], as_of: date, lookback_days: int) -> pl.DataFrame:
    """The last completed activity per (member, contact), dated in
    ``as_of - lookback_days < date <= as_of``: columns ``member_id``, ``contact_id``,
    ``last_contact``.

    An :class:`ActivityFrame` with a ``valid`` query is checked and aggregated in one pass; when
    the check fails (or the frame cannot be read), its ``otherwise`` records are used.
    """
    first_excluded = as_of - timedelta(days=lookback_days)
    query = (
        activity_frame(activities)
        .filter(pl.col("completed") & (pl.col("date") > first_excluded) & (pl.col("date") <= as_of))
        .group_by("member_id", "contact_id")
        .agg(pl.col("date").max().alias("last_contact"))
    )
    if not isinstance(activities, ActivityFrame) or activities.valid is None:
        return query.collect(engine="streaming")
    assert activities.otherwise is not None
    try:
        valid, last = pl.collect_all([activities.valid, query], engine="streaming")
        if bool(valid.item()):
            return last
    except pl.exceptions.PolarsError:
        pass
    return last_contacts(list(activities.otherwise()), as_of, lookback_days)
