"""Rep agendas: one iCalendar file per member holding the contacts planned for them.

Each planned contact is an all-day, non-blocking event (``TRANSP:TRANSPARENT``) on its planned
date. Its ``UID`` is derived from the task key, which is stable per (account, member, contact),
so importing a newer agenda updates the event instead of adding a second one (RFC 5545 3.8.4.7).
Unscheduled contacts have no date and stay out of the agendas (the report lists them).
:func:`agenda_calendars` is pure; :func:`write_agendas` writes the files.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Mapping
from datetime import datetime
from pathlib import Path

from icalendar import Calendar, Event

from .. import __version__
from ..domain.method import MethodResult
from ..domain.planning import PlannedContact, PlanStatus
from ..domain.suggestions import role_labels
from ..i18n import Language, language
from ..safefile import write_bytes_atomically
from ..words import role_word

__all__ = [
    "PRODUCT_ID_PREFIX",
    "UID_DOMAIN",
    "agenda_calendars",
    "agenda_file_name",
    "event_uid",
    "write_agendas",
]

UID_DOMAIN = "crm-accounts"
#: Start of every agenda's PRODID: marks the files the product wrote.
PRODUCT_ID_PREFIX = "-//crm-accounts//"
_UNSAFE = re.compile(r"[^A-Za-z0-9_-]+")

Link = Callable[[str], str | None]


def event_uid(task_key: str) -> str:
    """The event UID for a planned contact: its task key, qualified as RFC 5545 recommends."""
    return f"{task_key}@{UID_DOMAIN}"


def agenda_file_name(member_id: str) -> str:
    """A file name safe on every file system; ids that need changing get a digest suffix."""
    slug = _UNSAFE.sub("-", member_id).strip("-")[:60] or "member"
    if slug == member_id:
        return f"{slug}.ics"
    digest = hashlib.sha256(member_id.encode()).hexdigest()[:8]
    return f"{slug}-{digest}.ics"


def _reason(planned: PlannedContact, lang: Language) -> str:
    pair = planned.pair
    if pair.last_contact is None:
        return lang._("never met in the lookback period")
    last = lang.day(pair.last_contact)
    if pair.days_overdue > 0:
        return lang.n_(
            "overdue by %(days)s day (last contact %(last)s)",
            "overdue by %(days)s days (last contact %(last)s)",
            pair.days_overdue,
        ) % {"days": pair.days_overdue, "last": last}
    return lang._("due on %(day)s (last contact %(last)s)") % {
        "day": lang.day(pair.due_date),
        "last": last,
    }


def _event(
    result: MethodResult,
    planned: PlannedContact,
    stamp: datetime,
    positions: Mapping[str, int],
    link: Link | None,
    lang: Language,
) -> Event:
    _ = lang._
    pair = planned.pair
    account = result.accounts.get(pair.account_id)
    account_name = account.name if account is not None else pair.account_id
    contact = result.contacts.get(pair.contact_id)
    contact_name = contact.name if contact is not None else pair.contact_id
    segment = result.segments.get(pair.account_id)
    position = positions.get(pair.account_id)
    standing = (
        _("segment %(segment)s") % {"segment": segment.value}
        if segment is not None
        else _("no segment")
    )
    if position is not None:
        standing += ", " + _("rating position %(position)s") % {"position": position}
    lines = [_("Account: %(name)s (%(standing)s)") % {"name": account_name, "standing": standing}]
    if contact is not None:
        roles = ", ".join(
            role_word(lang, label) for label in role_labels(contact, result.suggestions)
        ) or _("no DMU role")
        details = [roles] + [v for v in (contact.title, contact.email) if v]
        lines.append(
            _("Contact: %(name)s (%(details)s)")
            % {"name": contact_name, "details": "; ".join(details)}
        )
    else:
        lines.append(_("Contact: %(name)s") % {"name": contact_name})
    lines.append(
        _("Reason: %(reason)s; every %(days)s days in the contact plan")
        % {"reason": _reason(planned, lang), "days": pair.every_days}
    )
    lines.append(_("Task key: %(key)s") % {"key": planned.key})
    url = link(pair.account_id) if link is not None else None
    if url:
        lines.append(_("CRM: %(url)s") % {"url": url})
    event = Event()
    event.add("uid", event_uid(planned.key))
    event.add("dtstamp", stamp)
    event.add("dtstart", planned.planned_date)
    event.add(
        "summary",
        _("Contact %(contact)s (%(account)s)") % {"contact": contact_name, "account": account_name},
    )
    event.add("description", "\n".join(lines))
    event.add("transp", "TRANSPARENT")
    event.add("categories", ["crm-accounts"])
    if url:
        event.add("url", url)
    return event


def agenda_calendars(
    result: MethodResult,
    generated_at: datetime,
    link: Link | None = None,
    lang: Language | None = None,
) -> dict[str, Calendar]:
    """One calendar per member with scheduled contacts, by member id, events in date order.

    ``generated_at`` (timezone-aware) is every event's ``DTSTAMP``; texts are in ``lang``
    (default English).
    """
    lang = lang or language()
    by_member: dict[str, list[PlannedContact]] = {}
    for planned in result.plan:
        if planned.status is PlanStatus.SCHEDULED:
            by_member.setdefault(planned.pair.member_id, []).append(planned)
    positions = result.rating.position_of()
    calendars: dict[str, Calendar] = {}
    for member_id in sorted(by_member):
        member = result.members.get(member_id)
        calendar = Calendar()
        calendar.add("prodid", f"{PRODUCT_ID_PREFIX}crm-accounts {__version__}//EN")
        calendar.add("version", "2.0")
        calendar.add("calscale", "GREGORIAN")
        calendar.add("method", "PUBLISH")
        name = member.name if member is not None else member_id
        # A line break in a name would end the property line: RFC 5545 has no escape for it in
        # a non-TEXT property such as X-WR-CALNAME, so it becomes a space.
        name = " ".join(name.split())
        calendar.add("x-wr-calname", lang._("Key-account contacts: %(name)s") % {"name": name})
        planned_contacts = sorted(
            by_member[member_id], key=lambda p: (p.planned_date, p.pair.account_id, p.key)
        )
        for planned in planned_contacts:
            calendar.add_component(_event(result, planned, generated_at, positions, link, lang))
        calendars[member_id] = calendar
    return calendars


def write_agendas(
    result: MethodResult,
    directory: Path,
    generated_at: datetime,
    link: Link | None = None,
    *,
    lang: Language | None = None,
) -> list[Path]:
    """Write ``<member>.ics`` per member into ``directory`` (created); returns the paths.

    Each file is replaced safely (:mod:`crm_accounts.safefile`).
    """
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for member_id, calendar in agenda_calendars(result, generated_at, link, lang).items():
        path = directory / agenda_file_name(member_id)
        write_bytes_atomically(path, calendar.to_ical())
        written.append(path)
    return written
