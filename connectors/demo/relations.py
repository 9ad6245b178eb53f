"""Contacts, account teams and activities of the demo data set; pure (no I/O, no clock).

Everything scales with the account's size tier, and the imperfections a real CRM has are put in
on purpose, because they are what the contact matrix is for: missing DMU roles, contacts without a
role, gatekeepers, accounts worked through one contact or only through the gatekeeper, team roles
nobody holds, pairs never contacted, lapsed cadences and open or status-less activities.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta

from .accounts import AccountPlan, Tier, ascii_slug
from .catalogue import (
    DMU_ROLES,
    FIRST_NAMES,
    GATEKEEPER_TITLES,
    LAST_NAMES,
    MEMBERS,
    OTHER_TITLES,
    PSU_ROLES,
    TITLES,
)

__all__ = ["Activity", "Contact", "TeamSeat", "activities", "contacts", "team"]

#: An activity: date, member id, contact id, type, status.
Activity = tuple[date, str, str, str, str]

_HISTORY_DAYS = 400  # a year of activities, and a few just older than the 365-day lookback

#: Probability that an account of a tier has a contact holding each DMU role.
_DMU_PRESENT: dict[Tier, dict[str, float]] = {
    "large": {
        "decider": 0.9,
        "buyer": 0.95,
        "advisor": 0.55,
        "influencer": 0.7,
        "user": 0.75,
        "supporter": 0.7,
    },
    "medium": {
        "decider": 0.8,
        "buyer": 0.85,
        "advisor": 0.25,
        "influencer": 0.4,
        "user": 0.45,
        "supporter": 0.4,
    },
    "small": {
        "decider": 0.75,
        "buyer": 0.6,
        "advisor": 0.05,
        "influencer": 0.1,
        "user": 0.15,
        "supporter": 0.15,
    },
}
#: Probability that an account of a tier has a team member in each PSU role (besides the AM).
_PSU_PRESENT: dict[Tier, dict[str, float]] = {
    "large": {
        "sales_rep": 0.85,
        "sales_manager": 0.25,
        "executive": 0.6,
        "support": 0.9,
        "delivery": 0.75,
        "administration": 0.45,
    },
    "medium": {
        "sales_rep": 0.5,
        "sales_manager": 0.08,
        "executive": 0.04,
        "support": 0.75,
        "delivery": 0.4,
        "administration": 0.1,
    },
    "small": {"sales_rep": 0.1, "support": 0.6},
}
#: Which contacts a member in a PSU role talks to in practice.
_TALKS_TO = {
    "account_manager": {"decider", "buyer", "gatekeeper"},
    "sales_rep": {"influencer", "advisor", "buyer", "gatekeeper"},
    "sales_manager": {"decider"},
    "executive": {"decider"},
    "support": {"supporter", "buyer"},
    "delivery": {"user"},
    "administration": {"supporter"},
}
#: Large accounts (by place in size order) that always show a weak contact pattern, whatever the
#: seed: one is worked only through its gatekeeper, one through a single person.
_GATEKEEPER_ONLY_FROM_TOP = 4
_SINGLE_THREADED_FROM_TOP = 9
_CADENCE_DAYS: dict[Tier, int] = {"large": 30, "medium": 50, "small": 100}
_TYPES = ("email", "call", "meeting", "task")
_TYPE_WEIGHTS = {"executive": (1, 1, 4, 0), "delivery": (2, 3, 3, 1)}


@dataclass(frozen=True)
class Contact:
    """A person at the customer, with their DMU roles in the canonical order."""

    id: str
    name: str
    email: str
    title: str
    roles: tuple[str, ...]
    gatekeeper: bool


@dataclass(frozen=True)
class TeamSeat:
    """A member of our team on one account."""

    member_id: str
    roles: tuple[str, ...]
    pioneer: bool


def contacts(plan: AccountPlan, rng: random.Random, first_number: int) -> list[Contact]:
    """The account's contacts, numbered from ``first_number`` (one to eight, more when larger)."""
    low, high = {"large": (4, 8), "medium": (2, 5), "small": (1, 3)}[plan.tier]
    count = rng.randint(1, 2) if plan.kind == "prospect" else rng.randint(low, high)
    held: list[list[str]] = [[] for _ in range(count)]
    for role in DMU_ROLES:
        if rng.random() >= _DMU_PRESENT[plan.tier][role]:
            continue  # nobody at this customer is known to hold the role: a gap to fill
        # Mostly one role per person; some hold two, and some hold none.
        free = [i for i in range(count) if not held[i]]
        if not free or rng.random() < 0.25:
            free = [i for i in range(count) if len(held[i]) < 2]
        if free:
            held[rng.choice(free)].append(role)
    roleless = [i for i in range(count) if not held[i]]
    gatekeeper_chance = {"large": 0.45, "medium": 0.25, "small": 0.08}[plan.tier]
    if plan.from_top == _GATEKEEPER_ONLY_FROM_TOP:
        gatekeeper = rng.choice(roleless) if roleless else count - 1
    elif roleless and rng.random() < gatekeeper_chance:
        gatekeeper = rng.choice(roleless)
    else:
        gatekeeper = -1
    result: list[Contact] = []
    used: set[str] = set()
    for i in range(count):
        first = rng.choice(FIRST_NAMES)
        particle, surname = rng.choice(LAST_NAMES)
        name = " ".join(part for part in (first, particle, surname) if part)
        local = f"{ascii_slug(first)[:1]}.{ascii_slug(particle + surname)}"
        if local in used:
            local = f"{ascii_slug(first)}.{ascii_slug(particle + surname)}"
        used.add(local)
        if i == gatekeeper:
            title = rng.choice(GATEKEEPER_TITLES)
        elif held[i]:
            title = rng.choice(TITLES[held[i][0]])
        else:
            title = rng.choice(OTHER_TITLES)
        email = "" if rng.random() < 0.06 else f"{local}@{plan.domain}"
        roles = tuple(role for role in DMU_ROLES if role in held[i])
        result.append(
            Contact(f"con-{first_number + i:05d}", name, email, title, roles, i == gatekeeper)
        )
    return result


