"""What the HubSpot connector asks for: property lists, search bodies, ranges under the cap."""

from __future__ import annotations

from datetime import date
from itertools import pairwise
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from crm_accounts.config import HubSpotSection
from crm_accounts.connectors.hubspot.queries import (
    SEARCH_CAP,
    chunks,
    list_query,
    property_names,
    search_body,
    split_range,
    window_ms,
)


def test_companies_are_read_with_only_the_properties_the_connector_uses() -> None:
    section = HubSpotSection(
        attributes={"fit": "strategic_fit"},
        integration_stage_property="integration_stage",
        owner_properties={"kam_sales_rep": "sales_rep"},
        pioneer_property="kam_pioneer",
    )
    names = property_names(section)
    assert names.companies == (
        "name",
        "hubspot_owner_id",
        "kam_sales_rep",
        "kam_pioneer",
        "strategic_fit",
        "integration_stage",
        "kam_segment",
        "kam_revenue",
        "kam_revenue_share",
        "kam_rating_position",
        "kam_rating_points",
        "kam_dmu_coverage",
        "kam_open_gaps",
        "kam_computed_at",
    )
    assert names.owners_only == ("hubspot_owner_id", "kam_sales_rep", "kam_pioneer")
    assert "kam_task_key" in names.tasks
    assert list_query(["name", "kam_segment"]) == [
        ("limit", "100"),
        ("properties", "name,kam_segment"),
        ("archived", "false"),
    ]


def test_a_search_page_asks_200_records_sorted_by_id() -> None:
    body = search_body(
        [{"propertyName": "hs_timestamp", "operator": "GTE", "value": "0"}],
        ["hs_timestamp"],
        after="200",
    )
    assert body["limit"] == 200
    assert body["after"] == "200"
    assert body["sorts"] == [{"propertyName": "hs_object_id", "direction": "ASCENDING"}]
    assert len(body["filterGroups"]) == 1


def test_the_activity_window_excludes_its_first_day_in_the_configured_zone() -> None:
    low, high = window_ms(date(2025, 11, 27), date(2026, 11, 27), ZoneInfo("UTC"))
    assert (low, high) == (1764288000000, 1795824000000)  # 2025-11-28 and 2026-11-28 00:00 UTC
    amsterdam = window_ms(date(2025, 11, 27), date(2026, 11, 27), ZoneInfo("Europe/Amsterdam"))
    assert amsterdam == (low - 3_600_000, high - 3_600_000)


@given(
    low=st.integers(min_value=0, max_value=2**41),
    width=st.integers(min_value=2, max_value=2**40),
    total=st.integers(min_value=SEARCH_CAP + 1, max_value=10**7),
)
def test_a_too_full_range_is_cut_into_adjacent_parts_covering_it(
    low: int, width: int, total: int
) -> None:
    parts = split_range(low, low + width, total)
    assert len(parts) >= 2
    assert parts[0][0] == low
    assert parts[-1][1] == low + width
    assert all(a[1] == b[0] for a, b in pairwise(parts))
    assert all(start < end for start, end in parts)


def test_ids_go_out_in_batches_of_the_documented_size() -> None:
    assert [len(c) for c in chunks(range(2500), 1000)] == [1000, 1000, 500]
    assert list(chunks([], 100)) == []
