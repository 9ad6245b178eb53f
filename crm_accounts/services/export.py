"""The exported result tables and summary of docs/formats.md; writes files in ``export_tables``.

Row builders are pure and shared by the CSV export and ``--json``, so both always agree.
"""

from __future__ import annotations

import contextlib
import csv
import errno
import json
import os
from collections.abc import Iterator, Sequence
from decimal import ROUND_HALF_EVEN, Decimal
from enum import StrEnum
from pathlib import Path
from typing import IO, Any

import polars as pl

from ..domain.contact_plan import GapCode
from ..domain.method import MethodResult
from ..domain.model import DmuRole, PsuRole, Segment
from ..domain.planning import PlanStatus, plan_table
from ..domain.segmentation import GROUPS, GroupFigures
from ..errors import TemporaryError, UsageError
from ..safefile import temp_name, write_atomically, write_bytes_atomically

__all__ = [
    "GAP_COLUMNS",
    "PLAN_COLUMNS",
    "ROLE_SUGGESTION_COLUMNS",
    "SEGMENT_COLUMNS",
    "WHITESPACE_COLUMNS",
    "check_output_folder",
    "export_tables",
    "gap_rows",
    "make_folder",
    "plan_rows",
    "rating_columns",
    "rating_rows",
    "result_document",
    "role_suggestion_rows",
    "segment_rows",
    "summary_document",
    "whitespace_rows",
]

SEGMENT_COLUMNS = (
    "account_id", "name", "segment", "revenue", "revenue_share", "cumulative_share", "margin",
    "products_per_year", "dmu_coverage",
)  # fmt: skip
GAP_COLUMNS = (
    "account_id", "code", "dmu_role", "psu_role", "member_id", "contact_id", "last_contact",
    "due_date", "days_overdue",
)  # fmt: skip
PLAN_COLUMNS = (
    "account_id", "member_id", "contact_id", "status", "planned_date", "due_date",
    "days_overdue", "reason", "key",
)  # fmt: skip
WHITESPACE_COLUMNS = ("account_id", "product", "peers_buying", "peers", "peer_share")
ROLE_SUGGESTION_COLUMNS = ("contact_id", "account_id", "title", "suggested_roles", "matched")

_CSV_SCALE = Decimal("1e-10")
#: ``member.value`` of the enums in the tables, without the enum property lookup per cell.
_VALUES: dict[StrEnum, str] = {
    member: member.value
    for kind in (Segment, GapCode, DmuRole, PsuRole, PlanStatus)
    for member in kind
}
_JSON_SCALE = Decimal("1e-6")


def _money(value: Decimal | None) -> str:
    return "" if value is None else format(value, "f")


def _ratio(value: Decimal | None) -> str:
    """Shares and per-year figures: 10 decimals in CSV (the contract asks for at least 6)."""
    return "" if value is None else format(value.quantize(_CSV_SCALE, ROUND_HALF_EVEN), "f")


def segment_rows(result: MethodResult) -> Iterator[list[str]]:
    """Customers in segmentation order, then accounts without revenue by id."""
    summary = result.revenue
    coverage = result.coverage
    # Products per year and coverage take a handful of distinct values: format each once.
    per_year: dict[int, str] = {}
    ratios: dict[Decimal | None, str] = {}

    def tail(account_id: str) -> list[str]:
        count = summary.products.get(account_id, 0)
        products = per_year.get(count)
        if products is None:
            products = per_year[count] = _ratio(summary.products_per_year(account_id))
        covered = ""
        if coverage is not None:
            value = coverage.get(account_id)
            covered = ratios.get(value) or ratios.setdefault(value, _ratio(value))
        return [_money(summary.margin_of(account_id)), products, covered]

    names = result.account_names()
    for c in result.segmentation.customers:
        yield [
            c.account_id, names[c.account_id], _VALUES[c.segment], _money(c.revenue),
            _ratio(c.revenue_share), _ratio(c.cumulative_share), *tail(c.account_id),
        ]  # fmt: skip
    for account_id in result.segmentation.no_revenue:
        yield [
            account_id, names[account_id], "none", _money(summary.revenue_of(account_id)),
            "", "", *tail(account_id),
        ]  # fmt: skip


def rating_columns(result: MethodResult) -> list[str]:
    return ["position", "account_id", "name", "points"] + [
        f"rank_{criterion.key}" for criterion in result.rating.criteria
    ]


def rating_rows(result: MethodResult) -> Iterator[list[str]]:
    for rated in result.rating.accounts:
        yield [
            str(rated.position), rated.account_id, result.accounts[rated.account_id].name,
            format(rated.points, "f"),
            *(format(rated.ranks[c.key], "f") for c in result.rating.criteria),
        ]  # fmt: skip


