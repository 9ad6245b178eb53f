"""The CSV connector's write side: a source folder written back like a CRM. Reads and writes files.

* Target fields are columns of ``accounts.csv`` (``fields`` maps each target field to its column,
  ``kam_<field>`` by default). A missing column is added at the end of the header the first time
  a value is written to it, and every row gets one more (empty) cell. ``None`` or ``""`` clears a
  cell: an empty cell is no value.
* Tasks live in ``tasks.csv`` (:mod:`.tasks`), created on the first task written. Ids are
  ``T000001``, ``T000002``, ... after the highest ``T<number>`` id in the file. Rows without a
  ``key`` are someone else's and are never changed.
* Every call rewrites its file at most once, safely (:mod:`crm_accounts.safefile`), streaming row
  by row (a million accounts do not need a million rows in memory), and only when something
  changes. Rows that do not change are written back byte for byte; see :mod:`.records` for line
  endings and quoting. A file is replaced only while it is still the one this connector read (or
  last wrote): an edit someone saved in between stops the call with
  :class:`~crm_accounts.errors.SourceChangedError` (exit code 3) and is kept.
* Refusals follow :class:`crm_accounts.memory.InMemoryConnector`, plus one limit of the format:
  a NUL character cannot be stored (the reader refuses it), nor a task without a key (it would
  read back as someone else's task).

Errors: a file that cannot be parsed raises :class:`~crm_accounts.errors.InputDataError` before
anything is written; a file that cannot be written raises
:class:`~crm_accounts.errors.FatalConnectorError` and leaves the old file in place.
"""

from __future__ import annotations

from collections.abc import Callable, Container, Generator, Iterator, Mapping, Sequence
from contextlib import closing
from pathlib import Path
from typing import TextIO

from crm_accounts.errors import InputDataError, InputProblem
from crm_accounts.ports import (
    FieldUpdate,
    TargetField,
    TaskClose,
    TaskDraft,
    TaskUpdate,
    WriteResult,
)
from crm_accounts.safefile import FileIdentity

from .records import (
    NEW_FILE_EOL,
    NOT_READ,
    MalformedFileError,
    Record,
    format_row,
    header_columns,
    read_records,
    rewrite_file,
)
from .source import CsvSource
from .tasks import (
    OPEN,
    TASK_COLUMNS,
    TASKS_FILE,
    is_open,
    is_ours,
    next_task_number,
    task_columns,
    task_row,
)

__all__ = ["CsvConnector"]

ACCOUNTS_FILE = "accounts.csv"
_TARGETS = frozenset(TargetField)
_UNKNOWN_ACCOUNT = "unknown account"
_NOT_OURS = "no open task of ours"
#: What a CSV folder treats as closed when ``[plan] closed_status`` is unset (METHOD.md, Tasks).
DEFAULT_CLOSED_STATUS = "Deferred"
_NUL = "\x00"

#: ``edit(row)`` gets a task row of ours by column name and returns the cells to change.
_Edit = Callable[[dict[str, str]], dict[str, str]]


