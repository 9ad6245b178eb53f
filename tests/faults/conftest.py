"""The fault layer's shared setup: a demo CSV source, the invariants checked after every fault,
and the tally of faults tried and survived (written to ``$CRM_ACCOUNTS_FAULT_REPORT`` as JSON
when that variable is set; docs/operations.md quotes it)."""

from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pytest

from crm_accounts.connectors.csv import CsvSource
from crm_accounts.connectors.demo import generate_demo
from crm_accounts.errors import InputDataError

AS_OF = "2026-11-27"
ACCOUNTS = 400
TARGET_PREFIX = "kam_"
TIMEOUT = 600


@dataclass
class Tally:
    """Per kind of fault: tried, survived (every invariant held), data lost."""

    counts: dict[str, list[int]] = field(default_factory=dict)
    notes: dict[str, int] = field(default_factory=dict)

    def record(self, kind: str, survived: bool, lost: int = 0) -> None:
        tried, ok, gone = self.counts.setdefault(kind, [0, 0, 0])
        self.counts[kind] = [tried + 1, ok + int(survived), gone + lost]

    def note(self, what: str) -> None:
        """Count how often something worth knowing happened (a kill that hit, a lock found)."""
        self.notes[what] = self.notes.get(what, 0) + 1


_TALLY = Tally()


@pytest.fixture(scope="session")
def tally() -> Iterator[Tally]:
    yield _TALLY
    target = os.environ.get("CRM_ACCOUNTS_FAULT_REPORT")
    if target:
        document: dict[str, object] = {
            kind: {"tried": t, "survived": s, "data_lost": lost}
            for kind, (t, s, lost) in sorted(_TALLY.counts.items())
        }
        document["notes"] = dict(sorted(_TALLY.notes.items()))
        Path(target).write_text(json.dumps(document, indent=2) + "\n")


@pytest.fixture(scope="session")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A demo source folder of 400 accounts, never synced."""
    folder = tmp_path_factory.mktemp("pristine")
    generate_demo(folder, as_of=date.fromisoformat(AS_OF), accounts=ACCOUNTS)
    return folder / "source"


@pytest.fixture
def source(pristine: Path, tmp_path: Path) -> Path:
    folder = tmp_path / "source"
    shutil.copytree(pristine, folder)
    return folder


def crm(*args: str | Path, **kwargs: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "crm_accounts", *map(str, args)],
        capture_output=True, text=True, timeout=TIMEOUT, check=False, **kwargs,  # type: ignore[call-overload]
    )  # fmt: skip


def people_data(folder: Path) -> dict[str, dict[str, str]]:
    """accounts.csv without the product's target columns: what people own, by account id."""
    with (folder / "accounts.csv").open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    return {
        row["id"]: {k: v for k, v in row.items() if k and not k.startswith(TARGET_PREFIX)}
        for row in rows
    }


def open_task_keys(folder: Path) -> list[str]:
    """The keys of the product's open tasks (status ``Open``, compared as the reader does)."""
    path = folder / "tasks.csv"
    if not path.exists():
        return []
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    return [r["key"] for r in rows if r.get("key") and r["status"].strip().lower() == "open"]


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.rglob("*") if p.name.endswith((".tmp", ".partial")))


def readable(folder: Path) -> bool:
    """Whether the folder still reads as a source (no torn file)."""
    source = CsvSource(folder)
    try:
        list(source.accounts())
        list(source.open_tasks())
        source.close()
    except InputDataError:
        return False
    return True


def intact(folder: Path, before: dict[str, dict[str, str]]) -> tuple[bool, int]:
    """The invariants after a fault: readable files, nobody's data lost, no duplicate open task.

    Returns whether all hold and how many accounts lost data people own.
    """
    if not readable(folder):
        return False, len(before)
    now = people_data(folder)
    lost = sum(1 for account_id, row in before.items() if now.get(account_id) != row)
    keys = open_task_keys(folder)
    return lost == 0 and len(keys) == len(set(keys)), lost
