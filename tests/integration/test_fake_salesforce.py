"""The fake Salesforce answers like the real REST, Bulk 2.0 and OAuth APIs (starts TLS servers).

Driven with simple-salesforce itself and with plain requests, as the connector will be.
"""

from __future__ import annotations

import csv
import io
import json
import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import jwt
import pytest
import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from simple_salesforce import format_soql
from simple_salesforce.api import Salesforce
from simple_salesforce.exceptions import (
    SalesforceExpiredSession,
    SalesforceGeneralError,
    SalesforceMalformedRequest,
    SalesforceRefusedRequest,
)

from crm_accounts.config import DEFAULT_SF_CONTACT_ROLES, DEFAULT_SF_TEAM_ROLES
from crm_accounts.connectors.demo import generate_demo
from tests.fakes.salesforce import (
    EXTRA_CONTACT_ROLES,
    EXTRA_TEAM_ROLES,
    JWT_BEARER,
    DatedRate,
    FakeSalesforce,
    LoadResult,
)
from tests.fakes.salesforce.fixtures import fake_salesforce  # noqa: F401  # the fixture

AS_OF = date(2026, 11, 27)
Fake = FakeSalesforce


def _client(fake: Fake) -> Salesforce:
    return fake.client()


def _accounts(fake: Fake, count: int, prefix: str = "Account") -> list[str]:
    return [fake.state.create("Account", {"Name": f"{prefix} {n:05d}"}) for n in range(count)]


def _patch(sf: Salesforce, records: list[dict[str, Any]], all_or_none: bool = False) -> Any:
    body = {"allOrNone": all_or_none, "records": records}
    return sf.restful("composite/sobjects", method="PATCH", json=body)


def _segment(fake: Fake, account: str) -> object:
    record = fake.state.get(account)
    assert record is not None
    return record.get("KAM_Segment__c")


def _codes(results: list[dict[str, Any]]) -> list[str | None]:
    return [None if r["success"] else r["errors"][0]["statusCode"] for r in results]


@pytest.fixture(scope="module")
def demo_source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("demo")
    return generate_demo(folder, as_of=AS_OF, accounts=30).source_dir


@pytest.fixture
def loaded(fake_salesforce: Fake, demo_source: Path) -> tuple[Fake, LoadResult]:  # noqa: F811
    return fake_salesforce, fake_salesforce.load(demo_source)


# --- query ---------------------------------------------------------------------------------


def test_query_all_follows_next_records_url_over_more_than_2000_records(
    fake_salesforce: Fake,  # noqa: F811
) -> None:
    ids = _accounts(fake_salesforce, 2345)
    result = _client(fake_salesforce).query_all("SELECT Id, Name FROM Account")
    assert [r["Id"] for r in result["records"]] == ids
    assert fake_salesforce.calls["GET", "/query"] == 1
    assert fake_salesforce.calls["GET", "/query/<locator>"] == 1


def test_first_page_says_not_done_and_a_read_out_locator_is_invalid(
    fake_salesforce: Fake,  # noqa: F811
) -> None:
    _accounts(fake_salesforce, 2100)
    session = fake_salesforce.session()
    url = f"{fake_salesforce.api_base}/query"
    first = session.get(
        url, params={"q": "SELECT Id FROM Account"}, headers=fake_salesforce.headers()
    )
    body = first.json()
    assert (body["totalSize"], body["done"], len(body["records"])) == (2100, False, 2000)
    assert body["nextRecordsUrl"].startswith("/services/data/v62.0/query/0r8")
    assert body["nextRecordsUrl"].endswith("-2000")
    more = fake_salesforce.url + body["nextRecordsUrl"]
    last = session.get(more, headers=fake_salesforce.headers()).json()
    assert (last["done"], len(last["records"]), "nextRecordsUrl" in last) == (True, 100, False)
    again = session.get(more, headers=fake_salesforce.headers())
    assert again.status_code == 400
    assert again.json() == [
        {"message": "invalid query locator", "errorCode": "INVALID_QUERY_LOCATOR"}
    ]


def test_query_options_header_sets_the_batch_size(fake_salesforce: Fake) -> None:  # noqa: F811
    _accounts(fake_salesforce, 1000)
    sf = _client(fake_salesforce)
    records = sf.query_all(
        "SELECT Id FROM Account", headers={"Sforce-Query-Options": "batchSize=300"}
    )
    assert len(records["records"]) == 1000
    assert fake_salesforce.calls["GET", "/query/<locator>"] == 3


def test_relationship_fields_come_back_nested_and_null_when_empty(
    loaded: tuple[Fake, LoadResult],
) -> None:
    fake, ids = loaded
    sf = _client(fake)
    relation = ids.relations["con-00001"]
    soql = format_soql(
        "SELECT Roles, Contact.Name, Contact.Account.Name FROM AccountContactRelation"
        " WHERE Id = {}",
        relation,
    )
    record = sf.query(soql)["records"][0]
    assert record["attributes"] == {
        "type": "AccountContactRelation",
        "url": f"/services/data/v62.0/sobjects/AccountContactRelation/{relation}",
    }
    contact = record["Contact"]
    assert contact["attributes"]["type"] == "Contact"
    assert contact["Name"] == "Emre van der Linden"
    assert contact["Account"]["Name"] == "Maasland Installaties B.V."
    task = fake.state.create("Task", {"Subject": "Loose end"})
    row = sf.query(format_soql("SELECT Who.Name, What.Name FROM Task WHERE Id = {}", task))
    assert (row["records"][0]["Who"], row["records"][0]["What"]) == (None, None)
    line = sf.query(
        "SELECT TotalPrice, Product2.ProductCode, Opportunity.CloseDate"
        " FROM OpportunityLineItem LIMIT 1"
    )
    assert line["records"][0]["Product2"]["ProductCode"] == "PBM-3040"
    assert line["records"][0]["Opportunity"]["CloseDate"] == "2025-10-12"
    assert line["records"][0]["TotalPrice"] == 846.29


