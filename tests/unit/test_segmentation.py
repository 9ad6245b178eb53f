"""ABC segmentation, revenue per account, group figures and Pareto figures (METHOD.md 1a)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction

from crm_accounts.domain import (
    Period,
    RevenueLine,
    RevenueSummary,
    Segment,
    SegmentationRule,
    SegmentationSettings,
    summarize_revenue,
)
from crm_accounts.domain.segmentation import (
    Segmentation,
    group_figures,
    pareto_figures,
    segment_accounts,
)
from crm_accounts.domain.settings import default_thresholds

AS_OF = date(2026, 11, 27)
PERIOD = Period.ending(AS_OF, 12)
REVENUE_SHARE = SegmentationSettings()
CUSTOMER_SHARE = SegmentationSettings(
    SegmentationRule.CUSTOMER_SHARE, Decimal("0.20"), Decimal("0.50")
)


def dec(value: str | int) -> Decimal:
    return Decimal(value)


def summary_of(
    revenues: Mapping[str, str | int],
    margins: Mapping[str, str | int] | None = None,
    products: Mapping[str, Sequence[str]] | None = None,
) -> RevenueSummary:
    """One revenue line per account on the as-of date, plus one zero line per product."""
    lines = [
        RevenueLine(
            account_id,
            AS_OF,
            dec(amount),
            dec(margins[account_id]) if margins and account_id in margins else None,
        )
        for account_id, amount in revenues.items()
    ]
    for account_id, names in (products or {}).items():
        lines.extend(RevenueLine(account_id, AS_OF, dec(0), None, name) for name in names)
    return summarize_revenue(lines, PERIOD)


def close_to(value: Decimal | None, exact: Fraction) -> bool:
    """``value`` equals ``exact`` up to the method's many digits (a repeating decimal)."""
    return value is not None and abs(Fraction(value) - exact) < Fraction(1, 10**40)


def segment(
    revenues: Mapping[str, str | int],
    settings: SegmentationSettings = REVENUE_SHARE,
    margins: Mapping[str, str | int] | None = None,
) -> Segmentation:
    return segment_accounts(revenues, summary_of(revenues, margins), settings)


def letters(segmentation: Segmentation) -> list[str]:
    return [customer.segment.value for customer in segmentation.customers]


def order(segmentation: Segmentation) -> list[str]:
    return [customer.account_id for customer in segmentation.customers]


# --- revenue per account ----------------------------------------------------------------------


def test_revenue_line_dated_on_the_period_start_is_excluded() -> None:
    lines = [RevenueLine("a", PERIOD.start, dec(100)), RevenueLine("a", AS_OF, dec(1))]
    assert summarize_revenue(lines, PERIOD).revenue_of("a") == dec(1)


def test_revenue_line_dated_the_day_after_the_period_start_is_included() -> None:
    lines = [RevenueLine("a", PERIOD.start + timedelta(days=1), dec(100))]
    assert summarize_revenue(lines, PERIOD).revenue_of("a") == dec(100)


def test_revenue_line_dated_on_the_as_of_date_is_included() -> None:
    assert summarize_revenue([RevenueLine("a", AS_OF, dec(7))], PERIOD).revenue_of("a") == dec(7)


def test_revenue_line_dated_after_the_as_of_date_is_excluded() -> None:
    lines = [RevenueLine("a", AS_OF + timedelta(days=1), dec(7))]
    assert summarize_revenue(lines, PERIOD).revenue_of("a") == dec(0)


def test_credit_notes_are_netted_into_the_account_revenue_and_margin() -> None:
    lines = [
        RevenueLine("a", AS_OF, dec("100.10"), dec("30")),
        RevenueLine("a", AS_OF, dec("-40.05"), dec("-12.5")),
    ]
    summary = summarize_revenue(lines, PERIOD)
    assert summary.revenue_of("a") == dec("60.05")
    assert summary.margin_of("a") == dec("17.5")


