"""The self-contained HTML report: one file, no network, readable on a laptop and on paper.

Builds the page from a finished :class:`~crm_accounts.domain.method.MethodResult` (plus the
movements since the previous run) with the Jinja2 template ``templates/report.html.j2``
(autoescaping on: every value from the CRM is escaped). This module gathers the rows the
template shows; the template holds the markup and the words, translated through the output
language's catalog (:mod:`crm_accounts.i18n`). Nothing is fetched: styles are inline, charts are
inline SVG (:mod:`.charts`), and the only script is the account index's inline filter (the
index is a plain list of links without it). No file I/O.
"""

from __future__ import annotations

import html
import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

from .. import __version__
from ..domain.contact_plan import GapCode, PairStatus
from ..domain.method import MethodResult
from ..domain.model import Segment
from ..domain.planning import PlannedContact, PlanStatus
from ..domain.segmentation import GROUPS
from ..i18n import N_, Language, language
from ..sync.report import Movement
from ..words import role_word
from .charts import pareto_svg, weekly_load_svg
from .matrix import AccountMatrix, top_accounts
from .palette import NOT_PLANNED, SEGMENT_COLOURS, STATUS_COLOURS, STATUS_LABELS
from .scores import rating_scores
from .whitespace import suggestions_counts, whitespace_by_account

__all__ = ["MAX_ROWS", "matrix_anchors", "render_html"]

#: Long tables (gaps, unscheduled contacts) show this many rows; the CSV export has them all.
MAX_ROWS = 500

Link = Callable[[str], str | None]

#: Plain words for the gap codes (METHOD.md 2), in the report's column headings.
GAP_WORDS: dict[GapCode, str] = {
    GapCode.DMU_ROLE_MISSING: N_("DMU role missing"),
    GapCode.PSU_ROLE_MISSING: N_("PSU role missing"),
    GapCode.CONTACT_NEVER: N_("contact never"),
    GapCode.CONTACT_OVERDUE: N_("contact overdue"),
    GapCode.SINGLE_THREADED: N_("single threaded"),
    GapCode.GATEKEEPER_ONLY: N_("gatekeeper only"),
}
_UNSAFE_ID = re.compile(r"[^A-Za-z0-9_-]+")


@dataclass(frozen=True, slots=True)
class Unscheduled:
    planned: PlannedContact
    segment: str
    status: str
    reason: str


def _escaped(value: object) -> object:
    """Text escaped as the report always escaped it (``&quot;``, ``&#x27;``); markup as is."""
    if isinstance(value, Markup) or not isinstance(value, str):
        return value
    return Markup(html.escape(value, quote=True))


