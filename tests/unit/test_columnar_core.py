"""The columnar core against a row-by-row reference (tests/reference/rows.py) on random data:
revenue, margin and product figures, last contacts, and the CSV source's fast pass, which must
accept exactly the rows the exact reader accepts, with the same values."""

from __future__ import annotations

import dataclasses
import tempfile
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from crm_accounts.connectors.csv import CsvSource
from crm_accounts.domain import Activity, Period, RevenueLine, frames, summarize_activities
from crm_accounts.domain.frames import ActivityFrame, RevenueFrame
from crm_accounts.domain.revenue import RevenueSummary, summarize_revenue
from crm_accounts.domain.segmentation import group_figures, pareto_figures, segment_accounts
from crm_accounts.domain.settings import SegmentationRule, SegmentationSettings
from tests.reference import rows as reference

PROPERTY = settings(max_examples=150, deadline=None)
FILES = settings(max_examples=60, deadline=None)
AS_OF = date(2026, 11, 27)
PERIOD = Period.ending(AS_OF, 12)
IDS = st.sampled_from(["a", "a1", "a10", "b", "b2", "c"])
DAYS = st.sampled_from(
    [AS_OF, AS_OF + timedelta(days=1), PERIOD.start, PERIOD.start + timedelta(days=1),
     AS_OF - timedelta(days=365), AS_OF - timedelta(days=364), AS_OF - timedelta(days=40)]
)  # fmt: skip
# Small amounts (summed in polars' decimal type) and amounts polars cannot hold exactly (more
# than 18 integer or 9 fraction digits, or an exponent: summed in Python).
AMOUNTS = st.one_of(
    st.integers(-(10**6), 10**6).map(lambda cents: Decimal(cents).scaleb(-2)),
    st.integers(-50, 50).map(Decimal),
    st.integers(-(10**29), 10**29).map(Decimal),
    st.tuples(st.integers(-(10**12), 10**12), st.integers(0, 14)).map(
        lambda pair: Decimal(pair[0]).scaleb(-pair[1])
    ),
)
PRODUCTS = st.sampled_from([None, "p1", "p2", "P1", " p1", "x"])
LINES = st.lists(
    st.builds(RevenueLine, IDS, DAYS, AMOUNTS, st.one_of(st.none(), AMOUNTS), PRODUCTS),
    max_size=40,
)


def _as_text(summary: RevenueSummary) -> tuple[object, ...]:
    """Every figure with its exact text (``10.50`` and ``10.5`` differ in an export)."""
    return (
        {key: str(value) for key, value in summary.revenue.items()},
        {key: str(value) for key, value in summary.margin.items()},
        {key: set(value) for key, value in summary.bought.items()},
        summary.products,
        summary.has_margins,
        summary.has_products,
    )


def _expected(lines: list[RevenueLine]) -> tuple[object, ...]:
    revenue, margin, products, has_margins, has_products = reference.revenue_per_account(
        lines, PERIOD
    )
    return (
        {key: str(value) for key, value in revenue.items()},
        {key: str(value) for key, value in margin.items()},
        products,
        {key: len(value) for key, value in products.items()},
        has_margins,
        has_products,
    )


@PROPERTY
@given(LINES)
def test_revenue_figures_equal_the_row_by_row_sums_to_the_last_digit(
    lines: list[RevenueLine],
) -> None:
    assert _as_text(summarize_revenue(lines, PERIOD)) == _expected(lines)


@PROPERTY
@given(
    st.lists(
        st.builds(Activity, IDS, IDS, DAYS, st.booleans(), st.one_of(st.none(), IDS)),
        max_size=40,
    ),
    st.sampled_from([1, 30, 364, 365]),
)
def test_last_contacts_equal_the_row_by_row_latest_dates(
    activities: list[Activity], lookback: int
) -> None:
    history = summarize_activities(activities, AS_OF, lookback)
    expected = reference.last_contacts(activities, AS_OF, lookback)
    assert history.last == expected
    assert history.contacted == {contact for _, contact in expected}


