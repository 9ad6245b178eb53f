"""Draws docs/images/progress.svg: the progress display on a terminal and the same run's log
lines without one. Run from the repository root: ``python docs/images/progress.py``.

The numbers are those of a HubSpot pull of 10,000 deals at the pace its search limit allows;
a fake clock stands in for the minutes it takes, so nothing waits. The log shows its first
and last lines (one every 10 seconds in between).
"""

from __future__ import annotations

import io
import logging
from datetime import UTC, datetime
from pathlib import Path

from rich.console import Console
from rich.text import Text

from crm_accounts.logs import configure_logging, reset_logging
from crm_accounts.progress_display import LogProgress, TerminalProgress

OUT = Path(__file__).with_name("progress.svg")


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def _pull(display: TerminalProgress | LogProgress, clock: Clock, pages: int) -> None:
    """``pages`` search pages of 100 deals, 4.5 seconds apart (the search limit's pace)."""
    display.begin("reading deals")
    display.advance(0, total=10_000)
    for _ in range(pages):
        clock.now += 4.5
        display.advance(100)


def main() -> None:
    console = Console(record=True, width=140, force_terminal=True, color_system="truecolor")
    console.print(Text("$ crm-accounts sync --config hubspot.toml", style="bold"))
    clock = Clock()
    terminal = TerminalProgress(console, clock=clock)
    _pull(terminal, clock, 42)
    console.print(terminal.bar.make_tasks_table(terminal.bar.tasks))
    console.print()
    console.print(Text("$ crm-accounts sync --config hubspot.toml 2>> sync.log   # no terminal",
                       style="bold"))  # fmt: skip
    lines = io.StringIO()
    configure_logging("text", lines)
    logger = logging.getLogger("crm_accounts")
    clock = Clock()
    start = datetime(2026, 11, 27, 6, 0, tzinfo=UTC).timestamp()

    def at_clock(record: logging.LogRecord) -> bool:
        record.created = start + clock.now  # the fake clock's time on each line
        return True

    logger.addFilter(at_clock)
    try:
        with LogProgress(logger, clock=clock) as log:
            _pull(log, clock, 100)
    finally:
        logger.removeFilter(at_clock)
        reset_logging()
    console.print(Text("$ cat sync.log", style="bold"))
    written = lines.getvalue().splitlines()
    for line in [*written[:3], "...", *written[-2:]]:
        console.print(Text(line))
    console.save_svg(str(OUT), title="crm-accounts: progress on a long pull")


if __name__ == "__main__":
    main()
