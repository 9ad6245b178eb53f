"""The fake HubSpot answers like the real CRM v3/v4 APIs (starts local HTTP servers).

Driven with hubspot-api-client itself and with plain requests, as the connector will be. The
fixture's portal runs on a ManualClock, so rate-limit windows move only when a test advances it.
"""

from __future__ import annotations

import csv
import json
import time
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
import requests
import urllib3
from hubspot.crm.associations.v4 import (
    BatchInputPublicFetchAssociationsBatchRequest,
    PublicFetchAssociationsBatchRequest,
)
from hubspot.crm.companies import ApiException as CompanyApiException
from hubspot.crm.companies import (
    BatchInputSimplePublicObjectBatchInput,
    SimplePublicObjectBatchInput,
)
from hubspot.crm.deals import Filter, FilterGroup, PublicObjectSearchRequest
from hubspot.crm.objects.tasks import ApiException as TaskApiException
from hubspot.crm.objects.tasks import (
    AssociationSpec,
    BatchInputSimplePublicObjectBatchInputForCreate,
    PublicAssociationsForObject,
    PublicObjectId,
    SimplePublicObjectBatchInputForCreate,
)
from hubspot.crm.properties import ApiException as PropertyApiException
from hubspot.crm.properties import PropertyCreate, PropertyGroupCreate

from crm_accounts.connectors.demo import generate_demo
from tests.fakes.hubspot import (
    BUYING_ROLE_VALUES,
    EXTRA_BUYING_ROLES,
    TEAM_ROLE_PROPERTIES,
    FakeHubSpot,
    LoadResult,
    ManualClock,
    PropertyDef,
)
from tests.fakes.hubspot.fixtures import fake_hubspot  # noqa: F401  # the fixture

AS_OF = date(2026, 11, 27)
Fake = FakeHubSpot


def _companies(fake: Fake, count: int) -> list[str]:
    return [
        fake.state.create("companies", {"name": f"Company {n:04d}"}, system=True)
        for n in range(count)
    ]


def _post(fake: Fake, path: str, body: dict[str, Any]) -> requests.Response:
    return fake.session().post(f"{fake.url}{path}", json=body, headers=fake.headers())


def _get(fake: Fake, path: str, **params: Any) -> requests.Response:
    return fake.session().get(f"{fake.url}{path}", params=params, headers=fake.headers())


def _clock(fake: Fake) -> ManualClock:
    clock = fake.state.clock
    assert isinstance(clock, ManualClock)
    return clock


def _problems(response: requests.Response) -> list[dict[str, Any]]:
    body = response.json()
    assert (response.status_code, body["status"], body["category"]) == (
        400,
        "error",
        "VALIDATION_ERROR",
    )
    prefix = "Property values were not valid: "
    assert body["message"].startswith(prefix)
    problems: list[dict[str, Any]] = json.loads(body["message"][len(prefix) :])
    return problems


@pytest.fixture(scope="module")
def demo_source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("demo")
    return generate_demo(folder, as_of=AS_OF, accounts=30).source_dir


@pytest.fixture
def loaded(fake_hubspot: Fake, demo_source: Path) -> tuple[Fake, LoadResult]:  # noqa: F811
    return fake_hubspot, fake_hubspot.load(demo_source)


# --- objects list -----------------------------------------------------------------------------


def test_paging_over_260_companies_with_after_returns_each_once_in_id_order(
    fake_hubspot: Fake,  # noqa: F811
) -> None:
    ids = _companies(fake_hubspot, 260)
    api = fake_hubspot.client().crm.companies.basic_api
    seen: list[str] = []
    after = None
    while True:
        page = api.get_page(limit=100, after=after, properties=["name"])
        seen += [r.id for r in page.results]
        if page.paging is None:
            break
        after = page.paging.next.after
    assert seen == ids
    assert fake_hubspot.calls["GET", "/crm/v3/objects/companies"] == 3
    first = _get(fake_hubspot, "/crm/v3/objects/companies", limit=100).json()
    assert first["paging"]["next"]["after"] == str(int(ids[99]) + 1)
    assert first["paging"]["next"]["link"].startswith(f"{fake_hubspot.url}/crm/v3/objects/")
    last = _get(fake_hubspot, "/crm/v3/objects/companies", limit=100, after=ids[200]).json()
    assert (len(last["results"]), "paging" in last) == (60, False)


def test_the_list_endpoint_refuses_more_than_100_per_page(fake_hubspot: Fake) -> None:  # noqa: F811
    answer = _get(fake_hubspot, "/crm/v3/objects/companies", limit=101)
    assert answer.status_code == 400
    assert answer.json()["category"] == "VALIDATION_ERROR"


def test_property_values_come_back_as_strings_or_null_and_unknown_names_are_ignored(
    fake_hubspot: Fake,  # noqa: F811
) -> None:
    company = fake_hubspot.state.create(
        "companies", {"name": "Acme", "domain": "acme.example"}, system=True
    )
    deal = fake_hubspot.state.create(
        "deals", {"amount": 1234.5, "closedate": "2026-03-01T00:00:00Z"}, system=True
    )
    body = _get(fake_hubspot, "/crm/v3/objects/companies", properties="name,city,no_such").json()
    assert body["results"][0]["properties"] == {
        "city": None,
        "createdate": "2026-11-27T08:00:00Z",
        "hs_lastmodifieddate": "2026-11-27T08:00:00Z",
        "hs_object_id": company,
        "name": "Acme",
    }
    read = _get(fake_hubspot, f"/crm/v3/objects/deals/{deal}", properties="amount,hs_is_closed_won")
    assert read.json()["properties"]["amount"] == "1234.5"
    assert read.json()["properties"]["hs_is_closed_won"] == "false"
    missing = _get(fake_hubspot, "/crm/v3/objects/deals/3999999999")
    assert (missing.status_code, missing.json()["message"]) == (404, "resource not found")
    unknown = _get(fake_hubspot, "/crm/v3/objects/widgets")
    assert unknown.json()["message"] == "Unable to infer object type from: widgets"


