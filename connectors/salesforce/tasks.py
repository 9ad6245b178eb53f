"""Tasks the product plans, as Salesforce Task records, and the life of their keys. No I/O.

Each planned task carries its key (``kam1-`` + 24 hex digits) in the task key field, an External
ID marked unique, or, without one, in a last Description line ``[kam-key:<key>]``. A unique key
allows one task per key for ever, but a pair needs a new task each time its cadence comes round
again. So a key is *retired* once its task is closed, by rewriting it in place:

* ``<key>.closed.<task id>``: the product closed the task (the pair no longer needed contact, or
  it was a duplicate). Such a task is never a contact moment, whatever closed status it has
  (METHOD.md, Tasks: closing is not contact), and never read back as an open task of ours.
* ``<key>.done.<task id>``: someone completed the task and the product later needed the key
  again (a create refused with ``DUPLICATE_VALUE``). It stays a contact moment.

Task ids are unique, so retired values never collide. A closed task whose status is
``Deferred`` is not a contact moment either (what earlier versions closed tasks with).

Field limits ("Task", Object Reference,
https://developer.salesforce.com/docs/atlas.en-us.object_reference.meta/object_reference/sforce_api_objects_task.htm):
``Subject`` holds at most 255 characters; a longer one is refused with ``STRING_TOO_LONG``, so
subjects are shortened here with an ellipsis (rescheduling compares due dates, not subjects).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Literal

from crm_accounts.domain.model import Activity
from crm_accounts.ports import TaskDraft, TaskRecord, TaskUpdate

from .mapping import as_bool, as_date, as_text, required_text

__all__ = [
    "KEY_MARKER",
    "SUBJECT_LENGTH",
    "activity_from_task",
    "key_state",
    "retire_record",
    "retired_key",
    "split_marker",
    "stored_key",
    "subject_text",
    "task_close_record",
    "task_create_record",
    "task_record",
    "task_update_record",
    "with_marker",
]

#: The Description marker line that carries the task key when no key field is configured.
KEY_MARKER = "[kam-key:{key}]"
#: Characters ``Task.Subject`` holds.
SUBJECT_LENGTH = 255
_MARKER = re.compile(r"\n\[kam-key:([^\]\r\n]+)\]\Z")
_RETIRED = re.compile(r"(?P<key>.+)\.(?P<how>closed|done)\.[A-Za-z0-9]{15,18}")
#: Closed with this status by earlier versions of the product: not a contact moment.
_LEGACY_NOT_DONE = "Deferred"

KeyState = Literal["open", "closed", "done"]


def retired_key(key: str, task_id: str, how: Literal["closed", "done"]) -> str:
    """The value that replaces a key once its task is closed (see the module docstring)."""
    return f"{key}.{how}.{task_id}"


def key_state(value: str) -> tuple[str, KeyState]:
    """``(key, state)`` of a stored key value: ``open`` when it is not retired."""
    match = _RETIRED.fullmatch(value)
    if match is None:
        return value, "open"
    how: KeyState = "closed" if match.group("how") == "closed" else "done"
    return match.group("key"), how


def with_marker(description: str, key: str) -> str:
    """``description`` with the key marker on a line of its own at the end."""
    return f"{description}\n{KEY_MARKER.format(key=key)}"


def split_marker(text: str | None) -> tuple[str, str | None]:
    """``(description without the marker, key)``; the key is ``None`` when no marker ends it."""
    text = text or ""
    match = _MARKER.search(text)
    if match is None:
        return text, None
    return text[: match.start()], match.group(1)


def stored_key(record: Mapping[str, Any], key_field: str | None) -> str | None:
    """The key value a Task holds (field or marker), retired or not; ``None`` without one."""
    if key_field:
        return as_text(record.get(key_field))
    return split_marker(as_text(record.get("Description")))[1]


def subject_text(subject: str) -> str:
    """``subject`` cut to what ``Task.Subject`` holds, ending in an ellipsis when cut."""
    if len(subject) <= SUBJECT_LENGTH:
        return subject
    return subject[: SUBJECT_LENGTH - 1].rstrip() + "\u2026"


def task_record(record: Mapping[str, Any], key_field: str | None) -> TaskRecord | None:
    """An open Task as one of ours, or ``None`` when it carries no live key (someone else's,
    or one of ours that was closed and then reopened by hand: the product leaves it alone)."""
    raw = as_text(record.get("Description"))
    if key_field:
        key = as_text(record.get(key_field))
        description = raw or ""
    else:
        description, key = split_marker(raw)
    if not key or key_state(key)[1] != "open":
        return None
    what = f"task {record.get('Id')!r}"
    return TaskRecord(
        required_text(record, "Id", "task"),
        key,
        required_text(record, "WhatId", "task"),
        required_text(record, "OwnerId", "task"),
        as_text(record.get("WhoId")) or "",
        as_date(record.get("ActivityDate"), f"{what} ActivityDate"),
        as_text(record.get("Subject")) or "",
        description,
    )


def activity_from_task(
    record: Mapping[str, Any], key_field: str | None, who: str | None = None
) -> Activity:
    """A Task with a contact: a contact moment when closed, unless the product closed it.

    ``who`` replaces the WhoId (a further contact of a shared task).
    """
    what = f"task {record.get('Id')!r}"
    status = as_text(record.get("Status")) or ""
    value = stored_key(record, key_field)
    closed_by_us = value is not None and (
        key_state(value)[1] == "closed" or status == _LEGACY_NOT_DONE
    )
    return Activity(
        required_text(record, "OwnerId", "task"),
        who or required_text(record, "WhoId", "task"),
        as_date(record.get("ActivityDate"), f"{what} ActivityDate"),
        as_bool(record.get("IsClosed")) and not closed_by_us,
        as_text(record.get("AccountId")),
    )


def _task_text(description: str, key: str, key_field: str | None) -> dict[str, Any]:
    if key_field:
        return {"Description": description, key_field: key}
    return {"Description": with_marker(description, key)}


def task_create_record(draft: TaskDraft, key_field: str | None, status: str) -> dict[str, Any]:
    """A TaskDraft as a Task: owner = member, what = account, who = contact, due = date,
    ``status`` = the org's default open Task Status."""
    return {
        "attributes": {"type": "Task"},
        "OwnerId": draft.member_id,
        "WhatId": draft.account_id,
        "WhoId": draft.contact_id or None,
        "ActivityDate": draft.due_date.isoformat(),
        "Subject": subject_text(draft.subject),
        "Status": status,
        **_task_text(draft.description, draft.key, key_field),
    }


def task_update_record(update: TaskUpdate, key_field: str | None) -> dict[str, Any]:
    """A rescheduled task: new due date, subject and description (the key is kept)."""
    return {
        "attributes": {"type": "Task"},
        "id": update.id,
        "ActivityDate": update.due_date.isoformat(),
        "Subject": subject_text(update.subject),
        **_task_text(update.description, update.key, key_field),
    }


def task_close_record(
    task_id: str, key: str, status: str, key_field: str | None, description: str | None
) -> dict[str, Any]:
    """A task closed with ``status`` (closed in the org) and its key retired as ``closed``.

    Without a key field the marker line is rewritten, so ``description`` (without the marker)
    is sent again.
    """
    record: dict[str, Any] = {"attributes": {"type": "Task"}, "id": task_id, "Status": status}
    retired = retired_key(key, task_id, "closed")
    if key_field:
        record[key_field] = retired
    else:
        record["Description"] = with_marker(description or "", retired)
    return record


def retire_record(task_id: str, key: str, key_field: str) -> dict[str, Any]:
    """A completed task's key retired as ``done``, freeing the key for a new task."""
    return {
        "attributes": {"type": "Task"},
        "id": task_id,
        key_field: retired_key(key, task_id, "done"),
    }
