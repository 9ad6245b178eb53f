"""The readable summary ``plan`` and ``demo`` print; renders to a rich console (terminal I/O).

Everything here formats a :class:`~crm_accounts.domain.method.MethodResult`; no computation
beyond counting rows for display.
"""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from decimal import Decimal

from rich.console import Console
from rich.table import Table

from .domain.method import MethodResult
from .domain.planning import PlanStatus
from .domain.segmentation import GROUPS

__all__ = ["render_summary"]

_UNSCHEDULED_SHOWN = 20


def _pct(value: Decimal | None) -> str:
    return "-" if value is None else f"{value * 100:.1f}%"


def _money(value: Decimal | None) -> str:
    return "-" if value is None else f"{value:,.2f}"


def _num(value: Decimal | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def _groups(console: Console, result: MethodResult) -> None:
    table = Table(title="Identify: the four questions per group", title_justify="left")
    for column in ("group", "accounts", "share", "revenue", "share", "avg revenue"):
        table.add_column(column, justify="left" if column == "group" else "right")
    table.add_column("products/yr", justify="right")
    has_margins = result.revenue.has_margins
    if has_margins:
        table.add_column("margin", justify="right")
        table.add_column("share", justify="right")
    for group in GROUPS:
        figures = result.groups[group]
        row = [
            group, str(figures.accounts), _pct(figures.accounts_share), _money(figures.revenue),
            _pct(figures.revenue_share), _money(figures.avg_revenue),
            _num(figures.avg_products_per_year),
        ]  # fmt: skip
        if has_margins:
            row += [_money(figures.margin), _pct(figures.margin_share)]
        table.add_row(*row)
    console.print(table)
    pareto = result.pareto
    if pareto.customers_share_for_80pct_revenue is not None:
        console.print(
            f"Pareto: {_pct(pareto.customers_share_for_80pct_revenue)} of customers make 80% "
            "of revenue."
        )
    if pareto.margin is not None:
        console.print(
            f"Margin concentration: {_pct(pareto.margin.customers_share)} of customers, with "
            f"{_pct(pareto.margin.revenue_share)} of revenue, make 80% of margin."
        )


def _rating(console: Console, result: MethodResult) -> None:
    rating = result.rating
    if not rating.accounts:
        console.print("Customer rating: no accounts to rate.")
        return
    table = Table(title="Identify: customer rating (1 = most interesting)", title_justify="left")
    for column in ("pos", "account", "name", "segment", "stage", "points"):
        table.add_column(column, justify="right" if column in ("pos", "points") else "left")
    for criterion in rating.criteria:
        table.add_column(criterion.label or criterion.key, justify="right")
    for rated in rating.accounts:
        account = result.accounts[rated.account_id]
        table.add_row(
            str(rated.position), rated.account_id, account.name,
            result.segments[rated.account_id].value,
            account.integration_stage.value if account.integration_stage else "-",
            format(rated.points, "f"),
            *(format(rated.ranks[c.key], "f") for c in rating.criteria),
        )  # fmt: skip
    console.print(table)


def _intensify(console: Console, result: MethodResult) -> None:
    if not result.has_contact_plan:
        console.print("Intensify: no contacts.csv and team.csv, so no contact plan.")
        return
    counts = Counter(gap.code.value for gap in result.matrix.gaps)
    gaps = Table(title="Intensify: gaps by code", title_justify="left")
    gaps.add_column("code")
    gaps.add_column("count", justify="right")
    for code, number in sorted(counts.items()):
        gaps.add_row(code, str(number))
    console.print(gaps)

    scheduled = [p for p in result.plan if p.status is PlanStatus.SCHEDULED]
    unscheduled = [p for p in result.plan if p.status is PlanStatus.UNSCHEDULED]
    weeks = sorted({(p.planned_date - result.as_of).days // 7 for p in scheduled if p.planned_date})
    per_member: Counter[tuple[str, int]] = Counter()
    for planned in scheduled:
        assert planned.planned_date is not None
        per_member[(planned.pair.member_id, (planned.planned_date - result.as_of).days // 7)] += 1
    table = Table(title="Planned contacts per member and week", title_justify="left")
    table.add_column("member")
    for week in weeks:
        table.add_column(f"week of {result.as_of + timedelta(days=7 * week)}", justify="right")
    table.add_column("total", justify="right")
    for member_id in sorted({member for member, _ in per_member}):
        row = [str(per_member[(member_id, week)]) for week in weeks]
        total = sum(per_member[(member_id, week)] for week in weeks)
        table.add_row(member_id, *row, str(total))
    console.print(table)
    console.print(f"{len(scheduled)} contacts planned, {len(unscheduled)} unscheduled.")
    if unscheduled:
        table = Table(title="Unscheduled (over capacity)", title_justify="left")
        for column in ("account", "member", "contact", "pair status", "due", "days overdue"):
            table.add_column(column)
        for planned in unscheduled[:_UNSCHEDULED_SHOWN]:
            pair = planned.pair
            table.add_row(
                pair.account_id, pair.member_id, pair.contact_id, pair.status.value,
                pair.due_date.isoformat(), str(pair.days_overdue),
            )  # fmt: skip
        console.print(table)
        if len(unscheduled) > _UNSCHEDULED_SHOWN:
            console.print(f"... and {len(unscheduled) - _UNSCHEDULED_SHOWN} more in plan.csv")


def render_summary(console: Console, result: MethodResult) -> None:
    """Print the whole readable summary of one run."""
    segmentation = result.segmentation
    console.print(
        f"As of {result.as_of} (revenue period {result.period.start} excluded to "
        f"{result.period.end}): {len(segmentation.customers)} customers, "
        f"{len(segmentation.no_revenue)} accounts without revenue, total revenue "
        f"{_money(segmentation.total)}."
    )
    _groups(console, result)
    _rating(console, result)
    _intensify(console, result)
    suggestions = result.suggestions
    if result.contacts or suggestions.without_role:
        console.print(
            f"{suggestions.without_role} contacts without a role, "
            f"{len(suggestions.by_contact)} with a suggestion"
            + (" (used as their roles)." if suggestions.used else " (role_suggestions.csv).")
        )
    for warning in result.warnings:
        console.print(f"warning: {warning}", style="yellow", markup=False)