def test_products_are_distinct_non_empty_values_on_period_lines_credit_notes_included() -> None:
    lines = [
        RevenueLine("a", AS_OF, dec(100), None, "p1"),
        RevenueLine("a", AS_OF, dec(50), None, "p1"),
        RevenueLine("a", AS_OF, dec(-20), None, "p2"),
        RevenueLine("a", AS_OF, dec(10), None, ""),
        RevenueLine("a", AS_OF, dec(5), None, None),
        RevenueLine("a", PERIOD.start, dec(5), None, "p3"),
        RevenueLine("b", AS_OF, dec(5), None, "p4"),
    ]
    summary = summarize_revenue(lines, PERIOD)
    assert summary.products["a"] == 2
    assert summary.products_per_year("a") == dec(2)


def test_product_values_are_exact_strings() -> None:
    lines = [
        RevenueLine("a", AS_OF, dec(1), None, "P1"),
        RevenueLine("a", AS_OF, dec(1), None, "p1"),
    ]
    assert summarize_revenue(lines, PERIOD).products["a"] == 2


def test_products_per_year_is_products_times_twelve_over_the_period_months() -> None:
    six_months = Period.ending(AS_OF, 6)
    two_years = Period.ending(AS_OF, 24)
    lines = [RevenueLine("a", AS_OF, dec(1), None, name) for name in ("p1", "p2", "p3")]
    assert summarize_revenue(lines, six_months).products_per_year("a") == dec(6)
    assert summarize_revenue(lines, PERIOD).products_per_year("a") == dec(3)
    assert summarize_revenue(lines, two_years).products_per_year("a") == dec("1.5")


def test_products_per_year_is_zero_for_an_account_without_products_when_products_exist() -> None:
    lines = [RevenueLine("a", AS_OF, dec(1), None, "p1"), RevenueLine("b", AS_OF, dec(1))]
    assert summarize_revenue(lines, PERIOD).products_per_year("b") == dec(0)


def test_products_per_year_is_none_when_no_line_has_a_non_empty_product() -> None:
    lines = [RevenueLine("a", AS_OF, dec(1), None, ""), RevenueLine("a", AS_OF, dec(1))]
    summary = summarize_revenue(lines, PERIOD)
    assert not summary.has_products
    assert summary.products_per_year("a") is None


def test_margin_is_none_when_the_data_has_no_margins() -> None:
    summary = summarize_revenue([RevenueLine("a", AS_OF, dec(1))], PERIOD)
    assert not summary.has_margins
    assert summary.margin_of("a") is None


def test_margins_exist_when_a_line_outside_the_period_carries_one() -> None:
    lines = [RevenueLine("a", PERIOD.start, dec(1), dec(1)), RevenueLine("b", AS_OF, dec(5))]
    summary = summarize_revenue(lines, PERIOD)
    assert summary.has_margins
    assert summary.margin_of("b") == dec(0)


# --- revenue_share --------------------------------------------------------------------------


def test_revenues_40_40_10_5_5_give_a_a_b_b_c() -> None:
    result = segment({"a": 40, "b": 40, "c": 10, "d": 5, "e": 5})
    assert letters(result) == ["A", "A", "B", "B", "C"]


def test_revenue_share_defaults_are_80_and_95_percent() -> None:
    assert default_thresholds(SegmentationRule.REVENUE_SHARE) == (dec("0.80"), dec("0.95"))
    assert (REVENUE_SHARE.a, REVENUE_SHARE.b) == (dec("0.80"), dec("0.95"))


def test_account_that_crosses_80_percent_is_still_a() -> None:
    assert letters(segment({"a": 70, "b": 20, "c": 10})) == ["A", "A", "B"]


def test_account_whose_prior_revenue_is_exactly_80_percent_is_b() -> None:
    assert letters(segment({"a": 80, "b": 15, "c": 5})) == ["A", "B", "C"]


