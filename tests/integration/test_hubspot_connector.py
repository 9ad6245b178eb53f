"""The HubSpot connector against the stateful fake portal (tests/fakes/hubspot) over HTTP, once
per shipped portal profile (Starter, Professional, Enterprise: their limits, search index delay
and buying-role options).

The fake runs on a :class:`ManualClock`; the connector paces and retries on the same clock (its
``sleep`` advances it), so rate windows roll and the search index catches up without real
waiting.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from crm_accounts.connectors.csv import CsvSource
from crm_accounts.connectors.demo import generate_demo
from crm_accounts.connectors.hubspot import (
    HubSpotConnector,
    apply_definitions,
    check,
    setup_definitions,
)
from crm_accounts.domain import MethodSettings, Period
from crm_accounts.errors import ConfigError, FatalConnectorError
from crm_accounts.ports import FieldUpdate, TaskClose, TaskDraft, TaskUpdate
from crm_accounts.runlog import RunLog
from crm_accounts.services import compute
from crm_accounts.sync import SyncOptions, SyncReport, run_sync
from tests.fakes.hubspot import (
    FakeHubSpot,
    LoadResult,
    ManualClock,
    load_profile,
    shipped_profiles,
)
from tests.integration.hubspot_world import section_for

AS_OF = date(2026, 11, 27)
BATCH_UPDATE = ("POST", "/crm/v3/objects/companies/batch/update")
TASK_CREATE = ("POST", "/crm/v3/objects/tasks/batch/create")


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture(params=shipped_profiles(), ids=lambda path: path.stem)
def fake(clock: ManualClock, request: pytest.FixtureRequest) -> Iterator[FakeHubSpot]:
    with FakeHubSpot(clock=clock, profile=load_profile(request.param)) as portal:
        yield portal


@pytest.fixture
def demo(tmp_path: Path) -> Path:
    return generate_demo(tmp_path / "demo", as_of=AS_OF, accounts=24).source_dir


@pytest.fixture
def loaded(fake: FakeHubSpot, demo: Path) -> LoadResult:
    return fake.load(demo)


class Waits:
    """The connector's sleep: records every wait and moves the shared clock."""

    def __init__(self, clock: ManualClock) -> None:
        self.clock = clock
        self.waits: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)
        self.clock.advance(seconds)


def _connect(
    fake: FakeHubSpot, load: LoadResult, clock: ManualClock, *, ready: bool = True, **overrides: Any
) -> tuple[HubSpotConnector, Waits]:
    waits = Waits(clock)
    closed_status = overrides.pop("closed_status", None)
    section = section_for(fake.url, load, **overrides)
    connector = HubSpotConnector.from_config(
        section,
        {"HUBSPOT_ACCESS_TOKEN": fake.token},
        clock=clock,
        sleep=waits,
        closed_status=closed_status,
    )
    if ready:  # the write-back properties exist, as after `crm-accounts setup --apply`
        apply_definitions(connector, setup_definitions(section))
        connector.http.calls.clear()
        waits.waits.clear()
    return connector, waits


def _sync(connector: HubSpotConnector, run_log: Path, minute: int = 0) -> SyncReport:
    with RunLog.open(run_log) as log:
        return run_sync(
            connector,
            MethodSettings(),
            SyncOptions(),
            AS_OF,
            log,
            config_hash="x",
            now=lambda: datetime(2026, 11, 27, 6, minute, tzinfo=UTC),
        )


# -- reads ----------------------------------------------------------------------------------------


