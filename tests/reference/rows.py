"""The method's aggregates and the CSV source's cell rules, one row at a time. Pure except
:func:`read_revenue_csv` and :func:`read_activities_csv` (they read one file).

Written for reading, not speed: each function says the rule of docs/METHOD.md it follows, with a
plain loop and Python's ``Decimal`` (the contact matrix looks at every rule, member and contact of
an account; the plan tries every week for every pair). The property tests compare the columnar
core with these.
"""

from __future__ import annotations

import csv
import hashlib
import json
from collections.abc import Iterable
from datetime import date, timedelta
from decimal import Decimal, localcontext
from pathlib import Path

from crm_accounts.connectors.csv.cells import CellError, parse_date, parse_decimal
from crm_accounts.domain.contact_plan import Gap, GapCode, Pair, PairStatus
from crm_accounts.domain.model import Activity, Contact, RevenueLine, Segment, TeamMember
from crm_accounts.domain.revenue import Period
from crm_accounts.domain.settings import PlanRule, PlanSettings

__all__ = [
    "contact_matrix",
    "last_contacts",
    "plan",
    "read_activities_csv",
    "read_revenue_csv",
    "revenue_per_account",
]


def revenue_per_account(
    lines: Iterable[RevenueLine], period: Period
) -> tuple[dict[str, Decimal], dict[str, Decimal], dict[str, set[str]], bool, bool]:
    """Revenue and margin sums, distinct products per account in the period; whether margins
    and products exist (in any line, in the period or not)."""
    revenue: dict[str, Decimal] = {}
    margin: dict[str, Decimal] = {}
    products: dict[str, set[str]] = {}
    has_margins = has_products = False
    with localcontext(prec=60):
        for line in lines:
            if line.margin is not None:
                has_margins = True
            if line.product:
                has_products = True
            if not (period.start < line.date <= period.end):
                continue
            revenue[line.account_id] = revenue.get(line.account_id, Decimal(0)) + line.amount
            if line.margin is not None:
                margin[line.account_id] = margin.get(line.account_id, Decimal(0)) + line.margin
            if line.product:
                products.setdefault(line.account_id, set()).add(line.product)
    return revenue, margin, products, has_margins, has_products


def last_contacts(
    activities: Iterable[Activity], as_of: date, lookback_days: int
) -> dict[tuple[str, str], date]:
    """The latest completed activity per (member, contact) with
    ``as_of - lookback_days < date <= as_of``."""
    last: dict[tuple[str, str], date] = {}
    for activity in activities:
        in_lookback = as_of - timedelta(days=lookback_days) < activity.date <= as_of
        if not activity.completed or not in_lookback:
            continue
        key = (activity.member_id, activity.contact_id)
        if key not in last or activity.date > last[key]:
            last[key] = activity.date
    return last


def _rows(path: Path) -> tuple[dict[str, int], list[tuple[int, list[str]]]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle)
        header = [name.strip() for name in next(reader)]
        # A short row of empty cells is a blank line; a full-width row of them is a row.
        rows = [
            (reader.line_num, row + [""] * (len(header) - len(row)))
            for row in reader
            if any(row) or len(row) >= len(header)
        ]
    return {name: index for index, name in enumerate(header)}, rows


def read_revenue_csv(path: Path, known: set[str]) -> tuple[list[RevenueLine], list[int]]:
    """Valid lines of a revenue.csv, and the line numbers of the bad ones."""
    columns, rows = _rows(path)
    lines, bad = [], []
    for number, row in rows:
        account_id = row[columns["account_id"]]
        raw_margin = row[columns["margin"]] if "margin" in columns else ""
        product = row[columns["product"]] if "product" in columns else ""
        try:
            if account_id not in known:
                raise CellError
            day = parse_date(row[columns["date"]])
            amount = parse_decimal(row[columns["amount"]])
            margin = parse_decimal(raw_margin) if raw_margin.strip() else None
        except CellError:
            bad.append(number)
            continue
        lines.append(RevenueLine(account_id, day, amount, margin, product or None))
    return lines, bad


def read_activities_csv(path: Path, known: set[str]) -> tuple[list[Activity], list[int]]:
    """Valid activities of an activities.csv, and the line numbers of the bad ones."""
    columns, rows = _rows(path)
    activities, bad = [], []
    for number, row in rows:
        account_id, contact_id, member_id = (
            row[columns[name]] for name in ("account_id", "contact_id", "member_id")
        )
        try:
            if account_id not in known or not contact_id.strip() or not member_id.strip():
                raise CellError
            day = parse_date(row[columns["date"]])
        except CellError:
            bad.append(number)
            continue
        status = row[columns["status"]] if "status" in columns else ""
        completed = status.strip().lower() in ("completed", "")
        activities.append(Activity(member_id, contact_id, day, completed, account_id))
    return activities, bad


