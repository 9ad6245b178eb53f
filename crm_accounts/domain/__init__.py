"""The pure domain core of crm-accounts: the account-management method as functions on data.

Nothing in this package does I/O, reads the clock or imports a vendor library.
"""

from .calendar import months_before
from .contact_plan import (
    ContactHistory,
    ContactMatrix,
    Gap,
    GapCode,
    Pair,
    PairStatus,
    summarize_activities,
)
from .method import MethodInput, MethodResult, run_method
from .model import (
    Account,
    Activity,
    Contact,
    DmuRole,
    IntegrationStage,
    Member,
    PsuRole,
    RevenueLine,
    Segment,
    TeamMember,
)
from .planning import PlannedContact, PlanStatus, task_key
from .revenue import Period, RevenueSummary, summarize_revenue
from .settings import (
    Better,
    CriterionSettings,
    MethodSettings,
    PlanRule,
    PlanSettings,
    RatingSettings,
    SegmentationRule,
    SegmentationSettings,
)

__all__ = [
    "Account",
    "Activity",
    "Better",
    "Contact",
    "ContactHistory",
    "ContactMatrix",
    "CriterionSettings",
    "DmuRole",
    "Gap",
    "GapCode",
    "IntegrationStage",
    "Member",
    "MethodInput",
    "MethodResult",
    "MethodSettings",
    "Pair",
    "PairStatus",
    "Period",
    "PlanRule",
    "PlanSettings",
    "PlanStatus",
    "PlannedContact",
    "PsuRole",
    "RatingSettings",
    "RevenueLine",
    "RevenueSummary",
    "Segment",
    "SegmentationRule",
    "SegmentationSettings",
    "TeamMember",
    "months_before",
    "run_method",
    "summarize_activities",
    "summarize_revenue",
    "task_key",
]
