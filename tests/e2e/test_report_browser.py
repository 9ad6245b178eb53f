"""The report command end to end, and the HTML report rendered by a real browser, in English
and in Dutch (``[output] language = "nl"``: page, workbook and agendas).

Chromium runs headless with no network features (background networking, sync, component updates
off) and a fresh profile; ``.ci/run`` installs Debian's ``chromium`` when it is missing. Outside
CI a machine without Chromium skips only the browser tests; in CI a missing browser fails them.
"""

from __future__ import annotations

import csv
import os
import re
import shutil
import subprocess
import sys
from datetime import date
from html import escape
from pathlib import Path

import pytest
from PIL import Image

from crm_accounts.connectors.demo import generate_demo

from .conftest import Cli

AS_OF = "2026-11-27"
FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-extensions", "--hide-scrollbars", "--enable-logging=stderr", "--v=0",
)  # fmt: skip
CONSOLE = re.compile(r":CONSOLE[^\]]*\] (.*)")


def _chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        if os.environ.get("CI"):
            pytest.fail("CI must install Chromium (.ci/run does): the browser test cannot run")
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    return found


def _screenshot(page: Path, png: Path, profile: Path, height: int = 2400) -> list[str]:
    """Render ``page`` to ``png``; returns the page's console messages."""
    run = subprocess.run(
        [_chromium(), *FLAGS, f"--user-data-dir={profile}", f"--window-size=1366,{height}",
         f"--screenshot={png}", page.resolve().as_uri()],
        capture_output=True, text=True, timeout=180, check=False,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr[-2000:]
    assert png.is_file(), run.stderr[-2000:]
    return CONSOLE.findall(run.stderr)


def _ink(png: Path) -> tuple[float, int]:
    """Share of pixels that are not white, and the number of distinct colours."""
    image = Image.open(png).convert("RGB")
    counts = image.getcolors(maxcolors=1 << 24)
    assert counts is not None
    white = sum(count for count, colour in counts if colour == (255, 255, 255))
    return 1 - white / (image.width * image.height), len(counts)


@pytest.fixture(scope="module")
def demo_report(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The demo source folder and the report folder that ``crm-accounts report`` wrote."""
    root = tmp_path_factory.mktemp("report")
    folder = generate_demo(root / "demo", as_of=date.fromisoformat(AS_OF))
    return folder.source_dir, _report(folder.config_path, root / "out")


def _report(config: Path, out: Path) -> Path:
    """``out`` after ``crm-accounts report`` with ``config`` ran there and succeeded."""
    run = subprocess.run(
        [sys.executable, "-m", "crm_accounts", "report", "--config", str(config),
         "--as-of", AS_OF, "--out", str(out)],
        capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    return out


def test_report_writes_the_page_the_workbook_and_the_agendas_and_says_where(
    demo_report: tuple[Path, Path],
) -> None:
    _, out = demo_report

    assert (out / "report.html").stat().st_size > 10_000
    assert (out / "report.xlsx").stat().st_size > 10_000
    assert sorted((out / "agendas").glob("*.ics"))


def test_the_browser_renders_the_report_without_console_errors_and_not_blank(
    demo_report: tuple[Path, Path], tmp_path: Path
) -> None:
    _, out = demo_report

    messages = _screenshot(out / "report.html", tmp_path / "report.png", tmp_path / "profile")
    ink, colours = _ink(tmp_path / "report.png")

    assert messages == []
    assert ink > 0.05, "the top of the report should carry a chart and tables"
    assert colours > 50, "a chart with bands, lines and text has many colours"


def test_the_console_and_blank_checks_do_catch_a_broken_page(tmp_path: Path) -> None:
    broken = tmp_path / "broken.html"
    broken.write_text("<!DOCTYPE html><body><script>console.error('boom')</script></body>")

    messages = _screenshot(broken, tmp_path / "broken.png", tmp_path / "profile", height=600)

    assert any("boom" in message for message in messages)
    assert _ink(tmp_path / "broken.png") == (0.0, 1)


def test_report_refuses_an_output_path_that_is_a_file(cli: Cli, tmp_path: Path) -> None:
    folder = generate_demo(tmp_path / "demo", as_of=date.fromisoformat(AS_OF))
    blocker = tmp_path / "taken"
    blocker.write_text("not a folder")

    run = cli("report", "--config", folder.config_path, "--as-of", AS_OF, "--out", blocker)

    assert run.returncode == 2
    assert f"option --out: {str(blocker)!r} exists and is not a folder" in run.stderr
    assert blocker.read_text() == "not a folder"


def test_plan_with_report_writes_the_reports_and_keeps_stdout_json(
    cli: Cli, tmp_path: Path
) -> None:
    import json

    folder = generate_demo(tmp_path / "demo", as_of=date.fromisoformat(AS_OF))
    out = tmp_path / "rep"

    run = cli("plan", "--config", folder.config_path, "--as-of", AS_OF, "--json", "--report", out)

    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout)["summary"]["customers"] > 0
    assert (out / "report.html").is_file()
    assert str(out / "report.html") in run.stderr


def test_report_after_a_sync_lists_the_account_that_moved_since(cli: Cli, tmp_path: Path) -> None:
    folder = generate_demo(tmp_path / "demo", as_of=date.fromisoformat(AS_OF))
    first = cli("sync", "--config", folder.config_path, "--as-of", AS_OF)
    assert first.returncode == 0, first.stderr
    segments = tmp_path / "before"
    cli("plan", "--config", folder.config_path, "--as-of", AS_OF, "--export", segments)
    with (segments / "segments.csv").open(encoding="utf-8", newline="") as handle:
        small = next(row for row in csv.DictReader(handle) if row["segment"] == "C")
    with (folder.source_dir / "revenue.csv").open("a", encoding="utf-8", newline="") as handle:
        handle.write(f"{small['account_id']},{AS_OF},90000000.00,,\n")  # one huge order

    run = cli("report", "--config", folder.config_path, "--as-of", AS_OF, "--out", tmp_path / "r")

    assert run.returncode == 0, run.stderr
    page = (tmp_path / "r" / "report.html").read_text(encoding="utf-8")
    movements = page[page.index('id="movements"') :]
    assert escape(small["name"]) in movements
    assert "No movements" not in movements


def test_sync_with_a_report_folder_that_cannot_be_made_writes_nothing(
    cli: Cli, tmp_path: Path
) -> None:
    folder = generate_demo(tmp_path / "demo", as_of=date.fromisoformat(AS_OF))
    before = (folder.source_dir / "accounts.csv").read_bytes()
    blocker = tmp_path / "taken"
    blocker.write_text("not a folder")

    run = cli("sync", "--config", folder.config_path, "--as-of", AS_OF, "--report", blocker / "r")

    assert run.returncode == 2
    assert "option --report: folder" in run.stderr
    assert str(blocker / "r") in run.stderr
    assert (folder.source_dir / "accounts.csv").read_bytes() == before
    assert not (folder.source_dir / "tasks.csv").exists()


def test_a_refused_run_does_not_leave_a_report_folder_behind(cli: Cli, tmp_path: Path) -> None:
    folder = generate_demo(tmp_path / "demo", as_of=date.fromisoformat(AS_OF))
    out = tmp_path / "reports"

    run = cli("plan", "--config", folder.config_path, "--as-of", "2026-13-01", "--report", out)

    assert run.returncode == 2
    assert "option --as-of: value '2026-13-01' is not a date" in run.stderr
    assert not out.exists()


@pytest.fixture(scope="module")
def dutch_report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The report folder of ``crm-accounts report`` on the demo with ``language = "nl"``."""
    root = tmp_path_factory.mktemp("report-nl")
    folder = generate_demo(root / "demo", as_of=date.fromisoformat(AS_OF))
    with folder.config_path.open("a", encoding="utf-8") as handle:
        handle.write('\n[output]\nlanguage = "nl"\n')
    return _report(folder.config_path, root / "out")


def test_the_dutch_report_is_marked_dutch_and_speaks_dutch(dutch_report: Path) -> None:
    page = (dutch_report / "report.html").read_text(encoding="utf-8")

    assert '<html lang="nl">' in page
    assert "<title>Key-accountrapport per 27-11-2026</title>" in page
    for heading in ("Identificeren: Pareto en de vier vragen", "Klantrating", "Hiaten per account",
                    "Geplande contacten per teamlid en week", "Zoek een account"):  # fmt: skip
        assert f">{heading}</h" in page, heading
    assert "Customer rating" not in page
    assert re.search(r"<td class=num>\d{1,3}(\.\d{3})*,\d\d</td>", page), "Dutch money format"


def test_the_browser_renders_the_dutch_report_without_console_errors(
    dutch_report: Path, tmp_path: Path
) -> None:
    messages = _screenshot(dutch_report / "report.html", tmp_path / "nl.png", tmp_path / "profile")
    ink, colours = _ink(tmp_path / "nl.png")

    assert messages == []
    assert ink > 0.05
    assert colours > 50


def test_the_dutch_workbook_and_agendas_are_dutch(dutch_report: Path) -> None:
    import openpyxl
    from icalendar import Calendar

    book = openpyxl.load_workbook(dutch_report / "report.xlsx", read_only=True)
    agenda = sorted((dutch_report / "agendas").glob("*.ics"))[0]
    events = Calendar.from_ical(agenda.read_bytes()).walk("VEVENT")

    assert book.sheetnames[:8] == [
        "Segmenten", "Groepen", "Rating", "Hiaten", "Planning", "Verschuivingen", "Whitespace",
        "Matrices",
    ]  # fmt: skip
    assert book["Segmenten"]["A1"].value == "Segmenten per 27-11-2026"
    assert events
    assert all(str(e["summary"]).startswith("Contact opnemen met ") for e in events)
    assert all("Reden: " in str(e["description"]) for e in events)


def test_the_account_filter_shows_itself_only_when_scripts_run(
    dutch_report: Path, tmp_path: Path
) -> None:
    page = dutch_report / "report.html"
    source = page.read_text(encoding="utf-8")
    run = subprocess.run(
        [_chromium(), *FLAGS, f"--user-data-dir={tmp_path / 'profile'}", "--dump-dom",
         page.resolve().as_uri()],
        capture_output=True, text=True, timeout=180, check=False,
    )  # fmt: skip

    assert run.returncode == 0, run.stderr[-2000:]
    assert re.search(r'<input id="account-search"[^>]* hidden', source), "hidden without scripts"
    shown = re.search(r'<input id="account-search"[^>]*>', run.stdout)
    assert shown is not None
    assert "hidden" not in shown.group(0), "the inline script shows the filter box"
    assert source.count('<li><a href="#account-') == run.stdout.count('<li><a href="#account-')
