"""Row iteration over one CSV file with precise problem reporting. Reads files.

:class:`CsvFile` yields ``(line, cells)`` for each data row, with the columns looked up by name,
and records every problem as an :class:`~crm_accounts.errors.InputProblem` instead of raising, so
that a whole folder is checked in one pass and all offending lines are listed together.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from crm_accounts.errors import InputProblem

__all__ = ["CsvFile", "Problems"]


@dataclass
class Problems:
    """Every problem found in a folder, in the order found."""

    items: list[InputProblem] = field(default_factory=list)

    def add(self, file: str, line: int, message: str) -> None:
        self.items.append(InputProblem(file, line, message))

    def __bool__(self) -> bool:
        return bool(self.items)


class _NulByteError(csv.Error):
    pass


def _without_nul(lines: Iterable[str]) -> Iterator[str]:
    """Refuse NUL characters: Python 3.11's csv module would take them as cell text."""
    for line in lines:
        if "\x00" in line:
            raise _NulByteError("the line contains a NUL byte (binary data, not CSV text)")
        yield line


def _line_of_bad_byte(path: Path) -> tuple[int, str]:
    """Physical line and reason of the first byte sequence that is not UTF-8."""
    for number, raw in enumerate(path.read_bytes().splitlines(), start=1):
        try:
            raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            return number, f"not UTF-8 text (byte {raw[exc.start : exc.start + 1]!r})"
    return 0, "not UTF-8 text"


@dataclass
class CsvFile:
    """One file of the source folder with its required and optional columns."""

    path: Path
    required: Sequence[str]
    problems: Problems
    columns: dict[str, int] = field(default_factory=dict)
    header: list[str] = field(default_factory=list)

    @property
    def name(self) -> str:
        """The file as the user named it (folder included), for messages."""
        return str(self.path)

    def exists(self) -> bool:
        try:
            return self.path.is_file()
        except OSError:  # a name too long, a folder without permission: reported on reading
            return False

    def problem(self, line: int, message: str) -> None:
        self.problems.add(self.name, line, message)

    def cell_problem(self, line: int, column: str, value: str, reason: str) -> None:
        self.problem(line, f"column {column!r}: value {value!r}: {reason}")

    def rows(self) -> Iterator[tuple[int, list[str]]]:
        """Data rows as ``(line, cells)``; rows of the wrong width are reported and skipped.

        A short row is padded with empty cells (trailing empty cells are often dropped by
        spreadsheet exports); a long row is an error.
        """
        try:
            with self.path.open(encoding="utf-8-sig", newline="") as handle:
                reader = csv.reader(_without_nul(handle), strict=True)
                try:
                    header = next(reader)
                except StopIteration:
                    self.problem(1, "the file is empty; expected a header row")
                    return
                if not self._read_header(header):
                    return
                width = len(self.header)
                for row in reader:
                    if len(row) == width:
                        yield reader.line_num, row
                    elif len(row) < width:
                        if not any(row):
                            continue  # a blank line
                        yield reader.line_num, row + [""] * (width - len(row))
                    else:
                        self.problem(
                            reader.line_num, f"{len(row)} cells, but the header has {width}"
                        )
        except UnicodeDecodeError:
            line, reason = _line_of_bad_byte(self.path)
            self.problem(line, reason)
        except _NulByteError as exc:
            self.problem(reader.line_num + 1, str(exc))
        except csv.Error as exc:
            self.problem(reader.line_num, f"malformed CSV: {exc}")
        except OSError as exc:
            self.problem(0, f"cannot read the file: {exc.strerror or exc}")

    def _read_header(self, header: list[str]) -> bool:
        names = [name.strip() for name in header]
        self.header = names
        self.columns = {}
        ok = True
        for index, name in enumerate(names):
            if name in self.columns:
                self.problem(1, f"column {name!r} appears twice in the header")
                ok = False
            self.columns[name] = index
        missing = [name for name in self.required if name not in self.columns]
        if missing:
            found = ", ".join(repr(n) for n in names) or "none"
            self.problem(1, f"missing required column(s) {', '.join(missing)} (found {found})")
            ok = False
        return ok
