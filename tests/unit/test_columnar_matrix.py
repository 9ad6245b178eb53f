"""The columnar contact matrix, gaps and plan against the row-by-row reference
(tests/reference/rows.py) on random accounts, people, rules, contact histories and capacities."""

from __future__ import annotations

from datetime import date, timedelta

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from crm_accounts.domain import (
    Contact,
    ContactHistory,
    DmuRole,
    PlanRule,
    PlanSettings,
    PsuRole,
    Segment,
    TeamMember,
)
from crm_accounts.domain.contact_plan import build_contact_matrix
from crm_accounts.domain.planning import plan_contacts, task_key, task_keys
from tests.reference import rows as reference

PROPERTY = settings(max_examples=200, deadline=None)
AS_OF = date(2026, 6, 10)  # a Wednesday
ACCOUNTS = ["a1", "a2", "b", "c10", "c9"]
MEMBERS = ["m1", "m2", "M3"]
CONTACTS = ["k1", "k2", "k3", "k10"]

rules = st.lists(
    st.builds(
        PlanRule,
        st.sampled_from([Segment.A, Segment.B, Segment.C]),
        st.sampled_from(list(PsuRole)[:3]),
        st.sampled_from(list(DmuRole)[:3]),
        st.integers(1, 120),
    ),
    max_size=8,
)


@st.composite
def worlds(draw: st.DrawFn) -> dict[str, object]:
    accounts = draw(st.lists(st.sampled_from(ACCOUNTS), unique=True, max_size=5))
    segments = {a: draw(st.sampled_from(list(Segment))) for a in accounts}
    contacts = [
        Contact(f"{account}-{c}", account, c,
                frozenset(draw(st.sets(st.sampled_from(list(DmuRole)[:3])))), draw(st.booleans()))
        for account in accounts
        for c in draw(st.lists(st.sampled_from(CONTACTS), unique=True, max_size=3))
    ]  # fmt: skip
    team = [
        TeamMember(account, m, frozenset(draw(st.sets(st.sampled_from(list(PsuRole)[:3])))))
        for account in accounts
        for m in draw(st.lists(st.sampled_from(MEMBERS), unique=True, max_size=3))
    ]
    days = st.integers(0, 200).map(lambda n: AS_OF - timedelta(days=n))
    last = draw(
        st.dictionaries(
            st.tuples(
                st.sampled_from([*MEMBERS, "gone"]),
                st.sampled_from([c.id for c in contacts] or ["x"]),
            ),
            days,
            max_size=8,
        )
    )
    plan = PlanSettings(
        lookback_days=draw(st.integers(30, 400)),
        horizon_days=draw(st.integers(0, 40)),
        rules=tuple(draw(rules)),
    )
    rated = draw(st.permutations(accounts))[: draw(st.integers(0, 3))]
    positions = {account: position for position, account in enumerate(rated, 1)}
    capacity = draw(st.dictionaries(st.sampled_from(MEMBERS), st.integers(0, 3)))
    return {"segments": segments, "contacts": contacts, "team": team, "last": last,
            "plan": plan, "positions": positions, "capacity": capacity}  # fmt: skip


def _grouped(rows: list[Contact] | list[TeamMember]) -> dict[str, list]:  # type: ignore[type-arg]
    grouped: dict[str, list] = {}  # type: ignore[type-arg]
    for row in rows:
        grouped.setdefault(row.account_id, []).append(row)
    return grouped


@PROPERTY
@given(worlds(), st.integers(0, 2))
def test_pairs_gaps_and_plan_equal_the_row_by_row_method(world: dict, default: int) -> None:  # type: ignore[type-arg]
    segments, plan = world["segments"], world["plan"]
    order = list(segments.items())
    matrix = build_contact_matrix(
        order, _grouped(world["contacts"]), _grouped(world["team"]),
        ContactHistory(world["last"]), AS_OF, plan,
    )  # fmt: skip
    pairs, gaps = reference.contact_matrix(
        order, world["contacts"], world["team"], world["last"], AS_OF, plan
    )
    assert list(matrix.pairs) == pairs
    assert list(matrix.gaps) == gaps

    capacity = world["capacity"]
    planned = plan_contacts(
        matrix.pairs, segments, world["positions"], lambda m: capacity.get(m, default), AS_OF,
        plan.horizon_days,
    )  # fmt: skip
    expected = reference.plan(
        pairs, segments, world["positions"], capacity, default, AS_OF, plan.horizon_days
    )
    assert [(p.pair, p.planned_date, p.reason, p.key) for p in planned] == expected


ODD_IDS = st.text(st.sampled_from(["a", '"', "\\", "\n", "\x00", "\x1f", "\x7f", "é", "😀", ","]))


@PROPERTY
@given(st.lists(st.tuples(ODD_IDS, ODD_IDS, ODD_IDS), max_size=20))
def test_task_keys_of_a_frame_equal_the_key_of_each_row(ids: list[tuple[str, str, str]]) -> None:
    names = ("account_id", "member_id", "contact_id")
    frame = pl.DataFrame(ids, schema=dict.fromkeys(names, pl.String), orient="row")
    assert task_keys(frame) == [task_key(*row) for row in ids]
