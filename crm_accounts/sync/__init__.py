"""The sync engine: pull from a connector, decide a :class:`SyncPlan`, apply it."""

from .plan import SyncOptions, SyncPlan, decide, target_values
from .service import ApplyReport, Pulled, SyncReport, apply_plan, pull, run_sync

__all__ = [
    "ApplyReport",
    "Pulled",
    "SyncOptions",
    "SyncPlan",
    "SyncReport",
    "apply_plan",
    "decide",
    "pull",
    "run_sync",
    "target_values",
]
