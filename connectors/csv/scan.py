"""The fast pass over one file of the source folder: polars reads it as text. Reads files.

:func:`scan` returns the file as a frame of strings, or ``None`` ("flagged") when anything about
the file is out of the ordinary: no file, an empty file, a NUL byte, a quote character, a lone
carriage return, a header with repeated or missing columns, a row with too many cells, text that
is not UTF-8. The checks on cells (:func:`flag`) then say which values the fast pass accepts:
deliberately fewer than the contract allows, so whatever they refuse, the exact row reader
(:mod:`.files`) re-reads and either accepts with the same result or reports with its message.

Nothing is cast before its text is checked: engines accept ``1e3``, loose dates and ``1.235``
rounded to two places, none of which the contract does.
"""

from __future__ import annotations

import csv
import mmap
import re
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import TypeVar

import polars as pl

from .cells import CellError

__all__ = [
    "DATE",
    "SPACE",
    "blank",
    "checked",
    "flagged",
    "is_date",
    "mapped",
    "scan",
    "scan_lazily",
    "translated",
    "visible",
]

T = TypeVar("T")
_BOM = b"\xef\xbb\xbf"
_LONE_CR = re.compile(rb"\r(?!\n)")
#: A date as the contract writes it; the cast then refuses the days that do not exist.
_DATE_TEXT = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
#: Characters ``str.strip`` removes: Unicode white space, plus the separators \x1c-\x1f.
SPACE = r"[\s\x1c-\x1f]"
DATE = pl.col("date").str.to_date("%Y-%m-%d", strict=False)


def scan(path: Path, required: Iterable[str]) -> pl.DataFrame | None:
    """``path`` as a frame of strings with the header's names (stripped), or ``None``."""
    header = _header(path, required)
    if header is None:
        return None
    try:
        frame = pl.read_csv(
            path, infer_schema=False, new_columns=header, encoding="utf8", quote_char=None
        )
    except pl.exceptions.PolarsError:
        return None
    if frame.width != len(header):
        return None
    return frame.with_columns(pl.all().fill_null(""))


def scan_lazily(path: Path, required: Iterable[str]) -> pl.LazyFrame | None:
    """:func:`scan` as a lazy query, read in batches by the streaming engine when collected (a
    row with too many cells or text that is not UTF-8 then fails the collect, which the
    consumer treats as a failed check)."""
    header = _header(path, required)
    if header is None:
        return None
    lazy = pl.scan_csv(
        path, infer_schema=False, new_columns=header, encoding="utf8", quote_char=None
    )
    return lazy.with_columns(pl.all().fill_null(""))


def _header(path: Path, required: Iterable[str]) -> list[str] | None:
    """The stripped column names when the file passes the checks on its bytes and header."""
    try:
        with path.open("rb") as handle, mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as m:
            if m.find(b"\x00") >= 0 or m.find(b'"') >= 0:
                return None
            if m.find(b"\r") >= 0 and _LONE_CR.search(m) is not None:  # find: memchr-fast
                return None
            first = m.readline()
    except (OSError, ValueError):  # missing, unreadable, empty (mmap refuses zero bytes)
        return None
    try:
        text = first.removeprefix(_BOM).decode("utf-8")
    except UnicodeDecodeError:
        return None
    header = [name.strip() for name in next(csv.reader([text]), [])]
    if len(set(header)) != len(header) or not set(required) <= set(header):
        return None
    return header


def blank(column: str) -> pl.Expr:
    """True where the cell is empty after ``str.strip``."""
    return ~pl.col(column).str.contains(f"[^{SPACE[1:-1]}]")


def visible(column: str) -> pl.Expr:
    """True where the cell holds something besides white space."""
    return ~blank(column)


def is_date(column: str = "date") -> pl.Expr:
    """True where the cell is a date as the contract writes it (the engine also takes the year
    0, which Python's dates do not have)."""
    text = pl.col(column)
    return text.str.contains(_DATE_TEXT) & DATE.is_not_null() & ~text.str.starts_with("0000")


def mapped(
    frame: pl.DataFrame, column: str, parse: Callable[[str], T], default: T
) -> tuple[list[T], bool]:
    """Each cell of ``column`` parsed (once per distinct text), or ``default`` when the column is
    absent; ``False`` when a cell does not parse (the exact reader then reports it)."""
    if column not in frame.columns:
        return [default] * frame.height, True
    values: dict[str, T] = {}
    for raw in frame[column].unique().to_list():
        try:
            values[raw] = parse(raw)
        except CellError:
            return [], False
    return [values[raw] for raw in frame[column].to_list()], True


def translated(
    frame: pl.DataFrame,
    column: str,
    parse: Callable[[str], T],
    convert: Callable[[T], object],
    default: T,
    dtype: pl.DataType | type[pl.DataType],
) -> pl.Series | None:
    """:func:`mapped` as a column: each distinct text parsed and converted once, then joined
    back; ``None`` when a cell does not parse."""
    if column not in frame.columns:
        return pl.Series(column, [convert(default)] * frame.height, dtype)
    distinct = frame[column].unique()
    values = []
    for raw in distinct.to_list():
        try:
            values.append(convert(parse(raw)))
        except CellError:
            return None
    table = pl.DataFrame({"raw": distinct, column: pl.Series(values, dtype=dtype)})
    joined = frame.select(pl.col(column).alias("raw")).join(
        table, on="raw", how="left", maintain_order="left"
    )
    return joined[column]


def checked(checks: Mapping[str, pl.Expr]) -> pl.Expr:
    """True for a row that passes every check (the ``valid`` column of the domain's frames).
    It reads every column, so that a row with too many cells fails the collect (the reader
    counts a row's cells only when it reads all of them)."""
    return pl.all_horizontal(True, *checks.values(), pl.all().is_not_null()).alias("valid")


def flagged(frame: pl.DataFrame, checks: Mapping[str, pl.Expr]) -> bool:
    """True when any row fails any of the checks (named for the reader of the code)."""
    if not checks or frame.is_empty():
        return False
    return not bool(frame.select(pl.all_horizontal(*checks.values()).all()).item())