def test_thresholds_are_compared_exactly_where_binary_floats_would_misjudge() -> None:
    # In floats 0.6 + 0.6 < 0.8 * (0.6 + 0.6 + 0.3); exactly, the prior is 80% of the total.
    assert 0.6 + 0.6 < 0.8 * (0.6 + 0.6 + 0.3)
    assert letters(segment({"a": "0.6", "b": "0.6", "c": "0.3"})) == ["A", "A", "B"]


def test_customers_are_ordered_by_revenue_descending() -> None:
    assert order(segment({"small": 1, "big": 100, "mid": 10})) == ["big", "mid", "small"]


def test_revenue_ties_are_ordered_by_plain_string_id() -> None:
    assert order(segment({"a9": 10, "a10": 10, "b": 10, "A": 10})) == ["A", "a10", "a9", "b"]


def test_the_id_order_of_tied_revenues_decides_who_is_a() -> None:
    settings = SegmentationSettings(a=dec("0.4"), b=dec("0.95"))
    result = segment({"a9": 40, "a10": 40, "z": 20}, settings)
    assert [(c.account_id, c.segment.value) for c in result.customers] == [
        ("a10", "A"),
        ("a9", "B"),
        ("z", "B"),
    ]


def test_revenue_and_cumulative_shares_are_of_the_customers_total() -> None:
    result = segment({"a": 40, "b": 40, "c": 10, "d": 5, "e": 5, "z": 0})
    assert result.total == dec(100)
    assert [c.revenue_share for c in result.customers] == [
        dec("0.4"), dec("0.4"), dec("0.1"), dec("0.05"), dec("0.05"),
    ]  # fmt: skip
    assert [c.cumulative_share for c in result.customers] == [
        dec("0.4"), dec("0.8"), dec("0.9"), dec("0.95"), dec(1),
    ]  # fmt: skip


# --- accounts without positive revenue ------------------------------------------------------


def test_accounts_without_positive_revenue_get_segment_none_and_stay_out_of_the_total() -> None:
    lines = [
        RevenueLine("paying", AS_OF, dec(100)),
        RevenueLine("netted", AS_OF, dec(50)),
        RevenueLine("netted", AS_OF, dec(-50)),
        RevenueLine("refunded", AS_OF, dec(30)),
        RevenueLine("refunded", AS_OF, dec(-45)),
        RevenueLine("zero", AS_OF, dec(0)),
    ]
    ids = ["paying", "netted", "refunded", "zero", "silent"]
    result = segment_accounts(ids, summarize_revenue(lines, PERIOD), REVENUE_SHARE)
    assert order(result) == ["paying"]
    assert result.no_revenue == ("netted", "refunded", "silent", "zero")
    assert result.total == dec(100)
    assert result.customers[0].revenue_share == dec(1)
    assert result.segments() == {
        "paying": Segment.A,
        "netted": Segment.NONE,
        "refunded": Segment.NONE,
        "silent": Segment.NONE,
        "zero": Segment.NONE,
    }


def test_a_credit_note_dropping_a_customer_to_zero_changes_the_others_segments() -> None:
    with_credit = [
        RevenueLine("a", AS_OF, dec(40)),
        RevenueLine("b", AS_OF, dec(40)),
        RevenueLine("c", AS_OF, dec(20)),
        RevenueLine("c", AS_OF, dec(-20)),
        RevenueLine("d", AS_OF, dec(20)),
    ]
    result = segment_accounts("abcd", summarize_revenue(with_credit, PERIOD), REVENUE_SHARE)
    assert result.total == dec(100)
    assert [(c.account_id, c.segment.value) for c in result.customers] == [
        ("a", "A"),
        ("b", "A"),
        ("d", "B"),
    ]
    assert result.no_revenue == ("c",)


def test_no_customers_at_all_give_an_empty_segmentation() -> None:
    result = segment({"a": 0, "b": -3})
    assert result.customers == ()
    assert result.no_revenue == ("a", "b")
    assert result.total == dec(0)


# --- customer_share -------------------------------------------------------------------------