# --- search -----------------------------------------------------------------------------------


def _deals_on(fake: Fake, days: list[str]) -> list[str]:
    return [
        fake.state.create(
            "deals",
            {"dealname": day, "amount": str(n * 10), "closedate": f"{day}T00:00:00Z"},
            system=True,
        )
        for n, day in enumerate(days, start=1)
    ]


def test_search_selects_a_closedate_range_and_sorts_it(fake_hubspot: Fake) -> None:  # noqa: F811
    ids = _deals_on(fake_hubspot, ["2026-01-31", "2026-02-01", "2026-02-15", "2026-03-01"])
    low = int(datetime(2026, 2, 1, tzinfo=UTC).timestamp() * 1000)
    request = PublicObjectSearchRequest(
        filter_groups=[
            FilterGroup(
                filters=[
                    Filter(property_name="closedate", operator="GTE", value=str(low)),
                    Filter(property_name="closedate", operator="LT", value="2026-03-01"),
                ]
            )
        ],
        sorts=[{"propertyName": "closedate", "direction": "DESCENDING"}],
        properties=["amount", "closedate"],
        limit=200,
    )
    found = fake_hubspot.client().crm.deals.search_api.do_search(request)
    assert (found.total, [r.id for r in found.results]) == (2, [ids[2], ids[1]])
    assert found.results[0].properties["closedate"] == "2026-02-15T00:00:00Z"


def test_search_operators_combine_within_and_across_filter_groups(
    fake_hubspot: Fake,  # noqa: F811
) -> None:
    ids = _deals_on(fake_hubspot, ["2026-01-01", "2026-01-02", "2026-01-03", "2026-01-04"])
    fake_hubspot.state.update("deals", ids[3], {"amount": None}, system=True)

    def search(*groups: list[dict[str, Any]]) -> list[str]:
        _clock(fake_hubspot).advance(1)  # the search limit is five per second
        body = {"filterGroups": [{"filters": g} for g in groups], "limit": 200}
        answer = _post(fake_hubspot, "/crm/v3/objects/deals/search", body)
        assert answer.status_code == 200, answer.text
        return [r["id"] for r in answer.json()["results"]]

    assert search([{"propertyName": "amount", "operator": "EQ", "value": "20"}]) == [ids[1]]
    assert search([{"propertyName": "amount", "operator": "NEQ", "value": "20"}]) == [
        ids[0],
        ids[2],
        ids[3],
    ]
    assert search([{"propertyName": "amount", "operator": "IN", "values": ["10", "30"]}]) == [
        ids[0],
        ids[2],
    ]
    between = {"propertyName": "amount", "operator": "BETWEEN", "value": "15", "highValue": "30"}
    assert search([between]) == [ids[1], ids[2]]
    assert search([{"propertyName": "amount", "operator": "NOT_HAS_PROPERTY"}]) == [ids[3]]
    assert search(
        [
            {"propertyName": "amount", "operator": "GT", "value": "10"},
            {"propertyName": "amount", "operator": "LTE", "value": "20"},
        ],
        [{"propertyName": "dealname", "operator": "EQ", "value": "2026-01-04"}],
    ) == [ids[1], ids[3]]


def test_search_pages_up_to_10000_results_and_answers_400_beyond(
    fake_hubspot: Fake,  # noqa: F811
) -> None:
    for n in range(10_050):
        fake_hubspot.state.create(
            "tasks",
            {"hs_timestamp": "2026-11-01T12:00:00Z", "hs_task_subject": str(n)},
            system=True,
        )
    body = {"filterGroups": [], "limit": 200, "after": "9800", "properties": ["hs_task_subject"]}
    near_cap = _post(fake_hubspot, "/crm/v3/objects/tasks/search", body).json()
    assert (near_cap["total"], len(near_cap["results"])) == (10_050, 200)
    assert near_cap["paging"]["next"]["after"] == "10000"
    beyond = _post(fake_hubspot, "/crm/v3/objects/tasks/search", {**body, "after": "10000"})
    assert beyond.status_code == 400
    assert beyond.json()["category"] == "VALIDATION_ERROR"
    too_big = _post(fake_hubspot, "/crm/v3/objects/tasks/search", {**body, "limit": 201})
    assert too_big.status_code == 400


def test_search_is_limited_to_five_requests_per_second(fake_hubspot: Fake) -> None:  # noqa: F811
    statuses = [
        _post(fake_hubspot, "/crm/v3/objects/companies/search", {}).status_code for _ in range(6)
    ]
    assert statuses == [200, 200, 200, 200, 200, 429]
    refused = _post(fake_hubspot, "/crm/v3/objects/companies/search", {})
    assert refused.json()["policyName"] == "SECONDLY"
    assert refused.json()["message"] == "You have reached your secondly limit."
    assert "X-HubSpot-RateLimit-Max" not in refused.headers
    assert refused.headers["X-HubSpot-RateLimit-Daily"] == "250000"
    _clock(fake_hubspot).advance(1)
    assert _post(fake_hubspot, "/crm/v3/objects/companies/search", {}).status_code == 200
    # searches do not use up the 10-second window of the other endpoints
    assert fake_hubspot.state.limits.in_window() == 0


