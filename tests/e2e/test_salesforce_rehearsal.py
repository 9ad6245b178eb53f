"""The command line against the rehearsal org of every shipped profile, as an admin tries a
configuration: ``check``, two syncs, a sync with narrower rules (tasks to close), the rules
widened again (the closed pairs' keys are needed again), and ``plan --json`` after each: the org
settles, with no traceback and no duplicate task."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from crm_accounts.connectors.demo import generate_demo
from tests.fakes.salesforce.profiles import PROFILES

ROOT = Path(__file__).resolve().parents[2]
AS_OF = "2026-11-27"
NARROW = """
[[plan.rules]]
segment = "A"
psu = "account_manager"
dmu = "decider"
every_days = 30
"""


@dataclass
class Rehearsal:
    workdir: Path
    env: dict[str, str]

    @property
    def config(self) -> Path:
        return self.workdir / "crm-accounts.toml"

    def run(self, *args: str | Path) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(
            [sys.executable, "-m", "crm_accounts", *map(str, args)],
            cwd=self.workdir, env=self.env, capture_output=True, text=True, timeout=600,
            check=False,
        )  # fmt: skip
        assert "Traceback" not in done.stderr, done.stderr
        return done

    def plan(self) -> dict[str, Any]:
        done = self.run("plan", "--config", self.config, "--as-of", AS_OF, "--json")
        assert done.returncode == 0, done.stderr
        document: dict[str, Any] = json.loads(done.stdout)
        return document

    def sync(self) -> subprocess.CompletedProcess[str]:
        done = self.run("sync", "--config", self.config, "--as-of", AS_OF)
        assert done.returncode == 0, done.stdout + done.stderr
        return done


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("demo")
    return generate_demo(folder, as_of=date.fromisoformat(AS_OF), accounts=30).source_dir


@pytest.fixture(params=sorted(PROFILES))
def rehearsal(request: pytest.FixtureRequest, source: Path, tmp_path: Path) -> Iterator[Rehearsal]:
    workdir = tmp_path / "w"
    command = [sys.executable, "-m", "tests.fakes.salesforce", "serve", "--profile",
               request.param, "--source", str(source), "--workdir", str(workdir)]  # fmt: skip
    process = subprocess.Popen(
        command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        deadline = time.monotonic() + 120
        while not (workdir / "ready").exists():
            assert process.poll() is None, process.communicate()
            assert time.monotonic() < deadline, "the rehearsal org did not get ready"
            time.sleep(0.05)
        env = {**os.environ, **json.loads((workdir / "env.json").read_text(encoding="utf-8"))}
        yield Rehearsal(workdir, env)
    finally:
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=60)
        assert process.returncode == 0, stderr


def _changes(plan: dict[str, Any]) -> dict[str, int]:
    totals = plan["sync"]["totals"]
    return {k: totals[k] for k in ("tasks_to_create", "tasks_to_reschedule", "tasks_to_close")}


SETTLED = {"tasks_to_create": 0, "tasks_to_reschedule": 0, "tasks_to_close": 0}


def test_the_org_settles_after_two_syncs_narrower_rules_and_wider_ones_again(
    rehearsal: Rehearsal,
) -> None:
    checked = rehearsal.run("check", "--config", rehearsal.config)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "0 errors" in checked.stdout

    first = _changes(rehearsal.plan())
    assert first["tasks_to_create"] > 0
    rehearsal.sync()
    assert _changes(rehearsal.plan()) == SETTLED
    second = rehearsal.sync()
    assert "nothing written" in second.stdout

    wide = rehearsal.config.read_text(encoding="utf-8")
    rehearsal.config.write_text(wide + NARROW, encoding="utf-8")
    narrowed = _changes(rehearsal.plan())
    assert narrowed["tasks_to_close"] > 0
    closing = rehearsal.sync()
    assert f"{narrowed['tasks_to_close']} to close" in closing.stdout
    assert _changes(rehearsal.plan()) == SETTLED

    rehearsal.config.write_text(wide, encoding="utf-8")
    widened = _changes(rehearsal.plan())
    assert widened["tasks_to_create"] == narrowed["tasks_to_close"]  # the same pairs again
    again = rehearsal.sync()
    assert "0 failed" in again.stdout  # their keys were retired when they were closed
    assert _changes(rehearsal.plan()) == SETTLED


@pytest.mark.parametrize("rehearsal", ["standard"], indirect=True)
def test_a_status_or_role_the_org_lacks_is_exit_2_naming_the_orgs_values_and_nothing_written(
    rehearsal: Rehearsal,
) -> None:
    wide = rehearsal.config.read_text(encoding="utf-8")
    rehearsal.config.write_text(
        wide.replace("[source]", '[plan]\nclosed_status = "Deferred"\n\n[source]'),
        encoding="utf-8",
    )
    for command in ("plan", "sync"):
        done = rehearsal.run(command, "--config", rehearsal.config, "--as-of", AS_OF)
        assert done.returncode == 2, done.stdout + done.stderr
        assert "'Deferred' is not a closed Task Status" in done.stderr
        assert "'Completed'" in done.stderr
    typo = wide.replace('"Sales Rep" = "sales_rep"', '"Sales Representative" = "sales_rep"')
    rehearsal.config.write_text(typo, encoding="utf-8")
    done = rehearsal.run("sync", "--config", rehearsal.config, "--as-of", AS_OF)
    assert done.returncode == 2, done.stdout + done.stderr
    assert (
        "'Sales Representative' is not a value of AccountTeamMember.TeamMemberRole" in done.stderr
    )
    assert "'Sales Rep'" in done.stderr
    rehearsal.config.write_text(wide, encoding="utf-8")
    first = _changes(rehearsal.plan())
    assert first["tasks_to_create"] > 0  # nothing was written by the refused runs
