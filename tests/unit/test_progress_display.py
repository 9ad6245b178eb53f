"""The two progress renderers: a live rich line on a terminal, periodic log lines without one.
Time comes from a fake clock; nothing here waits."""

from __future__ import annotations

import io
import logging

import pytest
from hypothesis import given
from hypothesis import strategies as st
from rich.console import Console

from crm_accounts.progress import counted
from crm_accounts.progress_display import LogProgress, TerminalProgress, describe, progress_display
from tests.fakes.progress import RecordingProgress


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def _terminal() -> Console:
    return Console(file=io.StringIO(), force_terminal=True, width=100, record=True)


def _shown(display: TerminalProgress, console: Console) -> str:
    console.print(display.bar.make_tasks_table(display.bar.tasks))
    return console.export_text()


def _read(display: TerminalProgress | LogProgress, clock: FakeClock, pages: int) -> None:
    """``pages`` pages of 200 records, one a second."""
    for _ in range(pages):
        clock.now += 1.0
        display.advance(200)


def test_the_terminal_line_shows_records_of_the_total_rate_and_time_left() -> None:
    console, clock = _terminal(), FakeClock()
    display = TerminalProgress(console, clock=clock)

    display.begin("reading companies", total=10_000)
    _read(display, clock, 21)  # 4,200 records; 4,000 between the first and last page in 20 s

    line = _shown(display, console)
    assert "reading companies" in line
    assert "4,200 of ~10,000" in line
    assert "200/s" in line
    assert "0:00:29 left" in line  # 5,800 to go at 200 a second


def test_the_terminal_line_without_a_total_shows_no_time_left() -> None:
    console, clock = _terminal(), FakeClock()
    display = TerminalProgress(console, clock=clock)

    display.begin("reading companies")
    _read(display, clock, 21)

    line = _shown(display, console)
    assert "4,200" in line
    assert "200/s" in line
    assert " of " not in line
    assert "left" not in line


def test_a_total_learned_from_the_first_page_is_shown() -> None:
    console, clock = _terminal(), FakeClock()
    display = TerminalProgress(console, clock=clock)

    display.begin("reading deals")
    display.advance(0, total=3_000)
    _read(display, clock, 3)

    assert "600 of ~3,000" in _shown(display, console)


def test_a_step_replaces_the_counted_line_and_shows_no_counts() -> None:
    console, clock = _terminal(), FakeClock()
    display = TerminalProgress(console, clock=clock)
    display.begin("reading companies", total=500)
    _read(display, clock, 2)

    display.step("computing")

    line = _shown(display, console)
    assert "computing..." in line
    assert "reading companies" not in line
    assert "400" not in line


def test_the_live_terminal_line_is_drawn_and_gone_at_the_end() -> None:
    stream = io.StringIO()
    console = Console(file=stream, force_terminal=True, width=100)

    with TerminalProgress(console) as display:
        display.begin("reading companies", total=1_000)
        display.advance(300)

    drawn = stream.getvalue()
    assert "reading companies" in drawn
    assert "300 of ~1,000" in drawn


class Lines(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def progress(self) -> list[logging.LogRecord]:
        return [r for r in self.records if str(getattr(r, "event", "")).startswith("progress")]


@pytest.fixture
def lines() -> Lines:
    handler = Lines()
    log = logging.getLogger("tests.progress")
    log.handlers[:] = [handler]
    log.setLevel(logging.DEBUG)
    log.propagate = False
    return handler


def test_without_a_terminal_a_long_read_logs_a_line_every_ten_seconds_and_one_at_the_end(
    lines: Lines,
) -> None:
    clock = FakeClock()
    with LogProgress(logging.getLogger("tests.progress"), every=10.0, clock=clock) as display:
        display.begin("reading deals", total=10_000)
        _read(display, clock, 25)  # 5,000 records in 25 s
        display.step("computing")

    shown = [(r.event, r.getMessage()) for r in lines.progress()]  # type: ignore[attr-defined]
    assert shown == [
        ("progress", "reading deals: 2,000 of ~10,000 (200/s, 0:00:40 left)"),
        ("progress", "reading deals: 4,000 of ~10,000 (200/s, 0:00:30 left)"),
        ("progress_done", "reading deals: 5,000 records in 0:00:25"),
    ]
    first, _, last = (r.fields for r in lines.progress())  # type: ignore[attr-defined]
    assert first == {"what": "reading deals", "records": 2000, "total": 10000, "rate": 200.0,
                     "seconds_left": 40}  # fmt: skip
    assert last == {"what": "reading deals", "records": 5000, "total": 10000, "rate": 200.0}


def test_without_a_terminal_a_quick_read_logs_no_progress_line(lines: Lines) -> None:
    clock = FakeClock()
    with LogProgress(logging.getLogger("tests.progress"), every=10.0, clock=clock) as display:
        display.begin("reading companies")
        _read(display, clock, 9)
        display.begin("reading deals", total=40)
        display.advance(40)

    assert lines.progress() == []
    assert [r.getMessage() for r in lines.records] == []


def test_without_a_terminal_steps_are_debug_lines(lines: Lines) -> None:
    with LogProgress(logging.getLogger("tests.progress"), clock=FakeClock()) as display:
        display.step("computing")

    assert [(r.levelno, r.getMessage()) for r in lines.records] == [(logging.DEBUG, "computing")]


def test_an_unknown_total_gives_a_rate_and_no_time_left() -> None:
    assert describe("reading companies", 4_200, None, 350.0) == "reading companies: 4,200 (350/s)"
    assert describe("reading companies", 0, 100, None) == "reading companies: 0 of ~100"


def test_the_display_follows_the_console() -> None:
    with progress_display(Console(file=io.StringIO(), force_terminal=True)) as shown:
        assert isinstance(shown, TerminalProgress)
    with progress_display(Console(file=io.StringIO(), force_terminal=False)) as shown:
        assert isinstance(shown, LogProgress)


@given(st.lists(st.integers(0, 50), max_size=40), st.integers(1, 30))
def test_counted_passes_every_item_through_and_reports_them_all(
    items: list[int], every: int
) -> None:
    progress = RecordingProgress()
    progress.begin("reading")

    assert list(counted(items, progress, every=every)) == items

    (read,) = progress.counted
    assert read.done == len(items)
    assert read.advances == -(-len(items) // every)  # one report per page, not per record
