"""The fake org follows its profile: task statuses, picklists, optional objects, currencies, person
accounts, and the loader and ``loaded_section`` follow it too (starts TLS servers)."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import requests

from crm_accounts.connectors.demo import generate_demo
from tests.fakes.salesforce import (
    PROFILES,
    FakeSalesforce,
    LoadResult,
    Org,
    ProfileError,
    load_profile,
    loaded_section,
    shipped_profiles,
)

AS_OF = date(2026, 11, 27)


@pytest.fixture(scope="module")
def demo_source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("demo")
    return generate_demo(folder, as_of=AS_OF, accounts=12).source_dir


def _fake(profile: str) -> Iterator[FakeSalesforce]:
    fake = FakeSalesforce(profile=profile).start()
    try:
        yield fake
    finally:
        fake.stop()


@pytest.fixture(params=sorted(PROFILES))
def any_fake(request: pytest.FixtureRequest) -> Iterator[FakeSalesforce]:
    yield from _fake(request.param)


@pytest.fixture
def standard() -> Iterator[FakeSalesforce]:
    yield from _fake("standard")


@pytest.fixture
def dutch() -> Iterator[FakeSalesforce]:
    yield from _fake("custom_nl")


@pytest.fixture
def no_acr() -> Iterator[FakeSalesforce]:
    yield from _fake("no_acr")


@pytest.fixture
def multi() -> Iterator[FakeSalesforce]:
    yield from _fake("multi_currency")


def _get(fake: FakeSalesforce, path: str, **params: str) -> requests.Response:
    return fake.session().get(f"{fake.api_base}/{path}", headers=fake.headers(), params=params)


def _query(fake: FakeSalesforce, soql: str) -> list[dict[str, Any]]:
    answer = _get(fake, "query/", q=soql)
    assert answer.status_code == 200, answer.text
    records: list[dict[str, Any]] = answer.json()["records"]
    return records


def _describe(fake: FakeSalesforce, name: str) -> dict[str, dict[str, Any]]:
    answer = _get(fake, f"sobjects/{name}/describe")
    assert answer.status_code == 200, answer.text
    return {f["name"]: f for f in answer.json()["fields"]}


def _values(field: dict[str, Any]) -> list[str]:
    return [v["value"] for v in field["picklistValues"]]


def _create_task(fake: FakeSalesforce, **values: Any) -> requests.Response:
    return fake.session().post(
        f"{fake.api_base}/sobjects/Task/",
        headers=fake.headers(),
        json={"Subject": "Call", **values},
    )


# --- the profile files ------------------------------------------------------------------------


def test_every_shipped_profile_loads_and_names_a_source_for_each_value_set() -> None:
    assert shipped_profiles() == PROFILES
    assert set(PROFILES) == {"standard", "custom_nl", "no_acr", "multi_currency"}
    for path in PROFILES.values():
        profile = load_profile(path)
        assert profile.sources["TaskStatus"]
        assert all(profile.sources[key] for key in profile.picklists)
        assert profile.completed_status in profile.closed_statuses
        Org(profile=profile)  # every role value is in the picklist the loader writes it to


def test_a_value_set_without_a_source_is_refused_naming_the_key(tmp_path: Path) -> None:
    raw = json.loads(PROFILES["standard"].read_text(encoding="utf-8"))
    del raw["sources"]["AccountTeamMember.TeamMemberRole"]
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(raw), encoding="utf-8")
    with pytest.raises(ProfileError, match=r"bad\.json: sources\.AccountTeamMember"):
        load_profile(path)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"colour": "red"}, "colour: unknown key"),
        ({"task_statuses": [{"value": "Open", "closed": False, "default": True}]}, "closed"),
        ({"unavailable_objects": ["Account"]}, "Account cannot be switched off"),
        ({"multi_currency": "yes"}, "multi_currency: expected true or false"),
    ],
)
def test_a_bad_profile_is_refused_with_the_file_and_key(
    tmp_path: Path, change: dict[str, Any], message: str
) -> None:
    raw = {**json.loads(PROFILES["standard"].read_text(encoding="utf-8")), **change}
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(raw), encoding="utf-8")
    with pytest.raises(ProfileError, match=message):
        load_profile(path)


def test_a_role_value_the_org_picklist_lacks_is_refused(tmp_path: Path) -> None:
    raw = json.loads(PROFILES["standard"].read_text(encoding="utf-8"))
    raw["role_values"]["delivery"] = "Technical Sales Manager"
    path = tmp_path / "tsm.json"
    path.write_text(json.dumps(raw), encoding="utf-8")
    with pytest.raises(ValueError, match=r"role_values\.delivery: 'Technical Sales Manager'"):
        Org(profile=load_profile(path))


# --- task statuses ----------------------------------------------------------------------------


def test_task_status_records_answer_soql_with_the_standard_flags(standard: FakeSalesforce) -> None:
    rows = _query(
        standard,
        "SELECT Id, ApiName, MasterLabel, IsClosed, IsDefault, SortOrder FROM TaskStatus"
        " ORDER BY SortOrder",
    )
    flags = {r["ApiName"]: (r["IsClosed"], r["IsDefault"]) for r in rows}
    assert flags == {
        "Not Started": (False, True),
        "In Progress": (False, False),
        "Completed": (True, False),
        "Waiting on someone else": (False, False),
        "Deferred": (False, False),  # not closed in a standard org
    }
    assert [r["SortOrder"] for r in rows] == [1, 2, 3, 4, 5]
    assert rows[0]["attributes"]["type"] == "TaskStatus"
    assert rows[0]["Id"].startswith("01J")
    assert len(rows[0]["Id"]) == 18
    closed = _query(standard, "SELECT ApiName FROM TaskStatus WHERE IsClosed = true")
    assert [r["ApiName"] for r in closed] == ["Completed"]


def test_task_status_is_read_only_in_describe(standard: FakeSalesforce) -> None:
    answer = _get(standard, "sobjects/TaskStatus/describe").json()
    assert (answer["createable"], answer["updateable"], answer["queryable"]) == (False, False, True)
    refused = standard.session().post(
        f"{standard.api_base}/sobjects/TaskStatus/",
        headers=standard.headers(),
        json={"ApiName": "Cancelled", "IsClosed": True},
    )
    assert refused.status_code == 400
    assert refused.json()[0]["statusCode"] == "INVALID_FIELD_FOR_INSERT_UPDATE"


def test_a_deferred_task_stays_open_and_a_completed_one_is_closed(standard: FakeSalesforce) -> None:
    for status, closed in (("Deferred", False), ("Completed", True), ("Not Started", False)):
        created = _create_task(standard, Status=status)
        assert created.status_code == 201, created.text
        record = standard.state.get(created.json()["id"])
        assert record is not None
        assert record["IsClosed"] is closed
    default = _create_task(standard)
    assert standard.state.get(default.json()["id"])["Status"] == "Not Started"  # type: ignore[index]


def test_a_customised_org_closes_with_its_own_statuses_and_refuses_others(
    dutch: FakeSalesforce,
) -> None:
    status = _describe(dutch, "Task")["Status"]
    assert _values(status) == [
        "Open", "In behandeling", "Wacht op klant", "Uitgesteld", "Afgerond", "Geannuleerd",
    ]  # fmt: skip
    assert status["restrictedPicklist"] is True
    for value, closed in (("Geannuleerd", True), ("Afgerond", True), ("Uitgesteld", False)):
        created = _create_task(dutch, Status=value)
        assert dutch.state.get(created.json()["id"])["IsClosed"] is closed  # type: ignore[index]
    assert dutch.state.get(_create_task(dutch).json()["id"])["Status"] == "Open"  # type: ignore[index]
    refused = _create_task(dutch, Status="Completed")
    assert refused.status_code == 400
    assert refused.json() == [
        {
            "statusCode": "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
            "message": "Status: bad value for restricted picklist field: Completed",
            "fields": ["Status"],
        }
    ]


# --- picklists and optional objects ------------------------------------------------------------


def test_the_standard_team_roles_have_no_technical_sales_manager(standard: FakeSalesforce) -> None:
    roles = _values(_describe(standard, "AccountTeamMember")["TeamMemberRole"])
    assert "Technical Sales Manager" not in roles
    assert sorted(roles) == [
        "Account Manager", "Channel Manager", "Executive Sponsor", "Lead Qualifier",
        "Pre-Sales Consultant", "Sales Manager", "Sales Rep",
    ]  # fmt: skip
    contact_roles = _values(_describe(standard, "OpportunityContactRole")["Role"])
    assert "Economic Decision Maker" in contact_roles


def test_picklists_come_from_the_profile(any_fake: FakeSalesforce) -> None:
    for key, values in any_fake.profile.picklists.items():
        object_name, field_name = key.split(".")
        assert _values(_describe(any_fake, object_name)[field_name]) == list(values)


def test_an_org_without_account_contact_relation_answers_as_a_missing_object(
    no_acr: FakeSalesforce,
) -> None:
    described = _get(no_acr, "sobjects/AccountContactRelation/describe")
    assert (described.status_code, described.json()[0]["errorCode"]) == (404, "NOT_FOUND")
    queried = _get(no_acr, "query/", q="SELECT Id, Roles FROM AccountContactRelation")
    assert queried.status_code == 400
    body = queried.json()[0]
    assert body["errorCode"] == "INVALID_TYPE"
    assert "sObject type 'AccountContactRelation' is not supported." in body["message"]
    role_field = _describe(no_acr, "Contact")["Buying_Role__c"]
    assert (role_field["type"], role_field["custom"]) == ("multipicklist", True)


def test_person_accounts_exist_only_where_the_profile_turns_them_on(
    standard: FakeSalesforce, multi: FakeSalesforce
) -> None:
    assert "IsPersonAccount" not in _describe(standard, "Account")
    refused = _get(standard, "query/", q="SELECT Id, IsPersonAccount FROM Account")
    assert (refused.status_code, refused.json()[0]["errorCode"]) == (400, "INVALID_FIELD")
    field = _describe(multi, "Account")["IsPersonAccount"]
    assert (field["type"], field["createable"], field["updateable"]) == ("boolean", False, False)
    person = multi.state.create("Account", {"Name": "Ada Lovelace", "IsPersonAccount": True},
                                system=True)  # fmt: skip
    multi.state.create("Account", {"Name": "Acme"})
    rows = _query(multi, "SELECT Name FROM Account WHERE IsPersonAccount = false")
    assert [r["Name"] for r in rows] == ["Acme"]
    assert multi.state.get(person)["IsPersonAccount"] is True  # type: ignore[index]


def test_a_multi_currency_profile_switches_currencies_on(
    standard: FakeSalesforce, multi: FakeSalesforce
) -> None:
    assert "CurrencyIsoCode" not in _describe(standard, "Opportunity")
    codes = _values(_describe(multi, "Opportunity")["CurrencyIsoCode"])
    assert codes == ["EUR", "GBP", "USD"]
    account = multi.state.create("Account", {"Name": "Acme"})
    multi.state.create(
        "Opportunity",
        {"AccountId": account, "Name": "Deal", "StageName": "Closed Won",
         "CloseDate": date(2026, 5, 1), "Amount": Decimal(110), "CurrencyIsoCode": "USD"},
    )  # fmt: skip
    rows = _query(multi, "SELECT CurrencyIsoCode, convertCurrency(Amount) FROM Opportunity")
    assert (rows[0]["CurrencyIsoCode"], rows[0]["Amount"]) == ("USD", 100.0)


# --- the loader and loaded_section ---------------------------------------------------------------


def _load(fake: FakeSalesforce, demo_source: Path) -> LoadResult:
    return fake.load(demo_source)


def test_the_loader_writes_the_profiles_role_values_and_statuses(
    dutch: FakeSalesforce, demo_source: Path
) -> None:
    ids = _load(dutch, demo_source)
    statuses = {r["Status"] for r in dutch.state.records("Task")}
    assert statuses == {"Open", "Afgerond"}
    closed = [r for r in dutch.state.records("Task") if r["Status"] == "Afgerond"]
    assert all(r["IsClosed"] for r in closed)
    inverse = {v: k for k, v in dutch.profile.role_values.items()}
    with (demo_source / "contacts.csv").open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            relation = dutch.state.get(ids.relations[row["id"]])
            loaded = sorted(inverse[v] for v in str(relation["Roles"] or "").split(";") if v)  # type: ignore[index]
            assert loaded == sorted(r for r in row["dmu_roles"].split(";") if r)
    team = {str(r["TeamMemberRole"]) for r in dutch.state.records("AccountTeamMember")}
    assert team <= set(dutch.profile.picklists["AccountTeamMember.TeamMemberRole"])
    assert "Projectleider" in team or "Binnendienst" in team  # delivery/administration loaded


def test_without_account_contact_relation_roles_land_on_the_contact_field(
    no_acr: FakeSalesforce, demo_source: Path
) -> None:
    ids = _load(no_acr, demo_source)
    assert ids.relations == {}
    roles = {
        value
        for r in no_acr.state.records("Contact")
        for value in str(r["Buying_Role__c"] or "").split(";")
        if value
    }
    assert roles
    assert roles <= {"Decision Maker", "Economic Buyer", "Influencer", "End User", "Champion"}
    rows = _query(no_acr, "SELECT Id, Buying_Role__c FROM Contact WHERE Buying_Role__c != null")
    assert rows


@pytest.mark.parametrize("name", sorted(PROFILES))
def test_loaded_section_is_the_admins_configuration_for_that_org(name: str) -> None:
    profile = load_profile(PROFILES[name])
    section = loaded_section("https://127.0.0.1:1", profile=profile)
    assert section.team_roles == {v: k for k, v in profile.psu_values().items()}
    assert section.contact_roles == {v: k for k, v in profile.dmu_values().items()}
    assert section.multi_currency is profile.multi_currency
    if profile.has_relations:
        assert section.contact_roles_source == "account_contact_relation"
    else:
        assert (section.contact_roles_source, section.contact_role_field) == (
            "contact_field",
            "Buying_Role__c",
        )
    assert loaded_section("https://x", profile=profile, max_attempts=2).max_attempts == 2


def test_without_a_profile_the_fake_is_the_standard_org() -> None:
    plain, standard = Org(), Org(profile="standard")
    assert plain.profile == standard.profile
    assert loaded_section("https://x") == loaded_section("https://x", profile=standard.profile)
    assert "Technical Sales Manager" not in loaded_section("https://x").team_roles