def contact_matrix(
    accounts: Iterable[tuple[str, Segment]],
    contacts: Iterable[Contact],
    team: Iterable[TeamMember],
    last: dict[tuple[str, str], date],
    as_of: date,
    settings: PlanSettings,
) -> tuple[list[Pair], list[Gap]]:
    """METHOD.md section 2 for each account in the order given: every (member, contact) pair
    some rule of the account's segment asks for (the shortest cadence of its rules), its status,
    and the account's gaps, one account at a time."""
    contacts, team = list(contacts), list(team)
    contacted = {contact_id for _, contact_id in last}
    pairs: list[Pair] = []
    gaps: list[Gap] = []
    for account_id, segment in accounts:
        if segment is Segment.NONE:
            continue
        people = [c for c in contacts if c.account_id == account_id]
        places = [m for m in team if m.account_id == account_id]
        rules = [rule for rule in settings.rules if rule.segment is segment]
        for dmu in dict.fromkeys(rule.dmu for rule in rules):
            if not any(dmu in c.dmu_roles for c in people):
                gaps.append(Gap(account_id, GapCode.DMU_ROLE_MISSING, dmu_role=dmu))
        for psu in dict.fromkeys(rule.psu for rule in rules):
            if not any(psu in m.psu_roles for m in places):
                gaps.append(Gap(account_id, GapCode.PSU_ROLE_MISSING, psu_role=psu))
        wanted: dict[tuple[str, str], list[PlanRule]] = {}
        for rule in rules:
            for place in places:
                for person in people:
                    if rule.psu in place.psu_roles and rule.dmu in person.dmu_roles:
                        wanted.setdefault((place.member_id, person.id), []).append(rule)
        for (member_id, contact_id), asked in sorted(wanted.items()):
            every = min(rule.every_days for rule in asked)
            seen = last.get((member_id, contact_id))
            if seen is None:
                due, status, overdue = as_of, PairStatus.NEVER, settings.lookback_days
            else:
                due = seen + timedelta(days=every)
                overdue = (as_of - due).days
                if due < as_of:
                    status = PairStatus.OVERDUE
                elif due < as_of + timedelta(days=settings.horizon_days):
                    status = PairStatus.DUE
                else:
                    status = PairStatus.OK
            pairs.append(Pair(account_id, member_id, contact_id, every, tuple(asked), seen, due,
                              status, overdue))  # fmt: skip
            if status in (PairStatus.NEVER, PairStatus.OVERDUE):
                code = (GapCode.CONTACT_NEVER if status is PairStatus.NEVER
                        else GapCode.CONTACT_OVERDUE)  # fmt: skip
                gaps.append(Gap(account_id, code, None, None, member_id, contact_id, seen, due,
                                overdue))  # fmt: skip
        if segment in (Segment.A, Segment.B):
            met = [c for c in people if c.id in contacted]
            if len(met) <= 1:
                gaps.append(Gap(account_id, GapCode.SINGLE_THREADED))
            if met and all(c.gatekeeper for c in met):
                gaps.append(Gap(account_id, GapCode.GATEKEEPER_ONLY))
    return pairs, gaps


def plan(
    pairs: Iterable[Pair],
    segments: dict[str, Segment],
    positions: dict[str, int],
    capacity: dict[str, int],
    default_capacity: int,
    as_of: date,
    horizon_days: int,
) -> list[tuple[Pair, date | None, str, str]]:
    """METHOD.md section 2's plan: pairs needing contact by priority (segment, rated by
    position, unrated, most overdue, ids), each in the first week from ``as_of`` with room for
    its member and a weekday on or after its due date; ``(pair, day, reason, key)``."""
    order = {Segment.A: 0, Segment.B: 1, Segment.C: 2, Segment.NONE: 3}

    def priority(pair: Pair) -> tuple[int, int, int, int, str, str, str]:
        position = positions.get(pair.account_id)
        return (order[segments[pair.account_id]], position is None, position or 0,
                -pair.days_overdue, pair.account_id, pair.member_id, pair.contact_id)  # fmt: skip

    end = as_of + timedelta(days=horizon_days)
    weeks = [as_of + timedelta(days=start) for start in range(0, max(horizon_days, 0), 7)]
    taken: dict[tuple[str, date], int] = {}
    planned = []
    for pair in sorted((p for p in pairs if p.status is not PairStatus.OK), key=priority):
        ids = json.dumps([pair.account_id, pair.member_id, pair.contact_id], ensure_ascii=False)
        key = "kam1-" + hashlib.sha256(ids.encode()).hexdigest()[:24]
        room = capacity.get(pair.member_id, default_capacity)
        chosen = None
        for week in weeks:
            days = [week + timedelta(days=n) for n in range(7)]
            free = [d for d in days if d < end and d >= pair.due_date and d.weekday() < 5]
            if free and taken.get((pair.member_id, week), 0) < room:
                chosen = free[0]
                taken[(pair.member_id, week)] = taken.get((pair.member_id, week), 0) + 1
                break
        reason = pair.status.value if chosen is not None else "over_capacity"
        planned.append((pair, chosen, reason, key))
    return planned