def gap_rows(result: MethodResult) -> Iterator[Sequence[str]]:
    return _text_rows(result.matrix.gap_table())


def plan_rows(result: MethodResult) -> Iterator[Sequence[str]]:
    """Planned and unscheduled contacts in priority order."""
    return _text_rows(plan_table(result.plan))


def _text_rows(frame: pl.DataFrame) -> Iterator[Sequence[str]]:
    """Each row's cells as text: dates as ISO dates, nothing as an empty cell."""
    return frame.select(pl.all().cast(pl.String).fill_null("")).iter_rows()


def whitespace_rows(result: MethodResult) -> Iterator[list[str]]:
    """Whitespace of the segment-A customers in segmentation order (METHOD.md section 4)."""
    for row in result.whitespace:
        yield [
            row.account_id, row.product, str(row.peers_buying), str(row.peers),
            _ratio(row.peer_share),
        ]  # fmt: skip


def role_suggestion_rows(result: MethodResult) -> Iterator[list[str]]:
    """Contacts without a DMU role whose title suggests some, by account id then contact id."""
    about = result.suggestions.about
    keys: dict[frozenset[DmuRole], str] = {}  # a few dozen role sets among all suggestions
    for contact_id in sorted(about, key=lambda i: (about[i][0], i)):
        account_id, title = about[contact_id]
        suggestion = result.suggestions.by_contact[contact_id]
        roles = keys.get(suggestion.roles)
        if roles is None:
            roles = keys[suggestion.roles] = ";".join(suggestion.role_keys())
        yield [contact_id, account_id, title, roles, ";".join(suggestion.matched)]


def _json_ratio(value: Decimal | None) -> float | None:
    return None if value is None else float(value.quantize(_JSON_SCALE, ROUND_HALF_EVEN))


def _group(figures: GroupFigures) -> dict[str, Any]:
    return {
        "accounts": figures.accounts,
        "accounts_share": _json_ratio(figures.accounts_share),
        "revenue": _money(figures.revenue),
        "revenue_share": _json_ratio(figures.revenue_share),
        "avg_revenue": None if figures.avg_revenue is None else _money(figures.avg_revenue),
        "avg_products_per_year": _json_ratio(figures.avg_products_per_year),
        "margin": None if figures.margin is None else _money(figures.margin),
        "margin_share": _json_ratio(figures.margin_share),
    }


def summary_document(result: MethodResult) -> dict[str, Any]:
    """``summary.json``: period, counts, the four questions per group, Pareto, warnings."""
    pareto = result.pareto
    margin = pareto.margin
    return {
        "as_of": result.as_of.isoformat(),
        "period_start": result.period.start.isoformat(),
        "period_end": result.period.end.isoformat(),
        "customers": len(result.segmentation.customers),
        "no_revenue": len(result.segmentation.no_revenue),
        "total_revenue": _money(result.segmentation.total),
        "groups": {group: _group(result.groups[group]) for group in GROUPS},
        "pareto": {
            "customers_share_for_80pct_revenue": _json_ratio(
                pareto.customers_share_for_80pct_revenue
            ),
            "margin": None
            if margin is None
            else {
                "customers_share": _json_ratio(margin.customers_share),
                "revenue_share": _json_ratio(margin.revenue_share),
            },
        },
        "warnings": list(result.warnings),
    }


def _records(columns: Sequence[str], rows: Iterator[Sequence[str]]) -> list[dict[str, str]]:
    return [dict(zip(columns, row, strict=True)) for row in rows]


def result_document(result: MethodResult) -> dict[str, Any]:
    """Everything ``--json`` prints: the summary and the result tables as lists of objects."""
    return {
        "summary": summary_document(result),
        "segments": _records(SEGMENT_COLUMNS, segment_rows(result)),
        "ratings": _records(rating_columns(result), rating_rows(result)),
        "gaps": _records(GAP_COLUMNS, gap_rows(result)),
        "plan": _records(PLAN_COLUMNS, plan_rows(result)),
        "whitespace": _records(WHITESPACE_COLUMNS, whitespace_rows(result)),
        "role_suggestions": _records(ROLE_SUGGESTION_COLUMNS, role_suggestion_rows(result)),
    }


def _replace_csv(path: Path, columns: Sequence[str], rows: Iterator[Sequence[str]]) -> None:
    def write(handle: IO[Any]) -> None:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows(rows)

    write_atomically(path, write)


