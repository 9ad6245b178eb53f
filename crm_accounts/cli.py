"""The ``crm-accounts`` command line: a thin shell over the services (terminal and file I/O).

Exit codes (:mod:`crm_accounts.exits`): 0 success; 1 some records were refused; 2 fix the input
(usage, configuration, data, file-system state, credentials refused); 3 retry later (another run
works on the source, a file changed meanwhile, the CRM stopped answering, disk full). Every
command works without a terminal, for schedulers: human output goes to stdout,
``--log-format json`` lines to stderr.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from .config import Config, load_config
from .domain.method import MethodResult
from .errors import UsageError
from .exits import EXIT_PARTIAL, EXIT_USAGE, run_cli
from .logs import configure_logging, log_event
from .ports import RecordLinks, RemembersTasks
from .render import render_summary
from .reports import ReportPaths, write_reports
from .runlog import RunLock, RunLog
from .services import export_tables, open_connector, result_document
from .services.export import check_output_folder
from .services.locks import source_lock
from .sync import SyncOptions, decide, pull, run_sync
from .sync.report import Movement, describe_plan, movements, plan_document

__all__ = ["app", "main"]

app = typer.Typer(
    name="crm-accounts",
    help="Key-account management on your CRM data: ABC segments, customer rating, "
    "DMU-PSU contact plans, written back as CRM fields and tasks.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
runs_app = typer.Typer(help="Recent sync runs from the run log.", no_args_is_help=False)
app.add_typer(runs_app, name="runs")

AS_OF_RANGE = (date(1900, 1, 1), date(2999, 12, 31))
_SHOWN = 40
logger = logging.getLogger("crm_accounts")


def _console(stderr: bool = False) -> Console:
    stream = sys.stderr if stderr else sys.stdout
    interactive = stream.isatty()
    # Without a terminal, lines are never wrapped (schedulers grep them); tables keep 120 columns.
    return Console(
        file=stream, width=None if interactive else 120, highlight=False, soft_wrap=not interactive
    )


def _now() -> datetime:
    return datetime.now(UTC)


def _parse_as_of(value: str | None) -> date:
    if value is None:
        return date.today()
    try:
        if len(value) != 10:
            raise ValueError
        day = date.fromisoformat(value)
    except ValueError:
        raise UsageError(f"option --as-of: value {value!r} is not a date YYYY-MM-DD") from None
    first, last = AS_OF_RANGE
    if not first <= day <= last:
        raise UsageError(f"option --as-of: value {value!r} is outside {first} to {last}")
    return day


def _start(
    log_format: str,
    config: Path | None,
    source: Path | None,
    as_of: str | None,
    export: Path | None,
    report: tuple[str, Path | None],
) -> tuple[Config, date]:
    """What every computing command checks first: logs, config, dates and output folders.

    Every check that can refuse the run comes before the report folder is created, so a refused
    run leaves nothing behind.
    """
    configure_logging(log_format, sys.stderr)
    settings = _load(config, source)
    day = _parse_as_of(as_of)
    # Output folders are created and tried before anything is read or written, so one that
    # cannot be written stops the run with exit code 2 instead of failing after a sync.
    for option, folder in (("--export", export), report):
        if folder is not None:
            check_output_folder(folder, option)
    return settings, day


def _write_reports(
    console: Console,
    result: MethodResult,
    folder: Path,
    settings: Config,
    moved: Sequence[Movement],
    connector: object = None,
) -> ReportPaths:
    link = connector.record_url if isinstance(connector, RecordLinks) else None
    paths = write_reports(
        result, folder, default_capacity=settings.settings().plan.capacity_per_week,
        generated_at=_now(), movements=moved, link=link,
    )  # fmt: skip
    console.print(f"Report:           {paths.html}")
    console.print(f"Workbook:         {paths.workbook}")
    console.print(f"Agendas:          {paths.agenda_dir} ({len(paths.agendas)} members)")
    return paths


@contextmanager
def _steps(console: Console) -> Iterator[Callable[[str], None]]:
    """Progress on a terminal (a spinner naming the step); log lines otherwise."""
    if not console.is_terminal:
        yield lambda step: log_event(logger, "step", step, level=logging.DEBUG)
        return
    with console.status("reading") as status:
        yield lambda step: status.update(f"{step}...")


def _load(config_path: Path | None, source: Path | None) -> Config:
    if config_path is not None:
        return load_config(config_path)
    if source is None:
        raise UsageError("give --source DIR (a CSV folder) or --config FILE")
    return Config()


def _options(config: Config) -> SyncOptions:
    return SyncOptions(config.sync.overwrite_manual_edits, config.plan.closed_status)


def _recall_tasks(connector: object, path: Path) -> None:
    """Tell a connector whose search lags (HubSpot) which task ids the run log knows (a read;
    never creates the run log)."""
    if not isinstance(connector, RemembersTasks):
        return
    run_log = RunLog.open_readonly(path)
    if run_log is not None:
        with run_log:
            connector.recall_tasks(run_log.known_tasks())


def _run_log_view(
    path: Path,
) -> tuple[Mapping[str, Mapping[str, str]], Mapping[str, tuple[str, int | None]]]:
    """Last written values and previous standings, if a run log exists (read only)."""
    run_log = RunLog.open_readonly(path)
    if run_log is None:
        return {}, {}
    with run_log:
        return run_log.last_written(), run_log.previous_standing()


ConfigOption = Annotated[
    Path | None,
    typer.Option(
        "--config", help="TOML configuration file.", envvar="CRM_ACCOUNTS_CONFIG",
        dir_okay=False,
    ),
]  # fmt: skip
SourceOption = Annotated[
    Path | None, typer.Option("--source", help="CSV source folder (overrides the config).")
]
AsOfOption = Annotated[
    str | None, typer.Option("--as-of", help="Compute as of this date YYYY-MM-DD (default today).")
]
ExportOption = Annotated[
    Path | None, typer.Option("--export", help="Write the result tables into this folder.")
]
LogFormatOption = Annotated[
    str, typer.Option("--log-format", help="Log lines on stderr: text or json (for schedulers).")
]
ReportOption = Annotated[
    Path | None,
    typer.Option(
        "--report",
        help="Also write the HTML report, Excel workbook and agendas into this folder.",
    ),
]
RunLogOption = Annotated[
    Path | None,
    typer.Option("--run-log", help="SQLite run log (default from the config).", dir_okay=False),
]


def _print_plan_lines(console: Console, lines: list[str], empty: str) -> None:
    if not lines:
        console.print(empty)
    for text in lines[:_SHOWN]:
        console.print(f"  {text}", markup=False)
    if len(lines) > _SHOWN:
        console.print(f"  ... and {len(lines) - _SHOWN} more accounts (--json lists them all)")


@app.command()
def plan(
    config: ConfigOption = None,
    source: SourceOption = None,
    as_of: AsOfOption = None,
    export: ExportOption = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the result as JSON instead of tables.")
    ] = False,
    log_format: LogFormatOption = "text",
    report: ReportOption = None,
) -> None:
    """Compute everything and show what a sync would change; change nothing in the CRM."""
    settings, day = _start(log_format, config, source, as_of, export, ("--report", report))
    connector = open_connector(settings, source_dir=source)
    _recall_tasks(connector, settings.run_log_path(source))
    with _steps(_console(stderr=True)) as step:
        pulled = pull(connector, settings.settings(), day, step=step)
    written, previous = _run_log_view(settings.run_log_path(source))
    sync_plan = decide(
        pulled.result, pulled.targets, pulled.open_tasks, written, _options(settings),
        _now().strftime("%Y-%m-%dT%H:%M:%SZ"),
    )  # fmt: skip
    moved = movements(pulled.result, previous)
    if export is not None:
        export_tables(pulled.result, export)
    if report is not None:
        _write_reports(_console(stderr=as_json), pulled.result, report, settings, moved, connector)
    if as_json:
        document: dict[str, Any] = result_document(pulled.result)
        document["sync"] = plan_document(sync_plan, pulled.result)
        document["movements"] = [
            {"account_id": m.account_id, "from": m.segment_before, "to": m.segment_now,
             "position_from": m.position_before, "position_to": m.position_now}
            for m in moved
        ]  # fmt: skip
        sys.stdout.write(json.dumps(document, indent=2) + "\n")
        return
    console = _console()
    render_summary(console, pulled.result)
    console.print()
    if moved:
        console.print(
            "Moved since the last sync: " + "; ".join(movement.text() for movement in moved)
        )
    console.print("What a sync would change:")
    lines = [line.text() for line in describe_plan(sync_plan, pulled.result)]
    _print_plan_lines(console, lines, "  nothing: the CRM is up to date.")
    _print_totals(console, sync_plan.totals())
    if export is not None:
        console.print(f"Result tables written to {export}")


def _print_totals(console: Console, totals: Mapping[str, int]) -> None:
    console.print(
        "Totals: "
        f"{totals['accounts_changed']} accounts with field changes "
        f"({totals['manual_edits_overwritten']} manual edits overwritten, "
        f"{totals['conflicts_kept']} conflicts kept); tasks: {totals['tasks_to_create']} to "
        f"create, {totals['tasks_to_reschedule']} to reschedule, {totals['tasks_to_close']} to "
        f"close, {totals['tasks_kept']} already right."
    )


@app.command()
def sync(
    config: ConfigOption = None,
    source: SourceOption = None,
    as_of: AsOfOption = None,
    export: ExportOption = None,
    log_format: LogFormatOption = "text",
    run_log: RunLogOption = None,
    report: ReportOption = None,
) -> None:
    """Apply the plan: write target fields and tasks, only what changed; log the run."""
    settings, day = _start(log_format, config, source, as_of, export, ("--report", report))
    path = run_log or settings.run_log_path(source)
    connector = open_connector(settings, source_dir=source)
    with source_lock(settings, source), RunLock(path), RunLog.open(path) as log:
        log_event(logger, "run_started", f"sync as of {day}", as_of=str(day), run_log=str(path))
        with _steps(_console(stderr=True)) as step:
            outcome = run_sync(
                connector, settings.settings(), _options(settings), day, log,
                config_hash=settings.fingerprint(), now=_now, step=step,
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
    console = _console()
    console.print(f"Sync run {outcome.run_id} as of {day}: {outcome.status}.")
    lines = [line.text() for line in describe_plan(outcome.plan, outcome.result)]
    _print_plan_lines(console, lines, "Nothing to change: the CRM was up to date; nothing written.")
    _print_totals(console, outcome.plan.totals())
    console.print(f"{len(outcome.applied.outcomes)} records written, {len(failures)} failed.")
    if report is not None:
        _write_reports(console, outcome.result, report, settings,
                       movements(outcome.result, previous), connector)  # fmt: skip
    for failure in failures[:_SHOWN]:
        console.print(f"  failed: {failure.kind} {failure.ref}: {failure.error}", markup=False)
    if failures:
        console.print(
            f"The next sync retries them. Details: crm-accounts runs show {outcome.run_id}"
        )
        raise typer.Exit(EXIT_PARTIAL)


@app.command("report")
def report_command(
    config: ConfigOption = None,
    source: SourceOption = None,
    as_of: AsOfOption = None,
    out: Annotated[
        Path, typer.Option("--out", help="Folder for report.html, report.xlsx and agendas/.")
    ] = Path("crm-accounts-report"),
    run_log: RunLogOption = None,
    log_format: LogFormatOption = "text",
) -> None:
    """Write the HTML report, the Excel workbook and the rep agendas; change nothing in the CRM.

    Movements are counted from the latest sync in the run log, when there is one.
    """
    settings, day = _start(log_format, config, source, as_of, None, ("--out", out))
    connector = open_connector(settings, source_dir=source)
    with _steps(_console(stderr=True)) as step:
        pulled = pull(connector, settings.settings(), day, step=step)
    _, previous = _run_log_view(run_log or settings.run_log_path(source))
    moved = movements(pulled.result, previous)
    _write_reports(_console(), pulled.result, out, settings, moved, connector)


def _run_log_for(run_log: Path | None, config: Path | None) -> Path:
    if run_log is not None:
        return run_log
    settings = load_config(config) if config is not None else Config()
    return settings.run_log_path()


def _existing_run_log(path: Path) -> RunLog:
    log = RunLog.open_readonly(path)
    if log is None:
        raise UsageError(f"no run log at {path} (give --run-log FILE or --config FILE)")
    return log


@runs_app.callback(invoke_without_command=True)
def runs(
    ctx: typer.Context,
    limit: Annotated[int, typer.Option("--limit", min=1, help="How many runs.")] = 20,
    run_log: RunLogOption = None,
    config: ConfigOption = None,
) -> None:
    """List recent sync runs, newest first."""
    if ctx.invoked_subcommand is not None:
        return
    path = _run_log_for(run_log, config)
    console = _console()
    with _existing_run_log(path) as log:
        summaries = log.runs(limit)
    if not summaries:
        console.print(f"No runs yet in {path}.")
    for run in summaries:
        counts = ", ".join(f"{k} {v}" for k, v in run.counts.items() if v)
        console.print(
            f"{run.id:>5}  {run.started_at:%Y-%m-%d %H:%M}  as of {run.as_of}  "
            f"{run.status:<11} {counts}",
            markup=False,
        )


@runs_app.command("show")
def runs_show(
    run_id: Annotated[int, typer.Argument(help="The run id from `crm-accounts runs`.")],
    run_log: RunLogOption = None,
    config: ConfigOption = None,
) -> None:
    """Show one run: its counts and every failed record."""
    with _existing_run_log(_run_log_for(run_log, config)) as log:
        detail = log.run(run_id)
    run = detail.summary
    console = _console()
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


@app.command()
def check(config: ConfigOption = None, source: SourceOption = None) -> None:
    """Verify the source before a first sync: fields, picklist values, permissions, data."""
    configure_logging("text", sys.stderr)
    settings = _load(config, source)
    console = _console()
    if source is not None or settings.source.kind == "csv":
        connector = open_connector(settings, source_dir=source)
        pull(connector, settings.settings(), date.today())  # raises every input problem
        console.print(
            "ok: the CSV folder reads cleanly; target columns are added by the first sync"
        )
        return
    results: list[Any]
    if settings.source.kind == "hubspot":
        from crm_accounts.connectors.hubspot import HubSpotConnector
        from crm_accounts.connectors.hubspot import check as hubspot_check

        hub = open_connector(settings)
        assert isinstance(hub, HubSpotConnector)
        results = hubspot_check(hub)
    else:
        from crm_accounts.connectors.salesforce import SalesforceConnector
        from crm_accounts.connectors.salesforce.admin import check as salesforce_check

        sf = open_connector(settings)
        assert isinstance(sf, SalesforceConnector)
        results = salesforce_check(sf)
    _print_findings(console, results)
    errors = [finding for finding in results if not finding.ok]
    console.print(f"{len(results)} checks, {len(errors)} errors.")
    if errors:
        raise typer.Exit(EXIT_USAGE)


def _print_findings(console: Console, findings: list[Any]) -> None:
    for finding in findings:
        console.print(str(finding), markup=False)


@app.command()
def setup(
    config: ConfigOption = None,
    apply: Annotated[
        bool, typer.Option("--apply", help="Create the missing fields (default: only print).")
    ] = False,
) -> None:
    """Print (or create with --apply) the CRM fields that write-back needs."""
    configure_logging("text", sys.stderr)
    settings = _load(config, None) if config is not None else Config()
    console = _console()
    if settings.source.kind == "csv":
        console.print("Nothing to set up for a CSV folder: the first sync adds the columns.")
        return
    if settings.source.kind == "hubspot":
        _setup_hubspot(settings, console, apply)
        return
    from crm_accounts.connectors.salesforce import SalesforceConnector
    from crm_accounts.connectors.salesforce.admin import apply_definitions, setup_definitions

    definitions = setup_definitions(settings.salesforce)
    console.print(json.dumps(definitions, indent=2), markup=False)
    if not apply:
        console.print(f"{len(definitions)} field definitions; run with --apply to create them.")
        return
    sf = open_connector(settings)
    assert isinstance(sf, SalesforceConnector)
    definitions = setup_definitions(settings.salesforce, multi_currency=sf.org.multi_currency())
    results = apply_definitions(sf, definitions)
    _print_findings(console, results)
    if any(not finding.ok for finding in results):
        raise typer.Exit(EXIT_USAGE)


def _setup_hubspot(settings: Config, console: Console, apply: bool) -> None:
    """Print the property group and properties, then create the missing ones with --apply."""
    from crm_accounts.connectors.hubspot import (
        HubSpotConnector,
        apply_definitions,
        setup_definitions,
    )

    definitions = setup_definitions(settings.hubspot)
    for definition in definitions:
        body = definition["body"]
        what = f"{definition['kind']} {body['name']!r} on {definition['object']}"
        kind = f" ({body['type']}, {body['fieldType']})" if definition["kind"] == "property" else ""
        console.print(f"  create {what}{kind}", markup=False)
    console.print(json.dumps(definitions, indent=2), markup=False)
    if not apply:
        console.print(
            f"{len(definitions)} definitions; run with --apply to create the missing ones."
        )
        return
    hub = open_connector(settings)
    assert isinstance(hub, HubSpotConnector)
    results = apply_definitions(hub, definitions)
    _print_findings(console, results)
    if any(not finding.ok for finding in results):
        raise typer.Exit(EXIT_USAGE)


@app.command()
def demo(
    out: Annotated[
        Path,
        typer.Option("--out", help="Folder for the sample data, config and results (rewritten)."),
    ] = Path("crm-accounts-demo"),
    as_of: AsOfOption = None,
) -> None:
    """Generate a sample CRM, run the method, sync it twice and show where everything is.

    The second sync finds nothing to change: that is what a nightly job does on a quiet night.
    """
    from crm_accounts.connectors.demo import generate_demo

    configure_logging("text", sys.stderr)
    console = _console()
    day = _parse_as_of(as_of)
    check_output_folder(out, "--out")
    folder = generate_demo(out, as_of=day)
    config = load_config(folder.config_path)
    path = config.run_log_path()
    # A fresh sample CRM: tasks and runs of an earlier demo in this folder would not match it.
    for stale in (folder.source_dir / "tasks.csv", path, *path.parent.glob(path.name + "-*")):
        stale.unlink(missing_ok=True)
    syncs = []
    with (
        source_lock(config, None),
        RunLock(path),
        RunLog.open(path) as log,
        _steps(_console(stderr=True)) as step,
    ):
        for _ in range(2):
            syncs.append(
                run_sync(
                    open_connector(config),
                    config.settings(),
                    _options(config),
                    day,
                    log,
                    config_hash=config.fingerprint(),
                    now=_now,
                    step=step,
                )
            )
    result = syncs[0].result
    exported = export_tables(result, out / "results")
    render_summary(console, result)
    console.print()
    for number, report in enumerate(syncs, start=1):
        totals = report.plan.totals()
        console.print(
            f"Sync {number}: {len(report.applied.outcomes)} records written "
            f"({totals['accounts_changed']} accounts updated, {totals['tasks_to_create']} tasks "
            f"created, {totals['tasks_kept']} tasks already right)."
        )
    console.print()
    console.print(f"Sample CRM data:  {folder.source_dir} (synced: kam_* columns, tasks.csv)")
    console.print(f"Configuration:    {folder.config_path}")
    console.print(f"Run log:          {path}")
    console.print(f"Result tables:    {', '.join(str(p) for p in exported)}")
    console.print(
        f"Try it yourself:  crm-accounts plan --config {folder.config_path} --as-of {day}\n"
        f"                  crm-accounts runs --config {folder.config_path}"
    )
    console.print()
    _write_reports(console, result, out / "report", config, ())


@app.command("init")
def init_command(
    source: Annotated[Path | None, typer.Option("--source", help="A CSV source folder.")] = None,
    kind: Annotated[
        str | None, typer.Option("--kind", help="A CRM: salesforce or hubspot (docs/init.md).")
    ] = None,
    out: Annotated[
        Path, typer.Option("--out", help="The configuration file to write.", dir_okay=False)
    ] = Path("crm-accounts.toml"),
    yes: Annotated[bool, typer.Option("--yes", help="Replace an existing file.")] = False,
    url: Annotated[
        str | None, typer.Option("--url", help="Salesforce login URL or HubSpot API host.")
    ] = None,
) -> None:
    """Propose a commented configuration from what the source holds, then run check.

    On a terminal it asks about each proposal (accept, change, skip); without one it asks
    nothing. An existing file is never replaced without --yes.
    """
    from .services.init import InitRequest, run_init

    configure_logging("text", sys.stderr)
    console = _console()
    terminal = sys.stdin.isatty() and sys.stdout.isatty()
    outcome = run_init(
        InitRequest(out, source, kind, url, yes), ask=_ask if terminal else None,
        today=date.today(), say=lambda text: console.print(text, markup=False),
    )  # fmt: skip
    console.print(
        f"Wrote {outcome.path}: {outcome.proposals} proposals"
        f"{f', {outcome.asked} reviewed' if outcome.asked else ' (review the comments)'}.\n"
        f"Checking it: crm-accounts check --config {outcome.path}"
        + ("" if source is not None else "\nTarget fields it finds missing: crm-accounts "
           f"setup --config {outcome.path} --apply creates them."),
        markup=False,
    )  # fmt: skip
    check(config=outcome.path, source=None)


def _ask(question: str) -> str:
    try:
        return input(question)
    except EOFError:  # the terminal closed: accept the rest, as without a terminal
        return ""


def main() -> None:
    """Console-script entry point: exit codes by what the caller does, never a traceback."""
    sys.exit(run_cli(app))