def test_customer_share_defaults_are_20_and_50_percent() -> None:
    assert default_thresholds(SegmentationRule.CUSTOMER_SHARE) == (dec("0.20"), dec("0.50"))


def test_customer_share_of_five_customers_gives_positions_1_then_2_to_3_then_4_to_5() -> None:
    result = segment({"a": 50, "b": 40, "c": 30, "d": 20, "e": 10}, CUSTOMER_SHARE)
    assert letters(result) == ["A", "B", "B", "C", "C"]


def test_customer_share_with_an_exact_integer_a_times_n_does_not_round_up() -> None:
    revenues = {f"c{i:02}": 100 - i for i in range(10)}
    assert letters(segment(revenues, CUSTOMER_SHARE)) == ["A"] * 2 + ["B"] * 3 + ["C"] * 5


def test_customer_share_counts_exactly_where_a_float_ceiling_would_take_one_more() -> None:
    # 0.07 * 100 is 7.000000000000001 in floats, whose ceiling is 8.
    settings = SegmentationSettings(SegmentationRule.CUSTOMER_SHARE, dec("0.07"), dec("0.5"))
    revenues = {f"c{i:03}": 1000 - i for i in range(100)}
    assert letters(segment(revenues, settings)) == ["A"] * 7 + ["B"] * 43 + ["C"] * 50


def test_customer_share_rounds_a_fractional_count_up() -> None:
    settings = SegmentationSettings(SegmentationRule.CUSTOMER_SHARE, dec("0.34"), dec("0.67"))
    assert letters(segment({"a": 3, "b": 2, "c": 1}, settings)) == ["A", "A", "B"]


def test_customer_share_uses_the_revenue_order_with_ties_by_id() -> None:
    settings = SegmentationSettings(SegmentationRule.CUSTOMER_SHARE, dec("0.5"), dec("1"))
    result = segment({"a9": 10, "a10": 10}, settings)
    assert [(c.account_id, c.segment.value) for c in result.customers] == [
        ("a10", "A"),
        ("a9", "B"),
    ]


def test_customer_share_counts_only_customers() -> None:
    result = segment({"a": 50, "b": 40, "c": 30, "d": 20, "e": 10, "x": 0, "y": -5}, CUSTOMER_SHARE)
    assert letters(result) == ["A", "B", "B", "C", "C"]


# --- group figures --------------------------------------------------------------------------


def test_group_figures_answer_the_four_questions_for_each_group() -> None:
    revenues = {"a": 40, "b": 40, "c": 10, "d": 5, "e": 5, "z": 0}
    summary = summary_of(revenues)
    groups = group_figures(segment_accounts(revenues, summary, REVENUE_SHARE), summary)
    a, b, c, every = groups["A"], groups["B"], groups["C"], groups["all"]
    assert (a.accounts, a.accounts_share, a.revenue, a.revenue_share, a.avg_revenue) == (
        2, dec("0.4"), dec(80), dec("0.8"), dec("40.00"),
    )  # fmt: skip
    assert (b.accounts, b.accounts_share, b.revenue, b.revenue_share, b.avg_revenue) == (
        2, dec("0.4"), dec(15), dec("0.15"), dec("7.50"),
    )  # fmt: skip
    assert (c.accounts, c.accounts_share, c.revenue, c.revenue_share, c.avg_revenue) == (
        1, dec("0.2"), dec(5), dec("0.05"), dec("5.00"),
    )  # fmt: skip
    assert (every.accounts, every.accounts_share, every.revenue, every.revenue_share) == (
        5, dec(1), dec(100), dec(1),
    )  # fmt: skip
    assert every.avg_revenue == dec("20.00")


def test_average_revenue_is_rounded_to_cents_half_up() -> None:
    settings = SegmentationSettings(SegmentationRule.CUSTOMER_SHARE, dec("0.5"), dec("1"))
    revenues: dict[str, str | int] = {"a": 100, "b": 50, "c": "0.03", "d": "0.02"}
    summary = summary_of(revenues)
    groups = group_figures(segment_accounts(revenues, summary, settings), summary)
    assert groups["A"].avg_revenue == dec("75.00")
    assert groups["B"].avg_revenue == dec("0.03")  # 0.025, half up (half even would give 0.02)
    assert str(groups["B"].avg_revenue) == "0.03"