# --- associations -----------------------------------------------------------------------------


def test_associations_batch_read_returns_types_and_207_errors_for_ids_without_any(
    loaded: tuple[Fake, LoadResult],
) -> None:
    fake, ids = loaded
    deals = ids.deals[:3]
    lonely = fake.state.create("deals", {"dealname": "alone"}, system=True)
    batch = BatchInputPublicFetchAssociationsBatchRequest(
        inputs=[PublicFetchAssociationsBatchRequest(id=d) for d in [*deals, lonely]]
    )
    answer = fake.client().crm.associations.v4.batch_api.get_page("deals", "companies", batch)
    assert answer.num_errors == 1
    assert sorted(r._from.id for r in answer.results) == sorted(deals)
    company = ids.companies["acc-0001"]
    assert {r.to[0].to_object_id for r in answer.results} == {company}
    raw = _post(
        fake, "/crm/v4/associations/Deal/Company/batch/read", {"inputs": [{"id": deals[0]}]}
    ).json()
    assert raw["results"][0]["to"] == [
        {
            "toObjectId": int(company),
            "associationTypes": [
                {"category": "HUBSPOT_DEFINED", "typeId": 341, "label": None},
                {"category": "HUBSPOT_DEFINED", "typeId": 5, "label": "Primary"},
            ],
        }
    ]
    error = _post(
        fake, "/crm/v4/associations/deals/companies/batch/read", {"inputs": [{"id": lonely}]}
    )
    assert error.status_code == 207
    assert error.json()["errors"] == [
        {
            "status": "error",
            "category": "OBJECT_NOT_FOUND",
            "subCategory": "crm.associations.NO_ASSOCIATIONS_FOUND",
            "message": f"No company is associated with deal {lonely}.",
            "context": {
                "fromObjectId": [lonely],
                "fromObjectType": ["deal"],
                "toObjectType": ["company"],
            },
        }
    ]


def test_associations_batch_read_covers_every_pair_the_connector_reads(
    loaded: tuple[Fake, LoadResult],
) -> None:
    fake, ids = loaded
    company = ids.companies["acc-0001"]
    contact = ids.contacts["con-00001"]
    activity = ids.activities["act-000001"]
    kind = ids.activity_types["act-000001"]
    line = next(x for x in ids.line_items if x)

    def targets(from_type: str, to_type: str, record: str) -> set[str]:
        body = {"inputs": [{"id": record}]}
        answer = _post(fake, f"/crm/v4/associations/{from_type}/{to_type}/batch/read", body)
        return {str(t["toObjectId"]) for r in answer.json()["results"] for t in r["to"]}

    assert contact in targets("companies", "contacts", company)
    assert targets("contacts", "companies", contact) == {company}
    assert ids.deals[0] in targets("companies", "deals", company)
    assert targets("line_items", "deals", line) <= set(ids.deals)
    assert targets(kind, "contacts", activity) == {contact}
    assert targets(kind, "companies", activity) == {company}


def test_associations_batch_read_pages_each_input_and_refuses_more_than_1000_ids(
    loaded: tuple[Fake, LoadResult],
) -> None:
    fake, ids = loaded
    fake.state.association_page_size = 2
    company = ids.companies["acc-0001"]
    path = "/crm/v4/associations/companies/deals/batch/read"
    first = _post(fake, path, {"inputs": [{"id": company}]}).json()["results"][0]
    cursor = first["paging"]["next"]["after"]
    second = _post(fake, path, {"inputs": [{"id": company, "after": cursor}]}).json()["results"][0]
    first_ids = [t["toObjectId"] for t in first["to"]]
    second_ids = [t["toObjectId"] for t in second["to"]]
    assert len(first_ids) == 2
    assert first_ids[-1] < second_ids[0]
    too_many = _post(fake, path, {"inputs": [{"id": str(n)} for n in range(1001)]})
    assert too_many.status_code == 400
    assert "1000" in too_many.json()["message"]


# --- batch writes -----------------------------------------------------------------------------


def _company_update(company: str, **values: str) -> SimplePublicObjectBatchInput:
    return SimplePublicObjectBatchInput(id=company, properties=values)


def test_batch_update_reports_a_rejected_record_with_207_and_keeps_the_others(
    fake_hubspot: Fake,  # noqa: F811
) -> None:
    first, second, third = _companies(fake_hubspot, 3)
    fake_hubspot.faults.reject_ids({second: "Record is locked"})
    batch = BatchInputSimplePublicObjectBatchInput(
        inputs=[_company_update(c, name=f"Renamed {c}") for c in (first, second, third)]
    )
    answer = fake_hubspot.client().crm.companies.batch_api.update(batch)
    assert sorted(r.id for r in answer.results) == [first, third]
    assert answer.num_errors == 1
    error = answer.errors[0]
    assert (error.status, error.category, error.message) == (
        "error",
        "VALIDATION_ERROR",
        "Record is locked",
    )
    assert error.context == {"ids": [second]}
    assert fake_hubspot.state.get("companies", second)["name"] == "Company 0001"  # type: ignore[index]
    assert fake_hubspot.state.get("companies", third)["name"] == f"Renamed {third}"  # type: ignore[index]
    assert fake_hubspot.calls.statuses("/crm/v3/objects/companies/batch/update") == {207: 1}


