"""The ``crm-accounts`` command line: a thin shell over the services (terminal and file I/O).

Exit codes: 0 success; 1 the run finished but some records failed; 2 bad usage, configuration or
input data (nothing written). Every command works without a terminal, for schedulers.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from .config import Config, load_config
from .domain.method import MethodResult
from .errors import UsageError
from .render import render_summary
from .services import compute, export_tables, open_source, result_document

__all__ = ["app", "main"]

app = typer.Typer(
    name="crm-accounts",
    help="Key-account management on your CRM data: ABC segments, customer rating, "
    "DMU-PSU contact plans.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

EXIT_USAGE = 2


def _console(stderr: bool = False) -> Console:
    stream = sys.stderr if stderr else sys.stdout
    interactive = stream.isatty()
    return Console(file=stream, width=None if interactive else 120, highlight=False)


AS_OF_RANGE = (date(1900, 1, 1), date(2999, 12, 31))


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


def _check_export(path: Path | None) -> None:
    """Refuse an export target that cannot be a folder before anything is computed."""
    if path is not None and path.exists() and not path.is_dir():
        raise UsageError(f"option --export: {str(path)!r} exists and is not a folder")


@contextmanager
def _steps(console: Console) -> Iterator[Callable[[str], None]]:
    """A spinner naming the current step on a terminal; silent otherwise."""
    if not console.is_terminal:
        yield lambda _: None
        return
    with console.status("reading") as status:
        yield lambda step: status.update(f"{step}...")


def _run(config: Config, source: Path | None, as_of: date, console: Console) -> MethodResult:
    with _steps(console) as step:
        return compute(open_source(config, source_dir=source), config.settings(), as_of, step=step)


def _load(config_path: Path | None, source: Path | None) -> Config:
    if config_path is not None:
        return load_config(config_path)
    if source is None:
        raise UsageError("give --source DIR (a CSV folder) or --config FILE")
    return Config()


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


@app.command()
def plan(
    config: ConfigOption = None,
    source: SourceOption = None,
    as_of: AsOfOption = None,
    export: ExportOption = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the result as JSON instead of tables.")
    ] = False,
) -> None:
    """Compute segments, rating, gaps and the contact plan; change nothing in the CRM."""
    console = _console()
    settings = _load(config, source)
    _check_export(export)
    result = _run(settings, source, _parse_as_of(as_of), _console(stderr=True))
    if export is not None:
        export_tables(result, export)
    if as_json:
        sys.stdout.write(json.dumps(result_document(result), indent=2) + "\n")
        return
    render_summary(console, result)
    if export is not None:
        console.print(f"Result tables written to {export}")


@app.command()
def demo(
    out: Annotated[
        Path, typer.Option("--out", help="Folder for the sample data, config and results.")
    ] = Path("crm-accounts-demo"),
    as_of: AsOfOption = None,
) -> None:
    """Generate a sample CRM, run the whole method on it and show where everything is."""
    from crm_accounts.connectors.demo import generate_demo

    console = _console()
    day = _parse_as_of(as_of)
    folder = generate_demo(out, as_of=day)
    config = load_config(folder.config_path)
    result = _run(config, None, day, _console(stderr=True))
    exported = export_tables(result, out / "results")
    render_summary(console, result)
    console.print()
    console.print(f"Sample CRM data:  {folder.source_dir}")
    console.print(f"Configuration:    {folder.config_path}")
    console.print(f"Result tables:    {', '.join(str(path) for path in exported)}")
    console.print(
        f"Try it yourself:  crm-accounts plan --config {folder.config_path} --as-of {day}"
    )


def main() -> None:
    """Console-script entry point: map errors to exit codes, never a traceback for bad input."""
    try:
        app()  # Typer reports its own usage errors with exit code 2
    except UsageError as exc:
        # Plain text, never wrapped: schedulers grep these lines.
        sys.stderr.write(f"error: {exc}\n")
        sys.exit(EXIT_USAGE)
