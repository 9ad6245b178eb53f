"""Reports people look at: a self-contained HTML report, an Excel workbook and iCalendar agendas.

Everything here reads a finished :class:`~crm_accounts.domain.method.MethodResult`; nothing
computes the method again. :func:`write_reports` writes all three into one folder.
"""

from __future__ import annotations

import errno
import os
import shutil
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from ..domain.method import MethodResult
from ..errors import TemporaryError, UsageError
from ..i18n import Language
from ..safefile import fsync_folder
from ..sync.report import Movement
from .agenda import PRODUCT_ID_PREFIX

__all__ = ["ReportPaths", "remove_stale_agendas", "write_reports"]


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
    movements: Sequence[Movement] | None = None,
    link: Callable[[str], str | None] | None = None,
    lang: Language | None = None,
) -> ReportPaths:
    """Write ``report.html``, ``report.xlsx`` and ``agendas/<member>.ics`` into ``directory``.

    Everything is built first in a temporary folder inside ``directory``; only when all of it
    is written are the files renamed into place, each atomically, so an error leaves the
    previous report as it was and no temporary file behind. Agenda files the product wrote
    for members who no longer have planned contacts are removed; files of other names, and
    ``.ics`` files the product did not write, are left alone.

    ``movements`` is ``None`` when the run log holds no previous sync to compare with; ``lang``
    is the output language (default English).

    Raises:
        UsageError: the folder cannot be created or written.
        TemporaryError: the disk is full.
    """
    from .agenda import write_agendas
    from .html import render_html
    from .workbook import write_workbook

    try:
        directory.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".crm-accounts-report-", dir=directory))
    except OSError as exc:
        raise _folder_error(directory, exc) from None
    try:
        text = render_html(
            result, default_capacity=default_capacity, movements=movements, link=link,
            generated_at=generated_at, lang=lang,
        )  # fmt: skip
        (staging / "report.html").write_text(text, encoding="utf-8")
        write_workbook(result, staging / "report.xlsx", movements=movements, lang=lang)
        built = write_agendas(result, staging / "agendas", generated_at, link, lang=lang)
        _sync_files(staging, [staging / "report.html", staging / "report.xlsx", *built])
        agenda_dir = directory / "agendas"
        agenda_dir.mkdir(exist_ok=True)
        agendas = [agenda_dir / path.name for path in built]
        for path, target in zip(built, agendas, strict=True):
            os.replace(path, target)
        remove_stale_agendas(agenda_dir, {path.name for path in agendas})
        html, workbook = directory / "report.html", directory / "report.xlsx"
        os.replace(staging / "report.xlsx", workbook)
        os.replace(staging / "report.html", html)
        fsync_folder(agenda_dir)
        fsync_folder(directory)
    except OSError as exc:
        raise _folder_error(directory, exc) from None
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return ReportPaths(html, workbook, tuple(agendas), agenda_dir)


def _sync_files(folder: Path, paths: Sequence[Path]) -> None:
    for path in paths:
        with path.open("rb") as handle:
            os.fsync(handle.fileno())
    fsync_folder(folder)


def remove_stale_agendas(agenda_dir: Path, keep: set[str]) -> list[Path]:
    """Remove the ``.ics`` files in ``agenda_dir`` that the product wrote and ``keep`` lacks."""
    removed = []
    for path in agenda_dir.glob("*.ics"):
        if path.name in keep or path.is_symlink() or not path.is_file():
            continue
        with path.open("rb") as handle:
            head = handle.read(512)
        if PRODUCT_ID_PREFIX.encode() in head:
            path.unlink()
            removed.append(path)
    return removed


def _folder_error(directory: Path, exc: OSError) -> Exception:
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return TemporaryError(
            f"report folder {str(directory)!r}: {exc.strerror}; the previous report is left as it"
            " was: free space and run again"
        )
    return UsageError(f"report folder {str(directory)!r} cannot be written: {exc.strerror or exc}")
