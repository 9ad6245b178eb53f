"""The command line against the fake HubSpot portal: setup, check, plan, sync, an unchanged rerun,
faults survived (429s included) with nothing lost, and the same plan as the CSV connector on the
same data. The fake runs on real time at the lowest tier; the CLI paces itself."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from crm_accounts.connectors.demo import generate_demo
from tests.configs import method_toml
from tests.fakes.hubspot import FakeHubSpot, LoadResult
from tests.integration.hubspot_world import toml_for

AS_OF = "2026-11-27"

METHOD = method_toml("hubspot")


@dataclass
class Portal:
    fake: FakeHubSpot
    load: LoadResult
    config: Path
    source: Path

    def run(self, *args: str | Path) -> subprocess.CompletedProcess[str]:
        env = {**os.environ, "HUBSPOT_ACCESS_TOKEN": self.fake.token}
        return subprocess.run(
            [sys.executable, "-m", "crm_accounts", *map(str, args)],
            capture_output=True, text=True, env=env, timeout=600, check=False,
        )  # fmt: skip

    def keys(self) -> list[str]:
        return [
            str(t.properties["kam_task_key"])
            for t in self.fake.state.records("tasks")
            if t.properties.get("kam_task_key")
        ]


@pytest.fixture
def portal(tmp_path: Path) -> Iterator[Portal]:
    demo = generate_demo(tmp_path / "demo", as_of=date.fromisoformat(AS_OF), accounts=30)
    with FakeHubSpot(tier=100) as fake:
        load = fake.load(demo.source_dir)
        config = tmp_path / "hubspot.toml"
        settings = toml_for(fake.url, load, max_attempts=6, max_retry_seconds=60, read_timeout=2)
        config.write_text(METHOD + settings, encoding="utf-8")
        ready = Portal(fake, load, config, demo.source_dir)
        applied = ready.run("setup", "--config", config, "--apply")
        assert applied.returncode == 0, applied.stdout + applied.stderr
        yield ready


def _plan(portal: Portal) -> dict[str, Any]:
    run = portal.run("plan", "--config", portal.config, "--as-of", AS_OF, "--json")
    assert run.returncode == 0, run.stderr
    document: dict[str, Any] = json.loads(run.stdout)
    return document


def test_setup_prints_first_and_check_finds_the_portal_ready(portal: Portal) -> None:
    printed = portal.run("setup", "--config", portal.config)
    checked = portal.run("check", "--config", portal.config)

    assert printed.returncode == 0, printed.stderr
    assert "create property 'kam_segment' on companies (string, text)" in printed.stdout
    assert "run with --apply" in printed.stdout
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "0 errors" in checked.stdout
    assert portal.fake.token not in printed.stdout + printed.stderr + checked.stdout


def test_plan_sync_and_an_unchanged_rerun_without_a_single_429(portal: Portal) -> None:
    totals = _plan(portal)["sync"]["totals"]
    first = portal.run("sync", "--config", portal.config, "--as-of", AS_OF)
    writes = portal.fake.calls.count("/crm/v3/objects/*/batch/[cu]*")
    second = portal.run("sync", "--config", portal.config, "--as-of", AS_OF)

    assert totals["tasks_to_create"] > 0
    assert first.returncode == 0, first.stdout + first.stderr
    assert f"{totals['tasks_to_create']} to create" in first.stdout
    assert second.returncode == 0, second.stderr
    assert "nothing written" in second.stdout
    assert portal.fake.calls.count("/crm/v3/objects/*/batch/[cu]*") == writes
    assert portal.fake.calls.statuses()[429] == 0
    assert portal.fake.token not in first.stdout + first.stderr + second.stderr


def test_injected_faults_are_survived_and_nothing_is_lost(portal: Portal) -> None:
    faults = portal.fake.faults
    company = sorted(portal.load.companies.values())[0]
    faults.fail_next(2, status=503)
    faults.rate_limit_next(2, retry_after=1, route="/crm/v3/objects/companies")
    faults.rate_limit_next(1, policy="SECONDLY", route="/crm/v3/objects/*/search")
    faults.rate_limit_next(1, route="/crm/v3/objects/companies/batch/update")
    faults.fail_next(1, status=502, body="<html>bad gateway</html>",
                     route="/crm/v4/associations/*/batch/read")  # fmt: skip
    faults.hang_next(1, seconds=3, route="/crm/v3/owners")
    faults.reject_ids({company: "Property values were not valid"})
    faults.fail_next(1, status=500, route="/crm/v3/objects/tasks/batch/create")

    faulty = portal.run("sync", "--config", portal.config, "--as-of", AS_OF)
    repair = portal.run("sync", "--config", portal.config, "--as-of", AS_OF)
    rerun = portal.run("sync", "--config", portal.config, "--as-of", AS_OF)

    assert faulty.returncode == 1, faulty.stdout + faulty.stderr  # partial: the next run repairs
    assert "retrying in" in faulty.stderr
    assert repair.returncode == 0, repair.stdout + repair.stderr
    assert rerun.returncode == 0, rerun.stderr
    assert "nothing written" in rerun.stdout
    assert faults.pending() == []
    keys = portal.keys()
    assert keys
    assert len(keys) == len(set(keys)), "no duplicate task"
    assert portal.fake.calls.statuses()[429] == 4  # the injected ones, no others
    stored = portal.fake.state.get("companies", company) or {}
    assert stored.get("kam_segment")


def _csv_plan(portal: Portal, tmp: Path) -> dict[str, Any]:
    config = tmp / "csv.toml"
    source = f'kind = "csv"\npath = "{portal.source.as_posix()}"'
    config.write_text(METHOD.replace('kind = "hubspot"', source), encoding="utf-8")
    run = subprocess.run(
        [sys.executable, "-m", "crm_accounts", "plan", "--config", str(config), "--as-of", AS_OF,
         "--json"], capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    document: dict[str, Any] = json.loads(run.stdout)
    return document


def test_the_plan_equals_the_csv_connectors_plan_on_the_same_data(
    portal: Portal, tmp_path: Path
) -> None:
    hubspot, csv = _plan(portal), _csv_plan(portal, tmp_path)
    back = portal.load.source_id

    assert [(back(r["account_id"]), r["segment"]) for r in hubspot["segments"]] == [
        (r["account_id"], r["segment"]) for r in csv["segments"]
    ]
    assert [(r["position"], back(r["account_id"])) for r in hubspot["ratings"]] == [
        (r["position"], r["account_id"]) for r in csv["ratings"]
    ]
    planned = Counter(
        (back(p["account_id"]), back(p["member_id"]), back(p["contact_id"]), p["status"],
         p["planned_date"], p["reason"]) for p in hubspot["plan"]
    )  # fmt: skip
    assert planned == Counter(
        (p["account_id"], p["member_id"], p["contact_id"], p["status"], p["planned_date"],
         p["reason"]) for p in csv["plan"]
    )  # fmt: skip