def test_format_soql_literals_with_quotes_and_escapes_round_trip(
    fake_salesforce: Fake,  # noqa: F811
) -> None:
    tricky = ["Bob's BBQ", 'The "Best" \\ Worst', "Line\nbreak\ttab", "Ünïcödé & Co"]
    ids = [fake_salesforce.state.create("Account", {"Name": name}) for name in tricky]
    _accounts(fake_salesforce, 3, "Noise")
    sf = _client(fake_salesforce)
    for name, record_id in zip(tricky, ids, strict=True):
        found = sf.query(format_soql("SELECT Id, Name FROM Account WHERE Name = {}", name))
        assert [(r["Id"], r["Name"]) for r in found["records"]] == [(record_id, name)]
    listed = sf.query(
        format_soql("SELECT Id FROM Account WHERE Name IN {} ORDER BY Name DESC", tricky[:2])
    )
    assert [r["Id"] for r in listed["records"]] == [ids[1], ids[0]]
    raw = sf.query(r"SELECT Name FROM Account WHERE Name = 'caf\u00e9' OR Name = 'bob\'s bbq'")
    assert [r["Name"] for r in raw["records"]] == ["Bob's BBQ"]  # text compares ignore case


def test_dates_datetimes_and_numbers_filter_and_format_like_salesforce(
    fake_salesforce: Fake,  # noqa: F811
) -> None:
    state = fake_salesforce.state
    account = state.create("Account", {"Name": "Dated", "KAM_Revenue__c": Decimal("1234.5")})
    stamp = datetime(2026, 11, 27, 9, 30, tzinfo=UTC)
    state.update(account, {"KAM_Computed_At__c": stamp})
    state.create(
        "Opportunity",
        {
            "Name": "O",
            "StageName": "Closed Won",
            "CloseDate": AS_OF,
            "AccountId": account,
            "Amount": Decimal(10),
        },
    )
    sf = _client(fake_salesforce)
    after = format_soql(
        "SELECT KAM_Revenue__c, KAM_Computed_At__c FROM Account WHERE KAM_Computed_At__c > {}",
        stamp - timedelta(hours=1),
    )
    record = sf.query(after)["records"][0]
    assert record["KAM_Computed_At__c"] == "2026-11-27T09:30:00.000+0000"
    assert record["KAM_Revenue__c"] == 1234.5
    won = sf.query(
        format_soql(
            "SELECT Id, IsWon, IsClosed FROM Opportunity WHERE CloseDate = {} AND Amount >= {}",
            AS_OF,
            10,
        )
    )
    assert (won["records"][0]["IsWon"], won["records"][0]["IsClosed"]) == (True, True)


def test_count_query_answers_total_size_without_records(loaded: tuple[Fake, LoadResult]) -> None:
    fake, ids = loaded
    sf = _client(fake)
    since = date(2026, 1, 1)
    expected = sum(1 for r in fake.state.records("Opportunity") if r["CloseDate"] > since)  # type: ignore[operator]  # dates
    answer = sf.query(format_soql("SELECT COUNT() FROM Opportunity WHERE CloseDate > {}", since))
    assert answer == {"totalSize": expected, "done": True, "records": []}
    assert 0 < expected < len(ids.opportunities)


def test_bad_soql_answers_the_real_error_codes(fake_salesforce: Fake) -> None:  # noqa: F811
    sf = _client(fake_salesforce)
    cases = {
        "SELECT Nope__c FROM Account": "INVALID_FIELD",
        "SELECT Id FROM Nope__c": "INVALID_TYPE",
        "SELECT Id FROM Account GROUP BY Name": "MALFORMED_QUERY",
        "SELECT Id FROM Account WHERE": "MALFORMED_QUERY",
        "SELECT Id FROM Opportunity WHERE CloseDate = '2026-01-01'": (
            "INVALID_QUERY_FILTER_OPERATOR"
        ),
        "SELECT Id FROM Account WHERE Name = 5": "INVALID_QUERY_FILTER_OPERATOR",
        "SELECT Id FROM Account WHERE Id = 'abc'": "INVALID_QUERY_FILTER_OPERATOR",
        "SELECT Id FROM Account WHERE Name = 'a' AND Name = 'b' OR Name = 'c'": "MALFORMED_QUERY",
        r"SELECT Id FROM Account WHERE Name = 'a\z'": "MALFORMED_QUERY",
        "SELECT convertCurrency(Amount) FROM Opportunity": "INVALID_FIELD",
    }
    for soql, code in cases.items():
        with pytest.raises(SalesforceMalformedRequest) as caught:
            sf.query(soql)
        assert caught.value.content[0]["errorCode"] == code, soql
    with pytest.raises(SalesforceMalformedRequest) as caught:
        sf.query("SELECT Nope__c FROM Account")
    assert (
        "ERROR at Row:1:Column:8\nNo such column 'Nope__c' on entity 'Account'"
        in caught.value.content[0]["message"]
    )


