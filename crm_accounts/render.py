"""The readable summary ``plan`` and ``demo`` print; renders to a rich console (terminal I/O).

Everything here formats a :class:`~crm_accounts.domain.method.MethodResult`; no computation
beyond counting rows for display.
"""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

from rich.console import Console
from rich.table import Table

from .domain.method import MethodResult
from .domain.planning import PlanStatus
from .domain.segmentation import GROUPS
from .i18n import Language, language

__all__ = ["render_summary"]

_UNSCHEDULED_SHOWN = 20


def _groups(console: Console, result: MethodResult, lang: Language) -> None:
    _ = lang._
    table = Table(title=_("Identify: the four questions per group"), title_justify="left")
    table.add_column(_("group"), justify="left")
    for column in (_("accounts"), _("share"), _("revenue"), _("share"), _("avg revenue")):
        table.add_column(column, justify="right")
    table.add_column(_("products/yr"), justify="right")
    has_margins = result.revenue.has_margins
    if has_margins:
        table.add_column(_("margin"), justify="right")
        table.add_column(_("share"), justify="right")
    for group in GROUPS:
        figures = result.groups[group]
        row = [
            _(group), str(figures.accounts), lang.percent(figures.accounts_share),
            lang.money(figures.revenue), lang.percent(figures.revenue_share),
            lang.money(figures.avg_revenue), lang.number(figures.avg_products_per_year),
        ]  # fmt: skip
        if has_margins:
            row += [lang.money(figures.margin), lang.percent(figures.margin_share)]
        table.add_row(*row)
    console.print(table)
    pareto = result.pareto
    if pareto.customers_share_for_80pct_revenue is not None:
        console.print(
            _("Pareto: %(share)s of customers make 80%% of revenue.")
            % {"share": lang.percent(pareto.customers_share_for_80pct_revenue)}
        )
    if pareto.margin is not None:
        console.print(
            _("Margin concentration: %(customers)s of customers, with %(revenue)s of revenue, "
              "make 80%% of margin.")
            % {"customers": lang.percent(pareto.margin.customers_share),
               "revenue": lang.percent(pareto.margin.revenue_share)}
        )  # fmt: skip


def _rating(console: Console, result: MethodResult, lang: Language) -> None:
    _ = lang._
    rating = result.rating
    if not rating.accounts:
        console.print(_("Customer rating: no accounts to rate."))
        return
    table = Table(title=_("Identify: customer rating (1 = most interesting)"), title_justify="left")
    for column, right in (
        (_("pos"), True),
        (_("account"), False),
        (_("name"), False),
        (_("segment"), False),
        (_("stage"), False),
        (_("points"), True),
    ):
        table.add_column(column, justify="right" if right else "left")
    for criterion in rating.criteria:
        table.add_column(criterion.label or criterion.key, justify="right")
    for rated in rating.accounts:
        account = result.accounts[rated.account_id]
        table.add_row(
            str(rated.position), rated.account_id, account.name,
            result.segments[rated.account_id].value,
            _(account.integration_stage.value) if account.integration_stage else "-",
            lang.exact(rated.points),
            *(lang.exact(rated.ranks[c.key]) for c in rating.criteria),
        )  # fmt: skip
    console.print(table)


def _intensify(console: Console, result: MethodResult, lang: Language) -> None:
    _ = lang._
    if not result.has_contact_plan:
        console.print(_("Intensify: no contacts.csv and team.csv, so no contact plan."))
        return
    counts = Counter(gap.code.value for gap in result.matrix.gaps)
    gaps = Table(title=_("Intensify: gaps by code"), title_justify="left")
    gaps.add_column(_("code"))
    gaps.add_column(_("count"), justify="right")
    for code, number in sorted(counts.items()):
        gaps.add_row(_(code), str(number))
    console.print(gaps)

    scheduled = [p for p in result.plan if p.status is PlanStatus.SCHEDULED]
    unscheduled = [p for p in result.plan if p.status is PlanStatus.UNSCHEDULED]
    weeks = sorted({(p.planned_date - result.as_of).days // 7 for p in scheduled if p.planned_date})
    per_member: Counter[tuple[str, int]] = Counter()
    for planned in scheduled:
        assert planned.planned_date is not None
        per_member[(planned.pair.member_id, (planned.planned_date - result.as_of).days // 7)] += 1
    table = Table(title=_("Planned contacts per member and week"), title_justify="left")
    table.add_column(_("member"))
    for week in weeks:
        first = lang.day(result.as_of + timedelta(days=7 * week))
        table.add_column(_("week of %(day)s") % {"day": first}, justify="right")
    table.add_column(_("total"), justify="right")
    for member_id in sorted({member for member, _ in per_member}):
        row = [str(per_member[(member_id, week)]) for week in weeks]
        total = sum(per_member[(member_id, week)] for week in weeks)
        table.add_row(member_id, *row, str(total))
    console.print(table)
    console.print(
        _("%(planned)s contacts planned, %(unscheduled)s unscheduled.")
        % {"planned": len(scheduled), "unscheduled": len(unscheduled)}
    )
    if unscheduled:
        table = Table(title=_("Unscheduled (over capacity)"), title_justify="left")
        due = lang.p_("column", "due")
        for column in (_("account"), _("member"), _("contact"), _("pair status"), due,
                       _("days overdue")):  # fmt: skip
            table.add_column(column)
        for planned in unscheduled[:_UNSCHEDULED_SHOWN]:
            pair = planned.pair
            table.add_row(
                pair.account_id, pair.member_id, pair.contact_id, _(pair.status.value),
                lang.day(pair.due_date), str(pair.days_overdue),
            )  # fmt: skip
        console.print(table)
        if len(unscheduled) > _UNSCHEDULED_SHOWN:
            console.print(
                _("... and %(count)s more in plan.csv")
                % {"count": len(unscheduled) - _UNSCHEDULED_SHOWN}
            )


def render_summary(console: Console, result: MethodResult, lang: Language | None = None) -> None:
    """Print the whole readable summary of one run, in ``lang`` (default English)."""
    lang = lang or language()
    _ = lang._
    segmentation = result.segmentation
    console.print(
        _("As of %(day)s (revenue period %(start)s excluded to %(end)s): %(customers)s "
          "customers, %(none)s accounts without revenue, total revenue %(total)s.")
        % {"day": lang.day(result.as_of), "start": lang.day(result.period.start),
           "end": lang.day(result.period.end), "customers": len(segmentation.customers),
           "none": len(segmentation.no_revenue), "total": lang.money(segmentation.total)}
    )  # fmt: skip
    _groups(console, result, lang)
    _rating(console, result, lang)
    _intensify(console, result, lang)
    suggestions = result.suggestions
    if result.contacts or suggestions.without_role:
        counts = {"without": suggestions.without_role, "with": len(suggestions.by_contact)}
        console.print(
            _("%(without)s contacts without a role, %(with)s with a suggestion (used as their "
              "roles).") % counts
            if suggestions.used
            else _("%(without)s contacts without a role, %(with)s with a suggestion "
                   "(role_suggestions.csv).") % counts
        )  # fmt: skip
    for warning in result.warnings:
        console.print(f"warning: {warning}", style="yellow", markup=False)
