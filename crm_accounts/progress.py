"""How long reads and writes say how far they are: the progress port. No I/O here.

A connector that reads or writes in pages tells a :class:`Progress` what it is doing
(``begin("reading companies", total=10_000)``) and how many records each page held
(``advance(100)``); the command line renders that as a live bar on a terminal and as periodic
log lines without one (:mod:`crm_accounts.progress_display`). The services name the coarse steps
(``step("computing")``). Totals come from the CRM when it says (Salesforce's ``totalSize``,
HubSpot's search ``total``) and are ``None`` otherwise; then no time left is shown.

A connector receives its :class:`Progress` through :class:`ReportsProgress`, before it reads;
one that never receives one reports to :data:`SILENT`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Protocol, TypeVar, runtime_checkable

__all__ = ["SILENT", "Progress", "ReportsProgress", "counted"]

_T = TypeVar("_T")


class Progress(Protocol):
    """Receives what a run is doing and how far it got."""

    def step(self, what: str) -> None:
        """A step without a count (``"computing"``); ends the counted work before it."""
        ...

    def begin(self, what: str, total: int | None = None) -> None:
        """Counted work starts: ``what`` is shown as is (``"reading companies"``); ``total``
        is the number of records expected, ``None`` when unknown."""
        ...

    def advance(self, records: int, *, total: int | None = None) -> None:
        """``records`` more are done; ``total``, when given, corrects the expected number
        (the first page of a search says how many there are)."""
        ...


@runtime_checkable
class ReportsProgress(Protocol):
    """Optional on a connector: it reports its paged reads and writes to ``progress``."""

    def report_progress(self, progress: Progress) -> None: ...


class _Silent:
    def step(self, what: str) -> None:
        return None

    def begin(self, what: str, total: int | None = None) -> None:
        return None

    def advance(self, records: int, *, total: int | None = None) -> None:
        return None


SILENT: Progress = _Silent()


def counted(items: Iterable[_T], progress: Progress, *, every: int = 100) -> Iterator[_T]:
    """``items`` unchanged, telling ``progress`` how many went by every ``every`` items and at
    the end (one report per page rather than per record)."""
    pending = 0
    for item in items:
        yield item
        pending += 1
        if pending == every:
            progress.advance(pending)
            pending = 0
    if pending:
        progress.advance(pending)
