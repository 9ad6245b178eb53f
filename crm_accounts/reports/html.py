"""The self-contained HTML report: one file, no network, readable on a laptop and on paper.

Builds the page from a finished :class:`~crm_accounts.domain.method.MethodResult` (plus the
movements since the previous run); :func:`write_html` is the only function that touches a file.
Every value from the CRM is escaped. Nothing is fetched: styles are inline, charts are inline SVG
(:mod:`.charts`), and there are no scripts at all.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal
from html import escape

from .. import __version__
from ..domain.contact_plan import GapCode
from ..domain.method import MethodResult
from ..domain.model import Segment
from ..domain.planning import PlanStatus
from ..domain.segmentation import GROUPS
from ..sync.report import Movement
from .charts import pareto_svg, weekly_load_svg
from .matrix import AccountMatrix, top_accounts
from .palette import NOT_PLANNED, SEGMENT_COLOURS, STATUS_COLOURS, STATUS_LABELS
from .whitespace import SECTION_ID as WHITESPACE_ID
from .whitespace import SECTION_TITLE as WHITESPACE_TITLE
from .whitespace import whitespace_section

__all__ = ["MAX_ROWS", "render_html"]

#: Long tables (gaps, unscheduled contacts) show this many rows; the CSV export has them all.
MAX_ROWS = 500

Link = Callable[[str], str | None]

_CSS = """
:root { --ink: #1f1f1f; --muted: #666; --line: #d0d0d0; --head: #f2f4f7; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif;
       color: var(--ink); margin: 0 auto; padding: 1.5rem 2rem 3rem; max-width: 1280px; }
h1 { font-size: 1.6rem; margin: 0 0 .2rem; }
h2 { font-size: 1.25rem; margin: 2.2rem 0 .6rem; border-bottom: 2px solid var(--ink);
     padding-bottom: .2rem; }
