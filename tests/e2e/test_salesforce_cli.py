"""The command line against the fake Salesforce org: check, plan, sync, rerun, faults survived,
and the same plan as the CSV connector gives on the same data. The org is the customised one
(profile ``custom_nl``: Dutch statuses and roles, a value for every DMU and PSU role)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from crm_accounts.connectors.demo import generate_demo
from tests.configs import method_toml
from tests.fakes.salesforce import FakeSalesforce
from tests.fakes.salesforce.loader import LoadResult
from tests.fakes.salesforce.profile import resolve_profile

PROFILE = resolve_profile("custom_nl")


def _roles() -> str:
    """The role tables an admin of that org writes (its role values, every role mapped)."""
    lines = ["[salesforce.contact_roles]"]
    lines += [f'"{value}" = "{role}"' for role, value in PROFILE.dmu_values().items()]
    lines += ["", "[salesforce.team_roles]"]
    lines += [f'"{value}" = "{role}"' for role, value in PROFILE.psu_values().items()]
    return "\n".join(lines) + "\n"


AS_OF = "2026-11-27"

CONFIG = (
    method_toml("salesforce")
    + """\
[salesforce]
auth = "client_credentials"
login_url = "{url}"
integration_stage_field = "Integration_Stage__c"
margin_field = "Margin__c"
gatekeeper_field = "Gatekeeper__c"
capacity_field = "KAM_Capacity_Per_Week__c"
pioneer_field = "User.KAM_Pioneer__c"
max_attempts = 6
max_retry_seconds = 60

[salesforce.attributes]
strategic_fit = "Strategic_Fit__c"
payment_days = "Payment_Days__c"

{roles}"""
)


@dataclass
class Org:
    fake: FakeSalesforce
    load: LoadResult
    config: Path
    source: Path

    def run(self, *args: str | Path) -> subprocess.CompletedProcess[str]:
        env = {
            **os.environ,
            "SF_CLIENT_ID": self.fake.oauth.client_id,
            "SF_CLIENT_SECRET": self.fake.oauth.client_secret,
            "REQUESTS_CA_BUNDLE": self.fake.ca_path,  # how a user trusts a corporate CA, too
        }
        return subprocess.run(
            [sys.executable, "-m", "crm_accounts", *map(str, args)],
            capture_output=True, text=True, env=env, timeout=600, check=False,
        )  # fmt: skip


@pytest.fixture
def org(tmp_path: Path) -> Iterator[Org]:
    demo = generate_demo(tmp_path / "demo", as_of=date.fromisoformat(AS_OF), accounts=30)
    with FakeSalesforce(profile=PROFILE) as fake:
        load = fake.load(demo.source_dir)
        config = tmp_path / "salesforce.toml"
        config.write_text(CONFIG.format(url=fake.url, roles=_roles()), encoding="utf-8")
        yield Org(fake, load, config, demo.source_dir)


def _plan(org: Org) -> dict[str, Any]:
    run = org.run("plan", "--config", org.config, "--as-of", AS_OF, "--json")
    assert run.returncode == 0, run.stderr
    document: dict[str, Any] = json.loads(run.stdout)
    return document


def test_check_plan_sync_and_an_unchanged_rerun(org: Org) -> None:
    checked = org.run("check", "--config", org.config)
    assert checked.returncode == 0, checked.stdout + checked.stderr

    totals = _plan(org)["sync"]["totals"]
    first = org.run("sync", "--config", org.config, "--as-of", AS_OF)
    writes_before_rerun = org.fake.calls.count(route="/composite/sobjects")
    second = org.run("sync", "--config", org.config, "--as-of", AS_OF)

    assert totals["tasks_to_create"] > 0
    assert first.returncode == 0, first.stderr
    assert f"{totals['tasks_to_create']} to create" in first.stdout
    assert second.returncode == 0, second.stderr
    assert "nothing written" in second.stdout
    assert org.fake.calls.count(route="/composite/sobjects") == writes_before_rerun


def test_injected_faults_are_survived_and_nothing_is_lost(org: Org) -> None:
    accounts = sorted(org.load.accounts.values())
    org.fake.faults.fail_next(2, status=503)
    org.fake.faults.lock_rows({accounts[0]: 2, accounts[1]: 1})

    faulty = org.run("sync", "--config", org.config, "--as-of", AS_OF)
    rerun = org.run("sync", "--config", org.config, "--as-of", AS_OF)

    assert faulty.returncode == 0, faulty.stdout + faulty.stderr
    assert rerun.returncode == 0, rerun.stderr
    assert "nothing written" in rerun.stdout
    keys = [
        t["KAM_Task_Key__c"] for t in org.fake.state.records("Task") if t.get("KAM_Task_Key__c")
    ]
    assert len(keys) == len(set(keys)), "no duplicate task"


def _csv_plan(org: Org, tmp: Path) -> dict[str, Any]:
    config = tmp / "csv.toml"
    source = f'kind = "csv"\npath = "{org.source.as_posix()}"'
    config.write_text(
        CONFIG.split("[salesforce]")[0].replace('kind = "salesforce"', source), encoding="utf-8"
    )
    run = subprocess.run(
        [sys.executable, "-m", "crm_accounts", "plan", "--config", str(config), "--as-of", AS_OF,
         "--json"], capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    document: dict[str, Any] = json.loads(run.stdout)
    return document


def test_the_plan_equals_the_csv_connectors_plan_on_the_same_data(org: Org, tmp_path: Path) -> None:
    salesforce, csv = _plan(org), _csv_plan(org, tmp_path)

    def back(sf_id: str) -> str | None:
        return org.load.source_id(sf_id)

    assert [(back(r["account_id"]), r["segment"]) for r in salesforce["segments"]] == [
        (r["account_id"], r["segment"]) for r in csv["segments"]
    ]
    assert [(r["position"], back(r["account_id"])) for r in salesforce["ratings"]] == [
        (r["position"], r["account_id"]) for r in csv["ratings"]
    ]
    planned = sorted(
        (back(p["account_id"]), back(p["member_id"]), back(p["contact_id"]), p["status"],
         p["planned_date"], p["reason"]) for p in salesforce["plan"]
    )  # fmt: skip
    assert planned == sorted(
        (p["account_id"], p["member_id"], p["contact_id"], p["status"], p["planned_date"],
         p["reason"]) for p in csv["plan"]
    )  # fmt: skip
