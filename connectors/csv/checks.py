"""Checks of one cell that record a problem on the file when they fail. No I/O of their own."""

from __future__ import annotations

from collections.abc import Callable, Container
from typing import TypeVar

from .cells import CellError
from .files import CsvFile

__all__ = ["known_cell", "parsed_cell", "present_cell", "required_cell"]

T = TypeVar("T")


def present_cell(file: CsvFile, line: int, column: str, value: str) -> bool:
    if value.strip():
        return True
    file.problem(line, f"column {column!r}: a value is required")
    return False


def known_cell(
    file: CsvFile, line: int, column: str, value: str, known: Container[str], what: str
) -> bool:
    if not present_cell(file, line, column, value):
        return False
    if value in known:
        return True
    file.cell_problem(line, column, value, f"unknown {what} (not in {what}s.csv)")
    return False


def parsed_cell(
    file: CsvFile, line: int, row: list[str], column: str, parse: Callable[[str], T], default: T
) -> tuple[T, bool]:
    """Parse an optional column: ``(default, True)`` when absent, ``(default, False)`` when bad."""
    if column not in file.columns:
        return default, True
    raw = row[file.columns[column]]
    try:
        return parse(raw), True
    except CellError as exc:
        file.cell_problem(line, column, raw, str(exc))
        return default, False


def required_cell(
    file: CsvFile, line: int, row: list[str], column: str, parse: Callable[[str], T]
) -> T | None:
    """Parse a required column; ``None`` (and a recorded problem) when empty or bad."""
    raw = row[file.columns[column]]
    if not raw.strip():
        file.problem(line, f"column {column!r}: a value is required")
        return None
    value, ok = parsed_cell(file, line, row, column, parse, None)
    return value if ok else None
