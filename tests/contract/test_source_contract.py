"""The read contract every connector passes: what goes in comes back through the port."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from pathlib import Path
from typing import Any

from crm_accounts.domain import MethodSettings, Period
from crm_accounts.domain.numbers import parse_plain_decimal
from crm_accounts.ports import Source
from crm_accounts.services import compute, result_document

from .conftest import AS_OF, SOURCES, Dataset


def test_accounts_come_back_with_names_stages_and_attributes(
    source: Source, dataset: Dataset
) -> None:
    records = list(source.accounts())
    assert [r.account for r in records] == dataset.accounts
    assert source.attribute_names() >= {"fit", "city"}


def test_every_revenue_line_of_the_period_is_returned(source: Source, dataset: Dataset) -> None:
    period = Period.ending(AS_OF, 12)
    returned = Counter(source.revenue_lines(period))
    expected = Counter(line for line in dataset.revenue if line.date in period)
    assert expected - returned == Counter()
    assert all(line.account_id in {a.id for a in dataset.accounts} for line in returned)


def test_contacts_members_and_team_come_back_with_their_roles(
    source: Source, dataset: Dataset
) -> None:
    contacts = source.contacts()
    team = source.team()
    assert contacts is not None
    assert team is not None
    assert sorted(contacts, key=lambda c: c.id) == sorted(dataset.contacts, key=lambda c: c.id)
    assert sorted(source.members(), key=lambda m: m.id) == dataset.members
    by_place = sorted(dataset.team, key=lambda t: (t.account_id, t.member_id))
    assert sorted(team, key=lambda t: (t.account_id, t.member_id)) == by_place


def test_activities_in_the_window_come_back_with_their_completion(
    source: Source, dataset: Dataset
) -> None:
    since = AS_OF - timedelta(days=365)
    returned = {
        (a.member_id, a.contact_id, a.date, a.completed) for a in source.activities(since, AS_OF)
    }
    expected = {
        (a.member_id, a.contact_id, a.date, a.completed)
        for a in dataset.activities
        if since < a.date <= AS_OF
    }
    assert expected <= returned


def test_a_fresh_source_has_no_open_tasks_of_ours_and_closes_cleanly(source: Source) -> None:
    assert list(source.open_tasks()) == []
    list(source.accounts())
    source.close()


def test_every_connector_gives_the_same_result_for_the_same_data(
    dataset: Dataset, tmp_path: Path
) -> None:
    documents = [
        result_document(compute(make(dataset, tmp_path / name), MethodSettings(), AS_OF))
        for name, make in sorted(SOURCES.items())
    ]
    assert documents[0]["segments"], "the dataset must produce segments to compare"
    assert documents[0]["plan"], "the dataset must produce a plan to compare"
    # Money is exact at any scale (a CRM API may say 1300.0 where a file says 1300.00).
    normalized = [_by_value(document) for document in documents]
    assert all(document == normalized[0] for document in normalized[1:])


def _by_value(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _by_value(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_by_value(item) for item in value]
    if isinstance(value, str):
        number = parse_plain_decimal(value)
        return value if number is None else number
    return value
