"""Movements since the previous run: segment or rating position changed, new accounts left out."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from crm_accounts.domain import Segment
from crm_accounts.sync.report import Movement, movements


def _result(segments: dict[str, Segment], positions: dict[str, int]) -> Any:
    rating = SimpleNamespace(position_of=lambda: dict(positions))
    return SimpleNamespace(segments=segments, rating=rating)


def test_a_change_of_rating_position_alone_is_a_movement() -> None:
    result = _result({"a": Segment.A, "b": Segment.A}, {"a": 1, "b": 2})
    previous = {"a": ("A", 2), "b": ("A", 1)}

    assert movements(result, previous) == [
        Movement("a", "A", "A", 2, 1),
        Movement("b", "A", "A", 1, 2),
    ]
    assert movements(result, previous)[0].text() == "a rating 2 -> 1"


def test_leaving_the_rating_and_changing_segment_is_one_movement_with_both() -> None:
    result = _result({"a": Segment.B}, {})
    moved = movements(result, {"a": ("A", 3)})

    assert moved == [Movement("a", "A", "B", 3, None)]
    assert moved[0].text() == "a segment A -> B, rating 3 -> -"


def test_unchanged_and_new_accounts_are_not_movements() -> None:
    result = _result({"a": Segment.C, "new": Segment.A}, {"new": 1})

    assert movements(result, {"a": ("C", None)}) == []
