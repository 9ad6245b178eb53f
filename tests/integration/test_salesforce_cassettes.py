"""The Salesforce connector replayed from recorded HTTP (cassettes/salesforce), no server needed.

CI replays only (pytest-recording's default ``--record-mode=none``): any request the connector
makes that the cassette does not hold, in that order and with that body, fails the test. To
re-record (docs/testing.md):

* against the fake org: ``CRM_ACCOUNTS_RECORD=fake pytest tests/integration/test_salesforce_cassettes.py --record-mode=rewrite``
* against a Developer Edition org: ``CRM_ACCOUNTS_RECORD=sandbox SF_ACCESS_TOKEN=... SF_INSTANCE_URL=https://<my-domain>.my.salesforce.com pytest ... --record-mode=rewrite``

Everything secret (tokens, session and org ids, hosts, e-mail addresses) is scrubbed before a
cassette is written, and :func:`test_no_cassette_holds_a_secret_looking_value` guards it.
"""  # noqa: E501

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
import requests

from crm_accounts.config import SalesforceSection
from crm_accounts.connectors.demo import generate_demo
from crm_accounts.connectors.salesforce import SalesforceConnector
from crm_accounts.domain import MethodSettings
from crm_accounts.runlog import RunLog
from crm_accounts.sync import SyncOptions, SyncReport, run_sync
from tests.cassettes import Scrubber, assert_no_secrets
from tests.fakes.salesforce import FakeSalesforce

CASSETTES = Path(__file__).resolve().parents[2] / "cassettes" / "salesforce"
AS_OF = date(2026, 11, 27)
NOW = datetime(2026, 11, 27, 6, 0, tzinfo=UTC)
HOST = "https://salesforce.fake"
RECORD = os.environ.get("CRM_ACCOUNTS_RECORD", "")  # "", "fake" or "sandbox"

_LOCAL = re.compile(r"https://(127\.0\.0\.1|localhost):\d+")
_SESSION = re.compile(r"00D[A-Za-z0-9]{12,15}![A-Za-z0-9._]+")
SCRUBBER = Scrubber(
    (
        (_LOCAL, HOST),
        (re.compile(r"https://[A-Za-z0-9.-]+\.(my\.)?salesforce\.com"), HOST),
        (re.compile(r'("(access_token|refresh_token|id_token|signature)"\s*:\s*")[^"]*"'),
         r'\1REDACTED"'),
        (_SESSION, "REDACTED"),
        (re.compile(r"\b00D[A-Za-z0-9]{12}([A-Za-z0-9]{3})?\b"), "00D000000000000AAA"),
    )
)  # fmt: skip


@pytest.fixture(scope="module")
def vcr_config() -> dict[str, Any]:
    return SCRUBBER.vcr_config(
        filter_query_parameters=["access_token"],
        filter_post_data_parameters=["client_secret", "password", "assertion"],
    )


@pytest.fixture(scope="module")
def vcr_cassette_dir() -> str:
    return str(CASSETTES)


def _section(login_url: str) -> SalesforceSection:
    """The default role maps: they keep only the values an org has, so the same section records
    against the fake's standard org and against a real sandbox."""
    return SalesforceSection(
        auth="session",
        login_url=login_url,
        attributes={"strategic_fit": "Strategic_Fit__c", "payment_days": "Payment_Days__c"},
        integration_stage_field="Integration_Stage__c",
        margin_field="Margin__c",
        gatekeeper_field="Gatekeeper__c",
        capacity_field="KAM_Capacity_Per_Week__c",
        pioneer_field="User.KAM_Pioneer__c",
        max_attempts=4,
    )


@pytest.fixture
def org(tmp_path: Path) -> Iterator[tuple[SalesforceConnector, FakeSalesforce | None]]:
    """In replay: a connector aimed at the scrubbed host. Recording: the fake org with the
    demo loaded, or a real org from SF_ACCESS_TOKEN / SF_INSTANCE_URL."""
    waits: list[float] = []
    if RECORD == "fake":
        with FakeSalesforce() as fake:
            fake.load(generate_demo(tmp_path / "demo", as_of=AS_OF, accounts=12).source_dir)
            environ = {"SF_ACCESS_TOKEN": fake.token, "SF_INSTANCE_URL": fake.url}
            yield (
                SalesforceConnector.from_config(
                    _section(fake.url), environ, session=fake.session(), sleep=waits.append
                ),
                fake,
            )
        return
    if RECORD == "sandbox":
        yield SalesforceConnector.from_config(_section(HOST), os.environ, sleep=waits.append), None
        return
    session = requests.Session()
    session.trust_env = False  # replay: no proxy or CA settings from the machine
    environ = {"SF_ACCESS_TOKEN": "replayed", "SF_INSTANCE_URL": HOST}
    yield SalesforceConnector.from_config(_section(HOST), environ, session=session,
                                          sleep=waits.append), None  # fmt: skip


def _sync(connector: SalesforceConnector, run_log: Path) -> SyncReport:
    with RunLog.open(run_log) as log:
        return run_sync(connector, MethodSettings(), SyncOptions(), AS_OF, log,
                        config_hash="cassette", now=lambda: NOW)  # fmt: skip


@pytest.mark.vcr
def test_a_sync_and_its_unchanged_rerun_replay_request_for_request(
    org: tuple[SalesforceConnector, FakeSalesforce | None], tmp_path: Path
) -> None:
    connector, _ = org

    first = _sync(connector, tmp_path / "runs.sqlite")
    second = _sync(connector, tmp_path / "runs.sqlite")

    assert first.plan.create
    assert first.plan.field_updates()
    assert not first.applied.failures
    assert second.plan.writes == 0
    assert second.plan.kept_tasks == len(first.plan.create)


@pytest.mark.vcr
def test_a_server_outage_is_retried_in_the_recorded_order(
    org: tuple[SalesforceConnector, FakeSalesforce | None],
) -> None:
    connector, fake = org
    if fake is not None:
        fake.faults.fail_next(2, status=503, route="/query")

    accounts = list(connector.accounts())

    assert len(accounts) == 12
    assert connector.calls["query"] == 3, "two 503 answers, then the page"


def test_no_cassette_holds_a_secret_looking_value() -> None:
    assert_no_secrets(
        CASSETTES,
        {
            "bearer token": re.compile(r"Bearer\s+(?!REDACTED)[A-Za-z0-9!._-]{8,}"),
            "token in JSON": re.compile(r'"(access_token|refresh_token)"\s*:\s*"(?!REDACTED)'),
            "session id": _SESSION,
            "org id": re.compile(r"\b00D(?!000000000000)[A-Za-z0-9]{12}"),
            "instance host": re.compile(r"[A-Za-z0-9-]+\.(my\.)?salesforce\.com|\.force\.com"),
            "loopback host": _LOCAL,
        },
    )