def team(plan: AccountPlan, rng: random.Random) -> list[TeamSeat]:
    """Our people on the account, one seat per member, ordered by member id."""
    seats: dict[str, list[str]] = {}
    pioneers: set[str] = set()
    if plan.kind == "prospect":  # a sales rep is trying to open the door
        rep = _member_for("sales_rep", plan.tier, rng)
        seats[rep] = ["sales_rep"]
        pioneers.add(rep)
        if rng.random() < 0.5:
            seats.setdefault(_member_for("account_manager", plan.tier, rng), []).append(
                "account_manager"
            )
    else:
        manager = _member_for("account_manager", plan.tier, rng)
        seats[manager] = ["account_manager"]
        for role, chance in _PSU_PRESENT[plan.tier].items():
            if rng.random() >= chance:
                continue  # a role this account lacks (also on some large accounts)
            if role == "sales_rep" and plan.tier != "large" and rng.random() < 0.3:
                member = manager  # in smaller accounts the AM often sells as well
            else:
                member = _member_for(role, plan.tier, rng)
            seats.setdefault(member, []).append(role)
        if plan.tier != "small" and rng.random() < 0.15:
            pioneers.add(rng.choice(sorted(seats)))
    return [
        TeamSeat(member, tuple(r for r in PSU_ROLES if r in roles), member in pioneers)
        for member, roles in sorted(seats.items())
    ]


def _member_for(role: str, tier: Tier, rng: random.Random) -> str:
    candidates = [member.id for member in MEMBERS if member.role == role]
    if role == "account_manager":
        # Sanne is the key-account manager: most large accounts are hers.
        weights = (6, 2, 2) if tier == "large" else (1, 4, 4)
        return rng.choices(candidates, weights)[0]
    return rng.choice(candidates)


def activities(
    plan: AccountPlan,
    people: list[Contact],
    seats: list[TeamSeat],
    rng: random.Random,
    as_of: date,
) -> list[Activity]:
    """A year of contact history for the account, oldest first (never after ``as_of``)."""
    style = rng.random()
    forced = plan.from_top in (_GATEKEEPER_ONLY_FROM_TOP, _SINGLE_THREADED_FROM_TOP)
    if not people or (plan.tier == "small" and style < 0.3) or (style < 0.05 and not forced):
        return []  # nobody has been in touch at all
    reachable = list(people)
    gatekeepers = [c for c in people if c.gatekeeper]
    if gatekeepers and (style > 0.85 or plan.from_top == _GATEKEEPER_ONLY_FROM_TOP):
        reachable = gatekeepers  # the team never gets past the front desk
    elif plan.tier != "small" and (style < 0.15 or plan.from_top == _SINGLE_THREADED_FROM_TOP):
        main = next((c for c in people if {"decider", "buyer"} & set(c.roles)), people[0])
        reachable = [main]  # single-threaded: everything runs through one person
    result: list[Activity] = []
    cadence = _CADENCE_DAYS[plan.tier]
    manager = "account_manager"
    for seat in seats:
        talks_to = {dmu for role in seat.roles for dmu in _TALKS_TO[role]}
        for person in reachable:
            own = set(person.roles) | ({"gatekeeper"} if person.gatekeeper else set())
            # Account managers also get to know people outside their own DMU roles, and hold
            # the thread when there is only one.
            is_manager = manager in seat.roles
            natural = bool(talks_to & own) or rng.random() < (0.4 if is_manager else 0.1)
            if len(reachable) == 1 and is_manager:
                natural = True
            elif rng.random() < 0.15:
                natural = False
            if not natural:
                continue  # a pair that never talks
            kind = seat.roles[0]
            result.extend(_history(seat.member_id, person.id, kind, cadence, rng, as_of))
    result.sort()
    return result


def _history(
    member_id: str,
    contact_id: str,
    psu_role: str,
    cadence: int,
    rng: random.Random,
    as_of: date,
) -> list[Activity]:
    """Contact moments of one pair: recent, lapsed (overdue) or only older than the lookback."""
    every = max(7, round(cadence * rng.uniform(0.6, 1.5)))
    draw = rng.random()
    if draw < 0.5:
        gap = rng.randint(0, max(1, every * 3 // 4))
    elif draw < 0.9:
        gap = rng.randint(every + 10, 300)
    else:
        gap = rng.randint(366, _HISTORY_DAYS)
    weights = _TYPE_WEIGHTS.get(psu_role, (4, 3, 2, 1))
    result: list[Activity] = []
    day = gap
    while day <= _HISTORY_DAYS:
        kind = rng.choices(_TYPES, weights)[0]
        status = "" if rng.random() < 0.08 else "completed"
        result.append((as_of - timedelta(days=day), member_id, contact_id, kind, status))
        day += max(3, round(every * rng.uniform(0.6, 1.4)))
    if rng.random() < 0.15:  # planned but not done yet, and by now past its date
        kind = rng.choice(("task", "task", "meeting", "call"))
        when = as_of - timedelta(days=rng.randint(0, 21))
        result.append((when, member_id, contact_id, kind, "open"))
    return result
