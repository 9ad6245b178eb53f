"""Revenue lines and activities as columnar frames, and their aggregation. Pure; no I/O.

The method's two big inputs are aggregated here, set-based, with polars (a computation
library): revenue, margin and distinct products per account in the period, and the last contact
moment per (member, contact) pair in the lookback.

Every source reaches the same code. A file source that reads columns already (the CSV source)
hands over a :class:`RevenueFrame` or :class:`ActivityFrame`; records from a CRM connector are
converted once by :func:`revenue_frame` / :func:`activity_frame`. Both wrappers are iterables of
the port's records too, so a caller that wants records still gets them. A file source's frames
are lazy queries it built: collecting one here reads its file in batches (the source chose the
file and the checks; this module only runs the query), and a frame with a ``valid`` column is
checked in that same pass (see :func:`checked_rows`).

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
from decimal import Context, Decimal, localcontext
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
    """Revenue lines as a lazy frame (:data:`REVENUE_SCHEMA`, and ``valid`` from a source that
    checks its rows; see :func:`checked_rows`); iterating gives the records."""

    frame: pl.LazyFrame
    plain: bool = False
    """Every amount and margin is known to be a plain decimal of at most 18 integer and 9
    fraction digits (the source checked them, when the rows are ``valid``)."""
    otherwise: Callable[[], Iterable[RevenueLine]] | None = None

    def __iter__(self) -> Iterator[RevenueLine]:
        rows = checked_rows(self.frame)
        if rows is None:
            assert self.otherwise is not None
            yield from self.otherwise()
            return
        for account_id, day, amount, margin, product in rows.iter_rows():
            yield RevenueLine(
                account_id,
                day,
                Decimal(amount),
                None if margin is None else Decimal(margin),
                product or None,
            )


@dataclass(frozen=True, slots=True)
class ActivityFrame:
    """Activities as a lazy frame (:data:`ACTIVITY_SCHEMA`, and ``valid`` from a source that
    checks its rows; see :func:`checked_rows`); iterating gives the records."""

    frame: pl.LazyFrame
    otherwise: Callable[[], Iterable[Activity]] | None = None

    def __iter__(self) -> Iterator[Activity]:
        rows = checked_rows(self.frame)
        if rows is None:
            assert self.otherwise is not None
            yield from self.otherwise()
            return
        for row in rows.iter_rows():
            yield Activity(*row)


def checked_rows(frame: pl.LazyFrame) -> pl.DataFrame | None:
    """The rows of a lazy frame, or ``None`` when they cannot all be used.

    A file source checks its rows in the pass that reads them: its frames carry a boolean
    ``valid`` column, true where the row passed every check, and ``otherwise``, the records it
    reads with its exact reader (which reports each bad row). ``None`` when a row is not valid
    or the file cannot be read (a row the reader refuses fails the collect).
    """
    if "valid" not in frame.collect_schema().names():
        return frame.collect()
    try:
        rows = frame.collect()
    except (pl.exceptions.PolarsError, OSError):  # OSError: the file went meanwhile
        return None
    return rows.drop("valid") if bool(rows["valid"].all()) else None


def revenue_frame(lines: Iterable[RevenueLine]) -> pl.LazyFrame:
    """The lines as a frame: the one conversion from the port's records."""
    if isinstance(lines, RevenueFrame):
        return lines.frame
    rows = [
        (
            line.account_id,
            line.date,
            format(line.amount, "f"),  # no exponent: the engine may then sum it
            None if line.margin is None else format(line.margin, "f"),
            line.product or None,
        )
        for line in lines
    ]
    return pl.DataFrame(rows, schema=REVENUE_SCHEMA, orient="row").lazy()


def activity_frame(activities: Iterable[Activity]) -> pl.LazyFrame:
    """The activities as a frame: the one conversion from the port's records."""
    if isinstance(activities, ActivityFrame):
        return activities.frame
    rows = [tuple(activity) for activity in activities]
    return pl.DataFrame(rows, schema=ACTIVITY_SCHEMA, orient="row").lazy()


@dataclass(frozen=True, slots=True)
class RevenueFigures:
    """Per account id (accounts without lines in the period are absent)."""

    revenue: Mapping[str, Decimal]
    margin: Mapping[str, Decimal]
    products: Mapping[str, int]
    bought: Mapping[str, tuple[str, ...]]
    product_lists: pl.DataFrame
    """``account_id`` and ``bought``, the sorted distinct products of each account that has any."""
    has_margins: bool
    has_products: bool
    table: pl.DataFrame | None = None
    """Summed by the engine: per account ``revenue``, ``margin`` (null: no margin lines) as
    engine decimals with their ``revenue_scale``/``margin_scale`` (see :func:`exact`), and
    ``products``."""


