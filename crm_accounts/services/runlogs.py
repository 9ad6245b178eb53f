"""Where a run's log lives, and reading past runs from it (reads the run log only).

One rule for every command (CONTRACTS.md): ``--run-log FILE``, else the configuration's
``[sync] run_log``, else ``crm-accounts-runs.sqlite`` beside the config file or, without one,
inside the ``--source`` folder, else in the current folder. ``sync`` writes where ``plan``,
``report`` and ``runs`` then read.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from ..config import Config
from ..errors import UsageError
from ..runlog import RunDetail, RunLog, RunSummary

__all__ = ["locate_run_log", "previous_standing", "read_run", "read_runs", "written_view"]


def locate_run_log(
    config: Config, source_dir: Path | None = None, run_log: Path | None = None
) -> Path:
    """The run log of a run with ``config``, ``--source`` and ``--run-log``."""
    if run_log is not None:
        return run_log
    return config.run_log_path(source_dir)


def _existing(path: Path) -> RunLog:
    log = RunLog.open_readonly(path)
    if log is None:
        raise UsageError(
            f"no run log at {path} (give --run-log FILE, --config FILE or --source DIR)"
        )
    return log


def read_runs(path: Path, limit: int) -> list[RunSummary]:
    """The latest ``limit`` runs, newest first.

    Raises:
        UsageError: there is no run log at ``path``.
    """
    with _existing(path) as log:
        return log.runs(limit)


def read_run(path: Path, run_id: int) -> RunDetail:
    """One run with its failed records.

    Raises:
        UsageError: there is no run log at ``path``, or no such run.
    """
    with _existing(path) as log:
        return log.run(run_id)


def written_view(
    path: Path,
) -> tuple[Mapping[str, Mapping[str, str]], Mapping[str, tuple[str, int | None]]]:
    """Last written values and previous standings, if a run log exists (read only)."""
    log = RunLog.open_readonly(path)
    if log is None:
        return {}, {}
    with log:
        return log.last_written(), log.previous_standing()


def previous_standing(path: Path) -> Mapping[str, tuple[str, int | None]]:
    """Segments and positions of the latest sync, if a run log exists (read only)."""
    return written_view(path)[1]
