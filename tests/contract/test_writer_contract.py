"""The write contract: one result per record, in order; refusals are results, not exceptions;
the connector never touches tasks it did not create."""

from __future__ import annotations

from datetime import date

from crm_accounts.ports import (
    Connector,
    FieldUpdate,
    TaskClose,
    TaskDraft,
    TaskUpdate,
)


def _draft(key: str, account_id: str = "a1") -> TaskDraft:
    return TaskDraft(key, account_id, "m1", "c1", date(2026, 12, 1), "Meet Ann", "never met")


def _targets(connector: Connector, account_id: str) -> dict[str, str]:
    records = {r.account.id: r for r in connector.accounts()}
    return dict(records[account_id].targets)


def test_written_fields_are_read_back_and_an_unknown_account_is_refused_alone(
    writer: Connector,
) -> None:
    results = writer.write_fields(
        [
            FieldUpdate("a1", {"segment": "A", "rating_position": "1"}),
            FieldUpdate("nope", {"segment": "B"}),
            FieldUpdate("a2", {"segment": "C"}),
        ]
    )
    assert [(r.ref, r.ok) for r in results] == [("a1", True), ("nope", False), ("a2", True)]
    assert results[1].error
    assert _targets(writer, "a1") == {"segment": "A", "rating_position": "1"}
    writer.write_fields([FieldUpdate("a1", {"rating_position": None})])
    assert _targets(writer, "a1") == {"segment": "A"}


def test_a_field_the_product_does_not_own_is_refused(writer: Connector) -> None:
    [result] = writer.write_fields([FieldUpdate("a1", {"Industry": "Retail"})])
    assert not result.ok
    assert "Industry" not in _targets(writer, "a1")


def test_created_tasks_are_found_again_by_their_key(writer: Connector) -> None:
    results = writer.create_tasks([_draft("k1"), _draft("k2", "nope"), _draft("k3", "a10")])
    assert [(r.ref, r.ok) for r in results] == [("k1", True), ("k2", False), ("k3", True)]
    open_tasks = {t.key: t for t in writer.open_tasks()}
    assert set(open_tasks) == {"k1", "k3"}
    assert open_tasks["k1"].id == results[0].crm_id
    assert open_tasks["k3"].account_id == "a10"


def test_a_rescheduled_task_keeps_its_key_and_gets_the_new_date(writer: Connector) -> None:
    [created] = writer.create_tasks([_draft("k1")])
    assert created.crm_id is not None
    [updated] = writer.update_tasks(
        [TaskUpdate(created.crm_id, "k1", date(2026, 12, 8), "Meet Ann", "rescheduled")]
    )
    assert updated.ok
    [task] = writer.open_tasks()
    assert (task.key, task.due_date, task.description) == ("k1", date(2026, 12, 8), "rescheduled")


def test_a_closed_task_is_no_longer_open_and_cannot_be_closed_twice(writer: Connector) -> None:
    [created] = writer.create_tasks([_draft("k1")])
    assert created.crm_id is not None
    [closed] = writer.close_tasks([TaskClose(created.crm_id, "k1", "Deferred")])
    assert closed.ok
    assert list(writer.open_tasks()) == []
    [again] = writer.close_tasks([TaskClose(created.crm_id, "k1", "Deferred")])
    assert not again.ok


def test_tasks_the_product_did_not_create_are_refused(writer: Connector) -> None:
    results = writer.update_tasks([TaskUpdate("someone-else", "k9", date(2026, 12, 1), "x", "y")])
    results += writer.close_tasks([TaskClose("someone-else", "k9", "Deferred")])
    assert [r.ok for r in results] == [False, False]
