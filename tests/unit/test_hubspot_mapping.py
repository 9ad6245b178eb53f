"""HubSpot records <-> domain records, currencies, the token and the [hubspot] section: pure."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from crm_accounts.config import HubSpotSection, parse_config
from crm_accounts.connectors.hubspot.auth import read_token
from crm_accounts.connectors.hubspot.currency import CurrencyConverter
from crm_accounts.connectors.hubspot.mapping import (
    MappingError,
    RoleMap,
    activity,
    associations,
    company_row,
    company_update_input,
    contact_from_record,
    deal_row,
    due_timestamp,
    local_date,
    member_from_owner,
    task_create_input,
    task_record,
)
from crm_accounts.domain.model import DmuRole, IntegrationStage
from crm_accounts.errors import ConfigError
from crm_accounts.ports import TaskDraft

UTC = ZoneInfo("UTC")
AMSTERDAM = ZoneInfo("Europe/Amsterdam")
TARGETS = (("segment", "kam_segment"), ("computed_at", "kam_computed_at"))


def _record(record_id: object, **properties: str | None) -> dict[str, object]:
    return {"id": record_id, "properties": properties, "archived": False}


def test_a_company_maps_to_an_account_with_attributes_stage_targets_and_team_fields() -> None:
    record = _record(
        "512",
        name="Acme BV",
        hubspot_owner_id="100000001",
        strategic_fit="8",
        integration_stage="Collaborative",
        kam_segment="A",
        kam_computed_at="2026-11-27T06:00:00.000Z",
        kam_support_owner="100000002",
        kam_sales_rep=None,
    )
    row = company_row(
        record,
        {"fit": "strategic_fit", "city": "city"},
        "integration_stage",
        TARGETS,
        ["kam_support_owner", "kam_sales_rep"],
        None,
    )
    account = row.record.account
    assert (account.id, account.name, account.integration_stage) == (
        "512",
        "Acme BV",
        IntegrationStage.COLLABORATIVE,
    )
    assert dict(account.attributes) == {"fit": "8"}
    assert dict(row.record.targets) == {"segment": "A", "computed_at": "2026-11-27T06:00:00Z"}
    assert row.owner == "100000001"
    assert row.owner_values == (("kam_support_owner", "100000002"),)


def test_a_company_without_a_name_is_refused_and_an_odd_stage_is_reported() -> None:
    with pytest.raises(MappingError, match="name is empty"):
        company_row(_record("1", name="  "), {}, None, TARGETS, [], None)
    row = company_row(_record(7, name="X", stage="partner"), {}, "stage", TARGETS, [], None)
    assert (row.record.account.id, row.unknown_stage) == ("7", "partner")


def test_deal_close_dates_are_days_in_the_configured_zone() -> None:
    record = _record(
        "9",
        closedate="2026-01-01T23:30:00Z",
        amount="1200.50",
        kam_margin="300",
        deal_currency_code="usd",
    )
    assert deal_row(record, UTC, "kam_margin").day == date(2026, 1, 1)
    deal = deal_row(record, AMSTERDAM, "kam_margin")
    assert (deal.day, deal.amount, deal.margin, deal.currency) == (
        date(2026, 1, 2),
        Decimal("1200.50"),
        Decimal("300"),
        "USD",
    )
    assert local_date("1767225600000", UTC, "epoch millis") == date(2026, 1, 1)
    assert local_date("2026-03-04", AMSTERDAM, "a date property") == date(2026, 3, 4)


@pytest.mark.parametrize(
    ("properties", "reason"),
    [
        ({"amount": "10"}, "closedate"),
        ({"closedate": "2026-01-01"}, "amount is empty"),
        ({"closedate": "2026-01-01", "amount": "ten"}, "expected a number"),
    ],
)
def test_a_deal_without_date_or_amount_is_refused(properties: dict[str, str], reason: str) -> None:
    with pytest.raises(MappingError, match=reason):
        deal_row(_record("3", **properties), UTC, None)


def test_buying_roles_map_option_values_and_count_unknown_ones() -> None:
    roles = RoleMap(
        {"DECISION_MAKER": "decider", "BUDGET_HOLDER": "buyer", "SUPPORTER": "Supporter"}
    )
    assert roles.roles("DECISION_MAKER;budget_holder;BLOCKER") == {DmuRole.DECIDER, DmuRole.BUYER}
    assert roles.roles("SUPPORTER") == {DmuRole.SUPPORTER}
    assert roles.roles(None) == frozenset()
    assert roles.unknown == {"BLOCKER": 1}


def test_a_contact_gets_first_and_last_name_gatekeeper_and_title() -> None:
    record = _record(
        "201",
        firstname="Ann",
        lastname="de Vries",
        email="ann@acme.example",
        jobtitle="CEO",
        hs_buying_role="DECISION_MAKER",
        kam_gatekeeper="true",
    )
    contact = contact_from_record(
        record, "512", RoleMap({"DECISION_MAKER": "decider"}), "hs_buying_role", "kam_gatekeeper"
    )
    assert (contact.id, contact.account_id, contact.name, contact.gatekeeper, contact.title) == (
        "201",
        "512",
        "Ann de Vries",
        True,
        "CEO",
    )
    nameless = contact_from_record(
        _record(202, email="x@y.example"), "512", RoleMap({}), "hs_buying_role", None
    )
    assert (nameless.id, nameless.name, nameless.gatekeeper) == ("202", "x@y.example", False)


def test_an_owner_becomes_a_member_with_its_name_and_e_mail() -> None:
    owner = {
        "id": "41629779",
        "email": "mara@example.com",
        "firstName": "Mara",
        "lastName": "Smit",
        "userId": 9586504,
        "archived": False,
    }
    member = member_from_owner(owner, 5)
    assert (member.id, member.name, member.email, member.capacity_per_week) == (
        "41629779",
        "Mara Smit",
        "mara@example.com",
        5,
    )


def test_an_engagement_is_an_activity_with_its_owner_contact_day_and_completion() -> None:
    record = _record(
        "47000000001",
        hs_timestamp="2026-10-01T12:00:00Z",
        hubspot_owner_id="100000001",
        hs_meeting_outcome="COMPLETED",
    )
    done = frozenset({"COMPLETED"})
    moment = activity(record, "201", "hs_meeting_outcome", done, UTC)
    assert moment == ("100000001", "201", date(2026, 10, 1), True, None)
    scheduled = _record(
        "2", hs_timestamp="1790000000000", hubspot_owner_id="1", hs_meeting_outcome="SCHEDULED"
    )
    assert not activity(scheduled, "201", "hs_meeting_outcome", done, UTC).completed
    with pytest.raises(MappingError, match="hubspot_owner_id"):
        activity(_record("3", hs_timestamp="2026-10-01T12:00:00Z"), "201", "x", done, UTC)


def test_associations_accept_numeric_ids_null_labels_and_find_the_primary() -> None:
    result = {
        "from": {"id": "9755286928"},
        "to": [
            {
                "toObjectId": 21451,
                "associationTypes": [{"category": "HUBSPOT_DEFINED", "typeId": 341, "label": None}],
            },
            {
                "toObjectId": 21301,
                "associationTypes": [
                    {"category": "HUBSPOT_DEFINED", "typeId": 341, "label": None},
                    {"category": "HUBSPOT_DEFINED", "typeId": 5, "label": "Primary"},
                ],
            },
        ],
        "paging": {"next": {"after": "MTA="}},
    }
    from_id, targets, after = associations(result)
    assert (from_id, targets.targets, targets.one(), after) == (
        "9755286928",
        ("21451", "21301"),
        "21301",
        "MTA=",
    )
    _, unlabeled, _ = associations(
        {"from": {"id": 1}, "to": [{"toObjectId": 30}, {"toObjectId": 4}]}
    )
    assert unlabeled.one() == "4"


def test_a_task_of_ours_is_read_back_with_its_text_untouched() -> None:
    body = 'line one\nline two\r\nend, "quoted"\n'
    record = _record(
        "31000000001",
        kam_task_key="k,1",
        hs_timestamp="2026-11-30T23:00:00.000Z",
        hubspot_owner_id="100000001",
        hs_task_subject='Meet "Ann"',
        hs_task_body=body,
    )
    task = task_record(record, "kam_task_key", AMSTERDAM, "512", None)
    assert task is not None
    assert (task.key, task.account_id, task.contact_id, task.due_date, task.description) == (
        "k,1",
        "512",
        "",
        date(2026, 12, 1),
        body,
    )
    assert (
        task_record(_record("2", hs_task_subject="theirs"), "kam_task_key", UTC, None, None) is None
    )


def test_a_draft_becomes_a_task_with_owner_due_time_key_and_both_associations() -> None:
    draft = TaskDraft("k1", "512", "100000001", "201", date(2026, 12, 1), "Meet", "why")
    body = task_create_input(draft, "kam_task_key", "NOT_STARTED", AMSTERDAM)
    assert body["properties"] == {
        "hs_timestamp": "2026-11-30T23:00:00.000Z",
        "hs_task_subject": "Meet",
        "hs_task_body": "why",
        "hs_task_status": "NOT_STARTED",
        "hubspot_owner_id": "100000001",
        "kam_task_key": "k1",
    }
    assert [(a["to"]["id"], a["types"][0]["associationTypeId"]) for a in body["associations"]] == [
        ("512", 192),
        ("201", 204),
    ]
    assert {a["types"][0]["associationCategory"] for a in body["associations"]} == {
        "HUBSPOT_DEFINED"
    }
    assert due_timestamp(date(2026, 12, 1), UTC) == "2026-12-01T00:00:00.000Z"


def test_a_cleared_target_is_sent_as_an_empty_string() -> None:
    fields = {"segment": "kam_segment", "revenue": "kam_revenue"}
    assert company_update_input("512", {"segment": "A", "revenue": None}, fields) == {
        "id": "512",
        "properties": {"kam_segment": "A", "kam_revenue": ""},
    }


# -- currencies -----------------------------------------------------------------------------------


def test_deals_in_one_currency_pass_and_a_second_currency_is_refused() -> None:
    convert = CurrencyConverter(HubSpotSection())
    assert convert("1", "EUR", Decimal("10")) == Decimal("10")
    assert convert("2", "EUR", Decimal("5")) == Decimal("5")
    with pytest.raises(ConfigError, match=r"deal 3 is in USD but other deals are in EUR"):
        convert("3", "USD", Decimal("7"))
    with pytest.raises(ConfigError, match=r"deal 4 is in no currency code"):
        convert("4", None, Decimal("7"))


def test_a_configured_currency_refuses_every_other_one() -> None:
    convert = CurrencyConverter(HubSpotSection(currency="EUR"))
    assert convert("1", None, Decimal("3")) == Decimal("3")  # the company currency
    with pytest.raises(ConfigError, match="USD"):
        convert("1", "USD", Decimal("1"))


def test_amounts_are_converted_with_the_configured_rates_and_unknown_ones_refused() -> None:
    section = HubSpotSection(
        currency="EUR", currency_mode="convert", currency_rates={"USD": Decimal("0.9")}
    )
    convert = CurrencyConverter(section)
    assert convert("1", "USD", Decimal("100")) == Decimal("90.0")
    assert convert("2", None, Decimal("100")) == Decimal("100")
    assert convert.converted == {"USD": 1}
    with pytest.raises(ConfigError, match="no rate for GBP"):
        convert("3", "GBP", Decimal("1"))


# -- token and config -----------------------------------------------------------------------------


def test_the_token_comes_from_the_named_variable_and_never_prints() -> None:
    section = HubSpotSection(access_token_env="KAM_HUBSPOT_TOKEN")
    token = read_token(section, {"KAM_HUBSPOT_TOKEN": " pat-na1-secret-value "})
    assert token.value == "pat-na1-secret-value"
    assert "secret" not in repr(token)
    with pytest.raises(ConfigError, match="KAM_HUBSPOT_TOKEN") as caught:
        read_token(section, {"HUBSPOT_ACCESS_TOKEN": "pat-na1-other"})
    assert "pat-na1" not in str(caught.value)


def test_the_hubspot_section_has_documented_defaults() -> None:
    section = parse_config("").hubspot
    assert section.access_token_env == "HUBSPOT_ACCESS_TOKEN"
    assert (section.rate_tier, section.search_rate, section.api_reserve) == (100, 4, 1000)
    assert section.won_stages == []
    assert section.task_key_property == "kam_task_key"
    assert section.fields["segment"] == "kam_segment"
    assert section.buying_roles["DECISION_MAKER"] == "decider"
    assert section.activity_done["emails"] == ["SENT"]


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("rate_tier = 150", "rate_tier"),
        ('currency_mode = "convert"', "currency"),
        ("currency_rates.usd = 0.9", "currency_rates"),
        ('owner_properties.kam_sales_rep = "salesperson"', "salesperson"),
        ('buying_roles.CHAMPION = "fan"', "fan"),
        ('fields.segment = "kam_revenue"', "must be distinct"),
        ('timezone = "Mars/Olympus"', "Mars/Olympus"),
        ('activity_done.notes = ["DONE"]', "notes"),
    ],
)
def test_bad_hubspot_settings_are_refused_naming_the_key(text: str, named: str) -> None:
    with pytest.raises(ConfigError, match=named):
        parse_config(f"[hubspot]\n{text}\n")


def test_a_roster_entry_names_a_member_with_roles_accounts_capacity_and_pioneer() -> None:
    config = parse_config(
        '[[hubspot.roster]]\nmember = "ops@example.com"\nroles = ["Administration"]\n'
        'accounts = ["512"]\ncapacity_per_week = 4\npioneer = true\n'
    )
    [entry] = config.hubspot.roster
    assert (entry.member, [r.value for r in entry.roles], entry.accounts) == (
        "ops@example.com",
        ["administration"],
        ["512"],
    )
    assert (entry.capacity_per_week, entry.pioneer) == (4, True)


def test_the_primary_company_is_found_by_its_type_id_not_by_a_label_named_primary() -> None:
    custom = {"category": "USER_DEFINED", "typeId": 77, "label": "Primary"}
    result = {
        "from": {"id": "3000000001"},
        "to": [
            {"toObjectId": 2000000001, "associationTypes": [custom]},
            {
                "toObjectId": 2000000002,
                "associationTypes": [{"category": "HUBSPOT_DEFINED", "typeId": 5, "label": None}],
            },
        ],
    }
    _, targets, _ = associations(result)
    assert targets.one() == "2000000002"