class CsvConnector(CsvSource):
    """A CSV source folder that is written back; implements the ``Connector`` port."""

    def __init__(self, folder: Path, fields: Mapping[str, str] | None = None) -> None:
        """Read and write ``folder``; ``fields`` maps target fields to accounts.csv columns.

        Raises:
            ConfigError: ``fields`` is not a valid mapping (see :class:`CsvSource`).
        """
        super().__init__(folder, fields)

    def preflight(self, writes: Mapping[str, int]) -> None:
        """Files have no API allowance to protect."""
        return None

    # -- target fields ------------------------------------------------------------------------

    def write_fields(self, updates: Sequence[FieldUpdate]) -> list[WriteResult]:
        """Write target values into accounts.csv; one rewrite for all ``updates``."""
        if not updates:
            return []
        refusals = [_field_refusal(update) for update in updates]
        # The updates' own mappings, not copies: a full sync holds a million of them already.
        changes: dict[str, Mapping[str, str | None]] = {}
        for update, refusal in zip(updates, refusals, strict=True):
            if refusal is None:  # later updates of one account win, as if written one by one
                earlier = changes.get(update.account_id)
                changes[update.account_id] = (
                    update.values if earlier is None else {**earlier, **update.values}
                )
        wanted = {update.account_id for update in updates if update.account_id.strip()}
        rows = _AccountRows(self.folder / ACCOUNTS_FILE, self.fields, changes, wanted)
        self.read_identities[ACCOUNTS_FILE] = rows.run(
            self.read_identities.get(ACCOUNTS_FILE, NOT_READ)
        )
        results = []
        for update, refusal in zip(updates, refusals, strict=True):
            if not rows.found(update.account_id):  # checked first, as in memory.py
                error: str | None = _UNKNOWN_ACCOUNT
            else:
                error = rows.errors.get(update.account_id) or refusal
            results.append(
                WriteResult(update.account_id, False, error=error)
                if error
                else WriteResult(update.account_id, True, crm_id=update.account_id)
            )
        return results

    # -- tasks --------------------------------------------------------------------------------

    def create_tasks(self, drafts: Sequence[TaskDraft]) -> list[WriteResult]:
        """Append new open tasks to tasks.csv; ids continue after the highest ``T<number>``."""
        if not drafts:
            return []
        known = self._known_accounts()
        results: list[WriteResult] = []
        accepted: list[int] = []
        for index, draft in enumerate(drafts):
            error = _draft_refusal(draft, known)
            results.append(WriteResult(draft.key, False, error=error))
            if error is None:
                accepted.append(index)

        def new_rows(highest: int) -> list[dict[str, str]]:
            rows = []
            for number, index in enumerate(accepted, start=highest + 1):
                draft, task_id = drafts[index], f"T{number:06d}"
                results[index] = WriteResult(draft.key, True, crm_id=task_id)
                rows.append(
                    {
                        "id": task_id,
                        "key": draft.key,
                        "account_id": draft.account_id,
                        "member_id": draft.member_id,
                        "contact_id": draft.contact_id,
                        "due_date": draft.due_date.isoformat(),
                        "status": OPEN,
                        "subject": draft.subject,
                        "description": draft.description,
                    }
                )
            return rows

        if accepted:
            self._rewrite_tasks({}, new_rows)
        return results

    def update_tasks(self, updates: Sequence[TaskUpdate]) -> list[WriteResult]:
        """Change due date, subject and description of open tasks of ours."""

        def apply(index: int, row: dict[str, str]) -> WriteResult:
            update = updates[index]
            if not is_open(row["status"]):
                return WriteResult(update.key, False, error=_NOT_OURS)
            row["due_date"] = update.due_date.isoformat()
            row["subject"] = update.subject
            row["description"] = update.description
            return WriteResult(update.key, True, crm_id=update.id)

        texts = [(u.id, u.key, [u.subject, u.description]) for u in updates]
        return self._edit_tasks(texts, apply, ("due_date", "subject", "description"))

    def close_tasks(self, closes: Sequence[TaskClose]) -> list[WriteResult]:
        """Set the status of open tasks of ours (a task closed earlier is refused)."""

        def apply(index: int, row: dict[str, str]) -> WriteResult:
            close = closes[index]
            if not is_open(row["status"]):
                return WriteResult(close.key, False, error=_NOT_OURS)
            row["status"] = close.status or DEFAULT_CLOSED_STATUS
            return WriteResult(close.key, True, crm_id=close.id)

        texts = [(c.id, c.key, [c.status or DEFAULT_CLOSED_STATUS]) for c in closes]
        return self._edit_tasks(texts, apply, ("status",))

    def _edit_tasks(
        self,
        records: Sequence[tuple[str, str, list[str]]],
        apply: Callable[[int, dict[str, str]], WriteResult],
        columns: tuple[str, ...],
    ) -> list[WriteResult]:
        """Apply ``apply(index, row)`` to the row of each record's task id, in input order.

        ``records`` are ``(task id, key, texts to store)``; a record whose task is not an open
        task of ours is refused without calling ``apply``.
        """
        results: list[WriteResult] = []
        pending: dict[str, list[int]] = {}
        for index, (task_id, key, texts) in enumerate(records):
            results.append(WriteResult(key, False, error=_NOT_OURS))
            if any(_NUL in text for text in texts):
                results[index] = WriteResult(key, False, error=_NUL_ERROR)
            elif task_id.strip():
                pending.setdefault(task_id, []).append(index)

        def edit(row: dict[str, str]) -> dict[str, str]:
            edited = dict(row)
            for index in pending[row["id"]]:
                results[index] = apply(index, edited)
            return {column: edited[column] for column in columns}

        if pending:
            self._rewrite_tasks({task_id: edit for task_id in pending}, None)
        return results

    def _rewrite_tasks(
        self, edits: Mapping[str, _Edit], new_rows: Callable[[int], list[dict[str, str]]] | None
    ) -> None:
        """One streaming rewrite of tasks.csv: ``edits`` by task id, then ``new_rows(highest
        T number)`` appended at the end."""
        path = self.folder / TASKS_FILE
        expected = self.read_identities.get(TASKS_FILE, NOT_READ)
        try:
            self.read_identities[TASKS_FILE] = rewrite_file(
                path, lambda out: _write_tasks(path, out, edits, new_rows), expected
            )
        except MalformedFileError as exc:
            raise InputDataError([InputProblem(str(path), exc.line, exc.message)]) from None


