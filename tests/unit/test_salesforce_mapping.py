"""Salesforce records -> domain and domain -> payloads, on plain dicts shaped like real answers."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from crm_accounts.config import SalesforceSection
from crm_accounts.connectors.salesforce.mapping import (
    MappingError,
    RoleMap,
    account_from_record,
    activity_from_event,
    as_decimal,
    contact_from_contact,
    contact_from_relation,
    field_update_record,
    member_from_user,
    nest,
    revenue_line,
)
from crm_accounts.connectors.salesforce.soql import query_fields
from crm_accounts.domain.model import DmuRole, IntegrationStage, PsuRole

SECTION = SalesforceSection(
    attributes={"fit": "Strategic_Fit__c", "city": "BillingCity", "industry": "Industry"},
    integration_stage_field="Integration_Stage__c",
    margin_field="Margin__c",
    gatekeeper_field="Gatekeeper__c",
    capacity_field="KAM_Capacity_Per_Week__c",
)
FIELDS = query_fields(SECTION)


def _attributes(kind: str, record_id: str) -> dict[str, str]:
    return {"type": kind, "url": f"/services/data/v62.0/sobjects/{kind}/{record_id}"}


ACCOUNT = {
    "attributes": _attributes("Account", "001000000000001AAA"),
    "Id": "001000000000001AAA",
    "Name": "Acme BV",
    "OwnerId": "005000000000001AAA",
    "Strategic_Fit__c": Decimal("8"),
    "BillingCity": "Delft",
    "Industry": None,
    "Integration_Stage__c": "Collaborative",
    "KAM_Segment__c": "A",
    "KAM_Revenue__c": Decimal("1200.50"),
    "KAM_Revenue_Share__c": None,
    "KAM_Rating_Position__c": 1,
    "KAM_Rating_Points__c": None,
    "KAM_Dmu_Coverage__c": None,
    "KAM_Open_Gaps__c": None,
    "KAM_Computed_At__c": "2026-11-27T09:00:00.000+0000",
}


def test_an_account_row_becomes_an_account_with_attributes_stage_targets_and_owner() -> None:
    record, owner, unknown = account_from_record(ACCOUNT, FIELDS)
    assert record.account.id == "001000000000001AAA"
    assert record.account.name == "Acme BV"
    assert record.account.integration_stage is IntegrationStage.COLLABORATIVE
    assert dict(record.account.attributes) == {"fit": "8", "city": "Delft"}
    assert dict(record.targets) == {
        "segment": "A",
        "revenue": "1200.50",
        "rating_position": "1",
        "computed_at": "2026-11-27T09:00:00Z",
    }
    assert (owner, unknown) == ("005000000000001AAA", None)


def test_an_unknown_integration_stage_is_reported_and_left_empty() -> None:
    record, _, unknown = account_from_record({**ACCOUNT, "Integration_Stage__c": "Merged"}, FIELDS)
    assert record.account.integration_stage is None
    assert unknown == "Merged"


def test_an_account_without_a_name_is_refused_with_its_id() -> None:
    with pytest.raises(MappingError, match="001000000000001AAA"):
        account_from_record({**ACCOUNT, "Name": None}, FIELDS)


def test_a_closed_won_opportunity_becomes_a_revenue_line_with_margin() -> None:
    row = {
        "attributes": _attributes("Opportunity", "006000000000001AAA"),
        "Id": "006000000000001AAA",
        "AccountId": "001000000000001AAA",
        "CloseDate": "2026-01-05",
        "Amount": Decimal("1200.50"),
        "Margin__c": Decimal("300.10"),
    }
    line = revenue_line(row, FIELDS, line_item=False)
    assert line == (
        "001000000000001AAA",
        date(2026, 1, 5),
        Decimal("1200.50"),
        Decimal("300.10"),
        None,
    )


def test_a_line_item_reads_account_and_date_through_its_opportunity_and_the_product_code() -> None:
    row = {
        "Id": "00k000000000001AAA",
        "Opportunity": {"AccountId": "001000000000001AAA", "CloseDate": "2026-03-04"},
        "TotalPrice": Decimal("-50.25"),
        "Margin__c": None,
        "Product2": {"ProductCode": "P3"},
    }
    line = revenue_line(row, FIELDS, line_item=True)
    assert line == ("001000000000001AAA", date(2026, 3, 4), Decimal("-50.25"), None, "P3")


def test_an_opportunity_without_a_close_date_is_refused() -> None:
    row = {"Id": "006X", "AccountId": "001X", "CloseDate": None, "Amount": Decimal(1)}
    with pytest.raises(MappingError, match="CloseDate"):
        revenue_line(row, FIELDS, line_item=False)


def test_roles_of_a_relation_are_split_mapped_and_unknown_values_counted() -> None:
    roles = RoleMap(SECTION.contact_roles, DmuRole)
    row = {
        "attributes": _attributes("AccountContactRelation", "07k000000000001AAA"),
        "Id": "07k000000000001AAA",
        "AccountId": "001000000000001AAA",
        "ContactId": "003000000000001AAA",
        "Roles": "Decision Maker;Economic Buyer;Other;Executive Sponsor",
        "Contact": {
            "attributes": _attributes("Contact", "003000000000001AAA"),
            "Name": "Ann de Vries",
            "Email": "ann@acme.example",
            "Title": "CEO",
            "Gatekeeper__c": False,
        },
    }
    contact = contact_from_relation(row, roles, "Gatekeeper__c")
    assert contact.id == "003000000000001AAA"
    assert contact.account_id == "001000000000001AAA"
    assert contact.dmu_roles == {DmuRole.DECIDER, DmuRole.BUYER}
    assert (contact.gatekeeper, contact.email, contact.title) == (False, "ann@acme.example", "CEO")
    assert roles.unknown == {"Other": 1, "Executive Sponsor": 1}


def test_role_values_match_case_insensitively_after_an_exact_miss() -> None:
    roles = RoleMap({"Technical Buyer": "Advisor"}, DmuRole)
    assert roles.roles("technical buyer") == {DmuRole.ADVISOR}
    assert roles.roles(None) == frozenset()


def test_a_contact_field_can_hold_the_roles_and_a_checkbox_the_gatekeeper() -> None:
    roles = RoleMap(SECTION.contact_roles, DmuRole)
    row = {
        "Id": "003B",
        "AccountId": "001A",
        "Name": "Bob Jansen",
        "Email": None,
        "Title": None,
        "Buying_Role__c": "Influencer",
        "Gatekeeper__c": True,
    }
    contact = contact_from_contact(row, roles, "Buying_Role__c", "Gatekeeper__c")
    assert (contact.dmu_roles, contact.gatekeeper) == ({DmuRole.INFLUENCER}, True)


def test_team_roles_map_to_psu_roles() -> None:
    roles = RoleMap(SECTION.team_roles, PsuRole)
    assert roles.roles("Account Manager") == {PsuRole.ACCOUNT_MANAGER}
    assert roles.roles("Pre-Sales Consultant") == {PsuRole.SUPPORT}


def test_a_user_becomes_a_member_with_a_whole_capacity() -> None:
    row = {
        "Id": "005A",
        "Name": "Mara Smit",
        "Email": "mara@example.com",
        "KAM_Capacity_Per_Week__c": Decimal("5"),
    }
    assert member_from_user(row, "KAM_Capacity_Per_Week__c").capacity_per_week == 5
    empty = member_from_user({**row, "KAM_Capacity_Per_Week__c": None}, "KAM_Capacity_Per_Week__c")
    assert empty.capacity_per_week is None
    with pytest.raises(MappingError, match="whole number"):
        member_from_user(
            {**row, "KAM_Capacity_Per_Week__c": Decimal("2.5")}, "KAM_Capacity_Per_Week__c"
        )


def test_a_past_event_is_a_contact_moment() -> None:
    row = {
        "Id": "00UA",
        "WhoId": "003A",
        "OwnerId": "005A",
        "AccountId": None,
        "ActivityDate": "2026-11-27",
    }
    assert activity_from_event(row) == ("005A", "003A", date(2026, 11, 27), True, None)


def test_a_bulk_csv_row_is_read_like_a_rest_record() -> None:
    row = nest(
        {
            "Id": "07kA",
            "AccountId": "001A",
            "ContactId": "003A",
            "Roles": "",
            "Contact.Name": "Ann",
            "Contact.Email": "",
            "Contact.Title": "CEO",
            "Contact.Gatekeeper__c": "true",
        }
    )
    contact = contact_from_relation(row, RoleMap({}, DmuRole), "Gatekeeper__c")
    assert (contact.name, contact.email, contact.gatekeeper) == ("Ann", None, True)
    assert as_decimal("1200.5", "amount") == Decimal("1200.5")
    assert as_decimal("1.5E+3", "amount") == Decimal("1500")
    with pytest.raises(MappingError):
        as_decimal("twelve", "amount")


def test_field_updates_become_collection_records_with_numbers_and_nulls() -> None:
    record = field_update_record(
        "001A",
        {"segment": "A", "revenue": "1200.50", "rating_position": "3", "open_gaps": None},
        dict(FIELDS.targets),
    )
    assert record == {
        "attributes": {"type": "Account"},
        "id": "001A",
        "KAM_Segment__c": "A",
        "KAM_Revenue__c": 1200.5,
        "KAM_Rating_Position__c": 3,
        "KAM_Open_Gaps__c": None,
    }
