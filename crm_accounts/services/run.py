"""Pull everything the method needs from a source and run it. Reads through the source port.

Revenue lines and activities are streamed into the domain's aggregators and never held; the
source is closed (and a file source raises every input problem) before anything is computed. A
source that aggregates as it reads (:class:`SummarizingSource`, the CSV source) is asked for the
revenue summary up front (it may compute it in a second process meanwhile) and hands activities
to the domain's :class:`~crm_accounts.domain.contact_plan.HistoryBuilder` itself.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Protocol, runtime_checkable

from ..domain.collector import collector_paused
from ..domain.contact_plan import HistoryBuilder, summarize_activities
from ..domain.method import MethodInput, MethodResult, run_method
from ..domain.revenue import Period, RevenueSummary, summarize_revenue
from ..domain.settings import MethodSettings
from ..ports import AccountRecord, Source, TaskRecord

__all__ = ["Gathered", "compute", "gather"]

Step = Callable[[str], None]


def _quiet(_: str) -> None:
    return None


@runtime_checkable
class SummarizingSource(Protocol):
    """A source that aggregates as it reads: it sums revenue itself, possibly while the other
    collections are read (the CSV source reads a big revenue.csv in a second process), and
    hands activities to the domain's aggregator without a record per row."""

    def start_revenue_summary(self, period: Period) -> Callable[[], RevenueSummary]:
        """Start; the callable returned gives :func:`summarize_revenue` of ``revenue_lines``."""
        ...

    def cancel_revenue_summary(self) -> None:
        """Give up a summary started and not collected (the read failed)."""
        ...

    def add_activities(
        self, since: date, until: date, emit: Callable[[str, str, date, bool, str], object]
    ) -> None:
        """Call ``emit`` with the fields of each activity :meth:`Source.activities` yields."""
        ...


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
    with collector_paused():  # millions of long-lived records, no reference cycles
        return _gather(source, settings, as_of, step)


def _gather(source: Source, settings: MethodSettings, as_of: date, step: Step) -> Gathered:
    step("accounts")
    records = list(source.accounts())
    period = Period.ending(as_of, settings.months)
    step("revenue")
    if isinstance(source, SummarizingSource):
        try:
            pending = source.start_revenue_summary(period)
            return _rest(source, records, pending, settings, as_of, step)
        except BaseException:
            source.cancel_revenue_summary()
            raise
    revenue = summarize_revenue(source.revenue_lines(period), period)
    return _rest(source, records, lambda: revenue, settings, as_of, step)


def _rest(
    source: Source,
    records: list[AccountRecord],
    revenue: Callable[[], RevenueSummary],
    settings: MethodSettings,
    as_of: date,
    step: Step,
) -> Gathered:
    step("contacts and team")
    contacts = source.contacts()
    contact_list = list(contacts) if contacts is not None else None
    members = {member.id: member for member in source.members()}
    team = source.team()
    team_list = list(team) if team is not None else None
    step("activities")
    lookback = settings.plan.lookback_days
    since = as_of - timedelta(days=lookback)
    if isinstance(source, SummarizingSource):
        builder = HistoryBuilder(as_of, lookback)
        source.add_activities(since, as_of, builder.add)
        history = builder.history()
    else:
        history = summarize_activities(source.activities(since, as_of), as_of, lookback)
    attribute_names = source.attribute_names()
    step("open tasks")
    open_tasks = tuple(source.open_tasks())
    summary = revenue()
    source.close()
    data = MethodInput(
        accounts=[record.account for record in records],
        revenue=summary,
        history=history,
        members=members,
        contacts=contact_list,
        team=team_list,
        attribute_names=attribute_names,
    )
    targets = {record.account.id: record.targets for record in records}
    return Gathered(data, targets, open_tasks)


def compute(
    source: Source, settings: MethodSettings, as_of: date, *, step: Step = _quiet
) -> MethodResult:
    """Gather from ``source`` and run the whole method for ``as_of``."""
    gathered = gather(source, settings, as_of, step=step)
    step("computing")
    return run_method(gathered.data, settings, as_of)
