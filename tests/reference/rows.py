"""The method's aggregates and the CSV source's cell rules, one row at a time. Pure except
:func:`read_revenue_csv` and :func:`read_activities_csv` (they read one file).

Written for reading, not speed: each function says the rule of docs/METHOD.md it follows, with a
plain loop and Python's ``Decimal``. The property tests compare the columnar core with these.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from datetime import date, timedelta
from decimal import Decimal, localcontext
from pathlib import Path

from crm_accounts.connectors.csv.cells import CellError, parse_date, parse_decimal
from crm_accounts.domain.model import Activity, RevenueLine
from crm_accounts.domain.revenue import Period

__all__ = ["last_contacts", "read_activities_csv", "read_revenue_csv", "revenue_per_account"]


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
        rows = [
            (reader.line_num, row + [""] * (len(header) - len(row))) for row in reader if any(row)
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
