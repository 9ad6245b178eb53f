"""The whole method on one dataset: identify, intensify, integrate. Pure; no I/O, no clock.

:func:`run_method` takes already-aggregated inputs (revenue per account, last contact per pair)
so that the caller can stream millions of raw rows through the aggregators without keeping them.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import TypeVar

from ..errors import ConfigError
from .contact_plan import (
    DMU_ROLE_COUNT,
    ContactHistory,
    ContactMatrix,
    People,
    contact_matrix,
)
from .frames import AccountFrame, AccountsById, ContactFrame
from .model import Account, Contact, Member, Segment, TeamMember
from .planning import PlannedContact, PlanRows, plan_frame
from .rating import Rating, default_criteria, rate_accounts, select_rated
from .revenue import Period, RevenueSummary
from .rows import LazyMapping
from .segmentation import (
    GroupFigures,
    Pareto,
    Segmentation,
    group_figures,
    pareto_figures,
    segment_accounts,
)
from .settings import METRICS, MethodSettings
from .suggestions import Suggestions, suggest_roles
from .whitespace import WhitespaceRow, check_peer_attribute, find_whitespace

__all__ = ["MethodInput", "MethodResult", "run_method"]

_Row = TypeVar("_Row", Contact, TeamMember)
_Keyed = TypeVar("_Keyed", Account, Contact)


@dataclass(frozen=True, slots=True)
class MethodInput:
    """Everything the method reads, aggregated.

    ``contacts`` and ``team`` are ``None`` when the source has no such data; the contact matrix
    and plan then stay empty. ``attribute_names`` are the account attributes the source offers.
    """

    accounts: Collection[Account]
    revenue: RevenueSummary
    history: ContactHistory
    members: Mapping[str, Member]
    contacts: Collection[Contact] | None = None
    team: Collection[TeamMember] | None = None
    attribute_names: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class MethodResult:
    as_of: date
    period: Period
    accounts: Mapping[str, Account]
    segmentation: Segmentation
    segments: Mapping[str, Segment]
    groups: Mapping[str, GroupFigures]
    pareto: Pareto
    rating: Rating
    coverage: Mapping[str, Decimal] | None
    matrix: ContactMatrix
    plan: Sequence[PlannedContact]
    revenue: RevenueSummary
    warnings: tuple[str, ...]
    has_contact_plan: bool = False
    contacts: Mapping[str, Contact] = field(default_factory=dict)
    members: Mapping[str, Member] = field(default_factory=dict)
    team: Mapping[str, Sequence[TeamMember]] = field(default_factory=dict)
    """Each account's team (member, PSU roles, pioneer), by account id; for the matrix views."""
    whitespace: tuple[WhitespaceRow, ...] = ()
    """Products segment-A peers buy and the account does not (METHOD.md section 4)."""
    suggestions: Suggestions = field(default_factory=Suggestions)
    """DMU roles suggested from job titles; ``contacts`` hold them when they are used."""

    def account_names(self) -> Mapping[str, str]:
        """Each account's name by id (a frame's account records are not made for it)."""
        if isinstance(self.accounts, AccountsById):
            return self.accounts.names()
        return {account_id: account.name for account_id, account in self.accounts.items()}

    def open_gaps(self) -> dict[str, int]:
        """Number of gaps per account id (accounts without gaps are absent)."""
        return self.matrix.open_gaps()


def _by_id(rows: Iterable[_Keyed]) -> dict[str, _Keyed]:
    """``{row.id: row}``, the later row winning."""
    return {row.id: row for row in rows}


def _group_by_account(rows: Iterable[_Row]) -> dict[str, list[_Row]]:
    grouped: dict[str, list[_Row]] = {}
    for row in rows:
        grouped.setdefault(row.account_id, []).append(row)
    return grouped


def _contacts_by_id(contacts: Collection[Contact] | None) -> Mapping[str, Contact]:
    if isinstance(contacts, ContactFrame):
        return contacts.by_id()
    return LazyMapping(lambda: _by_id(contacts or ()))


