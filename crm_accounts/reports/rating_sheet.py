"""The Rating sheet: the article's customer rating tool as live spreadsheet formulas.

Fills one openpyxl worksheet (no file I/O) from a finished
:class:`~crm_accounts.domain.method.MethodResult`: the scores the product ranked, and formulas
that recompute ranks, points and positions when a sales manager edits a score, flips a
criterion's direction or adds an account (METHOD.md 1b).

The formulas use only ``SUMPRODUCT``, ``ISNUMBER``, ``IF`` and ``SUM``, which Excel and
LibreOffice both evaluate as arrays without Ctrl+Shift+Enter. For a criterion column ``X``, the
account ids in ``B`` and an account row ``r``:

- ``better`` = the number of accounts with a number in ``X`` that is better than ``X<r>``
  (greater, or smaller when the criterion's direction cell says ``lower``);
- ``equal`` = the number of accounts whose number equals ``X<r>`` (the account itself included);
- rank = ``better + (equal + 1) / 2``: the average of the ranks ``better+1 .. better+equal``;
- an account without a number shares the remaining ranks: ``(present + 1 + accounts) / 2``;
- position = 1 + the number of accounts with fewer points, or equal points and more revenue, or
  equal points and revenue and a smaller id.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from ..domain.method import MethodResult
from ..domain.rating import criterion_value
from ..domain.settings import METRICS, CriterionSettings
from .cells import BOLD, MONEY, RATIO, WRAP, header, put, title_rows

__all__ = ["RATING_SPARE_ROWS", "rating_sheet"]

#: Empty, pre-formulated rows under the rated accounts, for accounts a manager adds by hand.
RATING_SPARE_ROWS = 20


@dataclass(frozen=True, slots=True)
class _RatingLayout:
    """Where the Rating sheet keeps what; rows and columns are 1-based."""

    criteria: int
    first: int  # first account row
    last: int  # last pre-formulated row
    direction_row: int = 3
    present_row: int = 4
    header_row: int = 5
    accounts_cell: str = "$B$4"

    def value_column(self, index: int) -> int:
        return 5 + index  # A position, B id, C name, D revenue, then the scores

    def rank_column(self, index: int) -> int:
        return 5 + self.criteria + index

    @property
    def points_column(self) -> int:
        return 5 + 2 * self.criteria

    def span(self, column: int, absolute_column: bool = True) -> str:
        letter = get_column_letter(column)
        dollar = "$" if absolute_column else ""
        return f"{dollar}{letter}${self.first}:{dollar}{letter}${self.last}"


def _criterion_value(result: MethodResult, criterion: CriterionSettings, account_id: str) -> Any:
    """The number the product ranked, as a spreadsheet number; ``None`` when missing."""
    value, _ = criterion_value(
        criterion, account_id, result.revenue.metric, lambda a: result.accounts[a].attributes
    )
    return None if value is None else float(value)


def _rank_formula(layout: _RatingLayout, index: int, row: int) -> str:
    column = layout.value_column(index)
    letter = get_column_letter(column)
    values = layout.span(column, absolute_column=False)
    own = f"{letter}{row}"
    direction = f"{letter}${layout.direction_row}"
    counted = f'({layout.span(2)}<>"")*ISNUMBER({values})'
    better = (
        f'SUMPRODUCT({counted}*(({direction}="lower")*({values}<{own})'
        f'+({direction}<>"lower")*({values}>{own})))'
    )
    equal = f"SUMPRODUCT({counted}*({values}={own}))"
    missing = f"({letter}${layout.present_row}+1+{layout.accounts_cell})/2"
    return f'=IF($B{row}="","",IF(ISNUMBER({own}),{better}+({equal}+1)/2,{missing}))'


def _position_formula(layout: _RatingLayout, row: int) -> str:
    ids, revenue = layout.span(2), layout.span(4)
    points = layout.span(layout.points_column)
    own_points = f"${get_column_letter(layout.points_column)}{row}"
    return (
        f'=IF($B{row}="","",1+SUMPRODUCT(({ids}<>"")*(({points}<{own_points})'
        f"+({points}={own_points})*(({revenue}>$D{row})+({revenue}=$D{row})*({ids}<$B{row})))))"
    )


def rating_sheet(ws: Worksheet, result: MethodResult) -> None:
    """Fill ``ws`` with the rated accounts, their scores and the live formulas."""
    criteria = result.rating.criteria
    rated = result.rating.accounts
    layout = _RatingLayout(len(criteria), 6, 6 + len(rated) + RATING_SPARE_ROWS - 1)
    labels = [criterion.label or criterion.key for criterion in criteria]
    widths = [9, 14, 30, 16, *([14] * len(criteria)), *([16] * len(criteria)), 9]
    title_rows(
        ws, f"Customer rating as of {result.as_of.isoformat()}",
        "How to use: per criterion, each account is ranked against the others (1 = most "
        "interesting; equal scores share the average rank; an empty or non-numeric score ranks "
        "after all others). Points = sum of ranks; position 1 = fewest points, ties by revenue "
        "(column D, highest first), then by account id. Edit a score, set a criterion's "
        "direction (row 3: higher or lower is better), or add an account in an empty row "
        f"(id, name, revenue, scores) below the list, down to row {layout.last}: ranks, points "
        "and positions recompute. Ids are compared as the spreadsheet compares text.",
        layout.points_column, sum(widths),
    )  # fmt: skip
    put(ws, layout.direction_row, 4, "Better is:").font = BOLD
    put(ws, layout.present_row, 1, "Accounts:").font = BOLD
    ws[layout.accounts_cell.replace("$", "")] = f'=SUMPRODUCT(--({layout.span(2)}<>""))'
    put(ws, layout.present_row, 4, "Scores present:").font = BOLD
    directions = DataValidation(type="list", formula1='"higher,lower"', allow_blank=False)
    ws.add_data_validation(directions)
    for index, criterion in enumerate(criteria):
        column = layout.value_column(index)
        cell = put(ws, layout.direction_row, column, criterion.better.value)
        directions.add(cell)
        ws.cell(
            row=layout.present_row, column=column,
            value=f'=SUMPRODUCT(({layout.span(2)}<>"")*ISNUMBER({layout.span(column)}))',
        )  # fmt: skip
    headers = [
        "Position", "Account id", "Name", "Revenue (for ties)", *labels,
        *(f"Rank: {label}" for label in labels), "Points",
    ]  # fmt: skip
    header(ws, layout.header_row, headers, widths)
    ws.row_dimensions[layout.header_row].height = 45
    for header_cell in ws[layout.header_row]:
        header_cell.alignment = WRAP
    ws.freeze_panes = f"C{layout.first}"
    score_formats = [
        MONEY if c.source in ("revenue", "margin") else RATIO if c.source in METRICS else None
        for c in criteria
    ]
    first_rank = get_column_letter(layout.rank_column(0))
    last_rank = get_column_letter(layout.rank_column(len(criteria) - 1))
    for row in range(layout.first, layout.last + 1):
        account = rated[row - layout.first] if row - layout.first < len(rated) else None
        if account is not None:
            account_id = account.account_id
            put(ws, row, 2, account_id)
            put(ws, row, 3, result.accounts[account_id].name)
            put(ws, row, 4, float(result.revenue.revenue_of(account_id)), MONEY)
        for index, criterion in enumerate(criteria):
            value = _criterion_value(result, criterion, account.account_id) if account else None
            put(ws, row, layout.value_column(index), value, score_formats[index])
            ws.cell(
                row=row, column=layout.rank_column(index), value=_rank_formula(layout, index, row)
            )
        ws.cell(row=row, column=1, value=_position_formula(layout, row))
        ws.cell(
            row=row, column=layout.points_column,
            value=f'=IF($B{row}="","",SUM({first_rank}{row}:{last_rank}{row}))',
        )  # fmt: skip
        if account is None:
            ws.cell(row=row, column=4).number_format = MONEY
    if result.rating.warnings:
        row = layout.last + 2
        put(ws, row, 1, "Warnings:").font = BOLD
        for warning in result.rating.warnings:
            row += 1
            put(ws, row, 1, warning)
