"""``init`` against the fake CRMs' profiles: the role maps it proposes from each org's picklists
and each portal's buying-role options, against mappings written down here by hand.

The expected role of every value comes from METHOD.md's role definitions (section 2), not from
the code under test. Where a profile's loader files a role under a value whose name says
something else, the expectation follows the name and the disagreement is listed in
:data:`DISAGREES_WITH_PROFILE` with the reason; any other disagreement with a profile fails.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from crm_accounts.config import Config, HubSpotSection, SalesforceSection, parse_config
from crm_accounts.connectors.demo import generate_demo
from crm_accounts.connectors.hubspot import HubSpotConnector
from crm_accounts.connectors.hubspot.survey import HubSpotSurvey
from crm_accounts.connectors.salesforce import SalesforceConnector
from crm_accounts.connectors.salesforce.survey import SalesforceSurvey
from crm_accounts.init import propose, render
from tests.fakes.hubspot import FakeHubSpot
from tests.fakes.hubspot.profile import PROFILE_DIR, load_profile
from tests.fakes.salesforce import FakeSalesforce, resolve_profile

AS_OF = date(2026, 11, 27)
_STANDARD_CONTACT = {
    "Business User": "user",
    "Decision Maker": "decider",
    "Economic Buyer": "buyer",
    "Economic Decision Maker": "decider",
    "Evaluator": "advisor",
    "Executive Sponsor": "decider",  # the customer's senior sponsor decides (METHOD.md: decider)
    "Influencer": "influencer",
    "Technical Buyer": "advisor",  # evaluates the technical fit; the budget is not theirs
    "Other": None,
}
_STANDARD_TEAM = {
    "Account Manager": "account_manager",
    "Channel Manager": None,  # manages partners, not this account
    "Executive Sponsor": "executive",
    "Pre-Sales Consultant": "support",
    "Sales Manager": "sales_manager",
    "Sales Rep": "sales_rep",
    "Lead Qualifier": None,
}
_NL_CONTACT = {
    "Beslisser": "decider",
    "Inkoper": "buyer",
    "Adviseur": "advisor",
    "Beïnvloeder": "influencer",
    "Gebruiker": "user",
    "Ambassadeur": "influencer",  # an advocate inside the customer, not administrative support
    "Decision Maker": "decider",
    "Influencer": "influencer",
    "Medewerker": None,  # "employee": no buying role
}
#: Every value the profile's picklists hold -> the DMU or PSU role it names (None: none).
EXPECTED_SALESFORCE: dict[str, tuple[dict[str, str | None], dict[str, str | None]]] = {
    "standard": (_STANDARD_CONTACT, _STANDARD_TEAM),
    "multi_currency": (_STANDARD_CONTACT, _STANDARD_TEAM),
    "custom_nl": (
        _NL_CONTACT,
        {
            "Accountmanager": "account_manager",
            "Verkoper": "sales_rep",
            "Verkoopmanager": "sales_manager",
            "Directiesponsor": "executive",
            "Pre-sales consultant": "support",
            "Projectleider": "delivery",
            "Binnendienst": "support",  # METHOD.md: "support (Ondersteuner/binnendienst)"
        },
    ),
    "no_acr": (
        {
            "Decision Maker": "decider",
            "Economic Buyer": "buyer",
            "Champion": "influencer",  # as crm-accounts' HubSpot default map (CHAMPION)
            "Influencer": "influencer",
            "End User": "user",
            "Board Member": "decider",
        },
        _STANDARD_TEAM,
    ),
}
_HUBSPOT = {
    "DECISION_MAKER": "decider",
    "BUDGET_HOLDER": "buyer",
    "CHAMPION": "influencer",
    "END_USER": "user",
    "INFLUENCER": "influencer",
    "BLOCKER": None,  # works against the sale: no DMU role
    "OTHER": None,
    "EXECUTIVE_SPONSOR": "decider",
    "LEGAL_AND_COMPLIANCE": "advisor",
    "SUPPORTER": "supporter",  # the custom option the fake's loader adds for supporters
}
#: (profile, value): why the expectation differs from the role the profile's loader files there.
DISAGREES_WITH_PROFILE = {
    ("custom_nl", "Binnendienst"): "METHOD.md names binnendienst under support; the profile "
    "loads its administration members there",
    ("custom_nl", "Ambassadeur"): "an ambassador promotes the supplier (influencer); METHOD.md's "
    "supporter is administrative or operational",
    ("no_acr", "Champion"): "as for Ambassadeur; the professional HubSpot profile and the "
    "default HubSpot map file champions under influencer",
}
#: Share of a profile's values that must be mapped as expected (the issue's bar).
BAR = 0.9


def _share(proposed: dict[str, str], expected: dict[str, str | None]) -> float:
    right = sum(1 for value, role in expected.items() if proposed.get(value) == role)
    return right / len(expected)


def _profile_check(name: str, proposed: dict[str, str], role_values: dict[str, str]) -> None:
    for role, value in role_values.items():
        if (name, value) in DISAGREES_WITH_PROFILE:
            continue
        assert proposed.get(value) == role, f"{name}: {value!r} should map to {role}"


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("init") / "demo"
    return generate_demo(folder, as_of=AS_OF, accounts=12).source_dir


def _salesforce_config(fake: FakeSalesforce) -> tuple[Config, SalesforceConnector]:
    section = SalesforceSection(auth="client_credentials", login_url=fake.url, max_attempts=2)
    environ = {"SF_CLIENT_ID": fake.oauth.client_id, "SF_CLIENT_SECRET": fake.oauth.client_secret}
    connector = SalesforceConnector.from_config(
        section, environ, session=fake.session(), sleep=lambda _: None
    )
    facts = SalesforceSurvey(connector).survey()
    return parse_config(render(propose(facts, today=AS_OF))), connector


@pytest.mark.parametrize("name", sorted(EXPECTED_SALESFORCE))
def test_each_salesforce_profile_gets_its_role_values_mapped(name: str, demo: Path) -> None:
    profile = resolve_profile(name)
    with FakeSalesforce(profile=profile) as fake:
        fake.load(demo)
        config, connector = _salesforce_config(fake)
    contact, team = EXPECTED_SALESFORCE[name]
    section = config.salesforce

    assert _share(section.contact_roles, contact) >= BAR
    assert _share(section.team_roles, team) >= BAR
    _profile_check(name, {**section.contact_roles, **section.team_roles}, profile.role_values)
    first_closed = next(s.value for s in profile.task_statuses if s.closed)
    assert config.plan.closed_status == first_closed  # IsClosed in this org, in sort order
    if profile.contact_role_field:
        assert section.contact_roles_source == "contact_field"
        assert section.contact_role_field == profile.contact_role_field
    assert section.attributes == {
        "strategic_fit": "Strategic_Fit__c", "payment_days": "Payment_Days__c",
    }  # fmt: skip
    assert section.gatekeeper_field == "Gatekeeper__c"
    assert section.margin_field == "Margin__c"
    assert section.pioneer_field == "User.KAM_Pioneer__c"
    # Six describes, task statuses, the user count and the token: nothing read twice.
    assert sum(connector.calls.values()) == 9, connector.calls


@pytest.fixture(scope="module", params=["starter", "professional", "enterprise"])
def portal(request: pytest.FixtureRequest, demo: Path) -> Iterator[tuple[str, FakeHubSpot]]:
    profile = load_profile(PROFILE_DIR / f"{request.param}.json")
    with FakeHubSpot(profile=profile) as fake:
        fake.load(demo)
        yield request.param, fake


def test_each_hubspot_profile_gets_its_buying_roles_mapped(
    portal: tuple[str, FakeHubSpot],
) -> None:
    name, fake = portal
    section = HubSpotSection(host=fake.url, max_attempts=2)
    connector = HubSpotConnector.from_config(section, {"HUBSPOT_ACCESS_TOKEN": fake.token})
    config = parse_config(render(propose(HubSpotSurvey(connector).survey(), today=AS_OF)))
    hubspot = config.hubspot
    options = [o.value for o in fake.state.properties["contacts"]["hs_buying_role"].options]
    expected = {value: _HUBSPOT[value] for value in options}

    assert _share(hubspot.buying_roles, expected) >= BAR
    assert fake.profile is not None
    _profile_check(name, hubspot.buying_roles, fake.profile.role_values)
    assert config.plan.closed_status is None  # left out: the connector closes with COMPLETED
    assert hubspot.owner_properties == {
        "kam_delivery_owner": "delivery", "kam_executive_owner": "executive",
        "kam_sales_rep": "sales_rep", "kam_support_owner": "support",
    }  # fmt: skip
    assert hubspot.attributes == {"payment_days": "payment_days", "strategic_fit": "strategic_fit"}
    # Four property reads (companies, contacts, deals, tasks) and one page of owners.
    assert sum(connector.calls.values()) == 5, connector.calls
