"""The report folder as a whole (issue 13): built aside and moved in place, so an error leaves
the previous report; stale agendas the product wrote are removed, other files are kept."""

from __future__ import annotations

import errno
from datetime import UTC, datetime
from pathlib import Path

import pytest

from crm_accounts.domain.method import MethodResult
from crm_accounts.errors import TemporaryError
from crm_accounts.reports import workbook, write_reports

NOW = datetime(2026, 11, 27, 6, 0, tzinfo=UTC)
OUR_AGENDA = (
    b"BEGIN:VCALENDAR\r\nPRODID:-//crm-accounts//crm-accounts 0.0.1//EN\r\nVERSION:2.0\r\n"
    b"END:VCALENDAR\r\n"
)
THEIR_AGENDA = (
    b"BEGIN:VCALENDAR\r\nPRODID:-//Someone//Other//EN\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n"
)


def write(result: MethodResult, folder: Path) -> None:
    write_reports(result, folder, default_capacity=10, generated_at=NOW)


def test_agendas_the_product_wrote_for_members_without_planned_contacts_are_removed(
    demo_result: MethodResult, tmp_path: Path
) -> None:
    agendas = tmp_path / "agendas"
    agendas.mkdir()
    (agendas / "left-the-team.ics").write_bytes(OUR_AGENDA)
    (agendas / "holidays.ics").write_bytes(THEIR_AGENDA)
    (agendas / "notes.txt").write_text("mine")
    write(demo_result, tmp_path)
    names = {path.name for path in agendas.iterdir()}
    assert "left-the-team.ics" not in names
    assert {"holidays.ics", "notes.txt"} <= names
    assert len([n for n in names if n.endswith(".ics")]) > 1


def test_a_failure_while_building_keeps_the_previous_report_and_leaves_no_temporary_files(
    demo_result: MethodResult, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(demo_result, tmp_path)
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir() if p.is_file()}

    def full_disk(*args: object, **kwargs: object) -> Path:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(workbook, "write_workbook", full_disk)
    with pytest.raises(TemporaryError, match="No space left"):
        write(demo_result, tmp_path)
    after = {p.name: p.read_bytes() for p in tmp_path.iterdir() if p.is_file()}
    assert after == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["agendas", "report.html", "report.xlsx"]


def test_a_link_planted_at_the_old_temporary_names_is_never_followed(
    demo_result: MethodResult, tmp_path: Path
) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    out = tmp_path / "report"
    (out / "agendas").mkdir(parents=True)
    for name in ("report.html.partial", "report.xlsx.partial", "agendas/m-1.ics.partial"):
        (out / name).symlink_to(victim)
    write(demo_result, out)
    assert victim.read_text() == "precious"
    assert (out / "report.xlsx").stat().st_size > 0
