"""Setup against the fake org as against a real one: custom fields through the Tooling API (Activity
fields for tasks and events), invisible until a permission set assigned to the integration user
grants them (starts TLS servers)."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
import requests

from tests.fakes.salesforce import FakeSalesforce, load_profile
from tests.fakes.salesforce.fixtures import running_fake
from tests.fakes.salesforce.profiles import PROFILES


@pytest.fixture
def fake() -> Iterator[FakeSalesforce]:
    yield from running_fake()


@pytest.fixture
def multi() -> Iterator[FakeSalesforce]:
    yield from running_fake("multi_currency")


def _call(fake: FakeSalesforce, method: str, path: str, **kwargs: Any) -> requests.Response:
    return fake.session().request(
        method, f"{fake.api_base}/{path}", headers=fake.headers(), **kwargs
    )


def _field(fake: FakeSalesforce, full_name: str, **metadata: Any) -> requests.Response:
    body = {"FullName": full_name, "Metadata": {"label": "Test", **metadata}}
    return _call(fake, "POST", "tooling/sobjects/CustomField", json=body)


def _create(fake: FakeSalesforce, object_name: str, **values: Any) -> requests.Response:
    return _call(fake, "POST", f"sobjects/{object_name}/", json=values)


def _fields(fake: FakeSalesforce, object_name: str) -> dict[str, dict[str, Any]]:
    answer = _call(fake, "GET", f"sobjects/{object_name}/describe")
    return {f["name"]: f for f in answer.json()["fields"]}


def _grant(fake: FakeSalesforce, fields: list[str], *, edit: bool = True) -> str:
    """A permission set granting ``fields`` (Object.Field), assigned to the integration user."""
    info = fake.session().get(f"{fake.url}/services/oauth2/userinfo", headers=fake.headers())
    user = info.json()["user_id"]
    permission_set = _create(fake, "PermissionSet", Name="KAM_Fields", Label="KAM fields")
    assert permission_set.status_code == 201, permission_set.text
    set_id = permission_set.json()["id"]
    for path in fields:
        granted = _create(
            fake,
            "FieldPermissions",
            ParentId=set_id,
            SobjectType=path.split(".")[0],
            Field=path,
            PermissionsRead=True,
            PermissionsEdit=edit,
        )
        assert granted.status_code == 201, granted.text
    assigned = _create(fake, "PermissionSetAssignment", PermissionSetId=set_id, AssigneeId=user)
    assert assigned.status_code == 201, assigned.text
    return str(set_id)


def test_custom_fields_of_tasks_and_events_are_refused_on_task_and_event(
    fake: FakeSalesforce,
) -> None:
    for full_name in ("Task.Key__c", "Event.Key__c"):
        answer = _field(fake, full_name, type="Text", length=255)
        assert answer.status_code == 400
        assert answer.json()[0]["errorCode"] == "FIELD_INTEGRITY_EXCEPTION"
        assert "Activity.Key__c" in answer.json()[0]["message"]


def test_an_activity_field_lands_on_task_and_event_hidden_until_granted(
    fake: FakeSalesforce,
) -> None:
    created = _field(fake, "Activity.Key__c", type="Text", length=80, externalId=True, unique=True)
    assert created.status_code == 201, created.text
    assert created.json()["id"].startswith("00N")
    assert created.json()["success"] is True
    assert "Key__c" not in _fields(fake, "Task")
    assert "Key__c" not in _fields(fake, "Event")
    hidden = _call(fake, "GET", "query/", params={"q": "SELECT Id, Key__c FROM Task"})
    assert (hidden.status_code, hidden.json()[0]["errorCode"]) == (400, "INVALID_FIELD")
    assert "No such column 'Key__c'" in hidden.json()[0]["message"]
    refused = _create(fake, "Task", Subject="Call", Key__c="k-1")
    assert (refused.status_code, refused.json()[0]["errorCode"]) == (400, "INVALID_FIELD")
    assert _call(fake, "GET", "sobjects/Activity/describe").status_code == 404

    _grant(fake, ["Task.Key__c"])
    task = _fields(fake, "Task")["Key__c"]
    assert (task["type"], task["length"], task["externalId"], task["unique"]) == (
        "string",
        80,
        True,
        True,
    )
    assert "Key__c" not in _fields(fake, "Event")  # granted per object
    assert _create(fake, "Task", Subject="Call", Key__c="k-1").status_code == 201
    duplicate = _create(fake, "Task", Subject="Call", Key__c="K-1")
    assert duplicate.json()[0]["statusCode"] == "DUPLICATE_VALUE"
    rows = _call(fake, "GET", "query/", params={"q": "SELECT Key__c FROM Task"}).json()
    assert [r["Key__c"] for r in rows["records"]] == ["k-1"]


def test_an_activity_field_is_granted_on_task_and_event_not_on_activity(
    fake: FakeSalesforce,
) -> None:
    assert _field(fake, "Activity.Key__c", type="Text", length=80).status_code == 201
    set_id = _create(fake, "PermissionSet", Name="P", Label="P").json()["id"]
    refused = _create(
        fake, "FieldPermissions", ParentId=set_id, SobjectType="Activity",
        Field="Activity.Key__c", PermissionsRead=True,
    )  # fmt: skip
    assert refused.status_code == 400
    assert refused.json()[0]["statusCode"] == "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST"


def test_a_read_only_grant_shows_the_field_and_refuses_writes(fake: FakeSalesforce) -> None:
    assert _field(fake, "Account.Score__c", type="Number", precision=5, scale=1).status_code == 201
    _grant(fake, ["Account.Score__c"], edit=False)
    score = _fields(fake, "Account")["Score__c"]
    assert (score["type"], score["precision"], score["scale"], score["updateable"]) == (
        "double",
        5,
        1,
        False,
    )
    refused = _create(fake, "Account", Name="Acme", Score__c=3)
    assert refused.json()[0]["statusCode"] == "INVALID_FIELD_FOR_INSERT_UPDATE"


def test_the_grant_may_follow_the_assignment(fake: FakeSalesforce) -> None:
    assert _field(fake, "Account.Flag__c", type="Checkbox").status_code == 201
    user = fake.state.api_user()
    set_id = _create(fake, "PermissionSet", Name="P", Label="P").json()["id"]
    _create(fake, "PermissionSetAssignment", PermissionSetId=set_id, AssigneeId=user)
    assert "Flag__c" not in _fields(fake, "Account")
    _create(
        fake, "FieldPermissions", ParentId=set_id, SobjectType="Account", Field="Account.Flag__c",
        PermissionsRead=True, PermissionsEdit=True,
    )  # fmt: skip
    assert _fields(fake, "Account")["Flag__c"]["type"] == "boolean"


def test_a_grant_to_a_set_another_user_holds_shows_nothing(fake: FakeSalesforce) -> None:
    assert _field(fake, "Account.Flag__c", type="Checkbox").status_code == 201
    other = fake.state.create("User", {"Username": "o@x.example", "LastName": "Other"})
    set_id = _create(fake, "PermissionSet", Name="P", Label="P").json()["id"]
    _create(fake, "PermissionSetAssignment", PermissionSetId=set_id, AssigneeId=other)
    _create(
        fake, "FieldPermissions", ParentId=set_id, SobjectType="Account", Field="Account.Flag__c",
        PermissionsRead=True, PermissionsEdit=True,
    )  # fmt: skip
    assert "Flag__c" not in _fields(fake, "Account")


def test_second_identical_creates_fail_with_the_platform_duplicate_errors(
    fake: FakeSalesforce,
) -> None:
    assert _field(fake, "Account.Flag__c", type="Checkbox").status_code == 201
    again = _field(fake, "Account.Flag__c", type="Checkbox")
    assert (again.status_code, again.json()[0]["errorCode"]) == (400, "DUPLICATE_DEVELOPER_NAME")
    existing = _field(fake, "Account.Strategic_Fit__c", type="Number")
    assert existing.json()[0]["errorCode"] == "DUPLICATE_DEVELOPER_NAME"
    set_id = _grant(fake, ["Account.Flag__c"])
    same_name = _create(fake, "PermissionSet", Name="kam_fields", Label="Other")
    assert same_name.status_code == 400
    assert same_name.json()[0]["message"] == "The API name you entered is already in use"
    user = fake.state.api_user()
    twice = _create(fake, "PermissionSetAssignment", PermissionSetId=set_id, AssigneeId=user)
    assert twice.json()[0] == {
        "statusCode": "DUPLICATE_VALUE",
        "message": f"Duplicate PermissionSetAssignment. Assignee: {user}; Permission Set: {set_id}",
        "fields": [],
    }
    grant = _create(
        fake, "FieldPermissions", ParentId=set_id, SobjectType="Account", Field="Account.Flag__c",
        PermissionsRead=True,
    )  # fmt: skip
    assert grant.json()[0]["statusCode"] == "DUPLICATE_VALUE"
    rows = _call(
        fake, "GET", "query/",
        params={"q": "SELECT Id, PermissionSet.Name, AssigneeId FROM PermissionSetAssignment"},
    ).json()["records"]  # fmt: skip
    assert [(r["PermissionSet"]["Name"], r["AssigneeId"]) for r in rows] == [("KAM_Fields", user)]


def test_field_types_map_from_tooling_metadata(fake: FakeSalesforce) -> None:
    kinds = {
        "Text_F__c": ({"type": "Text", "length": 40}, "string"),
        "Number_F__c": ({"type": "Number", "precision": 18, "scale": 2}, "double"),
        "Money_F__c": ({"type": "Currency", "precision": 18, "scale": 2}, "currency"),
        "When_F__c": ({"type": "DateTime"}, "datetime"),
        "Flag_F__c": ({"type": "Checkbox"}, "boolean"),
    }
    for name, (metadata, _) in kinds.items():
        assert _field(fake, f"Account.{name}", **metadata).status_code == 201
    unknown = _field(fake, "Account.Odd__c", type="Hologram")
    assert unknown.status_code == 400
    _grant(fake, [f"Account.{name}" for name in kinds])
    described = _fields(fake, "Account")
    assert {name: described[name]["type"] for name in kinds} == {
        name: kind for name, (_, kind) in kinds.items()
    }


def test_a_currency_field_in_a_multi_currency_org_converts(multi: FakeSalesforce) -> None:
    assert _field(multi, "Account.Revenue__c", type="Currency", precision=18, scale=2).ok
    _grant(multi, ["Account.Revenue__c"])
    created = _create(multi, "Account", Name="Acme", Revenue__c=110, CurrencyIsoCode="USD")
    assert created.status_code == 201, created.text
    rows = _call(
        multi, "GET", "query/",
        params={"q": "SELECT CurrencyIsoCode, convertCurrency(Revenue__c) FROM Account"},
    ).json()["records"]  # fmt: skip
    assert (rows[0]["CurrencyIsoCode"], rows[0]["Revenue__c"]) == ("USD", 100.0)


def test_userinfo_names_the_integration_user(fake: FakeSalesforce) -> None:
    answer = fake.session().get(f"{fake.url}/services/oauth2/userinfo", headers=fake.headers())
    assert answer.status_code == 200
    body = answer.json()
    assert body["user_id"] == fake.state.api_user()
    assert body["organization_id"].startswith("00D")
    assert body["sub"].endswith(f"/id/{body['organization_id']}/{body['user_id']}")
    assert body["preferred_username"] == "integration@crm-accounts.example"
    refused = fake.session().get(
        f"{fake.url}/services/oauth2/userinfo", headers={"Authorization": "Bearer nope"}
    )
    assert refused.status_code == 403


def test_fields_present_at_start_are_visible_and_absent_fields_are_missing() -> None:
    before_setup = dataclasses.replace(
        load_profile(PROFILES["standard"]),
        absent_fields=("Account.KAM_Segment__c", "Activity.KAM_Task_Key__c"),
    )
    for fake in running_fake(before_setup):
        assert "KAM_Segment__c" not in _fields(fake, "Account")
        assert "KAM_Task_Key__c" not in _fields(fake, "Task")
        assert "KAM_Task_Key__c" not in _fields(fake, "Event")
        assert "KAM_Revenue__c" in _fields(fake, "Account")
        created = _field(fake, "Activity.KAM_Task_Key__c", type="Text", length=255)
        assert created.status_code == 201
    for fake in running_fake():
        assert _fields(fake, "Task")["KAM_Task_Key__c"]["updateable"] is True


def test_granted_fields_hold_values_written_after_the_grant(fake: FakeSalesforce) -> None:
    assert _field(fake, "Account.Due__c", type="DateTime").status_code == 201
    _grant(fake, ["Account.Due__c"])
    account = fake.state.create("Account", {"Name": "Acme"})
    patched = _call(
        fake, "PATCH", f"sobjects/Account/{account}", json={"Due__c": "2026-11-27T09:00:00Z"}
    )
    assert patched.status_code == 204, patched.text
    stored = fake.state.get(account)
    assert stored is not None
    assert stored["Due__c"].date() == date(2026, 11, 27)  # type: ignore[union-attr]


def test_the_tooling_api_lists_custom_fields_hidden_or_not(fake: FakeSalesforce) -> None:
    assert _field(fake, "Activity.Key__c", type="Text", length=80).status_code == 201
    soql = (
        "SELECT Id, DeveloperName, TableEnumOrId FROM CustomField "
        "WHERE TableEnumOrId = 'Activity' AND DeveloperName = 'Key'"
    )
    answer = _call(fake, "GET", "tooling/query/", params={"q": soql})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert (body["size"], body["entityTypeName"]) == (1, "CustomField")
    created = body["records"][0]
    assert (created["DeveloperName"], created["TableEnumOrId"]) == ("Key", "Activity")
    assert "Key__c" not in _fields(fake, "Task")  # tooling sees it, the data API does not yet
    one = _call(fake, "GET", "tooling/query/", params={
        "q": "SELECT FullName FROM CustomField WHERE DeveloperName = 'Key'"})  # fmt: skip
    assert one.json()["records"][0]["FullName"] == "Activity.Key__c"
    many = _call(fake, "GET", "tooling/query/", params={"q": "SELECT FullName FROM CustomField"})
    assert (many.status_code, many.json()[0]["errorCode"]) == (400, "MALFORMED_QUERY")
    data_api = _call(fake, "GET", "query/", params={"q": "SELECT Id FROM CustomField"})
    assert data_api.json()[0]["errorCode"] == "INVALID_TYPE"
    accounts = _call(fake, "GET", "tooling/query/", params={
        "q": "SELECT DeveloperName FROM CustomField WHERE TableEnumOrId = 'Account'"})  # fmt: skip
    assert "KAM_Segment" in {r["DeveloperName"] for r in accounts.json()["records"]}
