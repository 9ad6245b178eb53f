"""The pure sync decision: only what differs is written; tasks follow METHOD.md's Tasks rules."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from crm_accounts.domain import (
    Account,
    Activity,
    Contact,
    DmuRole,
    Member,
    MethodInput,
    MethodSettings,
    Period,
    PsuRole,
    RevenueLine,
    TeamMember,
    run_method,
    summarize_activities,
    summarize_revenue,
    task_key,
)
from crm_accounts.domain.method import MethodResult
from crm_accounts.ports import TaskRecord
from crm_accounts.sync.plan import SyncOptions, decide, same_value, target_values

AS_OF = date(2026, 11, 27)  # a Friday
NOW = "2026-11-27T06:00:00Z"


def _result(last_contact: date | None = None) -> MethodResult:
    accounts = [Account("a1", "Acme"), Account("a2", "Globex")]
    lines = [
        RevenueLine("a1", date(2026, 6, 1), Decimal("900")),
        RevenueLine("a2", date(2026, 6, 1), Decimal("100")),
    ]
    contacts = [Contact("c1", "a1", "Ann", frozenset({DmuRole.DECIDER}))]
    team = [TeamMember("a1", "m1", frozenset({PsuRole.ACCOUNT_MANAGER}))]
    activities = [Activity("m1", "c1", last_contact)] if last_contact else []
    period = Period.ending(AS_OF, 12)
    data = MethodInput(
        accounts=accounts,
        revenue=summarize_revenue(lines, period),
        history=summarize_activities(activities, AS_OF, 365),
        members={"m1": Member("m1", "Mara")},
        contacts=contacts,
        team=team,
    )
    return run_method(data, MethodSettings(), AS_OF)


def _task(key: str, due: date, task_id: str = "T1") -> TaskRecord:
    return TaskRecord(task_id, key, "a1", "m1", "c1", due, "s", "d")


KEY = task_key("a1", "m1", "c1")


def test_values_already_in_the_crm_are_not_written_again() -> None:
    result = _result()
    current = {
        account: {name: value for name, value in values.items() if value is not None}
        for account, values in target_values(result).items()
    }

    plan = decide(result, current, [], {}, SyncOptions(), NOW)

    assert plan.accounts == ()
    assert plan.field_updates() == []


def test_numbers_that_differ_only_in_notation_are_the_same_value() -> None:
    assert same_value("1200.5", "1200.50")
    assert same_value("", None)
    assert not same_value("A", "a")
    assert not same_value("0", None)


def test_a_changed_field_is_written_with_the_computation_time() -> None:
    result = _result()

    plan = decide(result, {"a1": {"segment": "B"}}, [], {}, SyncOptions(), NOW)

    [update] = [u for u in plan.field_updates() if u.account_id == "a1"]
    assert update.values["segment"] == "A"
    assert update.values["computed_at"] == NOW


def test_a_pair_that_needs_contact_and_has_no_open_task_gets_one() -> None:
    plan = decide(_result(), {}, [], {}, SyncOptions(), NOW)

    [draft] = plan.create
    assert (draft.key, draft.account_id, draft.member_id, draft.contact_id) == (
        KEY, "a1", "m1", "c1"
    )  # fmt: skip
    assert draft.due_date == AS_OF
    assert "contact_never" in draft.description
    assert KEY in draft.description


def test_an_open_task_on_the_planned_date_is_kept_as_it_is() -> None:
    plan = decide(_result(), {}, [_task(KEY, AS_OF)], {}, SyncOptions(), NOW)

    assert (plan.create, plan.reschedule, plan.close, plan.kept_tasks) == ((), (), (), 1)


def test_an_open_task_on_another_date_is_rescheduled_not_duplicated() -> None:
    plan = decide(_result(), {}, [_task(KEY, date(2026, 12, 24))], {}, SyncOptions(), NOW)

    assert plan.create == ()
    [reschedule] = plan.reschedule
    assert (reschedule.update.id, reschedule.update.due_date) == ("T1", AS_OF)


def test_an_open_task_whose_pair_no_longer_needs_contact_is_closed_with_the_status() -> None:
    recently_met = _result(last_contact=date(2026, 11, 26))  # due 12-26: beyond the horizon
    options = SyncOptions(closed_status="Not needed")

    plan = decide(recently_met, {}, [_task(KEY, AS_OF)], {}, options, NOW)

    [closing] = plan.close
    assert (closing.close.id, closing.close.status) == ("T1", "Not needed")


def test_two_open_tasks_with_one_key_leave_one_open() -> None:
    tasks = [_task(KEY, AS_OF, "T2"), _task(KEY, AS_OF, "T1")]

    plan = decide(_result(), {}, tasks, {}, SyncOptions(), NOW)

    assert [c.close.id for c in plan.close] == ["T2"]
    assert plan.kept_tasks == 1


def test_a_field_changed_by_a_person_is_reported_as_a_manual_edit() -> None:
    result = _result()
    written = {"a1": {"segment": "A"}}

    overwrite = decide(result, {"a1": {"segment": "C"}}, [], written, SyncOptions(), NOW)
    keep = decide(result, {"a1": {"segment": "C"}}, [], written, SyncOptions(False), NOW)

    [change] = [c for a in overwrite.accounts if a.account_id == "a1" for c in a.changes
                if c.field == "segment"]  # fmt: skip
    assert change.manual_edit
    [kept] = [a for a in keep.accounts if a.account_id == "a1"]
    assert [(c.field, c.old, c.new) for c in kept.conflicts] == [("segment", "C", "A")]
    assert all(c.field != "segment" for c in kept.changes)


def test_a_value_already_right_but_unknown_to_the_run_log_is_confirmed() -> None:
    result = _result()

    plan = decide(result, {"a1": {"segment": "A"}}, [], {}, SyncOptions(), NOW)

    assert ("a1", "segment", "A") in plan.confirmed
