"""Hypothesis properties of the domain: segmentation, ranks, pair status and planning invariants."""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from crm_accounts.domain import (
    Activity,
    Better,
    Contact,
    DmuRole,
    Pair,
    PairStatus,
    Period,
    PlanRule,
    PlanSettings,
    PlanStatus,
    PsuRole,
    RevenueLine,
    Segment,
    SegmentationRule,
    SegmentationSettings,
    TeamMember,
    summarize_activities,
    summarize_revenue,
    task_key,
)
from crm_accounts.domain.calendar import is_working_day
from crm_accounts.domain.contact_plan import build_contact_matrix
from crm_accounts.domain.planning import OVER_CAPACITY, PlannedContact, plan_contacts
from crm_accounts.domain.rating import rank_values
from crm_accounts.domain.segmentation import Segmentation, segment_accounts

PROPERTY = settings(max_examples=200, deadline=None)
AS_OF = date(2026, 11, 27)
PERIOD = Period.ending(AS_OF, 12)
SEGMENT_ORDER = {Segment.A: 0, Segment.B: 1, Segment.C: 2}

# Small alphabets so that ties, shared ids and `a10` < `a9` orderings happen often.
ACCOUNT_IDS = st.sampled_from(["1", "9", "a", "a1", "a10", "a19", "a9", "a91", "b", "b1"])
AMOUNTS = st.one_of(
    st.integers(-5, 20).map(Decimal),
    st.integers(-500, 5000).map(lambda cents: Decimal(cents).scaleb(-2)),
)
# Mostly inside the period, sometimes on its excluded start or after the as-of date.
LINE_DATES = st.sampled_from(
    [
        AS_OF,
        AS_OF - timedelta(days=40),
        PERIOD.start + timedelta(days=1),
        PERIOD.start,
        AS_OF + timedelta(days=1),
    ]
)
THRESHOLD = st.integers(1, 10_000).map(lambda k: Decimal(k).scaleb(-4))
THRESHOLDS = st.tuples(THRESHOLD, THRESHOLD).map(sorted)


@st.composite
def revenue_data(draw: st.DrawFn) -> tuple[list[str], list[RevenueLine]]:
    """Account ids (some without lines) and revenue lines in the period, credit notes included."""
    ids = draw(st.lists(ACCOUNT_IDS, unique=True, max_size=8))
    if not ids:
        return ids, []
    rows = draw(st.lists(st.tuples(st.sampled_from(ids), LINE_DATES, AMOUNTS), max_size=12))
    return ids, [RevenueLine(*row) for row in rows]


def net_revenue(ids: list[str], lines: list[RevenueLine]) -> dict[str, Fraction]:
    """Revenue per account over ``start < date <= as_of``, computed with fractions."""
    revenue = dict.fromkeys(ids, Fraction(0))
    for line in lines:
        if PERIOD.start < line.date <= AS_OF:
            revenue[line.account_id] += Fraction(line.amount)
    return revenue


def segment(
    ids: list[str], lines: list[RevenueLine], rule: SegmentationRule, a: Decimal, b: Decimal
) -> Segmentation:
    summary = summarize_revenue(lines, PERIOD)
    return segment_accounts(ids, summary, SegmentationSettings(rule, a, b))


RULES = st.sampled_from(list(SegmentationRule))


# --- segmentation ---------------------------------------------------------------------------


@PROPERTY
@given(revenue_data(), RULES, THRESHOLDS)
def test_segments_partition_the_accounts_and_none_is_exactly_non_positive_revenue(
    data: tuple[list[str], list[RevenueLine]],
    rule: SegmentationRule,
    thresholds: list[Decimal],
) -> None:
    ids, lines = data
    a, b = thresholds
    result = segment(ids, lines, rule, a, b)
    revenue = net_revenue(ids, lines)
    customer_ids = [c.account_id for c in result.customers]
    assert Counter(customer_ids + list(result.no_revenue)) == Counter(ids)
    assert set(result.no_revenue) == {i for i, value in revenue.items() if value <= 0}
    assert all(c.segment in (Segment.A, Segment.B, Segment.C) for c in result.customers)
    assert set(result.segments()) == set(ids)
    assert Fraction(result.total) == sum((v for v in revenue.values() if v > 0), Fraction(0))
    order = [(-revenue[i], i) for i in customer_ids]
    assert order == sorted(order)
    ranks = [SEGMENT_ORDER[c.segment] for c in result.customers]
    assert ranks == sorted(ranks)