def test_the_demo_reads_back_as_the_csv_source_gives_it(
    fake: FakeHubSpot, demo: Path, loaded: LoadResult, clock: ManualClock
) -> None:
    connector, _ = _connect(fake, loaded, clock, products_from_line_items=True)
    csv = CsvSource(demo)
    back = loaded.source_id
    accounts = {back(r.account.id): r.account for r in connector.accounts()}
    expected = {r.account.id: r.account for r in csv.accounts()}
    dropped = {(account, column) for account, column, _ in loaded.dropped}

    def shown(account_id: str, account: Any) -> tuple[object, ...]:
        values = {
            k: account.attributes.get(k)
            for k in ("strategic_fit", "payment_days")
            if (account_id, k) not in dropped
        }
        return account.name, account.integration_stage, values

    assert {k: shown(k, a) for k, a in accounts.items()} == {
        k: shown(k, a) for k, a in expected.items()
    }
    period = Period.ending(AS_OF, 12)
    ours = Counter(
        (back(x.account_id), x.date, x.amount, x.margin, x.product)
        for x in connector.revenue_lines(period)
    )
    theirs = Counter(x for x in csv.revenue_lines(period) if x.date in period)
    assert ours == theirs
    contacts = {
        (back(c.id), back(c.account_id), c.dmu_roles, c.gatekeeper, c.title)
        for c in connector.contacts()
    }
    assert contacts == {
        (c.id, c.account_id, c.dmu_roles, c.gatekeeper, c.title) for c in csv.contacts() or []
    }
    members = {(back(m.id), m.name, m.email, m.capacity_per_week) for m in connector.members()}
    assert members == {(m.id, m.name, m.email, m.capacity_per_week) for m in csv.members()}
    team = {
        (back(t.account_id), back(t.member_id), t.psu_roles, t.pioneer)
        for t in connector.team() or []
    }
    assert team == {(t.account_id, t.member_id, t.psu_roles, t.pioneer) for t in csv.team() or []}
    since = date(2025, 11, 27)
    moments = Counter(
        (back(a.member_id), back(a.contact_id), a.date, a.completed)
        for a in connector.activities(since, AS_OF)
    )
    assert moments == Counter(
        (a.member_id, a.contact_id, a.date, a.completed)
        for a in csv.activities(since, AS_OF)
        if since < a.date <= AS_OF
    )
    assert list(connector.open_tasks()) == []
    connector.close()


def test_the_method_gives_the_csv_result_with_one_read_per_collection(
    fake: FakeHubSpot, demo: Path, loaded: LoadResult, clock: ManualClock
) -> None:
    connector, _ = _connect(fake, loaded, clock)
    ours = compute(connector, MethodSettings(), AS_OF)
    theirs = compute(CsvSource(demo), MethodSettings(), AS_OF)
    back = loaded.source_id
    assert {back(k): v for k, v in ours.segments.items()} == dict(theirs.segments)
    assert {back(k): v for k, v in ours.rating.position_of().items()} == (
        theirs.rating.position_of()
    )
    calls = connector.calls
    # one page of companies, contacts and owners; one association read per collection
    assert (calls["list_companies"], calls["list_contacts"], calls["owners"]) == (1, 1, 1)
    assert calls["associations_deals_companies"] == calls["associations_contacts_companies"] == 1
    assert not any(kind.startswith("get_") for kind in calls)
    assert fake.calls.statuses()[429] == 0


def test_companies_are_paged_lazily_100_at_a_time(
    fake: FakeHubSpot, clock: ManualClock, loaded: LoadResult
) -> None:
    for n in range(230):
        fake.state.create("companies", {"name": f"Extra {n:03}"}, system=True)
    connector, _ = _connect(fake, loaded, clock)
    records = iter(connector.accounts())
    next(records)
    assert fake.calls.count("/crm/v3/objects/companies", "GET") == 1
    assert len(list(records)) == 230 + 24 - 1
    assert fake.calls.count("/crm/v3/objects/companies", "GET") == 3


