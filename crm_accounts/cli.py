"""The ``crm-accounts`` command line: a thin shell over the services (terminal and file I/O).

Each command parses its options, calls one function of :mod:`crm_accounts.services` and renders
what it returns with :mod:`crm_accounts.terminal`; no command reads a source, takes a lock or
names a connector itself.

Exit codes (:mod:`crm_accounts.exits`): 0 success; 1 some records were refused; 2 fix the input
(usage, configuration, data, file-system state, credentials refused); 3 retry later (another run
works on the source, a file changed meanwhile, the CRM stopped answering, disk full). Every
command works without a terminal, for schedulers: human output goes to stdout,
``--log-format json`` lines to stderr; progress goes to stderr (a live line on a terminal,
periodic log lines otherwise).
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from datetime import UTC, date, datetime
from enum import Enum
from pathlib import Path
from typing import Annotated, Any, Protocol

import typer
from rich.console import Console

from .config import Config, load_config
from .domain.method import MethodResult
from .errors import UsageError
from .exits import EXIT_PARTIAL, EXIT_USAGE, run_cli
from .i18n import language
from .logs import configure_logging
from .progress_display import progress_display
from .services.admin import check_source, setup_source
from .services.export import check_output_folder
from .services.runlogs import locate_run_log, read_run, read_runs
from .services.workflows import (
    Link,
    preview,
    report,
    run_demo,
    synchronize,
    write_report_files,
)
from .sync.report import Movement
from .terminal import (
    plan_json,
    print_check,
    print_demo,
    print_failures,
    print_preview,
    print_report_paths,
    print_run,
    print_runs,
    print_setup,
    print_synced,
)

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


# --- options ------------------------------------------------------------------------------------

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
RunsSourceOption = Annotated[
    Path | None,
    typer.Option("--source", help="CSV source folder synced with --source (its run log)."),
]


# --- parsing helpers ----------------------------------------------------------------------------


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


def _load(config_path: Path | None, source: Path | None) -> Config:
    if config_path is not None:
        return load_config(config_path)
    if source is None:
        raise UsageError("give --source DIR (a CSV folder) or --config FILE")
    return Config()


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


# --- reports ------------------------------------------------------------------------------------


def _write_reports(
    console: Console,
    result: MethodResult,
    folder: Path,
    settings: Config,
    moved: Sequence[Movement] | None,
    link: Link | None = None,
) -> None:
    paths = write_report_files(result, folder, settings, moved, now=_now, link=link)
    print_report_paths(console, paths)


# --- plan, sync, report -------------------------------------------------------------------------


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
    with progress_display(_console(stderr=True)) as progress:
        found = preview(settings, source, day, now=_now, export=export, progress=progress)
    result = found.pulled.result
    if report is not None:
        _write_reports(_console(stderr=as_json), result, report, settings, found.moved, found.link)
    if as_json:
        sys.stdout.write(plan_json(result, found.plan, found.moved))
        return
    print_preview(_console(), found, export, language(settings.output.language))


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
    with progress_display(_console(stderr=True)) as progress:
        synced = synchronize(
            settings, source, day, now=_now, run_log=run_log, export=export, progress=progress
        )
    console = _console()
    print_synced(console, synced, day, language(settings.output.language))
    if report is not None:
        _write_reports(console, synced.outcome.result, report, settings, synced.moved, synced.link)
    print_failures(console, synced)
    if synced.outcome.applied.failures:
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
    with progress_display(_console(stderr=True)) as progress:
        written = report(settings, source, day, out, now=_now, run_log=run_log, progress=progress)
    print_report_paths(_console(), written.paths)


# --- runs ---------------------------------------------------------------------------------------


_RUN_LOG_OPTIONS = ("config", "source", "run_log")


class _Invocation(Protocol):
    """What ``runs`` reads of a command's invocation (its context)."""

    params: dict[str, Any]

    def get_parameter_source(self, name: str) -> Enum | None: ...


def _typed(ctx: _Invocation | None) -> list[str]:
    """The run-log options typed on the command line (not taken from an environment variable)."""
    if ctx is None:
        return []
    sources = (ctx.get_parameter_source(name) for name in _RUN_LOG_OPTIONS)
    return [
        name
        for name, found in zip(_RUN_LOG_OPTIONS, sources, strict=True)
        if found is not None and found.name == "COMMANDLINE"
    ]


def _runs_log(ctx: typer.Context) -> Path:
    """The run log ``runs`` reads: the one ``sync`` with the same options writes.

    ``--config``, ``--source`` and ``--run-log`` name the run log three ways; typing two of them
    is refused rather than guessed (a configuration from ``CRM_ACCOUNTS_CONFIG`` is used with
    ``--source`` the way ``sync`` uses it). ``runs show`` also takes them before ``show``.
    """
    outer = ctx.parent if ctx.parent is not None and ctx.parent.command.name == "runs" else None
    given = {**(outer.params if outer else {}), **{k: v for k, v in ctx.params.items() if v}}
    config: Path | None = given.get("config")
    source: Path | None = given.get("source")
    run_log: Path | None = given.get("run_log")
    typed = [f"--{name.replace('_', '-')}" for name in dict.fromkeys(_typed(outer) + _typed(ctx))]
    if len(typed) > 1:
        raise UsageError(
            f"options {' and '.join(typed)}: give only one of --config FILE, --source DIR and"
            " --run-log FILE"
        )
    if run_log is not None:
        return run_log
    settings = load_config(config) if config is not None else Config()
    return locate_run_log(settings, source)


@runs_app.callback(invoke_without_command=True)
def runs(
    ctx: typer.Context,
    limit: Annotated[int, typer.Option("--limit", min=1, help="How many runs.")] = 20,
    run_log: RunLogOption = None,
    config: ConfigOption = None,
    source: RunsSourceOption = None,
) -> None:
    """List recent sync runs, newest first."""
    if ctx.invoked_subcommand is not None:
        return
    path = _runs_log(ctx)
    print_runs(_console(), path, read_runs(path, limit))


@runs_app.command("show")
def runs_show(
    ctx: typer.Context,
    run_id: Annotated[int, typer.Argument(help="The run id from `crm-accounts runs`.")],
    run_log: RunLogOption = None,
    config: ConfigOption = None,
    source: RunsSourceOption = None,
) -> None:
    """Show one run: its counts and every failed record."""
    print_run(_console(), read_run(_runs_log(ctx), run_id))


# --- check, setup -------------------------------------------------------------------------------


@app.command()
def check(config: ConfigOption = None, source: SourceOption = None) -> None:
    """Verify the source before a first sync: fields, picklist values, permissions, data."""
    configure_logging("text", sys.stderr)
    settings = _load(config, source)
    with progress_display(_console(stderr=True)) as progress:
        checked = check_source(settings, source, progress=progress)
    print_check(_console(), checked)
    if checked.errors:
        raise typer.Exit(EXIT_USAGE)


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
    done = setup_source(settings, apply=apply)
    print_setup(_console(), done, applying=apply)
    if done.failed:
        raise typer.Exit(EXIT_USAGE)


# --- demo ---------------------------------------------------------------------------------------


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
    configure_logging("text", sys.stderr)
    console = _console()
    day = _parse_as_of(as_of)
    with progress_display(_console(stderr=True)) as progress:
        done = run_demo(out, day, now=_now, progress=progress)
    print_demo(console, done, day)
    _write_reports(console, done.syncs[0].result, out / "report", done.config, done.moved)


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
