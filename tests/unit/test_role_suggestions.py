"""Role suggestions in a run (METHOD.md section 4): reported by default, counted in the method with
``roles.use_suggestions``, and then marked as suggested in matrix rows, agendas and task texts."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from crm_accounts.domain import (
    Account,
    Contact,
    DmuRole,
    GapCode,
    Member,
    MethodInput,
    Period,
    PsuRole,
    RevenueLine,
    TeamMember,
    summarize_revenue,
)
from crm_accounts.domain.contact_plan import ContactHistory
from crm_accounts.domain.method import MethodResult, run_method
from crm_accounts.domain.settings import MethodSettings, RoleSettings
from crm_accounts.reports.matrix import top_accounts
from crm_accounts.services.export import role_suggestion_rows
from crm_accounts.sync.plan import task_text

AS_OF = date(2026, 11, 27)


def data() -> MethodInput:
    contacts = [
        Contact("c1", "a", "Ina", title="Inkoper"),
        Contact("c2", "a", "Cees", frozenset({DmuRole.DECIDER}), title="Inkoper"),
        Contact("c3", "a", "Mia", title="Marketing"),
        Contact("c4", "a", "Noor"),
        Contact("c5", "b", "Bo", title="Einkaufsleiterin"),
    ]
    return MethodInput(
        accounts=[Account("a", "Alfa"), Account("b", "Bravo")],
        revenue=summarize_revenue(
            [RevenueLine("a", AS_OF, Decimal(100)), RevenueLine("b", AS_OF, Decimal(1))],
            Period.ending(AS_OF, 12),
        ),
        history=ContactHistory({}, frozenset()),
        members={"m1": Member("m1", "Max")},
        contacts=contacts,
        team=[TeamMember("a", "m1", frozenset({PsuRole.ACCOUNT_MANAGER}))],
    )


def run(use: bool) -> MethodResult:
    settings = MethodSettings(roles=RoleSettings(use_suggestions=use))
    return run_method(data(), settings, AS_OF)


def missing_roles(result: MethodResult) -> set[str]:
    return {
        gap.dmu_role.value
        for gap in result.matrix.gaps
        if gap.code is GapCode.DMU_ROLE_MISSING and gap.account_id == "a" and gap.dmu_role
    }


def test_contacts_without_a_role_get_suggestions_only_from_a_title_that_names_one() -> None:
    result = run(use=False)

    # c2 has a role from the CRM, c3's title names none, c4 has no title.
    assert sorted(result.suggestions.by_contact) == ["c1", "c5"]
    assert result.suggestions.without_role == 4
    assert list(role_suggestion_rows(result)) == [
        ["c1", "a", "Inkoper", "buyer", "inkoper"],
        ["c5", "b", "Einkaufsleiterin", "buyer", "einkauf"],
    ]


def test_by_default_suggestions_are_only_reported() -> None:
    result = run(use=False)

    assert result.contacts["c1"].dmu_roles == frozenset()
    assert result.coverage is not None
    assert result.coverage["a"] == Decimal(1) / 6
    assert "buyer" in missing_roles(result)
    assert all(pair.contact_id != "c1" for pair in result.matrix.pairs)


def test_with_use_suggestions_the_suggested_roles_count_in_the_method() -> None:
    result = run(use=True)

    assert result.contacts["c1"].dmu_roles == frozenset({DmuRole.BUYER})
    assert result.coverage is not None
    assert result.coverage["a"] == Decimal(2) / 6
    assert "buyer" not in missing_roles(result)
    assert any(pair.contact_id == "c1" for pair in result.matrix.pairs)


def test_a_task_for_a_contact_with_suggested_roles_says_so_and_others_do_not() -> None:
    result = run(use=True)
    by_contact = {planned.pair.contact_id: planned for planned in result.plan}

    _, suggested = task_text(by_contact["c1"], result)
    _, recorded = task_text(by_contact["c2"], result)

    assert "buyer (suggested)" in suggested
    assert "'Inkoper'" in suggested
    assert "not recorded in the CRM" in suggested
    assert "suggested" not in recorded


def test_the_matrix_marks_suggested_roles() -> None:
    matrices, _ = top_accounts(run(use=True), 5)
    rows = {row.contact_id: row.roles for m in matrices for row in m.contacts}

    assert rows["c1"] == ("buyer (suggested)",)
    assert rows["c2"] == ("decider",)


def test_without_use_suggestions_nothing_is_marked() -> None:
    matrices, _ = top_accounts(run(use=False), 5)
    rows = {row.contact_id: row.roles for m in matrices for row in m.contacts}

    assert rows["c1"] == ()
