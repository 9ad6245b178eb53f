"""Whitespace per segment-A customer (METHOD.md section 4): hand-computed cases and properties."""

from __future__ import annotations

from collections.abc import Mapping, Set
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from crm_accounts.domain import Account, MethodInput, Period, RevenueLine, summarize_revenue
from crm_accounts.domain.contact_plan import ContactHistory
from crm_accounts.domain.method import run_method
from crm_accounts.domain.settings import MethodSettings, WhitespaceSettings
from crm_accounts.domain.whitespace import WhitespaceRow, check_peer_attribute, find_whitespace
from crm_accounts.errors import ConfigError

AS_OF = date(2026, 11, 27)


def rows_of(rows: tuple[WhitespaceRow, ...]) -> list[tuple[str, str, int, int]]:
    return [(r.account_id, r.product, r.peers_buying, r.peers) for r in rows]


# Five A customers: every one has four peers. Buyers among them: k 3, m 3, n 2, o 2.
FIVE = ["x", "p1", "p2", "p3", "p4"]
BOUGHT: dict[str, Set[str]] = {
    "x": set(),
    "p1": {"k", "m", "n", "o"},
    "p2": {"k", "m", "n"},
    "p3": {"k", "o"},
    "p4": {"m"},
}


def test_a_tie_at_the_cut_is_broken_by_product_in_plain_string_order() -> None:
    settings = WhitespaceSettings(Decimal("0.30"), 3)

    rows = find_whitespace(FIVE, BOUGHT, settings)

    # x lacks k, m (3 of 4 peers), n and o (2 of 4): n and o tie at the cut of 3, n comes first.
    assert rows_of(rows) == [
        ("x", "k", 3, 4), ("x", "m", 3, 4), ("x", "n", 2, 4),
        ("p2", "o", 2, 4),
        ("p3", "m", 3, 4), ("p3", "n", 2, 4),
        ("p4", "k", 3, 4), ("p4", "n", 2, 4), ("p4", "o", 2, 4),
    ]  # fmt: skip
    assert rows[0].peer_share == Decimal("0.75")
    assert rows[2].peer_share == Decimal("0.5")


def test_a_share_exactly_at_the_minimum_is_kept_and_just_below_it_is_not() -> None:
    at = find_whitespace(FIVE, BOUGHT, WhitespaceSettings(Decimal("0.5"), 5))
    above = find_whitespace(FIVE, BOUGHT, WhitespaceSettings(Decimal("0.5000000001"), 5))

    assert ("x", "n", 2, 4) in rows_of(at)
    assert [r.product for r in above if r.account_id == "x"] == ["k", "m"]


def test_a_third_compares_exactly_against_a_decimal_minimum() -> None:
    three = ["x", "p1", "p2", "p3"]
    bought: dict[str, Set[str]] = {"p1": {"k"}}
    kept = find_whitespace(three, bought, WhitespaceSettings(Decimal("0.3333333333"), 5))
    cut = find_whitespace(three, bought, WhitespaceSettings(Decimal("0.3333333334"), 5))

    assert ("x", "k", 1, 3) in rows_of(kept)
    assert rows_of(cut) == []


def test_accounts_with_fewer_than_two_peers_get_no_rows() -> None:
    bought: dict[str, Set[str]] = {"a": {"k"}, "b": {"m"}}

    assert find_whitespace(["a", "b"], bought, WhitespaceSettings()) == ()
    assert find_whitespace(["a"], bought, WhitespaceSettings()) == ()
    three = find_whitespace(["a", "b", "c"], bought, WhitespaceSettings())
    assert rows_of(three) == [
        ("a", "m", 1, 2), ("b", "k", 1, 2), ("c", "k", 1, 2), ("c", "m", 1, 2),
    ]  # fmt: skip


def test_with_a_peer_attribute_peers_share_the_trimmed_value_and_empty_values_get_no_rows() -> None:
    industry = {"x": "metal", "p1": "metal", "p2": " metal ", "p3": "", "p4": None, "q1": "food"}
    group = ["x", "p1", "p2", "p3", "p4", "q1"]
    bought: dict[str, Set[str]] = {
        "x": {"k"}, "p1": {"m"}, "p2": {"m", "n"}, "p3": {"z"}, "p4": {"z"}, "q1": {"z"},
    }  # fmt: skip
    settings = WhitespaceSettings(Decimal("0.30"), 5, "industry")

    rows = find_whitespace(group, bought, settings, industry.get)

    # x's peers are p1 and p2 (p3, p4 have no value, q1 is food and has no peer of its own);
    # z, bought by the accounts outside the circle, is never whitespace for x.
    assert rows_of(rows) == [
        ("x", "m", 2, 2), ("x", "n", 1, 2),
        ("p1", "k", 1, 2), ("p1", "n", 1, 2),
        ("p2", "k", 1, 2),
    ]  # fmt: skip


def test_no_products_give_no_rows() -> None:
    assert find_whitespace(FIVE, {}, WhitespaceSettings()) == ()