# Cells as users write them: valid, and every kind the contract refuses or polars would accept
# differently (exponents, rounding, loose dates, signs, spaces, commas, non-ASCII digits).
AMOUNT_TEXTS = st.sampled_from(
    ["10", "10.50", "-3.25", "0.001", "1.235", "+5", " 7", "1e3", "", "NaN", ".5", "5.",
     "12345678901234567890.5", "١٢", "0.1234567891"]
)  # fmt: skip
MARGIN_TEXTS = st.sampled_from(["", " ", "2.5", "-1", "x", "1e2", "3.000"])
DATE_TEXTS = st.sampled_from(
    ["2026-11-27", "2026-01-15", "2025-11-27", "2025-11-28", "2026-2-01", "2026-02-30",
     "27-11-2026", "", "2026-11-27T00:00", "0000-01-01", "0001-01-01"]
)  # fmt: skip
ACCOUNT_TEXTS = st.sampled_from(["a", "a1", "b", "zz", "", " a"])
PRODUCT_TEXTS = st.sampled_from(["", "p1", "p2", " ", "P1"])


def _write(path: Path, header: str, rows: list[tuple[str, ...]]) -> None:
    text = header + "\n" + "".join(",".join(row) + "\n" for row in rows)
    path.write_text(text, encoding="utf-8")


def _bad_lines(source: CsvSource, name: str) -> list[int]:
    return sorted({item.line for item in source.problems.items if item.file.endswith(name)})


@FILES
@given(
    st.lists(
        st.tuples(ACCOUNT_TEXTS, DATE_TEXTS, AMOUNT_TEXTS, MARGIN_TEXTS, PRODUCT_TEXTS),
        max_size=25,
    )
)
def test_the_csv_fast_pass_reads_revenue_as_the_exact_reader_does(
    rows: list[tuple[str, ...]],
) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        _write(folder / "accounts.csv", "id,name", [("a", "A"), ("a1", "A1"), ("b", "B")])
        _write(folder / "revenue.csv", "account_id,date,amount,margin,product", rows)
        source = CsvSource(folder)
        summary = summarize_revenue(source.revenue_lines(PERIOD), PERIOD)
        lines, bad = reference.read_revenue_csv(folder / "revenue.csv", {"a", "a1", "b"})
        assert _as_text(summary) == _expected(lines)
        assert _bad_lines(source, "revenue.csv") == bad


@FILES
@given(
    st.lists(
        st.tuples(
            ACCOUNT_TEXTS,
            st.sampled_from(["c1", "c2", " ", ""]),
            st.sampled_from(["m1", "m2", ""]),
            DATE_TEXTS,
            st.sampled_from(
                [
                    "Completed",
                    " completed ",
                    "",
                    "Open",
                    "planned",
                    "\x1ccompleted",
                    "\u2003COMPLETED\t",
                    "\x1c",
                    "completed x",
                    "ompleted",
                ]
            ),
        ),
        max_size=25,
    )
)
def test_the_csv_fast_pass_reads_activities_as_the_exact_reader_does(
    rows: list[tuple[str, ...]],
) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        _write(folder / "accounts.csv", "id,name", [("a", "A"), ("a1", "A1"), ("b", "B")])
        _write(folder / "activities.csv", "account_id,contact_id,member_id,date,status", rows)
        source = CsvSource(folder)
        read = source.activities(AS_OF - timedelta(days=365), AS_OF)
        activities, bad = reference.read_activities_csv(folder / "activities.csv", {"a", "a1", "b"})
        assert sorted(read) == sorted(activities)
        assert summarize_activities(read, AS_OF, 365).last == reference.last_contacts(
            activities, AS_OF, 365
        )
        assert _bad_lines(source, "activities.csv") == bad


def test_a_clean_file_is_read_by_the_fast_pass_and_a_flagged_one_by_the_exact_reader(
    tmp_path: Path,
) -> None:
    _write(tmp_path / "accounts.csv", "id,name", [("a", "A")])
    _write(tmp_path / "revenue.csv", "account_id,date,amount", [("a", "2026-11-01", "10.50")])
    assert isinstance(CsvSource(tmp_path).revenue_lines(PERIOD), RevenueFrame)
    _write(tmp_path / "revenue.csv", "account_id,date,amount", [("a", "2026-11-01", "1e3")])
    source = CsvSource(tmp_path)
    assert list(source.revenue_lines(PERIOD)) == []
    assert [item.message for item in source.problems.items] == [
        "column 'amount': value '1e3': expected a decimal number with a decimal point, like "
        "1234.50 (at most 30 digits)"
    ]
    _write(
        tmp_path / "activities.csv",
        "account_id,contact_id,member_id,date",
        [("a", "c", "m", "2026-11-01")],
    )
    assert isinstance(CsvSource(tmp_path).activities(AS_OF, AS_OF), ActivityFrame)


