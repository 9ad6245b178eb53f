"""The Salesforce connector against the stateful fake org (tests/fakes/salesforce), over TLS,
in every shipped org profile (a standard org, a customised Dutch org, an org without
AccountContactRelation, a multi-currency org with person accounts)."""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from crm_accounts.config import DEFAULT_SF_TARGET_FIELDS, SalesforceSection
from crm_accounts.connectors.csv import CsvSource
from crm_accounts.connectors.demo.generator import generate_demo
from crm_accounts.connectors.salesforce import (
    SalesforceConnector,
    apply_definitions,
    check,
    setup_definitions,
)
from crm_accounts.connectors.salesforce.permissions import PERMISSION_SET
from crm_accounts.domain import MethodSettings, Period
from crm_accounts.domain.model import DmuRole, PsuRole
from crm_accounts.errors import FatalConnectorError
from crm_accounts.ports import FieldUpdate, TaskClose, TaskDraft, TaskUpdate
from crm_accounts.runlog import RunLog
from crm_accounts.services import compute
from crm_accounts.sync.plan import SyncOptions
from crm_accounts.sync.service import run_sync
from tests.fakes.salesforce import FakeSalesforce, loaded_section
from tests.fakes.salesforce.loader import LoadResult
from tests.fakes.salesforce.profiles import PROFILES

AS_OF = date(2026, 11, 27)
COMPOSITE = ("PATCH", "/composite/sobjects")