def test_convert_currency_uses_dated_rates_with_advanced_currency_management(
    fake_salesforce: Fake,  # noqa: F811
) -> None:
    state = fake_salesforce.state
    state.enable_multi_currency(
        "EUR", {"USD": "1.25"}, dated_rates=[DatedRate("USD", date(2026, 6, 1), Decimal("1.10"))]
    )
    account = state.create("Account", {"Name": "Yankee"})
    base = {
        "StageName": "Closed Won",
        "AccountId": account,
        "CurrencyIsoCode": "USD",
        "Amount": Decimal("110"),
    }
    state.create("Opportunity", {**base, "Name": "Early", "CloseDate": date(2026, 1, 5)})
    state.create("Opportunity", {**base, "Name": "Late", "CloseDate": date(2026, 7, 5)})
    sf = _client(fake_salesforce)
    rows = sf.query(
        "SELECT Name, Amount, convertCurrency(Amount) eur, CurrencyIsoCode"
        " FROM Opportunity ORDER BY Name"
    )
    assert [(r["Name"], r["Amount"], r["eur"], r["CurrencyIsoCode"]) for r in rows["records"]] == [
        ("Early", 110.0, 88.0, "USD"),  # static rate 1.25: no dated rate before June
        ("Late", 110.0, 100.0, "USD"),  # dated rate 1.10 from June
    ]


# --- describe and limits -------------------------------------------------------------------


def test_describe_lists_field_types_picklists_and_the_external_id(
    fake_salesforce: Fake,  # noqa: F811
) -> None:
    sf = _client(fake_salesforce)
    account = {f["name"]: f for f in sf.restful("sobjects/Account/describe")["fields"]}
    assert account["Integration_Stage__c"]["type"] == "picklist"
    assert [v["value"] for v in account["Integration_Stage__c"]["picklistValues"]] == [
        "transactional",
        "collaborative",
        "integrated",
    ]
    assert account["KAM_Revenue__c"]["type"] == "currency"
    assert account["Industry"]["picklistValues"][0]["value"] == "Agriculture"
    task = {f["name"]: f for f in sf.restful("sobjects/task/describe")["fields"]}
    assert (task["KAM_Task_Key__c"]["externalId"], task["KAM_Task_Key__c"]["unique"]) == (
        True,
        True,
    )
    assert (task["IsClosed"]["updateable"], task["AccountId"]["createable"]) == (False, False)


def test_every_api_response_carries_the_limit_header_and_limits_reflect_it(
    fake_salesforce: Fake,  # noqa: F811
) -> None:
    fake_salesforce.state.set_daily_limit(max=15000, used=100)
    session = fake_salesforce.session()
    answer = session.get(f"{fake_salesforce.api_base}/limits", headers=fake_salesforce.headers())
    assert answer.headers["Sforce-Limit-Info"] == "api-usage=101/15000"
    assert answer.json()["DailyApiRequests"] == {"Max": 15000, "Remaining": 14899}
    refused = session.get(
        f"{fake_salesforce.api_base}/limits", headers={"Authorization": "Bearer nope"}
    )
    assert (refused.status_code, refused.headers["Sforce-Limit-Info"]) == (
        401,
        "api-usage=101/15000",
    )
    sf = _client(fake_salesforce)
    sf.query("SELECT Id FROM Account")
    assert sf.api_usage["api-usage"].used == 102


def test_the_daily_allowance_is_enforced(fake_salesforce: Fake) -> None:  # noqa: F811
    fake_salesforce.state.set_daily_limit(max=50, used=49)
    sf = _client(fake_salesforce)
    sf.query("SELECT Id FROM Account")
    with pytest.raises(SalesforceRefusedRequest) as caught:
        sf.query("SELECT Id FROM Account")
    assert caught.value.content == [
        {"message": "TotalRequests Limit exceeded.", "errorCode": "REQUEST_LIMIT_EXCEEDED"}
    ]
    assert fake_salesforce.state.daily_used == 50


# --- sObject Collections ---------------------------------------------------------------------


