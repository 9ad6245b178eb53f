"""SOQL building: validated names only, values quoted by format_soql, one query per collection."""

from __future__ import annotations

from datetime import date

import pytest

from crm_accounts.config import SalesforceSection
from crm_accounts.connectors.salesforce import soql
from crm_accounts.errors import ConfigError


def test_a_field_name_that_tries_to_inject_soql_is_refused_naming_key_and_value() -> None:
    section = SalesforceSection(attributes={"fit": "Name FROM User WHERE Id != null --"})
    with pytest.raises(ConfigError) as caught:
        soql.query_fields(section)
    assert "attributes.fit" in str(caught.value)
    assert "Name FROM User" in str(caught.value)


@pytest.mark.parametrize(
    "name",
    ["Name)", "Id,Name", "x'y", "__c", "Field__", "a..b", ".Name", "Name.", "1Field", "Na me", ""],
)
def test_only_api_names_pass(name: str) -> None:
    with pytest.raises(ConfigError):
        soql.api_name(name, "key")


@pytest.mark.parametrize(
    "name",
    ["Name", "KAM_Segment__c", "ns__Field__c", "Contact.Gatekeeper__c", "Product2.ProductCode"],
)
def test_real_api_names_and_relationship_paths_pass(name: str) -> None:
    assert soql.api_name(name, "key") == name


def test_a_target_field_must_be_a_field_of_the_account_itself() -> None:
    with pytest.raises(ConfigError, match=r"fields\.segment"):
        soql.query_fields(SalesforceSection(fields={"segment": "Owner.Name"}))


def test_the_accounts_query_reads_only_the_fields_needed() -> None:
    section = SalesforceSection(
        attributes={"fit": "Strategic_Fit__c"}, integration_stage_field="Integration_Stage__c"
    )
    query = soql.accounts_query(soql.query_fields(section))
    assert query.startswith("SELECT Id, Name, OwnerId, Strategic_Fit__c, Integration_Stage__c, ")
    assert query.endswith(" FROM Account")  # no ORDER BY: it disables Bulk API PK chunking
    assert "KAM_Segment__c" in query
    assert "KAM_Computed_At__c" in query
    assert "IsPersonAccount" not in query
    person = soql.accounts_query(soql.query_fields(section), person_accounts=True)
    assert person.endswith(", IsPersonAccount FROM Account")


def test_revenue_is_filtered_by_period_with_unquoted_date_literals() -> None:
    section = SalesforceSection(margin_field="Margin__c")
    query = soql.revenue_query(
        soql.query_fields(section), section, date(2025, 11, 27), date(2026, 11, 27), money=False
    )
    assert query == (
        "SELECT Id, AccountId, CloseDate, Amount, Margin__c FROM Opportunity WHERE IsWon = true "
        "AND CloseDate > 2025-11-27 AND CloseDate <= 2026-11-27 AND AccountId != null"
    )


def test_multi_currency_orgs_convert_amounts_in_select_only() -> None:
    section = SalesforceSection(revenue_object="line_item", margin_field="Margin__c")
    query = soql.revenue_query(
        soql.query_fields(section), section, date(2025, 1, 1), date(2026, 1, 1), money=True
    )
    select, where = query.split(" WHERE ")
    assert "convertCurrency(TotalPrice)" in select
    assert "convertCurrency(Margin__c)" in select
    assert "convertCurrency" not in where
    assert "Opportunity.CloseDate > 2025-01-01" in where


def test_contacts_come_from_active_relations_with_contact_fields() -> None:
    section = SalesforceSection(gatekeeper_field="Gatekeeper__c")
    query = soql.contacts_query(soql.query_fields(section), section)
    assert query == (
        "SELECT Id, AccountId, ContactId, Roles, Contact.Name, Contact.Email, Contact.Title, "
        "Contact.Gatekeeper__c FROM AccountContactRelation WHERE IsActive = true"
    )


def test_users_are_read_by_id_lists_with_quoted_ids() -> None:
    fields = soql.query_fields(SalesforceSection(capacity_field="KAM_Capacity_Per_Week__c"))
    query = soql.users_query(fields, ["005A", "005B'x"])
    assert query.endswith("WHERE IsActive = true AND Id IN ('005A','005B\\'x')")
    assert "KAM_Capacity_Per_Week__c" in query
    assert [len(c) for c in soql.chunks(range(400))] == [150, 150, 100]


def test_activities_are_read_in_the_window_with_a_contact() -> None:
    tasks, events = soql.activity_queries(date(2025, 11, 27), date(2026, 11, 27), "Key__c")
    window = (
        "WHERE IsDeleted = false AND WhoId != null AND ActivityDate > 2025-11-27 "
        "AND ActivityDate <= 2026-11-27"
    )
    assert tasks.endswith(window)
    assert events.endswith(window + " AND IsChild = false")  # one meeting, not one per invitee
    assert " FROM Task " in tasks
    assert "Key__c" in tasks.split(" FROM ")[0]
    assert " FROM Event " in events
    marked, _ = soql.activity_queries(date(2025, 11, 27), date(2026, 11, 27), None)
    assert "Description" in marked.split(" FROM ")[0]


def test_open_tasks_of_ours_are_found_by_key_field_or_read_for_the_marker() -> None:
    keyed = soql.open_tasks_query(soql.query_fields(SalesforceSection()))
    assert keyed.endswith("FROM Task WHERE IsClosed = false AND KAM_Task_Key__c != null")
    marked = soql.open_tasks_query(soql.query_fields(SalesforceSection(task_key_field=None)))
    assert marked.endswith("FROM Task WHERE IsClosed = false AND WhatId != null")
    assert "Description" in marked.split(" FROM ")[0]
