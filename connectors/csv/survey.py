"""What a CSV source folder holds, for ``crm-accounts init``: headers and values. Reads files.

Reads ``accounts.csv`` (numeric attribute columns and how many accounts fill them, a text column
that could group peers), ``revenue.csv`` (whether margins exist), ``contacts.csv`` and
``team.csv`` (the distinct role values) and ``activities.csv`` (its status values). Nothing is
written. A folder that is missing or unreadable, or a file that breaks the CSV format, is a
:class:`~crm_accounts.errors.UsageError` naming the folder or file:line.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from crm_accounts.config import DEFAULT_TARGET_FIELDS, SOURCE_ACCOUNT_COLUMNS
from crm_accounts.errors import InputDataError, UsageError
from crm_accounts.init.facts import Choice, Field, RoleSource, SourceFacts, Status

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


def _not_numbers(values: list[str]) -> int | None:
    """How many filled cells are not numbers, or ``None`` when the column is not numeric."""
    filled = [v.strip() for v in values if v.strip()]
    odd = 0
    for value in filled:
        try:
            parse_decimal(value)
        except CellError:
            odd += 1
    return odd if filled and odd <= len(filled) * (1 - _NUMERIC_SHARE) else None


class CsvSurvey:
    """Implements :class:`~crm_accounts.init.facts.Surveys` for one CSV folder."""

    def __init__(self, folder: Path, shown_as: str | None = None) -> None:
        self.folder = folder
        self.shown_as = shown_as or str(folder)
        self.problems = Problems()

    def _file(self, name: str, required: tuple[str, ...]) -> CsvFile | None:
        file = CsvFile(self.folder / name, required, self.problems)
        return file if file.exists() else None

    def _columns(self, file: CsvFile) -> dict[str, list[str]]:
        rows = list(file.rows())
        return {name: [row[i] for _, row in rows] for name, i in file.columns.items()}

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
        columns = self._columns(accounts)
        targets = set(DEFAULT_TARGET_FIELDS.values())
        total = len(next(iter(columns.values()), []))
        numbers = tuple(
            Field(name, filled=sum(1 for v in values if v.strip()), total=total, odd=odd)
            for name, values in columns.items()
            if name not in SOURCE_ACCOUNT_COLUMNS and name not in targets
            and (odd := _not_numbers(values)) is not None
        )  # fmt: skip
        named: dict[str, str] = {}
        peer = next((c for c in PEER_COLUMNS if c in columns and any(columns[c])), None)
        if peer:
            named["peer_attribute"] = peer
        revenue = self._file("revenue.csv", ("account_id", "date", "amount"))
        if revenue is not None:
            margins = self._columns(revenue).get("margin", [])
            if any(v.strip() for v in margins):
                named["margin"] = "margin"
        dmu = self._roles("contacts.csv", ("id", "account_id", "name"), "dmu_roles")
        psu = self._roles("team.csv", ("account_id", "member_id", "psu_roles"), "psu_roles")
        statuses = self._statuses()
        if self.problems:
            raise InputDataError(self.problems.items)
        return SourceFacts(
            "csv", self.shown_as, dmu=dmu, psu=psu, numbers=numbers, statuses=statuses,
            named=named,
            targets={k: v for k, v in DEFAULT_TARGET_FIELDS.items() if v in columns},
        )  # fmt: skip

    def _roles(self, name: str, required: tuple[str, ...], column: str) -> RoleSource | None:
        file = self._file(name, required)
        if file is None:
            return None
        values: Counter[str] = Counter()
        for _, row in file.rows():
            index = file.columns.get(column)
            if index is None:
                break
            values.update(v.strip() for v in row[index].split(";") if v.strip())
        choices = tuple(Choice(v) for v, _ in values.most_common(_MAX_VALUES))
        return RoleSource(f"{name} {column}", choices)

    def _statuses(self) -> tuple[Status, ...]:
        file = self._file("activities.csv", ("account_id", "contact_id", "member_id", "date"))
        if file is None:
            return ()
        seen: Counter[str] = Counter()
        for _, row in file.rows():
            index = file.columns.get("status")
            if index is None:
                break
            seen[row[index].strip()] += 1
        # CONTRACTS.md: "completed" or empty counts as done, "open" does not; others are closed.
        return tuple(Status(v, v.lower() != "open") for v, _ in seen.most_common(_MAX_VALUES) if v)
