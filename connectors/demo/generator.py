"""Writes a seeded demo data set: a CSV source folder and a config file. Does file I/O.

The folder follows the CSV source contract (CONTRACTS.md): a Dutch technical wholesaler with a few
hundred accounts, long-tailed revenue over fifteen months, contacts with DMU roles, a twelve-person
sales team, account teams and a year of activities. The same arguments always give byte-identical
files: every account draws from its own generator seeded by ``(seed, index)``, and the date the
data is anchored on is an argument, never the clock. Rows are written one account at a time, so
memory stays constant however many accounts are asked for.
"""

from __future__ import annotations

import csv
import random
from collections.abc import Iterable
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Protocol

from .accounts import AccountPlanner, revenue_lines
from .catalogue import MEMBERS
from .relations import activities, contacts, team

__all__ = ["DEFAULT_ACCOUNTS", "DEFAULT_SEED", "DemoFolder", "generate_demo"]

DEFAULT_SEED = 2014  # the year of the article the method comes from
DEFAULT_ACCOUNTS = 300

_COLUMNS = {
    "accounts": (
        "id",
        "name",
        "industry",
        "city",
        "country",
        "integration_stage",
        "strategic_fit",
        "payment_days",
    ),
    "revenue": ("account_id", "date", "amount", "margin", "product"),
    "contacts": ("id", "account_id", "name", "email", "title", "dmu_roles", "gatekeeper"),
    "members": ("id", "name", "email", "capacity_per_week"),
    "team": ("account_id", "member_id", "psu_roles", "pioneer"),
    "activities": ("id", "account_id", "contact_id", "member_id", "date", "type", "status"),
}


@dataclass(frozen=True)
class DemoFolder:
    """Where :func:`generate_demo` wrote the data: the CSV source folder and the config file."""

    source_dir: Path
    config_path: Path


class _RowWriter(Protocol):
    def writerow(self, row: Iterable[str], /) -> object: ...


def generate_demo(
    out_dir: Path,
    *,
    as_of: date,
    seed: int = DEFAULT_SEED,
    accounts: int = DEFAULT_ACCOUNTS,
) -> DemoFolder:
    """Write a demo CSV source folder and a config file that reads it.

    Creates ``out_dir/source/`` with accounts, revenue, contacts, members, team and activities
    CSV files, and ``out_dir/config.toml`` (its source path is relative, so the folder can be
    moved). Existing files of those names are overwritten; nothing else is touched.

    Args:
        out_dir: The folder to write into; created when missing.
        as_of: The date the data is anchored on: no revenue line or activity is later, revenue
            spans about 15 months before it and activities about a year.
        seed: Seeds every random choice; the same arguments give byte-identical files.
        accounts: How many accounts to generate (at least 1).

    Returns:
        The paths of the source folder and the config file.

    Raises:
        ValueError: ``accounts`` is less than 1.
    """
    planner = AccountPlanner(seed, accounts)
    source_dir = out_dir / "source"
    source_dir.mkdir(parents=True, exist_ok=True)
    with ExitStack() as stack:
        writers: dict[str, _RowWriter] = {}
        for name, columns in _COLUMNS.items():
            handle = stack.enter_context(
                (source_dir / f"{name}.csv").open("w", encoding="utf-8", newline="")
            )
            writers[name] = csv.writer(handle, lineterminator="\n")
            writers[name].writerow(columns)
        for member in MEMBERS:
            capacity = "" if member.capacity_per_week is None else str(member.capacity_per_week)
            writers["members"].writerow((member.id, member.name, member.email, capacity))
        next_contact = 1
        next_activity = 1
        for index in range(1, accounts + 1):
            rng = random.Random(f"crm-accounts-demo/{seed}/account/{index}")
            plan = planner.plan(index, rng)
            writers["accounts"].writerow(
                (
                    plan.id,
                    plan.name,
                    plan.industry,
                    plan.city,
                    plan.country,
                    plan.integration_stage,
                    plan.strategic_fit,
                    plan.payment_days,
                )
            )
            for when, amount, margin, product in revenue_lines(plan, rng, as_of):
                writers["revenue"].writerow(
                    (plan.id, when.isoformat(), str(amount), str(margin), product)
                )
            people = contacts(plan, rng, next_contact)
            next_contact += len(people)
            for person in people:
                writers["contacts"].writerow(
                    (
                        person.id,
                        plan.id,
                        person.name,
                        person.email,
                        person.title,
                        ";".join(person.roles),
                        _flag(person.gatekeeper),
                    )
                )
            seats = team(plan, rng)
            for seat in seats:
                writers["team"].writerow(
                    (plan.id, seat.member_id, ";".join(seat.roles), _flag(seat.pioneer))
                )
            for when, member_id, contact_id, kind, status in activities(
                plan, people, seats, rng, as_of
            ):
                writers["activities"].writerow(
                    (
                        f"act-{next_activity:06d}",
                        plan.id,
                        contact_id,
                        member_id,
                        when.isoformat(),
                        kind,
                        status,
                    )
                )
                next_activity += 1
    config_path = out_dir / "config.toml"
    config_path.write_text(_config_text(seed, as_of), encoding="utf-8")
    return DemoFolder(source_dir=source_dir, config_path=config_path)


def _flag(value: bool) -> str:
    return "true" if value else "false"


def _config_text(seed: int, as_of: date) -> str:
    return f"""\
# crm-accounts demo configuration (seed {seed}). The data is anchored on {as_of.isoformat()}:
# run with --as-of {as_of.isoformat()} to reproduce the demo's results.

[source]
kind = "csv"
path = "source"

[period]
months = 12

[segments]
rule = "revenue_share"
a = 0.80
b = 0.95

[rating]
top = 5

[[rating.criteria]]
key = "revenue"
label = "Revenue"
source = "revenue"
better = "higher"

[[rating.criteria]]
key = "fit"
label = "Strategic fit (1-10)"
source = "strategic_fit"
better = "higher"

[[rating.criteria]]
key = "payment"
label = "Payment days"
source = "payment_days"
better = "lower"

[plan]
lookback_days = 365
horizon_days = 28
capacity_per_week = 10
closed_status = "Deferred"
"""
