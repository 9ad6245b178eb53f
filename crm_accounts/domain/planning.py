"""Capacity-aware contact planning and stable task keys. Pure.

Pairs that need contact are taken in priority order and put in the earliest 7-day window (from
``as_of``, within the horizon) that has a working day on or after the pair's due date and capacity
left for its member. What fits nowhere is reported as unscheduled, never dropped.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

import polars as pl

from .calendar import first_working_day
from .contact_plan import Pair, PairStatus
from .model import Segment
from .rows import Rows

__all__ = [
    "OVER_CAPACITY",
    "PLAN_SCHEMA",
    "PlanRows",
    "PlanStatus",
    "PlannedContact",
    "plan_contacts",
    "plan_frame",
    "plan_table",
    "priority_key",
    "task_key",
]

OVER_CAPACITY = "over_capacity"
#: A planned contact as a row.
PLAN_SCHEMA = {
    "account_id": pl.String,
    "member_id": pl.String,
    "contact_id": pl.String,
    "plan_status": pl.String,
    "planned_date": pl.Date,
    "due_date": pl.Date,
    "days_overdue": pl.Int64,
    "reason": pl.String,
    "key": pl.String,
}
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


#: A character JSON escapes (a quote, a backslash, a control character).
_ESCAPED = r'["\\\x00-\x1f]'


def task_keys(frame: pl.DataFrame) -> list[str]:
    """:func:`task_key` of each row's ``account_id``, ``member_id`` and ``contact_id``.

    The JSON array is written by the engine for ids without characters JSON escapes, exactly as
    ``json.dumps`` writes it; other rows go through :func:`task_key`.
    """
    ids = ("account_id", "member_id", "contact_id")
    texts = frame.select(
        pl.when(pl.any_horizontal(pl.col(ids).str.contains(_ESCAPED)))
        .then(None)
        .otherwise(pl.concat_str(pl.lit('["'), pl.concat_str(ids, separator='", "'), pl.lit('"]')))
    ).to_series()
    sha256 = hashlib.sha256
    keys = ["kam1-" + sha256(text.encode()).hexdigest()[:24] if text is not None else None
            for text in texts.to_list()]  # fmt: skip
    for index in texts.is_null().arg_true():  # ids JSON escapes
        keys[index] = task_key(*(frame[name][index] for name in ids))
    return keys  # type: ignore[return-value]


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


def plan_frame(
    pairs: pl.DataFrame,
    segments: pl.DataFrame,
    positions: Mapping[str, int],
    capacity_of: Callable[[str], int],
    as_of: date,
    horizon_days: int,
) -> pl.DataFrame:
    """Schedule every pair whose status needs contact, in priority order (:func:`priority_key`).

    Args:
        pairs: the contact matrix's pairs: ``row``, ``account_id``, ``member_id``,
            ``contact_id``, ``status``, ``due_date``, ``days_overdue``.
        segments: ``account_id`` and ``segment`` (value) of every account with pairs.
        positions: rating position per rated account id.
        capacity_of: planned contacts a member may take per 7-day window.
        as_of: first day of the first window.
        horizon_days: the windows cover ``[as_of, as_of + horizon_days)``.

    Returns:
        The pairs needing contact in priority order: ``row`` (the pair's) and the columns of
        :data:`PLAN_SCHEMA` (``planned_date`` null: unscheduled).
    """
    order = pl.DataFrame(
        [(segment.value, rank) for segment, rank in _SEGMENT_ORDER.items()],
        schema={"segment": pl.String, "segment_order": pl.Int32},
        orient="row",
    )
    rated = pl.DataFrame(
        list(positions.items()), schema={"account_id": pl.String, "position": pl.Int64},
        orient="row",
    )  # fmt: skip
    needing = (
        pairs.filter(pl.col("status") != PairStatus.OK.value)
        .join(segments.join(order, on="segment"), on="account_id", how="left")
        .join(rated, on="account_id", how="left")
        .sort(
            pl.col("segment_order"),
            pl.col("position").is_null(),
            pl.col("position").fill_null(0),
            pl.col("days_overdue"),
            "account_id",
            "member_id",
            "contact_id",
            descending=[False, False, False, True, False, False, False],
        )
        .select(
            "row", "account_id", "member_id", "contact_id", "status", "due_date", "days_overdue"
        )
    )
    members = needing["member_id"].to_list()
    due_days = needing["due_date"].cast(pl.Int32).to_list()
    statuses = needing["status"].to_list()
    dates, plan_statuses, reasons = _schedule(
        members, due_days, statuses, capacity_of, _days(as_of), horizon_days
    )
    keys = task_keys(needing)
    return needing.select(
        "row",
        "account_id",
        "member_id",
        "contact_id",
        pl.Series("plan_status", plan_statuses, dtype=pl.String),
        pl.Series("planned_date", dates, dtype=pl.Int32).cast(pl.Date),
        "due_date",
        "days_overdue",
        pl.Series("reason", reasons, dtype=pl.String),
        pl.Series("key", keys, dtype=pl.String),
    )


_EPOCH = date(1970, 1, 1)


def _days(day: date) -> int:
    return (day - _EPOCH).days


def _schedule(
    members: Sequence[str],
    due_days: Sequence[int],
    statuses: Sequence[str],
    capacity_of: Callable[[str], int],
    today: int,
    horizon_days: int,
) -> tuple[list[int | None], list[str], list[str]]:
    """Put each pair, in the order given, in the earliest 7-day window from ``today`` (days
    since 1970-01-01) that has a working day on or after its due day and room for its member."""
    horizon_end = today + horizon_days
    windows = [
        (today + start, min(today + start + _WEEK, horizon_end))
        for start in range(0, max(horizon_days, 0), _WEEK)
    ]
    opening = [_first_working_day(start, end) for start, end in windows]
    room: dict[str, list[int]] = {}  # per member: planned contacts left per window
    dates: list[int | None] = []
    reasons: list[str] = []
    scheduled, unscheduled = PlanStatus.SCHEDULED.value, PlanStatus.UNSCHEDULED.value
    plan_statuses: list[str] = []
    count = len(windows)
    for member_id, due, status in zip(members, due_days, statuses, strict=True):
        left = room.get(member_id)
        if left is None:
            left = room[member_id] = [capacity_of(member_id)] * count
        earliest = due if due > today else today
        for index in range((earliest - today) // _WEEK, count):
            if left[index] <= 0:
                continue
            start, end = windows[index]
            day = opening[index] if earliest <= start else _first_working_day(earliest, end)
            if day is None:
                continue
            left[index] -= 1
            dates.append(day)
            plan_statuses.append(scheduled)
            reasons.append(status)
            break
        else:
            dates.append(None)
            plan_statuses.append(unscheduled)
            reasons.append(OVER_CAPACITY)
    return dates, plan_statuses, reasons


def _first_working_day(start: int, end: int) -> int | None:
    """The first Monday to Friday in ``[start, end)`` (days since 1970-01-01, a Thursday)."""
    found = first_working_day(_EPOCH + timedelta(days=start), _EPOCH + timedelta(days=end))
    return None if found is None else _days(found)


class PlanRows(Rows[PlannedContact]):
    """The planned contacts of :func:`plan_frame`, as records when read; ``table`` the frame."""

    __slots__ = ("table",)

    def __init__(self, table: pl.DataFrame, pairs: Sequence[Pair]) -> None:
        super().__init__(table.height, lambda: _planned(table, pairs))
        self.table = table


def _planned(plan: pl.DataFrame, pairs: Sequence[Pair]) -> tuple[PlannedContact, ...]:
    statuses = {status.value: status for status in PlanStatus}
    return tuple(
        PlannedContact(pairs[row], statuses[status], day, reason, key)
        for row, day, status, reason, key in plan.select(
            "row", "planned_date", "plan_status", "reason", "key"
        ).iter_rows()
    )


def plan_table(plan: Sequence[PlannedContact]) -> pl.DataFrame:
    """The plan as a frame with the columns of :data:`PLAN_SCHEMA`, in order."""
    if isinstance(plan, PlanRows):
        return plan.table.select(list(PLAN_SCHEMA))
    return pl.DataFrame(
        [(p.pair.account_id, p.pair.member_id, p.pair.contact_id, p.status.value, p.planned_date,
          p.pair.due_date, p.pair.days_overdue, p.reason, p.key) for p in plan],
        schema=PLAN_SCHEMA, orient="row",
    )  # fmt: skip


def plan_contacts(
    pairs: Iterable[Pair],
    segments: Mapping[str, Segment],
    positions: Mapping[str, int],
    capacity_of: Callable[[str], int],
    as_of: date,
    horizon_days: int,
) -> tuple[PlannedContact, ...]:
    """:func:`plan_frame` for records; ``pairs`` with status ``ok`` are skipped."""
    pairs = tuple(pairs)
    frame = pl.DataFrame(
        [(row, p.account_id, p.member_id, p.contact_id, p.status.value, p.due_date,
          p.days_overdue) for row, p in enumerate(pairs)],
        schema={"row": pl.UInt32, "account_id": pl.String, "member_id": pl.String,
                "contact_id": pl.String, "status": pl.String, "due_date": pl.Date,
                "days_overdue": pl.Int64},
        orient="row",
    )  # fmt: skip
    accounts = {pair.account_id for pair in pairs}
    segment_frame = pl.DataFrame(
        [(account_id, segments[account_id].value) for account_id in sorted(accounts)],
        schema={"account_id": pl.String, "segment": pl.String},
        orient="row",
    )
    plan = plan_frame(frame, segment_frame, positions, capacity_of, as_of, horizon_days)
    return _planned(plan, pairs)
