"""What the commands print: service results rendered on a rich Console (terminal I/O only).

The command line (:mod:`crm_accounts.cli`) calls a service and hands its result to one of these;
:mod:`crm_accounts.render` draws the method's summary. Human output goes to stdout; nothing here
reads a source or writes a file.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import Any

from rich.console import Console

from .domain.method import MethodResult
from .i18n import Language, language
from .render import render_summary
from .reports import ReportPaths
from .runlog import RunDetail, RunSummary
from .services import result_document
from .services.admin import CheckReport, SetupReport
from .services.workflows import Demo, Preview, Synced
from .sync.plan import SyncPlan
from .sync.report import Movement, describe_plan, plan_document

__all__ = [
    "plan_json",
    "print_check",
    "print_demo",
    "print_failures",
    "print_preview",
    "print_report_paths",
    "print_run",
    "print_runs",
    "print_setup",
    "print_synced",
]

#: Plan lines and failed records listed on screen; ``--json`` and ``runs show`` list them all.
SHOWN = 40


def print_report_paths(console: Console, paths: ReportPaths) -> None:
    console.print(f"Report:           {paths.html}")
    console.print(f"Workbook:         {paths.workbook}")
    console.print(f"Agendas:          {paths.agenda_dir} ({len(paths.agendas)} members)")


def _print_plan_lines(console: Console, lines: list[str], empty: str) -> None:
    if not lines:
        console.print(empty)
    for text in lines[:SHOWN]:
        console.print(f"  {text}", markup=False)
    if len(lines) > SHOWN:
        console.print(f"  ... and {len(lines) - SHOWN} more accounts (--json lists them all)")


def _print_totals(console: Console, totals: Mapping[str, int], lang: Language) -> None:
    console.print(
        lang._(
            "Totals: %(accounts_changed)s accounts with field changes "
            "(%(manual_edits_overwritten)s manual edits overwritten, %(conflicts_kept)s conflicts "
            "kept); tasks: %(tasks_to_create)s to create, %(tasks_to_reschedule)s to reschedule, "
            "%(tasks_to_close)s to close, %(tasks_kept)s already right."
        )
        % totals
    )


# -- plan ------------------------------------------------------------------------------------------


def plan_json(result: MethodResult, sync_plan: SyncPlan, moved: Sequence[Movement] | None) -> str:
    """What ``plan --json`` prints: the result tables, the sync plan and the movements."""
    document: dict[str, Any] = result_document(result)
    document["sync"] = plan_document(sync_plan, result)
    document["movements"] = [
        {"account_id": m.account_id, "from": m.segment_before, "to": m.segment_now,
         "position_from": m.position_before, "position_to": m.position_now}
        for m in moved or ()
    ]  # fmt: skip
    return json.dumps(document, indent=2) + "\n"


def print_preview(console: Console, found: Preview, export: Path | None, lang: Language) -> None:
    """The summary, the movements and what a sync would change."""
    _ = lang._
    result = found.pulled.result
    render_summary(console, result, lang)
    console.print()
    if found.moved:
        console.print(
            _("Moved since the last sync: %(moves)s")
            % {"moves": "; ".join(movement.text(lang) for movement in found.moved)}
        )
    console.print(_("What a sync would change:"))
    lines = [line.text(lang) for line in describe_plan(found.plan, result)]
    _print_plan_lines(console, lines, _("  nothing: the CRM is up to date."))
    _print_totals(console, found.plan.totals(), lang)
    if export is not None:
        console.print(_("Result tables written to %(folder)s") % {"folder": export})


# -- sync ------------------------------------------------------------------------------------------


def print_synced(console: Console, synced: Synced, day: date, lang: Language) -> None:
    """The run's status, what it changed and how many records were written."""
    _ = lang._
    outcome = synced.outcome
    console.print(
        _("Sync run %(run)s as of %(day)s: %(status)s.")
        % {"run": outcome.run_id, "day": lang.day(day), "status": outcome.status}
    )
    lines = [line.text(lang) for line in describe_plan(outcome.plan, outcome.result)]
    nothing = _("Nothing to change: the CRM was up to date; nothing written.")
    _print_plan_lines(console, lines, nothing)
    _print_totals(console, outcome.plan.totals(), lang)
    console.print(
        _("%(written)s records written, %(failed)s failed.")
        % {"written": len(outcome.applied.outcomes), "failed": len(outcome.applied.failures)}
    )