def _replace_table(path: Path, columns: Sequence[str], frame: pl.DataFrame) -> None:
    """:func:`_replace_csv` for a frame, by the engine's CSV writer: the same bytes as the
    ``csv`` module writes (nothing and empty text both an empty cell, quoted where a comma, a
    quote or a line feed needs it), except that the ``csv`` module leaves a lone carriage return
    unquoted, so a table with one goes through it instead."""
    frame = frame.rename(dict(zip(frame.columns, columns, strict=True)))
    texts = pl.col(pl.String)
    returns = frame.select(texts.str.contains("\r", literal=True).any())
    if any(bool(returns[name][0]) for name in returns.columns):
        _replace_csv(path, columns, _text_rows(frame))
        return

    def write(handle: IO[bytes]) -> None:
        frame.with_columns(texts.replace("", None)).write_csv(
            handle, line_terminator="\n", quote_style="necessary", null_value=""
        )

    write_atomically(path, write, binary=True)


def make_folder(directory: Path, what: str) -> None:
    """Create ``directory`` (and its parents) if needed.

    Raises:
        UsageError: it cannot be created (a file is in the way, no permission); the message
            starts with ``what``.
    """
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(
            f"{what} {str(directory)!r} cannot be created: {exc.strerror or exc}"
        ) from None


def check_output_folder(directory: Path, option: str) -> None:
    """Make sure files can be created in ``directory``, leaving no trace.

    Folders that are missing are created, a file is created there exclusively and removed, and
    the folders created for the check are removed again (the write creates them later), so a
    run refused afterwards leaves nothing behind. Run before anything is read or written: a
    folder that cannot take the output stops the run with exit code 2 instead of failing after
    the CRM was written. Messages start with ``option {option}:``.

    Raises:
        UsageError: not a folder, cannot be created, or files cannot be created in it.
    """
    missing: list[Path] = []  # deepest first
    try:
        if directory.exists() and not directory.is_dir():
            raise UsageError(f"option {option}: {str(directory)!r} exists and is not a folder")
        folder = directory
        while not folder.exists() and folder != folder.parent:
            missing.append(folder)
            folder = folder.parent
    except OSError as exc:
        raise UsageError(f"option {option}: {str(directory)!r}: {exc.strerror or exc}") from None
    try:
        make_folder(directory, f"option {option}: folder")
        _probe(directory, option)
    finally:
        for created in missing:
            with contextlib.suppress(OSError):
                created.rmdir()


def _probe(directory: Path, option: str) -> None:
    probe = directory / temp_name("probe")
    try:
        fd = os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0))
    except OSError as exc:
        raise UsageError(
            f"option {option}: folder {str(directory)!r} cannot be written (it is not"
            f" writable): {exc.strerror or exc}"
        ) from None
    os.close(fd)
    probe.unlink(missing_ok=True)


def export_tables(result: MethodResult, directory: Path) -> list[Path]:
    """Write the result files into ``directory`` (created if needed).

    Each file is replaced safely (:mod:`crm_accounts.safefile`). Returns the paths written.

    Raises:
        UsageError: the folder cannot be created or written (a file is in the way, no
            permission, a name too long).
        TemporaryError: the disk is full; files already replaced hold this run's tables.
    """
    make_folder(directory, "export folder")
    try:
        return _export(result, directory)
    except OSError as exc:
        if exc.errno in (errno.ENOSPC, errno.EDQUOT):
            raise TemporaryError(
                f"export folder {str(directory)!r}: {exc.strerror}; free space and run again"
            ) from None
        raise UsageError(
            f"export folder {str(directory)!r} cannot be written: {exc.strerror or exc}"
        ) from None


def _export(result: MethodResult, directory: Path) -> list[Path]:
    tables: list[tuple[str, Sequence[str], Iterator[Sequence[str]] | pl.DataFrame]] = [
        ("segments.csv", SEGMENT_COLUMNS, segment_rows(result)),
        ("ratings.csv", rating_columns(result), rating_rows(result)),
        ("gaps.csv", GAP_COLUMNS, result.matrix.gap_table()),
        ("plan.csv", PLAN_COLUMNS, plan_table(result.plan)),
        ("whitespace.csv", WHITESPACE_COLUMNS, whitespace_rows(result)),
        ("role_suggestions.csv", ROLE_SUGGESTION_COLUMNS, role_suggestion_rows(result)),
    ]
    written = []
    for name, columns, rows in tables:
        if isinstance(rows, pl.DataFrame):
            _replace_table(directory / name, columns, rows)
        else:
            _replace_csv(directory / name, columns, rows)
        written.append(directory / name)
    summary = directory / "summary.json"
    text = json.dumps(summary_document(result), indent=2) + "\n"
    write_bytes_atomically(summary, text)
    written.append(summary)
    return written
