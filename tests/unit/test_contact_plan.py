"""The DMU-PSU contact matrix: coverage, contact moments, pairs, statuses and gaps (METHOD.md 2)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date, timedelta
from decimal import Decimal

import pytest

from crm_accounts.domain import (
    Activity,
    Contact,
    ContactMatrix,
    DmuRole,
    Gap,
    GapCode,
    Pair,
    PairStatus,
    PlanRule,
    PlanSettings,
    PsuRole,
    Segment,
    TeamMember,
    summarize_activities,
)
from crm_accounts.domain.contact_plan import build_contact_matrix, dmu_coverage

AS_OF = date(2026, 6, 10)
DEFAULTS = PlanSettings()


def days(n: int) -> timedelta:
    return timedelta(days=n)


def contact(contact_id: str, account_id: str, *roles: str, gatekeeper: bool = False) -> Contact:
    dmu = frozenset(DmuRole(role) for role in roles)
    return Contact(contact_id, account_id, contact_id.title(), dmu, gatekeeper)


def member(account_id: str, member_id: str, *roles: str) -> TeamMember:
    return TeamMember(account_id, member_id, frozenset(PsuRole(role) for role in roles))


def met(member_id: str, contact_id: str, day: date, completed: bool = True) -> Activity:
    return Activity(member_id, contact_id, day, completed)


def build(
    segments: Mapping[str, str],
    contacts: Iterable[Contact],
    team: Iterable[TeamMember],
    activities: Iterable[Activity] = (),
    settings: PlanSettings = DEFAULTS,
) -> ContactMatrix:
    contacts_by_account: dict[str, list[Contact]] = {}
    for person in contacts:
        contacts_by_account.setdefault(person.account_id, []).append(person)
    team_by_account: dict[str, list[TeamMember]] = {}
    for row in team:
        team_by_account.setdefault(row.account_id, []).append(row)
    history = summarize_activities(activities, AS_OF, settings.lookback_days)
    order = [(account_id, Segment(segment)) for account_id, segment in segments.items()]
    return build_contact_matrix(
        order, contacts_by_account, team_by_account, history, AS_OF, settings
    )


def pair_ids(matrix: ContactMatrix) -> list[tuple[str, str, str]]:
    return [(p.account_id, p.member_id, p.contact_id) for p in matrix.pairs]


def only_pair(matrix: ContactMatrix) -> Pair:
    assert len(matrix.pairs) == 1
    return matrix.pairs[0]


def gap_codes(matrix: ContactMatrix, account_id: str = "acme") -> list[str]:
    return [gap.code.value for gap in matrix.gaps if gap.account_id == account_id]


def gaps_with(matrix: ContactMatrix, code: GapCode) -> list[Gap]:
    return [gap for gap in matrix.gaps if gap.code is code]


FULL_TEAM = (
    member("acme", "m1", "account_manager"),
    member("acme", "m2", "executive"),
    member("acme", "m3", "sales_rep"),
    member("acme", "m4", "delivery"),
    member("acme", "m5", "support", "administration"),
)
FULL_DMU = (
    contact("c1", "acme", "decider"),
    contact("c2", "acme", "buyer"),
    contact("c3", "acme", "influencer", "advisor"),
    contact("c4", "acme", "user"),
    contact("c5", "acme", "supporter"),
)
FULL_IDS = ("m1", "m2", "m3", "m4", "m5")
CONTACT_IDS = ("c1", "c2", "c3", "c4", "c5")


# --- DMU coverage ---------------------------------------------------------------------------


def test_dmu_coverage_is_distinct_roles_held_over_six() -> None:
    contacts = [
        contact("c1", "acme", "decider", "buyer"),
        contact("c2", "acme", "buyer", "user"),
        contact("c3", "acme"),
    ]
    assert dmu_coverage(contacts) == Decimal("0.5")


def test_dmu_coverage_is_one_when_all_six_roles_are_held() -> None:
    assert dmu_coverage((*FULL_DMU, contact("c6", "acme", "advisor"))) == Decimal(1)


def test_dmu_coverage_of_an_account_without_contacts_is_zero() -> None:
    assert dmu_coverage([]) == Decimal(0)


# --- contact moments ------------------------------------------------------------------------


def test_only_completed_activities_are_contact_moments() -> None:
    history = summarize_activities(
        [met("m1", "c1", AS_OF, completed=False), met("m1", "c2", AS_OF - days(5))], AS_OF, 365
    )
    assert history.last == {("m1", "c2"): AS_OF - days(5)}
    assert history.contacted == frozenset({"c2"})


def test_lookback_excludes_its_first_day_and_includes_the_as_of_date() -> None:
    activities = [
        met("m1", "c1", AS_OF - days(365)),
        met("m1", "c2", AS_OF - days(364)),
        met("m1", "c3", AS_OF),
        met("m1", "c4", AS_OF + days(1)),
    ]
    history = summarize_activities(activities, AS_OF, 365)
    assert history.last == {("m1", "c2"): AS_OF - days(364), ("m1", "c3"): AS_OF}


def test_last_contact_is_the_latest_contact_moment_whatever_the_input_order() -> None:
    activities = [
        met("m1", "c1", AS_OF - days(40)),
        met("m1", "c1", AS_OF - days(3)),
        met("m1", "c1", AS_OF - days(20)),
    ]
    assert summarize_activities(activities, AS_OF, 365).last == {("m1", "c1"): AS_OF - days(3)}


def test_contact_moments_are_matched_on_member_and_contact_only() -> None:
    logged_elsewhere = Activity("m1", "c1", AS_OF - days(5), True, account_id="other")
    by_someone_else = met("m9", "c2", AS_OF - days(2))
    matrix = build(
        {"acme": "A"},
        [contact("c1", "acme", "decider"), contact("c2", "acme", "buyer")],
        [member("acme", "m1", "account_manager")],
        [logged_elsewhere, by_someone_else],
    )
    c1, c2 = matrix.pairs
    assert (c1.contact_id, c1.last_contact, c1.status) == ("c1", AS_OF - days(5), PairStatus.DUE)
    assert (c2.contact_id, c2.last_contact, c2.status) == ("c2", None, PairStatus.NEVER)


# --- pairs from the template ----------------------------------------------------------------


def test_each_rule_pairs_every_member_with_the_psu_role_with_every_contact_with_the_dmu_role() -> (
    None
):
    matrix = build(
        {"acme": "A"},
        [contact("c1", "acme", "decider"), contact("c2", "acme", "buyer"), contact("c3", "acme")],
        [member("acme", "m1", "account_manager"), member("acme", "m2", "account_manager")],
    )
    assert sorted(pair_ids(matrix)) == [
        ("acme", "m1", "c1"),
        ("acme", "m1", "c2"),
        ("acme", "m2", "c1"),
        ("acme", "m2", "c2"),
    ]
    assert {pair.every_days for pair in matrix.pairs} == {30}


def test_a_contact_holding_two_roles_gives_one_pair_per_member() -> None:
    matrix = build(
        {"acme": "A"},
        [contact("c1", "acme", "decider", "buyer")],
        [member("acme", "m1", "account_manager")],
    )
    pair = only_pair(matrix)
    assert pair.every_days == 30
    assert {rule.dmu for rule in pair.rules} == {DmuRole.DECIDER, DmuRole.BUYER}


def test_a_pair_produced_by_two_rules_takes_the_shortest_every_days() -> None:
    matrix = build(
        {"acme": "A"},
        [contact("c1", "acme", "decider")],
        [member("acme", "m1", "executive", "account_manager")],
    )
    pair = only_pair(matrix)
    assert pair.every_days == 30
    assert sorted(rule.every_days for rule in pair.rules) == [30, 90]


def test_the_shortest_cadence_wins_whatever_the_rule_order() -> None:
    rules = (
        PlanRule(Segment.B, PsuRole.SALES_REP, DmuRole.INFLUENCER, 60),
        PlanRule(Segment.B, PsuRole.SALES_REP, DmuRole.ADVISOR, 45),
        PlanRule(Segment.B, PsuRole.SALES_REP, DmuRole.USER, 50),
    )
    matrix = build(
        {"acme": "B"},
        [contact("c1", "acme", "influencer", "advisor", "user")],
        [member("acme", "m1", "sales_rep")],
        settings=PlanSettings(rules=rules),
    )
    assert only_pair(matrix).every_days == 45


def test_b_and_c_accounts_follow_their_own_rules() -> None:
    contacts = [contact("b1", "beta", "decider", "buyer"), contact("k1", "kilo", "buyer")]
    team = [
        member("beta", "m1", "account_manager", "support"),
        member("kilo", "m1", "account_manager", "support"),
    ]
    matrix = build({"beta": "B", "kilo": "C"}, contacts, team)
    assert [(p.account_id, p.contact_id, p.every_days) for p in matrix.pairs] == [
        ("beta", "b1", 60),
        ("kilo", "k1", 180),
    ]


def test_configured_rules_replace_the_default_template() -> None:
    rules = (PlanRule(Segment.C, PsuRole.ACCOUNT_MANAGER, DmuRole.DECIDER, 14),)
    contacts = [contact("a1", "acme", "decider"), contact("k1", "kilo", "decider")]
    team = [member("acme", "m1", "account_manager"), member("kilo", "m1", "account_manager")]
    matrix = build({"acme": "A", "kilo": "C"}, contacts, team, settings=PlanSettings(rules=rules))
    assert [(p.account_id, p.every_days) for p in matrix.pairs] == [("kilo", 14)]
    assert gap_codes(matrix, "acme") == ["single_threaded"]


def test_accounts_with_segment_none_get_no_pairs_and_no_gaps() -> None:
    matrix = build({"acme": "none"}, FULL_DMU[:1], FULL_TEAM[:1])
    assert matrix.pairs == ()
    assert matrix.gaps == ()


# --- pair status ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("last_contact_days_ago", "due_in_days", "status", "days_overdue"),
    [
        (31, -1, PairStatus.OVERDUE, 1),
        (30, 0, PairStatus.DUE, 0),
        (3, 27, PairStatus.DUE, -27),
        (2, 28, PairStatus.OK, -28),
        (0, 30, PairStatus.OK, -30),
    ],
)
def test_pair_status_at_its_boundaries(
    last_contact_days_ago: int, due_in_days: int, status: PairStatus, days_overdue: int
) -> None:
    last = AS_OF - days(last_contact_days_ago)
    matrix = build(
        {"acme": "A"},
        [contact("c1", "acme", "decider")],
        [member("acme", "m1", "account_manager")],
        [met("m1", "c1", last)],
    )
    pair = only_pair(matrix)
    assert pair.last_contact == last
    assert pair.due_date == AS_OF + days(due_in_days)
    assert pair.status is status
    assert pair.days_overdue == days_overdue


def test_due_date_on_as_of_is_due() -> None:
    matrix = build(
        {"acme": "A"},
        [contact("c1", "acme", "decider")],
        [member("acme", "m1", "account_manager")],
        [met("m1", "c1", AS_OF - days(30))],
    )
    assert only_pair(matrix).status is PairStatus.DUE


def test_due_date_at_as_of_plus_horizon_is_ok() -> None:
    settings = PlanSettings(horizon_days=7)
    matrix = build(
        {"acme": "A"},
        [contact("c1", "acme", "decider"), contact("c2", "acme", "buyer")],
        [member("acme", "m1", "account_manager")],
        [met("m1", "c1", AS_OF - days(23)), met("m1", "c2", AS_OF - days(24))],
        settings,
    )
    statuses = {pair.contact_id: pair.status for pair in matrix.pairs}
    assert statuses == {"c1": PairStatus.OK, "c2": PairStatus.DUE}


def test_a_pair_without_contact_in_the_lookback_is_never_with_lookback_days_overdue() -> None:
    settings = PlanSettings(lookback_days=90)
    matrix = build(
        {"acme": "A"},
        [contact("c1", "acme", "decider")],
        [member("acme", "m1", "account_manager")],
        [met("m1", "c1", AS_OF - days(90))],
        settings,
    )
    pair = only_pair(matrix)
    assert pair.last_contact is None
    assert pair.status is PairStatus.NEVER
    assert pair.due_date == AS_OF
    assert pair.days_overdue == 90


# --- gaps -----------------------------------------------------------------------------------


def test_a_fully_staffed_and_contacted_a_account_has_no_gaps() -> None:
    activities = [met(p_m, p_c, AS_OF - days(1)) for p_m in FULL_IDS for p_c in CONTACT_IDS]
    matrix = build({"acme": "A"}, FULL_DMU, FULL_TEAM, activities)
    assert len(matrix.pairs) == 6  # m3-c3 and m5-c5 are each produced by two rules
    assert matrix.gaps == ()


def test_dmu_role_missing_names_each_role_a_rule_needs_once() -> None:
    activities = [met("m1", "c1", AS_OF), met("m2", "x1", AS_OF)]
    contacts = (contact("c1", "acme", "decider"), contact("x1", "acme"))
    matrix = build({"acme": "A"}, contacts, FULL_TEAM, activities)
    missing = [gap.dmu_role for gap in gaps_with(matrix, GapCode.DMU_ROLE_MISSING)]
    assert missing == [
        DmuRole.BUYER,
        DmuRole.INFLUENCER,
        DmuRole.ADVISOR,
        DmuRole.USER,
        DmuRole.SUPPORTER,
    ]
    assert {gap.account_id for gap in matrix.gaps} == {"acme"}


def test_psu_role_missing_looks_at_the_accounts_own_team() -> None:
    team = (
        member("acme", "m1", "account_manager"),
        member("other", "m1", "executive", "sales_rep", "delivery", "support", "administration"),
    )
    activities = [met("m1", c, AS_OF) for c in CONTACT_IDS]
    matrix = build({"acme": "B", "other": "none"}, FULL_DMU, team, activities)
    missing = [gap.psu_role for gap in gaps_with(matrix, GapCode.PSU_ROLE_MISSING)]
    assert missing == [PsuRole.SALES_REP, PsuRole.DELIVERY, PsuRole.SUPPORT]


def test_contact_never_and_contact_overdue_gaps_carry_the_pair_details() -> None:
    contacts = [contact("c1", "acme", "decider"), contact("c2", "acme", "buyer")]
    matrix = build(
        {"acme": "A"},
        [*contacts, contact("c3", "acme")],
        [member("acme", "m1", "account_manager")],
        [met("m1", "c2", AS_OF - days(45)), met("m1", "c3", AS_OF)],
    )
    assert gaps_with(matrix, GapCode.CONTACT_NEVER) == [
        Gap("acme", GapCode.CONTACT_NEVER, member_id="m1", contact_id="c1", due_date=AS_OF,
            days_overdue=365),
    ]  # fmt: skip
    assert gaps_with(matrix, GapCode.CONTACT_OVERDUE) == [
        Gap("acme", GapCode.CONTACT_OVERDUE, member_id="m1", contact_id="c2",
            last_contact=AS_OF - days(45), due_date=AS_OF - days(15), days_overdue=15),
    ]  # fmt: skip


def test_due_and_ok_pairs_are_no_gaps() -> None:
    matrix = build(
        {"acme": "A"},
        [contact("c1", "acme", "decider"), contact("c2", "acme", "buyer")],
        [member("acme", "m1", "account_manager")],
        [met("m1", "c1", AS_OF - days(30)), met("m1", "c2", AS_OF)],
    )
    assert [p.status for p in matrix.pairs] == [PairStatus.DUE, PairStatus.OK]
    assert not gaps_with(matrix, GapCode.CONTACT_NEVER)
    assert not gaps_with(matrix, GapCode.CONTACT_OVERDUE)


SINGLE_RULE = PlanSettings(rules=(PlanRule(Segment.A, PsuRole.SUPPORT, DmuRole.USER, 30),))


def threading_gaps(
    segment: str, contacts: Sequence[Contact], activities: Sequence[Activity] = ()
) -> list[str]:
    matrix = build({"acme": segment}, contacts, [], activities, SINGLE_RULE)
    codes = (GapCode.SINGLE_THREADED, GapCode.GATEKEEPER_ONLY)
    return [gap.code.value for gap in matrix.gaps if gap.code in codes]


def test_an_a_account_with_one_contacted_contact_is_single_threaded() -> None:
    contacts = [contact("c1", "acme"), contact("c2", "acme")]
    assert threading_gaps("A", contacts, [met("m1", "c1", AS_OF)]) == ["single_threaded"]


def test_a_b_account_with_one_contacted_contact_is_single_threaded() -> None:
    contacts = [contact("c1", "acme"), contact("c2", "acme")]
    assert threading_gaps("B", contacts, [met("m1", "c1", AS_OF)]) == ["single_threaded"]


def test_an_a_account_with_no_contacted_contacts_is_single_threaded() -> None:
    contacts = [contact("c1", "acme"), contact("c2", "acme")]
    stale = [met("m1", "c1", AS_OF - days(365)), met("m1", "c2", AS_OF, completed=False)]
    assert threading_gaps("A", contacts, stale) == ["single_threaded"]


def test_an_a_account_without_any_contacts_is_single_threaded() -> None:
    matrix = build({"acme": "A"}, [], [], [])
    assert "single_threaded" in gap_codes(matrix)
    assert "gatekeeper_only" not in gap_codes(matrix)


def test_two_contacted_contacts_by_different_members_are_not_single_threaded() -> None:
    contacts = [contact("c1", "acme"), contact("c2", "acme")]
    activities = [met("m1", "c1", AS_OF), met("m9", "c2", AS_OF - days(364))]
    assert threading_gaps("A", contacts, activities) == []


def test_an_account_whose_contacted_contacts_are_all_gatekeepers_is_gatekeeper_only() -> None:
    contacts = [
        contact("c1", "acme", gatekeeper=True),
        contact("c2", "acme", gatekeeper=True),
        contact("c3", "acme"),
    ]
    activities = [met("m1", "c1", AS_OF), met("m1", "c2", AS_OF)]
    assert threading_gaps("A", contacts, activities) == ["gatekeeper_only"]


def test_a_single_contacted_gatekeeper_is_single_threaded_and_gatekeeper_only() -> None:
    contacts = [contact("c1", "acme", gatekeeper=True), contact("c2", "acme")]
    result = threading_gaps("B", contacts, [met("m1", "c1", AS_OF)])
    assert sorted(result) == ["gatekeeper_only", "single_threaded"]


def test_a_contacted_non_gatekeeper_lifts_gatekeeper_only() -> None:
    contacts = [contact("c1", "acme", gatekeeper=True), contact("c2", "acme")]
    activities = [met("m1", "c1", AS_OF), met("m1", "c2", AS_OF)]
    assert threading_gaps("A", contacts, activities) == []


def test_c_accounts_never_get_single_threaded_or_gatekeeper_only() -> None:
    contacts = [contact("c1", "acme", gatekeeper=True)]
    assert threading_gaps("C", contacts, [met("m1", "c1", AS_OF)]) == []
    assert threading_gaps("C", []) == []


def test_gaps_of_a_c_account_are_role_and_contact_gaps_only() -> None:
    matrix = build({"acme": "C"}, [contact("c1", "acme", "decider")], [])
    assert gap_codes(matrix) == ["dmu_role_missing", "psu_role_missing"]
    assert matrix.gaps[0].dmu_role is DmuRole.BUYER
    assert matrix.gaps[1].psu_role is PsuRole.SUPPORT
