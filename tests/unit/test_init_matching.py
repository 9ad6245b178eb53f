"""Matching CRM role values to DMU and PSU role keys by name (crm_accounts.init.matching)."""

from __future__ import annotations

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from crm_accounts.domain.model import DmuRole, PsuRole
from crm_accounts.init.matching import THRESHOLD, best_role, field_for, fold
from crm_accounts.init.vocabulary import DMU_NAMES, PSU_NAMES


def _dmu(value: str, label: str | None = None) -> str | None:
    match = best_role(value, DMU_NAMES, label=label)
    return match.role if match is not None and match.accepted else None


def _psu(value: str) -> str | None:
    match = best_role(value, PSU_NAMES)
    return match.role if match is not None and match.accepted else None


@pytest.mark.parametrize(
    ("value", "role"),
    [
        ("Decision Maker", "decider"),
        ("DECISION_MAKER", "decider"),
        ("decision-maker", "decider"),
        ("Descision Maker", "decider"),  # a typo an admin left in a picklist
        ("Beslisser", "decider"),
        ("Entscheider", "decider"),
        ("Entscheidungsträger", "decider"),
        ("Inkoper", "buyer"),
        ("Einkaeufer", "buyer"),
        ("Einkäufer", "buyer"),
        ("Budget holder", "buyer"),
        ("Technical Buyer", "advisor"),
        ("Berater", "advisor"),
        ("Adviseur", "advisor"),
        ("Beinvloeder", "influencer"),
        ("BEÏNVLOEDER", "influencer"),
        ("Beeinflusser", "influencer"),
        ("Eindgebruiker", "user"),
        ("Anwender", "user"),
        ("Ondersteuner", "supporter"),
    ],
)
def test_buying_role_values_in_three_languages_map_to_their_role(value: str, role: str) -> None:
    assert _dmu(value) == role


@pytest.mark.parametrize(
    ("value", "role"),
    [
        ("Accountmanager", "account_manager"),
        ("Key-Accountmanager", "account_manager"),
        ("Account Mangaer", "account_manager"),
        ("Verkoper", "sales_rep"),
        ("Vertriebsmitarbeiter", "sales_rep"),
        ("Vertriebsleiter", "sales_manager"),
        ("Directeur", "executive"),
        ("Geschäftsführer", "executive"),
        ("Binnendienst", "support"),  # METHOD.md: support (Ondersteuner/binnendienst)
        ("Innendienst", "support"),
        ("Uitvoerder", "delivery"),
        ("Administrateur", "administration"),
    ],
)
def test_team_role_values_in_three_languages_map_to_their_role(value: str, role: str) -> None:
    assert _psu(value) == role


@pytest.mark.parametrize("value", ["Other", "Blocker", "Medewerker", "Familie", "Bewindvoerder"])
def test_a_value_that_names_no_buying_role_stays_unmapped(value: str) -> None:
    assert _dmu(value) is None


@pytest.mark.parametrize("value", ["Channel Manager", "Lead Qualifier", "Partner"])
def test_a_value_that_names_no_team_role_stays_unmapped(value: str) -> None:
    assert _psu(value) is None


def test_the_label_counts_when_the_stored_value_is_a_code() -> None:
    assert _dmu("opt_17") is None
    assert _dmu("opt_17", label="Beslisser") == "decider"


def test_the_best_candidate_is_reported_even_below_the_threshold() -> None:
    match = best_role("Channel Manager", PSU_NAMES)
    assert match is not None
    assert not match.accepted
    assert match.score < THRESHOLD
    assert "Channel" not in match.name


@pytest.mark.parametrize("key", [r.value for r in DmuRole])
def test_every_dmu_role_key_maps_to_itself(key: str) -> None:
    assert _dmu(key) == key


@pytest.mark.parametrize("key", [r.value for r in PsuRole])
def test_every_psu_role_key_maps_to_itself(key: str) -> None:
    assert _psu(key) == key


@pytest.mark.parametrize("pair", [(n, r.value) for r, names in DMU_NAMES.items() for n, _ in names])
def test_every_spelling_in_the_vocabulary_maps_to_its_own_dmu_role(pair: tuple[str, str]) -> None:
    name, role = pair
    assert _dmu(name) == role


@pytest.mark.parametrize("pair", [(n, r.value) for r, names in PSU_NAMES.items() for n, _ in names])
def test_every_spelling_in_the_vocabulary_maps_to_its_own_psu_role(pair: tuple[str, str]) -> None:
    name, role = pair
    assert _psu(name) == role


@settings(deadline=None)  # timing is not the property; benchmarks measure time
@given(st.text(max_size=40))
def test_case_never_changes_a_match(text: str) -> None:
    assume(fold(text.upper()) == fold(text))  # a few letters (dotless i) change under upper()
    plain, shouting = best_role(text, DMU_NAMES), best_role(text.upper(), DMU_NAMES)
    assert (plain is None) == (shouting is None)
    if plain is not None and shouting is not None:
        assert (plain.role, plain.score) == (shouting.role, shouting.score)


@settings(deadline=None)  # timing is not the property; benchmarks measure time
@given(st.text(max_size=40))
def test_a_score_is_between_0_and_100(text: str) -> None:
    match = best_role(text, PSU_NAMES)
    assert match is None or 0 <= match.score <= 100


@pytest.mark.parametrize(
    ("purpose", "fields", "found"),
    [
        ("gatekeeper", [("Email", "Email"), ("Gatekeeper__c", "Gatekeeper")], "Gatekeeper__c"),
        ("gatekeeper", [("Is_Portier__c", "Portier")], "Is_Portier__c"),
        ("pioneer", [("KAM_Pioneer__c", "KAM Pioneer")], "KAM_Pioneer__c"),
        ("capacity", [("KAM_Capacity_Per_Week__c", "")], "KAM_Capacity_Per_Week__c"),
        ("margin", [("Amount", "Amount"), ("kam_margin", "Margin")], "kam_margin"),
        ("margin", [("Marginal_Note__c", "Marginal note")], None),  # a word, not a prefix
        ("integration_stage", [("Stage__c", "Stage")], None),
    ],
)
def test_a_field_is_found_by_whole_words_of_its_purpose(
    purpose: str, fields: list[tuple[str, str]], found: str | None
) -> None:
    assert field_for(purpose, fields) == found
