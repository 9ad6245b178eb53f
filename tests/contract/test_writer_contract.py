"""The write contract: one result per record, in order; refusals are results, not exceptions;
the connector never touches tasks it did not create."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from crm_accounts.ports import (
    Connector,
    FieldUpdate,
    TargetField,
    TaskClose,
    TaskDraft,
    TaskUpdate,
)

from .conftest import Dataset


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
    [closed] = writer.close_tasks([TaskClose(created.crm_id, "k1")])
    assert closed.ok
    assert list(writer.open_tasks()) == []
    [again] = writer.close_tasks([TaskClose(created.crm_id, "k1")])
    assert not again.ok


def test_tasks_the_product_did_not_create_are_refused(writer: Connector) -> None:
    results = writer.update_tasks([TaskUpdate("someone-else", "k9", date(2026, 12, 1), "x", "y")])
    results += writer.close_tasks([TaskClose("someone-else", "k9")])
    assert [r.ok for r in results] == [False, False]


def test_tasks_the_product_did_not_create_are_never_returned_changed_or_closed(
    writer: Connector, dataset: Dataset, foreign_tasks: Callable[[], object]
) -> None:
    before = foreign_tasks()
    assert before, "the dataset must hold tasks of others"
    theirs = [task.record.id for task in dataset.foreign_tasks]
    [created] = writer.create_tasks([_draft("k1")])
    assert created.crm_id is not None
    updates = [TaskUpdate(i, "k9", date(2027, 1, 1), "x", "y") for i in theirs]
    closes = [TaskClose(i, "k9") for i in theirs]
    refused = writer.update_tasks(updates) + writer.close_tasks(closes)
    assert [r.ok for r in refused] == [False] * (2 * len(theirs))
    writer.update_tasks([TaskUpdate(created.crm_id, "k1", date(2027, 1, 1), "x", "y")])
    writer.write_fields([FieldUpdate("a1", {"segment": "A"})])
    assert [t.key for t in writer.open_tasks()] == ["k1"]
    writer.close_tasks([TaskClose(created.crm_id, "k1")])
    assert list(writer.open_tasks()) == []
    assert foreign_tasks() == before


def test_created_task_ids_are_distinct_from_every_existing_task_id(
    writer: Connector, dataset: Dataset
) -> None:
    first = writer.create_tasks([_draft("k1"), _draft("k2")])
    second = writer.create_tasks([_draft("k3")])
    ids = [r.crm_id for r in first + second]
    assert None not in ids
    assert len(set(ids)) == 3
    assert not set(ids) & {task.record.id for task in dataset.foreign_tasks}


def test_text_with_commas_quotes_and_line_breaks_comes_back_unchanged(writer: Connector) -> None:
    subject = 'Meet "Ann", then Bob'
    description = 'line one\nline two\r\nline three\rend, "quoted"\n'
    draft = TaskDraft("k,1", "a1", "m1", "c1", date(2026, 12, 1), subject, description)
    [created] = writer.create_tasks([draft])
    writer.write_fields([FieldUpdate("a1", {"segment": 'A, "top"\nline'})])
    [task] = writer.open_tasks()
    assert (task.id, task.key, task.subject, task.description) == (
        created.crm_id, "k,1", subject, description,
    )  # fmt: skip
    assert _targets(writer, "a1") == {"segment": 'A, "top"\nline'}


def test_updates_of_one_account_in_one_call_apply_in_order(writer: Connector) -> None:
    results = writer.write_fields(
        [
            FieldUpdate("a1", {"segment": "A", "revenue": "10"}),
            FieldUpdate("a1", {"segment": "B", "revenue": None}),
            FieldUpdate("a1", {"open_gaps": "2"}),
        ]
    )
    assert [r.ok for r in results] == [True, True, True]
    assert _targets(writer, "a1") == {"segment": "B", "open_gaps": "2"}


def test_a_record_with_a_field_the_product_does_not_own_writes_none_of_its_fields(
    writer: Connector,
) -> None:
    results = writer.write_fields(
        [FieldUpdate("a1", {"segment": "A", "Industry": "Retail"}), FieldUpdate("a2", {})]
    )
    assert [r.ok for r in results] == [False, True]
    assert results[0].error is not None
    assert "Industry" in results[0].error
    assert _targets(writer, "a1") == {}


def test_clearing_a_field_that_holds_no_value_succeeds_and_changes_nothing(
    writer: Connector,
) -> None:
    [result] = writer.write_fields([FieldUpdate("a3", {"dmu_coverage": None})])
    assert result.ok
    assert _targets(writer, "a3") == {}
    assert all(dict(r.targets) == {} for r in writer.accounts())


def test_written_fields_leave_names_stages_and_attributes_as_they_were(
    writer: Connector, dataset: Dataset
) -> None:
    writer.write_fields(
        [FieldUpdate(a.id, {f.value: f"v-{a.id}" for f in TargetField}) for a in dataset.accounts]
    )
    records = list(writer.accounts())
    assert [r.account for r in records] == dataset.accounts
    assert all(
        dict(r.targets) == {f.value: f"v-{r.account.id}" for f in TargetField} for r in records
    )
    assert not writer.attribute_names() & set(TargetField)


def test_a_closed_task_can_no_longer_be_rescheduled(writer: Connector) -> None:
    [created] = writer.create_tasks([_draft("k1")])
    assert created.crm_id is not None
    writer.close_tasks([TaskClose(created.crm_id, "k1", "Completed")])
    [result] = writer.update_tasks(
        [TaskUpdate(created.crm_id, "k1", date(2027, 1, 1), "Meet Ann", "again")]
    )
    assert not result.ok
    assert result.error


def test_rescheduling_one_task_leaves_the_others_as_they_were(writer: Connector) -> None:
    created = writer.create_tasks([_draft("k1"), _draft("k2", "a10")])
    before = {t.key: t for t in writer.open_tasks()}
    assert created[1].crm_id is not None
    [result] = writer.update_tasks(
        [TaskUpdate(created[1].crm_id, "k2", date(2027, 2, 1), "New", "later")]
    )
    assert result.ok
    after = {t.key: t for t in writer.open_tasks()}
    assert after["k1"] == before["k1"]
    assert (after["k2"].due_date, after["k2"].subject) == (date(2027, 2, 1), "New")
    assert after["k2"].account_id == "a10"


def test_a_connector_reads_its_own_writes_and_closes_cleanly(writer: Connector) -> None:
    [field] = writer.write_fields([FieldUpdate("a1", {"segment": "A"})])
    [task] = writer.create_tasks([_draft("k1")])
    assert field.ok
    assert task.ok
    targets = {record.account.id: record.targets for record in writer.accounts()}
    assert targets["a1"]["segment"] == "A"
    [open_task] = [t for t in writer.open_tasks() if t.key == "k1"]
    assert (open_task.id, open_task.key) == (task.crm_id, "k1")
    writer.close()  # raises when anything read was not valid
