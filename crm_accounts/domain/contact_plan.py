"""The DMU-PSU contact matrix: ideal pairs from the template, their status, and the gaps. Pure.

Activities are streamed through :func:`summarize_activities` once; only the last contact date per
(member, contact) is kept.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum

from .model import Activity, Contact, DmuRole, PsuRole, Segment, TeamMember
from .settings import PlanRule, PlanSettings

__all__ = [
    "DMU_ROLE_COUNT",
    "ContactHistory",
    "ContactMatrix",
    "Gap",
    "GapCode",
    "Pair",
    "PairStatus",
    "build_contact_matrix",
    "dmu_coverage",
    "summarize_activities",
]

DMU_ROLE_COUNT = len(DmuRole)


class PairStatus(StrEnum):
    NEVER = "never"
    OVERDUE = "overdue"
    DUE = "due"
    OK = "ok"

    @property
    def needs_contact(self) -> bool:
        return self is not PairStatus.OK


class GapCode(StrEnum):
    """Stable gap codes: they appear in exports and in CRM tasks."""

    DMU_ROLE_MISSING = "dmu_role_missing"
    PSU_ROLE_MISSING = "psu_role_missing"
    CONTACT_NEVER = "contact_never"
    CONTACT_OVERDUE = "contact_overdue"
    SINGLE_THREADED = "single_threaded"
    GATEKEEPER_ONLY = "gatekeeper_only"


@dataclass(frozen=True, slots=True)
class ContactHistory:
    """Contact moments in the lookback: last date per (member, contact), contacted contacts."""

    last: dict[tuple[str, str], date]
    contacted: frozenset[str]


def summarize_activities(
    activities: Iterable[Activity], as_of: date, lookback_days: int
) -> ContactHistory:
    """Keep completed activities with ``as_of - lookback_days < date <= as_of``."""
    first_excluded = as_of - timedelta(days=lookback_days)
    last: dict[tuple[str, str], date] = {}
    for member_id, contact_id, day, completed, _ in activities:
        if not completed or not first_excluded < day <= as_of:
            continue
        key = (member_id, contact_id)
        known = last.get(key)
        if known is None or day > known:
            last[key] = day
    contacted = frozenset(contact_id for _, contact_id in last)
    return ContactHistory(last, contacted)


def dmu_coverage(contacts: Sequence[Contact]) -> Decimal:
    """Distinct DMU roles held by an account's contacts, over the six roles."""
    roles: set[DmuRole] = set()
    for contact in contacts:
        roles.update(contact.dmu_roles)
    return Decimal(len(roles)) / DMU_ROLE_COUNT


@dataclass(frozen=True, slots=True)
class Pair:
    """A (member, contact) pair the template asks for, with its cadence and status."""

    account_id: str
    member_id: str
    contact_id: str
    every_days: int
    rules: tuple[PlanRule, ...]
    last_contact: date | None
    due_date: date
    status: PairStatus
    days_overdue: int


@dataclass(frozen=True, slots=True)
class Gap:
    account_id: str
    code: GapCode
    dmu_role: DmuRole | None = None
    psu_role: PsuRole | None = None
    member_id: str | None = None
    contact_id: str | None = None
    last_contact: date | None = None
    due_date: date | None = None
    days_overdue: int | None = None


@dataclass(frozen=True, slots=True)
class ContactMatrix:
    pairs: tuple[Pair, ...]
    gaps: tuple[Gap, ...]


def _pair_status(
    last_contact: date | None, every_days: int, as_of: date, settings: PlanSettings
) -> tuple[date, PairStatus, int]:
    if last_contact is None:
        return as_of, PairStatus.NEVER, settings.lookback_days
    due_date = last_contact + timedelta(days=every_days)
    if due_date < as_of:
        status = PairStatus.OVERDUE
    elif due_date < as_of + timedelta(days=settings.horizon_days):
        status = PairStatus.DUE
    else:
        status = PairStatus.OK
    return due_date, status, (as_of - due_date).days