def test_batch_update_of_an_unknown_id_is_object_not_found_and_bad_values_fail_the_batch(
    fake_hubspot: Fake,  # noqa: F811
) -> None:
    (company,) = _companies(fake_hubspot, 1)
    path = "/crm/v3/objects/companies/batch/update"
    body = {
        "inputs": [
            {"id": company, "properties": {"name": "Kept"}},
            {"id": "2999999999", "properties": {"name": "Ghost"}},
        ]
    }
    answer = _post(fake_hubspot, path, body)
    assert answer.status_code == 207
    assert answer.json()["errors"][0]["category"] == "OBJECT_NOT_FOUND"
    assert answer.json()["errors"][0]["context"] == {"ids": ["2999999999"]}
    bad = {"inputs": [{"id": company, "properties": {"name": "X", "no_such": "1"}}]}
    assert _problems(_post(fake_hubspot, path, bad)) == [
        {
            "isValid": False,
            "message": 'Property "no_such" does not exist',
            "error": "PROPERTY_DOESNT_EXIST",
            "name": "no_such",
        }
    ]
    assert fake_hubspot.state.get("companies", company)["name"] == "Kept"  # type: ignore[index]
    too_many = {"inputs": [{"id": company, "properties": {}}] * 101}
    assert _post(fake_hubspot, path, too_many).status_code == 400


def _task(subject: str, company: str, contact: str, key: str | None = None) -> Any:
    return SimplePublicObjectBatchInputForCreate(
        properties={"hs_timestamp": "2026-12-01T09:00:00Z", "hs_task_subject": subject},
        associations=[
            PublicAssociationsForObject(
                to=PublicObjectId(id=company),
                types=[
                    AssociationSpec(association_category="HUBSPOT_DEFINED", association_type_id=192)
                ],
            ),
            PublicAssociationsForObject(
                to=PublicObjectId(id=contact),
                types=[
                    AssociationSpec(association_category="HUBSPOT_DEFINED", association_type_id=204)
                ],
            ),
        ],
        object_write_trace_id=key,
    )


