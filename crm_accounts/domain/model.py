"""Plain data the method works on: roles, input records and settings. Pure; no I/O.

Records that arrive by the million (revenue lines, activities) are ``NamedTuple``s: cheap to build
and streamed through the aggregators in :mod:`.revenue` and :mod:`.contact_plan` instead of being
kept. Records kept per account or contact are slotted dataclasses; role sets are interned
``frozenset``s so a million contacts share a few dozen of them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum
from types import MappingProxyType
from typing import NamedTuple

__all__ = [
    "Account",
    "Activity",
    "Contact",
    "DmuRole",
    "IntegrationStage",
    "Member",
    "PsuRole",
    "RevenueLine",
    "Segment",
    "TeamMember",
]

_EMPTY: Mapping[str, str] = MappingProxyType({})


class Segment(StrEnum):
    """ABC segment of an account; ``none`` for accounts without positive revenue."""

    A = "A"
    B = "B"
    C = "C"
    NONE = "none"


class DmuRole(StrEnum):
    """Roles in the customer's buying team (Decision Making Unit)."""

    DECIDER = "decider"
    BUYER = "buyer"
    ADVISOR = "advisor"
    INFLUENCER = "influencer"
    USER = "user"
    SUPPORTER = "supporter"


class PsuRole(StrEnum):
    """Roles in our account team (Problem Solving Unit)."""

    ACCOUNT_MANAGER = "account_manager"
    SALES_REP = "sales_rep"
    SALES_MANAGER = "sales_manager"
    EXECUTIVE = "executive"
    SUPPORT = "support"
    DELIVERY = "delivery"
    ADMINISTRATION = "administration"


class IntegrationStage(StrEnum):
    """How far the cooperation with an account has gone (the article's third I)."""

    TRANSACTIONAL = "transactional"
    COLLABORATIVE = "collaborative"
    INTEGRATED = "integrated"


@dataclass(frozen=True, slots=True)
class Account:
    """A customer or prospect; ``attributes`` holds raw attribute values by name."""

    id: str
    name: str
    integration_stage: IntegrationStage | None = None
    attributes: Mapping[str, str] = field(default_factory=lambda: _EMPTY)


class RevenueLine(NamedTuple):
    """One invoice, order or credit-note line (negative ``amount``)."""

    account_id: str
    date: date
    amount: Decimal
    margin: Decimal | None = None
    product: str | None = None


@dataclass(frozen=True, slots=True)
class Contact:
    """A person at a customer with the DMU roles they hold there."""

    id: str
    account_id: str
    name: str
    dmu_roles: frozenset[DmuRole] = frozenset()
    gatekeeper: bool = False
    email: str | None = None
    title: str | None = None


@dataclass(frozen=True, slots=True)
class Member:
    """A person in our sales organisation; ``capacity_per_week`` overrides the config."""

    id: str
    name: str
    email: str | None = None
    capacity_per_week: int | None = None


@dataclass(frozen=True, slots=True)
class TeamMember:
    """A member's place in one account's team, with the PSU roles held there."""

    account_id: str
    member_id: str
    psu_roles: frozenset[PsuRole]
    pioneer: bool = False


class Activity(NamedTuple):
    """A logged activity; it is a contact moment only when ``completed``."""

    member_id: str
    contact_id: str
    date: date
    completed: bool = True
    account_id: str | None = None