def test_a_maximum_of_zero_rows_switches_whitespace_off() -> None:
    assert find_whitespace(FIVE, BOUGHT, WhitespaceSettings(Decimal(0), 0)) == ()


def test_a_product_no_peer_buys_is_never_a_row_even_with_a_minimum_of_zero() -> None:
    rows = find_whitespace(FIVE, BOUGHT, WhitespaceSettings(Decimal(0), 10))

    assert all(row.peers_buying > 0 for row in rows)


# -- through the whole method: segment A, the period --------------------------------------------


def method_input(
    lines: list[RevenueLine], attributes: Mapping[str, Mapping[str, str]]
) -> MethodInput:
    accounts = [Account(i, i.upper(), attributes=attributes.get(i, {})) for i in "abcdefg"]
    return MethodInput(
        accounts=accounts,
        revenue=summarize_revenue(lines, Period.ending(AS_OF, 12)),
        history=ContactHistory({}, frozenset()),
        members={},
        attribute_names=frozenset(name for a in attributes.values() for name in a),
    )


def line(account: str, amount: int, product: str | None, day: date = AS_OF) -> RevenueLine:
    return RevenueLine(account, day, Decimal(amount), None, product)


def test_the_method_takes_peers_from_segment_a_and_purchases_from_the_period() -> None:
    lines = [
        line("a", 300, "k"), line("b", 300, "k"), line("c", 300, "m"),
        line("c", -1, "k"),  # a credit note is a purchase, as for products
        line("d", 290, "m"),
        line("d", 1, "k", AS_OF - timedelta(days=400)),  # before the period: not bought
        line("e", 50, "k"), line("f", 50, "k"), line("g", 10, "z"),  # segments B and C
    ]  # fmt: skip

    result = run_method(method_input(lines, {}), MethodSettings(), AS_OF)

    assert [c.account_id for c in result.segmentation.customers[:4]] == ["a", "b", "c", "d"]
    # Total 1299: a, b, c, d are A (prior before d: 899 < 0.8 * 1299), e is B, f and g C.
    assert rows_of(result.whitespace) == [
        ("a", "m", 2, 3), ("b", "m", 2, 3), ("d", "k", 3, 3),
    ]  # fmt: skip


def test_the_method_refuses_a_peer_attribute_the_source_does_not_have() -> None:
    settings = MethodSettings(whitespace=WhitespaceSettings(peer_attribute="industry"))
    data = method_input([line("a", 1, "k")], {"a": {"region": "north"}})

    with pytest.raises(ConfigError, match=r"whitespace\.peer_attribute.*'industry'.*region"):
        run_method(data, settings, AS_OF)


def test_a_peer_attribute_no_account_has_a_value_for_is_refused_naming_the_key() -> None:
    accounts = [Account("a", "A", attributes={"industry": " "}), Account("b", "B")]

    with pytest.raises(ConfigError, match=r"whitespace\.peer_attribute: no account has a value"):
        check_peer_attribute("industry", frozenset({"industry"}), accounts)


# -- properties -----------------------------------------------------------------------------

PRODUCTS = st.sets(st.sampled_from("klmnop"), max_size=6)


@st.composite
def groups(draw: st.DrawFn) -> tuple[list[str], dict[str, Set[str]], WhitespaceSettings]:
    ids = draw(st.lists(st.sampled_from("abcdefghij"), unique=True, max_size=10))
    bought: dict[str, Set[str]] = {i: draw(PRODUCTS) for i in ids}
    share = draw(st.decimals(min_value=0, max_value=1, places=3))
    return ids, bought, WhitespaceSettings(share, draw(st.integers(0, 7)))


def naive(
    ids: list[str], bought: dict[str, Set[str]], s: WhitespaceSettings
) -> list[WhitespaceRow]:
    """The rule read literally: every product, every peer, exact fractions."""
    rows = []
    for x in ids:
        peers = [p for p in ids if p != x]
        if len(peers) < 2:
            continue
        candidates = []
        for product in sorted(set().union(*bought.values()) - bought[x]):
            buying = sum(product in bought[p] for p in peers)
            if buying and Fraction(buying, len(peers)) >= Fraction(s.min_peer_share):
                candidates.append(WhitespaceRow(x, product, buying, len(peers)))
        candidates.sort(key=lambda r: (-Fraction(r.peers_buying, r.peers), r.product))
        rows.extend(candidates[: s.max_per_account])
    return rows


@given(groups())
def test_whitespace_is_the_rule_read_literally(
    case: tuple[list[str], dict[str, Set[str]], WhitespaceSettings],
) -> None:
    ids, bought, settings = case

    assert list(find_whitespace(ids, bought, settings)) == naive(ids, bought, settings)


@given(groups())
def test_no_row_names_a_product_the_account_already_buys(
    case: tuple[list[str], dict[str, Set[str]], WhitespaceSettings],
) -> None:
    ids, bought, settings = case

    for row in find_whitespace(ids, bought, settings):
        assert row.product not in bought[row.account_id]
        assert row.peers >= 2
        assert row.peer_share >= settings.min_peer_share