_NUL_ERROR = "a NUL character cannot be stored in a CSV file"


def _field_refusal(update: FieldUpdate) -> str | None:
    unknown = sorted(set(update.values) - _TARGETS)
    if unknown:
        return f"not a target field: {', '.join(unknown)}"
    for name, value in update.values.items():
        if value is not None and _NUL in value:
            return f"field {name}: {_NUL_ERROR}"
    return None


def _draft_refusal(draft: TaskDraft, known: Container[str]) -> str | None:
    if draft.account_id not in known:
        return _UNKNOWN_ACCOUNT
    if not is_ours(draft.key):
        return "a task key is required (a task without one reads back as someone else's)"
    texts = (draft.key, draft.account_id, draft.member_id, draft.contact_id)
    if any(_NUL in text for text in (*texts, draft.subject, draft.description)):
        return _NUL_ERROR
    return None


def _changed_row(record: Record, new: list[str]) -> str | None:
    """The text of ``record`` with cells ``new`` (padded to the full width), or ``None``.

    When only cells past the end of the record change, the record's own text is kept and the
    cells are appended to it; otherwise the row is written anew, quoted minimally.
    """
    cells = record.cells
    if new[: len(cells)] != cells:
        return format_row(new, record.eol)
    if any(new[len(cells) :]):
        return record.with_cells_appended(new[len(cells) :])
    return None


def _problem(path: Path, line: int, message: str) -> InputDataError:
    return InputDataError([InputProblem(str(path), line, message)])


