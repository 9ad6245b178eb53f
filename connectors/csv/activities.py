"""activities.csv, row by row: every row checked, every valid activity handed on. Reads files.

A million accounts make twenty million activities, so the loop hands each valid one straight to
a callable (the domain's :class:`~crm_accounts.domain.contact_plan.HistoryBuilder` when the
services gather) instead of yielding a record per row; :meth:`CsvSource.activities` collects them
for callers that want the records.
"""

from __future__ import annotations

from collections.abc import Callable, Container, Mapping
from datetime import date
from itertools import chain

from .cells import _DATES, CellError, parse_date
from .checks import known_cell, present_cell, required_cell
from .files import CsvFile

__all__ = ["Emit", "read_activities"]

#: Called with ``(member_id, contact_id, date, completed, account_id)`` per valid activity.
Emit = Callable[[str, str, date, bool, str], object]

_COMPLETED = frozenset({"completed", ""})
_CACHE_LIMIT = 10_000


def read_activities(
    file: CsvFile, known: Container[str], members: Mapping[str, str], emit: Emit
) -> None:
    """Check every row of ``file`` (problems recorded on it) and ``emit`` each valid activity.

    ``known`` holds the account ids; member ids found in ``members`` are replaced by the string
    kept there (the last contact per pair is kept for millions of pairs, and a few thousand
    members then share their id strings).
    """
    rows = file.rows()
    first = next(rows, None)
    if first is None:
        return
    columns = file.columns
    i_account, i_date = columns["account_id"], columns["date"]
    i_contact, i_member = columns["contact_id"], columns["member_id"]
    i_status = columns.get("status")
    dates = _DATES
    statuses: dict[str, bool] = {}
    for line, row in chain((first,), rows):
        account_id, contact_id, member_id = row[i_account], row[i_contact], row[i_member]
        try:
            if account_id not in known or not contact_id.strip() or not member_id.strip():
                raise CellError
            member_id = members.get(member_id, member_id)
            raw_date = row[i_date]
            day = dates.get(raw_date) or parse_date(raw_date)
            if i_status is None:
                completed = True
            else:
                raw_status = row[i_status]
                completed = statuses.get(raw_status)  # type: ignore[assignment]
                if completed is None:
                    completed = raw_status.strip().lower() in _COMPLETED
                    if len(statuses) < _CACHE_LIMIT:
                        statuses[raw_status] = completed
            emit(member_id, contact_id, day, completed, account_id)
        except CellError:
            known_cell(file, line, "account_id", account_id, known, "account")
            present_cell(file, line, "contact_id", contact_id)
            present_cell(file, line, "member_id", member_id)
            required_cell(file, line, row, "date", parse_date)
