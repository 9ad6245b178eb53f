"""Rep agendas: one calendar per member, parseable, stable UIDs from the task key."""

from __future__ import annotations

import re
from collections import Counter
from datetime import UTC, date, datetime
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st
from icalendar import Calendar

from crm_accounts.config import Config
from crm_accounts.domain.method import MethodResult
from crm_accounts.domain.planning import PlanStatus
from crm_accounts.reports.agenda import agenda_file_name, event_uid, write_agendas

from .conftest import compute_demo

STAMP = datetime(2026, 11, 27, 6, 0, tzinfo=UTC)


def _events(path: Path) -> list[dict[str, object]]:
    calendar = Calendar.from_ical(path.read_bytes())
    return [
        {
            "uid": str(event["UID"]),
            "date": event.decoded("DTSTART"),
            "summary": str(event["SUMMARY"]),
            "description": str(event["DESCRIPTION"]),
        }
        for event in calendar.walk("VEVENT")
    ]


def test_every_scheduled_contact_is_one_event_in_its_members_agenda(
    demo_result: MethodResult, tmp_path: Path
) -> None:
    scheduled = [p for p in demo_result.plan if p.status is PlanStatus.SCHEDULED]
    per_member = Counter(p.pair.member_id for p in scheduled)

    paths = write_agendas(demo_result, tmp_path, STAMP)

    assert sorted(p.name for p in paths) == sorted(agenda_file_name(m) for m in per_member)
    for member_id, count in per_member.items():
        events = _events(tmp_path / agenda_file_name(member_id))
        assert len(events) == count
        expected = {
            event_uid(p.key): p.planned_date for p in scheduled if p.pair.member_id == member_id
        }
        assert {e["uid"]: e["date"] for e in events} == expected


def test_an_event_names_account_contact_reason_and_task_key(
    demo_result: MethodResult, tmp_path: Path
) -> None:
    planned = next(p for p in demo_result.plan if p.status is PlanStatus.SCHEDULED)
    account = demo_result.accounts[planned.pair.account_id].name
    contact = demo_result.contacts[planned.pair.contact_id].name

    write_agendas(demo_result, tmp_path, STAMP, link=lambda a: f"https://crm.example/{a}")
    events = _events(tmp_path / agenda_file_name(planned.pair.member_id))
    event = next(e for e in events if e["uid"] == event_uid(planned.key))

    assert event["summary"] == f"Contact {contact} ({account})"
    description = str(event["description"])
    assert f"Account: {account} (segment " in description
    assert f"Task key: {planned.key}" in description
    assert f"CRM: https://crm.example/{planned.pair.account_id}" in description
    assert "Reason: " in description


def test_unscheduled_contacts_stay_out_of_the_agendas(
    demo_result: MethodResult, tmp_path: Path
) -> None:
    unscheduled = {event_uid(p.key) for p in demo_result.plan if p.status is PlanStatus.UNSCHEDULED}
    assert unscheduled, "the demo has members over capacity"

    uids = {e["uid"] for path in write_agendas(demo_result, tmp_path, STAMP) for e in _events(path)}

    assert uids
    assert not uids & unscheduled


def test_uids_are_the_same_in_two_runs_so_a_reimport_updates(
    demo_config: Config, tmp_path: Path
) -> None:
    first = write_agendas(compute_demo(demo_config), tmp_path / "one", STAMP)
    later = datetime(2026, 11, 28, 6, 0, tzinfo=UTC)
    second = write_agendas(compute_demo(demo_config), tmp_path / "two", later)

    assert [p.name for p in first] == [p.name for p in second]
    for one, two in zip(first, second, strict=True):
        assert [e["uid"] for e in _events(one)] == [e["uid"] for e in _events(two)]
    assert len({e["uid"] for path in first for e in _events(path)}) == sum(
        len(_events(path)) for path in first
    )


def test_events_are_all_day_and_do_not_block_time(
    demo_result: MethodResult, tmp_path: Path
) -> None:
    path = write_agendas(demo_result, tmp_path, STAMP)[0]
    calendar = Calendar.from_ical(path.read_bytes())

    for event in calendar.walk("VEVENT"):
        start = event.decoded("DTSTART")
        assert isinstance(start, date)
        assert not isinstance(start, datetime)
        assert str(event["TRANSP"]) == "TRANSPARENT"
        assert event.decoded("DTSTAMP") == STAMP


@given(st.text(min_size=1, max_size=80))
def test_agenda_file_names_are_safe_and_keep_plain_ids(member_id: str) -> None:
    name = agenda_file_name(member_id)

    assert name.endswith(".ics")
    assert all(ch.isascii() and (ch.isalnum() or ch in "-_.") for ch in name)
    assert len(name) <= 80
    if re.fullmatch(r"[A-Za-z0-9_]([A-Za-z0-9_-]{0,58}[A-Za-z0-9_])?", member_id):
        assert name == f"{member_id}.ics"


def test_ids_that_differ_only_in_unsafe_characters_get_different_files() -> None:
    names = {agenda_file_name(m) for m in ("005/A", "005:A", "005 A", "005-A")}

    assert len(names) == 4