def test_composite_update_reports_per_record_errors_in_order(
    fake_salesforce: Fake,  # noqa: F811
) -> None:
    ok, locked, long_name, missing_ok = _accounts(fake_salesforce, 4)
    fake_salesforce.faults.lock_rows({locked: 1})
    gone = ok[:-3] + "999"
    records = [
        {
            "attributes": {"type": "Account"},
            "id": ok,
            "KAM_Segment__c": "A",
            "KAM_Revenue__c": "1234.565",
        },
        {"attributes": {"type": "Account"}, "id": locked, "KAM_Segment__c": "B"},
        {"attributes": {"type": "Account"}, "id": long_name, "KAM_Segment__c": "X" * 11},
        {"attributes": {"type": "Account"}, "id": gone, "KAM_Segment__c": "C"},
        {"attributes": {"type": "Account"}, "id": missing_ok, "Name": None},
        {"attributes": {"type": "Account"}, "id": "001bad", "KAM_Segment__c": "C"},
        {"attributes": {"type": "Task"}, "id": ok, "Subject": "wrong object"},
    ]
    results = _patch(_client(fake_salesforce), records)
    assert _codes(results) == [
        None,
        "UNABLE_TO_LOCK_ROW",
        "STRING_TOO_LONG",
        "ENTITY_IS_DELETED",
        "REQUIRED_FIELD_MISSING",
        "MALFORMED_ID",
        "MALFORMED_ID",
    ]
    assert results[0] == {"id": ok, "success": True, "errors": []}
    assert results[1]["errors"][0]["message"] == (
        f"unable to obtain exclusive access to this record or 1 records: {locked}"
    )
    assert results[2]["errors"][0] == {
        "statusCode": "STRING_TOO_LONG",
        "message": f"KAM Segment: data value too large: {'X' * 11} (max length=10)",
        "fields": ["KAM_Segment__c"],
    }
    assert fake_salesforce.state.get(ok)["KAM_Revenue__c"] == Decimal("1234.57")  # type: ignore[index]
    assert _codes(_patch(_client(fake_salesforce), records[1:2])) == [None]  # the lock was once


def test_read_only_fields_are_refused_per_record(fake_salesforce: Fake) -> None:  # noqa: F811
    task = fake_salesforce.state.create("Task", {"Subject": "Call"})
    results = _patch(
        _client(fake_salesforce), [{"attributes": {"type": "Task"}, "id": task, "IsClosed": True}]
    )
    assert results[0]["errors"][0]["statusCode"] == "INVALID_FIELD_FOR_INSERT_UPDATE"
    assert results[0]["errors"][0]["fields"] == ["IsClosed"]


def test_an_empty_string_clears_a_text_field_and_null_clears_a_number(
    fake_salesforce: Fake,  # noqa: F811
) -> None:
    account = fake_salesforce.state.create(
        "Account", {"Name": "Full", "KAM_Segment__c": "A", "KAM_Revenue__c": Decimal(5)}
    )
    record = {"attributes": {"type": "Account"}, "id": account}
    update = {**record, "KAM_Segment__c": "", "KAM_Revenue__c": None}
    assert _codes(_patch(_client(fake_salesforce), [update])) == [None]
    stored = fake_salesforce.state.get(account)
    assert stored is not None
    assert (stored["KAM_Segment__c"], stored["KAM_Revenue__c"]) == (None, None)


def test_all_or_none_rolls_back_every_record(fake_salesforce: Fake) -> None:  # noqa: F811
    first, second = _accounts(fake_salesforce, 2)
    records = [
        {"attributes": {"type": "Account"}, "id": first, "KAM_Segment__c": "A"},
        {"attributes": {"type": "Account"}, "id": second, "KAM_Segment__c": "TOO LONG VALUE"},
    ]
    results = _patch(_client(fake_salesforce), records, all_or_none=True)
    assert _codes(results) == ["ALL_OR_NONE_OPERATION_ROLLED_BACK", "STRING_TOO_LONG"]
    assert _segment(fake_salesforce, first) is None


def test_more_than_200_records_answer_exceeded_id_limit(fake_salesforce: Fake) -> None:  # noqa: F811
    ids = _accounts(fake_salesforce, 201)
    records = [{"attributes": {"type": "Account"}, "id": i, "KAM_Open_Gaps__c": 1} for i in ids]
    sf = _client(fake_salesforce)
    with pytest.raises(SalesforceMalformedRequest) as caught:
        _patch(sf, records)
    assert caught.value.content == [
        {
            "message": "record limit reached. cannot submit more than 200 records into this call",
            "errorCode": "EXCEEDED_ID_LIMIT",
        }
    ]
    assert _codes(_patch(sf, records[:200])) == [None] * 200


def test_unknown_fields_and_undeserializable_values_fail_the_whole_request(
    fake_salesforce: Fake,  # noqa: F811
) -> None:
    (account,) = _accounts(fake_salesforce, 1)
    sf = _client(fake_salesforce)
    with pytest.raises(SalesforceMalformedRequest) as caught:
        _patch(sf, [{"attributes": {"type": "Account"}, "id": account, "KAM_Nope__c": 1}])
    assert caught.value.content == [
        {
            "message": "No such column 'KAM_Nope__c' on sobject of type Account",
            "errorCode": "INVALID_FIELD",
        }
    ]
    with pytest.raises(SalesforceMalformedRequest) as caught:
        _patch(sf, [{"attributes": {"type": "Account"}, "id": account, "KAM_Revenue__c": "12,50"}])
    error = caught.value.content[0]
    assert error["errorCode"] == "JSON_PARSER_ERROR"
    assert error["message"].startswith(
        "Cannot deserialize instance of double from VALUE_STRING value 12,50"
    )
    assert _codes(
        _patch(sf, [{"attributes": {"type": "Account"}, "id": account, "KAM_Revenue__c": "12.50"}])
    ) == [None]