@PROPERTY
@given(revenue_data(), THRESHOLDS)
def test_revenue_share_a_is_the_smallest_top_group_reaching_a_of_the_total(
    data: tuple[list[str], list[RevenueLine]], thresholds: list[Decimal]
) -> None:
    ids, lines = data
    a, b = thresholds
    result = segment(ids, lines, SegmentationRule.REVENUE_SHARE, a, b)
    total = Fraction(result.total)
    values = [Fraction(c.revenue) for c in result.customers]
    for threshold, groups in ((a, {Segment.A}), (b, {Segment.A, Segment.B})):
        size = sum(1 for c in result.customers if c.segment in groups)
        target = Fraction(threshold) * total
        if not values:
            assert size == 0
            continue
        assert sum(values[:size]) >= target
        assert sum(values[: size - 1]) < target


@PROPERTY
@given(revenue_data(), THRESHOLDS)
def test_customer_share_a_holds_ceil_a_times_n_customers(
    data: tuple[list[str], list[RevenueLine]], thresholds: list[Decimal]
) -> None:
    ids, lines = data
    a, b = thresholds
    result = segment(ids, lines, SegmentationRule.CUSTOMER_SHARE, a, b)
    n = len(result.customers)
    counts = Counter(c.segment for c in result.customers)
    assert counts[Segment.A] == math.ceil(Fraction(a) * n)
    assert counts[Segment.A] + counts[Segment.B] == math.ceil(Fraction(b) * n)


@PROPERTY
@given(revenue_data(), RULES, THRESHOLDS, st.data())
def test_segmentation_does_not_depend_on_input_order(
    data: tuple[list[str], list[RevenueLine]],
    rule: SegmentationRule,
    thresholds: list[Decimal],
    more: st.DataObject,
) -> None:
    ids, lines = data
    a, b = thresholds
    shuffled_ids = more.draw(st.permutations(ids))
    shuffled_lines = more.draw(st.permutations(lines))
    assert segment(ids, lines, rule, a, b) == segment(shuffled_ids, shuffled_lines, rule, a, b)


# --- ranks ----------------------------------------------------------------------------------


@PROPERTY
@given(
    st.lists(st.one_of(st.none(), st.integers(-3, 3).map(Decimal)), max_size=12),
    st.sampled_from(list(Better)),
)
def test_ranks_per_criterion_sum_to_n_times_n_plus_one_over_two(
    values: list[Decimal | None], better: Better
) -> None:
    ranks = rank_values(values, better)
    n = len(values)
    assert len(ranks) == n
    assert sum(ranks, Decimal(0)) * 2 == n * (n + 1)
    assert all(1 <= rank <= n for rank in ranks)
    present = [rank for rank, value in zip(ranks, values, strict=True) if value is not None]
    missing = [rank for rank, value in zip(ranks, values, strict=True) if value is None]
    assert all(m > p for m in missing for p in present)
    for i, vi in enumerate(values):
        for j, vj in enumerate(values):
            if vi is None or vj is None:
                continue
            more_interesting = vi > vj if better is Better.HIGHER else vi < vj
            if vi == vj:
                assert ranks[i] == ranks[j]
            elif more_interesting:
                assert ranks[i] < ranks[j]


# --- pair status ----------------------------------------------------------------------------


