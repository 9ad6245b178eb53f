"""What ``plan``, ``sync``, ``report`` and ``demo`` do, one function each; the command line
parses, calls one of these and renders what it returns. I/O: the connector (through the port),
the run log, the lock files, the export and report folders; nothing on the terminal.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from ..config import Config, load_config
from ..domain.method import MethodResult
from ..i18n import language
from ..logs import log_event
from ..ports import RecordLinks, RemembersTasks
from ..progress import SILENT, Progress
from ..reports import ReportPaths, write_reports
from ..runlock import RunLock
from ..runlog import RunLog
from ..sync import SyncOptions, decide, pull, run_sync
from ..sync.plan import SyncPlan
from ..sync.report import Movement, movements
from ..sync.service import Pulled, SyncReport
from . import compose
from .export import check_output_folder, export_tables
from .locks import source_lock
from .runlogs import locate_run_log, previous_standing, written_view

__all__ = [
    "Demo",
    "Link",
    "Preview",
    "Reported",
    "Synced",
    "preview",
    "report",
    "run_demo",
    "synchronize",
    "write_report_files",
]

logger = logging.getLogger("crm_accounts")

Link = Callable[[str], str | None]
Clock = Callable[[], datetime]


def _link(connector: object) -> Link | None:
    return connector.record_url if isinstance(connector, RecordLinks) else None


def _options(config: Config) -> SyncOptions:
    return SyncOptions(
        config.sync.overwrite_manual_edits, config.plan.closed_status, config.output.language
    )


def _stamp(now: Clock) -> str:
    return now().strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True, slots=True)
class Preview:
    """What ``plan`` found: the result, the sync plan, movements since the last sync
    (``None``: the run log holds no sync to compare with)."""

    pulled: Pulled
    plan: SyncPlan
    moved: Sequence[Movement] | None
    link: Link | None


def preview(
    config: Config,
    source_dir: Path | None,
    as_of: date,
    *,
    now: Clock,
    export: Path | None = None,
    progress: Progress = SILENT,
) -> Preview:
    """Read, compute and decide what a sync would change; write nothing to the CRM or run log.

    The result tables go to ``export`` when given.
    """
    connector = compose.open_connector(config, source_dir=source_dir, progress=progress)
    path = locate_run_log(config, source_dir)
    if isinstance(connector, RemembersTasks):
        # A search that lags (HubSpot) finds tasks created seconds ago by the ids the run log
        # knows; reading never creates the run log.
        log = RunLog.open_readonly(path)
        if log is not None:
            with log:
                connector.recall_tasks(log.known_tasks())
    pulled = pull(connector, config.settings(), as_of, step=progress.step)
    written, previous = written_view(path)
    sync_plan = decide(
        pulled.result, pulled.targets, pulled.open_tasks, written, _options(config), _stamp(now)
    )
    moved = movements(pulled.result, previous) if previous else None
    if export is not None:
        export_tables(pulled.result, export)
    return Preview(pulled, sync_plan, moved, _link(connector))


@dataclass(frozen=True, slots=True)
class Synced:
    """What ``sync`` did, and the movements since the sync before it (``None``: none before)."""

    outcome: SyncReport
    moved: Sequence[Movement] | None
    run_log: Path
    link: Link | None


def synchronize(
    config: Config,
    source_dir: Path | None,
    as_of: date,
    *,
    now: Clock,
    run_log: Path | None = None,
    export: Path | None = None,
    progress: Progress = SILENT,
) -> Synced:
    """Apply the plan under the source and run-log locks, record the run, log what happened.

    Failed records are logged (``record_failed``) and returned, never raised.
    """
    path = locate_run_log(config, source_dir, run_log)
    connector = compose.open_connector(config, source_dir=source_dir, progress=progress)
    with source_lock(config, source_dir), RunLock(path), RunLog.open(path) as log:
        log_event(logger, "run_started", f"sync as of {as_of}", as_of=str(as_of), run_log=str(path))
        outcome = run_sync(
            connector, config.settings(), _options(config), as_of, log,
            config_hash=config.fingerprint(), now=now, step=progress.step,
        )  # fmt: skip
        previous = log.previous_standing(before_run=outcome.run_id)
    if export is not None:
        export_tables(outcome.result, export)
    failures = outcome.applied.failures
    for failure in failures:
        log_event(
            logger, "record_failed", f"{failure.kind} {failure.ref}: {failure.error}",
            level=logging.ERROR, kind=failure.kind, ref=failure.ref, error=failure.error,
        )  # fmt: skip
    counts = {**outcome.plan.totals(), "writes": len(outcome.applied.outcomes),
              "failed": len(failures)}  # fmt: skip
    log_event(logger, "run_finished", f"run {outcome.run_id} {outcome.status}",
              run_id=outcome.run_id, status=outcome.status, **counts)  # fmt: skip
    moved = movements(outcome.result, previous) if previous else None
    return Synced(outcome, moved, path, _link(connector))


def write_report_files(
    result: MethodResult,
    folder: Path,
    config: Config,
    moved: Sequence[Movement] | None,
    *,
    now: Clock,
    link: Link | None = None,
) -> ReportPaths:
    """The HTML report, workbook and agendas of ``result`` in ``folder``, in the configured
    language; ``moved`` is ``None`` when the run log holds no previous sync to compare with."""
    return write_reports(
        result, folder, default_capacity=config.settings().plan.capacity_per_week,
        generated_at=now(), movements=moved, link=link, lang=language(config.output.language),
    )  # fmt: skip


@dataclass(frozen=True, slots=True)
class Reported:
    result: MethodResult
    paths: ReportPaths


def report(
    config: Config,
    source_dir: Path | None,
    as_of: date,
    out: Path,
    *,
    now: Clock,
    run_log: Path | None = None,
    progress: Progress = SILENT,
) -> Reported:
    """Read, compute and write the reports; movements from the latest sync in the run log."""
    connector = compose.open_connector(config, source_dir=source_dir, progress=progress)
    pulled = pull(connector, config.settings(), as_of, step=progress.step)
    previous = previous_standing(locate_run_log(config, source_dir, run_log))
    moved = movements(pulled.result, previous) if previous else None
    paths = write_report_files(pulled.result, out, config, moved, now=now, link=_link(connector))
    return Reported(pulled.result, paths)


@dataclass(frozen=True, slots=True)
class Demo:
    """Where the demo put everything, and its two syncs."""

    source_dir: Path
    config_path: Path
    config: Config
    run_log: Path
    syncs: tuple[SyncReport, ...]
    exported: Sequence[Path]
    #: The second sync against the first, as a nightly job's report shows it.
    moved: Sequence[Movement] | None


def run_demo(out: Path, as_of: date, *, now: Clock, progress: Progress = SILENT) -> Demo:
    """Generate a sample CRM in ``out``, sync it twice and export the result tables.

    The second sync finds nothing to change: what a nightly job does on a quiet night.
    """
    from crm_accounts.connectors.demo import generate_demo

    check_output_folder(out, "--out")
    folder = generate_demo(out, as_of=as_of)
    config = load_config(folder.config_path)
    path = locate_run_log(config)
    # A fresh sample CRM: tasks and runs of an earlier demo in this folder would not match it.
    for stale in (folder.source_dir / "tasks.csv", path, *path.parent.glob(path.name + "-*")):
        stale.unlink(missing_ok=True)
    syncs = []
    with source_lock(config, None), RunLock(path), RunLog.open(path) as log:
        for _ in range(2):
            connector = compose.open_connector(config, progress=progress)
            syncs.append(
                run_sync(
                    connector,
                    config.settings(),
                    _options(config),
                    as_of,
                    log,
                    config_hash=config.fingerprint(),
                    now=now,
                    step=progress.step,
                )
            )
        previous = log.previous_standing(before_run=syncs[-1].run_id)
    moved = movements(syncs[-1].result, previous) if previous else None
    exported = export_tables(syncs[0].result, out / "results")
    return Demo(folder.source_dir, folder.config_path, config, path, tuple(syncs), exported, moved)