class Sleeps:
    """The injected sleep: records every wait, waits for nothing."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


def _section(fake: FakeSalesforce, **overrides: Any) -> SalesforceSection:
    return loaded_section(fake.url, fake.state.profile, **{"max_attempts": 4, **overrides})


def _connect(fake: FakeSalesforce, **overrides: Any) -> tuple[SalesforceConnector, Sleeps]:
    sleeps = Sleeps()
    environ = {"SF_CLIENT_ID": fake.oauth.client_id, "SF_CLIENT_SECRET": fake.oauth.client_secret}
    connector = SalesforceConnector.from_config(
        _section(fake, **overrides), environ, session=fake.session(), sleep=sleeps
    )
    return connector, sleeps


@pytest.fixture(params=sorted(PROFILES))
def fake_salesforce(request: pytest.FixtureRequest) -> Iterator[FakeSalesforce]:
    """An empty fake org of each shipped profile on loopback (TLS), stopped after the test."""
    with FakeSalesforce(profile=request.param) as fake:
        yield fake


@pytest.fixture
def demo(tmp_path: Path) -> Path:
    return generate_demo(tmp_path / "demo", as_of=AS_OF, accounts=24).source_dir


@pytest.fixture
def loaded(fake_salesforce: FakeSalesforce, demo: Path) -> LoadResult:
    return fake_salesforce.load(demo)


def _source_ids(load: LoadResult, ids: dict[str, Any]) -> dict[str | None, Any]:
    return {load.source_id(k): v for k, v in ids.items()}


def test_the_demo_reads_back_as_the_csv_source_gives_it(
    fake_salesforce: FakeSalesforce, demo: Path, loaded: LoadResult
) -> None:
    connector, _ = _connect(fake_salesforce)
    csv_source = CsvSource(demo)
    period = Period.ending(AS_OF, 12)
    accounts = {r.account.id: r.account for r in connector.accounts()}
    expected = {r.account.id: r.account for r in csv_source.accounts()}
    assert len(accounts) == len(expected) == len(loaded.accounts)
    for sf_id, account in accounts.items():
        source = expected[loaded.source_id(sf_id) or ""]
        assert (account.name, account.integration_stage) == (source.name,
                                                              source.integration_stage)  # fmt: skip
    revenue: Counter[str | None] = Counter()
    for line in connector.revenue_lines(period):
        revenue[loaded.source_id(line.account_id)] += line.amount
    wanted: Counter[str | None] = Counter()
    for line in csv_source.revenue_lines(period):
        if line.date in period:
            wanted[line.account_id] += line.amount
    assert revenue == wanted
    profile = fake_salesforce.state.profile
    dmu = {DmuRole(r) for r in profile.dmu_values()}
    psu = {PsuRole(r) for r in profile.psu_values()}
    contacts = {(loaded.source_id(c.id), c.dmu_roles, c.gatekeeper) for c in connector.contacts()}
    assert contacts == {
        (c.id, c.dmu_roles & dmu, c.gatekeeper) for c in csv_source.contacts() or []
    }  # roles the org has no picklist value for cannot be stored: they are not loaded
    members = {loaded.source_id(m.id): (m.name, m.capacity_per_week) for m in connector.members()}
    every = {m.id: (m.name, m.capacity_per_week) for m in csv_source.members()}
    storable = {t.member_id for t in csv_source.team() or [] if t.psu_roles & psu}
    assert members == {m: v for m, v in every.items() if m in storable}
    team = {(loaded.source_id(t.account_id), loaded.source_id(t.member_id), t.psu_roles)
            for t in connector.team() or []}  # fmt: skip
    stored = {(t.account_id, t.member_id, t.psu_roles & psu) for t in csv_source.team() or []}
    assert {place for place in team if place[2] - {PsuRole.ACCOUNT_MANAGER}} == {
        place for place in stored if place[2] - {PsuRole.ACCOUNT_MANAGER}
    }
    since = date(2025, 11, 27)
    moments = {(loaded.source_id(a.member_id), loaded.source_id(a.contact_id), a.date, a.completed)
               for a in connector.activities(since, AS_OF)}  # fmt: skip
    assert moments == {(a.member_id, a.contact_id, a.date, a.completed)
                       for a in csv_source.activities(since, AS_OF)
                       if since < a.date <= AS_OF}  # fmt: skip
    assert list(connector.open_tasks()) == []
    connector.close()


def test_the_method_gives_the_same_segments_and_ranking_as_on_the_csv_source(
    fake_salesforce: FakeSalesforce, demo: Path, loaded: LoadResult
) -> None:
    connector, _ = _connect(fake_salesforce)
    settings = MethodSettings()
    ours = compute(connector, settings, AS_OF)
    theirs = compute(CsvSource(demo), settings, AS_OF)
    assert _source_ids(loaded, dict(ours.segments)) == dict(theirs.segments)
    positions = ours.rating.position_of()
    assert _source_ids(loaded, positions) == theirs.rating.position_of()
    calls = connector.calls
    # one query per collection (accounts, revenue, contacts, team, users, tasks, events, open
    # tasks), the org's task statuses and the shared-activity relations (TaskRelation, refused
    # where Shared Activities is off; then EventRelation), none per account; activities with
    # queryAll
    relations = 2 if fake_salesforce.state.profile.shared_activities else 1
    assert calls["query"] == 9 + relations
    assert fake_salesforce.calls.count(route="/query") == 7 + relations
    assert fake_salesforce.calls.count(route="/queryAll") == 2


def test_large_results_are_read_page_by_page_with_query_more(
    fake_salesforce: FakeSalesforce, loaded: LoadResult
) -> None:
    connector, _ = _connect(fake_salesforce)
    connector.source.batch_size = 200
    lines = list(connector.revenue_lines(Period.ending(AS_OF, 24)))
    assert len(lines) > 400
    assert connector.calls["query_more"] == (len(lines) - 1) // 200
    assert fake_salesforce.calls.count(route="/query/<locator>") == connector.calls["query_more"]


def test_a_burst_of_503_is_retried_with_logged_waits(
    fake_salesforce: FakeSalesforce, loaded: LoadResult, caplog: pytest.LogCaptureFixture
) -> None:
    connector, sleeps = _connect(fake_salesforce)
    fake_salesforce.faults.fail_next(3, status=503, route="/query")
    with caplog.at_level(logging.WARNING, logger="crm_accounts"):
        assert len(list(connector.accounts())) == len(loaded.accounts)
    assert len(sleeps.waits) == 3
    assert connector.calls["query"] == 4
    assert sum("retrying in" in r.getMessage() for r in caplog.records) == 3


def test_an_expired_session_logs_in_again_once(
    fake_salesforce: FakeSalesforce, loaded: LoadResult
) -> None:
    connector, _ = _connect(fake_salesforce)
    list(connector.accounts())
    fake_salesforce.faults.expire_tokens()
    assert len(list(connector.members())) > 0
    assert connector.calls["token"] == 2
    fake_salesforce.faults.expire_next(2, route="/query")
    with pytest.raises(FatalConnectorError, match="after logging in again"):
        list(connector.contacts())


def test_the_jwt_bearer_flow_logs_in_with_a_signed_assertion(
    fake_salesforce: FakeSalesforce, loaded: LoadResult
) -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    fake_salesforce.oauth.public_key = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()  # fmt: skip
    environ = {"SF_CLIENT_ID": fake_salesforce.oauth.client_id,
               "SF_USERNAME": fake_salesforce.oauth.username, "SF_PRIVATE_KEY": pem}  # fmt: skip
    # The fake serves on 127.0.0.1: the audience a sandbox or production login host gives is
    # pinned, as for an org whose login URL is a custom My Domain.
    audience = fake_salesforce.state.profile.login_host()
    connector = SalesforceConnector.from_config(
        _section(fake_salesforce, auth="jwt", jwt_audience=audience), environ,
        session=fake_salesforce.session(),
    )  # fmt: skip
    assert len(list(connector.accounts())) == len(loaded.accounts)
    wrong = "https://login.salesforce.com" if "test" in audience else "https://test.salesforce.com"
    refused = SalesforceConnector.from_config(
        _section(fake_salesforce, auth="jwt", jwt_audience=wrong), environ,
        session=fake_salesforce.session(),
    )  # fmt: skip
    with pytest.raises(FatalConnectorError, match="audience is invalid"):
        list(refused.accounts())


def test_refused_credentials_stop_the_run_without_retrying(
    fake_salesforce: FakeSalesforce,
) -> None:
    environ = {"SF_CLIENT_ID": fake_salesforce.oauth.client_id, "SF_CLIENT_SECRET": "wrong-one"}
    connector = SalesforceConnector.from_config(
        _section(fake_salesforce), environ, session=fake_salesforce.session(), sleep=Sleeps()
    )
    with pytest.raises(FatalConnectorError, match="refused the client_credentials"):
        list(connector.accounts())
    assert connector.calls["token"] == 1


def test_written_fields_are_read_back_and_a_locked_row_is_resent_alone(
    fake_salesforce: FakeSalesforce, loaded: LoadResult
) -> None:
    connector, sleeps = _connect(fake_salesforce)
    ids = sorted(loaded.accounts.values())[:3]
    fake_salesforce.faults.lock_rows({ids[1]: 2})
    results = connector.write_fields(
        [FieldUpdate(i, {"segment": "A", "revenue": "1200.50", "open_gaps": "2"}) for i in ids]
    )
    assert [r.ok for r in results] == [True, True, True]
    assert fake_salesforce.calls[COMPOSITE] == 3  # the chunk, then the locked row twice
    assert len(sleeps.waits) == 2
    stored = fake_salesforce.state.get(ids[1]) or {}
    assert (stored["KAM_Segment__c"], stored["KAM_Revenue__c"]) == ("A", Decimal("1200.50"))
    targets = {r.account.id: dict(r.targets) for r in connector.accounts()}
    assert targets[ids[0]] == {"segment": "A", "revenue": "1200.5", "open_gaps": "2.0"}
    [cleared, refused] = connector.write_fields(
        [FieldUpdate(ids[0], {"open_gaps": None}), FieldUpdate(ids[2], {"revenue": "a lot"})]
    )
    assert cleared.ok
    assert not refused.ok
    assert "not a number" in (refused.error or "")
    assert "open_gaps" not in {r.account.id: r.targets for r in connector.accounts()}[ids[0]]


def test_a_row_locked_longer_than_the_attempts_is_reported_failed(
    fake_salesforce: FakeSalesforce, loaded: LoadResult
) -> None:
    connector, sleeps = _connect(fake_salesforce, max_attempts=2)
    account = sorted(loaded.accounts.values())[0]
    fake_salesforce.faults.lock_rows({account: 5})
    [result] = connector.write_fields([FieldUpdate(account, {"segment": "B"})])
    assert not result.ok
    assert "UNABLE_TO_LOCK_ROW" in (result.error or "")
    assert len(sleeps.waits) == 1


def _draft(load: LoadResult, key: str, n: int = 0) -> TaskDraft:
    account = sorted(load.accounts)[n]
    contact = next(c for c, sf in sorted(load.contacts.items()))
    member = sorted(load.users)[0]
    return TaskDraft(key, load.accounts[account], load.users[member], load.contacts[contact],
                     date(2026, 12, 1), "Meet", 'why: "never"\nline two')  # fmt: skip


@pytest.mark.parametrize("key_field", ["KAM_Task_Key__c", None])
def test_tasks_are_created_found_by_key_rescheduled_and_closed(
    fake_salesforce: FakeSalesforce, loaded: LoadResult, key_field: str | None
) -> None:
    connector, _ = _connect(fake_salesforce, task_key_field=key_field)
    created = connector.create_tasks([_draft(loaded, "k1"), _draft(loaded, "k2", 1)])
    assert all(r.ok for r in created)
    [task_id, other] = [r.crm_id or "" for r in created]
    open_tasks = {t.key: t for t in connector.open_tasks()}
    assert set(open_tasks) == {"k1", "k2"}
    assert open_tasks["k1"].description == 'why: "never"\nline two'
    assert open_tasks["k1"].id == task_id
    [moved] = connector.update_tasks([TaskUpdate(task_id, "k1", date(2027, 1, 4), "Meet", "later")])
    assert moved.ok
    [closed, foreign] = connector.close_tasks(
        [TaskClose(other, "k2", "Deferred"), TaskClose(loaded.accounts[sorted(loaded.accounts)[0]],
                                                       "k9", "Deferred")]
    )  # fmt: skip
    assert closed.ok
    assert not foreign.ok
    [again] = connector.close_tasks([TaskClose(other, "k2", "Deferred")])
    assert not again.ok
    fresh, _ = _connect(fake_salesforce, task_key_field=key_field)
    [task] = fresh.open_tasks()
    assert (task.key, task.due_date, task.description) == ("k1", date(2027, 1, 4), "later")
    stored = fake_salesforce.state.get(other) or {}
    closing = next(t.value for t in fake_salesforce.state.profile.task_statuses if t.closed)
    assert stored["Status"] == closing  # the org's own closed status, not an assumed one
    assert stored["IsClosed"] is True
    value = stored["KAM_Task_Key__c"] if key_field else str(stored["Description"])
    assert f"k2.closed.{other}" in str(value)  # retired: never read back as open or as contact


def test_a_create_that_may_have_reached_the_server_is_not_sent_twice(
    fake_salesforce: FakeSalesforce, loaded: LoadResult
) -> None:
    connector, _ = _connect(fake_salesforce)
    fake_salesforce.faults.fail_next(1, status=500, route="/composite/sobjects", method="POST")
    [result] = connector.create_tasks([_draft(loaded, "k1")])
    assert not result.ok
    assert "outcome unknown" in (result.error or "")
    assert fake_salesforce.calls[("POST", "/composite/sobjects")] == 1
    fake_salesforce.faults.fail_next(1, status=503, route="/composite/sobjects", method="POST")
    [retried] = connector.create_tasks([_draft(loaded, "k2")])
    assert retried.ok


def test_the_bulk_api_is_used_above_the_thresholds(
    fake_salesforce: FakeSalesforce, loaded: LoadResult
) -> None:
    rest, _ = _connect(fake_salesforce)
    expected = sorted((r.account.id, r.account.name) for r in rest.accounts())
    lines = sorted(rest.revenue_lines(Period.ending(AS_OF, 12)))
    connector, _ = _connect(fake_salesforce, bulk_query_threshold=1, bulk_ingest_threshold=1)
    connector.source.batch_size = 200  # accounts fit one page (read as is), revenue does not
    assert sorted((r.account.id, r.account.name) for r in connector.accounts()) == expected
    assert connector.calls["bulk_query_create"] == 0
    assert sorted(connector.revenue_lines(Period.ending(AS_OF, 12))) == lines
    assert len(lines) > 200
    assert connector.calls["bulk_query_create"] == 1
    assert fake_salesforce.calls.count(route="/jobs/query/<id>/results") >= 1
    ids = [account_id for account_id, _ in expected[:3]]
    results = connector.write_fields(
        [FieldUpdate(ids[0], {"segment": "A", "revenue": "10"}),
         FieldUpdate(ids[1], {"segment": 'B,"b"\nx'}), FieldUpdate(ids[2], {"segment": None})]
    )  # fmt: skip
    assert [r.ok for r in results] == [True, True, True]
    assert connector.calls["bulk_ingest_create"] == 1
    stored = fake_salesforce.state.get(ids[1]) or {}
    assert stored["KAM_Segment__c"] == 'B,"b"\nx'
    created = connector.create_tasks([_draft(loaded, "k1"), _draft(loaded, "k2", 1)])
    assert all(r.ok for r in created)
    assert {t.key for t in connector.open_tasks()} == {"k1", "k2"}
    closes = [TaskClose(r.crm_id or "", r.ref, "Deferred") for r in created]
    assert all(r.ok for r in connector.close_tasks(closes))
    assert list(connector.open_tasks()) == []


def test_the_daily_allowance_stops_the_run_with_a_clear_message_and_nothing_written(
    fake_salesforce: FakeSalesforce, loaded: LoadResult, tmp_path: Path
) -> None:
    connector, sleeps = _connect(fake_salesforce)
    fake_salesforce.state.set_daily_limit(max=5000, used=5000)
    with (
        RunLog.open(tmp_path / "runs.sqlite") as run_log,
        pytest.raises(FatalConnectorError) as caught,
    ):
        run_sync(connector, MethodSettings(), SyncOptions(), AS_OF, run_log, config_hash="x",
                 now=lambda: datetime(2026, 11, 27, 9, tzinfo=UTC))  # fmt: skip
    assert "daily API request allowance exhausted" in str(caught.value)
    assert sleeps.waits == []
    assert fake_salesforce.calls.count(route="/composite/sobjects") == 0


def test_preflight_refuses_writes_that_would_eat_into_the_reserve(
    fake_salesforce: FakeSalesforce, loaded: LoadResult
) -> None:
    connector, _ = _connect(fake_salesforce, api_reserve=100)
    fake_salesforce.state.set_daily_limit(max=1000, used=890)
    connector.preflight({"fields": 200})  # a /limits call; a describe and a collection needed
    assert connector.calls["limits"] == 1
    with pytest.raises(FatalConnectorError, match="nothing was written"):
        connector.preflight({"fields": 4000, "create": 2000})
    assert fake_salesforce.calls.count(route="/composite/sobjects") == 0


def test_a_second_sync_of_the_demo_writes_nothing(
    fake_salesforce: FakeSalesforce, loaded: LoadResult, tmp_path: Path
) -> None:
    moments = iter(datetime(2026, 11, 27, 9, n, tzinfo=UTC) for n in range(10))
    with RunLog.open(tmp_path / "runs.sqlite") as run_log:
        connector, _ = _connect(fake_salesforce)
        first = run_sync(connector, MethodSettings(), SyncOptions(), AS_OF, run_log,
                         config_hash="x", now=lambda: next(moments))  # fmt: skip
        assert first.applied.outcomes
        assert not first.applied.failures
        writes = connector.calls
        connector, _ = _connect(fake_salesforce)
        second = run_sync(connector, MethodSettings(), SyncOptions(), AS_OF, run_log,
                          config_hash="x", now=lambda: next(moments))  # fmt: skip
    assert second.applied.outcomes == ()
    assert connector.calls["composite_update"] + connector.calls["composite_create"] == 0
    assert writes["composite_create"] >= 1


def test_check_finds_the_org_ready_and_names_typos_with_a_suggestion(
    fake_salesforce: FakeSalesforce, loaded: LoadResult
) -> None:
    connector, _ = _connect(fake_salesforce)
    results = check(connector)
    assert [str(r) for r in results if r.level == "error"] == []
    manager = fake_salesforce.state.profile.psu_values()["account_manager"]
    misspelt = manager[:1] + manager[2:]
    typo, _ = _connect(fake_salesforce, team_roles={misspelt: "account_manager"},
                       capacity_field="KAM_Capacity_Per_Wek__c")  # fmt: skip
    errors = [str(r) for r in check(typo) if r.level == "error"]
    assert any(repr(misspelt) in e and repr(manager) in e for e in errors)
    assert any("KAM_Capacity_Per_Wek__c" in e and "KAM_Capacity_Per_Week__c" in e for e in errors)


def test_setup_leaves_an_org_that_works_and_a_second_setup_changes_nothing(
    fake_salesforce: FakeSalesforce, demo: Path, tmp_path: Path
) -> None:
    profile = fake_salesforce.state.profile
    ours = [f"Account.{api}" for api in DEFAULT_SF_TARGET_FIELDS.values()]
    bare = replace(profile, absent_fields=(*ours, "Activity.KAM_Task_Key__c"))
    with FakeSalesforce(profile=bare) as fake:
        fake.load(demo)
        connector, _ = _connect(fake)
        before = [r for r in check(connector) if r.level == "error"]
        assert any("KAM_Segment__c" in str(r) for r in before)
        assert any("KAM_Task_Key__c" in str(r) for r in before)

        definitions = setup_definitions(connector.section)
        key = next(d for d in definitions if d["fullName"] == "Activity.KAM_Task_Key__c")
        assert (key["externalId"], key["unique"]) == (True, True)
        revenue = next(d for d in definitions if d["fullName"] == "Account.KAM_Revenue__c")
        assert revenue["type"] == ("Currency" if profile.multi_currency else "Number")
        applied = apply_definitions(connector, definitions)
        assert [str(r) for r in applied if not r.ok] == []
        created = {f"{r.object}.{r.field}" for r in applied if r.message == "created"} - {
            f"PermissionSet.{PERMISSION_SET}"
        }
        assert created == {str(d["fullName"]) for d in definitions}
        assert any(r.object == "PermissionSetAssignment" and "assigned" in r.message
                   for r in applied)  # fmt: skip

        fresh, _ = _connect(fake)
        assert [str(r) for r in check(fresh) if r.level == "error"] == []
        again = apply_definitions(fresh, setup_definitions(fresh.section))
        assert all("already" in r.message for r in again), [str(r) for r in again]
        with RunLog.open(tmp_path / "runs.sqlite") as run_log:
            moment = datetime(2026, 11, 27, 9, tzinfo=UTC)
            done = run_sync(fresh, MethodSettings(), SyncOptions(), AS_OF, run_log,
                            config_hash="x", now=lambda: moment)  # fmt: skip
        assert done.applied.outcomes
        assert not done.applied.failures


def test_reports_link_each_account_to_its_record_in_the_org(
    fake_salesforce: FakeSalesforce, loaded: LoadResult
) -> None:
    from crm_accounts.ports import RecordLinks

    connector, _ = _connect(fake_salesforce)
    assert isinstance(connector, RecordLinks)
    assert connector.record_url("001x") is None  # not logged in yet: nothing to link to

    account_id = next(iter(connector.accounts())).account.id

    assert connector.record_url(account_id) == f"{fake_salesforce.url}/{account_id}"


def test_a_switch_to_dutch_rewrites_the_open_tasks_in_place_and_creates_none(
    fake_salesforce: FakeSalesforce, loaded: LoadResult, tmp_path: Path
) -> None:
    moments = iter(datetime(2026, 11, 27, 9, n, tzinfo=UTC) for n in range(10))
    reports = []
    with RunLog.open(tmp_path / "runs.sqlite") as run_log:
        for options in (SyncOptions(), SyncOptions(language="nl"), SyncOptions(language="nl")):
            connector, _ = _connect(fake_salesforce)
            report = run_sync(connector, MethodSettings(), options, AS_OF, run_log,
                              config_hash="x", now=lambda: next(moments))  # fmt: skip
            reports.append(report)
    first, switched, settled = reports
    ours = [
        t for t in fake_salesforce.state.records("Task")
        if "kam1-" in str(t.get("KAM_Task_Key__c") or t.get("Description") or "")
    ]  # fmt: skip
    subjects = [str(t["Subject"]) for t in ours]

    assert first.plan.create
    assert switched.plan.create == ()
    assert len(switched.plan.reschedule) == len(first.plan.create)
    assert not switched.applied.failures
    assert len(subjects) == len(first.plan.create), "no task was added"
    assert all(s.startswith("Contact opnemen met ") for s in subjects)
    assert settled.applied.outcomes == ()
