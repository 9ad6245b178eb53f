"""What a CSV source folder holds, for ``crm-accounts init``: headers and values. Reads files.

Reads ``accounts.csv`` (numeric attribute columns and how many accounts fill them, a text column
that could group peers), ``revenue.csv`` (whether margins exist), ``contacts.csv`` and
``team.csv`` (the distinct role values). Nothing is written; ``activities.csv`` is not read (a
CSV folder closes tasks with ``Deferred`` whatever its statuses, METHOD.md). Each file is read
once, streaming. A folder that is missing or unreadable, or a file that breaks the CSV format, is
a :class:`~crm_accounts.errors.UsageError` naming the folder or file:line.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from crm_accounts.config import DEFAULT_TARGET_FIELDS, SOURCE_ACCOUNT_COLUMNS
from crm_accounts.errors import InputDataError, UsageError
from crm_accounts.init.facts import Choice, Field, RoleSource, SourceFacts

from .cells import CellError, parse_decimal
from .files import CsvFile, Problems

__all__ = ["PEER_COLUMNS", "CsvSurvey"]

#: Columns that group peers for whitespace (METHOD.md section 4), in order of preference.
PEER_COLUMNS = ("industry", "sector", "branche", "segment_industry")
#: Distinct role values reported per file at most (a bad export can hold thousands).
_MAX_VALUES = 200


#: A column is numeric when at least this share of its filled cells are numbers: a few typed
#: slips ("n/a", "7,5") are warned about by the rating and do not hide the column.
_NUMERIC_SHARE = 0.9
#: Past this many non-numbers (and the share above) a column is text: its cells are no longer
#: parsed, so a million names cost a thousand parse attempts, not a million.
_TEXT_AFTER = 1_000


class _Tally:
    """One accounts.csv column, counted in one pass: filled cells and cells that are no number."""

    __slots__ = ("filled", "odd")

    def __init__(self) -> None:
        self.filled = 0
        self.odd = 0

    def add(self, text: str) -> None:
        value = text.strip()
        if not value:
            return
        self.filled += 1
        if self.odd > _TEXT_AFTER and not self.numeric():
            self.odd += 1
            return
        try:
            parse_decimal(value)
        except CellError:
            self.odd += 1

    def numeric(self) -> bool:
        return self.filled > 0 and self.odd <= self.filled * (1 - _NUMERIC_SHARE)


class CsvSurvey:
    """Implements :class:`~crm_accounts.init.facts.Surveys` for one CSV folder."""

    def __init__(self, folder: Path, shown_as: str | None = None) -> None:
        self.folder = folder
        self.shown_as = shown_as or str(folder)
        self.problems = Problems()

    def _file(self, name: str, required: tuple[str, ...]) -> CsvFile | None:
        file = CsvFile(self.folder / name, required, self.problems)
        return file if file.exists() else None

    def _tallies(self, file: CsvFile) -> tuple[dict[str, _Tally], int]:
        tallies: dict[str, _Tally] = {}  # the header is read with the first row
        total = 0
        for _, row in file.rows():
            if not tallies:
                tallies = {name: _Tally() for name in file.header}
            total += 1
            for name, index in file.columns.items():
                tallies[name].add(row[index])
        return tallies, total

    def _any(self, file: CsvFile, column: str) -> bool:
        for _, row in file.rows():
            index = file.columns.get(column)
            if index is None:
                return False
            if row[index].strip():
                return True
        return False

    def survey(self) -> SourceFacts:
        """Read the folder's headers and values.

        Raises:
            UsageError: the folder is missing or is no folder, or ``accounts.csv`` is missing.
            InputDataError: a file is not readable CSV (every file:line listed).
        """
        try:
            if not self.folder.is_dir():
                raise UsageError(f"--source {self.folder}: not a folder (or not readable)")
            next(iter(self.folder.iterdir()), None)
        except OSError as exc:
            raise UsageError(f"--source {self.folder}: cannot read the folder: "
                             f"{exc.strerror or exc}") from None  # fmt: skip
        accounts = self._file("accounts.csv", ("id", "name"))
        if accounts is None:
            raise UsageError(
                f"--source {self.folder}: no accounts.csv; a CSV source needs at least "
                "accounts.csv and revenue.csv (docs/formats.md)"
            )
        columns, total = self._tallies(accounts)
        targets = set(DEFAULT_TARGET_FIELDS.values())
        numbers = tuple(
            Field(name, filled=tally.filled, total=total, odd=tally.odd)
            for name, tally in columns.items()
            if name not in SOURCE_ACCOUNT_COLUMNS and name not in targets and tally.numeric()
        )
        named: dict[str, str] = {}
        peer = next((c for c in PEER_COLUMNS if c in columns and columns[c].filled), None)
        if peer:
            named["peer_attribute"] = peer
        revenue = self._file("revenue.csv", ("account_id", "date", "amount"))
        if revenue is not None and self._any(revenue, "margin"):
            named["margin"] = "margin"
        dmu = self._roles("contacts.csv", ("id", "account_id", "name"), "dmu_roles")
        psu = self._roles("team.csv", ("account_id", "member_id", "psu_roles"), "psu_roles")
        if self.problems:
            raise InputDataError(self.problems.items)
        return SourceFacts(
            "csv", self.shown_as, dmu=dmu, psu=psu, numbers=numbers,
            named=named,
            targets={k: v for k, v in DEFAULT_TARGET_FIELDS.items() if v in columns},
        )  # fmt: skip

    def _roles(self, name: str, required: tuple[str, ...], column: str) -> RoleSource | None:
        file = self._file(name, required)
        if file is None:
            return None
        cells: Counter[str] = Counter()  # whole cells first: most rows repeat a few cells
        for _, row in file.rows():
            index = file.columns.get(column)
            if index is None:
                break
            cells[row[index]] += 1
        values: Counter[str] = Counter()
        for cell, count in cells.items():
            for value in cell.split(";"):
                if value.strip():
                    values[value.strip()] += count
        choices = tuple(Choice(v) for v, _ in values.most_common(_MAX_VALUES))
        return RoleSource(f"{name} {column}", choices)
