"""A sync in three steps: pull from the connector, decide a plan (pure), apply it.

Does I/O through the connector port and the run log only. Every record's outcome is committed to
the run log as soon as its batch returns, so a crash loses nothing already written; a rerun reads
the CRM again (fields and our open tasks, found by their stored key) and converges. The run log
also keeps the CRM id of every open task the product knows of (created, or read back); a
connector whose search lags behind writes (:class:`~crm_accounts.ports.RemembersTasks`) is
given them before it reads, so a task created seconds earlier is found by id, never created
twice.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from ..domain.method import MethodResult, run_method
from ..domain.settings import MethodSettings
from ..errors import ConnectorError, FatalConnectorError, Interrupted
from ..logs import redact
from ..ports import Connector, RemembersTasks, Source, TaskRecord, WriteResult
from ..runlog import Outcome, RunLog
from ..services.run import gather
from .plan import SyncOptions, SyncPlan, decide

__all__ = ["ApplyReport", "Pulled", "SyncReport", "apply_plan", "pull", "run_sync"]

Step = Callable[[str], None]


def _quiet(_: str) -> None:
    return None


@dataclass(frozen=True, slots=True)
class Pulled:
    """The method's result plus what the CRM holds now."""

    result: MethodResult
    targets: Mapping[str, Mapping[str, str]]
    open_tasks: tuple[TaskRecord, ...]


def pull(source: Source, settings: MethodSettings, as_of: date, *, step: Step = _quiet) -> Pulled:
    """Read everything and run the method; raises ``InputDataError`` for bad source data."""
    gathered = gather(source, settings, as_of, step=step)
    step("computing")
    result = run_method(gathered.data, settings, as_of)
    return Pulled(result, gathered.targets, gathered.open_tasks)


@dataclass(frozen=True, slots=True)
class ApplyReport:
    outcomes: tuple[Outcome, ...]
    written: tuple[tuple[str, str, str | None], ...]

    @property
    def failures(self) -> tuple[Outcome, ...]:
        return tuple(outcome for outcome in self.outcomes if not outcome.ok)


def _outcomes(kind: str, details: Sequence[str], results: Sequence[WriteResult]) -> list[Outcome]:
    keep_id = kind == "task_create"
    return [
        Outcome(
            kind,
            result.ref,
            result.ok,
            detail,
            redact(result.error) if result.error else None,
            result.crm_id if keep_id and result.ok else None,
        )
        for detail, result in zip(details, results, strict=True)
    ]


def _write_counts(plan: SyncPlan) -> dict[str, int]:
    return {
        "fields": plan.accounts_to_update,
        "close": len(plan.close),
        "update": len(plan.reschedule),
        "create": len(plan.create),
    }


def apply_plan(
    plan: SyncPlan,
    writer: Connector,
    *,
    record: Callable[[Sequence[Outcome]], None] = lambda _: None,
    step: Step = _quiet,
    preflight: bool = True,
) -> ApplyReport:
    """Write exactly the plan: fields, then closes, reschedules and creates.

    The connector chooses batch sizes; a refused record is an outcome, never an exception.
    ``record`` receives each step's outcomes as soon as they are known.
    """
    outcomes: list[Outcome] = []
    written: list[tuple[str, str, str | None]] = []

    def done(batch: list[Outcome]) -> None:
        outcomes.extend(batch)
        record(batch)

    updates = plan.field_updates()
    if preflight:
        writer.preflight(_write_counts(plan))
    if updates:
        step(f"writing fields of {len(updates)} accounts")
        changes = {a.account_id: a for a in plan.accounts}
        details = [
            ", ".join(
                f"{c.field} {c.old or '-'} -> {c.new or '-'}" for c in changes[u.account_id].changes
            )
            for u in updates
        ]
        results = writer.write_fields(updates)
        for update, result in zip(updates, results, strict=True):
            if result.ok:
                written.extend(
                    (update.account_id, name, value) for name, value in update.values.items()
                )
        done(_outcomes("field", details, results))
    if plan.close:
        step(f"closing {len(plan.close)} tasks")
        results = writer.close_tasks([c.close for c in plan.close])
        done(_outcomes("task_close", [c.reason for c in plan.close], results))
    if plan.reschedule:
        step(f"rescheduling {len(plan.reschedule)} tasks")
        results = writer.update_tasks([r.update for r in plan.reschedule])
        details = [f"due {r.task.due_date} -> {r.update.due_date}" for r in plan.reschedule]
        done(_outcomes("task_update", details, results))
    if plan.create:
        step(f"creating {len(plan.create)} tasks")
        results = writer.create_tasks(list(plan.create))
        details = [
            f"{d.member_id} meets {d.contact_id} of {d.account_id} on {d.due_date}"
            for d in plan.create
        ]
        done(_outcomes("task_create", details, results))
    return ApplyReport(tuple(outcomes), tuple(written))


@dataclass(frozen=True, slots=True)
class SyncReport:
    run_id: int
    plan: SyncPlan
    applied: ApplyReport
    result: MethodResult

    @property
    def status(self) -> str:
        return "partial" if self.applied.failures else "ok"


def run_sync(
    connector: Connector,
    settings: MethodSettings,
    options: SyncOptions,
    as_of: date,
    run_log: RunLog,
    *,
    config_hash: str,
    now: Callable[[], datetime],
    step: Step = _quiet,
) -> SyncReport:
    """Pull, decide, apply; record the run, every outcome and the values written."""
    run_id = run_log.start_run(
        command="sync", as_of=as_of, config_hash=config_hash, started_at=now()
    )
    try:
        if isinstance(connector, RemembersTasks):
            connector.recall_tasks(run_log.known_tasks())
        pulled = pull(connector, settings, as_of, step=step)
        if isinstance(connector, RemembersTasks):
            run_log.replace_tasks({t.key: t.id for t in pulled.open_tasks})
        computed_at = now().strftime("%Y-%m-%dT%H:%M:%SZ")
        plan = decide(
            pulled.result, pulled.targets, pulled.open_tasks, run_log.last_written(), options,
            computed_at,
        )  # fmt: skip
        connector.preflight(_write_counts(plan))  # refuses before anything is written (exit 2)
        try:
            applied = apply_plan(
                plan, connector, record=lambda batch: run_log.record_outcomes(run_id, batch),
                step=step, preflight=False,
            )  # fmt: skip
        except FatalConnectorError as exc:
            # Writes may have happened (even inside the failing call): not "nothing written".
            raise ConnectorError(f"{exc}; the run stopped while writing") from exc
        run_log.record_written([*applied.written, *plan.confirmed])
        positions = pulled.result.rating.position_of()
        run_log.record_history(
            run_id,
            as_of,
            ((a, s.value, positions.get(a)) for a, s in pulled.result.segments.items()),
        )
    except BaseException as exc:
        stopped = isinstance(exc, KeyboardInterrupt | Interrupted)
        status = "interrupted" if stopped else "failed"
        run_log.finish_run(run_id, ended_at=now(), status=status, counts={})
        raise
    report = SyncReport(run_id, plan, applied, pulled.result)
    counts = {**plan.totals(), "writes": len(applied.outcomes), "failed": len(applied.failures)}
    run_log.finish_run(run_id, ended_at=now(), status=report.status, counts=counts)
    return report
