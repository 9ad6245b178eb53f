"""Renders :class:`~crm_accounts.progress.Progress` reports: a live line on a terminal (rich),
periodic log lines without one. Terminal and logging I/O.

On a terminal the line reads ``⠋ reading companies  4,200 of ~10,000  350/s  0:00:16 left``;
without a total, the count and rate only. A scheduler's log gets the same words every
``every`` seconds (``progress`` events, INFO, with ``what``, ``records`` and, when known,
``total``, ``rate`` and ``seconds_left``), and a ``progress_done`` line when counted work that
was reported ends, so a long pull never looks stuck and a quick one writes nothing.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta

from rich.console import Console
from rich.progress import Progress as RichProgress
from rich.progress import ProgressColumn, SpinnerColumn, Task, TaskID, TextColumn
from rich.text import Text

from .logs import log_event
from .progress import Progress

__all__ = ["LogProgress", "TerminalProgress", "describe", "progress_display"]

Clock = Callable[[], float]
logger = logging.getLogger("crm_accounts")


def _count(done: int, total: int | None) -> str:
    return f"{done:,}" if total is None else f"{done:,} of ~{total:,}"


def _left(done: int, total: int | None, rate: float | None) -> float | None:
    if total is None or not rate:
        return None
    return max(total - done, 0) / rate


def _duration(seconds: float) -> str:
    return str(timedelta(seconds=round(seconds)))


def describe(what: str, done: int, total: int | None, rate: float | None) -> str:
    """``reading companies: 4,200 of ~10,000 (350/s, 0:00:16 left)``; no time left without a
    total or a rate."""
    details = []
    if rate:
        details.append(f"{rate:,.0f}/s")
    left = _left(done, total, rate)
    if left is not None:
        details.append(f"{_duration(left)} left")
    tail = f" ({', '.join(details)})" if details else ""
    return f"{what}: {_count(done, total)}{tail}"


class _CountColumn(ProgressColumn):
    def render(self, task: Task) -> Text:
        if not task.fields.get("counted"):
            return Text("")
        total = None if task.total is None else int(task.total)
        return Text(_count(int(task.completed), total), style="progress.download")


class _RateColumn(ProgressColumn):
    def render(self, task: Task) -> Text:
        speed = task.speed
        if not task.fields.get("counted") or not speed:
            return Text("")
        return Text(f"{speed:,.0f}/s", style="progress.data.speed")


class _LeftColumn(ProgressColumn):
    max_refresh = 0.5

    def render(self, task: Task) -> Text:
        if not task.fields.get("counted"):
            return Text("")
        total = None if task.total is None else int(task.total)
        left = _left(int(task.completed), total, task.speed)
        return Text("" if left is None else f"{_duration(left)} left", style="progress.remaining")


class TerminalProgress:
    """One live line on ``console``: a spinner, what is being done, records so far, rate and
    time left. Use as a context manager; the line disappears when it ends."""

    def __init__(self, console: Console, *, clock: Clock | None = None) -> None:
        self.bar = RichProgress(
            SpinnerColumn(), TextColumn("{task.description}"), _CountColumn(), _RateColumn(),
            _LeftColumn(), console=console, transient=True, get_time=clock,
        )  # fmt: skip
        self._task: TaskID | None = None
        # Batch writes and read-ahead searches report from other threads: the line they
        # advance is never the one a new step has just removed.
        self._lock = threading.Lock()

    def __enter__(self) -> TerminalProgress:
        self.bar.start()
        self.step("reading")
        return self

    def __exit__(self, *_: object) -> None:
        self.bar.stop()

    def _replace(self, description: str, total: int | None, counted: bool) -> None:
        with self._lock:
            if self._task is not None:
                self.bar.remove_task(self._task)
            self._task = self.bar.add_task(description, total=total, counted=counted)

    def step(self, what: str) -> None:
        self._replace(f"{what}...", None, False)

    def begin(self, what: str, total: int | None = None) -> None:
        self._replace(what, total, True)

    def advance(self, records: int, *, total: int | None = None) -> None:
        with self._lock:
            if self._task is None:
                return
            if total is not None:
                self.bar.update(self._task, total=total)
            self.bar.advance(self._task, records)


class LogProgress:
    """Counted work as log lines: one every ``every`` seconds while it lasts, and a last one
    when it ends if any was written. Steps are DEBUG lines, as before."""

    def __init__(
        self, log: logging.Logger = logger, *, every: float = 10.0, clock: Clock = time.monotonic
    ) -> None:
        self._log, self._every, self._clock = log, every, clock
        self._what: str | None = None
        self._done = 0
        self._total: int | None = None
        self._started = self._last = 0.0
        self._reported = False
        self._lock = threading.Lock()  # batch writes report from worker threads

    def __enter__(self) -> LogProgress:
        return self

    def __exit__(self, *_: object) -> None:
        self._finish()

    def _rate(self, now: float) -> float | None:
        elapsed = now - self._started
        return self._done / elapsed if elapsed > 0 and self._done else None

    def _line(self, now: float, *, finished: bool = False) -> None:
        assert self._what is not None
        rate = self._rate(now)
        if finished:
            text = f"{self._what}: {self._done:,} records in {_duration(now - self._started)}"
        else:
            text = describe(self._what, self._done, self._total, rate)
        fields: dict[str, object] = {"what": self._what, "records": self._done}
        if self._total is not None:
            fields["total"] = self._total
        if rate is not None:
            fields["rate"] = round(rate, 1)
        left = None if finished else _left(self._done, self._total, rate)
        if left is not None:
            fields["seconds_left"] = round(left)
        event = "progress_done" if finished else "progress"
        log_event(self._log, event, text, logging.INFO, **fields)
        self._last = now
        self._reported = True

    def _finish(self) -> None:
        if self._what is not None and self._reported:
            self._line(self._clock(), finished=True)
        self._what, self._reported = None, False

    def step(self, what: str) -> None:
        self._finish()
        log_event(self._log, "step", what, level=logging.DEBUG)

    def begin(self, what: str, total: int | None = None) -> None:
        self._finish()
        self._what, self._done, self._total = what, 0, total
        self._started = self._last = self._clock()

    def advance(self, records: int, *, total: int | None = None) -> None:
        with self._lock:
            if self._what is None:
                return
            self._done += records
            if total is not None:
                self._total = total
            now = self._clock()
            if now - self._last >= self._every:
                self._line(now)


@contextmanager
def progress_display(console: Console) -> Iterator[Progress]:
    """The renderer for ``console``: live on a terminal, log lines otherwise."""
    display: TerminalProgress | LogProgress
    display = TerminalProgress(console) if console.is_terminal else LogProgress()
    with display:
        yield display