def test_task_keys_are_unique_per_record_across_and_within_requests(
    loaded: tuple[Fake, LoadResult],
) -> None:
    fake, ids = loaded
    sf = _client(fake)
    task = {
        "attributes": {"type": "Task"},
        "WhoId": ids.contacts["con-00001"],
        "WhatId": ids.accounts["acc-0001"],
        "OwnerId": ids.users["m-02"],
        "ActivityDate": "2026-12-01",
        "Subject": "KAM contact",
    }
    created = sf.restful(
        "composite/sobjects", method="POST", json={"records": [{**task, "KAM_Task_Key__c": "k-1"}]}
    )
    assert created[0]["success"]
    assert created[0]["id"].startswith("00T")
    again = sf.restful(
        "composite/sobjects",
        method="POST",
        json={
            "records": [
                {**task, "KAM_Task_Key__c": "K-1"},
                {**task, "KAM_Task_Key__c": "k-2"},
                {**task, "KAM_Task_Key__c": "k-2"},
            ]
        },
    )
    assert _codes(again) == ["DUPLICATE_VALUE", None, "DUPLICATE_VALUE"]
    assert again[0]["errors"][0]["message"] == (
        "duplicate value found: KAM_Task_Key__c duplicates value on record with id: "
        + created[0]["id"]
    )
    assert again[2]["errors"][0]["message"] == (
        "duplicate value found: <unknown> duplicates value on record with id: <unknown>"
    )
    stored = fake.state.get(created[0]["id"])
    assert stored is not None
    assert (stored["AccountId"], stored["IsClosed"], stored["Status"]) == (
        ids.accounts["acc-0001"],
        False,
        "Not Started",
    )
    deferred = _patch(
        sf, [{"attributes": {"type": "Task"}, "id": created[0]["id"], "Status": "Deferred"}]
    )
    assert _codes(deferred) == [None]
    assert fake.state.get(created[0]["id"])["IsClosed"] is False  # type: ignore[index]
    closed = _patch(
        sf, [{"attributes": {"type": "Task"}, "id": created[0]["id"], "Status": "Completed"}]
    )
    assert _codes(closed) == [None]
    assert fake.state.get(created[0]["id"])["IsClosed"] is True  # type: ignore[index]


# --- Bulk API 2.0 ----------------------------------------------------------------------------


def _bulk(fake: Fake, method: str, path: str, **kwargs: Any) -> requests.Response:
    headers = {**fake.headers(), **kwargs.pop("headers", {})}
    return fake.session().request(method, f"{fake.api_base}/jobs/{path}", headers=headers, **kwargs)


def test_bulk_query_job_runs_and_pages_its_csv_with_the_locator(
    loaded: tuple[Fake, LoadResult],
) -> None:
    fake, ids = loaded
    fake.bulk.polls_before_complete = 1
    soql = "SELECT Id, Amount, Account.Name, IsWon FROM Opportunity"
    job = _bulk(fake, "POST", "query", json={"operation": "query", "query": soql}).json()
    assert (job["state"], job["object"], job["id"][:3]) == ("UploadComplete", "Opportunity", "750")
    states = [_bulk(fake, "GET", f"query/{job['id']}").json()["state"] for _ in range(2)]
    assert states == ["InProgress", "JobComplete"]
    rows: list[dict[str, str]] = []
    locator = None
    while locator != "null":
        params = {"maxRecords": 250, **({"locator": locator} if locator else {})}
        page = _bulk(fake, "GET", f"query/{job['id']}/results", params=params)
        locator = page.headers["Sforce-Locator"]
        batch = list(csv.DictReader(io.StringIO(page.text)))
        assert int(page.headers["Sforce-NumberOfRecords"]) == len(batch)
        rows.extend(batch)
    assert [r["Id"] for r in rows] == ids.opportunities
    assert rows[0] == {
        "Id": ids.opportunities[0],
        "Amount": "846.29",
        "Account.Name": "Maasland Installaties B.V.",
        "IsWon": "true",
    }
    refused = _bulk(
        fake, "POST", "query", json={"operation": "query", "query": "SELECT COUNT() FROM Account"}
    )
    assert refused.status_code == 400


def test_bulk_query_through_simple_salesforce(loaded: tuple[Fake, LoadResult]) -> None:
    fake, ids = loaded
    sf = _client(fake)
    chunks = list(
        sf.bulk2.Contact.query("SELECT Id, Name, Email FROM Contact", max_records=40, wait=0)
    )
    rows = [row for chunk in chunks for row in csv.DictReader(io.StringIO(chunk))]
    assert len(chunks) == 3
    assert [r["Id"] for r in rows] == sorted(ids.contacts.values())