def test_a_search_over_the_10000_cap_is_split_into_smaller_ranges(
    fake: FakeHubSpot, clock: ManualClock, loaded: LoadResult
) -> None:
    owner = next(iter(loaded.owners.values()))
    contact = next(iter(loaded.contacts.values()))
    start = int(datetime(2026, 3, 1, tzinfo=UTC).timestamp() * 1000)
    for n in range(10_050):
        meeting = fake.state.create(
            "meetings",
            {
                "hs_timestamp": str(start + n * 60_000),
                "hubspot_owner_id": owner,
                "hs_meeting_outcome": "COMPLETED",
            },
            system=True,
        )
        if n % 1000 == 0:
            fake.state.associate("meetings", meeting, "contacts", contact)
    fake.state.settle()  # arranged data is searchable, as if entered long ago
    connector, _ = _connect(fake, loaded, clock)
    moments = [a for a in connector.activities(date(2026, 2, 27), AS_OF) if a.contact_id == contact]
    assert len([a for a in moments if a.date.month == 3]) >= 11
    assert fake.calls.statuses("/crm/v3/objects/*/search")[400] == 0
    assert connector.calls["search_meetings"] > 10_050 // 200


# -- limits and faults ----------------------------------------------------------------------------


def test_a_normal_sync_never_meets_a_429_at_the_lowest_tier(
    fake: FakeHubSpot, loaded: LoadResult, clock: ManualClock, tmp_path: Path
) -> None:
    connector, _ = _connect(fake, loaded, clock, products_from_line_items=True)
    report = _sync(connector, tmp_path / "runs.sqlite")
    assert report.status == "ok"
    assert fake.calls.statuses()[429] == 0
    assert fake.calls.total > 20


def test_429_bursts_are_waited_out_as_the_answer_says(
    fake: FakeHubSpot, loaded: LoadResult, clock: ManualClock, caplog: pytest.LogCaptureFixture
) -> None:
    connector, waits = _connect(fake, loaded, clock)
    fake.faults.rate_limit_next(2, retry_after=3, route="/crm/v3/objects/companies")
    fake.faults.rate_limit_next(1, policy="SECONDLY", route="/crm/v3/objects/deals/search")
    with caplog.at_level(logging.WARNING, logger="crm_accounts"):
        assert len(list(connector.accounts())) == 24
        assert list(connector.revenue_lines(Period.ending(AS_OF, 12)))
    assert waits.waits.count(3.0) == 2
    assert sum("retrying in" in r.getMessage() for r in caplog.records) == 3


def test_the_daily_limit_stops_the_run_with_nothing_written(
    fake: FakeHubSpot, loaded: LoadResult, clock: ManualClock, tmp_path: Path
) -> None:
    connector, waits = _connect(fake, loaded, clock)
    fake.faults.rate_limit_next(1, policy="DAILY", route="/crm/v3/objects/contacts")
    with pytest.raises(FatalConnectorError, match="daily API limit reached"):
        _sync(connector, tmp_path / "runs.sqlite")
    assert fake.calls.count("/crm/v3/objects/*/batch/[cu]*") == 0
    assert all(wait < 2 for wait in waits.waits)  # pacing only; the daily 429 is not retried


def test_server_errors_and_timeouts_are_retried_per_request(
    fake: FakeHubSpot, loaded: LoadResult, clock: ManualClock
) -> None:
    connector, _ = _connect(fake, loaded, clock, read_timeout=0.3)
    fake.faults.fail_next(2, status=503, route="/crm/v3/objects/companies")
    fake.faults.fail_next(
        1, status=502, body="<html>bad gateway</html>", route="/crm/v4/associations/*/batch/read"
    )
    fake.faults.hang_next(1, seconds=1.5, route="/crm/v3/owners")
    assert len(list(connector.accounts())) == 24
    assert len(list(connector.contacts() or [])) > 0
    assert len(list(connector.members())) > 0
    assert connector.calls["list_companies"] == 3
    assert connector.calls["owners"] == 2


def test_a_refused_token_stops_without_retrying(
    fake: FakeHubSpot, loaded: LoadResult, clock: ManualClock
) -> None:
    section = section_for(fake.url, loaded)
    connector = HubSpotConnector.from_config(
        section, {"HUBSPOT_ACCESS_TOKEN": "pat-na1-wrong"}, clock=clock, sleep=clock.advance
    )
    with pytest.raises(FatalConnectorError, match="refused the access token") as caught:
        list(connector.accounts())
    assert "pat-na1-wrong" not in str(caught.value)
    assert connector.calls["list_companies"] == 1


