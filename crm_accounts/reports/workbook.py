"""The Excel workbook: the report's tables, a live customer-rating sheet, DMU-PSU matrices.

Writes one ``.xlsx`` file with openpyxl (file I/O); reads a finished
:class:`~crm_accounts.domain.method.MethodResult` and never computes the method again, except
that the Rating sheet recomputes ranks, points and positions with spreadsheet formulas, so that a
sales manager can edit scores and see the rating change (METHOD.md 1b).

The rating formulas use only ``SUMPRODUCT``, ``ISNUMBER``, ``IF`` and ``SUM``, which Excel and
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

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any, cast

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.formatting.rule import Rule
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.styles.differential import DifferentialStyle
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from ..domain.contact_plan import PairStatus
from ..domain.method import MethodResult
from ..domain.model import Segment
from ..domain.rating import parse_number
from ..domain.segmentation import GROUPS
from ..domain.settings import METRICS, CriterionSettings
from ..services.export import (
    GAP_COLUMNS,
    PLAN_COLUMNS,
    SEGMENT_COLUMNS,
    gap_rows,
    plan_rows,
    segment_rows,
)
from ..sync.report import Movement
from .matrix import AccountMatrix, top_accounts
from .palette import NOT_PLANNED, SEGMENT_COLOURS, STATUS_COLOURS, STATUS_LABELS

__all__ = ["MATRIX_LIMIT", "RATING_SPARE_ROWS", "write_workbook"]

#: At most this many DMU-PSU matrix sheets: rated accounts by position, then segment A by revenue.
MATRIX_LIMIT = 50
#: Empty, pre-formulated rows under the rated accounts, for accounts a manager adds by hand.
RATING_SPARE_ROWS = 20

MONEY = "#,##0.00"
SHARE = "0.0%"
RATIO = "0.00"
DATE = "yyyy-mm-dd"
INTEGER = "0"
_KINDS = {
    "revenue": MONEY, "margin": MONEY, "avg_revenue": MONEY,
    "revenue_share": SHARE, "cumulative_share": SHARE, "dmu_coverage": SHARE,
    "products_per_year": RATIO, "days_overdue": INTEGER,
    "position_before": INTEGER, "position_now": INTEGER,
    "last_contact": DATE, "due_date": DATE, "planned_date": DATE,
}  # fmt: skip
_WIDTHS = {MONEY: 14, SHARE: 11, RATIO: 11, DATE: 12, INTEGER: 9}
_WIDE = {"name": 30, "account": 30, "member": 22, "contact": 24, "key": 32, "reason": 16}
_LABELS = {"account_id": "Account id", "dmu_coverage": "DMU coverage", "key": "Task key"}

_BOLD = Font(bold=True)
_TITLE = Font(bold=True, size=14)
_NOTE = Font(italic=True)
_WRAP = Alignment(wrap_text=True, vertical="top")
_CENTER = Alignment(horizontal="center")
_HEADER_BORDER = Border(bottom=Side(style="thin"))
_STATUS_FILLS = {
    key: PatternFill("solid", fgColor=colour) for key, colour in STATUS_COLOURS.items()
}
_SEGMENT_FILLS = {
    key: PatternFill("solid", fgColor=colour) for key, colour in SEGMENT_COLOURS.items()
}
# Text on the two dark segment colours must be white to stay readable.
_SEGMENT_FONTS = {
    key: Font(color="FFFFFF" if key in (Segment.A.value, Segment.B.value) else "000000")
    for key in SEGMENT_COLOURS
}
_RESERVED_TITLES = {"history"}  # Excel refuses a sheet named History
_FORBIDDEN_IN_TITLE = str.maketrans(dict.fromkeys("[]:*?/\\", "_"))


def write_workbook(result: MethodResult, path: Path, *, movements: Sequence[Movement] = ()) -> Path:
    """Write the workbook of ``result`` to ``path`` (replaced if it exists) and return ``path``.

    Sheets: Segments, Groups, Rating (live formulas), Gaps, Plan, Movements, Matrices (an index)
    and one DMU-PSU matrix sheet per top account, at most :data:`MATRIX_LIMIT`.

    Args:
        movements: segment and rating-position changes since the previous sync, as
            :func:`crm_accounts.sync.report.movements` returns them.
    """
    book = Workbook()
    titles = _Titles()
    _segments_sheet(_sheet(book, titles, "Segments"), result)
    _groups_sheet(_sheet(book, titles, "Groups"), result)
    _rating_sheet(_sheet(book, titles, "Rating"), result)
    _gaps_sheet(_sheet(book, titles, "Gaps"), result)
    _plan_sheet(_sheet(book, titles, "Plan"), result)
    _movements_sheet(_sheet(book, titles, "Movements"), result, movements)
    index = _sheet(book, titles, "Matrices")
    _matrix_sheets(book, index, titles, result)
    book.remove(book.worksheets[0])  # the empty sheet every new Workbook starts with
    book.save(path)
    return path


class _Titles:
    """Valid, unique sheet titles: at most 31 characters, none of ``[]:*?/\\``."""

    def __init__(self) -> None:
        self._used: set[str] = set(_RESERVED_TITLES)

    def take(self, wanted: str) -> str:
        # Excel also refuses a title that starts or ends with an apostrophe
        text = _clean(wanted).translate(_FORBIDDEN_IN_TITLE)
        base = text.strip().strip("'")[:31].strip().strip("'") or "Sheet"
        title, number = base, 2
        while title.casefold() in self._used:  # Excel compares sheet titles ignoring case
            suffix = f" ({number})"
            title, number = base[: 31 - len(suffix)].rstrip() + suffix, number + 1
        self._used.add(title.casefold())
        return title


def _sheet(book: Workbook, titles: _Titles, title: str) -> Worksheet:
    sheet: Worksheet = book.create_sheet(titles.take(title))
    return sheet


def _clean(text: str) -> str:
    """Text as a cell may hold it: without the control characters XML refuses."""
    return ILLEGAL_CHARACTERS_RE.sub("", text)


def _put(
    ws: Worksheet, row: int, column: int, value: Any, number_format: str | None = None
) -> Cell:
    """Write one value; text is always text, even when it starts with ``=`` (no injection)."""
    cell = cast(Cell, ws.cell(row=row, column=column))  # never a merged cell here
    if isinstance(value, str):
        cell.value = _clean(value)
        cell.data_type = "s"
    else:
        cell.value = value
    if number_format is not None:
        cell.number_format = number_format
    return cell


def _title_rows(ws: Worksheet, title: str, note: str, width: int, chars: int = 120) -> None:
    """Title on row 1, the note merged over ``width`` columns (about ``chars`` wide) on row 2."""
    _put(ws, 1, 1, title).font = _TITLE
    note_cell = _put(ws, 2, 1, note)
    note_cell.font = _NOTE
    note_cell.alignment = _WRAP
    ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=max(width, 1))
    ws.row_dimensions[2].height = 15 * (1 + len(note) // max(chars, 40))
    # printed landscape, one page wide
    ws.page_setup.orientation = "landscape"
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.fitToHeight = 0


def _header(ws: Worksheet, row: int, labels: Sequence[str], widths: Sequence[float]) -> None:
    for column, (label, width) in enumerate(zip(labels, widths, strict=True), start=1):
        cell = _put(ws, row, column, label)
        cell.font = _BOLD
        cell.border = _HEADER_BORDER
        ws.column_dimensions[get_column_letter(column)].width = width


def _label(column: str) -> str:
    return _LABELS.get(column, column.replace("_", " ").capitalize())


def _table(
    ws: Worksheet, title: str, note: str, columns: Sequence[str], rows: Iterable[Mapping[str, str]]
) -> int:
    """Title, note, header on row 4, then one row per mapping; returns the last row written."""
    formats = [_KINDS.get(column) for column in columns]
    _title_rows(ws, title, note, len(columns))
    widths = [
        _WIDE.get(column, _WIDTHS.get(fmt, 14) if fmt else 14)
        for column, fmt in zip(columns, formats, strict=True)
    ]
    _header(ws, 4, [_label(column) for column in columns], widths)
    ws.freeze_panes = "B5"
    for _ in range(ws.max_row, 4):
        ws.append([])  # appending continues under the header
    row = 4
    for record in rows:
        # append() is much cheaper than cell() for tens of thousands of rows
        ws.append([_table_cell(ws, record.get(n, ""), f) for n, f in zip(columns, formats)])  # noqa: B905
        row += 1
    if row > 4:
        ws.auto_filter.ref = f"A4:{get_column_letter(len(columns))}{row}"
    return row


def _table_cell(ws: Worksheet, text: str, number_format: str | None) -> Any:
    """An export cell (text) as the value its column holds: a number, a date or text."""
    if not text:
        return None
    if number_format is None:
        if text.startswith("="):  # text, never a formula
            return _text_cell(ws, text)
        return _clean(text)
    if number_format == DATE:
        value: Any = date.fromisoformat(text)
    elif number_format == INTEGER:
        value = int(text)
    else:
        value = float(Decimal(text))
    cell = WriteOnlyCell(ws, value)  # a detached cell for append(), styled once
    cell.number_format = number_format
    return cell


def _text_cell(ws: Worksheet, text: str) -> Cell:
    cell = WriteOnlyCell(ws)
    cell.value = _clean(text)
    cell.data_type = "s"
    return cell


def _segments_sheet(ws: Worksheet, result: MethodResult) -> None:
    columns = [*SEGMENT_COLUMNS, "integration_stage"]

    def rows() -> Iterator[dict[str, str]]:
        for values in segment_rows(result):
            record = dict(zip(SEGMENT_COLUMNS, values, strict=True))
            stage = result.accounts[record["account_id"]].integration_stage
            record["integration_stage"] = stage.value if stage is not None else ""
            yield record

    last = _table(
        ws, f"Segments as of {result.as_of.isoformat()}",
        "Customers by revenue, highest first (ABC by Pareto, METHOD.md 1a), then accounts "
        "without revenue in the period (segment none). Shares are of the customers' total.",
        columns, rows(),
    )  # fmt: skip
    # Conditional formats colour the segment column without a style per cell (10,000s of rows).
    letter = get_column_letter(columns.index("segment") + 1)
    for key, fill in _SEGMENT_FILLS.items():
        ws.conditional_formatting.add(
            f"{letter}5:{letter}{max(last, 5)}",
            Rule(
                type="cellIs",
                operator="equal",
                formula=[f'"{key}"'],
                dxf=DifferentialStyle(fill=fill, font=_SEGMENT_FONTS[key]),
            ),
        )


def _percent(share: Decimal | None) -> str:
    return "-" if share is None else f"{share * 100:.1f}%"


def _groups_sheet(ws: Worksheet, result: MethodResult) -> None:
    period = result.period
    _title_rows(
        ws, "Groups: the four questions per segment",
        f"Period {period.start.isoformat()} (excluded) to {period.end.isoformat()}. Revenue, "
        "number of accounts, average revenue and products per year per group (METHOD.md 1a).",
        5,
    )  # fmt: skip
    _header(ws, 4, ["Figure", "A", "B", "C", "All customers"], [40, 16, 16, 16, 16])
    figures = [result.groups[group] for group in GROUPS]
    lines: list[tuple[str, str, list[Decimal | int | None]]] = [
        ("Revenue", MONEY, [f.revenue for f in figures]),
        ("Share of revenue", SHARE, [f.revenue_share for f in figures]),
        ("Number of accounts", INTEGER, [f.accounts for f in figures]),
        ("Share of customers", SHARE, [f.accounts_share for f in figures]),
        ("Average revenue per account", MONEY, [f.avg_revenue for f in figures]),
        ("Average products per account per year", RATIO,
         [f.avg_products_per_year for f in figures]),
        ("Margin", MONEY, [f.margin for f in figures]),
        ("Share of margin", SHARE, [f.margin_share for f in figures]),
    ]  # fmt: skip
    row = 4
    for label, fmt, values in lines:
        row += 1
        _put(ws, row, 1, label)
        for column, value in enumerate(values, start=2):
            _put(ws, row, column, None if value is None else float(value), fmt)
    pareto = result.pareto
    share = pareto.customers_share_for_80pct_revenue
    margin = pareto.margin
    facts: list[tuple[str, Any, str | None]] = [
        ("Customers (revenue > 0)", len(result.segmentation.customers), INTEGER),
        ("Accounts without revenue (segment none)", len(result.segmentation.no_revenue), INTEGER),
        ("Total revenue of customers", float(result.segmentation.total), MONEY),
        ("Share of customers making 80% of revenue",
         None if share is None else float(share), SHARE),
        ("Pareto", f"{_percent(share)} of customers make 80% of revenue", None),
    ]  # fmt: skip
    if margin is not None:
        facts += [
            ("Share of customers making 80% of margin", float(margin.customers_share), SHARE),
            ("Their share of revenue", float(margin.revenue_share), SHARE),
            ("Margin concentration", f"{_percent(margin.customers_share)} of customers "
             f"({_percent(margin.revenue_share)} of revenue) make 80% of margin", None),
        ]  # fmt: skip
    row += 1
    for fact, value, fact_format in facts:
        row += 1
        _put(ws, row, 1, fact).font = _BOLD
        _put(ws, row, 2, value, fact_format)
    ws.freeze_panes = "B5"


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
    """The number the product ranked (as ``rate_accounts`` reads it), ``None`` when missing."""
    source = criterion.source
    value: Decimal | None
    if source in METRICS:
        summary = result.revenue
        if source == "revenue":
            value = summary.revenue_of(account_id)
        elif source == "margin":
            value = summary.margin_of(account_id)
        else:
            value = summary.products_per_year(account_id)
    else:
        raw = result.accounts[account_id].attributes.get(source, "")
        value = parse_number(raw) if raw.strip() else None
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


def _rating_sheet(ws: Worksheet, result: MethodResult) -> None:
    criteria = result.rating.criteria
    rated = result.rating.accounts
    layout = _RatingLayout(len(criteria), 6, 6 + len(rated) + RATING_SPARE_ROWS - 1)
    labels = [criterion.label or criterion.key for criterion in criteria]
    widths = [9, 14, 30, 16, *([14] * len(criteria)), *([16] * len(criteria)), 9]
    _title_rows(
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
    _put(ws, layout.direction_row, 4, "Better is:").font = _BOLD
    _put(ws, layout.present_row, 1, "Accounts:").font = _BOLD
    ws[layout.accounts_cell.replace("$", "")] = f'=SUMPRODUCT(--({layout.span(2)}<>""))'
    _put(ws, layout.present_row, 4, "Scores present:").font = _BOLD
    directions = DataValidation(type="list", formula1='"higher,lower"', allow_blank=False)
    ws.add_data_validation(directions)
    for index, criterion in enumerate(criteria):
        column = layout.value_column(index)
        cell = _put(ws, layout.direction_row, column, criterion.better.value)
        directions.add(cell)
        ws.cell(
            row=layout.present_row, column=column,
            value=f'=SUMPRODUCT(({layout.span(2)}<>"")*ISNUMBER({layout.span(column)}))',
        )  # fmt: skip
    headers = [
        "Position", "Account id", "Name", "Revenue (for ties)", *labels,
        *(f"Rank: {label}" for label in labels), "Points",
    ]  # fmt: skip
    _header(ws, layout.header_row, headers, widths)
    ws.row_dimensions[layout.header_row].height = 45
    for header_cell in ws[layout.header_row]:
        header_cell.alignment = _WRAP
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
            _put(ws, row, 2, account_id)
            _put(ws, row, 3, result.accounts[account_id].name)
            _put(ws, row, 4, float(result.revenue.revenue_of(account_id)), MONEY)
        for index, criterion in enumerate(criteria):
            value = _criterion_value(result, criterion, account.account_id) if account else None
            _put(ws, row, layout.value_column(index), value, score_formats[index])
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
        _put(ws, row, 1, "Warnings:").font = _BOLD
        for warning in result.rating.warnings:
            row += 1
            _put(ws, row, 1, warning)


def _name_of(names: Mapping[str, Any], key: str | None) -> str:
    item = names.get(key) if key else None
    return str(item.name) if item is not None else ""


def _gaps_sheet(ws: Worksheet, result: MethodResult) -> None:
    columns = [GAP_COLUMNS[0], "account", *GAP_COLUMNS[1:]]

    def rows() -> Iterator[dict[str, str]]:
        for values in gap_rows(result):
            record = dict(zip(GAP_COLUMNS, values, strict=True))
            record["account"] = _name_of(result.accounts, record["account_id"])
            yield record

    _table(
        ws, "Gaps in the contact plan",
        "Missing DMU or PSU roles, pairs never or no longer in contact, accounts (A, B) that are "
        "single-threaded or reached only through gatekeepers (METHOD.md 2).",
        columns, rows(),
    )  # fmt: skip


def _plan_sheet(ws: Worksheet, result: MethodResult) -> None:
    columns = [
        "account_id", "account", "member_id", "member", "contact_id", "contact", "status",
        "planned_date", "due_date", "days_overdue", "reason", "key",
    ]  # fmt: skip

    def rows() -> Iterator[dict[str, str]]:
        for values in plan_rows(result):
            record = dict(zip(PLAN_COLUMNS, values, strict=True))
            record["account"] = _name_of(result.accounts, record["account_id"])
            record["member"] = _name_of(result.members, record["member_id"])
            record["contact"] = _name_of(result.contacts, record["contact_id"])
            yield record

    _table(
        ws, "Contact plan",
        "Pairs that need contact in priority order, each on the first working day of the "
        "earliest week with capacity; unscheduled ones are over the members' capacity. The task "
        "key identifies the one open CRM task per pair.",
        columns, rows(),
    )  # fmt: skip


def _movements_sheet(ws: Worksheet, result: MethodResult, movements: Sequence[Movement]) -> None:
    note = (
        "Accounts whose segment or rating position changed since the previous sync (an empty "
        "position: not rated then or now)."
        if movements
        else "No changes to show (none since the previous sync, or no previous sync)."
    )
    records = (
        {"account_id": m.account_id, "account": _name_of(result.accounts, m.account_id),
         "segment_before": m.segment_before, "segment_now": m.segment_now,
         "position_before": _text(m.position_before), "position_now": _text(m.position_now)}
        for m in movements
    )  # fmt: skip
    columns = [
        "account_id", "account", "segment_before", "segment_now", "position_before",
        "position_now",
    ]  # fmt: skip
    _table(ws, "Movements since the previous sync", note, columns, records)


def _text(value: int | None) -> str:
    return "" if value is None else str(value)


def _matrix_sheets(book: Workbook, index: Worksheet, titles: _Titles, result: MethodResult) -> None:
    matrices, left_out = top_accounts(result, MATRIX_LIMIT) if result.has_contact_plan else ([], 0)
    if not result.has_contact_plan:
        note = "The source has no contacts or account teams, so there is no contact matrix."
    else:
        note = (
            f"{len(matrices)} of {len(matrices) + left_out} top accounts (rated accounts by "
            f"position, then segment A by revenue); at most {MATRIX_LIMIT} matrix sheets. Click "
            "a name to open its DMU-PSU matrix."
        )
    _title_rows(index, "DMU-PSU contact matrices", note, 5)
    _header(index, 4, ["Account id", "Name", "Segment", "Position", "Sheet"], [14, 30, 9, 9, 32])
    positions = result.rating.position_of()
    for row, matrix in enumerate(matrices, start=5):
        account_id = matrix.account_id
        title = titles.take(f"{account_id} {result.accounts[account_id].name}")
        _matrix_sheet(book.create_sheet(title), result, matrix)
        _put(index, row, 1, account_id)
        link = _put(index, row, 2, result.accounts[account_id].name)
        link.hyperlink = f"#{quote_sheetname(title)}!A1"
        link.style = "Hyperlink"
        _put(index, row, 3, result.segments.get(account_id, Segment.NONE).value)
        _put(index, row, 4, positions.get(account_id))
        _put(index, row, 5, title)
    index.freeze_panes = "A5"


def _matrix_sheet(ws: Worksheet, result: MethodResult, matrix: AccountMatrix) -> None:
    account_id = matrix.account_id
    facts = [f"segment {result.segments.get(account_id, Segment.NONE).value}"]
    position = result.rating.position_of().get(account_id)
    if position is not None:
        facts.append(f"rating position {position}")
    if result.coverage is not None and account_id in result.coverage:
        facts.append(f"DMU coverage {_percent(result.coverage[account_id])}")
    _title_rows(
        ws, f"DMU-PSU matrix: {result.accounts[account_id].name} ({account_id})",
        ", ".join(facts) + f". As of {result.as_of.isoformat()}. Rows: the customer's contacts "
        "(DMU roles; [G] = gatekeeper). Columns: our account team (PSU roles; [P] = pioneer). A "
        "cell shows the last contact in the lookback; its colour is the pair's status.",
        2 + len(matrix.members), 54 + 18 * len(matrix.members),
    )  # fmt: skip
    _put(ws, 3, 1, "Legend:").font = _BOLD
    for column, key in enumerate(STATUS_COLOURS, start=2):
        legend = _put(ws, 3, column, STATUS_LABELS[key])
        legend.fill = _STATUS_FILLS[key]
        legend.alignment = _CENTER
    headers = ["Contact", "DMU roles"] + [
        f"{member.name}{' [P]' if member.pioneer else ''}\n{', '.join(member.roles)}"
        for member in matrix.members
    ]
    _header(ws, 4, headers, [28, 26, *([18] * len(matrix.members))])
    for header_cell in ws[4]:
        header_cell.alignment = _WRAP
    ws.row_dimensions[4].height = 45
    for row, (contact, cells) in enumerate(zip(matrix.contacts, matrix.cells, strict=True), 5):
        _put(ws, row, 1, contact.name + (" [G]" if contact.gatekeeper else ""))
        _put(ws, row, 2, ", ".join(contact.roles))
        for column, shown in enumerate(cells, start=3):
            if shown.status == NOT_PLANNED:
                cell = _put(ws, row, column, None)
            elif shown.status == PairStatus.NEVER.value:
                cell = _put(ws, row, column, "never")
            else:  # a pair with a contact moment: the detail is its last date
                cell = _put(ws, row, column, date.fromisoformat(shown.detail), DATE)
            cell.fill = _STATUS_FILLS[shown.status]
            cell.alignment = _CENTER
    ws.freeze_panes = "C5"
