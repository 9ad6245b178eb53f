"""``[output] language`` end to end, and the report's Movements section after real syncs.

A language switch is a normal sync: the open tasks keep their ids and keys and get the new
words; nothing is created, and the next run writes nothing. The terminal summary follows the
language too.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from crm_accounts.connectors.demo import generate_demo

from .conftest import Cli, read_csv

AS_OF = "2026-11-27"
NO_PREVIOUS = "the run log holds no previous sync to compare with"
NO_CHANGE = "no account changed segment or rating position since the previous sync"


@pytest.fixture
def config(tmp_path: Path) -> Path:
    return generate_demo(tmp_path / "demo", as_of=date.fromisoformat(AS_OF)).config_path


def _set_language(config: Path, code: str) -> None:
    text = config.read_text(encoding="utf-8").split("\n[output]")[0]
    config.write_text(f'{text}\n[output]\nlanguage = "{code}"\n', encoding="utf-8")


def _tasks(config: Path) -> dict[str, dict[str, str]]:
    """tasks.csv by task id, each row by column name."""
    rows = read_csv(config.parent / "source" / "tasks.csv")
    header, body = rows[0], rows[1:]
    return {row[header.index("id")]: dict(zip(header, row, strict=True)) for row in body}


def _column(tasks: dict[str, dict[str, str]], name: str) -> dict[str, str]:
    return {task_id: row[name] for task_id, row in tasks.items()}


def test_an_unknown_language_exits_2_naming_the_key_and_the_value(cli: Cli, config: Path) -> None:
    _set_language(config, "fr")

    run = cli("plan", "--config", config, "--as-of", AS_OF)

    assert run.returncode == 2
    assert "key 'output.language': value 'fr': unknown language; one of en, nl" in run.stderr
    assert "Traceback" not in run.stderr


def test_switching_to_dutch_rewrites_the_open_tasks_and_creates_none(
    cli: Cli, config: Path
) -> None:
    assert cli("sync", "--config", config, "--as-of", AS_OF).returncode == 0
    before = _tasks(config)
    assert before
    assert all(s.startswith("Contact ") for s in _column(before, "subject").values())
    _set_language(config, "nl")

    switched = cli("sync", "--config", config, "--as-of", AS_OF)
    after = _tasks(config)
    again = cli("sync", "--config", config, "--as-of", AS_OF)

    assert switched.returncode == 0, switched.stderr
    assert after.keys() == before.keys(), "same tasks, no new ones"
    assert _column(after, "key") == _column(before, "key")
    assert _column(after, "due_date") == _column(before, "due_date")
    assert all(s.startswith("Contact opnemen met ") for s in _column(after, "subject").values())
    assert all("taaksleutel" in d for d in _column(after, "description").values())
    assert f"taken: 0 aan te maken, {len(before)} te verzetten" in switched.stdout
    assert again.returncode == 0
    assert "Niets te wijzigen: het CRM was bij; niets geschreven." in again.stdout
    assert _tasks(config) == after


def test_the_report_tells_no_previous_sync_from_no_change_and_lists_real_movements(
    cli: Cli, config: Path, tmp_path: Path
) -> None:
    before_any = cli("report", "--config", config, "--as-of", AS_OF, "--out", tmp_path / "r0")
    assert cli("sync", "--config", config, "--as-of", AS_OF).returncode == 0
    second = cli("sync", "--config", config, "--as-of", AS_OF, "--report", tmp_path / "r2")

    assert before_any.returncode == 0, before_any.stderr
    assert second.returncode == 0, second.stderr
    first_page = (tmp_path / "r0" / "report.html").read_text(encoding="utf-8")
    second_page = (tmp_path / "r2" / "report.html").read_text(encoding="utf-8")
    assert NO_PREVIOUS in first_page[first_page.index('id="movements"') :]
    movements = second_page[second_page.index('id="movements"') :]
    assert NO_CHANGE in movements
    assert NO_PREVIOUS not in movements
