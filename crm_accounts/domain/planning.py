"""Capacity-aware contact planning and stable task keys. Pure.

Pairs that need contact are taken in priority order and put in the earliest 7-day window (from
``as_of``, within the horizon) that has a working day on or after the pair's due date and capacity
left for its member. What fits nowhere is reported as unscheduled, never dropped.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from .calendar import first_working_day
from .contact_plan import Pair, PairStatus
from .model import Segment

__all__ = [
    "OVER_CAPACITY",
    "PlanStatus",
    "PlannedContact",
    "plan_contacts",
    "priority_key",
    "task_key",
]

OVER_CAPACITY = "over_capacity"
_SEGMENT_ORDER = {Segment.A: 0, Segment.B: 1, Segment.C: 2, Segment.NONE: 3}
_WEEK = 7


class PlanStatus(StrEnum):
    SCHEDULED = "scheduled"
    UNSCHEDULED = "unscheduled"


def task_key(account_id: str, member_id: str, contact_id: str) -> str:
    """Stable key of the one open planned task per (account, member, contact).

    A digest keeps it short and free of separators whatever the ids contain, so it fits an
    external-id field; the ids are hashed as a JSON array, so no id can run into the next. The
    ``kam1-`` prefix versions the scheme.
    """
    ids = json.dumps([account_id, member_id, contact_id], ensure_ascii=False).encode()
    return "kam1-" + hashlib.sha256(ids).hexdigest()[:24]


@dataclass(frozen=True, slots=True)
class PlannedContact:
    """A pair that needs contact, scheduled on ``planned_date`` or unscheduled."""

    pair: Pair
    status: PlanStatus
    planned_date: date | None
    reason: str
    key: str


PriorityKey = tuple[int, int, int, int, str, str, str]


def priority_key(
    pair: Pair, segments: Mapping[str, Segment], positions: Mapping[str, int]
) -> PriorityKey:
    """Segment, rated accounts by position before unrated, days overdue desc, then ids."""
    position = positions.get(pair.account_id)
    return (
        _SEGMENT_ORDER[segments[pair.account_id]],
        0 if position is not None else 1,
        position or 0,
        -pair.days_overdue,
        pair.account_id,
        pair.member_id,
        pair.contact_id,
    )


def plan_contacts(
    pairs: Iterable[Pair],
    segments: Mapping[str, Segment],
    positions: Mapping[str, int],
    capacity_of: Callable[[str], int],
    as_of: date,
    horizon_days: int,
) -> tuple[PlannedContact, ...]:
    """Schedule every pair whose status needs contact, in priority order.

    Args:
        pairs: all pairs of the contact matrix; those with status ``ok`` are skipped.
        segments: segment per account id.
        positions: rating position per rated account id.
        capacity_of: planned contacts a member may take per 7-day window.
        as_of: first day of the first window.
        horizon_days: the windows cover ``[as_of, as_of + horizon_days)``.
    """
    needing = [pair for pair in pairs if pair.status is not PairStatus.OK]
    needing.sort(key=lambda pair: priority_key(pair, segments, positions))
    horizon_end = as_of + timedelta(days=horizon_days)
    windows = [
        (as_of + timedelta(days=start), min(as_of + timedelta(days=start + _WEEK), horizon_end))
        for start in range(0, max(horizon_days, 0), _WEEK)
    ]
    used: dict[tuple[str, int], int] = {}
    capacities: dict[str, int] = {}
    planned: list[PlannedContact] = []
    for pair in needing:
        member_id = pair.member_id
        capacity = capacities.get(member_id)
        if capacity is None:
            capacity = capacities[member_id] = capacity_of(member_id)
        earliest = max(as_of, pair.due_date)
        key = task_key(pair.account_id, member_id, pair.contact_id)
        for index in range(max(0, (earliest - as_of).days // _WEEK), len(windows)):
            slot = (member_id, index)
            taken = used.get(slot, 0)
            if taken >= capacity:
                continue
            window_start, window_end = windows[index]
            day = first_working_day(max(window_start, earliest), window_end)
            if day is None:
                continue
            used[slot] = taken + 1
            planned.append(PlannedContact(pair, PlanStatus.SCHEDULED, day, pair.status.value, key))
            break
        else:
            planned.append(PlannedContact(pair, PlanStatus.UNSCHEDULED, None, OVER_CAPACITY, key))
    return tuple(planned)
