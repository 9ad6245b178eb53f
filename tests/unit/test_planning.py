"""Capacity-aware contact planning and stable task keys (METHOD.md 2, contact planning, tasks)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from decimal import Decimal

import pytest

from crm_accounts.domain import (
    Account,
    Contact,
    ContactHistory,
    DmuRole,
    Member,
    MethodInput,
    MethodSettings,
    Pair,
    PairStatus,
    Period,
    PlannedContact,
    PlanSettings,
    PlanStatus,
    PsuRole,
    RevenueLine,
    Segment,
    TeamMember,
    run_method,
    summarize_revenue,
    task_key,
)
from crm_accounts.domain.planning import OVER_CAPACITY, plan_contacts

MONDAY = date(2026, 6, 1)
WEDNESDAY = date(2026, 6, 3)
SATURDAY = date(2026, 6, 6)


def days(n: int) -> timedelta:
    return timedelta(days=n)


def pair(
    account_id: str = "acme",
    member_id: str = "m1",
    contact_id: str = "c1",
    *,
    status: PairStatus = PairStatus.NEVER,
    due: date | None = None,
    as_of: date = MONDAY,
) -> Pair:
    due_date = as_of if due is None else due
    overdue = 365 if status is PairStatus.NEVER else (as_of - due_date).days
    last = None if status is PairStatus.NEVER else due_date - days(30)
    return Pair(account_id, member_id, contact_id, 30, (), last, due_date, status, overdue)


def plan(
    pairs: Sequence[Pair],
    *,
    segments: Mapping[str, str] | None = None,
    positions: Mapping[str, int] | None = None,
    capacity: int | Mapping[str, int] = 10,
    as_of: date = MONDAY,
    horizon: int = 28,
) -> tuple[PlannedContact, ...]:
    segment_of = {p.account_id: Segment.A for p in pairs}
    segment_of.update({k: Segment(v) for k, v in (segments or {}).items()})

    def capacity_of(member_id: str) -> int:
        return capacity if isinstance(capacity, int) else capacity[member_id]

    return plan_contacts(pairs, segment_of, positions or {}, capacity_of, as_of, horizon)


def ids(planned: Sequence[PlannedContact]) -> list[tuple[str, str, str]]:
    return [(p.pair.account_id, p.pair.member_id, p.pair.contact_id) for p in planned]


def dates(planned: Sequence[PlannedContact]) -> list[date | None]:
    return [p.planned_date for p in planned]


# --- dates ----------------------------------------------------------------------------------


def test_an_as_of_date_on_a_weekend_is_planned_on_monday() -> None:
    (planned,) = plan([pair(as_of=SATURDAY)], as_of=SATURDAY)
    assert planned.status is PlanStatus.SCHEDULED
    assert planned.planned_date == date(2026, 6, 8)


def test_an_overdue_pair_is_planned_on_the_as_of_date() -> None:
    (planned,) = plan([pair(status=PairStatus.OVERDUE, due=MONDAY - days(10))])
    assert (planned.planned_date, planned.reason) == (MONDAY, "overdue")


def test_a_due_date_inside_the_first_window_is_planned_on_the_due_date() -> None:
    (planned,) = plan([pair(status=PairStatus.DUE, due=WEDNESDAY)])
    assert planned.planned_date == WEDNESDAY


def test_a_due_date_inside_a_later_window_is_planned_on_the_due_date() -> None:
    due = MONDAY + days(10)  # a Thursday in the second window
    (planned,) = plan([pair(status=PairStatus.DUE, due=due)])
    assert (planned.status, planned.planned_date, planned.reason) == (
        PlanStatus.SCHEDULED,
        due,
        "due",
    )


def test_a_due_date_on_a_weekend_moves_to_the_next_working_day_in_the_next_window() -> None:
    (planned,) = plan([pair(status=PairStatus.DUE, due=SATURDAY)])
    assert planned.planned_date == MONDAY + days(7)


def test_a_due_date_whose_remaining_days_before_the_horizon_are_a_weekend_is_unscheduled() -> None:
    (planned,) = plan([pair(status=PairStatus.DUE, due=SATURDAY)], horizon=7)
    assert (planned.status, planned.planned_date, planned.reason) == (
        PlanStatus.UNSCHEDULED,
        None,
        OVER_CAPACITY,
    )


def test_windows_start_on_the_as_of_date_not_on_a_monday() -> None:
    pairs = [pair(contact_id=f"c{i}", as_of=WEDNESDAY) for i in range(3)]
    planned = plan(pairs, as_of=WEDNESDAY, capacity=2)
    assert dates(planned) == [WEDNESDAY, WEDNESDAY, WEDNESDAY + days(7)]


# --- capacity -------------------------------------------------------------------------------


def test_over_capacity_pairs_spill_into_the_next_window() -> None:
    pairs = [pair(contact_id=f"c{i}") for i in range(5)]
    planned = plan(pairs, capacity=2)
    assert dates(planned) == [MONDAY, MONDAY, MONDAY + days(7), MONDAY + days(7), MONDAY + days(14)]


def test_over_capacity_pairs_are_reported_unscheduled_never_dropped() -> None:
    pairs = [pair(contact_id=f"c{i}") for i in range(3)]
    planned = plan(pairs, capacity=2, horizon=7)
    assert ids(planned) == [("acme", "m1", "c0"), ("acme", "m1", "c1"), ("acme", "m1", "c2")]
    assert [p.status for p in planned] == [
        PlanStatus.SCHEDULED,
        PlanStatus.SCHEDULED,
        PlanStatus.UNSCHEDULED,
    ]
    assert (planned[2].planned_date, planned[2].reason) == (None, OVER_CAPACITY)
    assert planned[2].key == task_key("acme", "m1", "c2")


def test_a_window_cut_short_by_the_horizon_keeps_the_full_capacity() -> None:
    pairs = [pair(contact_id=f"c{i}") for i in range(7)]
    planned = plan(pairs, capacity=3, horizon=10)
    second = MONDAY + days(7)
    assert dates(planned) == [MONDAY] * 3 + [second] * 3 + [None]


def test_capacity_is_counted_per_member() -> None:
    pairs = [pair(member_id="m1"), pair(member_id="m2"), pair(member_id="m1", contact_id="c2")]
    planned = plan(pairs, capacity={"m1": 1, "m2": 1}, horizon=7)
    assert [(p.pair.member_id, p.pair.contact_id, p.status.value) for p in planned] == [
        ("m1", "c1", "scheduled"),
        ("m1", "c2", "unscheduled"),
        ("m2", "c1", "scheduled"),
    ]


def test_a_member_with_capacity_zero_gets_every_pair_unscheduled() -> None:
    pairs = [pair(contact_id=f"c{i}") for i in range(3)]
    planned = plan(pairs, capacity=0)
    assert [(p.status, p.reason, p.planned_date) for p in planned] == [
        (PlanStatus.UNSCHEDULED, OVER_CAPACITY, None)
    ] * 3


def test_a_pair_takes_the_earliest_window_with_capacity_not_an_earlier_free_one() -> None:
    early = pair(contact_id="c1")
    later = pair(contact_id="c2", status=PairStatus.DUE, due=MONDAY + days(8))
    planned = plan([later, early], capacity=1)
    assert [(p.pair.contact_id, p.planned_date) for p in planned] == [
        ("c1", MONDAY),
        ("c2", MONDAY + days(8)),
    ]


def test_ok_pairs_are_not_planned() -> None:
    fine = pair(contact_id="c1", status=PairStatus.OK, due=MONDAY + days(40))
    planned = plan([fine, pair(contact_id="c2")])
    assert ids(planned) == [("acme", "m1", "c2")]


def test_scheduled_pairs_carry_their_status_as_reason_and_their_task_key() -> None:
    pairs = [
        pair(contact_id="c1"),
        pair(contact_id="c2", status=PairStatus.OVERDUE, due=MONDAY - days(1)),
        pair(contact_id="c3", status=PairStatus.DUE, due=MONDAY + days(2)),
    ]
    planned = plan(pairs)
    assert [(p.pair.contact_id, p.reason) for p in planned] == [
        ("c1", "never"),
        ("c2", "overdue"),
        ("c3", "due"),
    ]
    assert [p.key for p in planned] == [task_key("acme", "m1", c) for c in ("c1", "c2", "c3")]


# --- priority -------------------------------------------------------------------------------


def test_segment_a_comes_before_b_before_c_whatever_the_overdue_days() -> None:
    pairs = [
        pair("kilo"),
        pair("beta"),
        pair("alfa", status=PairStatus.DUE, due=MONDAY + days(3)),
    ]
    planned = plan(pairs, segments={"alfa": "A", "beta": "B", "kilo": "C"})
    assert [p.pair.account_id for p in planned] == ["alfa", "beta", "kilo"]


def test_rated_accounts_come_by_position_before_unrated_ones() -> None:
    pairs = [pair("unrated"), pair("second"), pair("first"), pair("aaa-unrated")]
    planned = plan(pairs, positions={"first": 1, "second": 2})
    assert [p.pair.account_id for p in planned] == ["first", "second", "aaa-unrated", "unrated"]


def test_a_rated_c_account_still_comes_after_unrated_a_accounts() -> None:
    planned = plan([pair("rated"), pair("plain")], segments={"rated": "C"}, positions={"rated": 1})
    assert [p.pair.account_id for p in planned] == ["plain", "rated"]


def test_more_overdue_pairs_come_first_and_never_counts_as_lookback_days() -> None:
    pairs = [
        pair(contact_id="due", status=PairStatus.DUE, due=MONDAY + days(5)),
        pair(contact_id="today", status=PairStatus.DUE, due=MONDAY),
        pair(contact_id="late", status=PairStatus.OVERDUE, due=MONDAY - days(20)),
        pair(contact_id="never"),
    ]
    planned = plan(pairs)
    assert [p.pair.contact_id for p in planned] == ["never", "late", "today", "due"]
    assert [p.pair.days_overdue for p in planned] == [365, 20, 0, -5]


def test_remaining_ties_are_ordered_by_account_member_and_contact_id_as_plain_strings() -> None:
    pairs = [
        pair("a9", "m1", "c1"),
        pair("a10", "m2", "c1"),
        pair("a10", "m10", "c2"),
        pair("a10", "m10", "c10"),
    ]
    planned = plan(pairs)
    assert ids(planned) == [
        ("a10", "m10", "c10"),
        ("a10", "m10", "c2"),
        ("a10", "m2", "c1"),
        ("a9", "m1", "c1"),
    ]


def test_priority_decides_who_gets_the_last_capacity() -> None:
    pairs = [pair("beta", contact_id="b1"), pair("alfa", status=PairStatus.DUE, due=MONDAY)]
    planned = plan(pairs, segments={"beta": "B"}, capacity=1, horizon=7)
    assert [(p.pair.account_id, p.status.value) for p in planned] == [
        ("alfa", "scheduled"),
        ("beta", "unscheduled"),
    ]


# --- capacity from members.csv through run_method -------------------------------------------


def test_members_capacity_overrides_the_configured_capacity() -> None:
    as_of = MONDAY
    contacts = [Contact(f"c{i}", "acme", f"C{i}", frozenset({DmuRole.DECIDER})) for i in range(3)]
    roles = frozenset({PsuRole.ACCOUNT_MANAGER})
    team = [TeamMember("acme", m, roles) for m in ("m1", "m2", "m3", "m4")]
    members = {
        "m1": Member("m1", "One", capacity_per_week=1),
        "m2": Member("m2", "Two"),
        "m3": Member("m3", "Three", capacity_per_week=0),
    }  # m4 has no members.csv row at all
    data = MethodInput(
        accounts=[Account("acme", "Acme")],
        revenue=summarize_revenue(
            [RevenueLine("acme", as_of, Decimal(100))], Period.ending(as_of, 12)
        ),
        history=ContactHistory({}, frozenset()),
        members=members,
        contacts=contacts,
        team=team,
    )
    settings = MethodSettings(plan=PlanSettings(horizon_days=7, capacity_per_week=2))
    result = run_method(data, settings, as_of)
    scheduled: dict[str, int] = {}
    for planned in result.plan:
        if planned.status is PlanStatus.SCHEDULED:
            scheduled[planned.pair.member_id] = scheduled.get(planned.pair.member_id, 0) + 1
    assert len(result.plan) == 12
    assert scheduled == {"m1": 1, "m2": 2, "m4": 2}


# --- task keys ------------------------------------------------------------------------------


def test_task_key_is_the_same_for_the_same_pair() -> None:
    assert task_key("acme", "m1", "c1") == task_key("acme", "m1", "c1")
    assert isinstance(task_key("acme", "m1", "c1"), str)


def test_task_key_differs_when_any_id_differs() -> None:
    keys = {
        task_key("acme", "m1", "c1"),
        task_key("acmf", "m1", "c1"),
        task_key("acme", "m2", "c1"),
        task_key("acme", "m1", "c2"),
        task_key("c1", "m1", "acme"),
        task_key("m1", "acme", "c1"),
    }
    assert len(keys) == 6


@pytest.mark.parametrize("sep", ["|", ":", ",", ";", "/", "-", " ", "\t", "\x00", "\x1f"])
def test_task_keys_do_not_collide_for_ids_containing_separators(sep: str) -> None:
    left = task_key(f"a{sep}b", "c", "d")
    middle = task_key("a", f"b{sep}c", "d")
    right = task_key("a", "b", f"c{sep}d")
    assert len({left, middle, right}) == 3