def test_average_products_per_year_is_the_mean_over_the_groups_accounts() -> None:
    revenues = {"a": 50, "b": 40, "c": 10}
    summary = summary_of(revenues, products={"a": ["p1", "p2", "p3"], "c": ["p1"]})
    groups = group_figures(segment_accounts(revenues, summary, REVENUE_SHARE), summary)
    assert groups["A"].avg_products_per_year == dec("1.5")  # (3 + 0) / 2
    assert groups["B"].avg_products_per_year == dec(1)
    assert close_to(groups["all"].avg_products_per_year, Fraction(4, 3))


def test_empty_groups_have_zero_accounts_and_no_averages() -> None:
    revenues = {"a": 50, "b": 50}
    summary = summary_of(revenues, margins={"a": 5, "b": 5}, products={"a": ["p1"]})
    groups = group_figures(segment_accounts(revenues, summary, REVENUE_SHARE), summary)
    for key in ("B", "C"):
        figures = groups[key]
        assert figures.accounts == 0
        assert figures.revenue == dec(0)
        assert figures.avg_revenue is None
        assert figures.avg_products_per_year is None
        assert figures.margin == dec(0)
    assert groups["A"].accounts == 2


def test_group_figures_without_customers_have_no_shares_or_averages() -> None:
    summary = summary_of({"a": 0})
    groups = group_figures(segment_accounts(["a"], summary, REVENUE_SHARE), summary)
    assert set(groups) == {"A", "B", "C", "all"}
    for figures in groups.values():
        assert figures.accounts == 0
        assert figures.avg_revenue is None
        assert figures.revenue_share is None


def test_margin_figures_are_none_when_the_data_has_no_margins() -> None:
    revenues = {"a": 40, "b": 40, "c": 10, "d": 5, "e": 5}
    summary = summary_of(revenues)
    groups = group_figures(segment_accounts(revenues, summary, REVENUE_SHARE), summary)
    assert all(g.margin is None and g.margin_share is None for g in groups.values())
    assert all(g.avg_products_per_year is None for g in groups.values())


def test_margin_share_is_over_the_customers_total_margin() -> None:
    revenues = {"a": 40, "b": 40, "c": 10, "d": 5, "e": 5, "loss": -10}
    margins = {"a": 10, "b": 20, "c": 5, "d": 3, "e": 2, "loss": 100}
    summary = summary_of(revenues, margins)
    groups = group_figures(segment_accounts(revenues, summary, REVENUE_SHARE), summary)
    assert (groups["A"].margin, groups["A"].margin_share) == (dec(30), dec("0.75"))
    assert (groups["B"].margin, groups["B"].margin_share) == (dec(8), dec("0.2"))
    assert (groups["C"].margin, groups["C"].margin_share) == (dec(2), dec("0.05"))
    assert (groups["all"].margin, groups["all"].margin_share) == (dec(40), dec(1))


def test_margin_share_is_none_when_the_total_margin_is_zero() -> None:
    revenues = {"a": 60, "b": 40}
    summary = summary_of(revenues, margins={"a": 10, "b": -10})
    groups = group_figures(segment_accounts(revenues, summary, REVENUE_SHARE), summary)
    assert groups["A"].margin == dec(0)
    assert all(g.margin_share is None for g in groups.values())


# --- Pareto figures -------------------------------------------------------------------------


def test_share_of_customers_for_80_percent_of_revenue() -> None:
    revenues = {"a": 40, "b": 40, "c": 10, "d": 5, "e": 5, "z": 0}
    summary = summary_of(revenues)
    pareto = pareto_figures(segment_accounts(revenues, summary, REVENUE_SHARE), summary)
    assert pareto.customers_share_for_80pct_revenue == dec("0.4")
    assert pareto.margin is None


