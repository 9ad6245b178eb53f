"""Cell-level helpers the workbook's sheets share: number formats, fonts, safe writes.

No file I/O; these only fill openpyxl worksheets.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.worksheet import Worksheet

__all__ = [
    "BOLD", "DATE", "HEADER_BORDER", "INTEGER", "MONEY", "NOTE", "RATIO", "SHARE", "TITLE", "WRAP",
    "clean", "header", "put", "title_rows",
]  # fmt: skip

MONEY = "#,##0.00"
SHARE = "0.0%"
RATIO = "0.00"
DATE = "yyyy-mm-dd"
INTEGER = "0"

BOLD = Font(bold=True)
TITLE = Font(bold=True, size=14)
NOTE = Font(italic=True)
WRAP = Alignment(wrap_text=True, vertical="top")
HEADER_BORDER = Border(bottom=Side(style="thin"))


def clean(text: str) -> str:
    """Text as a cell may hold it: without the control characters XML refuses."""
    return ILLEGAL_CHARACTERS_RE.sub("", text)


def put(ws: Worksheet, row: int, column: int, value: Any, number_format: str | None = None) -> Cell:
    """Write one value; text is always text, even when it starts with ``=`` (no injection)."""
    cell = cast(Cell, ws.cell(row=row, column=column))  # never a merged cell here
    if isinstance(value, str):
        cell.value = clean(value)
        cell.data_type = "s"
    else:
        cell.value = value
    if number_format is not None:
        cell.number_format = number_format
    return cell


def title_rows(ws: Worksheet, title: str, note: str, width: int, chars: int = 120) -> None:
    """Title on row 1, the note merged over ``width`` columns (about ``chars`` wide) on row 2."""
    put(ws, 1, 1, title).font = TITLE
    note_cell = put(ws, 2, 1, note)
    note_cell.font = NOTE
    note_cell.alignment = WRAP
    ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=max(width, 1))
    ws.row_dimensions[2].height = 15 * (1 + len(note) // max(chars, 40))
    # printed landscape, one page wide
    ws.page_setup.orientation = "landscape"
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    ws.page_setup.fitToHeight = 0


def header(ws: Worksheet, row: int, labels: Sequence[str], widths: Sequence[float]) -> None:
    for column, (label, width) in enumerate(zip(labels, widths, strict=True), start=1):
        cell = put(ws, row, column, label)
        cell.font = BOLD
        cell.border = HEADER_BORDER
        ws.column_dimensions[get_column_letter(column)].width = width