def revenue_figures(lines: Iterable[RevenueLine], start: date, end: date) -> RevenueFigures:
    """Sums of amounts and margins, distinct products, for lines dated ``start < date <= end``.

    Margins (products) "exist" when any line, in the period or not, carries one. A
    :class:`RevenueFrame` with a ``valid`` column is checked and aggregated in one pass; when a
    row is not valid (or the file cannot be read), its ``otherwise`` records are used.
    """
    frame = revenue_frame(lines)
    plain = isinstance(lines, RevenueFrame) and lines.plain
    checked = "valid" in frame.collect_schema().names()
    if not plain:  # records: small; summed by the engine when every text fits its decimal
        eager = frame.collect()
        plain = bool(eager.select(_fits("amount").all() & _fits("margin").all()).item())
        frame = eager.lazy()
    exists = frame.select(
        pl.col("margin").is_not_null().any(), pl.col("product").fill_null("").ne("").any()
    )
    valid = pl.col("valid") if checked else pl.lit(True)
    in_period = (pl.col("date") > start) & (pl.col("date") <= end)
    amount, margin, product = pl.col("amount"), pl.col("margin"), pl.col("product")
    has_margin = margin.is_not_null()
    aggregated = (
        frame.filter(~valid | in_period)  # a row that is not valid is kept: it is noticed
        .group_by("account_id")
        .agg(
            *_sum(amount, plain),
            *_sum(margin.filter(has_margin), plain),
            # kept from this pass: a later read of the file could meet another file
            product.filter(product.fill_null("") != "").unique().sort().alias("bought"),
            has_margin.any().alias("margined"),
            valid.all().alias("valid"),
        )
    )
    try:
        flags, sums = pl.collect_all([exists, aggregated], engine="streaming")
        usable = bool(sums["valid"].all())
    except (pl.exceptions.PolarsError, OSError):  # OSError: the file went meanwhile
        if not checked:
            raise
        usable = False  # a row the reader refuses
    if not usable:
        assert isinstance(lines, RevenueFrame)
        assert lines.otherwise is not None
        return revenue_figures(list(lines.otherwise()), start, end)
    has_margins, has_products = flags.row(0)
    sums = sums.with_columns(pl.col("bought").list.len().alias("products"))
    lists = sums.filter(pl.col("products") > 0).select("account_id", "bought")
    bought = LazyMapping(lambda: bought_by(lists))
    if not plain:
        ids = sums["account_id"].to_list()
        margined = sums.filter("margined")
        with localcontext(prec=_EXACT):
            revenue = [sum(map(Decimal, texts), Decimal(0)) for texts in sums["amount"]]
            margins = [sum(map(Decimal, texts), Decimal(0)) for texts in margined["margin"]]
        return RevenueFigures(
            dict(zip(ids, revenue, strict=True)),
            dict(zip(margined["account_id"], margins, strict=True)),
            {key: count for key, count in zip(ids, sums["products"], strict=True) if count},
            bought, lists, has_margins, has_products,
        )  # fmt: skip
    table = sums.select(
        "account_id",
        pl.col("amount").alias("revenue"),
        pl.col("amount_scale").alias("revenue_scale"),
        pl.when("margined").then("margin").alias("margin"),
        pl.when("margined").then("margin_scale").alias("margin_scale"),
        "products",
    )
    rows = LazyMapping(lambda: dict(zip(table["account_id"], range(table.height), strict=True)))
    return RevenueFigures(
        _Column(table, rows, "revenue"), _Column(table, rows, "margin"),
        _Column(table, rows, "products"), bought, lists, has_margins, has_products, table,
    )  # fmt: skip


_ONE_BY_ONE = 1_000


class _Column(Mapping[str, Any]):
    """A column of the revenue table by account id (the accounts without a value are absent);
    sums as exact ``Decimal`` values (see :func:`exact`). The first values asked for are read
    one by one (the rating reads a few); past :data:`_ONE_BY_ONE`, all are read at once."""

    def __init__(self, table: pl.DataFrame, rows: Mapping[str, int], name: str) -> None:
        present = pl.col(name) > 0 if name == "products" else pl.col(name).is_not_null()
        self._table = table
        self._present = table.filter(present)
        self._name = name
        self._rows = rows
        self._asked = 0
        self._all: dict[str, Any] | None = None

    def __getitem__(self, key: str) -> Any:
        if self._all is None and self._asked < _ONE_BY_ONE:
            self._asked += 1
            row = self._rows[key]
            value = self._table[self._name][row]
            if self._name == "products":
                if not value:
                    raise KeyError(key)
                return value
            if value is None:
                raise KeyError(key)
            return exact(value, self._table[f"{self._name}_scale"][row])
        if self._all is None:
            present = self._present
            values = (present[self._name].to_list() if self._name == "products"
                      else exact_column(present, self._name))  # fmt: skip
            self._all = dict(zip(present["account_id"], values, strict=True))
        return self._all[key]

    def get(self, key: str, default: Any = None) -> Any:
        if self._all is not None:  # the common case of the exports: a plain dict look-up
            return self._all.get(key, default)
        return super().get(key, default)

    def __iter__(self) -> Iterator[str]:
        return iter(self._present["account_id"])

    def __len__(self) -> int:
        return self._present.height


