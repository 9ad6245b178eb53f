"""activities.csv: the fast pass's columns turned into the domain's frame, and the exact reader.
Reads files (the exact reader).

An activity is a contact moment only when completed: its ``status`` is ``completed`` or empty
(any case, spaces around), or the file has no ``status`` column.
"""

from __future__ import annotations

from collections.abc import Container, Iterator

import polars as pl

from crm_accounts.domain.model import Activity

from .cells import CellError, parse_date
from .checks import known_cell, present_cell, required_cell
from .files import CsvFile
from .scan import DATE, SPACE

__all__ = ["activity_rows", "exact_activities"]

_COMPLETED = ("completed", "")
#: ``status.strip().lower() in _COMPLETED`` as one pattern: ``SPACE`` is the white space
#: ``str.strip`` removes, and only the letters of the word in either case lowercase to them.
_COMPLETED_TEXT = rf"^{SPACE}*(?i:completed)?{SPACE}*$"


def activity_rows(frame: pl.LazyFrame, valid: pl.Expr) -> pl.LazyFrame:
    """The columns of activities.csv as the domain's activity frame, with ``valid``."""
    completed = (
        pl.col("status").str.contains(_COMPLETED_TEXT)
        if "status" in frame.collect_schema().names()
        else pl.lit(True)
    )
    return frame.select(
        "member_id", "contact_id", DATE, completed.alias("completed"), "account_id", valid
    )


def exact_activities(file: CsvFile, known: Container[str]) -> Iterator[Activity]:
    """Every row checked (problems recorded on ``file``), each valid activity yielded."""
    for line, row in file.rows():
        columns = file.columns
        account_id, contact_id, member_id = (
            row[columns["account_id"]], row[columns["contact_id"]], row[columns["member_id"]]
        )  # fmt: skip
        raw_date = row[columns["date"]]
        try:
            if account_id not in known or not contact_id.strip() or not member_id.strip():
                raise CellError
            day = parse_date(raw_date)
        except CellError:
            known_cell(file, line, "account_id", account_id, known, "account")
            present_cell(file, line, "contact_id", contact_id)
            present_cell(file, line, "member_id", member_id)
            required_cell(file, line, row, "date", parse_date)
            continue
        status = row[columns["status"]] if "status" in columns else ""
        yield Activity(member_id, contact_id, day, status.strip().lower() in _COMPLETED, account_id)