def test_pareto_share_counts_the_customer_that_reaches_80_percent_exactly() -> None:
    revenues = {"a": 80, "b": 20}
    summary = summary_of(revenues)
    pareto = pareto_figures(segment_accounts(revenues, summary, REVENUE_SHARE), summary)
    assert pareto.customers_share_for_80pct_revenue == dec("0.5")


def test_pareto_figures_use_80_percent_whatever_the_segmentation_rule() -> None:
    revenues = {"a": 40, "b": 40, "c": 10, "d": 5, "e": 5}
    summary = summary_of(revenues)
    settings = SegmentationSettings(SegmentationRule.CUSTOMER_SHARE, dec("0.2"), dec("0.5"))
    pareto = pareto_figures(segment_accounts(revenues, summary, settings), summary)
    assert pareto.customers_share_for_80pct_revenue == dec("0.4")


def test_twenty_percent_of_revenue_making_80_percent_of_margin() -> None:
    revenues = {"a": 40, "b": 30, "c": 20, "d": 10}
    margins = {"a": 2, "b": 8, "c": 80, "d": 10}
    summary = summary_of(revenues, margins)
    pareto = pareto_figures(segment_accounts(revenues, summary, REVENUE_SHARE), summary)
    assert pareto.margin is not None
    assert pareto.margin.customers_share == dec("0.25")
    assert pareto.margin.revenue_share == dec("0.2")


def test_with_negative_margins_the_margin_group_is_the_first_prefix_reaching_80_percent() -> None:
    revenues = {"a": 50, "b": 30, "c": 20}
    margins = {"a": 60, "b": 30, "c": -10}  # total 80, target 64: a (60) falls short, a+b reaches
    summary = summary_of(revenues, margins)
    pareto = pareto_figures(segment_accounts(revenues, summary, REVENUE_SHARE), summary)
    assert pareto.margin is not None
    assert close_to(pareto.margin.customers_share, Fraction(2, 3))
    assert pareto.margin.revenue_share == dec("0.8")


def test_margin_ties_are_ordered_by_id_in_the_concentration() -> None:
    revenues = {"a9": 30, "a10": 10, "n": 60}
    margins = {"a9": 80, "a10": 80, "n": -60}  # total 100: the first of the tie reaches 80
    summary = summary_of(revenues, margins)
    pareto = pareto_figures(segment_accounts(revenues, summary, REVENUE_SHARE), summary)
    assert pareto.margin is not None
    assert close_to(pareto.margin.customers_share, Fraction(1, 3))
    assert pareto.margin.revenue_share == dec("0.1")


def test_margin_concentration_is_none_when_the_total_margin_is_not_positive() -> None:
    revenues = {"a": 60, "b": 40}
    for margins in ({"a": 10, "b": -10}, {"a": -10, "b": 5}):
        summary = summary_of(revenues, margins)
        pareto = pareto_figures(segment_accounts(revenues, summary, REVENUE_SHARE), summary)
        assert pareto.margin is None
        assert pareto.customers_share_for_80pct_revenue == dec(1)


def test_margin_concentration_ignores_accounts_without_positive_revenue() -> None:
    revenues = {"a": 60, "b": 40, "loss": -5}
    margins = {"a": 10, "b": 90, "loss": 1000}
    summary = summary_of(revenues, margins)
    pareto = pareto_figures(segment_accounts(revenues, summary, REVENUE_SHARE), summary)
    assert pareto.margin is not None
    assert pareto.margin.customers_share == dec("0.5")
    assert pareto.margin.revenue_share == dec("0.4")


def test_pareto_figures_are_none_without_customers() -> None:
    summary = summary_of({"a": 0}, margins={"a": 5})
    pareto = pareto_figures(segment_accounts(["a"], summary, REVENUE_SHARE), summary)
    assert pareto.customers_share_for_80pct_revenue is None
    assert pareto.margin is None