# -- writes ---------------------------------------------------------------------------------------


def test_a_207_answer_fails_only_the_records_it_names(
    fake: FakeHubSpot, loaded: LoadResult, clock: ManualClock
) -> None:
    connector, _ = _connect(fake, loaded, clock)
    ids = sorted(loaded.companies.values())[:3]
    fake.faults.reject_ids({ids[1]: "Property values were not valid"})
    results = connector.write_fields(
        [FieldUpdate(i, {"segment": "A", "revenue": "1200.50", "open_gaps": "2"}) for i in ids]
    )
    assert [r.ok for r in results] == [True, False, True]
    assert "not valid" in (results[1].error or "")
    assert fake.calls[BATCH_UPDATE] == 1
    stored = fake.state.get("companies", ids[0]) or {}
    assert (stored["kam_segment"], Decimal(stored["kam_revenue"] or "0")) == (
        "A",
        Decimal("1200.5"),
    )
    [refused] = connector.write_fields([FieldUpdate(ids[2], {"revenue": "a lot"})])
    assert not refused.ok
    assert "not a number" in (refused.error or "")


def test_a_207_error_naming_no_record_fails_the_records_without_a_result(
    fake: FakeHubSpot, loaded: LoadResult, clock: ManualClock
) -> None:
    connector, _ = _connect(fake, loaded, clock)
    ids = sorted(loaded.companies.values())[:3]
    fake.faults.reject_ids({ids[1]: "CONTACT=1234 is not valid"}, context=False)
    results = connector.write_fields([FieldUpdate(i, {"segment": "A"}) for i in ids])
    assert [r.ok for r in results] == [True, False, True]
    assert "CONTACT=1234 is not valid" in (results[1].error or "")
    fake.faults.reject_ids({"k2": "Property values were not valid"}, context=False)
    created = connector.create_tasks([_draft(loaded, "k1"), _draft(loaded, "k2", 1)])
    assert [r.ok for r in created] == [True, False]
    assert "not valid" in (created[1].error or "")


def test_open_tasks_are_found_with_many_closed_statuses_in_one_filter(
    fake: FakeHubSpot, loaded: LoadResult, clock: ManualClock
) -> None:
    statuses = {f"Closed {n}": f"CLOSED_{n}" for n in range(12)}
    connector, _ = _connect(fake, loaded, clock, task_close_statuses=statuses)
    connector.create_tasks([_draft(loaded, "k1")])
    clock.advance(60)
    assert [t.key for t in connector.open_tasks()] == ["k1"]
    assert fake.calls.statuses("/crm/v3/objects/tasks/search")[400] == 0