@PROPERTY
@given(
    st.lists(st.integers(-5, 400), max_size=4),
    st.sampled_from([7, 30, 45, 90]),
    st.integers(1, 40),
)
def test_pair_status_follows_the_due_date_and_horizon(
    days_ago: list[int], every_days: int, horizon: int
) -> None:
    rule = PlanRule(Segment.A, PsuRole.ACCOUNT_MANAGER, DmuRole.DECIDER, every_days)
    plan_settings = PlanSettings(horizon_days=horizon, rules=(rule,))
    activities = [Activity("m1", "c1", AS_OF - timedelta(days=n)) for n in days_ago]
    history = summarize_activities(activities, AS_OF, plan_settings.lookback_days)
    contacts = {"acme": [Contact("c1", "acme", "C", frozenset({DmuRole.DECIDER}))]}
    team = {"acme": [TeamMember("acme", "m1", frozenset({PsuRole.ACCOUNT_MANAGER}))]}
    matrix = build_contact_matrix(
        [("acme", Segment.A)], contacts, team, history, AS_OF, plan_settings
    )
    (pair,) = matrix.pairs
    in_lookback = [n for n in days_ago if 0 <= n < plan_settings.lookback_days]
    if not in_lookback:
        assert (pair.status, pair.due_date, pair.days_overdue) == (PairStatus.NEVER, AS_OF, 365)
        return
    due = AS_OF - timedelta(days=min(in_lookback)) + timedelta(days=every_days)
    assert pair.due_date == due
    assert pair.days_overdue == (AS_OF - due).days
    if due < AS_OF:
        assert pair.status is PairStatus.OVERDUE
    elif due < AS_OF + timedelta(days=horizon):
        assert pair.status is PairStatus.DUE
    else:
        assert pair.status is PairStatus.OK


# --- planning -------------------------------------------------------------------------------

PLAN_ACCOUNTS = ["a1", "a10", "a9", "b"]
PLAN_MEMBERS = ["m1", "m10", "m9"]
PLAN_CONTACTS = ["c1", "c10", "c2", "d"]
LOOKBACK = 365


@dataclass(frozen=True)
class PlanningCase:
    as_of: date
    horizon: int
    pairs: list[Pair]
    segments: dict[str, Segment]
    positions: dict[str, int]
    capacity: dict[str, int]

    def plan(self) -> tuple[PlannedContact, ...]:
        return plan_contacts(
            self.pairs,
            self.segments,
            self.positions,
            self.capacity.__getitem__,
            self.as_of,
            self.horizon,
        )

    @property
    def horizon_end(self) -> date:
        return self.as_of + timedelta(days=self.horizon)

    def window_of(self, day: date) -> int:
        return (day - self.as_of).days // 7

    def eligible_windows(self, pair: Pair) -> list[tuple[int, date]]:
        """Windows holding a working day on or after the pair's earliest date, with that day."""
        earliest = max(self.as_of, pair.due_date)
        result: list[tuple[int, date]] = []
        day = earliest
        while day < self.horizon_end:
            if is_working_day(day) and self.window_of(day) not in {w for w, _ in result}:
                result.append((self.window_of(day), day))
            day += timedelta(days=1)
        return result


PLAN_TRIPLES = [
    (account_id, member_id, contact_id)
    for account_id in PLAN_ACCOUNTS
    for member_id in PLAN_MEMBERS
    for contact_id in PLAN_CONTACTS
]
DUE_OFFSETS = st.one_of(st.none(), st.integers(-40, 45))  # None: never contacted


@st.composite
def planning_case(draw: st.DrawFn) -> PlanningCase:
    as_of = draw(st.dates(date(2026, 1, 1), date(2026, 12, 31)))
    horizon = draw(st.integers(0, 40))
    rows = draw(
        st.lists(
            st.tuples(st.sampled_from(PLAN_TRIPLES), DUE_OFFSETS),
            unique_by=lambda row: row[0],
            max_size=16,
        )
    )
    pairs = []
    for (account_id, member_id, contact_id), offset in rows:
        if offset is None:
            due, status, overdue, last = as_of, PairStatus.NEVER, LOOKBACK, None
        else:
            due = as_of + timedelta(days=offset)
            if offset < 0:
                status = PairStatus.OVERDUE
            elif offset < horizon:
                status = PairStatus.DUE
            else:
                status = PairStatus.OK
            overdue, last = -offset, due - timedelta(days=30)
        pairs.append(Pair(account_id, member_id, contact_id, 30, (), last, due, status, overdue))
    n_accounts, n_members = len(PLAN_ACCOUNTS), len(PLAN_MEMBERS)
    segment_list = draw(
        st.lists(st.sampled_from(list(SEGMENT_ORDER)), min_size=n_accounts, max_size=n_accounts)
    )
    rated = draw(st.permutations(PLAN_ACCOUNTS))
    cut = draw(st.integers(0, n_accounts))
    capacities = draw(st.lists(st.integers(0, 3), min_size=n_members, max_size=n_members))
    return PlanningCase(
        as_of,
        horizon,
        pairs,
        dict(zip(PLAN_ACCOUNTS, segment_list, strict=True)),
        {account_id: index for index, account_id in enumerate(rated[:cut], start=1)},
        dict(zip(PLAN_MEMBERS, capacities, strict=True)),
    )


