"""Physical CSV records with their exact text, and the atomic file rewrite. Does I/O.

The write side changes a few rows of files that people also edit by hand. Re-serialising a whole
file would re-quote rows nobody touched and turn every save into a noisy diff, so a file is read
as :class:`Record` values (the cells *and* the raw text, line ending included) and every record
that does not change is written back verbatim.

Line endings: each record keeps its own (``\\r\\n``, ``\\n`` or ``\\r``; files with mixed endings
stay mixed). A record that is rewritten keeps the ending it had; a record added to a file takes
the header's ending; a new file uses ``\\n``, like the product's exports. Quoting: a rewritten cell
is quoted only when it must be (a comma, a quote or a line break in it), quotes doubled.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Generator, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final, TextIO

from crm_accounts.errors import FatalConnectorError, SourceChangedError
from crm_accounts.safefile import FileIdentity, file_identity, write_atomically

from .files import _line_of_bad_byte

__all__ = [
    "NEW_FILE_EOL",
    "NOT_READ",
    "MalformedFileError",
    "Record",
    "format_cell",
    "format_row",
    "read_records",
    "rewrite_file",
]

NEW_FILE_EOL = "\n"
_BOM = "\ufeff"
_NEEDS_QUOTES = frozenset(',"\r\n')


class MalformedFileError(Exception):
    """The file cannot be read as CSV at ``line`` (1-based; 0 when not known)."""

    def __init__(self, line: int, message: str) -> None:
        self.line = line
        self.message = message
        super().__init__(f"line {line}: {message}")


@dataclass(frozen=True, slots=True)
class Record:
    """One CSV record: its first physical line, its exact text and its cells.

    A blank line is a record without cells. The header's cells have the byte-order mark removed;
    its ``raw`` text keeps it.
    """

    line: int
    raw: str
    cells: list[str]

    @property
    def eol(self) -> str:
        """The record's line ending, ``""`` for a last line without one."""
        raw = self.raw
        if raw.endswith("\r\n"):
            return "\r\n"
        if raw.endswith(("\n", "\r")):
            return raw[-1]
        return ""

    @property
    def body(self) -> str:
        """The raw text without the line ending."""
        return self.raw[: len(self.raw) - len(self.eol)]

    def with_cells_appended(self, cells: Iterable[str]) -> str:
        """The raw text with ``cells`` added at the end of the record, before its line ending."""
        cells = list(cells)
        return self.body + ("," + _joined(cells) if cells else "") + self.eol


def format_cell(text: str) -> str:
    """One cell, quoted only when needed (RFC 4180: a comma, a quote or a line break)."""
    if _NEEDS_QUOTES.isdisjoint(text):
        return text
    return '"' + text.replace('"', '""') + '"'


def format_row(cells: Sequence[str], eol: str) -> str:
    return _joined(cells) + eol


def _joined(cells: Sequence[str]) -> str:
    line = ",".join(cells)
    # Fast path for the common row that needs no quotes (a million rows on a full sync).
    if line.count(",") == len(cells) - 1 and not ('"' in line or "\n" in line or "\r" in line):
        return line
    return ",".join(format_cell(cell) for cell in cells)


def read_records(path: Path) -> Generator[Record, None, None]:
    """The records of ``path`` in order, read lazily (one record in memory at a time).

    Raises:
        MalformedFileError: text that is not UTF-8, a NUL byte, or broken quoting; the records
            before the bad one have been yielded.
        OSError: the file cannot be read.
    """
    consumed: list[str] = []
    count = 0

    def lines(handle: TextIO) -> Iterator[str]:
        nonlocal count
        for line in handle:
            count += 1
            if "\x00" in line:
                raise MalformedFileError(
                    count, "the line contains a NUL byte (binary data, not CSV text)"
                )
            consumed.append(line)
            # The byte-order mark stays in the raw text but is no part of the first cell.
            yield line[1:] if count == 1 and line.startswith(_BOM) else line

    # newline="" keeps line endings as they are, inside quoted cells too (csv module docs).
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(lines(handle), strict=True)
        start = 1
        try:
            for cells in reader:
                raw = "".join(consumed)
                consumed.clear()
                yield Record(start, raw, cells)
                start = count + 1
        except UnicodeDecodeError:
            line, reason = _line_of_bad_byte(path)
            raise MalformedFileError(line, reason) from None
        except csv.Error as exc:
            raise MalformedFileError(count, f"malformed CSV: {exc}") from None


#: ``expected`` for :func:`rewrite_file` when the file was not read before.
NOT_READ: Final = object()


def rewrite_file(
    path: Path, produce: Callable[[TextIO], bool], expected: object = NOT_READ
) -> FileIdentity | None:
    """Replace ``path`` safely with what ``produce`` writes, if it reports a change.

    ``produce`` writes the whole new content to a temporary file of the same folder
    (:func:`crm_accounts.safefile.write_atomically`) and returns whether it differs from the
    current file. The file must still be the one the run read (``expected``: its
    :func:`~crm_accounts.safefile.file_identity` when read, ``None`` when it did not exist),
    and must not change while it is rewritten; otherwise nothing is replaced, so an edit
    someone saved meanwhile is kept. Without a change ``path`` is left alone, not even its
    modification time changes. Returns the identity of the file now in place.

    Raises:
        SourceChangedError: the file changed since it was read, or while it was rewritten.
        FatalConnectorError: the file cannot be written or replaced (no space, no permission).
    """
    before = file_identity(path)
    if expected is not NOT_READ and before != expected:
        raise _changed(path, "since this run read it")

    def still_the_same() -> None:
        if file_identity(path) != before:
            raise _changed(path, "while this run rewrote it")

    try:
        write_atomically(path, produce, verify=still_the_same)
    except OSError as exc:
        raise FatalConnectorError(f"{path}: cannot write the file: {exc.strerror or exc}") from exc
    return file_identity(path)


def _changed(path: Path, when: str) -> SourceChangedError:
    return SourceChangedError(
        f"{path} changed {when} (someone saved it, or another program wrote it); it was left as"
        " it is, with that change, and this run's changes to it were not written: run again"
    )


def header_columns(header: Record, required: Sequence[str]) -> dict[str, int]:
    """Column positions by (trimmed) name.

    Raises:
        MalformedFileError: a column appears twice or a ``required`` column is missing.
    """
    columns: dict[str, int] = {}
    for index, cell in enumerate(header.cells):
        name = cell.strip()
        if name in columns:
            raise MalformedFileError(header.line, f"column {name!r} appears twice in the header")
        columns[name] = index
    missing = [name for name in required if name not in columns]
    if missing:
        found = ", ".join(repr(name) for name in columns) or "none"
        raise MalformedFileError(
            header.line, f"missing required column(s) {', '.join(missing)} (found {found})"
        )
    return columns
