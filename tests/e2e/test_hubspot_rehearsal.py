"""The rehearsal portal (``python -m tests.fakes.hubspot serve``) and the real command line
against it, once per shipped portal profile: check, two syncs back to back, a sync with narrower
``[[plan.rules]]``, then a plan once the search index delay has passed. Real time, real
processes, the profile's limits and search lag."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from crm_accounts.connectors.demo import generate_demo
from tests.fakes.hubspot import load_profile, shipped_profiles

AS_OF = "2026-11-27"
NARROWER = """
[[plan.rules]]
segment = "A"
psu = "account_manager"
dmu = "decider"
every_days = 30
"""


class Rehearsal:
    def __init__(self, workdir: Path, server: subprocess.Popen[str]) -> None:
        self.workdir = workdir
        self.server = server
        self.env = {**os.environ, **json.loads((workdir / "env.json").read_text("utf-8"))}
        self.stderr: list[str] = []

    def run(self, *args: str | Path) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(
            [sys.executable, "-m", "crm_accounts", *map(str, args)],
            capture_output=True, text=True, env=self.env, cwd=self.workdir, timeout=600,
            check=False,
        )  # fmt: skip
        self.stderr.append(done.stderr)
        return done


@pytest.fixture(params=shipped_profiles(), ids=lambda path: path.stem)
def rehearsal(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Rehearsal]:
    demo = generate_demo(tmp_path / "demo", as_of=date.fromisoformat(AS_OF), accounts=20)
    workdir = tmp_path / "portal"
    server = subprocess.Popen(
        [sys.executable, "-m", "tests.fakes.hubspot", "serve", "--profile", str(request.param),
         "--source", str(demo.source_dir), "--workdir", str(workdir)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 120
        while not (workdir / "ready").exists():
            assert server.poll() is None, server.communicate()[1]
            assert time.monotonic() < deadline, "the rehearsal portal did not get ready"
            time.sleep(0.1)
        yield Rehearsal(workdir, server)
    finally:
        server.send_signal(signal.SIGTERM)
        _, err = server.communicate(timeout=60)
    assert server.returncode == 0, err
    assert "Traceback" not in err


def _totals(run: subprocess.CompletedProcess[str]) -> dict[str, Any]:
    assert run.returncode == 0, run.stderr
    totals: dict[str, Any] = json.loads(run.stdout)["sync"]["totals"]
    return totals


def test_the_cli_settles_the_rehearsal_portal_without_a_duplicate_or_a_429(
    rehearsal: Rehearsal, request: pytest.FixtureRequest
) -> None:
    profile = load_profile(Path(request.node.callspec.params["rehearsal"]))
    config = rehearsal.workdir / "crm-accounts.toml"
    narrower = rehearsal.workdir / "narrower.toml"
    narrower.write_text(config.read_text("utf-8") + NARROWER, encoding="utf-8")

    checked = rehearsal.run("check")
    first = rehearsal.run("sync", "--as-of", AS_OF)
    second = rehearsal.run("sync", "--as-of", AS_OF)
    third = rehearsal.run("sync", "--config", narrower, "--as-of", AS_OF)
    time.sleep(profile.search_index_delay_seconds)  # the search index catches up
    settled = _totals(rehearsal.run("plan", "--config", narrower, "--as-of", AS_OF, "--json"))

    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "0 errors" in checked.stdout
    assert first.returncode == 0, first.stdout + first.stderr
    assert "0 to create" not in first.stdout
    assert second.returncode == 0, second.stderr
    assert "nothing written" in second.stdout  # nothing created twice while search lags
    assert third.returncode == 0, third.stderr
    assert "0 to close" not in third.stdout
    assert (settled["tasks_to_create"], settled["tasks_to_reschedule"]) == (0, 0)
    assert settled["tasks_to_close"] == 0  # a duplicate would be closed here
    assert settled["tasks_kept"] > 0
    for stderr in rehearsal.stderr:
        assert "429" not in stderr
        assert "Traceback" not in stderr


def test_a_bad_profile_or_source_folder_exits_2_with_nothing_written(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"name": "x", "per_10_seconds": 0}', encoding="utf-8")
    runs = [
        subprocess.run(
            [
                sys.executable,
                "-m",
                "tests.fakes.hubspot",
                "serve",
                "--profile",
                str(profile),
                "--source",
                str(source),
                "--workdir",
                str(tmp_path / "w"),
            ],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        for profile, source in (
            (bad, tmp_path),
            (tmp_path / "missing.json", tmp_path),
            (shipped_profiles()[0], tmp_path / "nowhere"),
        )
    ]
    assert [r.returncode for r in runs] == [2, 2, 2]
    assert "missing keys" in runs[0].stderr
    assert "missing.json" in runs[1].stderr
    assert "accounts.csv" in runs[2].stderr
    assert not (tmp_path / "w").exists()
    assert all("Traceback" not in r.stderr for r in runs)
