"""Row iteration over one CSV file with precise problem reporting. Reads files.

:class:`CsvFile` yields ``(line, cells)`` for each data row, with the columns looked up by name,
and records every problem as an :class:`~crm_accounts.errors.InputProblem` instead of raising, so
that a whole folder is checked in one pass and all offending lines are listed together.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from itertools import chain
from pathlib import Path
from typing import TextIO

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


_CHUNK = 1 << 16  # characters per read: the NUL check runs once per chunk, not once per line


def _without_nul(handle: TextIO) -> Iterator[str]:
    """The lines of ``handle``, refusing NUL characters (Python 3.11's csv module would take them
    as cell text).

    Lines are read and checked a chunk at a time; ``chain.from_iterable`` then hands them to the
    csv reader without a Python frame per line. The lines before a NUL are still handed over
    first, so the reader's line count points at the line before the bad one.
    """
    return chain.from_iterable(_nul_free_chunks(handle))


def _nul_free_chunks(handle: TextIO) -> Iterator[list[str]]:
    while lines := handle.readlines(_CHUNK):
        if "\x00" in "".join(lines):
            clean = next(index for index, line in enumerate(lines) if "\x00" in line)
            yield lines[:clean]
            raise _NulByteError("the line contains a NUL byte (binary data, not CSV text)")
        yield lines


def _line_of_bad_byte(path: Path) -> tuple[int, str]:
    """Physical line and reason of the first byte sequence that is not UTF-8."""
    for number, raw in enumerate(path.read_bytes().splitlines(), start=1):
        try:
            raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            return number, f"not UTF-8 text (byte {raw[exc.start : exc.start + 1]!r})"
    return 0, "not UTF-8 text"


class _Feed:
    """The csv reader's input: lines counted as they are handed over, a pushed-back line first.

    The reader and :meth:`CsvFile.rows` take turns on one line iterator; the reader is given a
    line only when it contains a quote, and then takes as many more as the quoted cell spans.
    """

    __slots__ = ("count", "lines", "pending")

    def __init__(self, lines: Iterator[str]) -> None:
        self.lines = lines
        self.pending: str | None = None
        self.count = 0

    def __iter__(self) -> Iterator[str]:
        return self

    def __next__(self) -> str:
        line = self.pending
        if line is None:
            line = next(self.lines)
        else:
            self.pending = None
        self.count += 1
        return line


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

        A line without a quote character is split on commas here, which is what the csv module
        would do with it, minus its per-character state machine (a million accounts make 39
        million rows); every other line, and the lines a quoted cell runs on to, go through the
        csv module.
        """
        feed: _Feed | None = None
        number = 0  # lines consumed so far, outside the csv reader
        in_reader = True
        try:
            with self.path.open(encoding="utf-8-sig", newline="") as handle:
                lines = _without_nul(handle)
                feed = _Feed(lines)
                reader = csv.reader(feed, strict=True)
                try:
                    header = next(reader)
                except StopIteration:
                    self.problem(1, "the file is empty; expected a header row")
                    return
                if not self._read_header(header):
                    return
                width = len(self.header)
                limit = csv.field_size_limit()
                number = feed.count
                in_reader = False
                for text in lines:
                    number += 1
                    if '"' in text or len(text) > limit:
                        feed.pending, feed.count, in_reader = text, number - 1, True
                        row = next(reader)
                        number, in_reader = feed.count, False
                    else:
                        body = text.rstrip("\r\n")
                        row = body.split(",") if body else []
                    if len(row) == width:
                        yield number, row
                    elif len(row) < width:
                        if not any(row):
                            continue  # a blank line
                        yield number, row + [""] * (width - len(row))
                    else:
                        self.problem(number, f"{len(row)} cells, but the header has {width}")
        except UnicodeDecodeError:
            line, reason = _line_of_bad_byte(self.path)
            self.problem(line, reason)
        except _NulByteError as exc:
            consumed = feed.count if feed is not None and in_reader else number
            self.problem(consumed + 1, str(exc))
        except csv.Error as exc:
            consumed = feed.count if feed is not None and in_reader else number
            self.problem(consumed, f"malformed CSV: {exc}")
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