def test_a_row_with_too_many_cells_is_reported_when_the_file_is_only_aggregated(
    tmp_path: Path,
) -> None:
    # The aggregations read some columns only; the reader counts a row's cells only when it
    # reads all of them, so the check must: the exact reader then names the line.
    _write(tmp_path / "accounts.csv", "id,name", [("a", "A")])
    _write(
        tmp_path / "revenue.csv",
        "account_id,date,amount,note",
        [("a", "2026-11-01", "10.50", "x"), ("a", "2026-11-02", "1.00", "y", "extra")],
    )
    _write(
        tmp_path / "activities.csv",
        "id,account_id,contact_id,member_id,date,type",
        [("1", "a", "c", "m", "2026-11-01", "call", "extra"), ("2", "a", "c", "m", "2026-11-02")],
    )
    source = CsvSource(tmp_path)
    summary = summarize_revenue(source.revenue_lines(PERIOD), PERIOD)
    history = summarize_activities(source.activities(AS_OF, AS_OF), AS_OF, 365)
    assert summary.revenue == {"a": Decimal("10.50")}
    assert history.last == {("m", "c"): date(2026, 11, 2)}
    assert _bad_lines(source, "revenue.csv") == [3]
    assert _bad_lines(source, "activities.csv") == [2]


# Amounts the engine sums (at most 9 fraction digits), with ties, zeros and credit notes.
ENGINE_AMOUNTS = st.tuples(st.integers(-(10**5), 10**6), st.integers(0, 9)).map(
    lambda pair: Decimal(pair[0]).scaleb(-pair[1])
) | st.sampled_from([Decimal("0"), Decimal("10"), Decimal("10.0"), Decimal("-10.00")])
ENGINE_LINES = st.lists(
    st.builds(
        RevenueLine, IDS, st.just(AS_OF), ENGINE_AMOUNTS, st.one_of(st.none(), ENGINE_AMOUNTS),
        st.sampled_from([None, "p1", "p2", "p3"]),
    ),
    max_size=40,
)  # fmt: skip
SHARES = st.sampled_from([Decimal("0"), Decimal("0.5"), Decimal("0.80"), Decimal("0.333"),
                          Decimal("0.95"), Decimal("1")])  # fmt: skip


@PROPERTY
@given(ENGINE_LINES, st.sampled_from(list(SegmentationRule)), SHARES, SHARES)
def test_segments_group_figures_and_pareto_from_the_engine_table_equal_the_decimal_path(
    lines: list[RevenueLine], rule: SegmentationRule, a: Decimal, b: Decimal
) -> None:
    summary = summarize_revenue(lines, PERIOD)
    assert summary.table is not None  # every amount fits the engine's decimal
    decimal_path = dataclasses.replace(
        summary, revenue=dict(summary.revenue), margin=dict(summary.margin),
        products=dict(summary.products), table=None,
    )  # fmt: skip
    rules = SegmentationSettings(rule, min(a, b), max(a, b))
    ids = ["a", "a1", "a10", "b", "b2", "c", "d"]
    results = []
    for figures in (summary, decimal_path):
        segmentation = segment_accounts(ids, figures, rules)
        results.append(
            (
                segmentation.ids, [str(value) for value in segmentation.revenues],
                segmentation.a_end, segmentation.b_end, segmentation.no_revenue,
                str(segmentation.total), repr(group_figures(segmentation, figures)),
                repr(pareto_figures(segmentation, figures)),
            )
        )  # fmt: skip
    assert results[0] == results[1]


