"""The HubSpot connector replayed from recorded HTTP (cassettes/hubspot), no server needed.

CI replays only (pytest-recording's default ``--record-mode=none``): any request the connector
makes that the cassette does not hold, in that order and with that body, fails the test. To
re-record (docs/testing.md):

* against the fake portal: ``CRM_ACCOUNTS_RECORD=fake pytest tests/integration/test_hubspot_cassettes.py --record-mode=rewrite``
* against a developer test account (with the demo loaded and ``crm-accounts setup --apply``
  run there): ``CRM_ACCOUNTS_RECORD=sandbox HUBSPOT_ACCESS_TOKEN=... pytest ... --record-mode=rewrite``

The fake's ids are allocated deterministically, so replay derives the same configuration (the
roster names owner and company ids) by loading the demo into an in-memory portal, no server.
Everything secret (the token, portal ids, hosts, e-mail addresses outside ``.example``) is
scrubbed before a cassette is written, and :func:`test_no_cassette_holds_a_secret_looking_value`
guards it.
"""  # noqa: E501

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from crm_accounts.config import HubSpotSection
from crm_accounts.connectors.demo import generate_demo
from crm_accounts.connectors.hubspot import HubSpotConnector, setup_definitions
from crm_accounts.domain import MethodSettings
from crm_accounts.runlog import RunLog
from crm_accounts.sync import SyncOptions, SyncReport, run_sync
from tests.cassettes import Scrubber, assert_no_secrets
from tests.fakes.hubspot import FakeHubSpot, ManualClock, Portal, PropertyDef, load_source
from tests.integration.hubspot_world import section_for

CASSETTES = Path(__file__).resolve().parents[2] / "cassettes" / "hubspot"
AS_OF = date(2026, 11, 27)
NOW = datetime(2026, 11, 27, 6, 0, tzinfo=UTC)
HOST = "http://hubspot.fake"
RECORD = os.environ.get("CRM_ACCOUNTS_RECORD", "")  # "", "fake" or "sandbox"

_LOCAL = re.compile(r"https?://(127\.0\.0\.1|localhost):\d+")
SCRUBBER = Scrubber(
    (
        (_LOCAL, HOST),
        (re.compile(r"https://api\.hubapi\.com"), HOST),
        (re.compile(r"Bearer\s+[A-Za-z0-9._-]+"), "Bearer REDACTED"),
        (re.compile(r"pat-[a-z]{2}\d-[0-9a-f-]{36}"), "REDACTED"),
        (re.compile(r'("(tokenKey|access_token|refresh_token)"\s*:\s*")[^"]*"'), r'\1REDACTED"'),
        (re.compile(r'("(portalId|hubId|hub_id|appId)"\s*:\s*)"?\d+"?'), r"\g<1>0"),
    )
)


@pytest.fixture(scope="module")
def vcr_config() -> dict[str, Any]:
    return SCRUBBER.vcr_config()


@pytest.fixture(scope="module")
def vcr_cassette_dir() -> str:
    return str(CASSETTES)


class _Clock:
    """The connector's clock: moves only when the connector waits; no real sleeping. When
    recording against the fake, it is the fake's clock, so its rate windows roll too."""

    def __init__(self, shared: ManualClock | None = None) -> None:
        self.shared = shared or ManualClock()
        self.waits: list[float] = []

    def __call__(self) -> float:
        return self.shared()

    def sleep(self, seconds: float) -> None:
        self.waits.append(seconds)
        self.shared.advance(seconds)


def _section(host: str, demo: Path) -> HubSpotSection:
    """The demo's configuration; the ids come from loading it into an in-memory portal."""
    return section_for(host, load_source(Portal(ManualClock()), demo), max_attempts=4)


