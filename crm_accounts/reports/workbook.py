"""The Excel workbook: the report's tables, a live customer-rating sheet, DMU-PSU matrices.

Writes one ``.xlsx`` file with openpyxl (file I/O); reads a finished
:class:`~crm_accounts.domain.method.MethodResult` and never computes the method again, except
that the Rating sheet recomputes ranks, points and positions with spreadsheet formulas, so that a
sales manager can edit scores and see the rating change (METHOD.md 1b).

The Rating sheet (live formulas) is built in :mod:`.rating_sheet`; cell helpers in :mod:`.cells`.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import Cell
from openpyxl.formatting.rule import Rule
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.styles.differential import DifferentialStyle
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.worksheet import Worksheet

from ..domain.contact_plan import PairStatus
from ..domain.method import MethodResult
from ..domain.model import Segment
from ..domain.segmentation import GROUPS
from ..i18n import N_, Language, language
from ..safefile import write_bytes_atomically
from ..services.export import (
    GAP_COLUMNS,
    PLAN_COLUMNS,
    SEGMENT_COLUMNS,
    gap_rows,
    plan_rows,
    segment_rows,
)
from ..sync.report import Movement
from ..words import role_word
from .cached import with_cached_values
from .cells import (
    BOLD,
    DATE,
    INTEGER,
    MONEY,
    RATIO,
    SHARE,
    WRAP,
    clean,
    header,
    put,
    title_rows,
)
from .matrix import AccountMatrix, top_accounts
from .palette import NOT_PLANNED, SEGMENT_COLOURS, STATUS_COLOURS, STATUS_LABELS
from .rating_sheet import RATING_SPARE_ROWS, rating_sheet
from .whitespace import whitespace_sheet

__all__ = ["MATRIX_LIMIT", "RATING_SPARE_ROWS", "write_workbook"]

#: At most this many DMU-PSU matrix sheets: rated accounts by position, then segment A by revenue.
MATRIX_LIMIT = 50

_KINDS = {
    "revenue": MONEY, "margin": MONEY, "avg_revenue": MONEY,
    "revenue_share": SHARE, "cumulative_share": SHARE, "dmu_coverage": SHARE,
    "products_per_year": RATIO, "days_overdue": INTEGER,
    "position_before": INTEGER, "position_now": INTEGER,
    "last_contact": DATE, "due_date": DATE, "planned_date": DATE,
}  # fmt: skip
_WIDTHS = {MONEY: 14, SHARE: 11, RATIO: 11, DATE: 12, INTEGER: 9}
_WIDE = {"name": 30, "account": 30, "member": 22, "contact": 24, "key": 32, "reason": 16}
#: Column headings of the table sheets, by export column name.
_LABELS = {
    "account_id": N_("Account id"), "name": N_("Name"), "segment": N_("Segment"),
    "revenue": N_("Revenue"), "revenue_share": N_("Revenue share"),
    "cumulative_share": N_("Cumulative share"), "margin": N_("Margin"),
    "products_per_year": N_("Products per year"), "dmu_coverage": N_("DMU coverage"),
    "integration_stage": N_("Integration stage"), "account": N_("Account"), "code": N_("Code"),
    "dmu_role": N_("Dmu role"), "psu_role": N_("Psu role"), "member_id": N_("Member id"),
    "contact_id": N_("Contact id"), "last_contact": N_("Last contact"),
    "due_date": N_("Due date"), "days_overdue": N_("Days overdue"), "member": N_("Member"),
    "contact": N_("Contact"), "status": N_("Status"), "planned_date": N_("Planned date"),
    "reason": N_("Reason"), "key": N_("Task key"), "segment_before": N_("Segment before"),
    "segment_now": N_("Segment now"), "position_before": N_("Position before"),
    "position_now": N_("Position now"),
}  # fmt: skip
#: Columns whose cells hold a code (status, reason, gap code, role): shown in the language.
_CODED = {"status", "reason", "code", "dmu_role", "psu_role", "integration_stage"}

_CENTER = Alignment(horizontal="center")
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


def write_workbook(
    result: MethodResult,
    path: Path,
    *,
    movements: Sequence[Movement] | None = None,
    lang: Language | None = None,
) -> Path:
    """Write the workbook of ``result`` to ``path`` (replaced safely) and return ``path``.

    The Rating sheet's formulas carry the values the product computed as their stored results
    (:mod:`.cached`), so a reader that does not calculate shows positions and points.

    Sheets: Segments, Groups, Rating (live formulas), Gaps, Plan, Movements, Whitespace, Matrices
    (an index) and one DMU-PSU matrix sheet per top account, at most :data:`MATRIX_LIMIT`.

    Args:
        movements: segment and rating-position changes since the previous sync, as
            :func:`crm_accounts.sync.report.movements` returns them; ``None`` when there was
            no previous sync to compare with.
        lang: the output language of titles, notes and headings (default English); numbers
            and dates stay numbers and dates, shown as the spreadsheet's locale shows them.
    """
    lang = lang or language()
    _ = lang._
    book = Workbook()
    titles = _Titles()
    _segments_sheet(_sheet(book, titles, _("Segments")), result, lang)
    _groups_sheet(_sheet(book, titles, _("Groups")), result, lang)
    rating = _sheet(book, titles, _("Rating"))
    cached = rating_sheet(rating, result, lang)
    _gaps_sheet(_sheet(book, titles, _("Gaps")), result, lang)
    _plan_sheet(_sheet(book, titles, _("Plan")), result, lang)
    _movements_sheet(_sheet(book, titles, _("Movements")), result, movements, lang)
    whitespace_sheet(_sheet(book, titles, _("Whitespace")), result, lang)
    index = _sheet(book, titles, _("Matrices"))
    _matrix_sheets(book, index, titles, result, lang)
    book.remove(book.worksheets[0])  # the empty sheet every new Workbook starts with
    buffer = io.BytesIO()
    book.save(buffer)
    # openpyxl names the parts sheet1.xml, sheet2.xml, ... in sheet order.
    number = next(n for n, sheet in enumerate(book.worksheets, start=1) if sheet is rating)
    part = f"xl/worksheets/sheet{number}.xml"
    write_bytes_atomically(path, with_cached_values(buffer.getvalue(), part, cached))
    return path


class _Titles:
    """Valid, unique sheet titles: at most 31 characters, none of ``[]:*?/\\``."""

    def __init__(self) -> None:
        self._used: set[str] = set(_RESERVED_TITLES)

    def take(self, wanted: str) -> str:
        # Excel also refuses a title that starts or ends with an apostrophe
        text = clean(wanted).translate(_FORBIDDEN_IN_TITLE)
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


def _label(column: str, lang: Language) -> str:
    return lang._(_LABELS.get(column, column.replace("_", " ").capitalize()))


def _table(
    ws: Worksheet,
    title: str,
    note: str,
    columns: Sequence[str],
    rows: Iterable[Mapping[str, str]],
    lang: Language,
) -> int:
    """Title, note, header on row 4, then one row per mapping; returns the last row written."""
    formats = [_KINDS.get(column) for column in columns]
    title_rows(ws, title, note, len(columns))
    widths = [
        _WIDE.get(column, _WIDTHS.get(fmt, 14) if fmt else 14)
        for column, fmt in zip(columns, formats, strict=True)
    ]
    header(ws, 4, [_label(column, lang) for column in columns], widths)
    ws.freeze_panes = "B5"
    typed = list(zip(columns, formats, strict=True))
    coded = [name in _CODED for name in columns]
    row = 4
    for record in rows:  # append() continues under the header, much faster than cell()
        texts = [record.get(name, "") for name, _ in typed]
        texts = [_coded(lang, t) if code else t for t, code in zip(texts, coded, strict=True)]
        ws.append([_table_cell(ws, t, fmt) for t, (_, fmt) in zip(texts, typed, strict=True)])
        row += 1
    if row > 4:
        ws.auto_filter.ref = f"A4:{get_column_letter(len(columns))}{row}"
    return row


def _coded(lang: Language, text: str) -> str:
    """A code cell in the language; a list of role keys (``a;b``) word by word."""
    if not text:
        return text
    return ";".join(lang._(part) for part in text.split(";"))


def _table_cell(ws: Worksheet, text: str, number_format: str | None) -> Any:
    """An export cell (text) as the value its column holds: a number, a date or text."""
    if not text:
        return None
    if number_format is None:
        if text.startswith("="):  # text, never a formula
            return _text_cell(ws, text)
        return clean(text)
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
    cell.value = clean(text)
    cell.data_type = "s"
    return cell


def _segments_sheet(ws: Worksheet, result: MethodResult, lang: Language) -> None:
    columns = [*SEGMENT_COLUMNS, "integration_stage"]

    def rows() -> Iterator[dict[str, str]]:
        for values in segment_rows(result):
            record = dict(zip(SEGMENT_COLUMNS, values, strict=True))
            stage = result.accounts[record["account_id"]].integration_stage
            record["integration_stage"] = stage.value if stage is not None else ""
            yield record

    _ = lang._
    last = _table(
        ws, _("Segments as of %(day)s") % {"day": lang.day(result.as_of)},
        _("Customers by revenue, highest first (ABC by Pareto, METHOD.md 1a), then accounts "
          "without revenue in the period (segment none). Shares are of the customers' total."),
        columns, rows(), lang,
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


def _groups_sheet(ws: Worksheet, result: MethodResult, lang: Language) -> None:
    _ = lang._
    period = result.period
    title_rows(
        ws, _("Groups: the four questions per segment"),
        _("Period %(start)s (excluded) to %(end)s. Revenue, number of accounts, average revenue "
          "and products per year per group (METHOD.md 1a).")
        % {"start": lang.day(period.start), "end": lang.day(period.end)},
        5,
    )  # fmt: skip
    header(ws, 4, [_("Figure"), "A", "B", "C", _("All customers")], [40, 16, 16, 16, 16])
    figures = [result.groups[group] for group in GROUPS]
    lines: list[tuple[str, str, list[Decimal | int | None]]] = [
        (_("Revenue"), MONEY, [f.revenue for f in figures]),
        (_("Share of revenue"), SHARE, [f.revenue_share for f in figures]),
        (_("Number of accounts"), INTEGER, [f.accounts for f in figures]),
        (_("Share of customers"), SHARE, [f.accounts_share for f in figures]),
        (_("Average revenue per account"), MONEY, [f.avg_revenue for f in figures]),
        (_("Average products per account per year"), RATIO,
         [f.avg_products_per_year for f in figures]),
        (_("Margin"), MONEY, [f.margin for f in figures]),
        (_("Share of margin"), SHARE, [f.margin_share for f in figures]),
    ]  # fmt: skip
    row = 4
    for label, fmt, values in lines:
        row += 1
        put(ws, row, 1, label)
        for column, value in enumerate(values, start=2):
            put(ws, row, column, None if value is None else float(value), fmt)
    pareto = result.pareto
    share = pareto.customers_share_for_80pct_revenue
    margin = pareto.margin
    facts: list[tuple[str, Any, str | None]] = [
        (_("Customers (revenue > 0)"), len(result.segmentation.customers), INTEGER),
        (_("Accounts without revenue (segment none)"), len(result.segmentation.no_revenue),
         INTEGER),
        (_("Total revenue of customers"), float(result.segmentation.total), MONEY),
        (_("Share of customers making 80% of revenue"),
         None if share is None else float(share), SHARE),
        (_("Pareto"), _("%(share)s of customers make 80%% of revenue")
         % {"share": lang.percent(share)}, None),
    ]  # fmt: skip
    if margin is not None:
        facts += [
            (_("Share of customers making 80% of margin"), float(margin.customers_share), SHARE),
            (_("Their share of revenue"), float(margin.revenue_share), SHARE),
            (_("Margin concentration"), _("%(customers)s of customers (%(revenue)s of revenue) "
             "make 80%% of margin") % {"customers": lang.percent(margin.customers_share),
                                      "revenue": lang.percent(margin.revenue_share)}, None),
        ]  # fmt: skip
    row += 1
    for fact, value, fact_format in facts:
        row += 1
        put(ws, row, 1, fact).font = BOLD
        put(ws, row, 2, value, fact_format)
    ws.freeze_panes = "B5"


def _name_of(names: Mapping[str, Any], key: str | None) -> str:
    item = names.get(key) if key else None
    return str(item.name) if item is not None else ""


def _gaps_sheet(ws: Worksheet, result: MethodResult, lang: Language) -> None:
    columns = [GAP_COLUMNS[0], "account", *GAP_COLUMNS[1:]]

    def rows() -> Iterator[dict[str, str]]:
        for values in gap_rows(result):
            record = dict(zip(GAP_COLUMNS, values, strict=True))
            record["account"] = _name_of(result.accounts, record["account_id"])
            yield record

    _ = lang._
    _table(
        ws, _("Gaps in the contact plan"),
        _("Missing DMU or PSU roles, pairs never or no longer in contact, accounts (A, B) that "
          "are single-threaded or reached only through gatekeepers (METHOD.md 2)."),
        columns, rows(), lang,
    )  # fmt: skip


def _plan_sheet(ws: Worksheet, result: MethodResult, lang: Language) -> None:
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

    _ = lang._
    _table(
        ws, _("Contact plan"),
        _("Pairs that need contact in priority order, each on the first working day of the "
          "earliest week with capacity; unscheduled ones are over the members' capacity. The "
          "task key identifies the one open CRM task per pair."),
        columns, rows(), lang,
    )  # fmt: skip


def _movements_sheet(
    ws: Worksheet, result: MethodResult, movements: Sequence[Movement] | None, lang: Language
) -> None:
    _ = lang._
    if movements is None:
        note = _("No changes to show: the run log holds no previous sync to compare with.")
    elif not movements:
        note = _("No changes to show: no account changed segment or rating position since the "
                 "previous sync.")  # fmt: skip
    else:
        note = _("Accounts whose segment or rating position changed since the previous sync (an "
                 "empty position: not rated then or now).")  # fmt: skip
    records = (
        {"account_id": m.account_id, "account": _name_of(result.accounts, m.account_id),
         "segment_before": m.segment_before, "segment_now": m.segment_now,
         "position_before": _text(m.position_before), "position_now": _text(m.position_now)}
        for m in movements or ()
    )  # fmt: skip
    columns = [
        "account_id", "account", "segment_before", "segment_now", "position_before",
        "position_now",
    ]  # fmt: skip
    _table(ws, _("Movements since the previous sync"), note, columns, records, lang)


def _text(value: int | None) -> str:
    return "" if value is None else str(value)


def _matrix_sheets(
    book: Workbook, index: Worksheet, titles: _Titles, result: MethodResult, lang: Language
) -> None:
    _ = lang._
    matrices, left_out = top_accounts(result, MATRIX_LIMIT) if result.has_contact_plan else ([], 0)
    if not result.has_contact_plan:
        note = _("The source has no contacts or account teams, so there is no contact matrix.")
    else:
        note = _(
            "%(shown)s of %(total)s top accounts (rated accounts by position, then segment A by "
            "revenue); at most %(limit)s matrix sheets. Click a name to open its DMU-PSU matrix."
        ) % {"shown": len(matrices), "total": len(matrices) + left_out, "limit": MATRIX_LIMIT}
    title_rows(index, _("DMU-PSU contact matrices"), note, 5)
    labels = [_("Account id"), _("Name"), _("Segment"), _("Position"), _("Sheet")]
    header(index, 4, labels, [14, 30, 9, 9, 32])
    positions = result.rating.position_of()
    for row, matrix in enumerate(matrices, start=5):
        account_id = matrix.account_id
        title = titles.take(f"{account_id} {result.accounts[account_id].name}")
        _matrix_sheet(book.create_sheet(title), result, matrix, lang)
        put(index, row, 1, account_id)
        link = put(index, row, 2, result.accounts[account_id].name)
        link.hyperlink = f"#{quote_sheetname(title)}!A1"
        link.style = "Hyperlink"
        put(index, row, 3, result.segments.get(account_id, Segment.NONE).value)
        put(index, row, 4, positions.get(account_id))
        put(index, row, 5, title)
    index.freeze_panes = "A5"


def _matrix_sheet(
    ws: Worksheet, result: MethodResult, matrix: AccountMatrix, lang: Language
) -> None:
    _ = lang._
    account_id = matrix.account_id
    segment = result.segments.get(account_id, Segment.NONE).value
    facts = [_("segment %(segment)s") % {"segment": segment}]
    position = result.rating.position_of().get(account_id)
    if position is not None:
        facts.append(_("rating position %(position)s") % {"position": position})
    if result.coverage is not None and account_id in result.coverage:
        facts.append(
            _("DMU coverage %(share)s") % {"share": lang.percent(result.coverage[account_id])}
        )
    title_rows(
        ws, _("DMU-PSU matrix: %(name)s (%(id)s)")
        % {"name": result.accounts[account_id].name, "id": account_id},
        ", ".join(facts) + ". " + _(
            "As of %(day)s. Rows: the customer's contacts (DMU roles; [G] = gatekeeper). "
            "Columns: our account team (PSU roles; [P] = pioneer). A cell shows the last "
            "contact in the lookback; its colour is the pair's status."
        ) % {"day": lang.day(result.as_of)},
        2 + len(matrix.members), 54 + 18 * len(matrix.members),
    )  # fmt: skip
    put(ws, 3, 1, _("Legend:")).font = BOLD
    for column, key in enumerate(STATUS_COLOURS, start=2):
        legend = put(ws, 3, column, _(STATUS_LABELS[key]))
        legend.fill = _STATUS_FILLS[key]
        legend.alignment = _CENTER
    headers = [_("Contact"), _("DMU roles")] + [
        f"{member.name}{' [P]' if member.pioneer else ''}\n"
        + ", ".join(role_word(lang, role) for role in member.roles)
        for member in matrix.members
    ]
    header(ws, 4, headers, [28, 26, *([18] * len(matrix.members))])
    for header_cell in ws[4]:
        header_cell.alignment = WRAP
    ws.row_dimensions[4].height = 45
    for row, (contact, cells) in enumerate(zip(matrix.contacts, matrix.cells, strict=True), 5):
        put(ws, row, 1, contact.name + (" [G]" if contact.gatekeeper else ""))
        put(ws, row, 2, ", ".join(role_word(lang, role) for role in contact.roles))
        for column, shown in enumerate(cells, start=3):
            if shown.status == NOT_PLANNED:
                cell = put(ws, row, column, None)
            elif shown.status == PairStatus.NEVER.value:
                cell = put(ws, row, column, _("never"))
            else:  # a pair with a contact moment: the detail is its last date
                cell = put(ws, row, column, date.fromisoformat(shown.detail), DATE)
            cell.fill = _STATUS_FILLS[shown.status]
            cell.alignment = _CENTER
    ws.freeze_panes = "C5"