h3 { font-size: 1.05rem; margin: 1.4rem 0 .4rem; }
p.meta, p.note, td.muted, span.muted { color: var(--muted); }
p.headline { font-size: 1.2rem; font-weight: 600; margin: .4rem 0; }
nav ol { columns: 3; padding-left: 1.2rem; margin: .6rem 0 0; }
table { border-collapse: collapse; margin: .4rem 0 1rem; font-size: 13px; }
th, td { border: 1px solid var(--line); padding: .25rem .5rem; vertical-align: top; }
th { background: var(--head); text-align: left; font-weight: 600; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
.badge { display: inline-block; min-width: 1.6em; padding: 0 .35em; border-radius: 3px;
         text-align: center; font-weight: 600; }
table.matrix td.cell { text-align: center; min-width: 6.5rem; white-space: nowrap; }
table.matrix th small { display: block; font-weight: normal; color: var(--muted); }
table.matrix td small { display: block; }
.tag { font-size: 11px; font-weight: normal; border: 1px solid var(--ink); border-radius: 3px;
       padding: 0 .25em; margin-left: .3em; }
.legend span { display: inline-block; padding: .1rem .5rem; margin-right: .3rem;
               border: 1px solid var(--line); }
section.account { break-inside: avoid; }
details summary { cursor: pointer; color: #1f4e79; margin: .3rem 0; }
svg { max-width: 100%; height: auto; }
@media print {
  body { max-width: none; padding: 0; font-size: 11px; }
  nav { display: none; }
  h2 { break-after: avoid; }
  table, svg { break-inside: avoid; }
  * { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
}
"""


def _e(value: object) -> str:
    return escape("" if value is None else str(value), quote=True)


def _pct(value: Decimal | None, digits: int = 1) -> str:
    return "-" if value is None else f"{value * 100:.{digits}f}%"


def _money(value: Decimal | None) -> str:
    return "-" if value is None else f"{value:,.2f}"


def _num(value: Decimal | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def _day(value: date | None) -> str:
    return "-" if value is None else value.isoformat()


def _table(
    headers: Sequence[str], rows: Iterable[Sequence[str]], numeric: Iterable[int] = ()
) -> str:
    """A table of already-escaped cell HTML; columns in ``numeric`` are right-aligned."""
    right = set(numeric)
    head = "".join(
        f"<th{' class=num' if i in right else ''}>{_e(h)}</th>" for i, h in enumerate(headers)
    )
    body = "".join(
        "<tr>"
        + "".join(
            f"<td{' class=num' if i in right else ''}>{cell}</td>" for i, cell in enumerate(row)
        )
        + "</tr>"
        for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _badge(segment: Segment | str) -> str:
    value = segment.value if isinstance(segment, Segment) else segment
    colour = SEGMENT_COLOURS.get(value, "D9D9D9")
    text = "#ffffff" if value == Segment.A.value else "#1f1f1f"
    return f'<span class="badge" style="background:#{colour};color:{text}">{_e(value)}</span>'


def _account(result: MethodResult, account_id: str, link: Link | None) -> str:
    account = result.accounts.get(account_id)
    name = _e(account.name if account else account_id)
    url = link(account_id) if link is not None else None
    return f'<a href="{_e(url)}">{name}</a>' if url else name


def _capped(rows: list[list[str]], what: str) -> tuple[list[list[str]], str]:
    if len(rows) <= MAX_ROWS:
        return rows, ""
    note = (
        f'<p class="note">Showing the first {MAX_ROWS:,} of {len(rows):,} {what}; '
        "the exported CSV tables and the workbook hold them all.</p>"
    )
    return rows[:MAX_ROWS], note


def _header(result: MethodResult, generated_at: datetime | None) -> str:
    when = f", generated {generated_at:%Y-%m-%d %H:%M} UTC" if generated_at else ""
    sections = [
        ("identify", "Identify: Pareto and the four questions"),
        ("rating", "Customer rating"),
        ("accounts", "Top accounts: segment and integration"),
        ("matrices", "DMU-PSU matrices"),
        ("gaps", "Gaps by account"),
        ("plan", "Planned contacts per member and week"),
        (WHITESPACE_ID, WHITESPACE_TITLE),
        ("movements", "Movements since the previous run"),
    ]
    if result.warnings:
        sections.append(("warnings", "Warnings"))
    items = "".join(f'<li><a href="#{key}">{_e(title)}</a></li>' for key, title in sections)
    return (
        "<header><h1>Key-account report</h1>"
        f'<p class="meta">As of {result.as_of}; revenue period {result.period.start} (exclusive) '
        f"to {result.period.end}; {len(result.accounts):,} accounts{when}; "
        f"crm-accounts {_e(__version__)}.</p>"
        f"<nav><ol>{items}</ol></nav></header>"
    )


def _identify(result: MethodResult) -> str:
    pareto = result.pareto
    share = pareto.customers_share_for_80pct_revenue
    headline = (
        f"{_pct(share)} of customers make 80% of revenue"
        if share is not None
        else "No customer has positive revenue in the period"
    )
    has_margins = result.revenue.has_margins
    headers = ["group", "accounts", "share of accounts", "revenue", "share of revenue",
               "average revenue", "products per year"]  # fmt: skip
    if has_margins:
        headers += ["margin", "share of margin"]
    rows = []
    for group in GROUPS:
        figures = result.groups[group]
        row = [
            _badge(group) if group != "all" else "<strong>all</strong>",
            f"{figures.accounts:,}", _pct(figures.accounts_share), _money(figures.revenue),
            _pct(figures.revenue_share), _money(figures.avg_revenue),
            _num(figures.avg_products_per_year),
        ]  # fmt: skip
        if has_margins:
            row += [_money(figures.margin), _pct(figures.margin_share)]
        rows.append(row)
    margin = pareto.margin
    if margin is not None:
        concentration = (
            f"<p>Margin concentration: the {_pct(margin.customers_share)} of customers that "
            f"make 80% of margin bring {_pct(margin.revenue_share)} of revenue.</p>"
        )
    elif has_margins:
        concentration = '<p class="note">Margin concentration: total margin is not positive.</p>'
    else:
        concentration = '<p class="note">Margin concentration: the source has no margins.</p>'
    no_revenue = len(result.segmentation.no_revenue)
    return (
        '<section id="identify"><h2>Identify: Pareto and the four questions</h2>'
        f'<p class="headline">{_e(headline)}</p>'
        f"{pareto_svg(result.segmentation, share)}"
        f"{_table(headers, rows, numeric=range(1, len(headers)))}{concentration}"
        f'<p class="note">{len(result.segmentation.customers):,} customers with positive revenue '
        f"(total {_money(result.segmentation.total)}); {no_revenue:,} accounts without "
        "(segment none).</p></section>"
    )


def _rating(result: MethodResult, link: Link | None) -> str:
    rating = result.rating
    if not rating.accounts:
        return (
            '<section id="rating"><h2>Customer rating</h2>'
            '<p class="note">No accounts are rated (segment A is empty).</p></section>'
        )
    criteria = rating.criteria
    headers = ["position", "account", "segment", "points"] + [
        f"{c.label or c.key} ({c.better.value} is better)" for c in criteria
    ]
    rows = [
        [str(rated.position), _account(result, rated.account_id, link),
         _badge(result.segments[rated.account_id]), f"{rated.points.normalize():f}",
         *(f"{rated.ranks[c.key].normalize():f}" for c in criteria)]
        for rated in rating.accounts
    ]  # fmt: skip
    return (
        '<section id="rating"><h2>Customer rating</h2>'
        '<p class="note">Each account is ranked against the others per criterion (1 is best, '
        "ties share the average rank); points are the sum of the ranks; the fewest points "
        "take position 1.</p>"
        f"{_table(headers, rows, numeric=[0, *range(3, len(headers))])}</section>"
    )


def _stage(result: MethodResult, account_id: str) -> str:
    stage = result.accounts[account_id].integration_stage
    return _e(stage.value) if stage is not None else '<span class="muted">not recorded</span>'


def _accounts(result: MethodResult, top: Sequence[AccountMatrix], link: Link | None) -> str:
    positions = result.rating.position_of()
    gaps = result.open_gaps()
    coverage = result.coverage or {}
    rows = [
        [_account(result, m.account_id, link), _badge(result.segments[m.account_id]),
         _stage(result, m.account_id), _e(positions.get(m.account_id, "-")),
         _money(result.revenue.revenue_of(m.account_id)),
         _pct(coverage.get(m.account_id), 0) if result.coverage is not None else "-",
         str(gaps.get(m.account_id, 0))]
        for m in top
    ]  # fmt: skip
    stages = Counter(
        (result.segments[a].value, (result.accounts[a].integration_stage or "not recorded"))
        for a in result.accounts
        if result.segments[a] is Segment.A
    )
    summary = ", ".join(f"{stage}: {n:,}" for (_, stage), n in sorted(stages.items()))
    headers = ["account", "segment", "integration stage", "rating position", "revenue",
               "DMU coverage", "open gaps"]  # fmt: skip
    return (
        '<section id="accounts"><h2>Top accounts: segment and integration</h2>'
        f"<p>Integration stage of the segment-A accounts: {_e(summary) or 'none'}.</p>"
        f"{_table(headers, rows, numeric=[3, 4, 5, 6])}</section>"
    )


def _legend() -> str:
    return (
        '<p class="legend">'
        + "".join(
            f'<span style="background:#{STATUS_COLOURS[key]}">{_e(label)}</span>'
            for key, label in STATUS_LABELS.items()
        )
        + "</p>"
    )


def _matrix(result: MethodResult, matrix: AccountMatrix, link: Link | None) -> str:
    heads = "".join(
        f"<th>{_e(column.name)}{'<span class=tag>&#9733; pioneer</span>' if column.pioneer else ''}"
        f"<small>{_e(', '.join(column.roles) or 'no PSU role')}</small></th>"
        for column in matrix.members
    )
    body = []
    for row, cells in zip(matrix.contacts, matrix.cells, strict=True):
        tds = "".join(
            f'<td class="cell" style="background:#{STATUS_COLOURS[cell.status]}">'
            + (
                "&ndash;"
                if cell.status == NOT_PLANNED
                else f"{_e(STATUS_LABELS[cell.status])}<small>{_e(cell.detail)}</small>"
            )
            + "</td>"
            for cell in cells
        )
        marker = "<span class=tag>gatekeeper</span>" if row.gatekeeper else ""
        body.append(
            f"<tr><th>{_e(row.name)}{marker}<small>"
            f"{_e(', '.join(row.roles) or 'no DMU role')}</small></th>{tds}</tr>"
        )
    segment = result.segments[matrix.account_id]
    if not matrix.contacts or not matrix.members:
        missing = "contacts" if not matrix.contacts else "account team"
        grid = f'<p class="note">No {missing} recorded for this account.</p>'
    else:
        grid = (
            f'<table class="matrix"><thead><tr><th>contact (DMU) \\ team (PSU)</th>{heads}</tr>'
            f"</thead><tbody>{''.join(body)}</tbody></table>"
        )
    return (
        f'<section class="account"><h3>{_account(result, matrix.account_id, link)} '
        f"{_badge(segment)}</h3>{grid}</section>"
    )


def _matrices(
    result: MethodResult, top: Sequence[AccountMatrix], left_out: int, link: Link | None
) -> str:
    if not result.has_contact_plan:
        body = '<p class="note">The source has no contacts or account teams.</p>'
    else:
        body = (
            '<p class="note">Rows: the customer\'s contacts with their DMU roles (gatekeepers '
            "marked). Columns: our account team with their PSU roles (pioneers marked). Each "
            "cell: the status of the pair in the ideal contact plan and the last contact date; "
            "&ndash; where the plan asks for no contact.</p>"
            + _legend()
            + "".join(_matrix(result, matrix, link) for matrix in top)
        )
        if left_out:
            body += (
                f'<p class="note">{left_out:,} more segment-A accounts are left out of this '
                "page; the workbook and the gaps table cover them.</p>"
            )
    return f'<section id="matrices"><h2>DMU-PSU matrices</h2>{body}</section>'


def _gaps(result: MethodResult, link: Link | None) -> str:
    codes = list(GapCode)
    per_account: dict[str, Counter[GapCode]] = {}
    for gap in result.matrix.gaps:
        per_account.setdefault(gap.account_id, Counter())[gap.code] += 1
    totals = Counter(gap.code for gap in result.matrix.gaps)
    rows = [
        [_account(result, account_id, link), _badge(result.segments[account_id]),
         *(str(counts[c]) if counts[c] else "" for c in codes)]
        for account_id, counts in per_account.items()
    ]  # fmt: skip
    shown, note = _capped(rows, "accounts with gaps")
    headers = ["account", "segment", *(c.value.replace("_", " ") for c in codes)]
    total_row = ["<strong>all accounts</strong>", "", *(f"{totals[c]:,}" for c in codes)]
    return (
        '<section id="gaps"><h2>Gaps by account</h2>'
        f"<p>{len(result.matrix.gaps):,} gaps in {len(per_account):,} accounts, largest revenue "
        "first.</p>"
        f"{_table(headers, [total_row, *shown], numeric=range(2, len(headers)))}{note}</section>"
    )


def _member_name(result: MethodResult, member_id: str) -> str:
    member = result.members.get(member_id)
    return member.name if member is not None else member_id


def _plan(result: MethodResult, capacity_of: Callable[[str], int], link: Link | None) -> str:
    scheduled = [p for p in result.plan if p.status is PlanStatus.SCHEDULED]
    unscheduled = [p for p in result.plan if p.status is PlanStatus.UNSCHEDULED]
    if not result.plan:
        return (
            '<section id="plan"><h2>Planned contacts per member and week</h2>'
            '<p class="note">Nothing to plan: every pair of the contact plan is up to date.</p>'
            "</section>"
        )
    # The plan's 7-day windows start on as_of; a scheduled contact always has its date.
    week_of = [
        (p.pair.member_id, (p.planned_date - result.as_of).days // 7)
        for p in scheduled
        if p.planned_date is not None
    ]
    weeks = max((week for _, week in week_of), default=-1) + 1
    labels = [f"{result.as_of + timedelta(days=7 * w):%d %b}" for w in range(weeks)]
    load: dict[str, list[int]] = {}
    for member_id, week in week_of:
        load.setdefault(member_id, [0] * weeks)[week] += 1
    missed = Counter(p.pair.member_id for p in unscheduled)
    members = sorted(set(load) | set(missed), key=lambda m: (_member_name(result, m), m))
    rows = [
        [_e(_member_name(result, m)), str(capacity_of(m)),
         *(str(n) for n in load.get(m, [0] * weeks)), str(missed.get(m, 0))]
        for m in members
    ]  # fmt: skip
    shown, note = _capped(rows, "members")
    chart = weekly_load_svg(
        labels,
        {_member_name(result, m): counts for m, counts in load.items()},
        {_member_name(result, m): capacity_of(m) for m in load},
    )
    headers = ["member", "capacity per week", *(f"week of {w}" for w in labels), "unscheduled"]
    unscheduled_rows = [
        [_account(result, p.pair.account_id, link), _e(_member_name(result, p.pair.member_id)),
         _e(_contact_name(result, p.pair.contact_id)), _e(p.pair.status.value),
         _day(p.pair.due_date), _e(p.reason)]
        for p in unscheduled
    ]  # fmt: skip
    unscheduled_shown, unscheduled_note = _capped(unscheduled_rows, "unscheduled contacts")
    return (
        '<section id="plan"><h2>Planned contacts per member and week</h2>'
        f"<p>{len(scheduled):,} contacts planned within the horizon, {len(unscheduled):,} "
        "unscheduled (no capacity left in any week: they are reported, never dropped).</p>"
        f"{chart}{_table(headers, shown, numeric=range(1, len(headers)))}{note}"
        "<h3>Unscheduled contacts</h3>"
        + (
            f"<details><summary>The {len(unscheduled):,} unscheduled contacts, in priority "
            "order</summary>"
            + _table(["account", "member", "contact", "status", "due", "reason"], unscheduled_shown)
            + unscheduled_note
            + "</details>"
            if unscheduled
            else '<p class="note">None: every contact that is needed fits a week.</p>'
        )
        + "</section>"
    )


def _contact_name(result: MethodResult, contact_id: str) -> str:
    contact = result.contacts.get(contact_id)
    return contact.name if contact is not None else contact_id


def _movements(result: MethodResult, movements: Sequence[Movement], link: Link | None) -> str:
    if not movements:
        body = (
            '<p class="note">No movements: no previous run in the run log, or no account '
            "changed segment or rating position since.</p>"
        )
    else:
        rows = [
            [_account(result, m.account_id, link), _badge(m.segment_before), _badge(m.segment_now),
             _e(m.position_before or "-"), _e(m.position_now or "-"),
             _stage(result, m.account_id) if m.account_id in result.accounts else "-"]
            for m in movements
        ]  # fmt: skip
        shown, note = _capped(rows, "movements")
        headers = ["account", "segment before", "segment now", "rating before", "rating now",
                   "integration stage"]  # fmt: skip
        body = _table(headers, shown, numeric=[3, 4]) + note
    return f'<section id="movements"><h2>Movements since the previous run</h2>{body}</section>'


def _warnings(result: MethodResult) -> str:
    if not result.warnings:
        return ""
    items = "".join(f"<li>{_e(w)}</li>" for w in result.warnings)
    return f'<section id="warnings"><h2>Warnings</h2><ul>{items}</ul></section>'


def render_html(
    result: MethodResult,
    *,
    default_capacity: int,
    movements: Sequence[Movement] = (),
    link: Link | None = None,
    generated_at: datetime | None = None,
    max_matrices: int = 100,
) -> str:
    """The whole report as one HTML document.

    Args:
        default_capacity: weekly capacity of members without their own (members.csv).
        movements: accounts that moved since the previous run (from the run log).
        link: the CRM page of an account, when the connector knows it.
        generated_at: shown in the header (UTC); ``None`` leaves it out (reproducible output).
        max_matrices: matrices drawn at most (rated accounts first, then segment A by revenue).
    """
    top, left_out = top_accounts(result, max_matrices)

    def capacity_of(member_id: str) -> int:
        member = result.members.get(member_id)
        if member is None or member.capacity_per_week is None:
            return default_capacity
        return member.capacity_per_week

    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>Key-account report as of {result.as_of}</title>",
        f"<style>{_CSS}</style></head><body>",
        _header(result, generated_at),
        "<main>",
        _identify(result),
        _rating(result, link),
        _accounts(result, top, link),
        _matrices(result, top, left_out, link),
        _gaps(result, link),
        _plan(result, capacity_of, link),
        whitespace_section(result, lambda account_id: _account(result, account_id, link), _table),
        _movements(result, movements, link),
        _warnings(result),
        "</main></body></html>",
    ]
    return "\n".join(parts) + "\n"