@cache
def _environment(code: str) -> Environment:
    environment = Environment(
        loader=PackageLoader("crm_accounts.reports", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        finalize=_escaped,
    )
    lang = language(code)
    environment.install_gettext_translations(  # type: ignore[attr-defined]
        lang.translations, newstyle=True
    )
    environment.filters["role_word"] = lambda label: role_word(lang, label)
    return environment


def matrix_anchors(matrices: Sequence[AccountMatrix]) -> dict[str, str]:
    """A unique element id per drawn matrix, readable where the account id allows."""
    anchors: dict[str, str] = {}
    used: set[str] = set()
    for number, matrix in enumerate(matrices, start=1):
        slug = _UNSAFE_ID.sub("-", matrix.account_id).strip("-")[:40]
        anchor = f"account-{slug}" if slug else f"account-{number}"
        if anchor in used:
            anchor = f"{anchor}-{number}"
        used.add(anchor)
        anchors[matrix.account_id] = anchor
    return anchors


def _status_words(planned: PlannedContact, lang: Language) -> str:
    pair = planned.pair
    if pair.status is PairStatus.NEVER:
        return lang._("never in contact in the lookback period")
    if pair.status is PairStatus.OVERDUE:
        return lang.n_("overdue by %(days)s day", "overdue by %(days)s days", pair.days_overdue) % {
            "days": lang.count(pair.days_overdue)
        }
    return lang._("due on %(day)s") % {"day": lang.day(pair.due_date)}


def _reason_words(reason: str, member: str, lang: Language) -> str:
    if reason == "over_capacity":
        return lang._("over capacity: no week in the horizon has room left for %(member)s") % {
            "member": member
        }
    return reason.replace("_", " ")


def _plan_view(
    result: MethodResult, capacity_of: Callable[[str], int], lang: Language
) -> dict[str, Any]:
    scheduled = [p for p in result.plan if p.status is PlanStatus.SCHEDULED]
    unscheduled = [p for p in result.plan if p.status is PlanStatus.UNSCHEDULED]
    # The plan's 7-day windows start on as_of; a scheduled contact always has its date.
    week_of = [
        (p.pair.member_id, (p.planned_date - result.as_of).days // 7)
        for p in scheduled
        if p.planned_date is not None
    ]
    weeks = max((week for _, week in week_of), default=-1) + 1
    labels = [lang.week(result.as_of + timedelta(days=7 * w)) for w in range(weeks)]
    load: dict[str, list[int]] = {}
    for member_id, week in week_of:
        load.setdefault(member_id, [0] * weeks)[week] += 1
    missed = Counter(p.pair.member_id for p in unscheduled)
    members = sorted(set(load) | set(missed), key=lambda m: (_member_name(result, m), m))
    rows = [
        (_member_name(result, m), capacity_of(m), load.get(m, [0] * weeks), missed.get(m, 0))
        for m in members
    ]
    chart = weekly_load_svg(
        labels,
        {_member_name(result, m): counts for m, counts in load.items()},
        {_member_name(result, m): capacity_of(m) for m in load},
        lang,
    )
    listed = [
        Unscheduled(
            p,
            result.segments.get(p.pair.account_id, Segment.NONE).value,
            _status_words(p, lang),
            _reason_words(p.reason or "", _member_name(result, p.pair.member_id), lang),
        )
        for p in unscheduled[:MAX_ROWS]
    ]
    return {
        "scheduled": len(scheduled), "unscheduled": len(unscheduled), "weeks": labels,
        "rows": rows[:MAX_ROWS], "members": len(rows), "chart": Markup(chart),
        "listed": listed,
    }  # fmt: skip


def _contact_name(result: MethodResult, contact_id: str) -> str:
    contact = result.contacts.get(contact_id)
    return contact.name if contact is not None else contact_id


def _member_name(result: MethodResult, member_id: str) -> str:
    member = result.members.get(member_id)
    return member.name if member is not None else member_id


def render_html(
    result: MethodResult,
    *,
    default_capacity: int,
    movements: Sequence[Movement] | None = None,
    link: Link | None = None,
    generated_at: datetime | None = None,
    max_matrices: int = 100,
    lang: Language | None = None,
) -> str:
    """The whole report as one HTML document.

    Args:
        default_capacity: weekly capacity of members without their own (members.csv).
        movements: accounts that moved since the previous sync (from the run log); ``None``
            when the run log holds no previous sync to compare with.
        link: the CRM page of an account, when the connector knows it.
        generated_at: shown in the header (UTC); ``None`` leaves it out (reproducible output).
        max_matrices: matrices drawn at most (rated accounts first, then segment A by revenue).
        lang: the output language (default English).
    """
    lang = lang or language()
    top, left_out = top_accounts(result, max_matrices)

    def capacity_of(member_id: str) -> int:
        member = result.members.get(member_id)
        if member is None or member.capacity_per_week is None:
            return default_capacity
        return member.capacity_per_week

    def name_of(account_id: str) -> str:
        account = result.accounts.get(account_id)
        return account.name if account is not None else account_id

    per_account: dict[str, Counter[GapCode]] = {}
    for gap in result.matrix.gaps:
        per_account.setdefault(gap.account_id, Counter())[gap.code] += 1
    scores, score_warnings = rating_scores(result, lang)
    rating_warnings = set(result.rating.warnings)
    stages = Counter(
        (result.accounts[a].integration_stage or N_("not recorded"))
        for a in result.accounts
        if result.segments[a] is Segment.A
    )
    stages_text = ", ".join(
        f"{lang._(stage)}: {lang.count(n)}" for stage, n in sorted(stages.items())
    ) or lang._("none")
    share = result.pareto.customers_share_for_80pct_revenue
    context: dict[str, Any] = {
        "lang": lang, "r": result, "version": __version__, "generated_at": generated_at,
        "link": link or (lambda _: None), "name_of": name_of, "groups": GROUPS,
        "segment_colours": SEGMENT_COLOURS, "status_colours": STATUS_COLOURS,
        "status_labels": STATUS_LABELS, "not_planned": NOT_PLANNED, "max_rows": MAX_ROWS,
        "pareto_chart": Markup(pareto_svg(result.segmentation, share, lang)),
        "scores": scores, "positions": result.rating.position_of(),
        "open_gaps": result.open_gaps(), "coverage": result.coverage,
        "stages_text": stages_text,
        "top": top, "left_out": left_out, "anchors": matrix_anchors(top),
        "gap_codes": [(code, GAP_WORDS[code]) for code in GapCode],
        "gaps_by_account": per_account,
        "gap_totals": Counter(gap.code for gap in result.matrix.gaps),
        "plan": _plan_view(result, capacity_of, lang) if result.plan else None,
        "whitespace": whitespace_by_account(result),
        "suggestions": suggestions_counts(result),
        "movements": movements,
        "warnings": [*score_warnings, *(w for w in result.warnings if w not in rating_warnings)],
        "member_name": lambda m: _member_name(result, m),
        "contact_name": lambda c: _contact_name(result, c),
    }  # fmt: skip
    return _environment(lang.code).get_template("report.html.j2").render(context)
