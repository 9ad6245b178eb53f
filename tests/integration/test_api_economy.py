"""Call economy and concurrency of the connectors against the fakes, and the fakes' latency and
limits. Counts and the fakes' manual clock only: no assertion on wall-clock time."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from benchmarks.minimum import (
    HubSpotRecorder,
    SalesforceRecorder,
    hubspot_minimum,
    salesforce_group,
    salesforce_minimum,
)
from crm_accounts.config import SalesforceSection
from crm_accounts.connectors.demo import generate_demo
from crm_accounts.connectors.hubspot import (
    HubSpotConnector,
    apply_definitions,
    setup_definitions,
)
from crm_accounts.connectors.hubspot.limits import RateLimiter
from crm_accounts.connectors.salesforce import SalesforceConnector
from crm_accounts.domain import MethodSettings
from crm_accounts.ports import FieldUpdate, TaskDraft
from crm_accounts.runlog import RunLog
from crm_accounts.sync import SyncOptions, SyncReport, run_sync
from tests.fakes.hubspot import FakeHubSpot, ManualClock
from tests.fakes.hubspot import LoadResult as HubSpotLoad
from tests.fakes.salesforce import FakeSalesforce
from tests.fakes.salesforce.loader import LoadResult as SalesforceLoad
from tests.fakes.salesforce.loader import section_roles
from tests.integration.hubspot_world import section_for

AS_OF = date(2026, 11, 27)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("economy") / "demo"
    return generate_demo(folder, as_of=AS_OF, accounts=300).source_dir


def _sync(connector: Any, run_log: Path, minute: int) -> SyncReport:
    with RunLog.open(run_log) as log:
        return run_sync(
            connector, MethodSettings(), SyncOptions(), AS_OF, log, config_hash="x",
            now=lambda: datetime(2026, 11, 27, 6, minute, tzinfo=UTC),
        )  # fmt: skip


class Waits:
    """The connector's sleep on the fake's manual clock (thread-safe: the clock is)."""

    def __init__(self, clock: ManualClock) -> None:
        self.clock = clock

    def __call__(self, seconds: float) -> None:
        self.clock.advance(seconds)


# -- the fakes: latency, limits, single-record routes ---------------------------------------------


def test_every_request_to_either_fake_waits_the_injected_latency_first() -> None:
    waited: list[float] = []
    with FakeHubSpot(clock=ManualClock(), latency=0.05, sleep=waited.append) as hubspot:
        session = hubspot.session()
        for _ in range(3):
            session.get(f"{hubspot.url}/crm/v3/owners", headers=hubspot.headers())
        assert waited == [0.05] * 3
    waited.clear()
    with FakeSalesforce(latency=0.02, sleep=waited.append) as salesforce:
        session = salesforce.session()
        session.get(f"{salesforce.api_base}/limits", headers=salesforce.headers())
        session.get(f"{salesforce.api_base}/query", params={"q": "SELECT Id FROM Account"},
                    headers=salesforce.headers())  # fmt: skip
        assert waited == [0.02, 0.02]
        assert salesforce.calls.total == 2


def test_the_fake_hubspot_window_rolls_over_the_last_ten_seconds() -> None:
    clock = ManualClock()
    with FakeHubSpot(clock=clock, tier=100) as fake:
        fake.state.limits.per_second = 1000  # the 10-second window alone
        session = fake.session()
        url = f"{fake.url}/crm/v3/owners"

        def burst(count: int) -> list[int]:
            return [session.get(url, headers=fake.headers()).status_code for _ in range(count)]

        assert burst(60) == [200] * 60
        clock.advance(6)
        assert burst(41) == [200] * 40 + [429]
        clock.advance(3.9)  # the first 60 are 9.9 s old: still in the window
        refused = session.get(url, headers=fake.headers())
        assert refused.status_code == 429
        assert refused.json()["policyName"] == "TEN_SECONDLY_ROLLING"
        clock.advance(0.2)  # now they are out, the later 40 are not
        assert burst(61) == [200] * 60 + [429]


def test_single_record_creates_and_updates_work_on_both_fakes(demo: Path) -> None:
    with FakeHubSpot(clock=ManualClock()) as fake:
        load = fake.load(demo)
        fake.state.limits.enforce = False
        client = fake.client()
        company = sorted(load.companies.values())[0]
        from hubspot.crm.companies import SimplePublicObjectInput

        client.crm.companies.basic_api.update(company, SimplePublicObjectInput({"name": "Renamed"}))
        assert (fake.state.get("companies", company) or {})["name"] == "Renamed"
        from hubspot.crm.objects.tasks import SimplePublicObjectInputForCreate

        created = client.crm.objects.tasks.basic_api.create(
            SimplePublicObjectInputForCreate(
                properties={"hs_task_subject": "Call", "hs_timestamp": "2026-12-01T00:00:00Z"}
            )
        )
        assert (fake.state.get("tasks", created.id) or {})["hs_task_subject"] == "Call"
        assert fake.calls[("PATCH", "/crm/v3/objects/companies/{id}")] == 1
    with FakeSalesforce() as salesforce:
        sf_load = salesforce.load(demo)
        sf = salesforce.client()
        account = sorted(sf_load.accounts.values())[0]
        sf.Account.update(account, {"KAM_Segment__c": "A"})
        assert sf.Account.get(account)["KAM_Segment__c"] == "A"
        task = sf.Task.create({"Subject": "Call", "WhatId": account})
        assert (salesforce.state.get(task["id"]) or {})["Subject"] == "Call"
        assert salesforce.calls[("PATCH", "/sobjects/<object>/<id>")] == 1


@pytest.mark.parametrize(
    ("section", "value"), [("salesforce", 0), ("salesforce", 6), ("hubspot", 0), ("hubspot", 11)]
)
def test_max_workers_outside_its_range_is_a_config_error(section: str, value: int) -> None:
    from pydantic import ValidationError

    from crm_accounts.config import HubSpotSection

    kind = SalesforceSection if section == "salesforce" else HubSpotSection
    with pytest.raises(ValidationError, match="max_workers"):
        kind(max_workers=value)


# -- the limiter under threads --------------------------------------------------------------------


def test_the_rate_limiter_never_lets_parallel_threads_exceed_its_window() -> None:
    clock = ManualClock(0.0)
    limiter = RateLimiter(100, 4, clock, clock.advance)
    sent: list[float] = []
    lock = threading.Lock()

    def worker() -> None:
        for _ in range(60):
            limiter.acquire()
            with lock:
                sent.append(clock())

    threads = [threading.Thread(target=worker) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    sent.sort()
    assert len(sent) == 360
    busiest = max(sum(1 for t in sent if start <= t < start + 10) for start in sent)
    assert busiest <= 90


# -- HubSpot: concurrent sync, minimum calls, per-record outcomes ----------------------------------


@pytest.fixture
def portal(demo: Path) -> Iterator[tuple[FakeHubSpot, HubSpotLoad, ManualClock]]:
    clock = ManualClock()
    with FakeHubSpot(clock=clock, tier=100) as fake:
        yield fake, fake.load(demo), clock


def _hubspot(fake: FakeHubSpot, load: HubSpotLoad, clock: ManualClock, **overrides: Any) -> Any:
    section = section_for(fake.url, load, **overrides)
    connector = HubSpotConnector.from_config(
        section, {"HUBSPOT_ACCESS_TOKEN": fake.token}, clock=clock, sleep=Waits(clock)
    )
    return connector


def test_a_concurrent_hubspot_sync_meets_no_429_and_makes_the_minimum_calls(
    portal: tuple[FakeHubSpot, HubSpotLoad, ManualClock], tmp_path: Path
) -> None:
    fake, load, clock = portal
    setup = _hubspot(fake, load, clock)
    apply_definitions(setup, setup_definitions(setup.section))
    connector = _hubspot(fake, load, clock, max_workers=4)
    recorder = HubSpotRecorder(connector)
    first = _sync(connector, tmp_path / "runs.sqlite", 0)
    minimum = hubspot_minimum(recorder, first.plan)
    assert not first.applied.failures
    assert dict(connector.calls) == minimum  # every kind at its documented minimum
    rerun = _hubspot(fake, load, clock, max_workers=4)
    second = _sync(rerun, tmp_path / "runs.sqlite", 1)
    assert second.applied.outcomes == ()
    assert not any(k.endswith(("_update", "_create")) for k in rerun.calls)
    assert Counter(status for _, _, status in fake.calls.log)[429] == 0


def test_parallel_hubspot_batches_report_each_record_in_input_order(
    portal: tuple[FakeHubSpot, HubSpotLoad, ManualClock],
) -> None:
    fake, load, clock = portal
    connector = _hubspot(fake, load, clock, max_workers=4)
    apply_definitions(connector, setup_definitions(connector.section))
    companies = sorted(load.companies.values())
    owner, contact = sorted(load.owners.values())[0], sorted(load.contacts.values())[0]
    drafts = [
        TaskDraft(f"key-{n:03}", companies[n % len(companies)], owner, contact,
                  date(2026, 12, 1), "Meet", "why")
        for n in range(250)
    ]  # fmt: skip
    fake.faults.reject_ids({"key-137": "Property values were not valid"})
    results = connector.create_tasks(drafts)
    assert [r.ref for r in results] == [d.key for d in drafts]
    assert [r.ref for r in results if not r.ok] == ["key-137"]
    assert fake.calls[("POST", "/crm/v3/objects/tasks/batch/create")] == 3
    updates = [FieldUpdate(c, {"segment": "A"}) for c in companies]
    written = connector.write_fields(updates)
    assert [r.ref for r in written] == companies
    assert all(r.ok for r in written)


# -- Salesforce: minimum calls, parallel collections ----------------------------------------------


@pytest.fixture
def org(demo: Path) -> Iterator[tuple[FakeSalesforce, SalesforceLoad]]:
    with FakeSalesforce() as fake:
        yield fake, fake.load(demo)


def _salesforce(fake: FakeSalesforce, **overrides: Any) -> SalesforceConnector:
    section = SalesforceSection(
        auth="client_credentials",
        login_url=fake.url,
        attributes={"strategic_fit": "Strategic_Fit__c", "payment_days": "Payment_Days__c"},
        integration_stage_field="Integration_Stage__c",
        margin_field="Margin__c",
        gatekeeper_field="Gatekeeper__c",
        capacity_field="KAM_Capacity_Per_Week__c",
        pioneer_field="User.KAM_Pioneer__c",
        **section_roles(fake.state.profile),
        **overrides,
    )
    environ = {"SF_CLIENT_ID": fake.oauth.client_id, "SF_CLIENT_SECRET": fake.oauth.client_secret}
    return SalesforceConnector.from_config(
        section, environ, session=fake.session(), sleep=lambda _: None
    )


def test_a_salesforce_sync_makes_the_minimum_calls_and_a_rerun_writes_nothing(
    org: tuple[FakeSalesforce, SalesforceLoad], tmp_path: Path
) -> None:
    fake, _ = org
    connector = _salesforce(fake, max_workers=4)
    recorder = SalesforceRecorder(connector)
    first = _sync(connector, tmp_path / "runs.sqlite", 0)
    groups: Counter[str] = Counter()
    for (_, route), n in fake.calls.snapshot().items():
        groups[salesforce_group(route)] += n
    assert dict(groups) == salesforce_minimum(recorder, first.plan)
    fake.calls.reset()
    rerun = _salesforce(fake, max_workers=4)
    second = _sync(rerun, tmp_path / "runs.sqlite", 1)
    assert second.applied.outcomes == ()
    assert fake.calls.count(route="/composite/sobjects") == 0


def test_parallel_salesforce_collections_report_each_record_in_input_order(
    org: tuple[FakeSalesforce, SalesforceLoad],
) -> None:
    fake, load = org
    connector = _salesforce(fake, max_workers=4)
    accounts = sorted(load.accounts.values())
    contact, user = sorted(load.contacts.values())[0], sorted(load.users.values())[0]
    drafts = [
        TaskDraft(f"key-{n:03}", accounts[n % len(accounts)], user, contact,
                  date(2026, 12, 1), "Meet", "why")
        for n in range(700)
    ]  # fmt: skip
    fake.faults.fail_next(1, status=500, route="/composite/sobjects", method="POST")
    results = connector.create_tasks(drafts)
    assert [r.ref for r in results] == [d.key for d in drafts]
    failed = [n for n, r in enumerate(results) if not r.ok]
    # Whichever collection the org saw first failed; it may have reached the org: not resent.
    start = failed[0]
    assert start % 200 == 0
    assert failed == list(range(start, min(start + 200, len(drafts))))
    assert all("outcome unknown" in (results[n].error or "") for n in failed)
    assert fake.calls[("POST", "/composite/sobjects")] == 4
    locked = accounts[:3]
    fake.faults.lock_rows({locked[1]: 1})
    written = connector.write_fields([FieldUpdate(a, {"segment": "B"}) for a in accounts])
    assert [r.ref for r in written] == accounts
    assert all(r.ok for r in written)  # the locked row was sent again and went through
    assert (fake.state.get(locked[1]) or {})["KAM_Segment__c"] == "B"