def _prepare(fake: FakeHubSpot, section: HubSpotSection) -> None:
    """The write-back properties, as ``setup --apply`` leaves them (not recorded)."""
    for definition in setup_definitions(section):
        body = definition["body"]
        if (
            definition["kind"] == "property"
            and fake.state.property(definition["object"], body["name"]) is None
        ):
            fake.state.add_property(
                definition["object"],
                PropertyDef(
                    body["name"],
                    body["label"],
                    body["type"],
                    body["fieldType"],
                    body["groupName"],
                ),
            )


@pytest.fixture
def portal(tmp_path: Path) -> Iterator[tuple[HubSpotConnector, FakeHubSpot | None, _Clock]]:
    """In replay: a connector aimed at the scrubbed host. Recording: the fake portal with the
    demo loaded, or a real developer account from HUBSPOT_ACCESS_TOKEN."""
    demo = generate_demo(tmp_path / "demo", as_of=AS_OF, accounts=12).source_dir
    clock = _Clock()
    if RECORD == "fake":
        with FakeHubSpot(clock=clock.shared) as fake:
            fake.load(demo)
            section = _section(fake.url, demo)
            _prepare(fake, section)
            environ = {"HUBSPOT_ACCESS_TOKEN": fake.token}
            yield (
                HubSpotConnector.from_config(section, environ, clock=clock, sleep=clock.sleep),
                fake,
                clock,
            )
        return
    if RECORD == "sandbox":
        section = _section("https://api.hubapi.com", demo)
        yield (
            HubSpotConnector.from_config(section, os.environ, clock=clock, sleep=clock.sleep),
            None,
            clock,
        )
        return
    environ = {"HUBSPOT_ACCESS_TOKEN": "pat-replayed"}
    yield (
        HubSpotConnector.from_config(_section(HOST, demo), environ, clock=clock, sleep=clock.sleep),
        None,
        clock,
    )


def _sync(connector: HubSpotConnector, run_log: Path) -> SyncReport:
    with RunLog.open(run_log) as log:
        return run_sync(
            connector,
            MethodSettings(),
            SyncOptions(),
            AS_OF,
            log,
            config_hash="cassette",
            now=lambda: NOW,
        )


@pytest.mark.vcr
def test_a_sync_and_its_unchanged_rerun_replay_request_for_request(
    portal: tuple[HubSpotConnector, FakeHubSpot | None, _Clock], tmp_path: Path
) -> None:
    connector, _, _ = portal

    first = _sync(connector, tmp_path / "runs.sqlite")
    second = _sync(connector, tmp_path / "runs.sqlite")

    assert first.plan.create
    assert first.plan.field_updates()
    assert not first.applied.failures
    assert second.plan.writes == 0
    assert second.plan.kept_tasks == len(first.plan.create)


@pytest.mark.vcr
def test_a_rate_limit_burst_and_an_outage_are_retried_in_the_recorded_order(
    portal: tuple[HubSpotConnector, FakeHubSpot | None, _Clock],
) -> None:
    connector, fake, clock = portal
    if fake is not None:
        fake.faults.rate_limit_next(1, retry_after=2, route="/crm/v3/objects/companies")
        fake.faults.fail_next(2, status=503, route="/crm/v3/objects/companies")

    accounts = list(connector.accounts())

    assert len(accounts) == 12
    assert connector.calls["list_companies"] == 4
    assert 2.0 in clock.waits


def test_no_cassette_holds_a_secret_looking_value() -> None:
    assert_no_secrets(
        CASSETTES,
        {
            "bearer token": re.compile(r"Bearer\s+(?!REDACTED)[A-Za-z0-9._-]{8,}"),
            "private app token": re.compile(r"pat-[a-z]{2}\d-"),
            "token in JSON": re.compile(
                r'"(tokenKey|access_token|refresh_token)"\s*:\s*"(?!REDACTED)'
            ),
            "portal id": re.compile(r'"(portalId|hubId)"\s*:\s*"?[1-9]'),
            "real host": re.compile(r"api\.hubapi\.com|app\.hubspot\.com"),
            "loopback host": _LOCAL,
        },
    )