class _AccountRows:
    """One pass over accounts.csv writing ``changes`` (target values by account id).

    After :meth:`run`, :meth:`found` tells the ``wanted`` account ids the file has, and
    ``errors`` holds the accounts whose row could not be written.
    """

    def __init__(
        self,
        path: Path,
        fields: Mapping[str, str],
        changes: Mapping[str, Mapping[str, str | None]],
        wanted: set[str],
    ) -> None:
        self.path = path
        self.fields = fields
        self.changes = changes
        self.wanted = wanted
        self.missing = set(wanted)  # shrinks as rows are found: no second set of a million ids
        self.errors: dict[str, str] = {}

    def found(self, account_id: str) -> bool:
        return account_id in self.wanted and account_id not in self.missing

    def run(self, expected: object) -> FileIdentity | None:
        """Rewrite the file; ``expected`` is its identity when the run read it."""
        if not self.path.is_file():
            raise _problem(self.path, 0, "required file is missing from the source folder")
        try:
            return rewrite_file(self.path, self._write, expected)
        except MalformedFileError as exc:
            raise _problem(self.path, exc.line, exc.message) from None

    def _match(self, record: Record, id_index: int, width: int) -> Mapping[str, str | None] | None:
        """The changes for this row: ``None`` for rows not wanted (or wanted earlier)."""
        cells = record.cells
        account_id = cells[id_index] if len(cells) > id_index else ""
        if account_id not in self.missing:
            return None
        self.missing.remove(account_id)
        if len(cells) > width:
            self.errors[account_id] = (
                f"{self.path}:{record.line}: {len(cells)} cells, but the header has {width}; "
                "the row was left as it is"
            )
            return None
        return self.changes.get(account_id)

    def _write(self, out: TextIO) -> bool:
        with closing(read_records(self.path)) as records:
            header = next(records, None)
            if header is None:
                raise MalformedFileError(1, "the file is empty; expected a header row")
            columns = header_columns(header, ("id",))
            width = len(header.cells)
            added = self._added_columns(columns, width)
            positions = {t: columns[c] for t, c in self.fields.items() if c in columns}
            positions.update({target: width + n for n, target in enumerate(added)})
            full_width = width + len(added)
            padding = [""] * len(added)
            out.write(header.with_cells_appended(self.fields[t] for t in added))
            changed = bool(added)
            for record in records:
                values = self._match(record, columns["id"], width) if record.cells else None
                text = None
                if values is not None:
                    new = record.cells + [""] * (full_width - len(record.cells))
                    for target, value in values.items():
                        if target in positions:  # else an empty value for a missing column
                            new[positions[target]] = value or ""
                    text = _changed_row(record, new)
                if text is not None:
                    changed = True
                elif added and record.cells:
                    text = record.with_cells_appended(padding)
                else:
                    text = record.raw
                out.write(text)
        return changed

    def _added_columns(self, columns: dict[str, int], width: int) -> list[str]:
        """Target fields without a column that get a value for an account of the file.

        A first pass that stops as soon as every such column is known to be needed: on a first
        sync that is the first row written.
        """
        candidates = {
            target
            for target, column in self.fields.items()
            if column not in columns and any(values.get(target) for values in self.changes.values())
        }
        needed: set[str] = set()
        if candidates:
            probe = _AccountRows(self.path, self.fields, self.changes, self.wanted)
            with closing(read_records(self.path)) as records:
                next(records, None)
                for record in _blank_lines_skipped(records):
                    values = probe._match(record, columns["id"], width)
                    needed.update(target for target in candidates if values and values.get(target))
                    if needed == candidates:
                        break
        return [target for target in self.fields if target in needed]


def _no_records() -> Generator[Record, None, None]:
    yield from ()


def _blank_lines_skipped(records: Iterator[Record]) -> Iterator[Record]:
    return (record for record in records if record.cells)


def _write_tasks(
    path: Path,
    out: TextIO,
    edits: Mapping[str, _Edit],
    new_rows: Callable[[int], list[dict[str, str]]] | None,
) -> bool:
    """Stream tasks.csv (or a new header) into ``out``; ``True`` when something changed."""
    with closing(read_records(path) if path.exists() else _no_records()) as records:
        header = next(records, None)
        if header is None:  # no file yet, or an empty one
            columns = {name: index for index, name in enumerate(TASK_COLUMNS)}
            eol, open_end = NEW_FILE_EOL, False
            out.write(format_row(TASK_COLUMNS, eol))
        else:
            columns = task_columns(header)
            eol, open_end = header.eol or NEW_FILE_EOL, not header.eol
            out.write(header.raw)
        width = len(header.cells) if header is not None else len(TASK_COLUMNS)
        i_id, i_key = columns["id"], columns["key"]
        pending = dict(edits)
        highest = 0
        changed = False
        for record in records:
            cells = record.cells
            task_id = cells[i_id] if len(cells) > i_id else ""
            highest = next_task_number(task_id, highest)
            key = cells[i_key] if len(cells) > i_key else ""
            text = None
            if task_id in pending and is_ours(key) and len(cells) <= width:
                edit = pending.pop(task_id)  # the first row with that id; the reader reports more
                new = cells + [""] * (width - len(cells))
                row = dict(zip(columns, new, strict=True))
                for column, value in edit(row).items():
                    new[columns[column]] = value
                text = _changed_row(record, new)
            if text is not None:
                changed = True
                out.write(text)
            else:
                out.write(record.raw)
            open_end = not record.eol
        rows = new_rows(highest) if new_rows is not None else []
        if rows:
            changed = True
            if open_end:  # the last line had no line ending
                out.write(eol)
            for values in rows:
                out.write(format_row(task_row(values, width, columns), eol))
    return changed
