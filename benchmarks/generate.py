"""Write a large, seeded CSV source folder for benchmarks. Does file I/O.

The folder follows the CSV source contract (docs/formats.md) at any size: per account on average
5 contacts, 20 activities and 10 revenue lines, a team of about three members drawn from a pool of
one member per 50 accounts, and long-tailed (lognormal) revenue so that ABC segmentation and the
contact plan have realistic work to do. About one account in ten is a prospect without revenue.

Speed matters more than realism here (a million accounts make about 36 million rows): rows are
streamed to the files with :func:`csv.writer`, cell values are drawn from precomputed pools with
``random.choices(..., k=n)`` once per account and column, and nothing is kept per account. One
``random.Random(seed)`` drives everything in account order, so the same arguments always give
byte-identical files.

Usage (from the repository root)::

    python -m benchmarks.generate --accounts 100000 --out benchmarks/.data/100000
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import sys
import time
from collections.abc import Sequence
from contextlib import ExitStack
from datetime import date, timedelta
from itertools import accumulate, repeat
from pathlib import Path
from typing import Any

__all__ = ["AS_OF", "DEFAULT_SEED", "META_FILE", "generate"]

#: The date the data is anchored on; run the method with ``--as-of`` this date.
AS_OF = date(2026, 11, 27)
DEFAULT_SEED = 7
#: Written last into the folder; its presence means the folder is complete.
META_FILE = "generated.json"

ACCOUNTS_PER_MEMBER = 50
_REVENUE_DAYS = 456  # about 15 months of revenue: some lines fall before the 12-month period
_ACTIVITY_DAYS = 400  # a year of activities and a few older than the 365-day lookback
_PROSPECT_SHARE = 0.1
_SIGMA = 1.75  # lognormal spread of account size: about a fifth of customers make 80% of revenue

_COLUMNS = {
    "accounts": ("id", "name", "integration_stage", "industry", "strategic_fit"),
    "revenue": ("account_id", "date", "amount", "margin", "product"),
    "contacts": ("id", "account_id", "name", "email", "title", "dmu_roles", "gatekeeper"),
    "members": ("id", "name", "email", "capacity_per_week"),
    "team": ("account_id", "member_id", "psu_roles", "pioneer"),
    "activities": ("id", "account_id", "contact_id", "member_id", "date", "type", "status"),
}

_STAGES = ("transactional", "collaborative", "integrated", "")
_STAGE_WEIGHTS = tuple(accumulate((5, 3, 1, 1)))
_INDUSTRIES = ("installation", "construction", "industry", "utilities", "retail", "public")
_FIRST = (
    "Anna", "Bram", "Chris", "Daan", "Eva", "Fleur", "Gijs", "Hanna", "Ivo", "Julia",
    "Kees", "Lotte", "Milan", "Noor", "Olaf", "Pien", "Ruben", "Sanne", "Tom", "Vera",
)  # fmt: skip
_LAST = (
    "Bakker", "de Vries", "Jansen", "Visser", "Smit", "Meijer", "de Boer", "Mulder",
    "de Groot", "Bos", "Vos", "Peters", "Hendriks", "van Dijk", "Dekker", "Brouwer",
)  # fmt: skip
_NAMES = tuple(f"{first} {last}" for first in _FIRST for last in _LAST)
_LOCALS = tuple(
    f"{first[0].lower()}.{last.replace(' ', '').lower()}" for first in _FIRST for last in _LAST
)
_TITLES = ("Director", "Purchasing manager", "Engineer", "Project lead", "Office manager",
           "Planner", "Technician", "Controller")  # fmt: skip
#: DMU role cells with their weights; a quarter of the contacts hold no role.
_DMU_CELLS = ("", "decider", "buyer", "advisor", "influencer", "user", "supporter",
              "decider;buyer", "user;supporter", "Influencer; advisor")  # fmt: skip
_DMU_WEIGHTS = tuple(accumulate((25, 12, 15, 6, 10, 12, 10, 5, 4, 1)))
#: PSU roles besides the account manager, with the chance an account's team has each.
_PSU_CHANCES = (
    ("sales_rep", 0.5),
    ("sales_manager", 0.1),
    ("executive", 0.15),
    ("support", 0.6),
    ("delivery", 0.4),
    ("administration", 0.15),
)
_TYPES = ("email", "call", "meeting", "task")
_TYPE_WEIGHTS = tuple(accumulate((4, 3, 2, 1)))
_STATUSES = ("completed", "", "open", "cancelled", "Completed")
_STATUS_WEIGHTS = tuple(accumulate((80, 10, 5, 4, 1)))
_PRODUCTS = tuple(f"P{number:04d}" for number in range(1, 401))
_FLAGS = ("true", "false")


def _days(as_of: date, count: int) -> tuple[str, ...]:
    """ISO dates of the ``count`` days up to and including ``as_of``."""
    return tuple((as_of - timedelta(days=back)).isoformat() for back in range(count))


def generate(
    out: Path, accounts: int, *, seed: int = DEFAULT_SEED, as_of: date = AS_OF
) -> dict[str, int]:
    """Write the six CSV files of a source folder with ``accounts`` accounts into ``out``.

    Returns the number of data rows per file. The meta file (:data:`META_FILE`) is written last.

    Raises:
        ValueError: ``accounts`` is less than 1.
    """
    if accounts < 1:
        raise ValueError(f"accounts must be at least 1, not {accounts}")
    out.mkdir(parents=True, exist_ok=True)
    (out / META_FILE).unlink(missing_ok=True)
    rng = random.Random(seed)
    rand, randint, choices = rng.random, rng.randint, rng.choices
    revenue_days = _days(as_of, _REVENUE_DAYS)
    activity_days = _days(as_of, _ACTIVITY_DAYS)
    member_count = max(5, -(-accounts // ACCOUNTS_PER_MEMBER))
    member_ids = [f"mem-{number:05d}" for number in range(1, member_count + 1)]
    counts = dict.fromkeys(_COLUMNS, 0)
    next_contact = next_activity = 1
    with ExitStack() as stack:
        writers: dict[str, Any] = {}
        for name, columns in _COLUMNS.items():
            handle = stack.enter_context(
                (out / f"{name}.csv").open("w", encoding="utf-8", newline="")
            )
            writers[name] = csv.writer(handle, lineterminator="\n")
            writers[name].writerow(columns)
        w_accounts, w_revenue = writers["accounts"].writerow, writers["revenue"].writerows
        w_contacts, w_team = writers["contacts"].writerows, writers["team"].writerows
        w_activities = writers["activities"].writerows
        for number, member_id in enumerate(member_ids):
            capacity = "" if number % 4 == 0 else str(20 + number % 41)
            name = _NAMES[number % len(_NAMES)]
            email = f"{_LOCALS[number % len(_LOCALS)]}{number}@example.com"
            writers["members"].writerow((member_id, name, email, capacity))
        counts["members"] = member_count
        for index in range(1, accounts + 1):
            account_id = f"acc-{index:07d}"
            (stage,) = choices(_STAGES, cum_weights=_STAGE_WEIGHTS)
            w_accounts(
                (account_id, f"{_LAST[index % 16]} {_INDUSTRIES[index % 6]} {index}", stage,
                 _INDUSTRIES[randint(0, 5)], str(randint(1, 10)))
            )  # fmt: skip

            # Revenue: an account size drawn from a lognormal, split over 1..21 lines.
            if rand() >= _PROSPECT_SHARE:
                lines = randint(1, 21)
                size = rng.lognormvariate(8.5, _SIGMA) / lines
                amounts = [size * (0.5 + rand()) for _ in range(lines)]
                if rand() < 0.03:
                    amounts[-1] = -amounts[-1] / 2  # a credit note
                w_revenue(
                    zip(
                        repeat(account_id, lines),
                        choices(revenue_days, k=lines),
                        [f"{amount:.2f}" for amount in amounts],
                        [f"{amount * 0.25:.2f}" for amount in amounts],
                        choices(_PRODUCTS[: randint(5, len(_PRODUCTS))], k=lines),
                        strict=True,
                    )
                )
                counts["revenue"] += lines

            # Contacts: 1..9 per account.
            people = randint(1, 9)
            contact_ids = [f"con-{n:08d}" for n in range(next_contact, next_contact + people)]
            next_contact += people
            picks = choices(range(len(_NAMES)), k=people)
            w_contacts(
                zip(
                    contact_ids,
                    repeat(account_id, people),
                    [_NAMES[pick] for pick in picks],
                    [f"{_LOCALS[pick]}@{account_id}.example.com" for pick in picks],
                    choices(_TITLES, k=people),
                    choices(_DMU_CELLS, cum_weights=_DMU_WEIGHTS, k=people),
                    ["true" if rand() < 0.05 else "false" for _ in range(people)],
                    strict=True,
                )
            )
            counts["contacts"] += people

            # Team: an account manager, and each other PSU role by chance (one member may hold
            # several roles: one row per member, roles joined).
            manager = member_ids[randint(0, member_count - 1)]
            roles: dict[str, list[str]] = {manager: ["account_manager"]}
            for role, chance in _PSU_CHANCES:
                if rand() < chance:
                    roles.setdefault(member_ids[randint(0, member_count - 1)], []).append(role)
            team = list(roles)
            w_team(
                (account_id, member, ";".join(held), _FLAGS[rand() >= 0.03])
                for member, held in roles.items()
            )
            counts["team"] += len(team)

            # Activities: 0..40 between the team and the contacts.
            moments = randint(0, 40)
            if moments:
                w_activities(
                    zip(
                        [f"act-{n:09d}" for n in range(next_activity, next_activity + moments)],
                        repeat(account_id, moments),
                        choices(contact_ids, k=moments),
                        choices(team, k=moments),
                        choices(activity_days, k=moments),
                        choices(_TYPES, cum_weights=_TYPE_WEIGHTS, k=moments),
                        choices(_STATUSES, cum_weights=_STATUS_WEIGHTS, k=moments),
                        strict=True,
                    )
                )
                next_activity += moments
                counts["activities"] += moments
        counts["accounts"] = accounts
    meta = {"accounts": accounts, "seed": seed, "as_of": as_of.isoformat(), "rows": counts}
    (out / META_FILE).write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
    return counts


def read_meta(folder: Path) -> dict[str, Any] | None:
    """What :func:`generate` wrote into ``folder``, or ``None`` when it is missing or partial."""
    try:
        meta: dict[str, Any] = json.loads((folder / META_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return meta


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.generate", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--accounts", type=int, required=True, help="number of accounts")
    parser.add_argument("--out", type=Path, required=True, help="folder to write the CSV files")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--as-of", type=date.fromisoformat, default=AS_OF, dest="as_of")
    args = parser.parse_args(argv)
    if args.accounts < 1:
        parser.error("--accounts must be at least 1")
    started = time.perf_counter()
    counts = generate(args.out, args.accounts, seed=args.seed, as_of=args.as_of)
    seconds = time.perf_counter() - started
    total = sum(counts.values())
    detail = ", ".join(f"{name} {count:,}" for name, count in counts.items())
    print(f"{args.out}: {total:,} rows in {seconds:.1f} s ({detail})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
