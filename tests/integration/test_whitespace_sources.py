"""Whitespace from every connector that supplies products: Salesforce opportunity line items
(``revenue_object = "line_item"``) and HubSpot deal line items (``products_from_line_items``)
give the same rows as the CSV ``product`` column they were loaded from."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path

import pytest

from crm_accounts.connectors.csv import CsvSource
from crm_accounts.connectors.demo import generate_demo
from crm_accounts.connectors.hubspot import HubSpotConnector
from crm_accounts.connectors.salesforce import SalesforceConnector
from crm_accounts.domain import MethodSettings
from crm_accounts.domain.method import MethodResult
from crm_accounts.services import compute
from tests.fakes.hubspot import FakeHubSpot, ManualClock
from tests.fakes.salesforce import FakeSalesforce, loaded_section
from tests.integration.hubspot_world import section_for

AS_OF = date(2026, 11, 27)

Row = tuple[str | None, str, int, int]


@pytest.fixture
def demo(tmp_path: Path) -> Path:
    return generate_demo(tmp_path / "demo", as_of=AS_OF, accounts=24).source_dir


@pytest.fixture
def from_csv(demo: Path) -> list[Row]:
    rows = whitespace(compute(CsvSource(demo), MethodSettings(), AS_OF), lambda i: i)
    assert rows, "the demo data must give whitespace for the comparison to mean anything"
    return rows


def whitespace(result: MethodResult, back: Callable[[str], str | None]) -> list[Row]:
    return [(back(r.account_id), r.product, r.peers_buying, r.peers) for r in result.whitespace]


@pytest.fixture
def fake_salesforce() -> Iterator[FakeSalesforce]:
    with FakeSalesforce() as fake:
        yield fake


def test_salesforce_line_items_give_the_whitespace_of_the_csv_product_column(
    fake_salesforce: FakeSalesforce, demo: Path, from_csv: list[Row]
) -> None:
    loaded = fake_salesforce.load(demo)
    section = loaded_section(
        fake_salesforce.url, fake_salesforce.state.profile, revenue_object="line_item"
    )
    environ = {
        "SF_CLIENT_ID": fake_salesforce.oauth.client_id,
        "SF_CLIENT_SECRET": fake_salesforce.oauth.client_secret,
    }
    connector = SalesforceConnector.from_config(
        section, environ, session=fake_salesforce.session(), sleep=lambda _: None
    )

    result = compute(connector, MethodSettings(), AS_OF)

    assert whitespace(result, loaded.source_id) == from_csv


def test_hubspot_line_items_give_the_whitespace_of_the_csv_product_column(
    demo: Path, from_csv: list[Row]
) -> None:
    clock = ManualClock()
    with FakeHubSpot(clock=clock) as fake:
        loaded = fake.load(demo)
        section = section_for(fake.url, loaded, products_from_line_items=True)
        connector = HubSpotConnector.from_config(
            section,
            {"HUBSPOT_ACCESS_TOKEN": fake.token},
            clock=clock,
            sleep=clock.advance,
        )

        result = compute(connector, MethodSettings(), AS_OF)

    assert whitespace(result, loaded.source_id) == from_csv