def run_method(data: MethodInput, settings: MethodSettings, as_of: date) -> MethodResult:
    """Segment, rate, build the contact matrix and plan contacts for one as-of date.

    Raises:
        ConfigError: the rating names an account the data lacks, or a criterion source that is
            neither a metric nor an account attribute.
    """
    accounts: Mapping[str, Account] = (
        data.accounts.by_id() if isinstance(data.accounts, AccountFrame) else _by_id(data.accounts)
    )
    summary = data.revenue
    segmentation = segment_accounts(accounts, summary, settings.segmentation)
    segments = segmentation.segments()

    rating_settings = settings.rating
    for index, account_id in enumerate(rating_settings.accounts or ()):
        if account_id not in accounts:
            raise ConfigError(f"rating.accounts[{index}]: unknown account id {account_id!r}")
    criteria = rating_settings.criteria or default_criteria(
        summary.has_margins, summary.has_products
    )
    for index, criterion in enumerate(criteria):
        if criterion.source not in METRICS and criterion.source not in data.attribute_names:
            raise ConfigError(
                f"rating.criteria[{index}].source: {criterion.source!r} is neither a metric "
                f"({', '.join(METRICS)}) nor an account attribute of the source "
                f"(attributes: {', '.join(sorted(data.attribute_names)) or 'none'})"
            )
    group_a = list(segmentation.ids[segmentation.slice_of(Segment.A)])
    peer_attribute = settings.whitespace.peer_attribute
    if peer_attribute is not None:
        check_peer_attribute(peer_attribute, data.attribute_names, accounts.values())
    whitespace = find_whitespace(
        group_a, summary.bought_by(group_a), settings.whitespace,
        lambda account_id: accounts[account_id].attributes.get(peer_attribute or ""),
    )  # fmt: skip
    rated_ids = select_rated(rating_settings, group_a)

    rating = rate_accounts(
        rated_ids,
        criteria,
        summary.metric,
        lambda account_id: accounts[account_id].attributes,
        summary.revenue_of,
    )

    coverage: dict[str, Decimal] | None = None
    suggestions, contacts = suggest_roles(data.contacts, settings.roles)
    people = People.of(contacts or (), data.team or ())
    if contacts is not None:
        held = people.coverage()
        shares = {count: Decimal(count) / DMU_ROLE_COUNT for count in range(DMU_ROLE_COUNT + 1)}
        coverage = {account_id: shares[held.get(account_id, 0)] for account_id in accounts}
    matrix = ContactMatrix()
    plan: Sequence[PlannedContact] = ()
    if contacts is not None and data.team is not None:
        order = segmentation.order_frame()
        matrix = contact_matrix(order, people, data.history, as_of, settings.plan)
        default_capacity = settings.plan.capacity_per_week

        def capacity_of(member_id: str) -> int:
            member = data.members.get(member_id)
            if member is None or member.capacity_per_week is None:
                return default_capacity
            return member.capacity_per_week

        assert matrix.pair_frame is not None  # made from frames
        planned = plan_frame(
            matrix.pair_frame, order.select("account_id", "segment"), rating.position_of(),
            capacity_of, as_of, settings.plan.horizon_days,
        )  # fmt: skip
        plan = PlanRows(planned, matrix.pairs)

    return MethodResult(
        as_of=as_of,
        period=summary.period,
        accounts=accounts,
        segmentation=segmentation,
        segments=segments,
        groups=group_figures(segmentation, summary),
        pareto=pareto_figures(segmentation, summary),
        rating=rating,
        coverage=coverage,
        matrix=matrix,
        plan=plan,
        revenue=summary,
        warnings=rating.warnings,
        has_contact_plan=data.contacts is not None and data.team is not None,
        contacts=_contacts_by_id(contacts),
        members=data.members,
        team=LazyMapping(lambda: _group_by_account(data.team or ())),
        whitespace=whitespace,
        suggestions=suggestions,
    )
