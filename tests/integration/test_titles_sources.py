"""Job titles, the input of role suggestions, read by every connector: Salesforce ``Contact.Title``
and HubSpot ``jobtitle`` give the titles of the CSV ``title`` column they were loaded from, and
so the same suggestions for contacts without a role."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from crm_accounts.connectors.csv import CsvSource
from crm_accounts.connectors.demo import generate_demo
from crm_accounts.connectors.hubspot import HubSpotConnector
from crm_accounts.connectors.salesforce import SalesforceConnector
from tests.fakes.hubspot import FakeHubSpot, ManualClock
from tests.fakes.salesforce import FakeSalesforce, loaded_section
from tests.integration.hubspot_world import section_for

AS_OF = date(2026, 11, 27)


@pytest.fixture
def demo(tmp_path: Path) -> Path:
    return generate_demo(tmp_path / "demo", as_of=AS_OF, accounts=24).source_dir


@pytest.fixture
def csv_titles(demo: Path) -> dict[str | None, str | None]:
    titles = {c.id: c.title for c in CsvSource(demo).contacts() or []}
    assert any(titles.values()), "the demo contacts must have titles for this to mean anything"
    return dict(titles)


def test_salesforce_reads_contact_titles(
    demo: Path, csv_titles: dict[str | None, str | None]
) -> None:
    with FakeSalesforce() as fake:
        loaded = fake.load(demo)
        environ = {
            "SF_CLIENT_ID": fake.oauth.client_id,
            "SF_CLIENT_SECRET": fake.oauth.client_secret,
        }
        connector = SalesforceConnector.from_config(
            loaded_section(fake.url, fake.state.profile), environ, session=fake.session(),
            sleep=lambda _: None,
        )  # fmt: skip
        titles = {loaded.source_id(c.id): c.title for c in connector.contacts() or []}
        connector.close()

    assert titles == csv_titles


def test_hubspot_reads_contact_job_titles(
    demo: Path, csv_titles: dict[str | None, str | None]
) -> None:
    clock = ManualClock()
    with FakeHubSpot(clock=clock) as fake:
        loaded = fake.load(demo)
        connector = HubSpotConnector.from_config(
            section_for(fake.url, loaded), {"HUBSPOT_ACCESS_TOKEN": fake.token}, clock=clock,
            sleep=clock.advance,
        )  # fmt: skip
        titles = {loaded.source_id(c.id): c.title for c in connector.contacts() or []}

    assert titles == csv_titles