def triple(pair: Pair) -> tuple[str, str, str]:
    return (pair.account_id, pair.member_id, pair.contact_id)


@PROPERTY
@given(planning_case())
def test_planned_contacts_respect_capacity_working_days_due_dates_and_the_horizon(
    case: PlanningCase,
) -> None:
    plan = case.plan()
    used = Counter(
        (p.pair.member_id, case.window_of(p.planned_date))
        for p in plan
        if p.planned_date is not None
    )
    # No member exceeds capacity in any window.
    for (member_id, _), count in used.items():
        assert count <= case.capacity[member_id]
    for planned in plan:
        member_id = planned.pair.member_id
        if planned.status is PlanStatus.SCHEDULED:
            # A working day within [max(as_of, due_date), as_of + horizon).
            day = planned.planned_date
            assert day is not None
            assert is_working_day(day)
            assert max(case.as_of, planned.pair.due_date) <= day < case.horizon_end
            assert planned.reason == planned.pair.status.value
            chosen: int | None = case.window_of(day)
        else:
            assert (planned.planned_date, planned.reason) == (None, OVER_CAPACITY)
            chosen = None
        # The earliest window with room, on its first eligible working day; windows passed over
        # (and every window of an unscheduled pair) were full.
        for window, first_day in case.eligible_windows(planned.pair):
            if window == chosen:
                assert planned.planned_date == first_day
                break
            assert used[(member_id, window)] >= case.capacity[member_id]
        else:
            assert chosen is None


@PROPERTY
@given(planning_case())
def test_every_pair_needing_contact_is_planned_once_in_priority_order_and_no_ok_pair_is(
    case: PlanningCase,
) -> None:
    plan = case.plan()
    planned = Counter(triple(p.pair) for p in plan)
    needing = Counter(triple(p) for p in case.pairs if p.status is not PairStatus.OK)
    assert planned == needing

    def priority(pair: Pair) -> tuple[int, int, int, int, str, str, str]:
        position = case.positions.get(pair.account_id)
        return (
            SEGMENT_ORDER[case.segments[pair.account_id]],
            0 if position is not None else 1,
            position if position is not None else 0,
            -pair.days_overdue,
            pair.account_id,
            pair.member_id,
            pair.contact_id,
        )

    keys = [priority(p.pair) for p in plan]
    assert keys == sorted(keys)


# --- task keys ------------------------------------------------------------------------------

KEY_IDS = st.text(alphabet="ab|:", min_size=1, max_size=4)
SEPARATORS = ["|", ":", ",", ";", "/", "-", " ", "\t", "\n", "\x00", "\x1e", "\x1f"]


@PROPERTY
@given(st.tuples(KEY_IDS, KEY_IDS, KEY_IDS), st.tuples(KEY_IDS, KEY_IDS, KEY_IDS))
def test_task_keys_are_stable_and_differ_when_any_id_differs(
    first: tuple[str, str, str], second: tuple[str, str, str]
) -> None:
    assert task_key(*first) == task_key(*first)
    assert (task_key(*first) == task_key(*second)) == (first == second)


@st.composite
def regrouped_ids(draw: st.DrawFn) -> tuple[tuple[str, str, str], tuple[str, str, str]]:
    """Two different id triples that read the same when joined with one separator character."""
    sep = draw(st.sampled_from(SEPARATORS))
    parts = draw(st.lists(st.text(alphabet="ab", min_size=1, max_size=2), min_size=4, max_size=6))
    cuts = [(i, j) for i in range(1, len(parts)) for j in range(i + 1, len(parts))]
    (i, j), (k, m) = draw(st.lists(st.sampled_from(cuts), min_size=2, max_size=2, unique=True))

    def regroup(x: int, y: int) -> tuple[str, str, str]:
        return (sep.join(parts[:x]), sep.join(parts[x:y]), sep.join(parts[y:]))

    return regroup(i, j), regroup(k, m)


@PROPERTY
@given(regrouped_ids())
def test_ids_containing_separator_characters_never_share_a_task_key(
    triples: tuple[tuple[str, str, str], tuple[str, str, str]],
) -> None:
    first, second = triples
    assert first != second
    assert task_key(*first) != task_key(*second)