def print_failures(console: Console, synced: Synced) -> None:
    """The first failed records and where to find them all (nothing when none failed)."""
    failures = synced.outcome.applied.failures
    for failure in failures[:SHOWN]:
        console.print(f"  failed: {failure.kind} {failure.ref}: {failure.error}", markup=False)
    if failures:
        console.print(
            f"The next sync retries them. Details: crm-accounts runs show {synced.outcome.run_id}"
        )


# -- runs ------------------------------------------------------------------------------------------


def print_runs(console: Console, path: Path, summaries: Sequence[RunSummary]) -> None:
    if not summaries:
        console.print(f"No runs yet in {path}.")
    for run in summaries:
        counts = ", ".join(f"{k} {v}" for k, v in run.counts.items() if v)
        console.print(
            f"{run.id:>5}  {run.started_at:%Y-%m-%d %H:%M}  as of {run.as_of}  "
            f"{run.status:<11} {counts}",
            markup=False,
        )


def print_run(console: Console, detail: RunDetail) -> None:
    run = detail.summary
    console.print(
        f"Run {run.id} ({run.command}) as of {run.as_of}: {run.status}\n"
        f"started {run.started_at:%Y-%m-%d %H:%M:%S}, ended "
        f"{f'{run.ended_at:%Y-%m-%d %H:%M:%S}' if run.ended_at else '-'}; config {run.config_hash}",
        markup=False,
    )
    for key, value in run.counts.items():
        console.print(f"  {key}: {value}", markup=False)
    console.print(f"{detail.outcomes} records, {len(detail.failures)} failed.")
    for failure in detail.failures:
        console.print(f"  {failure.kind} {failure.ref}: {failure.error}", markup=False)


# -- check, setup ----------------------------------------------------------------------------------


def print_check(console: Console, checked: CheckReport) -> None:
    if checked.kind == "csv":
        console.print(
            "ok: the CSV folder reads cleanly; target columns are added by the first sync"
        )
        return
    for finding in checked.findings:
        console.print(str(finding), markup=False)
    console.print(f"{len(checked.findings)} checks, {checked.errors} errors.")


def print_setup(console: Console, done: SetupReport, *, applying: bool) -> None:
    """The definitions (HubSpot: one line each first), then the findings of ``--apply``."""
    if done.kind == "csv":
        console.print("Nothing to set up for a CSV folder: the first sync adds the columns.")
        return
    if done.kind == "hubspot":
        for definition in done.definitions:
            body = definition["body"]
            what = f"{definition['kind']} {body['name']!r} on {definition['object']}"
            kind = (
                f" ({body['type']}, {body['fieldType']})"
                if definition["kind"] == "property"
                else ""
            )
            console.print(f"  create {what}{kind}", markup=False)
    console.print(json.dumps(list(done.definitions), indent=2), markup=False)
    if not applying:
        count = len(done.definitions)
        console.print(
            f"{count} field definitions; run with --apply to create them."
            if done.kind == "salesforce"
            else f"{count} definitions; run with --apply to create the missing ones."
        )
        return
    for finding in done.findings or ():
        console.print(str(finding), markup=False)


# -- demo ------------------------------------------------------------------------------------------


def print_demo(console: Console, done: Demo, day: date) -> None:
    """The summary, both syncs and where everything is (the report paths follow)."""
    render_summary(console, done.syncs[0].result, language(done.config.output.language))
    console.print()
    for number, synced in enumerate(done.syncs, start=1):
        totals = synced.plan.totals()
        console.print(
            f"Sync {number}: {len(synced.applied.outcomes)} records written "
            f"({totals['accounts_changed']} accounts updated, {totals['tasks_to_create']} tasks "
            f"created, {totals['tasks_kept']} tasks already right)."
        )
    console.print()
    console.print(f"Sample CRM data:  {done.source_dir} (synced: kam_* columns, tasks.csv)")
    console.print(f"Configuration:    {done.config_path}")
    console.print(f"Run log:          {done.run_log}")
    console.print(f"Result tables:    {', '.join(str(p) for p in done.exported)}")
    console.print(
        f"Try it yourself:  crm-accounts plan --config {done.config_path} --as-of {day}\n"
        f"                  crm-accounts runs --config {done.config_path}"
    )
    console.print()
