"""Archived activities and queryAll, leads, shared activities, group events, retired API versions,
the Bulk upload limit, the JWT audience and long subjects in the fake org (starts TLS servers)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import jwt
import pytest
import requests
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.fakes.salesforce import JWT_BEARER, FakeSalesforce
from tests.fakes.salesforce.activities import invite, relate
from tests.fakes.salesforce.fixtures import running_fake

TODAY = datetime.now(UTC).date()


@pytest.fixture
def fake() -> Iterator[FakeSalesforce]:
    yield from running_fake()


@pytest.fixture
def shared() -> Iterator[FakeSalesforce]:
    yield from running_fake("custom_nl")  # Shared Activities on, a sandbox


def _get(fake: FakeSalesforce, path: str, **params: str) -> requests.Response:
    return fake.session().get(f"{fake.api_base}/{path}", headers=fake.headers(), params=params)


def _rows(fake: FakeSalesforce, soql: str, resource: str = "query") -> list[dict[str, Any]]:
    answer = _get(fake, f"{resource}/", q=soql)
    assert answer.status_code == 200, answer.text
    rows: list[dict[str, Any]] = answer.json()["records"]
    return rows


def _people(fake: FakeSalesforce) -> tuple[str, str, str]:
    state = fake.state
    account = state.create("Account", {"Name": "Acme"})
    first = state.create("Contact", {"AccountId": account, "LastName": "One"})
    second = state.create("Contact", {"AccountId": account, "LastName": "Two"})
    return account, first, second


def _task(fake: FakeSalesforce, who: str, days_ago: int, status: str) -> str:
    return fake.state.create(
        "Task",
        {"WhoId": who, "Subject": "Call", "Status": status,
         "ActivityDate": TODAY - timedelta(days=days_ago)},
    )  # fmt: skip


def _event(fake: FakeSalesforce, who: str, days_ago: int, **extra: Any) -> str:
    start = datetime.combine(TODAY - timedelta(days=days_ago), datetime.min.time(), UTC)
    return fake.state.create(
        "Event",
        {"WhoId": who, "Subject": "Meeting", "ActivityDate": start.date(),
         "ActivityDateTime": start, "StartDateTime": start,
         "EndDateTime": start + timedelta(hours=1), "DurationInMinutes": 60, **extra},
    )  # fmt: skip


# --- archived activities -----------------------------------------------------------------------


def test_old_events_and_old_closed_tasks_are_archived_and_only_query_all_sees_them(
    fake: FakeSalesforce,
) -> None:
    _, who, _ = _people(fake)
    old_done = _task(fake, who, 400, "Completed")
    old_open = _task(fake, who, 400, "Not Started")  # open tasks are never archived
    recent_done = _task(fake, who, 30, "Completed")
    boundary = _task(fake, who, 365, "Completed")  # "greater than or equal to 365 days old"
    old_event = _event(fake, who, 366)
    new_event = _event(fake, who, 10)
    visible = {r["Id"] for r in _rows(fake, "SELECT Id, IsArchived FROM Task")}
    assert visible == {old_open, recent_done}
    everything = _rows(fake, "SELECT Id, IsArchived, IsDeleted FROM Task", "queryAll")
    assert {r["Id"]: r["IsArchived"] for r in everything} == {
        old_done: True, old_open: False, recent_done: False, boundary: True,
    }  # fmt: skip
    assert not any(r["IsDeleted"] for r in everything)
    assert {r["Id"] for r in _rows(fake, "SELECT Id FROM Event")} == {new_event}
    archived = _rows(fake, "SELECT Id FROM Event WHERE IsArchived = true", "queryAll")
    assert [r["Id"] for r in archived] == [old_event]


def test_the_archive_age_follows_the_profile(tmp_path: Any) -> None:
    import dataclasses

    from tests.fakes.salesforce import load_profile
    from tests.fakes.salesforce.profiles import PROFILES

    longer = dataclasses.replace(load_profile(PROFILES["standard"]), archive_after_days=730)
    fake = FakeSalesforce(profile=longer).start()
    try:
        _, who, _ = _people(fake)
        kept = _task(fake, who, 400, "Completed")
        assert [r["Id"] for r in _rows(fake, "SELECT Id FROM Task")] == [kept]
    finally:
        fake.stop()


def test_a_bulk_query_all_job_includes_archived_rows_and_a_query_job_does_not(
    fake: FakeSalesforce,
) -> None:
    _, who, _ = _people(fake)
    _task(fake, who, 500, "Completed")
    _task(fake, who, 5, "Completed")
    counts = {}
    for operation in ("query", "queryAll"):
        created = fake.session().post(
            f"{fake.api_base}/jobs/query",
            headers=fake.headers(),
            json={"operation": operation, "query": "SELECT Id FROM Task"},
        )
        assert created.status_code == 200, created.text
        job = created.json()["id"]
        assert _get(fake, f"jobs/query/{job}").json()["state"] == "JobComplete"
        results = _get(fake, f"jobs/query/{job}/results")
        counts[operation] = int(results.headers["Sforce-NumberOfRecords"])
    assert counts == {"query": 1, "queryAll": 2}


# --- leads, shared activities, group events ---------------------------------------------------


def test_a_task_may_name_a_lead_as_who(fake: FakeSalesforce) -> None:
    lead = fake.state.create(
        "Lead", {"LastName": "Prospect", "Company": "Newco", "Status": "Open - Not Contacted"}
    )
    assert lead.startswith("00Q")
    task = _task(fake, lead, 1, "Completed")
    rows = _rows(fake, "SELECT Id, Who.Name, AccountId FROM Task")
    assert rows[0]["Id"] == task
    assert rows[0]["Who"]["attributes"]["type"] == "Lead"
    assert (rows[0]["Who"]["Name"], rows[0]["AccountId"]) == ("Prospect", None)


def test_without_shared_activities_task_relation_does_not_exist(fake: FakeSalesforce) -> None:
    answer = _get(fake, "query/", q="SELECT Id FROM TaskRelation")
    assert (answer.status_code, answer.json()[0]["errorCode"]) == (400, "INVALID_TYPE")
    _, who, other = _people(fake)
    with pytest.raises(ValueError, match="Shared Activities"):
        relate(fake.state, _task(fake, who, 1, "Completed"), [other])


def test_shared_activities_list_every_contact_of_a_task_and_an_event(
    shared: FakeSalesforce,
) -> None:
    account, first, second = _people(shared)
    task = shared.state.create(
        "Task", {"WhoId": first, "WhatId": account, "Subject": "Call", "Status": "Afgerond"}
    )
    relate(shared.state, task, [second])
    rows = _rows(
        shared, f"SELECT RelationId, IsWhat, AccountId FROM TaskRelation WHERE TaskId = '{task}'"
    )
    assert sorted((r["RelationId"], r["IsWhat"]) for r in rows) == sorted(
        [(first, False), (account, True), (second, False)]
    )
    assert {r["AccountId"] for r in rows} == {account}
    event = _event(shared, first, 3)
    relate(shared.state, event, [second])
    parents = _rows(
        shared,
        f"SELECT RelationId FROM EventRelation WHERE EventId = '{event}' AND IsParent = true",
    )
    assert sorted(r["RelationId"] for r in parents) == sorted([first, second])


def test_a_group_event_gets_a_child_event_per_invited_user(fake: FakeSalesforce) -> None:
    _, who, other = _people(fake)
    users = [
        fake.state.create("User", {"Username": f"u{n}@x.example", "LastName": f"U{n}"})
        for n in range(2)
    ]
    event = _event(fake, who, 2)
    children = invite(fake.state, event, [*users, other])
    assert len(children) == 2  # none for the contact invitee
    rows = _rows(fake, "SELECT Id, OwnerId, IsChild, IsGroupEvent, WhoId FROM Event ORDER BY Id")
    by_id = {r["Id"]: r for r in rows}
    assert (by_id[event]["IsChild"], by_id[event]["IsGroupEvent"]) == (False, True)
    assert sorted(by_id[c]["OwnerId"] for c in children) == sorted(users)
    assert all(by_id[c]["IsChild"] and by_id[c]["WhoId"] == who for c in children)
    invitees = _rows(
        fake, f"SELECT RelationId FROM EventRelation WHERE EventId = '{event}' AND IsInvitee = true"
    )
    assert sorted(r["RelationId"] for r in invitees) == sorted([*users, other])


# --- API versions and limits ------------------------------------------------------------------


@pytest.mark.parametrize("version", ["21.0", "30.0", "20.0"])
def test_retired_api_versions_answer_410_gone(fake: FakeSalesforce, version: str) -> None:
    answer = fake.session().get(
        f"{fake.url}/services/data/v{version}/query/",
        headers=fake.headers(),
        params={"q": "SELECT Id FROM Account"},
    )
    assert answer.status_code == 410
    assert answer.json()[0]["errorCode"] == "API_VERSION_RETIRED"


def test_bulk_query_needs_version_47_and_ingest_41(fake: FakeSalesforce) -> None:
    body = {"operation": "query", "query": "SELECT Id FROM Account"}
    for version, status in (("46.0", 404), ("47.0", 200), ("31.0", 404)):
        answer = fake.session().post(
            f"{fake.url}/services/data/v{version}/jobs/query", headers=fake.headers(), json=body
        )
        assert answer.status_code == status, (version, answer.text)
    ingest = {"object": "Account", "operation": "insert", "contentType": "CSV"}
    for version, status in (("40.0", 404), ("41.0", 200)):
        answer = fake.session().post(
            f"{fake.url}/services/data/v{version}/jobs/ingest", headers=fake.headers(), json=ingest
        )
        assert answer.status_code == status, (version, answer.text)
    assert _get(fake, "query/", q="SELECT Id FROM Account").status_code == 200
    assert fake.session().get(
        f"{fake.url}/services/data/v31.0/query/",
        headers=fake.headers(), params={"q": "SELECT Id FROM Account"},
    ).status_code == 200  # fmt: skip


def test_an_upload_above_the_limit_is_refused_and_the_job_stays_open(fake: FakeSalesforce) -> None:
    fake.bulk.max_upload_base64 = 400  # 300 bytes of CSV
    created = (
        fake.session()
        .post(
            f"{fake.api_base}/jobs/ingest",
            headers=fake.headers(),
            json={"object": "Account", "operation": "insert", "contentType": "CSV"},
        )
        .json()
    )
    url = f"{fake.api_base}/jobs/ingest/{created['id']}/batches"
    headers = {**fake.headers(), "Content-Type": "text/csv"}
    too_big = "Name\n" + "".join(f"Account {n:05d}\n" for n in range(30))  # 395 bytes
    refused = fake.session().put(url, headers=headers, data=too_big)
    assert (refused.status_code, refused.json()[0]["errorCode"]) == (400, "ClientInputError")
    fits = "Name\n" + "".join(f"Account {n:05d}\n" for n in range(20))  # 265 bytes
    assert fake.session().put(url, headers=headers, data=fits).status_code == 201
    assert fake.bulk.jobs[created["id"]].upload == fits


def test_a_subject_over_255_characters_is_string_too_long(fake: FakeSalesforce) -> None:
    answer = fake.session().post(
        f"{fake.api_base}/sobjects/Task/", headers=fake.headers(), json={"Subject": "x" * 256}
    )
    assert answer.status_code == 400
    assert answer.json()[0]["statusCode"] == "STRING_TOO_LONG"
    assert answer.json()[0]["message"].endswith("(max length=255)")
    fits = fake.session().post(
        f"{fake.api_base}/sobjects/Task/", headers=fake.headers(), json={"Subject": "x" * 255}
    )
    assert fits.status_code == 201


# --- the JWT audience --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _jwt_login(fake: FakeSalesforce, key: rsa.RSAPrivateKey, aud: str) -> requests.Response:
    claims = {"iss": fake.oauth.client_id, "sub": fake.oauth.username, "aud": aud,
              "exp": int(time.time()) + 180}  # fmt: skip
    assertion = jwt.encode(claims, key, algorithm="RS256")
    return fake.session().post(
        f"{fake.url}/services/oauth2/token",
        data={"grant_type": JWT_BEARER, "assertion": assertion},
    )


def test_the_jwt_audience_is_the_login_host_never_the_instance_url(
    fake: FakeSalesforce, shared: FakeSalesforce, rsa_key: rsa.RSAPrivateKey
) -> None:
    assert _jwt_login(fake, rsa_key, "https://login.salesforce.com").status_code == 200
    for wrong in (fake.url, "https://test.salesforce.com"):
        refused = _jwt_login(fake, rsa_key, wrong)
        assert refused.json() == {
            "error": "invalid_grant",
            "error_description": "audience is invalid",
        }
    assert _jwt_login(shared, rsa_key, "https://test.salesforce.com").status_code == 200  # sandbox
    assert _jwt_login(shared, rsa_key, "https://login.salesforce.com").status_code == 400
    fake.oauth.audiences.add(fake.url)  # how an older test can still log in
    assert _jwt_login(fake, rsa_key, fake.url).status_code == 200


def test_today_is_the_orgs_clock() -> None:
    assert date.today() + timedelta(days=1) >= TODAY
