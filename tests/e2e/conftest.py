"""Helpers for end-to-end tests: run the real command line in a subprocess."""

from __future__ import annotations

import csv
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

Cli = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture
def cli() -> Cli:
    """Run ``crm-accounts ARGS`` as a separate process, as a scheduler would."""

    def run(*args: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "crm_accounts", *map(str, args)],
            capture_output=True,
            text=True,
            cwd=cwd,
            timeout=600,
            check=False,
        )

    return run


def read_csv(path: Path) -> list[list[str]]:
    """Every row of a CSV file the command wrote, header first."""
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.reader(handle))
