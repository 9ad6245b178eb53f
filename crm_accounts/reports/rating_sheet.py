"""The Rating sheet: the article's customer rating tool as live spreadsheet formulas.

Fills one openpyxl worksheet (no file I/O) from a finished
:class:`~crm_accounts.domain.method.MethodResult`: the scores the product ranked, and formulas
that recompute ranks, points and positions when a sales manager edits a score, flips a
criterion's direction or adds an account (METHOD.md 1b).

The formulas use only ``SUMPRODUCT``, ``ISNUMBER``, ``IF`` and ``SUM``, which Excel and
LibreOffice both evaluate as arrays without Ctrl+Shift+Enter. Each score column ``X`` has a
hidden "score used" column ``U`` = ``X`` when it holds a number, else ``""``: an error value
(``#N/A``, ``#DIV/0!``) or text in a score then counts as missing instead of turning every rank
of the criterion into an error. For the account ids in ``B`` and an account row ``r``:

- ``better`` = the number of accounts with a number in ``U`` that is better than ``U<r>``
  (greater, or smaller when the criterion's direction cell says ``lower``);
- ``equal`` = the number of accounts whose number equals ``U<r>`` (the account itself included);
- rank = ``better + (equal + 1) / 2``: the average of the ranks ``better+1 .. better+equal``;
- an account without a number shares the remaining ranks: ``(present + 1 + accounts) / 2``;
- a direction other than ``higher`` or ``lower`` (entry is validated, with an error alert, but
  a paste bypasses that) shows ``check row 3`` instead of a rank, and so do points and position;
- position = 1 + the number of accounts with fewer points, or equal points and more revenue, or
  equal points and revenue and an earlier id. "Earlier" is the method's plain string order
  (METHOD.md: by code point, so ``Zeta`` before ``acme``), which spreadsheets cannot compare
  (they ignore case): the product writes each id's place in that order in the "Tie order"
  column (the first id gets the highest number). Rows added by hand have no tie order: on a
  full tie they come after the product's rows, among themselves in the spreadsheet's text order.

:func:`rating_sheet` returns the value of every formula cell as the product computed it, which
the workbook stores as the formulas' cached results (readers that do not calculate show them).
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
from ..i18n import Language
from .cells import BOLD, MONEY, RATIO, WRAP, header, put, title_rows
from .scores import rating_scores

__all__ = ["CHECK_DIRECTION", "RATING_SPARE_ROWS", "rating_sheet"]

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

    @property
    def tie_column(self) -> int:
        return self.points_column + 1

    def used_column(self, index: int) -> int:
        """The hidden "score used" column of criterion ``index``."""
        return self.points_column + 2 + index

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


#: What a rank, the points and the position show when a direction is neither higher nor lower.
CHECK_DIRECTION = "check row 3"


def _used_formula(layout: _RatingLayout, index: int, row: int) -> str:
    own = f"{get_column_letter(layout.value_column(index))}{row}"
    return f'=IF(ISNUMBER({own}),{own},"")'


def _rank_formula(layout: _RatingLayout, index: int, row: int) -> str:
    score_letter = get_column_letter(layout.value_column(index))
    column = layout.used_column(index)
    letter = get_column_letter(column)
    values = layout.span(column, absolute_column=False)
    own = f"{letter}{row}"
    direction = f"{score_letter}${layout.direction_row}"
    counted = f'({layout.span(2)}<>"")*ISNUMBER({values})'
    better = (
        f'SUMPRODUCT({counted}*(({direction}="lower")*({values}<{own})'
        f'+({direction}<>"lower")*({values}>{own})))'
    )
    equal = f"SUMPRODUCT({counted}*({values}={own}))"
    missing = f"({score_letter}${layout.present_row}+1+{layout.accounts_cell})/2"
    invalid = f'({direction}<>"higher")*({direction}<>"lower")'
    return (
        f'=IF($B{row}="","",IF({invalid},"{CHECK_DIRECTION}",'
        f"IF(ISNUMBER({own}),{better}+({equal}+1)/2,{missing})))"
    )


def _points_formula(layout: _RatingLayout, row: int) -> str:
    first = get_column_letter(layout.rank_column(0))
    last = get_column_letter(layout.rank_column(layout.criteria - 1))
    ranks = f"{first}{row}:{last}{row}"
    return (
        f'=IF($B{row}="","",IF(SUMPRODUCT(--ISNUMBER({ranks}))<{layout.criteria},'
        f'"{CHECK_DIRECTION}",SUM({ranks})))'
    )


def _position_formula(layout: _RatingLayout, row: int) -> str:
    ids, revenue = layout.span(2), layout.span(4)
    points = layout.span(layout.points_column)
    ties = layout.span(layout.tie_column)
    own_points = f"${get_column_letter(layout.points_column)}{row}"
    own_tie = f"${get_column_letter(layout.tie_column)}{row}"
    earlier = f"(({ties}>{own_tie})+({ties}={own_tie})*({ids}<$B{row}))"
    return (
        f'=IF($B{row}="","",IF(ISNUMBER({own_points}),1+SUMPRODUCT(({ids}<>"")'
        f"*(({points}<{own_points})+({points}={own_points})"
        f'*(({revenue}>$D{row})+({revenue}=$D{row})*{earlier}))),"{CHECK_DIRECTION}"))'
    )


def rating_sheet(ws: Worksheet, result: MethodResult, lang: Language) -> dict[str, float | str]:
    """Fill ``ws`` with the rated accounts, their scores and the live formulas.

    Words are in ``lang``; the direction cells keep ``higher`` and ``lower`` (the formulas read
    them), and so does the ``check row 3`` a formula shows.

    Returns the value of each formula cell (by coordinate) as the product computed it.
    """
    _ = lang._
    criteria = result.rating.criteria
    rated = result.rating.accounts
    layout = _RatingLayout(len(criteria), 6, 6 + len(rated) + RATING_SPARE_ROWS - 1)
    cached: dict[str, float | str] = {layout.accounts_cell.replace("$", ""): float(len(rated))}
    ids_in_plain_order = sorted(account.account_id for account in rated)
    tie_order = {
        account_id: len(rated) - place for place, account_id in enumerate(ids_in_plain_order)
    }
    labels = [criterion.label or criterion.key for criterion in criteria]
    widths = [9, 14, 30, 16, *([14] * len(criteria)), *([16] * len(criteria)), 9]
    title_rows(
        ws, _("Customer rating as of %(day)s") % {"day": lang.day(result.as_of)},
        _("How to use: per criterion, each account is ranked against the others (1 = most "
          "interesting; equal scores share the average rank; an empty or non-numeric score "
          "ranks after all others). Points = sum of ranks; position 1 = fewest points, ties by "
          "revenue (column D, highest first), then by account id. Edit a score, set a "
          "criterion's direction (row 3: higher or lower is better), or add an account in an "
          "empty row (id, name, revenue, scores) below the list, down to row %(last)s: ranks, "
          "points and positions recompute. Full ties are broken by the Tie order column (the "
          "method's plain id order); rows added by hand come after those on a full tie.")
        % {"last": layout.last},
        layout.points_column, sum(widths),
    )  # fmt: skip
    put(ws, layout.direction_row, 4, _("Better is:")).font = BOLD
    put(ws, layout.present_row, 1, _("Accounts:")).font = BOLD
    ws[layout.accounts_cell.replace("$", "")] = f'=SUMPRODUCT(--({layout.span(2)}<>""))'
    put(ws, layout.present_row, 4, _("Scores present:")).font = BOLD
    directions = DataValidation(
        type="list", formula1='"higher,lower"', allow_blank=False, showErrorMessage=True,
        errorStyle="stop", errorTitle=_("Direction"),
        error=_("Type higher or lower: which score is better for this criterion."),
    )  # fmt: skip
    ws.add_data_validation(directions)
    for index, criterion in enumerate(criteria):
        column = layout.value_column(index)
        cell = put(ws, layout.direction_row, column, criterion.better.value)
        directions.add(cell)
        present = ws.cell(
            row=layout.present_row, column=column,
            value=f'=SUMPRODUCT(({layout.span(2)}<>"")*ISNUMBER({layout.span(layout.used_column(index))}))',
        )  # fmt: skip
        cached[present.coordinate] = float(
            sum(
                _criterion_value(result, criterion, account.account_id) is not None
                for account in rated
            )
        )
    headers = [
        _("Position"), _("Account id"), _("Name"), _("Revenue (for ties)"), *labels,
        *(_("Rank: %(criterion)s") % {"criterion": label} for label in labels), _("Points"),
        _("Tie order"),
        *(_("Score used: %(criterion)s") % {"criterion": label} for label in labels),
    ]  # fmt: skip
    widths = [*widths, 9, *([12] * len(criteria))]
    header(ws, layout.header_row, headers, widths)
    for index in range(len(criteria)):
        ws.column_dimensions[get_column_letter(layout.used_column(index))].hidden = True
    ws.row_dimensions[layout.header_row].height = 45
    for header_cell in ws[layout.header_row]:
        header_cell.alignment = WRAP
    ws.freeze_panes = f"C{layout.first}"
    score_formats = [
        MONEY if c.source in ("revenue", "margin") else RATIO if c.source in METRICS else None
        for c in criteria
    ]
    for row in range(layout.first, layout.last + 1):
        account = rated[row - layout.first] if row - layout.first < len(rated) else None
        if account is not None:
            account_id = account.account_id
            put(ws, row, 2, account_id)
            put(ws, row, 3, result.accounts[account_id].name)
            put(ws, row, 4, float(result.revenue.revenue_of(account_id)), MONEY)
            put(ws, row, layout.tie_column, tie_order[account_id])
        for index, criterion in enumerate(criteria):
            value = _criterion_value(result, criterion, account.account_id) if account else None
            put(ws, row, layout.value_column(index), value, score_formats[index])
            used = ws.cell(
                row=row, column=layout.used_column(index), value=_used_formula(layout, index, row)
            )
            rank = ws.cell(
                row=row, column=layout.rank_column(index), value=_rank_formula(layout, index, row)
            )
            cached[used.coordinate] = "" if value is None else value
            key = criterion.key
            cached[rank.coordinate] = "" if account is None else float(account.ranks[key])
        position = ws.cell(row=row, column=1, value=_position_formula(layout, row))
        points = ws.cell(row=row, column=layout.points_column, value=_points_formula(layout, row))
        cached[position.coordinate] = "" if account is None else float(account.position)
        cached[points.coordinate] = "" if account is None else float(account.points)
        if account is None:
            ws.cell(row=row, column=4).number_format = MONEY
    warnings = rating_scores(result, lang)[1]
    if warnings:
        row = layout.last + 2
        put(ws, row, 1, _("Warnings:")).font = BOLD
        for warning in warnings:
            row += 1
            put(ws, row, 1, warning)
    return cached
