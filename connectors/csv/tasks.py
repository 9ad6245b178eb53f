"""The tasks file of a CSV source folder, ``tasks.csv``: its columns and its rows. Reads files.

The product keeps the tasks it creates in ``tasks.csv`` with a non-empty ``key`` (the stable task
key of the plan). Rows without a key belong to someone else: they are never returned, changed or
closed. A task is open when its status is ``Open`` (any case). Extra columns are allowed.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from crm_accounts.ports import TaskRecord

from .cells import CellError, parse_date
from .files import Problems
from .records import MalformedFileError, Record, header_columns, read_records

__all__ = [
    "OPEN",
    "TASKS_FILE",
    "TASK_COLUMNS",
    "is_open",
    "is_ours",
    "next_task_number",
    "read_open_tasks",
    "task_columns",
    "task_row",
]

TASKS_FILE = "tasks.csv"
TASK_COLUMNS = (
    "id",
    "key",
    "account_id",
    "member_id",
    "contact_id",
    "due_date",
    "status",
    "subject",
    "description",
)
OPEN = "Open"
_TASK_ID = re.compile(r"T(\d+)")


def is_ours(key: str) -> bool:
    return bool(key.strip())


def is_open(status: str) -> bool:
    return status.strip().lower() == "open"


def next_task_number(task_id: str, highest: int) -> int:
    """``highest`` raised to the number of a ``T<number>`` id."""
    match = _TASK_ID.fullmatch(task_id)
    return max(highest, int(match[1])) if match else highest


def task_columns(header: Record) -> dict[str, int]:
    """Column positions of a tasks.csv header (every :data:`TASK_COLUMNS` is required).

    Raises:
        MalformedFileError: a column appears twice or one of :data:`TASK_COLUMNS` is missing.
    """
    return header_columns(header, TASK_COLUMNS)


def read_open_tasks(path: Path, problems: Problems) -> Iterator[TaskRecord]:
    """Open tasks of ours in ``path`` (none when the file does not exist).

    A bad row of ours (no id, a bad due date, a repeated id, too many cells) is recorded in
    ``problems`` as ``file:line`` with the value, and skipped; rows of others are not checked.
    """
    name = str(path)
    try:
        if not path.is_file():
            return
        records = read_records(path)
        header = next(records, None)
        if header is None:
            return  # an empty file: no tasks yet
        columns = task_columns(header)
        seen: dict[str, int] = {}
        for record in records:
            if record.cells:
                task = _open_task(record, columns, seen, problems, name)
                if task is not None:
                    yield task
    except MalformedFileError as exc:
        problems.add(name, exc.line, exc.message)
    except OSError as exc:
        problems.add(name, 0, f"cannot read the file: {exc.strerror or exc}")


def _open_task(
    record: Record, columns: dict[str, int], seen: dict[str, int], problems: Problems, name: str
) -> TaskRecord | None:
    cells = record.cells
    width = len(columns)
    row = cells + [""] * (width - len(cells))
    key = row[columns["key"]]
    if not is_ours(key):
        return None
    if len(cells) > width:
        problems.add(name, record.line, f"{len(cells)} cells, but the header has {width}")
        return None
    task_id = row[columns["id"]]
    if not task_id.strip():
        problems.add(name, record.line, "column 'id': a value is required")
        return None
    if task_id in seen:
        message = f"duplicate task id {task_id!r} (first on line {seen[task_id]})"
        problems.add(name, record.line, message)
        return None
    seen[task_id] = record.line
    if not is_open(row[columns["status"]]):
        return None
    raw_date = row[columns["due_date"]]
    try:
        due_date = parse_date(raw_date)
    except CellError as exc:
        problems.add(name, record.line, f"column 'due_date': value {raw_date!r}: {exc}")
        return None
    return TaskRecord(
        task_id,
        key,
        row[columns["account_id"]],
        row[columns["member_id"]],
        row[columns["contact_id"]],
        due_date,
        row[columns["subject"]],
        row[columns["description"]],
    )


def task_row(values: dict[str, str], width: int, columns: dict[str, int]) -> list[str]:
    """The cells of a new row: ``values`` by column name, empty cells elsewhere."""
    cells = [""] * width
    for column, value in values.items():
        cells[columns[column]] = value
    return cells