def _account_matrix(
    account_id: str,
    segment: Segment,
    rules: Sequence[PlanRule],
    contacts: Sequence[Contact],
    team: Sequence[TeamMember],
    history: ContactHistory,
    as_of: date,
    settings: PlanSettings,
) -> tuple[list[Pair], list[Gap]]:
    gaps: list[Gap] = []
    dmu_held = {role for contact in contacts for role in contact.dmu_roles}
    psu_held = {role for member in team for role in member.psu_roles}
    for dmu in dict.fromkeys(rule.dmu for rule in rules if rule.dmu not in dmu_held):
        gaps.append(Gap(account_id, GapCode.DMU_ROLE_MISSING, dmu_role=dmu))
    for psu in dict.fromkeys(rule.psu for rule in rules if rule.psu not in psu_held):
        gaps.append(Gap(account_id, GapCode.PSU_ROLE_MISSING, psu_role=psu))

    wanted: dict[tuple[str, str], list[PlanRule]] = {}
    for rule in rules:
        for member in team:
            if rule.psu not in member.psu_roles:
                continue
            for contact in contacts:
                if rule.dmu in contact.dmu_roles:
                    wanted.setdefault((member.member_id, contact.id), []).append(rule)
    pairs: list[Pair] = []
    for (member_id, contact_id), pair_rules in sorted(wanted.items()):
        every_days = min(rule.every_days for rule in pair_rules)
        last_contact = history.last.get((member_id, contact_id))
        due_date, status, days_overdue = _pair_status(last_contact, every_days, as_of, settings)
        pair = Pair(
            account_id, member_id, contact_id, every_days, tuple(pair_rules),
            last_contact, due_date, status, days_overdue,
        )  # fmt: skip
        pairs.append(pair)
        if status in (PairStatus.NEVER, PairStatus.OVERDUE):
            code = GapCode.CONTACT_NEVER if status is PairStatus.NEVER else GapCode.CONTACT_OVERDUE
            gaps.append(
                Gap(account_id, code, member_id=member_id, contact_id=contact_id,
                    last_contact=last_contact, due_date=due_date, days_overdue=days_overdue)
            )  # fmt: skip

    if segment in (Segment.A, Segment.B):
        contacted = [contact for contact in contacts if contact.id in history.contacted]
        if len(contacted) <= 1:
            gaps.append(Gap(account_id, GapCode.SINGLE_THREADED))
        if contacted and all(contact.gatekeeper for contact in contacted):
            gaps.append(Gap(account_id, GapCode.GATEKEEPER_ONLY))
    return pairs, gaps


def build_contact_matrix(
    segments_in_order: Iterable[tuple[str, Segment]],
    contacts_by_account: Mapping[str, Sequence[Contact]],
    team_by_account: Mapping[str, Sequence[TeamMember]],
    history: ContactHistory,
    as_of: date,
    settings: PlanSettings,
) -> ContactMatrix:
    """Pairs and gaps for every account with a segment, in the order given.

    Accounts with segment ``none`` get no pairs and no gaps. A pair produced by several rules
    takes the shortest cadence.
    """
    rules_by_segment: dict[Segment, list[PlanRule]] = {}
    for rule in settings.rules:
        rules_by_segment.setdefault(rule.segment, []).append(rule)
    pairs: list[Pair] = []
    gaps: list[Gap] = []
    for account_id, segment in segments_in_order:
        if segment is Segment.NONE:
            continue
        account_pairs, account_gaps = _account_matrix(
            account_id,
            segment,
            rules_by_segment.get(segment, ()),
            contacts_by_account.get(account_id, ()),
            team_by_account.get(account_id, ()),
            history,
            as_of,
            settings,
        )
        pairs.extend(account_pairs)
        gaps.extend(account_gaps)
    return ContactMatrix(tuple(pairs), tuple(gaps))