def test_line_items_are_read_by_id_not_listed(
    fake: FakeHubSpot, loaded: LoadResult, clock: ManualClock
) -> None:
    for n in range(250):  # line items of no won deal: never read
        fake.state.create("line_items", {"price": "1", "hs_sku": f"X{n}"}, system=True)
    connector, _ = _connect(fake, loaded, clock, products_from_line_items=True)
    lines = [x for x in connector.revenue_lines(Period.ending(AS_OF, 12)) if x.product]
    wanted = {i for i in loaded.line_items if i}
    assert lines
    assert connector.calls["list_line_items"] == 0
    assert connector.calls["line_items_read"] <= -(-len(wanted) // 100)


def _draft(load: LoadResult, key: str, n: int = 0) -> TaskDraft:
    account = sorted(load.companies)[n]
    owner = sorted(load.owners.values())[0]
    contact = sorted(load.contacts.values())[0]
    return TaskDraft(
        key,
        load.companies[account],
        owner,
        contact,
        date(2026, 12, 1),
        "Meet",
        'why: "never"\nline two',
    )


def test_tasks_are_created_with_associations_found_by_key_rescheduled_and_closed(
    fake: FakeHubSpot, loaded: LoadResult, clock: ManualClock
) -> None:
    connector, _ = _connect(fake, loaded, clock)
    fake.faults.reject_ids({"k3": "Property values were not valid"})
    created = connector.create_tasks(
        [_draft(loaded, "k1"), _draft(loaded, "k2", 1), _draft(loaded, "k3", 2)]
    )
    assert [r.ok for r in created] == [True, True, False]
    assert fake.calls[TASK_CREATE] == 1
    task_id, other = created[0].crm_id or "", created[1].crm_id or ""
    fresh, _ = _connect(fake, loaded, clock, ready=False)
    fresh.recall_tasks({"k1": task_id})  # read back by id at once
    assert {t.key for t in fresh.open_tasks()} == {"k1"}  # k2 is not searchable yet
    clock.advance(60)  # the search index has caught up
    tasks = {t.key: t for t in fresh.open_tasks()}
    assert set(tasks) == {"k1", "k2"}
    assert tasks["k1"].description == 'why: "never"\nline two'
    assert tasks["k1"].account_id == _draft(loaded, "k1").account_id
    assert tasks["k1"].contact_id == _draft(loaded, "k1").contact_id
    [moved] = fresh.update_tasks([TaskUpdate(task_id, "k1", date(2027, 1, 4), "Meet", "later")])
    [closed, foreign] = fresh.close_tasks(
        [TaskClose(other, "k2", None), TaskClose(task_id, "k9", None)]
    )
    assert (moved.ok, closed.ok, foreign.ok) == (True, True, False)
    assert (fake.state.get("tasks", other) or {})["hs_task_status"] == "COMPLETED"
    [again] = fresh.close_tasks([TaskClose(other, "k2", None)])
    assert not again.ok


def _contact_moments(connector: HubSpotConnector) -> Counter[tuple[str, str, date]]:
    return Counter(  # the drafts are due on 2026-12-01
        (a.member_id, a.contact_id, a.date)
        for a in connector.activities(date(2026, 1, 1), date(2026, 12, 31))
        if a.completed
    )


def test_a_task_the_product_closes_is_completed_with_a_retired_key_and_never_a_contact_moment(
    fake: FakeHubSpot, loaded: LoadResult, clock: ManualClock
) -> None:
    connector, _ = _connect(fake, loaded, clock)
    [mine, reps] = connector.create_tasks([_draft(loaded, "k1"), _draft(loaded, "k2", 1)])
    clock.advance(60)
    before = _contact_moments(connector)
    [closed] = connector.close_tasks([TaskClose(mine.crm_id or "", "k1", None)])
    fake.state.update("tasks", reps.crm_id or "", {"hs_task_status": "COMPLETED"})  # a rep did it
    clock.advance(60)
    fresh, _ = _connect(fake, loaded, clock, ready=False)
    after = _contact_moments(fresh)
    stored = fake.state.get("tasks", mine.crm_id or "") or {}
    draft = _draft(loaded, "k2", 1)
    assert closed.ok
    assert stored["hs_task_status"] == "COMPLETED"  # METHOD.md: HubSpot's only closed status
    assert stored["kam_task_key"] == f"k1.closed.{mine.crm_id}"
    assert after - before == Counter({(draft.member_id, draft.contact_id, draft.due_date): 1})
    assert [t.key for t in fresh.open_tasks()] == []
    assert not fresh.close_tasks([TaskClose(mine.crm_id or "", "k1", None)])[0].ok


def test_a_closing_status_hubspot_does_not_treat_as_closed_is_refused(
    fake: FakeHubSpot, loaded: LoadResult, clock: ManualClock
) -> None:
    with pytest.raises(ConfigError, match=r"closed_status.*'Deferred'.*COMPLETED"):
        _connect(fake, loaded, clock, closed_status="Deferred")
    connector, _ = _connect(fake, loaded, clock, closed_status="completed")
    [created] = connector.create_tasks([_draft(loaded, "k1")])
    [refused] = connector.close_tasks([TaskClose(created.crm_id or "", "k1", "Deferred")])
    assert not refused.ok
    assert "COMPLETED" in (refused.error or "")
    assert (fake.state.get("tasks", created.crm_id or "") or {})["hs_task_status"] == "NOT_STARTED"


def test_a_create_whose_answer_was_lost_is_looked_up_at_once_and_never_sent_twice(
    fake: FakeHubSpot, loaded: LoadResult, clock: ManualClock
) -> None:
    fake.state.search_delay = 5.0  # search would not show the task yet
    connector, _ = _connect(fake, loaded, clock)
    fake.faults.lose_answer_next(1, status=502, route="/crm/v3/objects/tasks/batch/create")
    [created] = connector.create_tasks([_draft(loaded, "k1")])
    assert created.ok
    assert fake.calls[TASK_CREATE] == 1
    assert created.crm_id == next(
        str(t.id) for t in fake.state.records("tasks") if t.properties.get("kam_task_key") == "k1"
    )
    fake.faults.fail_next(1, status=500, route="/crm/v3/objects/tasks/batch/create")
    [resent] = connector.create_tasks([_draft(loaded, "k2", 1)])  # a 500 before processing
    assert resent.ok
    assert fake.calls[TASK_CREATE] == 3
    fake.faults.rate_limit_next(1, route="/crm/v3/objects/tasks/batch/create")
    [retried] = connector.create_tasks([_draft(loaded, "k3", 2)])
    assert retried.ok
    keys = [t.properties.get("kam_task_key") for t in fake.state.records("tasks")]
    assert sorted(k for k in keys if k and k.startswith("k")) == ["k1", "k2", "k3"]


def test_a_create_that_timed_out_is_not_resent_while_hubspot_may_still_be_creating_it(
    fake: FakeHubSpot, loaded: LoadResult, clock: ManualClock
) -> None:
    connector, _ = _connect(fake, loaded, clock, read_timeout=0.3)
    fake.faults.hang_next(1, seconds=1.0, route="/crm/v3/objects/tasks/batch/create")
    [result] = connector.create_tasks([_draft(loaded, "k1")])
    assert not result.ok
    assert "outcome unknown" in (result.error or "")
    deadline = time.monotonic() + 10
    while fake.calls[TASK_CREATE] == 0 and time.monotonic() < deadline:
        time.sleep(0.05)  # the hanging request ends on the server a moment later
    assert fake.calls[TASK_CREATE] == 1  # never sent twice


def test_preflight_refuses_writes_that_would_eat_into_the_reserve(
    fake: FakeHubSpot, loaded: LoadResult, clock: ManualClock
) -> None:
    connector, _ = _connect(fake, loaded, clock, api_reserve=100)
    list(connector.accounts())
    fake.state.limits.set_daily(limit=1000, used=880)
    list(connector.source.owners())  # an answer carries the new allowance
    connector.preflight({"fields": 300})
    with pytest.raises(FatalConnectorError, match="nothing was written"):
        connector.preflight({"fields": 3000, "create": 3000})
    assert fake.calls.count("/crm/v3/objects/*/batch/[cu]*") == 0


def test_a_second_sync_of_the_demo_writes_nothing(
    fake: FakeHubSpot, loaded: LoadResult, clock: ManualClock, tmp_path: Path
) -> None:
    connector, _ = _connect(fake, loaded, clock)
    first = _sync(connector, tmp_path / "runs.sqlite")
    assert first.applied.outcomes
    assert not first.applied.failures
    assert connector.calls["companies_update"] == 1
    second_connector, _ = _connect(fake, loaded, clock, ready=False)
    second = _sync(second_connector, tmp_path / "runs.sqlite", minute=1)
    assert second.applied.outcomes == ()
    assert second.plan.kept_tasks == len(first.plan.create)
    assert not any(k.endswith(("_update", "_create")) for k in second_connector.calls)


def test_syncs_back_to_back_create_no_duplicate_while_search_lags(
    fake: FakeHubSpot, loaded: LoadResult, clock: ManualClock, tmp_path: Path
) -> None:
    fake.state.search_delay = 3600.0  # search shows none of the new tasks during the test
    run_log = tmp_path / "runs.sqlite"
    first_connector, _ = _connect(fake, loaded, clock)
    first = _sync(first_connector, run_log)
    second_connector, _ = _connect(fake, loaded, clock, ready=False)
    second = _sync(second_connector, run_log, minute=1)
    keys = [t.properties.get("kam_task_key") for t in fake.state.records("tasks")]
    ours = [k for k in keys if k and k.startswith("kam1-")]
    assert first.plan.create
    assert second.plan.create == ()
    assert second.plan.kept_tasks == len(first.plan.create)
    assert len(ours) == len(set(ours)), "no duplicate task"
    assert second_connector.calls["tasks_read"] >= 1


def test_a_sync_after_a_create_whose_answer_was_lost_creates_no_duplicate(
    fake: FakeHubSpot, loaded: LoadResult, clock: ManualClock, tmp_path: Path
) -> None:
    fake.state.search_delay = 3600.0
    run_log = tmp_path / "runs.sqlite"
    connector, _ = _connect(fake, loaded, clock)
    fake.faults.lose_answer_next(1, status=504, route="/crm/v3/objects/tasks/batch/create")
    first = _sync(connector, run_log)
    again, _ = _connect(fake, loaded, clock, ready=False)
    second = _sync(again, run_log, minute=1)
    keys = [t.properties.get("kam_task_key") for t in fake.state.records("tasks")]
    ours = [k for k in keys if k and k.startswith("kam1-")]
    assert not first.applied.failures
    assert second.plan.create == ()
    assert len(ours) == len(set(ours)) == len(first.plan.create)


def test_a_task_closed_seconds_ago_is_not_closed_again_although_search_still_shows_it_open(
    fake: FakeHubSpot, loaded: LoadResult, clock: ManualClock, tmp_path: Path
) -> None:
    run_log = tmp_path / "runs.sqlite"
    connector, _ = _connect(fake, loaded, clock)
    first = _sync(connector, run_log)
    clock.advance(3600)  # the index has caught up with the creates
    fake.state.search_delay = 3600.0
    task_id, key = next(iter((connector.state.open_tasks or {}).items()))
    fresh, _ = _connect(fake, loaded, clock, ready=False)
    fresh.recall_tasks({key: task_id})
    [closed] = fresh.close_tasks([TaskClose(task_id, key, None)])
    later, _ = _connect(fake, loaded, clock, ready=False)
    later.recall_tasks({key: task_id})
    assert closed.ok
    assert first.plan.create
    assert task_id not in {t.id for t in later.open_tasks()}


# -- currencies -----------------------------------------------------------------------------------


def test_deals_in_two_currencies_are_refused_or_converted(
    fake: FakeHubSpot, loaded: LoadResult, clock: ManualClock
) -> None:
    company = next(iter(loaded.companies.values()))
    deal = fake.state.create(
        "deals",
        {
            "amount": "100",
            "closedate": "2026-06-01T00:00:00.000Z",
            "dealstage": "closedwon",
            "pipeline": "default",
            "deal_currency_code": "USD",
        },
        system=True,
    )
    fake.state.associate("deals", deal, "companies", company, [341, 5])
    fake.state.update("deals", next(iter(loaded.deals)), {"deal_currency_code": "EUR"}, system=True)
    fake.state.settle()
    period = Period.ending(AS_OF, 12)
    refusing, _ = _connect(fake, loaded, clock, ready=False)
    with pytest.raises(ConfigError, match="USD"):
        list(refusing.revenue_lines(period))
    converting, _ = _connect(
        fake,
        loaded,
        clock,
        ready=False,
        currency="EUR",
        currency_mode="convert",
        currency_rates={"USD": Decimal("0.9")},
    )
    lines = [x for x in converting.revenue_lines(period) if x.account_id == company]
    assert Decimal("90.0") in {x.amount for x in lines}


# -- check and setup ------------------------------------------------------------------------------


def test_check_finds_the_portal_ready_and_names_typos_with_a_suggestion(
    fake: FakeHubSpot, loaded: LoadResult, clock: ManualClock
) -> None:
    connector, _ = _connect(fake, loaded, clock)
    assert [str(r) for r in check(connector) if r.level == "error"] == []
    typo, _ = _connect(
        fake,
        loaded,
        clock,
        ready=False,
        buying_roles={"DECISION_MAKR": "decider"},
        attributes={"fit": "strategic_fitt"},
    )
    errors = [str(r) for r in check(typo) if r.level == "error"]
    assert any("'DECISION_MAKR'" in e and "'DECISION_MAKER'" in e for e in errors)
    assert any("strategic_fitt" in e and "'strategic_fit'" in e for e in errors)


def test_check_names_the_usage_line_item_and_setup_scopes_the_token_lacks(
    fake: FakeHubSpot, loaded: LoadResult, clock: ManualClock
) -> None:
    fake.state.scopes -= {"oauth", "crm.objects.line_items.read", "crm.schemas.companies.write"}
    connector, _ = _connect(fake, loaded, clock, ready=False, products_from_line_items=True)
    warnings = [str(r) for r in check(connector) if r.level == "warning" and r.object == "token"]
    assert any("oauth" in w and "crm.objects.line_items.read" in w for w in warnings)
    assert any("setup --apply needs crm.schemas.companies.write" in w for w in warnings)


def test_setup_creates_the_group_and_properties_once(
    fake: FakeHubSpot, loaded: LoadResult, clock: ManualClock
) -> None:
    connector, _ = _connect(fake, loaded, clock, ready=False)
    definitions = setup_definitions(connector.section)
    names = {(d["object"], d["kind"], d["body"]["name"]) for d in definitions}
    assert {
        ("companies", "group", "kam"),
        ("companies", "property", "kam_segment"),
        ("tasks", "property", "kam_task_key"),
    } <= names
    created = apply_definitions(connector, definitions)
    assert all(r.ok for r in created)
    assert any("created" in r.message for r in created)
    again = apply_definitions(connector, definitions)
    assert all(r.ok and "exists already" in r.message for r in again)


def test_a_switch_to_dutch_rewrites_the_open_tasks_in_place_and_creates_none(
    fake: FakeHubSpot, loaded: LoadResult, clock: ManualClock, tmp_path: Path
) -> None:
    run_log = tmp_path / "runs.sqlite"
    connector, _ = _connect(fake, loaded, clock)
    first = _sync(connector, run_log)
    dutch = SyncOptions(language="nl")

    def sync_in_dutch(minute: int) -> SyncReport:
        again, _ = _connect(fake, loaded, clock, ready=False)
        with RunLog.open(run_log) as log:
            return run_sync(again, MethodSettings(), dutch, AS_OF, log, config_hash="x",
                            now=lambda: datetime(2026, 11, 27, 6, minute, tzinfo=UTC))  # fmt: skip

    switched = sync_in_dutch(1)
    settled = sync_in_dutch(2)
    ours = [
        t for t in fake.state.records("tasks")
        if str(t.properties.get("kam_task_key") or "").startswith("kam1-")
    ]  # fmt: skip

    assert first.plan.create
    assert switched.plan.create == ()
    assert len(switched.plan.reschedule) == len(first.plan.create)
    assert not switched.applied.failures
    assert len(ours) == len(first.plan.create), "no task was added"
    assert all(t.properties["hs_task_subject"].startswith("Contact opnemen met ") for t in ours)
    assert settled.applied.outcomes == ()