def test_task_batch_create_links_each_task_to_its_company_and_contact(
    loaded: tuple[Fake, LoadResult],
) -> None:
    fake, ids = loaded
    company, contact = ids.companies["acc-0002"], ids.contacts["con-00003"]
    batch = BatchInputSimplePublicObjectBatchInputForCreate(
        inputs=[_task("Call the buyer", company, contact)]
    )
    created = fake.client().crm.objects.tasks.batch_api.create(batch)
    (task,) = created.results
    assert task.properties["hs_task_subject"] == "Call the buyer"
    assert task.properties["hs_timestamp"] == "2026-12-01T09:00:00Z"
    assert fake.state.associations("tasks", task.id, "companies")[0][0] == int(company)
    back = _post(
        fake, "/crm/v4/associations/companies/tasks/batch/read", {"inputs": [{"id": company}]}
    )
    types = {
        t["typeId"]
        for r in back.json()["results"]
        for to in r["to"]
        for t in to["associationTypes"]
    }
    assert types == {191}
    meeting_type = {"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 200}
    association = {"to": {"id": contact}, "types": [meeting_type]}
    wrong = {
        "inputs": [{"properties": {"hs_timestamp": "2026-12-01"}, "associations": [association]}]
    }
    refused = _post(fake, "/crm/v3/objects/tasks/batch/create", wrong)
    assert refused.status_code == 400
    assert refused.json()["message"] == (
        "invalid from object type 0-27 for associations to be created. expected: 0-47"
    )


def test_task_batch_create_partly_fails_with_207_only_when_inputs_carry_trace_ids(
    loaded: tuple[Fake, LoadResult],
) -> None:
    fake, ids = loaded
    company, contact = ids.companies["acc-0002"], ids.contacts["con-00003"]
    tasks_api = fake.client().crm.objects.tasks.batch_api
    before = fake.state.count("tasks")
    fake.faults.reject_ids({"key-b": {"category": "VALIDATION_ERROR", "message": "nope"}})
    untraced = BatchInputSimplePublicObjectBatchInputForCreate(
        inputs=[_task("a", company, contact), _task("b", company, contact)]
    )
    untraced.inputs[1].properties["kam_task_key"] = "key-b"
    fake.state.add_property(
        "tasks", PropertyDef("kam_task_key", "Task key", "string", "text", "task")
    )
    with pytest.raises(TaskApiException) as caught:
        tasks_api.create(untraced)
    assert caught.value.status == 400
    assert fake.state.count("tasks") == before
    fake.faults.reject_ids({"key-b": "nope"})
    traced = BatchInputSimplePublicObjectBatchInputForCreate(
        inputs=[_task("a", company, contact, "key-a"), _task("b", company, contact, "key-b")]
    )
    answer = tasks_api.create(traced)
    assert [r.properties["hs_task_subject"] for r in answer.results] == ["a"]
    assert answer.errors[0].context == {"objectWriteTraceId": ["key-b"]}
    assert fake.state.count("tasks") == before + 1


def test_task_batch_update_reschedules_and_closes(loaded: tuple[Fake, LoadResult]) -> None:
    fake, ids = loaded
    task = next(v for k, v in ids.activities.items() if ids.activity_types[k] == "tasks")
    body = {
        "inputs": [
            {
                "id": task,
                "properties": {"hs_timestamp": "1796126400000", "hs_task_status": "DEFERRED"},
            }
        ]
    }
    answer = _post(fake, "/crm/v3/objects/tasks/batch/update", body)
    assert answer.status_code == 200
    props = answer.json()["results"][0]["properties"]
    assert (props["hs_timestamp"], props["hs_task_status"]) == ("2026-12-01T12:00:00Z", "DEFERRED")


# --- property validation and the properties API -------------------------------------------------


def test_number_datetime_and_enumeration_values_are_checked_like_hubspot(
    loaded: tuple[Fake, LoadResult],
) -> None:
    fake, ids = loaded
    company, contact = ids.companies["acc-0001"], ids.contacts["con-00001"]
    bad_company = {
        "inputs": [{"id": company, "properties": {"strategic_fit": "high", "industry": "mining"}}]
    }
    problems = _problems(_post(fake, "/crm/v3/objects/companies/batch/update", bad_company))
    assert {(p["name"], p["error"]) for p in problems} == {
        ("strategic_fit", "INVALID_NUMBER"),
        ("industry", "INVALID_OPTION"),
    }
    assert next(p for p in problems if p["name"] == "industry")["message"].startswith(
        "mining was not one of the allowed options: ["
    )
    roles = {"inputs": [{"id": contact, "properties": {"hs_buying_role": "CHAMPION;KINGMAKER"}}]}
    (problem,) = _problems(_post(fake, "/crm/v3/objects/contacts/batch/update", roles))
    assert (problem["name"], problem["error"]) == ("hs_buying_role", "INVALID_OPTION")
    when = {
        "inputs": [{"id": ids.activities["act-000001"], "properties": {"hs_timestamp": "soon"}}]
    }
    kind = ids.activity_types["act-000001"]
    (problem,) = _problems(_post(fake, f"/crm/v3/objects/{kind}/batch/update", when))
    assert problem["message"] == "soon was not a valid long."
    good = {
        "inputs": [
            {
                "id": company,
                "properties": {"strategic_fit": 8, "hubspot_owner_id": ids.owners["m-03"]},
            }
        ]
    }
    assert _post(fake, "/crm/v3/objects/companies/batch/update", good).status_code == 200
    owner = {"inputs": [{"id": company, "properties": {"hubspot_owner_id": "123"}}]}
    assert _problems(_post(fake, "/crm/v3/objects/companies/batch/update", owner))[0]["error"] == (
        "INVALID_OPTION"
    )


def test_creating_a_property_or_group_twice_answers_409_conflict(fake_hubspot: Fake) -> None:  # noqa: F811
    api = fake_hubspot.client().crm.properties
    group = api.groups_api.create(
        "companies", PropertyGroupCreate(name="kam", label="Key accounts")
    )
    assert (group.name, group.label) == ("kam", "Key accounts")
    segment = PropertyCreate(
        name="kam_segment",
        label="KAM segment",
        type="enumeration",
        field_type="select",
        group_name="kam",
        options=[{"label": "A", "value": "A", "hidden": False}],
    )
    created = api.core_api.create("companies", segment)
    assert (created.name, created.hubspot_defined, created.options[0].value) == (
        "kam_segment",
        False,
        "A",
    )
    for call in (
        lambda: api.core_api.create("companies", segment),
        lambda: api.groups_api.create("companies", PropertyGroupCreate(name="kam", label="Again")),
    ):
        with pytest.raises(PropertyApiException) as caught:
            call()
        assert caught.value.status == 409
        assert json.loads(caught.value.body)["category"] == "CONFLICT"
    listed = {p.name for p in api.core_api.get_all("companies").results}
    assert {"kam_segment", "name", "hubspot_owner_id"} <= listed
    read = api.core_api.get_by_name("companies", "kam_segment")
    assert read.type == "enumeration"
    assert _get(fake_hubspot, "/crm/v3/properties/companies/kam_nothing").status_code == 404
    mismatch = {
        "name": "kam_rank",
        "label": "Rank",
        "type": "number",
        "fieldType": "select",
        "groupName": "kam",
    }
    assert _post(fake_hubspot, "/crm/v3/properties/companies", mismatch).status_code == 400
    no_group = {**mismatch, "fieldType": "number", "groupName": "nowhere"}
    assert _post(fake_hubspot, "/crm/v3/properties/companies", no_group).status_code == 400
    bad = {"inputs": [{"id": _companies(fake_hubspot, 1)[0], "properties": {"kam_segment": "Z"}}]}
    assert _problems(_post(fake_hubspot, "/crm/v3/objects/companies/batch/update", bad))[0][
        "error"
    ] == ("INVALID_OPTION")


# --- auth and rate limits -----------------------------------------------------------------------


def test_every_response_carries_rate_limit_headers_and_a_burst_beyond_the_window_gets_429(
    fake_hubspot: Fake,  # noqa: F811
) -> None:
    fake_hubspot.state.limits.per_second = 1000  # this test is about the 10-second window
    session = fake_hubspot.session()
    url = f"{fake_hubspot.url}/crm/v3/objects/companies"
    answers = [session.get(url, headers=fake_hubspot.headers()) for _ in range(101)]
    assert [a.status_code for a in answers[:100]] == [200] * 100
    first = answers[0].headers
    assert (first["X-HubSpot-RateLimit-Max"], first["X-HubSpot-RateLimit-Remaining"]) == (
        "100",
        "99",
    )
    assert first["X-HubSpot-RateLimit-Interval-Milliseconds"] == "10000"
    assert answers[99].headers["X-HubSpot-RateLimit-Remaining"] == "0"
    assert answers[99].headers["X-HubSpot-RateLimit-Daily-Remaining"] == "249900"
    refused = answers[100]
    assert refused.status_code == 429
    body = refused.json()
    assert (body["errorType"], body["policyName"]) == ("RATE_LIMIT", "TEN_SECONDLY_ROLLING")
    assert "Retry-After" not in refused.headers
    _clock(fake_hubspot).advance(10)
    assert session.get(url, headers=fake_hubspot.headers()).status_code == 200


def test_a_higher_tier_and_a_spent_daily_allowance_are_enforced() -> None:
    clock = ManualClock()
    with FakeHubSpot(clock=clock, tier=190, daily=195) as fake:
        fake.state.limits.per_second = 1000  # the 10-second and daily limits only
        session = fake.session()
        url = f"{fake.url}/crm/v3/owners"
        statuses = [session.get(url, headers=fake.headers()).status_code for _ in range(191)]
        assert statuses.count(200) == 190
        assert statuses[-1] == 429
        clock.advance(10)
        statuses = [session.get(url, headers=fake.headers()).status_code for _ in range(6)]
        assert statuses == [200] * 5 + [429]
        refused = session.get(url, headers=fake.headers())
        assert refused.json()["policyName"] == "DAILY"
        assert refused.headers["X-HubSpot-RateLimit-Daily-Remaining"] == "0"
        clock.advance(24 * 3600)
        assert session.get(url, headers=fake.headers()).status_code == 200


def test_ordinary_requests_meet_a_per_second_limit_and_searches_their_own(
    fake_hubspot: Fake,  # noqa: F811
) -> None:
    session = fake_hubspot.session()
    url = f"{fake_hubspot.url}/crm/v3/owners"
    answers = [session.get(url, headers=fake_hubspot.headers()) for _ in range(11)]
    assert [a.status_code for a in answers] == [200] * 10 + [429]
    assert answers[0].headers["X-HubSpot-RateLimit-Secondly"] == "10"
    assert answers[9].headers["X-HubSpot-RateLimit-Secondly-Remaining"] == "0"
    assert answers[10].json()["policyName"] == "SECONDLY"
    search = f"{fake_hubspot.url}/crm/v3/objects/tasks/search"
    found = [session.post(search, json={}, headers=fake_hubspot.headers()) for _ in range(6)]
    assert [a.status_code for a in found] == [200] * 5 + [429]
    assert "X-HubSpot-RateLimit-Secondly" not in found[0].headers  # as recorded: daily only
    _clock(fake_hubspot).advance(1)
    assert session.get(url, headers=fake_hubspot.headers()).status_code == 200


def test_association_batch_reads_are_exempt_from_the_ten_second_window(
    fake_hubspot: Fake,  # noqa: F811
) -> None:
    limits = fake_hubspot.state.limits
    read = f"{fake_hubspot.url}/crm/v4/associations/deals/companies/batch/read"
    session = fake_hubspot.session()
    for _ in range(12):
        answers = [
            session.post(read, json={"inputs": []}, headers=fake_hubspot.headers())
            for _ in range(10)
        ]
        assert {a.status_code for a in answers} == {200}
        _clock(fake_hubspot).advance(1)
    assert limits.in_window() == 0
    assert "X-HubSpot-RateLimit-Max" not in answers[0].headers


def test_423_and_477_answer_as_hubspot_documents_and_process_nothing(
    fake_hubspot: Fake,  # noqa: F811
) -> None:
    fake_hubspot.faults.lock_next(1, route="/crm/v3/objects/companies/batch/update")
    fake_hubspot.faults.migrate_next(1, retry_after=30)
    company = _companies(fake_hubspot, 1)[0]
    body = {"inputs": [{"id": company, "properties": {"kam_segment": "A"}}]}
    locked = _post(fake_hubspot, "/crm/v3/objects/companies/batch/update", body)
    migrating = _get(fake_hubspot, "/crm/v3/owners")
    assert locked.status_code == 423
    assert locked.json()["status"] == "error"
    assert locked.json()["correlationId"]
    assert (migrating.status_code, migrating.headers["Retry-After"]) == (477, "30")
    assert (fake_hubspot.state.get("companies", company) or {}).get("kam_segment") is None


def test_search_shows_a_write_only_after_the_index_delay_and_reads_by_id_at_once(
    fake_hubspot: Fake,  # noqa: F811
) -> None:
    fake_hubspot.state.search_delay = 2.0
    task = fake_hubspot.state.create(
        "tasks", {"hs_timestamp": "1700000000000", "hs_task_subject": "old"}, system=True
    )
    body = {"filterGroups": [{"filters": [{"propertyName": "hs_task_subject",
                                           "operator": "HAS_PROPERTY"}]}],
            "properties": ["hs_task_subject"]}  # fmt: skip
    assert _post(fake_hubspot, "/crm/v3/objects/tasks/search", body).json()["total"] == 0
    assert _get(fake_hubspot, f"/crm/v3/objects/tasks/{task}").status_code == 200
    _clock(fake_hubspot).advance(2)
    fake_hubspot.state.update("tasks", task, {"hs_task_subject": "new"}, system=True)
    [seen] = _post(fake_hubspot, "/crm/v3/objects/tasks/search", body).json()["results"]
    assert seen["properties"]["hs_task_subject"] == "old"
    _clock(fake_hubspot).advance(2)
    [seen] = _post(fake_hubspot, "/crm/v3/objects/tasks/search", body).json()["results"]
    assert seen["properties"]["hs_task_subject"] == "new"


def test_a_wrong_token_answers_401_and_the_token_info_lists_the_scopes(
    fake_hubspot: Fake,  # noqa: F811
) -> None:
    with pytest.raises(CompanyApiException) as caught:
        fake_hubspot.client(access_token="pat-na1-wrong").crm.companies.basic_api.get_page()
    assert caught.value.status == 401
    body = json.loads(caught.value.body)
    assert body["category"] == "INVALID_AUTHENTICATION"
    assert body["message"].startswith("Authentication credentials not found.")
    info = fake_hubspot.session().post(
        f"{fake_hubspot.url}/oauth/v2/private-apps/get/access-token-info",
        json={"tokenKey": fake_hubspot.token},
    )
    assert "crm.objects.companies.write" in info.json()["scopes"]
    assert fake_hubspot.token.startswith("pat-na1-")


def test_a_missing_scope_answers_403_naming_it(fake_hubspot: Fake) -> None:  # noqa: F811
    fake_hubspot.state.scopes.discard("crm.objects.owners.read")
    answer = _get(fake_hubspot, "/crm/v3/owners")
    assert answer.status_code == 403
    assert answer.json()["category"] == "MISSING_SCOPES"
    assert answer.json()["errors"][0]["context"] == {
        "requiredGranularScopes": ["crm.objects.owners.read"]
    }


# --- faults and call counting -------------------------------------------------------------------


def test_fail_next_answers_5xx_for_that_route_then_recovers(fake_hubspot: Fake) -> None:  # noqa: F811
    _companies(fake_hubspot, 1)
    fake_hubspot.faults.fail_next(2, status=502, route="/crm/v3/objects/companies")
    api = fake_hubspot.client().crm.companies.basic_api
    assert _get(fake_hubspot, "/crm/v3/owners").status_code == 200  # another route is unaffected
    for _ in range(2):
        with pytest.raises(CompanyApiException) as caught:
            api.get_page()
        assert caught.value.status == 502
    assert len(api.get_page().results) == 1
    fake_hubspot.faults.fail_next(status=504, body="<html>504 Gateway Time-out</html>")
    answer = _get(fake_hubspot, "/crm/v3/owners")
    assert (answer.status_code, answer.headers["Content-Type"]) == (504, "text/html; charset=utf-8")
    assert fake_hubspot.state.limits.in_window() == 2  # injected failures use no allowance


def test_a_hanging_request_times_out_on_the_client_and_the_write_still_happens(
    fake_hubspot: Fake,  # noqa: F811
) -> None:
    (company,) = _companies(fake_hubspot, 1)
    fake_hubspot.faults.hang_next(seconds=0.6, route="/crm/v3/objects/companies/batch/update")
    batch = BatchInputSimplePublicObjectBatchInput(inputs=[_company_update(company, name="Late")])
    with pytest.raises((urllib3.exceptions.ReadTimeoutError, urllib3.exceptions.MaxRetryError)):
        fake_hubspot.client().crm.companies.batch_api.update(batch, _request_timeout=0.2)
    deadline = time.monotonic() + 3
    while time.monotonic() < deadline:
        if fake_hubspot.state.get("companies", company)["name"] == "Late":  # type: ignore[index]
            break
        time.sleep(0.05)
    assert fake_hubspot.state.get("companies", company)["name"] == "Late"  # type: ignore[index]


def test_rate_limit_faults_answer_the_chosen_policy_with_retry_after(fake_hubspot: Fake) -> None:  # noqa: F811
    fake_hubspot.faults.rate_limit_next(retry_after=3, route="/crm/v3/objects/*")
    fake_hubspot.faults.rate_limit_next(policy="DAILY")
    first = _get(fake_hubspot, "/crm/v3/objects/deals")
    assert (first.status_code, first.headers["Retry-After"]) == (429, "3")
    assert first.json()["policyName"] == "TEN_SECONDLY_ROLLING"
    second = _get(fake_hubspot, "/crm/v3/owners")
    assert (second.json()["policyName"], "Retry-After" in second.headers) == ("DAILY", False)
    assert _get(fake_hubspot, "/crm/v3/owners").status_code == 200


def test_calls_are_counted_per_method_and_route_template(loaded: tuple[Fake, LoadResult]) -> None:
    fake, ids = loaded
    fake.calls.reset()
    client = fake.client()
    client.crm.companies.basic_api.get_page(limit=10)
    client.crm.owners.owners_api.get_page(limit=100)
    client.crm.properties.core_api.get_by_name("contacts", "hs_buying_role")
    _post(fake, "/crm/v3/objects/meetings/search", {})
    _get(fake, f"/crm/v3/objects/deals/{ids.deals[0]}")
    assert fake.calls.snapshot() == {
        ("GET", "/crm/v3/objects/companies"): 1,
        ("GET", "/crm/v3/owners"): 1,
        ("GET", "/crm/v3/properties/contacts/{name}"): 1,
        ("POST", "/crm/v3/objects/meetings/search"): 1,
        ("GET", "/crm/v3/objects/deals/{id}"): 1,
    }
    assert fake.calls.count(route="/crm/v3/objects/*") == 3


# --- the demo folder --------------------------------------------------------------------------


def _csv_rows(folder: Path, name: str) -> list[dict[str, str]]:
    with (folder / name).open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_loading_the_demo_folder_gives_consistent_counts_and_keeps_id_order(
    loaded: tuple[Fake, LoadResult], demo_source: Path
) -> None:
    fake, ids = loaded
    revenue = _csv_rows(demo_source, "revenue.csv")
    activities = _csv_rows(demo_source, "activities.csv")
    kinds = [a["type"] for a in activities]
    assert ids.counts() == {
        "companies": 30,
        "contacts": len(_csv_rows(demo_source, "contacts.csv")),
        "owners": len(_csv_rows(demo_source, "members.csv")),
        "deals": len(revenue),
        "line_items": sum(1 for r in revenue if r["product"]),
        "meetings": kinds.count("meeting"),
        "calls": kinds.count("call"),
        "emails": kinds.count("email"),
        "tasks": len(kinds) - kinds.count("meeting") - kinds.count("call") - kinds.count("email"),
    }
    for name, expected in ids.counts().items():
        if name != "owners":
            assert fake.state.count(name) == expected, name
    assert len(fake.state.owners) == ids.counts()["owners"]
    for mapping in (ids.companies, ids.contacts, ids.owners):
        sources = sorted(mapping)
        assert sorted(mapping.values()) == [mapping[s] for s in sources]
    for kind in ("meetings", "calls", "emails", "tasks"):
        keys = sorted(k for k, v in ids.activity_types.items() if v == kind)
        assert [ids.activities[k] for k in keys] == sorted(ids.activities[k] for k in keys)
    company = ids.companies["acc-0007"]
    assert ids.source_id(company) == "acc-0007"
    assert ids.source_id(ids.owners["m-05"]) == "m-05"


def test_loaded_owner_team_properties_and_buying_roles_follow_the_spec_mapping(
    loaded: tuple[Fake, LoadResult], demo_source: Path
) -> None:
    fake, ids = loaded
    team = _csv_rows(demo_source, "team.csv")
    for row in team:
        company = fake.state.get("companies", ids.companies[row["account_id"]])
        assert company is not None
        owner = ids.owners[row["member_id"]]
        for role in row["psu_roles"].split(";"):
            prop = (
                "hubspot_owner_id"
                if role == "account_manager"
                else next((p for p, r in TEAM_ROLE_PROPERTIES.items() if r == role), None)
            )
            held = prop is not None and company.get(prop) == owner
            rostered = any(
                (e.account_id, e.member_id, e.role) == (row["account_id"], row["member_id"], role)
                for e in ids.roster
            )
            assert held != rostered, (row, role)
    assert {e.role for e in ids.roster} >= {"sales_manager", "administration"}
    managed = {r["account_id"] for r in team if "account_manager" in r["psu_roles"]}
    for account, company_id in ids.companies.items():
        has_owner = (fake.state.get("companies", company_id) or {}).get(
            "hubspot_owner_id"
        ) is not None
        assert has_owner is (account in managed)
    for row in _csv_rows(demo_source, "contacts.csv"):
        contact = fake.state.get("contacts", ids.contacts[row["id"]])
        assert contact is not None
        expected = [BUYING_ROLE_VALUES[r] for r in row["dmu_roles"].split(";") if r]
        assert (contact["hs_buying_role"] or "").split(";") == (expected or [""])
        assert contact["kam_gatekeeper"] == row["gatekeeper"]
    assert set(EXTRA_BUYING_ROLES) <= set(
        fake.state.properties["contacts"]["hs_buying_role"].option_values()
    )
    assert ("acc-0005", "strategic_fit", "n/a") in ids.dropped


def test_loaded_deals_and_activities_have_hubspot_dates_owners_and_status(
    loaded: tuple[Fake, LoadResult], demo_source: Path
) -> None:
    fake, ids = loaded
    line = _csv_rows(demo_source, "revenue.csv")[0]
    deal = fake.state.get("deals", ids.deals[0])
    assert deal is not None
    assert (deal["closedate"], deal["amount"], deal["kam_margin"]) == (
        f"{line['date']}T00:00:00Z",
        line["amount"],
        line["margin"],
    )
    assert (deal["dealstage"], deal["hs_is_closed_won"]) == ("closedwon", "true")
    item = fake.state.get("line_items", ids.line_items[0] or "")
    assert item is not None
    assert item["hs_sku"] == line["product"]
    statuses = {
        "meetings": "hs_meeting_outcome",
        "calls": "hs_call_status",
        "emails": "hs_email_status",
        "tasks": "hs_task_status",
    }
    done = {"meetings": "COMPLETED", "calls": "COMPLETED", "emails": "SENT", "tasks": "COMPLETED"}
    for row in _csv_rows(demo_source, "activities.csv"):
        kind = ids.activity_types[row["id"]]
        record = fake.state.get(kind, ids.activities[row["id"]])
        assert record is not None
        assert record["hs_timestamp"] == f"{row['date']}T12:00:00Z"
        assert record["hubspot_owner_id"] == ids.owners[row["member_id"]]
        assert (record[statuses[kind]] == done[kind]) is (row["status"] != "open")


def test_properties_with_history_come_back_on_lists_and_batch_reads(
    fake_hubspot: Fake,  # noqa: F811
) -> None:
    company = _companies(fake_hubspot, 1)[0]
    listed = _get(
        fake_hubspot, "/crm/v3/objects/companies", properties="name", propertiesWithHistory="name"
    ).json()["results"][0]
    body = {"inputs": [{"id": company}, {"id": "2999999999"}], "properties": ["name"],
            "propertiesWithHistory": ["name"]}  # fmt: skip
    read = _post(fake_hubspot, "/crm/v3/objects/companies/batch/read", body)
    [history] = listed["propertiesWithHistory"]["name"]
    assert history["value"] == listed["properties"]["name"]
    assert history["sourceType"] == "API"
    assert read.status_code == 207
    assert read.json()["results"][0]["propertiesWithHistory"]["name"][0]["value"]
    assert read.json()["errors"][0]["context"] == {"ids": ["2999999999"]}
