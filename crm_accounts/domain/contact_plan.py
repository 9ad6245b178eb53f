"""The DMU-PSU contact matrix: ideal pairs from the template, their status, and the gaps. Pure.

Activities are aggregated as a frame by :func:`summarize_activities`; only the last contact date
per (member, contact) is kept.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum

from .frames import activity_frame, last_contacts
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
    """Keep completed activities with ``as_of - lookback_days < date <= as_of``: the last
    date per (member, contact). ``activities`` may be an :class:`~.frames.ActivityFrame`."""
    last = last_contacts(activity_frame(activities), as_of, lookback_days)
    return ContactHistory(last, frozenset(contact_id for _, contact_id in last))


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


@dataclass(frozen=True, slots=True)
class _Template:
    """One segment's rules, arranged for the per-account loop (built once per run)."""

    rules: tuple[PlanRule, ...]
    dmu_roles: tuple[DmuRole, ...]  # distinct, in rule order: the DMU_ROLE_MISSING gaps
    psu_roles: tuple[PsuRole, ...]  # distinct, in rule order: the PSU_ROLE_MISSING gaps

    @classmethod
    def of(cls, rules: Sequence[PlanRule]) -> _Template:
        return cls(
            tuple(rules),
            tuple(dict.fromkeys(rule.dmu for rule in rules)),
            tuple(dict.fromkeys(rule.psu for rule in rules)),
        )


class _Clock:
    """A pair's due date, status and days overdue on one as-of date.

    Never contacted: due on ``as_of``, overdue by the whole lookback. Otherwise due a cadence after
    the last contact: overdue before ``as_of``, due within the horizon, else ok. The timedelta of
    each cadence is made once, not once per pair.
    """

    def __init__(self, as_of: date, settings: PlanSettings) -> None:
        self.as_of = as_of
        self.horizon_end = as_of + timedelta(days=settings.horizon_days)
        self.never = (as_of, PairStatus.NEVER, settings.lookback_days)
        self.cadences: dict[int, timedelta] = {}

    def status(self, last_contact: date | None, every_days: int) -> tuple[date, PairStatus, int]:
        if last_contact is None:
            return self.never
        cadence = self.cadences.get(every_days)
        if cadence is None:
            cadence = self.cadences[every_days] = timedelta(days=every_days)
        due_date = last_contact + cadence
        if due_date < self.as_of:
            status = PairStatus.OVERDUE
        elif due_date < self.horizon_end:
            status = PairStatus.DUE
        else:
            status = PairStatus.OK
        return due_date, status, (self.as_of - due_date).days


def _account_matrix(
    account_id: str,
    segment: Segment,
    template: _Template,
    contacts: Sequence[Contact],
    team: Sequence[TeamMember],
    history: ContactHistory,
    clock: _Clock,
    pairs: list[Pair],
    gaps: list[Gap],
) -> None:
    """Append the account's pairs and gaps to ``pairs`` and ``gaps``.

    Runs once per account (a million times at scale): contacts and members are indexed by role
    once, so the rules meet only the people holding their roles, never every (member, contact).
    """
    by_dmu: dict[DmuRole, list[str]] = {}
    for contact in contacts:
        for dmu in contact.dmu_roles:
            by_dmu.setdefault(dmu, []).append(contact.id)
    by_psu: dict[PsuRole, list[str]] = {}
    for member in team:
        for psu in member.psu_roles:
            by_psu.setdefault(psu, []).append(member.member_id)
    for dmu in template.dmu_roles:
        if dmu not in by_dmu:
            gaps.append(Gap(account_id, GapCode.DMU_ROLE_MISSING, dmu))
    for psu in template.psu_roles:
        if psu not in by_psu:
            gaps.append(Gap(account_id, GapCode.PSU_ROLE_MISSING, None, psu))

    wanted: dict[tuple[str, str], list[PlanRule]] = {}
    for rule in template.rules:
        member_ids = by_psu.get(rule.psu)
        contact_ids = by_dmu.get(rule.dmu)
        if member_ids is None or contact_ids is None:
            continue
        for member_id in member_ids:
            for contact_id in contact_ids:
                key = (member_id, contact_id)
                found = wanted.get(key)
                if found is None:
                    wanted[key] = [rule]
                else:
                    found.append(rule)
    last = history.last
    for key in sorted(wanted):
        pair_rules = wanted[key]
        member_id, contact_id = key
        every_days = min(rule.every_days for rule in pair_rules)
        last_contact = last.get(key)
        due_date, status, days_overdue = clock.status(last_contact, every_days)
        pairs.append(
            Pair(
                account_id, member_id, contact_id, every_days, tuple(pair_rules),
                last_contact, due_date, status, days_overdue,
            )
        )  # fmt: skip
        if status is PairStatus.NEVER or status is PairStatus.OVERDUE:
            code = GapCode.CONTACT_NEVER if status is PairStatus.NEVER else GapCode.CONTACT_OVERDUE
            gaps.append(
                Gap(account_id, code, None, None, member_id, contact_id, last_contact, due_date,
                    days_overdue)
            )  # fmt: skip

    if segment is Segment.A or segment is Segment.B:
        contacted = [contact for contact in contacts if contact.id in history.contacted]
        if len(contacted) <= 1:
            gaps.append(Gap(account_id, GapCode.SINGLE_THREADED))
        if contacted and all(contact.gatekeeper for contact in contacted):
            gaps.append(Gap(account_id, GapCode.GATEKEEPER_ONLY))


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
    templates = {segment: _Template.of(rules_by_segment.get(segment, ())) for segment in Segment}
    clock = _Clock(as_of, settings)
    pairs: list[Pair] = []
    gaps: list[Gap] = []
    no_contacts: tuple[Contact, ...] = ()
    no_team: tuple[TeamMember, ...] = ()
    for account_id, segment in segments_in_order:
        if segment is Segment.NONE:
            continue
        _account_matrix(
            account_id,
            segment,
            templates[segment],
            contacts_by_account.get(account_id, no_contacts),
            team_by_account.get(account_id, no_team),
            history,
            clock,
            pairs,
            gaps,
        )
    return ContactMatrix(tuple(pairs), tuple(gaps))
