"""The CRM connectors report their reads and writes to the progress port: what is read, the
records so far and the CRM's own total (Salesforce ``totalSize``, HubSpot search ``total``),
against the fake org and portal (tests/fakes/salesforce, tests/fakes/hubspot)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from crm_accounts.connectors.demo import generate_demo
from crm_accounts.connectors.hubspot import HubSpotConnector, apply_definitions, setup_definitions
from crm_accounts.connectors.salesforce import SalesforceConnector
from crm_accounts.domain import MethodSettings, Period
from crm_accounts.progress import ReportsProgress
from crm_accounts.runlog import RunLog
from crm_accounts.sync import SyncOptions, SyncReport, run_sync
from tests.fakes.hubspot import FakeHubSpot, ManualClock, load_profile, shipped_profiles
from tests.fakes.progress import RecordingProgress
from tests.fakes.salesforce import FakeSalesforce, loaded_section
from tests.integration.hubspot_world import section_for

AS_OF = date(2026, 11, 27)


@pytest.fixture
def demo(tmp_path: Path) -> Path:
    return generate_demo(tmp_path / "demo", as_of=AS_OF, accounts=24).source_dir


def _reported_sync(
    connector: SalesforceConnector | HubSpotConnector, run_log: Path
) -> tuple[RecordingProgress, SyncReport]:
    """A first sync with every progress report recorded."""
    progress = RecordingProgress()
    connector.report_progress(progress)
    with RunLog.open(run_log) as log:
        report = run_sync(
            connector, MethodSettings(), SyncOptions(), AS_OF, log, config_hash="x",
            now=lambda: datetime(2026, 11, 27, 6, 0, tzinfo=UTC),
        )  # fmt: skip
    return progress, report


def _every_write_reported(
    progress: RecordingProgress, report: SyncReport, fields: str, create: str
) -> None:
    (created,) = progress.named(create)
    assert created.total == created.done == len(report.plan.create) > 0
    (written,) = progress.named(fields)
    assert written.total == written.done == report.plan.accounts_to_update


# -- Salesforce ------------------------------------------------------------------------------------


@pytest.fixture
def salesforce() -> Iterator[FakeSalesforce]:
    with FakeSalesforce(profile="standard") as fake:
        yield fake


def _salesforce(fake: FakeSalesforce, **overrides: object) -> SalesforceConnector:
    environ = {"SF_CLIENT_ID": fake.oauth.client_id, "SF_CLIENT_SECRET": fake.oauth.client_secret}
    section = loaded_section(fake.url, fake.state.profile, **overrides)
    return SalesforceConnector.from_config(
        section, environ, session=fake.session(), sleep=lambda _: None
    )


@pytest.mark.parametrize("bulk_query_threshold", [10_000, 5], ids=["rest", "bulk"])
def test_salesforce_reads_report_each_query_with_its_total_size(
    salesforce: FakeSalesforce, demo: Path, bulk_query_threshold: int
) -> None:
    loaded = salesforce.load(demo)
    connector = _salesforce(salesforce, bulk_query_threshold=bulk_query_threshold)
    progress = RecordingProgress()
    assert isinstance(connector, ReportsProgress)
    connector.report_progress(progress)

    accounts = list(connector.accounts())
    lines = list(connector.revenue_lines(Period.ending(AS_OF, 12)))

    (read,) = progress.named("reading Account records")
    assert read.total == read.done == len(accounts) == len(loaded.accounts)
    revenue = [c for c in progress.counted if c.what == "reading Opportunity records"]
    assert [(c.done, c.total) for c in revenue] == [(len(lines), len(lines))]
    assert all(c.done == c.total for c in progress.counted), progress.counted


def test_salesforce_task_writes_report_every_record_sent(
    salesforce: FakeSalesforce, demo: Path, tmp_path: Path
) -> None:
    salesforce.load(demo)

    progress, report = _reported_sync(_salesforce(salesforce), tmp_path / "runs.sqlite")

    _every_write_reported(progress, report, "writing Account fields", "creating tasks")


def test_salesforce_bulk_task_writes_report_the_job(
    salesforce: FakeSalesforce, demo: Path, tmp_path: Path
) -> None:
    salesforce.load(demo)
    connector = _salesforce(salesforce, bulk_ingest_threshold=1)

    progress, report = _reported_sync(connector, tmp_path / "runs.sqlite")

    _every_write_reported(
        progress, report, "writing Account fields (Bulk API job)", "creating tasks (Bulk API job)"
    )


# -- HubSpot -------------------------------------------------------------------------------------


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def hubspot(clock: ManualClock) -> Iterator[FakeHubSpot]:
    profile = next(p for p in shipped_profiles() if p.stem == "professional")
    with FakeHubSpot(clock=clock, profile=load_profile(profile)) as portal:
        yield portal


def _hubspot(fake: FakeHubSpot, demo: Path, clock: ManualClock) -> HubSpotConnector:
    loaded = fake.load(demo)
    section = section_for(fake.url, loaded)
    connector = HubSpotConnector.from_config(
        section, {"HUBSPOT_ACCESS_TOKEN": fake.token}, clock=clock, sleep=clock.advance
    )
    apply_definitions(connector, setup_definitions(section))
    return connector


def test_hubspot_reads_report_search_totals_and_list_counts(
    hubspot: FakeHubSpot, demo: Path, clock: ManualClock
) -> None:
    connector = _hubspot(hubspot, demo, clock)
    progress = RecordingProgress()
    connector.report_progress(progress)

    accounts = list(connector.accounts())
    lines = list(connector.revenue_lines(Period.ending(AS_OF, 12)))
    list(connector.activities(date(2025, 11, 27), AS_OF))

    (companies,) = progress.named("reading companies")
    assert (companies.done, companies.total) == (len(accounts), None)  # lists say no total
    (deals,) = progress.named("reading deals")
    assert deals.total == deals.done > 0
    assert lines
    searched = [c for c in progress.counted if c.what != "reading companies"]
    assert {c.what for c in searched} >= {"reading deals", "reading calls", "reading meetings"}
    assert all(c.done == c.total for c in searched), searched


def test_hubspot_task_writes_report_every_record_sent(
    hubspot: FakeHubSpot, demo: Path, clock: ManualClock, tmp_path: Path
) -> None:
    connector = _hubspot(hubspot, demo, clock)

    progress, report = _reported_sync(connector, tmp_path / "runs.sqlite")

    _every_write_reported(progress, report, "writing company fields", "creating tasks")