def test_bulk_ingest_update_and_insert_report_successful_and_failed_rows(
    loaded: tuple[Fake, LoadResult],
) -> None:
    fake, ids = loaded
    first, second, third = (ids.accounts[a] for a in ("acc-0001", "acc-0002", "acc-0003"))
    fake.faults.lock_rows({third: 1})
    job = _bulk(
        fake,
        "POST",
        "ingest",
        json={"object": "Account", "operation": "update", "contentType": "CSV", "lineEnding": "LF"},
    ).json()
    assert job["state"] == "Open"
    assert job["contentUrl"].endswith(f"/jobs/ingest/{job['id']}/batches")
    data = f"Id,KAM_Segment__c,KAM_Revenue__c\n{first},A,100.5\n{second},B,abc\n{third},C,#N/A\n"
    assert (
        _bulk(
            fake,
            "PUT",
            f"ingest/{job['id']}/batches",
            data=data,
            headers={"Content-Type": "text/csv"},
        ).status_code
        == 201
    )
    twice = _bulk(
        fake, "PUT", f"ingest/{job['id']}/batches", data=data, headers={"Content-Type": "text/csv"}
    )
    assert twice.status_code == 400
    assert "Found multiple contents for job" in twice.json()[0]["message"]
    closed = _bulk(fake, "PATCH", f"ingest/{job['id']}", json={"state": "UploadComplete"}).json()
    assert closed["state"] == "UploadComplete"
    info = _bulk(fake, "GET", f"ingest/{job['id']}").json()
    assert (info["state"], info["numberRecordsProcessed"], info["numberRecordsFailed"]) == (
        "JobComplete",
        3,
        2,
    )
    good = list(
        csv.DictReader(
            io.StringIO(_bulk(fake, "GET", f"ingest/{job['id']}/successfulResults/").text)
        )
    )
    assert good == [
        {
            "sf__Id": first,
            "sf__Created": "false",
            "Id": first,
            "KAM_Segment__c": "A",
            "KAM_Revenue__c": "100.5",
        }
    ]
    bad = list(
        csv.DictReader(io.StringIO(_bulk(fake, "GET", f"ingest/{job['id']}/failedResults/").text))
    )
    assert [r["sf__Error"].split(":")[0] for r in bad] == ["INVALID_FIELD", "UNABLE_TO_LOCK_ROW"]
    assert (
        bad[1]["sf__Error"]
        == "UNABLE_TO_LOCK_ROW:unable to obtain exclusive access to this record or 1 records: "
        f"{third}:--"
    )
    assert fake.state.get(first)["KAM_Revenue__c"] == Decimal("100.50")  # type: ignore[index]

    sf = _client(fake)
    inserted = sf.bulk2.Task.insert(
        records=[
            {"Subject": "Bulk", "KAM_Task_Key__c": "b-1", "WhatId": first},
            {"Subject": "Dup", "KAM_Task_Key__c": "b-1"},
        ],
        wait=0,
    )
    assert (inserted[0]["numberRecordsProcessed"], inserted[0]["numberRecordsFailed"]) == (2, 1)


def test_bulk_ingest_with_an_unknown_column_fails_the_job(fake_salesforce: Fake) -> None:  # noqa: F811
    job = _bulk(
        fake_salesforce, "POST", "ingest", json={"object": "Account", "operation": "insert"}
    ).json()
    _bulk(fake_salesforce, "PUT", f"ingest/{job['id']}/batches", data="Name,Nope__c\nx,y\n")
    _bulk(fake_salesforce, "PATCH", f"ingest/{job['id']}", json={"state": "UploadComplete"})
    info = _bulk(fake_salesforce, "GET", f"ingest/{job['id']}").json()
    assert (info["state"], info["errorMessage"]) == (
        "Failed",
        "InvalidBatch : Field name not found : Nope__c",
    )


# --- faults and call counting ------------------------------------------------------------------


def test_fail_next_answers_503_for_that_route_then_recovers(fake_salesforce: Fake) -> None:  # noqa: F811
    fake_salesforce.faults.fail_next(2, status=503, route="/query")
    sf = _client(fake_salesforce)
    sf.restful("limits")  # another route is not affected
    for _ in range(2):
        with pytest.raises(SalesforceGeneralError) as caught:
            sf.query("SELECT Id FROM Account")
        assert caught.value.status == 503
        assert caught.value.content[0]["errorCode"] == "SERVER_UNAVAILABLE"
    assert sf.query("SELECT Id FROM Account")["done"] is True
    assert fake_salesforce.calls["GET", "/query"] == 3
    assert fake_salesforce.calls.count(route="/limits") == 1


def test_fail_next_500_answers_unknown_exception(fake_salesforce: Fake) -> None:  # noqa: F811
    fake_salesforce.faults.fail_next(status=500, route="/composite/sobjects", method="PATCH")
    with pytest.raises(SalesforceGeneralError) as caught:
        _patch(_client(fake_salesforce), [])
    assert (caught.value.status, caught.value.content[0]["errorCode"]) == (500, "UNKNOWN_EXCEPTION")


