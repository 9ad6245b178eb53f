"""``fast_init``: the replaced ``__init__`` builds the same frozen instances as the generated
one, with the same signature and defaults, and refuses classes it cannot serve."""

from __future__ import annotations

import dataclasses
import inspect
from datetime import date

import pytest

from crm_accounts.domain.contact_plan import Gap, GapCode, Pair, PairStatus
from crm_accounts.domain.model import Contact, DmuRole, Member, PsuRole, TeamMember
from crm_accounts.domain.planning import PlannedContact, PlanStatus
from crm_accounts.domain.rating import Rated
from crm_accounts.domain.records import fast_init
from crm_accounts.domain.segmentation import SegmentedAccount


@dataclasses.dataclass(frozen=True, slots=True)
class Twin:
    """What fast_init must reproduce: a plain frozen slotted dataclass."""

    a: str
    b: int = 2
    c: frozenset[str] = frozenset()


Fast = fast_init(
    dataclasses.make_dataclass(
        "Fast",
        [("a", str), ("b", int, 2), ("c", frozenset[str], frozenset())],
        frozen=True,
        slots=True,
    )
)


def test_the_signature_and_defaults_are_the_generated_ones() -> None:
    twin = inspect.signature(Twin.__init__)
    fast = inspect.signature(Fast.__init__)
    assert [(p.name, p.default) for p in fast.parameters.values()] == [
        (p.name, p.default) for p in twin.parameters.values()
    ]


@pytest.mark.parametrize(
    ("args", "kwargs"),
    [(("x",), {}), (("x", 5), {}), ((), {"a": "x", "c": frozenset({"k"})}), (("x",), {"b": 0})],
)
def test_instances_hold_the_same_values(
    args: tuple[object, ...], kwargs: dict[str, object]
) -> None:
    fast, twin = Fast(*args, **kwargs), Twin(*args, **kwargs)  # type: ignore[arg-type]
    assert dataclasses.astuple(fast) == dataclasses.astuple(twin)
    assert fast == Fast(*args, **kwargs)
    assert hash(fast) == hash(Fast(*args, **kwargs))


def test_instances_stay_frozen() -> None:
    contact = Contact("c1", "a1", "Ada")
    with pytest.raises(dataclasses.FrozenInstanceError):
        contact.name = "Bea"  # type: ignore[misc]
    assert contact == Contact("c1", "a1", "Ada", frozenset(), False, None, None)


def test_missing_or_unknown_arguments_fail_as_before() -> None:
    with pytest.raises(TypeError):
        Contact("c1", "a1")  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        Contact("c1", "a1", "Ada", colour="red")  # type: ignore[call-arg]


def test_the_records_built_by_the_million_use_it() -> None:
    day = date(2026, 1, 1)
    pair = Pair("a1", "m1", "c1", 30, (), None, day, PairStatus.NEVER, 0)
    records: list[object] = [
        Contact("c1", "a1", "Ada", frozenset({DmuRole.DECIDER})),
        Member("m1", "Anna"),
        TeamMember("a1", "m1", frozenset({PsuRole.SALES_REP})),
        pair,
        Gap("a1", GapCode.CONTACT_NEVER, member_id="m1"),
        PlannedContact(pair, PlanStatus.SCHEDULED, day, "", "k"),
        Rated(1, "a1", 0, {}),  # type: ignore[arg-type]
        SegmentedAccount("a1", "A", 1, 1, 1),  # type: ignore[arg-type]
    ]
    for record in records:
        assert type(record).__init__.__code__.co_filename == "<string>"
        assert record == dataclasses.replace(record)  # type: ignore[type-var]


def test_classes_it_cannot_serve_are_refused() -> None:
    @dataclasses.dataclass(slots=True)
    class Mutable:
        a: int

    @dataclasses.dataclass(frozen=True, slots=True)
    class WithFactory:
        a: list[int] = dataclasses.field(default_factory=list)

    @dataclasses.dataclass(frozen=True)
    class WithoutSlots:
        a: int

    for cls in (Mutable, WithFactory, WithoutSlots):
        with pytest.raises(TypeError):
            fast_init(cls)
