"""Pull everything the method needs from a source and run it. Reads through the source port.

Revenue lines and activities go to the domain's aggregators (as frames, see
:mod:`crm_accounts.domain.frames`) and only the aggregates are kept; the source is closed (and a
file source raises every input problem) before anything is computed.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TypeVar

from ..domain.contact_plan import summarize_activities
from ..domain.frames import ContactFrame, TeamFrame
from ..domain.method import MethodInput, MethodResult, run_method
from ..domain.model import Account
from ..domain.revenue import Period, summarize_revenue
from ..domain.settings import MethodSettings
from ..ports import AccountTable, Source, TaskRecord

__all__ = ["Gathered", "compute", "gather"]

Step = Callable[[str], None]
T = TypeVar("T")


def _quiet(_: str) -> None:
    return None


@dataclass(frozen=True, slots=True)
class Gathered:
    """The method's input, the current target-field values per account, our open tasks."""

    data: MethodInput
    targets: Mapping[str, Mapping[str, str]]
    open_tasks: tuple[TaskRecord, ...] = ()


def gather(
    source: Source, settings: MethodSettings, as_of: date, *, step: Step = _quiet
) -> Gathered:
    """Read every collection once, in dependency order, and close the source.

    Args:
        step: called with a short description before each read (for progress display).

    Raises:
        InputDataError: the source holds invalid records (all of them are listed).
    """
    step("accounts")
    records = source.accounts()
    if isinstance(records, AccountTable):
        accounts: Collection[Account] = records.accounts
        targets = records.target_values()
    else:
        records = list(records)
        accounts = [record.account for record in records]
        targets = {record.account.id: record.targets for record in records}
    period = Period.ending(as_of, settings.months)
    step("revenue")
    revenue = summarize_revenue(source.revenue_lines(period), period)
    step("contacts and team")
    contacts = _held(source.contacts())
    members = {member.id: member for member in source.members()}
    team = _held(source.team())
    step("activities")
    lookback = settings.plan.lookback_days
    since = as_of - timedelta(days=lookback)
    history = summarize_activities(source.activities(since, as_of), as_of, lookback)
    attribute_names = source.attribute_names()
    step("open tasks")
    open_tasks = tuple(source.open_tasks())
    source.close()
    data = MethodInput(
        accounts=accounts,
        revenue=revenue,
        history=history,
        members=members,
        contacts=contacts,
        team=team,
        attribute_names=attribute_names,
    )
    return Gathered(data, targets, open_tasks)


def _held(records: Iterable[T] | None) -> Collection[T] | None:
    """Records read now: a frame as it is, anything else as a list."""
    if records is None or isinstance(records, ContactFrame | TeamFrame):
        return records
    return list(records)


def compute(
    source: Source, settings: MethodSettings, as_of: date, *, step: Step = _quiet
) -> MethodResult:
    """Gather from ``source`` and run the whole method for ``as_of``."""
    gathered = gather(source, settings, as_of, step=step)
    step("computing")
    return run_method(gathered.data, settings, as_of)