def bought_by(
    lists: pl.DataFrame, account_ids: Iterable[str] | None = None
) -> dict[str, tuple[str, ...]]:
    """The distinct products per account id (of ``account_ids``, or all) from the
    ``account_id``/``bought`` rows of :attr:`RevenueFigures.product_lists`, as tuples of
    interned strings."""
    if account_ids is not None:
        lists = lists.filter(pl.col("account_id").is_in(list(account_ids)))
    intern = sys.intern
    return {
        account_id: tuple(map(intern, products))
        for account_id, products in zip(lists["account_id"], lists["bought"].to_list(), strict=True)
    }


def _fits(column: str) -> pl.Expr:
    """True where the text is absent or a plain decimal the engine sums exactly."""
    return pl.col(column).is_null() | pl.col(column).str.contains(ENGINE_DECIMAL)


def _sum(text: pl.Expr, plain: bool) -> tuple[pl.Expr, ...]:
    """The aggregations of one column's exact sum: in the engine's decimal with the largest
    scale of its terms (read back by :func:`exact`), or the texts themselves."""
    name = text.meta.output_name()
    if not plain:
        return (text.alias(name),)
    point = text.str.find(".", literal=True)
    scale = pl.when(point.is_null()).then(0).otherwise(text.str.len_bytes() - point - 1)
    return (
        text.cast(pl.Decimal(38, _SCALE)).sum().alias(name),
        scale.max().alias(f"{name}_scale"),
    )


def exact(value: Decimal | None, scale: int | None) -> Decimal:
    """An engine sum (``None``: no terms) as the ``Decimal`` a Python sum of the same terms
    gives: with the exponent of the smallest of its terms and of ``Decimal(0)``, ``-scale``."""
    if value is None:
        return Decimal(0)
    return value.quantize(_QUANTA[scale or 0], context=_CONTEXT)


_QUANTA = [Decimal(1).scaleb(-places) for places in range(_SCALE + 1)]
_CONTEXT = Context(prec=_EXACT)


def exact_column(frame: pl.DataFrame, name: str) -> list[Decimal]:
    """Column ``name`` of engine sums (none null, with ``<name>_scale``) as :func:`exact` values:
    "12.500000000" with scale 2 cut to "12.50", with scale 0 to "12." (read as 12)."""
    text = pl.col(name).cast(pl.String)
    cut = text.str.head(text.str.len_chars() - (_SCALE - pl.col(f"{name}_scale")))
    return list(map(Decimal, frame.select(cut).to_series()))


def exact_sum(frame: pl.DataFrame, name: str) -> Decimal:
    """The exact sum of column ``name`` (engine sums with ``<name>_scale``) of ``frame``."""
    totals = frame.select(pl.col(name).sum(), pl.col(f"{name}_scale").max())
    return exact(*totals.row(0))


def last_contacts(activities: Iterable[Activity], as_of: date, lookback_days: int) -> pl.DataFrame:
    """The last completed activity per (member, contact), dated in
    ``as_of - lookback_days < date <= as_of``: columns ``member_id``, ``contact_id``,
    ``last_contact``.

    Rows of an :class:`ActivityFrame` with a ``valid`` column are checked in the same pass;
    when one is not valid (or the frame cannot be read), its ``otherwise`` records are used.
    """
    frame = activity_frame(activities)
    checked = "valid" in frame.collect_schema().names()
    valid = pl.col("valid") if checked else pl.lit(True)
    first_excluded = as_of - timedelta(days=lookback_days)
    query = (
        frame.filter(
            ~valid  # kept: it is noticed
            | (pl.col("completed") & (pl.col("date") > first_excluded) & (pl.col("date") <= as_of))
        )
        .group_by("member_id", "contact_id")
        .agg(pl.col("date").max().alias("last_contact"), valid.all().alias("valid"))
    )
    try:
        last = query.collect(engine="streaming")
        usable = bool(last["valid"].all())
    except (pl.exceptions.PolarsError, OSError):  # OSError: the file went meanwhile
        if not checked:
            raise
        usable = False  # a row the reader refuses
    if usable:
        return last.drop("valid")
    assert isinstance(activities, ActivityFrame)
    assert activities.otherwise is not None
    return last_contacts(list(activities.otherwise()), as_of, lookback_days)