@PROPERTY
@given(ENGINE_LINES)
def test_figures_read_one_by_one_equal_those_read_all_at_once(lines: list[RevenueLine]) -> None:
    def read(one_by_one: int) -> tuple[object, ...]:
        original = frames._ONE_BY_ONE
        frames._ONE_BY_ONE = one_by_one
        try:
            summary = summarize_revenue(lines, PERIOD)
            ids = ["a", "a1", "a10", "b", "b2", "c", "d"]
            return tuple(
                [(key, str(mapping[key])) for key in ids if key in mapping] + [len(mapping)]
                for mapping in (summary.revenue, summary.margin, summary.products)
            )
        finally:
            frames._ONE_BY_ONE = original

    assert read(0) == read(1_000) == _as_text_lists(lines)


def _as_text_lists(lines: list[RevenueLine]) -> tuple[object, ...]:
    revenue, margin, products, _, _ = reference.revenue_per_account(lines, PERIOD)
    ids = ["a", "a1", "a10", "b", "b2", "c", "d"]
    counts = {key: len(value) for key, value in products.items()}
    return tuple(
        [(key, str(mapping[key])) for key in ids if key in mapping] + [len(mapping)]
        for mapping in (revenue, margin, counts)
    )


def test_a_status_is_completed_in_the_fast_pass_exactly_when_the_exact_reader_says_so(
    tmp_path: Path,
) -> None:
    statuses = ["Completed", " completed ", "", "Open", "\x1ccompleted", "\u2003COMPLETED\t",
                "\x1c", "completed x", "ompleted", "\u00a0", "COMPLETED\x1f"]  # fmt: skip
    _write(tmp_path / "accounts.csv", "id,name", [("a", "A")])
    rows = [("a", f"c{n}", "m", "2026-11-01", status) for n, status in enumerate(statuses)]
    _write(tmp_path / "activities.csv", "account_id,contact_id,member_id,date,status", rows)
    source = CsvSource(tmp_path)
    read = source.activities(AS_OF, AS_OF)
    assert isinstance(read, ActivityFrame)
    expected, bad = reference.read_activities_csv(tmp_path / "activities.csv", {"a"})
    assert bad == []
    assert [activity.completed for activity in read] == [a.completed for a in expected]
    assert not source.problems


def test_products_come_from_the_pass_that_checked_the_file_not_from_a_later_read(
    tmp_path: Path,
) -> None:
    # The method asks for segment A's products after the source is closed: the file may be gone
    # or changed by then, and the products must still be those of the checked read.
    _write(tmp_path / "accounts.csv", "id,name", [("a", "A"), ("b", "B")])
    _write(
        tmp_path / "revenue.csv",
        "account_id,date,amount,product",
        [("a", "2026-11-01", "10.50", "p2"), ("a", "2026-11-02", "1.00", "p1"),
         ("a", "2026-11-03", "1.00", "p2"), ("b", "2026-11-03", "2", "")],
    )  # fmt: skip
    source = CsvSource(tmp_path)
    summary = summarize_revenue(source.revenue_lines(PERIOD), PERIOD)
    (tmp_path / "revenue.csv").unlink()
    assert summary.bought_by(["a", "b"]) == {"a": ("p1", "p2")}
    assert dict(summary.bought) == {"a": ("p1", "p2")}
    assert dict(summary.products) == {"a": 2}


def test_a_file_removed_between_its_scan_and_its_aggregation_is_a_problem_not_a_crash(
    tmp_path: Path,
) -> None:
    _write(tmp_path / "accounts.csv", "id,name", [("a", "A")])
    _write(tmp_path / "revenue.csv", "account_id,date,amount", [("a", "2026-11-01", "10.50")])
    _write(
        tmp_path / "activities.csv", "account_id,contact_id,member_id,date",
        [("a", "c", "m", "2026-11-01")],
    )  # fmt: skip
    source = CsvSource(tmp_path)
    lines = source.revenue_lines(PERIOD)
    activities = source.activities(AS_OF, AS_OF)
    (tmp_path / "revenue.csv").unlink()
    (tmp_path / "activities.csv").unlink()
    assert summarize_revenue(lines, PERIOD).revenue == {}
    assert summarize_activities(activities, AS_OF, 365).last == {}
    assert _bad_lines(source, "revenue.csv") == [0]
    assert _bad_lines(source, "activities.csv") == [0]
    assert all("cannot read the file" in item.message for item in source.problems.items)
