"""Reports people look at: a self-contained HTML report, an Excel workbook and iCalendar agendas.

Everything here reads a finished :class:`~crm_accounts.domain.method.MethodResult`; nothing
computes the method again. :func:`write_reports` writes all three into one folder.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from ..domain.method import MethodResult
from ..errors import UsageError
from ..sync.report import Movement

__all__ = ["ReportPaths", "write_reports"]


@dataclass(frozen=True, slots=True)
class ReportPaths:
    html: Path
    workbook: Path
    agendas: tuple[Path, ...]
    agenda_dir: Path


def write_reports(
    result: MethodResult,
    directory: Path,
    *,
    default_capacity: int,
    generated_at: datetime,
    movements: Sequence[Movement] = (),
    link: Callable[[str], str | None] | None = None,
) -> ReportPaths:
    """Write ``report.html``, ``report.xlsx`` and ``agendas/<member>.ics`` into ``directory``.

    Each file is replaced atomically; files of other names are left alone.

    Raises:
        UsageError: the folder cannot be created or written.
    """
    from .agenda import write_agendas
    from .html import render_html
    from .workbook import write_workbook

    try:
        directory.mkdir(parents=True, exist_ok=True)
        html = directory / "report.html"
        text = render_html(
            result, default_capacity=default_capacity, movements=movements, link=link,
            generated_at=generated_at,
        )  # fmt: skip
        partial = html.with_name(html.name + ".partial")
        partial.write_text(text, encoding="utf-8")
        os.replace(partial, html)
        workbook = write_workbook(result, directory / "report.xlsx", movements=movements)
        agenda_dir = directory / "agendas"
        agendas = write_agendas(result, agenda_dir, generated_at, link)
    except OSError as exc:
        raise UsageError(
            f"report folder {str(directory)!r} cannot be written: {exc.strerror or exc}"
        ) from None
    return ReportPaths(html, workbook, tuple(agendas), agenda_dir)
