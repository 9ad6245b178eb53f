"""Settings of the method as plain immutable values, with the defaults of METHOD.md. Pure.

The TOML configuration (:mod:`crm_accounts.config`) validates user input and converts it to
these values; the domain never sees pydantic models or files.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum

from .model import DmuRole, PsuRole, Segment

__all__ = [
    "DEFAULT_PLAN_RULES",
    "METRICS",
    "Better",
    "CriterionSettings",
    "MethodSettings",
    "PlanRule",
    "PlanSettings",
    "RatingSettings",
    "RoleSettings",
    "SegmentationRule",
    "SegmentationSettings",
    "WhitespaceSettings",
    "default_thresholds",
]

#: Computed metrics a rating criterion may use as its source.
METRICS = ("revenue", "margin", "products_per_year")


class SegmentationRule(StrEnum):
    REVENUE_SHARE = "revenue_share"
    CUSTOMER_SHARE = "customer_share"


def default_thresholds(rule: SegmentationRule) -> tuple[Decimal, Decimal]:
    """The ``a``/``b`` thresholds a rule uses when the config does not set them."""
    if rule is SegmentationRule.REVENUE_SHARE:
        return Decimal("0.80"), Decimal("0.95")
    return Decimal("0.20"), Decimal("0.50")


class Better(StrEnum):
    HIGHER = "higher"
    LOWER = "lower"


@dataclass(frozen=True, slots=True)
class SegmentationSettings:
    rule: SegmentationRule = SegmentationRule.REVENUE_SHARE
    a: Decimal = Decimal("0.80")
    b: Decimal = Decimal("0.95")


@dataclass(frozen=True, slots=True)
class CriterionSettings:
    """A rating criterion: ``source`` is a metric name or an account attribute."""

    key: str
    source: str
    better: Better = Better.HIGHER
    label: str | None = None


@dataclass(frozen=True, slots=True)
class RatingSettings:
    top: int = 5
    accounts: tuple[str, ...] | None = None
    criteria: tuple[CriterionSettings, ...] = ()


@dataclass(frozen=True, slots=True)
class PlanRule:
    """Ideal contact cadence: members with ``psu`` meet contacts with ``dmu`` every N days."""

    segment: Segment
    psu: PsuRole
    dmu: DmuRole
    every_days: int


def _rules(*rows: tuple[str, str, str, int]) -> tuple[PlanRule, ...]:
    return tuple(PlanRule(Segment(s), PsuRole(p), DmuRole(d), n) for s, p, d, n in rows)


#: The contact-plan template of METHOD.md, used when the config gives no rules.
DEFAULT_PLAN_RULES = _rules(
    ("A", "account_manager", "decider", 30),
    ("A", "account_manager", "buyer", 30),
    ("A", "executive", "decider", 90),
    ("A", "sales_rep", "influencer", 60),
    ("A", "sales_rep", "advisor", 60),
    ("A", "delivery", "user", 30),
    ("A", "support", "supporter", 30),
    ("A", "administration", "supporter", 90),
    ("B", "account_manager", "decider", 60),
    ("B", "account_manager", "buyer", 60),
    ("B", "sales_rep", "influencer", 90),
    ("B", "delivery", "user", 60),
    ("B", "support", "supporter", 60),
    ("C", "support", "buyer", 180),
)


@dataclass(frozen=True, slots=True)
class PlanSettings:
    lookback_days: int = 365
    horizon_days: int = 28
    capacity_per_week: int = 10
    closed_status: str = "Deferred"
    rules: tuple[PlanRule, ...] = DEFAULT_PLAN_RULES


@dataclass(frozen=True, slots=True)
class WhitespaceSettings:
    """Whitespace of METHOD.md section 4: the share of peers that must buy a product, the rows
    kept per account, and the account attribute that narrows the peers (``None``: all of A)."""

    min_peer_share: Decimal = Decimal("0.30")
    max_per_account: int = 5
    peer_attribute: str | None = None


@dataclass(frozen=True, slots=True)
class RoleSettings:
    """DMU roles suggested from job titles (METHOD.md section 4): ``title_words`` adds to or
    overrides the shipped vocabulary (no roles: the words match nothing); with
    ``use_suggestions`` suggested roles count as the contact's roles in the method."""

    use_suggestions: bool = False
    title_words: tuple[tuple[str, tuple[DmuRole, ...]], ...] = ()


@dataclass(frozen=True, slots=True)
class MethodSettings:
    months: int = 12
    segmentation: SegmentationSettings = field(default_factory=SegmentationSettings)
    rating: RatingSettings = field(default_factory=RatingSettings)
    plan: PlanSettings = field(default_factory=PlanSettings)
    whitespace: WhitespaceSettings = field(default_factory=WhitespaceSettings)
    roles: RoleSettings = field(default_factory=RoleSettings)