def test_expired_tokens_answer_invalid_session_id_until_renewed(fake_salesforce: Fake) -> None:  # noqa: F811
    sf = _client(fake_salesforce)
    fake_salesforce.faults.expire_next(1, route="/limits")
    with pytest.raises(SalesforceExpiredSession) as caught:
        sf.restful("limits")
    assert caught.value.content == [
        {"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}
    ]
    sf.restful("limits")
    fake_salesforce.faults.expire_tokens()
    with pytest.raises(SalesforceExpiredSession):
        sf.query("SELECT Id FROM Account")
    fake_salesforce.renew_token()
    assert _client(fake_salesforce).query("SELECT Id FROM Account")["totalSize"] == 0


def test_limit_faults_answer_request_limit_exceeded(fake_salesforce: Fake) -> None:  # noqa: F811
    fake_salesforce.faults.limit_next(kind="concurrent")
    fake_salesforce.faults.limit_next(kind="daily")
    sf = _client(fake_salesforce)
    messages = []
    for _ in range(2):
        with pytest.raises(SalesforceRefusedRequest) as caught:
            sf.query("SELECT Id FROM Account")
        messages.append(caught.value.content[0]["message"])
    assert messages == ["ConcurrentPerOrgLongTxn Limit exceeded.", "TotalRequests Limit exceeded."]


def test_a_hanging_request_times_out_on_the_client_and_the_write_still_happens(
    fake_salesforce: Fake,  # noqa: F811
) -> None:
    (account,) = _accounts(fake_salesforce, 1)
    fake_salesforce.faults.hang_next(seconds=0.6, route="/composite/sobjects")
    body = {"records": [{"attributes": {"type": "Account"}, "id": account, "KAM_Segment__c": "A"}]}
    with pytest.raises(requests.ReadTimeout):
        fake_salesforce.session().patch(
            f"{fake_salesforce.api_base}/composite/sobjects",
            json=body,
            headers=fake_salesforce.headers(),
            timeout=(5, 0.2),
        )
    deadline = time.monotonic() + 3
    while _segment(fake_salesforce, account) is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _segment(fake_salesforce, account) == "A"


def test_calls_are_counted_per_method_and_route_template(fake_salesforce: Fake) -> None:  # noqa: F811
    sf = _client(fake_salesforce)
    sf.query("SELECT Id FROM Account")
    sf.restful("sobjects/Account/describe")
    sf.restful("sobjects/Contact/describe")
    assert fake_salesforce.calls.snapshot() == {
        ("GET", "/query"): 1,
        ("GET", "/sobjects/<object>/describe"): 2,
    }
    assert fake_salesforce.calls.total == 3


# --- OAuth ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _token(fake: Fake, form: dict[str, str]) -> requests.Response:
    return fake.session().post(f"{fake.url}/services/oauth2/token", data=form)


def _assertion(fake: Fake, key: rsa.RSAPrivateKey, **claims: Any) -> str:
    values = {
        "iss": fake.oauth.client_id,
        "sub": fake.oauth.username,
        "aud": "https://login.salesforce.com",  # the login host, not the instance URL
        "exp": int(time.time()) + 180,
        **claims,
    }
    return jwt.encode(values, key, algorithm="RS256")


def test_jwt_bearer_grant_issues_a_token_the_api_accepts(
    fake_salesforce: Fake,  # noqa: F811
    rsa_key: rsa.RSAPrivateKey,
) -> None:
    fake_salesforce.oauth.public_key = rsa_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    answer = _token(
        fake_salesforce,
        {"grant_type": JWT_BEARER, "assertion": _assertion(fake_salesforce, rsa_key)},
    )
    assert answer.status_code == 200
    body = answer.json()
    assert {"access_token", "instance_url", "id", "token_type", "issued_at", "signature"} <= set(
        body
    )
    assert (body["token_type"], body["instance_url"]) == ("Bearer", fake_salesforce.url)
    sf = Salesforce(
        instance_url=body["instance_url"],
        session_id=body["access_token"],
        version="62.0",
        session=fake_salesforce.session(),
    )
    assert sf.query("SELECT Id FROM Account")["done"] is True
    assert fake_salesforce.calls["POST", "/services/oauth2/token"] == 1


@pytest.mark.parametrize(
    ("claims", "error", "description"),
    [
        ({"aud": "https://evil.example"}, "invalid_grant", "audience is invalid"),
        ({"aud": "https://test.salesforce.com"}, "invalid_grant", "audience is invalid"),
        ({"exp": 1_000_000}, "invalid_grant", "expired authorization code"),
        ({"iss": "someone-else"}, "invalid_client_id", "client identifier invalid"),
        ({"sub": "nobody@example.com"}, "invalid_grant", "user hasn't approved this consumer"),
    ],
)
def test_jwt_bearer_grant_checks_each_claim(
    fake_salesforce: Fake,  # noqa: F811
    rsa_key: rsa.RSAPrivateKey,
    claims: dict[str, Any],
    error: str,
    description: str,
) -> None:
    answer = _token(
        fake_salesforce,
        {"grant_type": JWT_BEARER, "assertion": _assertion(fake_salesforce, rsa_key, **claims)},
    )
    assert (answer.status_code, answer.json()) == (
        400,
        {"error": error, "error_description": description},
    )


def test_jwt_bearer_grant_with_a_foreign_signature_is_an_invalid_assertion(
    fake_salesforce: Fake,  # noqa: F811
    rsa_key: rsa.RSAPrivateKey,
) -> None:
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    fake_salesforce.oauth.public_key = other.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    answer = _token(
        fake_salesforce,
        {"grant_type": JWT_BEARER, "assertion": _assertion(fake_salesforce, rsa_key)},
    )
    assert answer.json() == {"error": "invalid_grant", "error_description": "invalid assertion"}


def test_client_credentials_and_password_grants_check_the_configured_credentials(
    fake_salesforce: Fake,  # noqa: F811
) -> None:
    oauth = fake_salesforce.oauth
    client = {"client_id": oauth.client_id, "client_secret": oauth.client_secret}
    assert (
        _token(fake_salesforce, {"grant_type": "client_credentials", **client}).status_code == 200
    )
    wrong = _token(
        fake_salesforce, {"grant_type": "client_credentials", **client, "client_secret": "x"}
    )
    assert wrong.json() == {
        "error": "invalid_client",
        "error_description": "invalid client credentials",
    }
    login = {"grant_type": "password", **client, "username": oauth.username}
    assert (
        _token(
            fake_salesforce, {**login, "password": oauth.password + oauth.security_token}
        ).status_code
        == 200
    )
    bad = _token(fake_salesforce, {**login, "password": oauth.password})
    assert (bad.status_code, bad.json()["error_description"]) == (400, "authentication failure")
    assert (
        _token(fake_salesforce, {"grant_type": "refresh_token"}).json()["error"]
        == "unsupported_grant_type"
    )


# --- the loader --------------------------------------------------------------------------------


def _csv_rows(folder: Path, name: str) -> list[dict[str, str]]:
    with (folder / name).open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_loading_the_demo_folder_gives_consistent_counts_and_keeps_id_order(
    loaded: tuple[Fake, LoadResult], demo_source: Path
) -> None:
    fake, ids = loaded
    state = fake.state
    accounts = _csv_rows(demo_source, "accounts.csv")
    contacts = _csv_rows(demo_source, "contacts.csv")
    members = _csv_rows(demo_source, "members.csv")
    team = _csv_rows(demo_source, "team.csv")
    revenue = _csv_rows(demo_source, "revenue.csv")
    activities = _csv_rows(demo_source, "activities.csv")
    with_value = fake.profile.psu_values()  # the standard org has no delivery/administration
    roles = sum(1 for r in team for role in r["psu_roles"].split(";") if role in with_value)
    assert 0 < roles < sum(len(r["psu_roles"].split(";")) for r in team)
    assert (
        state.count("Account"),
        state.count("Contact"),
        state.count("AccountContactRelation"),
    ) == (
        len(accounts),
        len(contacts),
        len(contacts),
    )
    assert state.count("User") == len(members) + 1  # plus the integration (API) user
    assert (state.count("AccountTeamMember"), state.count("Opportunity")) == (roles, len(revenue))
    assert state.count("OpportunityLineItem") == sum(1 for r in revenue if r["product"])
    assert state.count("Task") + state.count("Event") == len(activities)
    held = sum(1 for r in activities if r["type"] == "meeting" and r["status"] != "open")
    assert state.count("Event") == held
    for mapping in (ids.accounts, ids.contacts, ids.users):
        assert [mapping[k] for k in sorted(mapping)] == sorted(mapping.values())
    assert ids.source_id(ids.accounts["acc-0007"]) == "acc-0007"
    assert ("acc-0005", "strategic_fit", "n/a") in ids.dropped


def test_loaded_roles_owner_and_flags_follow_the_spec_mapping(
    loaded: tuple[Fake, LoadResult], demo_source: Path
) -> None:
    fake, ids = loaded
    state = fake.state
    contact_roles = {**DEFAULT_SF_CONTACT_ROLES, **EXTRA_CONTACT_ROLES}
    for row in _csv_rows(demo_source, "contacts.csv"):
        relation = state.get(ids.relations[row["id"]])
        assert relation is not None
        loaded_roles = sorted(
            contact_roles[v] for v in str(relation["Roles"] or "").split(";") if v
        )
        # A standard org has no value for "supporter": that role is not loaded.
        wanted = sorted(r for r in row["dmu_roles"].split(";") if r and r != "supporter")
        assert loaded_roles == wanted
        assert state.get(ids.contacts[row["id"]])["Gatekeeper__c"] == (row["gatekeeper"] == "true")  # type: ignore[index]
    team_roles = {**DEFAULT_SF_TEAM_ROLES, **EXTRA_TEAM_ROLES}
    assert {team_roles[str(r["TeamMemberRole"])] for r in state.records("AccountTeamMember")} == {
        "account_manager",
        "sales_rep",
        "sales_manager",
        "executive",
        "support",
    }
    owner = state.get(ids.accounts["acc-0006"])["OwnerId"]  # type: ignore[index]
    assert owner == ids.users["m-03"]  # account_manager;sales_rep on acc-0006
    pioneers = {
        r["member_id"] for r in _csv_rows(demo_source, "team.csv") if r["pioneer"] == "true"
    }
    flagged = {m for m, u in ids.users.items() if state.get(u)["KAM_Pioneer__c"]}  # type: ignore[index]
    assert flagged == pioneers
    task = next(r for r in state.records("Task") if r["Subject"] == "Call")
    assert (task["Status"], task["IsClosed"], task["AccountId"]) == (
        "Completed",
        True,
        task["WhatId"],
    )
    event = state.records("Event")[0]
    assert event["EndDateTime"].date() == event["ActivityDate"]  # type: ignore[union-attr]


def test_the_whole_loaded_org_is_readable_through_the_api_as_json(
    loaded: tuple[Fake, LoadResult],
) -> None:
    fake, _ = loaded
    rows = _client(fake).query_all(
        "SELECT Id, AccountId, OwnerId, ActivityDate, IsClosed, Status, Who.Name, KAM_Task_Key__c"
        " FROM Task WHERE IsClosed = false"
    )["records"]
    assert rows
    assert all(r["IsClosed"] is False for r in rows)
    assert all(r["Status"] == "Not Started" for r in rows)
    json.dumps(rows)
