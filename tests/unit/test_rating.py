"""Customer rating: who is rated, ranks per criterion, points and positions (METHOD.md 1b)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from decimal import Decimal

import pytest

from crm_accounts.domain import (
    Account,
    Better,
    ContactHistory,
    CriterionSettings,
    MethodInput,
    MethodSettings,
    Period,
    RatingSettings,
    RevenueLine,
    run_method,
    summarize_revenue,
)
from crm_accounts.domain.rating import (
    Rating,
    default_criteria,
    parse_number,
    rank_values,
    rate_accounts,
    select_rated,
)
from crm_accounts.errors import ConfigError

AS_OF = date(2026, 11, 27)
PERIOD = Period.ending(AS_OF, 12)
HIGHER, LOWER = Better.HIGHER, Better.LOWER


def dec(value: str | int) -> Decimal:
    return Decimal(value)


def values(*raw: str | int | None) -> list[Decimal | None]:
    return [None if value is None else Decimal(value) for value in raw]


def ranks(*raw: str | int | None, better: Better = HIGHER) -> list[str]:
    return [str(rank) for rank in rank_values(values(*raw), better)]


def rate(
    ids: Sequence[str],
    criteria: Sequence[CriterionSettings],
    attributes: Mapping[str, Mapping[str, str]] | None = None,
    revenue: Mapping[str, int] | None = None,
    metrics: Mapping[tuple[str, str], int] | None = None,
) -> Rating:
    attrs = attributes or {}
    money = revenue or {}
    table = metrics or {}

    def metric(account_id: str, name: str) -> Decimal | None:
        if name == "revenue":
            return Decimal(money.get(account_id, 0))
        value = table.get((account_id, name))
        return None if value is None else Decimal(value)

    return rate_accounts(
        ids,
        criteria,
        metric,
        lambda account_id: attrs.get(account_id, {}),
        lambda account_id: Decimal(money.get(account_id, 0)),
    )


def positions(rating: Rating) -> list[str]:
    return [rated.account_id for rated in rating.accounts]


def method_input(
    revenues: Mapping[str, int],
    attributes: Mapping[str, Mapping[str, str]] | None = None,
    lines: Sequence[RevenueLine] = (),
) -> MethodInput:
    attrs = attributes or {}
    accounts = [Account(i, i.upper(), attributes=attrs.get(i, {})) for i in revenues]
    all_lines = [RevenueLine(i, AS_OF, Decimal(amount)) for i, amount in revenues.items()]
    all_lines.extend(lines)
    names = frozenset(name for row in attrs.values() for name in row)
    return MethodInput(
        accounts=accounts,
        revenue=summarize_revenue(all_lines, PERIOD),
        history=ContactHistory({}, frozenset()),
        members={},
        attribute_names=names,
    )


def settings_with(rating: RatingSettings) -> MethodSettings:
    return MethodSettings(rating=rating)


# --- ranks ----------------------------------------------------------------------------------


def test_equal_values_share_the_average_of_the_ranks_they_span() -> None:
    assert ranks(9, 5, 5, 1) == ["1", "2.5", "2.5", "4"]


def test_three_equal_values_share_the_middle_rank() -> None:
    assert ranks(7, 7, 7, 8) == ["3", "3", "3", "1"]


def test_better_lower_ranks_the_smallest_value_first() -> None:
    assert ranks(1, 5, 5, 9, better=LOWER) == ["1", "2.5", "2.5", "4"]
    assert ranks(9, 5, 5, 1, better=LOWER) == ["4", "2.5", "2.5", "1"]


def test_values_are_compared_as_numbers_not_as_text() -> None:
    assert ranks("10", "9", "9.50", "-1") == ["1", "3", "2", "4"]


def test_missing_values_rank_after_present_ones_sharing_the_average_of_the_remaining_ranks() -> (
    None
):
    assert ranks(5, None, 3, None) == ["1", "3.5", "2", "3.5"]
    assert ranks(None, 1, None, None, better=LOWER) == ["3", "1", "3", "3"]


def test_a_single_missing_value_takes_the_last_rank() -> None:
    assert ranks(None, 2, 2) == ["3", "1.5", "1.5"]


def test_all_values_missing_share_the_average_rank() -> None:
    assert ranks(None, None, None) == ["2", "2", "2"]


def test_no_rated_accounts_give_no_ranks() -> None:
    assert ranks() == []


# --- parsing attribute values ---------------------------------------------------------------


@pytest.mark.parametrize(
    "raw", ["8,5", "NaN", "nan", "x", "Infinity", "-inf", "sNaN", "1.2.3", "1_000", "8 5"]
)
def test_a_cell_that_is_not_a_finite_decimal_number_is_no_value(raw: str) -> None:
    assert parse_number(raw) is None


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("7", "7"), (" 8.5 ", "8.5"), ("-3", "-3"), ("+4", "4"), (".5", "0.5"), ("0", "0")],
)
def test_a_finite_decimal_cell_is_a_value(raw: str, expected: str) -> None:
    assert parse_number(raw) == Decimal(expected)


# --- rating ---------------------------------------------------------------------------------


FIT = CriterionSettings(key="fit", source="strategic_fit", label="Strategic fit")
FIT_PLAIN = CriterionSettings(key="fit", source="fit")


def test_non_numeric_attribute_values_are_missing_with_a_warning_naming_account_and_field() -> None:
    attributes = {
        "acme": {"strategic_fit": "8,5"},
        "globex": {"strategic_fit": "NaN"},
        "initech": {"strategic_fit": "x"},
        "umbrella": {"strategic_fit": "7"},
        "hooli": {"strategic_fit": ""},
        "stark": {},
    }
    rating = rate(list(attributes), [FIT], attributes)
    by_id = {rated.account_id: rated.ranks["fit"] for rated in rating.accounts}
    assert by_id["umbrella"] == dec(1)
    assert {by_id[i] for i in ("acme", "globex", "initech", "hooli", "stark")} == {dec(4)}
    assert len(rating.warnings) == 3
    for account_id, warning in zip(("acme", "globex", "initech"), rating.warnings, strict=True):
        assert account_id in warning
        assert "strategic_fit" in warning


def test_an_empty_or_absent_attribute_is_missing_without_a_warning() -> None:
    attributes = {"a": {"strategic_fit": "  "}, "b": {}, "c": {"strategic_fit": "3"}}
    rating = rate(["a", "b", "c"], [FIT], attributes)
    assert rating.warnings == ()
    assert positions(rating) == ["c", "a", "b"]


def test_a_metric_named_source_means_the_metric_even_when_an_attribute_has_that_name() -> None:
    attributes = {"small": {"revenue": "1000000"}, "big": {"revenue": "1"}}
    criterion = CriterionSettings(key="rev", source="revenue")
    rating = rate(["small", "big"], [criterion], attributes, revenue={"small": 10, "big": 90})
    assert positions(rating) == ["big", "small"]
    assert rating.accounts[0].ranks == {"rev": dec(1)}
    assert rating.warnings == ()


def test_points_are_the_sum_of_ranks_and_fewest_points_is_position_one() -> None:
    criteria = [
        CriterionSettings(key="fit", source="fit"),
        CriterionSettings(key="risk", source="risk", better=LOWER),
    ]
    attributes = {
        "a": {"fit": "9", "risk": "5"},  # fit 1, risk 3 -> 4
        "b": {"fit": "5", "risk": "1"},  # fit 2.5, risk 1 -> 3.5
        "c": {"fit": "5", "risk": "2"},  # fit 2.5, risk 2 -> 4.5
    }
    rating = rate(["a", "b", "c"], criteria, attributes)
    assert [(r.position, r.account_id, r.points) for r in rating.accounts] == [
        (1, "b", dec("3.5")),
        (2, "a", dec(4)),
        (3, "c", dec("4.5")),
    ]
    assert rating.accounts[2].ranks == {"fit": dec("2.5"), "risk": dec(2)}


def test_points_ties_are_broken_by_revenue_descending() -> None:
    criteria = [FIT_PLAIN, CriterionSettings(key="size", source="size", better=LOWER)]
    attributes = {
        "a": {"fit": "9", "size": "9"},  # 1 + 3 = 4
        "b": {"fit": "1", "size": "1"},  # 3 + 1 = 4
        "c": {"fit": "5", "size": "5"},  # 2 + 2 = 4
    }
    rating = rate(["a", "b", "c"], criteria, attributes, revenue={"a": 10, "b": 30, "c": 20})
    assert positions(rating) == ["b", "c", "a"]
    assert [r.position for r in rating.accounts] == [1, 2, 3]


def test_points_and_revenue_ties_are_broken_by_plain_string_id() -> None:
    rating = rate(["a9", "b", "a10"], [FIT_PLAIN], {}, revenue={"a9": 5, "b": 5, "a10": 5})
    assert positions(rating) == ["a10", "a9", "b"]


def test_a_metric_that_does_not_exist_ranks_everyone_equal() -> None:
    criterion = CriterionSettings(key="margin", source="margin")
    rating = rate(["x", "y"], [criterion], revenue={"x": 1, "y": 2})
    assert [r.ranks["margin"] for r in rating.accounts] == [dec("1.5"), dec("1.5")]
    assert positions(rating) == ["y", "x"]


# --- who is rated, default criteria ---------------------------------------------------------


def test_default_criteria_are_revenue_then_margin_and_products_per_year_when_present() -> None:
    def keys(has_margins: bool, has_products: bool) -> list[tuple[str, str, Better]]:
        return [(c.key, c.source, c.better) for c in default_criteria(has_margins, has_products)]

    assert keys(False, False) == [("revenue", "revenue", HIGHER)]
    assert keys(True, False) == [("revenue", "revenue", HIGHER), ("margin", "margin", HIGHER)]
    assert keys(False, True) == [
        ("revenue", "revenue", HIGHER),
        ("products_per_year", "products_per_year", HIGHER),
    ]
    assert [key for key, _, _ in keys(True, True)] == ["revenue", "margin", "products_per_year"]


def test_the_top_five_of_group_a_in_revenue_order_are_rated_by_default() -> None:
    assert select_rated(RatingSettings(), list("abcdefg")) == tuple("abcde")


def test_all_of_group_a_is_rated_when_it_is_smaller_than_top() -> None:
    assert select_rated(RatingSettings(top=5), ["a", "b"]) == ("a", "b")


def test_an_explicit_rating_list_is_rated_as_given() -> None:
    settings = RatingSettings(accounts=("z", "y"))
    assert select_rated(settings, ["a", "b"]) == ("z", "y")


def test_run_method_rates_the_top_of_group_a_with_the_default_criteria() -> None:
    revenues = {f"k{i}": 10 for i in range(10)} | {"small": 1}
    result = run_method(method_input(revenues), MethodSettings(), AS_OF)
    assert [c.key for c in result.rating.criteria] == ["revenue"]
    assert positions(result.rating) == ["k0", "k1", "k2", "k3", "k4"]


def test_run_method_default_criteria_follow_margins_and_products() -> None:
    extra = [RevenueLine("a", AS_OF, dec(0), dec(3), "p1")]
    result = run_method(method_input({"a": 40, "b": 40}, lines=extra), MethodSettings(), AS_OF)
    assert [c.key for c in result.rating.criteria] == ["revenue", "margin", "products_per_year"]
    assert set(result.rating.accounts[0].ranks) == {"revenue", "margin", "products_per_year"}


def test_run_method_rates_every_explicitly_listed_account_whatever_its_segment() -> None:
    settings = settings_with(RatingSettings(accounts=("c", "zero", "a")))
    result = run_method(method_input({"a": 40, "b": 40, "c": 20, "zero": 0}), settings, AS_OF)
    assert positions(result.rating) == ["a", "c", "zero"]
    assert result.segments["zero"].value == "none"


def test_an_unknown_id_in_the_rating_list_is_a_configuration_error() -> None:
    settings = settings_with(RatingSettings(accounts=("a", "ghost")))
    with pytest.raises(ConfigError, match="ghost"):
        run_method(method_input({"a": 40, "b": 40}), settings, AS_OF)


def test_a_criterion_source_that_is_neither_metric_nor_attribute_is_a_configuration_error() -> None:
    criteria = (CriterionSettings(key="fit", source="strategic_fit"),)
    settings = settings_with(RatingSettings(criteria=criteria))
    with pytest.raises(ConfigError, match="strategic_fit"):
        run_method(method_input({"a": 40}, {"a": {"other": "1"}}), settings, AS_OF)


def test_run_method_reports_rating_warnings() -> None:
    criteria = (CriterionSettings(key="fit", source="strategic_fit"),)
    settings = settings_with(RatingSettings(criteria=criteria))
    attributes = {"acme": {"strategic_fit": "8,5"}, "globex": {"strategic_fit": "6"}}
    result = run_method(method_input({"acme": 50, "globex": 50}, attributes), settings, AS_OF)
    assert positions(result.rating) == ["globex", "acme"]
    assert len(result.warnings) == 1
    assert "acme" in result.warnings[0]
    assert "strategic_fit" in result.warnings[0]


def test_run_method_uses_the_revenue_metric_even_with_an_attribute_named_revenue() -> None:
    criteria = (CriterionSettings(key="revenue", source="revenue"),)
    settings = settings_with(RatingSettings(criteria=criteria))
    attributes = {"big": {"revenue": "1"}, "small": {"revenue": "999"}}
    result = run_method(method_input({"big": 45, "small": 40}, attributes), settings, AS_OF)
    assert positions(result.rating) == ["big", "small"]
    assert result.warnings == ()
