"""Salesforce tasks of ours: records, key retirement, contact moments, org statuses. Pure."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from crm_accounts.connectors.salesforce.org import (
    TaskStatusValue,
    closing_status,
    open_status,
    parse_task_statuses,
    picklist_values,
    unknown_role_values,
)
from crm_accounts.connectors.salesforce.tasks import (
    SUBJECT_LENGTH,
    activity_from_task,
    key_state,
    retire_record,
    retired_key,
    split_marker,
    subject_text,
    task_close_record,
    task_create_record,
    task_record,
    task_update_record,
    with_marker,
)
from crm_accounts.errors import ConfigError
from crm_accounts.ports import TaskDraft, TaskUpdate

KEY = "kam1-0123456789abcdef01234567"
TASK = "00TRM0000000001AAA"
#: As in a standard org's retrieved TaskStatus.standardValueSet-meta.xml: only Completed closes.
STANDARD = parse_task_statuses(
    [
        {"ApiName": "Not Started", "MasterLabel": "Not Started", "IsClosed": False,
         "IsDefault": True, "SortOrder": 1},
        {"ApiName": "In Progress", "MasterLabel": "In Progress", "IsClosed": False,
         "IsDefault": False, "SortOrder": 2},
        {"ApiName": "Completed", "MasterLabel": "Completed", "IsClosed": True,
         "IsDefault": False, "SortOrder": 3},
        {"ApiName": "Waiting on someone else", "MasterLabel": "Waiting on someone else",
         "IsClosed": False, "IsDefault": False, "SortOrder": 4},
        {"ApiName": "Deferred", "MasterLabel": "Deferred", "IsClosed": False,
         "IsDefault": False, "SortOrder": 5},
    ]
)  # fmt: skip


def _task_row(**values: object) -> dict[str, object]:
    row: dict[str, object] = {
        "Id": TASK,
        "WhoId": "003A",
        "WhatId": "001A",
        "OwnerId": "005A",
        "AccountId": "001A",
        "ActivityDate": "2026-10-01",
        "IsClosed": True,
        "Status": "Completed",
        "Subject": "Meet Ann",
        "Description": "why",
        "KAM_Task_Key__c": KEY,
    }
    row.update(values)
    return row


def test_a_task_a_rep_completed_is_a_contact_moment_even_when_it_was_ours() -> None:
    activity = activity_from_task(_task_row(), "KAM_Task_Key__c")
    assert activity == ("005A", "003A", date(2026, 10, 1), True, "001A")
    retired = retired_key(KEY, TASK, "done")
    assert activity_from_task(_task_row(KAM_Task_Key__c=retired), "KAM_Task_Key__c").completed


def test_a_task_the_product_closed_is_never_a_contact_moment_whatever_its_status() -> None:
    closed = retired_key(KEY, TASK, "closed")
    for status in ("Completed", "Afgerond", "Deferred"):
        row = _task_row(KAM_Task_Key__c=closed, Status=status)
        assert not activity_from_task(row, "KAM_Task_Key__c").completed
    marked = _task_row(Description=with_marker("why", closed), KAM_Task_Key__c=None)
    assert not activity_from_task(marked, None).completed
    assert activity_from_task(_task_row(Description="why"), None).completed


def test_an_open_task_is_no_contact_moment_and_someone_elses_closed_task_is_one() -> None:
    assert not activity_from_task(_task_row(IsClosed=False), "KAM_Task_Key__c").completed
    theirs = _task_row(KAM_Task_Key__c=None)
    assert activity_from_task(theirs, "KAM_Task_Key__c").completed


def test_a_task_earlier_versions_closed_as_deferred_is_not_a_contact_moment() -> None:
    row = _task_row(Status="Deferred")
    assert not activity_from_task(row, "KAM_Task_Key__c").completed


@given(st.from_regex(r"kam1-[0-9a-f]{24}", fullmatch=True), st.sampled_from(["closed", "done"]))
def test_a_retired_key_gives_back_its_key_and_how_it_was_retired(key: str, how: str) -> None:
    value = retired_key(key, TASK, how)  # type: ignore[arg-type]
    assert key_state(value) == (key, how)
    assert key_state(key) == (key, "open")
    assert len(value) <= 255


def test_an_open_task_is_ours_only_with_a_live_key() -> None:
    row = _task_row(IsClosed=False, Status="Not Started", ActivityDate="2026-12-01")
    task = task_record(row, "KAM_Task_Key__c")
    assert task is not None
    assert (task.id, task.key, task.account_id, task.due_date) == (
        TASK,
        KEY,
        "001A",
        date(2026, 12, 1),
    )
    assert task_record({**row, "KAM_Task_Key__c": None}, "KAM_Task_Key__c") is None
    reopened = {**row, "KAM_Task_Key__c": retired_key(KEY, TASK, "closed")}
    assert task_record(reopened, "KAM_Task_Key__c") is None
    marked = task_record({**row, "Description": with_marker("why", "k2")}, None)
    assert marked is not None
    assert (marked.key, marked.description) == ("k2", "why")
    assert task_record(row, None) is None


def test_the_description_marker_round_trips_text_with_any_line_breaks() -> None:
    for text in ("", "one line", 'line one\nline two\r\nthree\rend, "quoted"\n', "\n\n"):
        assert split_marker(with_marker(text, "kam1-abc,1")) == (text, "kam1-abc,1")
    assert split_marker("their own\nreminder") == ("their own\nreminder", None)
    assert split_marker(None) == ("", None)


def test_a_task_draft_becomes_a_task_in_the_orgs_default_open_status() -> None:
    draft = TaskDraft(KEY, "001A", "005A", "003A", date(2026, 12, 1), "Meet Ann", "never met")
    assert task_create_record(draft, "KAM_Task_Key__c", "Open") == {
        "attributes": {"type": "Task"},
        "OwnerId": "005A",
        "WhatId": "001A",
        "WhoId": "003A",
        "ActivityDate": "2026-12-01",
        "Subject": "Meet Ann",
        "Status": "Open",
        "Description": "never met",
        "KAM_Task_Key__c": KEY,
    }
    marked = task_create_record(draft, None, "Not Started")
    assert marked["Description"] == f"never met\n[kam-key:{KEY}]"
    assert "KAM_Task_Key__c" not in marked


def test_a_subject_longer_than_the_field_is_cut_with_an_ellipsis() -> None:
    long_name = "Contact Ann (" + "Very Long Account Name " * 20 + ")"
    cut = subject_text(long_name)
    assert len(cut) == SUBJECT_LENGTH
    assert cut.endswith("\u2026")
    assert long_name.startswith(cut[:-1])
    assert subject_text("Meet Ann") == "Meet Ann"
    draft = TaskDraft(KEY, "001A", "005A", "003A", date(2026, 12, 1), long_name, "why")
    assert len(task_create_record(draft, "K__c", "Open")["Subject"]) == SUBJECT_LENGTH
    update = TaskUpdate(TASK, KEY, date(2027, 1, 1), long_name, "later")
    assert len(task_update_record(update, None)["Subject"]) == SUBJECT_LENGTH


def test_closing_sets_the_closed_status_and_retires_the_key() -> None:
    assert task_close_record(TASK, KEY, "Completed", "KAM_Task_Key__c", None) == {
        "attributes": {"type": "Task"},
        "id": TASK,
        "Status": "Completed",
        "KAM_Task_Key__c": f"{KEY}.closed.{TASK}",
    }
    marked = task_close_record(TASK, KEY, "Completed", None, "why")
    assert split_marker(marked["Description"]) == ("why", f"{KEY}.closed.{TASK}")
    assert retire_record(TASK, KEY, "K__c") == {
        "attributes": {"type": "Task"},
        "id": TASK,
        "K__c": f"{KEY}.done.{TASK}",
    }


def test_a_standard_org_closes_with_completed_because_deferred_is_not_closed() -> None:
    assert closing_status(STANDARD, None) == "Completed"
    assert closing_status(STANDARD, "completed") == "Completed"
    assert open_status(STANDARD) == "Not Started"
    with pytest.raises(ConfigError) as refused:
        closing_status(STANDARD, "Deferred")
    text = str(refused.value)
    assert "'Deferred' is not a closed Task Status" in text
    assert "'Completed'" in text


def test_a_status_the_org_does_not_have_is_refused_with_the_orgs_statuses() -> None:
    with pytest.raises(ConfigError) as refused:
        closing_status(STANDARD, "Done")
    assert "'Done' is not a Task Status of this org" in str(refused.value)
    assert "'Not Started' (open, default)" in str(refused.value)
    no_closed = tuple(s for s in STANDARD if not s.closed)
    with pytest.raises(ConfigError, match="no closed Task Status"):
        closing_status(no_closed, None)
    with pytest.raises(ConfigError, match="no open Task Status"):
        open_status((TaskStatusValue("Done", "Done", True, True),))


def test_a_custom_org_in_another_language_closes_with_its_first_closed_status() -> None:
    dutch = parse_task_statuses(
        [
            {"ApiName": "Open", "MasterLabel": "Open", "IsClosed": False, "IsDefault": True},
            {"ApiName": "Uitgesteld", "MasterLabel": "Uitgesteld", "IsClosed": False},
            {"ApiName": "Afgerond", "MasterLabel": "Afgerond", "IsClosed": True},
            {"ApiName": "Geannuleerd", "MasterLabel": "Geannuleerd", "IsClosed": True},
        ]
    )
    assert (open_status(dutch), closing_status(dutch, None)) == ("Open", "Afgerond")
    assert closing_status(dutch, "Geannuleerd") == "Geannuleerd"


def test_role_values_are_checked_against_the_active_picklist_values() -> None:
    described = {
        "fields": [
            {
                "name": "TeamMemberRole",
                "picklistValues": [
                    {"value": "Account Manager", "active": True},
                    {"value": "Sales Rep", "active": True},
                    {"value": "Old Role", "active": False},
                ],
            }
        ]
    }
    active = picklist_values(described, "TeamMemberRole")
    assert active == ["Account Manager", "Sales Rep"]
    assert picklist_values(described, "Roles") is None
    mapping = {"account manager": "account_manager", "Old Role": "support", "Tech": "delivery"}
    assert unknown_role_values(mapping, active) == ["Old Role", "Tech"]
