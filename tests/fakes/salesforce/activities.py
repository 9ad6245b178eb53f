"""Activities as real orgs keep them: archived rows, leads as WhoId, shared activities, group
events. No I/O.

* Archiving — "Archived Activities" (SOAP API Developer Guide,
  https://developer.salesforce.com/docs/atlas.en-us.api.meta/api/sforce_api_guidelines_archive.htm):
  archived are "Events with an ActivityDateTime or ActivityDate value greater than or equal to
  365 days old", "Tasks with an IsClosed value of true and an ActivityDate value greater than or
  equal to 365 days old" (and closed tasks without ActivityDate created that long ago); ``query()``
  "automatically filters out all records where isArchived is set to true", ``queryAll()`` returns
  them. The 365 days are the org's "Activity Days" setting, which support can raise (up to 3,650:
  public admin notes such as Practifi's "Understanding Activity Archive Settings"), so the profile
  key ``archive_after_days`` sets it. The fake derives ``IsArchived`` whenever a task or event is
  saved (the platform archives in a background run), against the org's clock. ``IsDeleted`` is
  always false (the fake deletes nothing).
* Leads — ``WhoId`` refers to a Contact or a Lead (the Task and Event pages of the Object
  Reference: the WhoId is a person, a lead or a contact; TaskRelation: "A task can be related to
  one lead or up to 50 contacts"); Lead (key prefix 00Q) with its required Company, LastName
  and Status (the standard LeadStatus values "Open - Not Contacted", "Working - Contacted",
  "Closed - Converted", "Closed - Not Converted"; their source is not checked here: assumed).
* Shared Activities — ``TaskRelation`` ("TaskRelation is only available if you've enabled Shared
  Activities", Object Reference, https://developer.salesforce.com/docs/platform/object-reference/references/standard-objects/object-taskrelation.html:
  TaskId, RelationId, IsWhat, AccountId; "A task can be related to one lead or up to 50
  contacts") and ``EventRelation`` (EventId, RelationId, IsWhat, IsParent, IsInvitee, Status,
  AccountId; with Shared Activities "Related contacts or lead (IsParent is set to true)", without
  it "EventRelation records only represent invitees":
  https://developer.salesforce.com/docs/platform/object-reference/references/standard-objects/object-eventrelation.html).
  With the feature on, saving a task or event with a WhoId / WhatId creates its relation rows;
  :func:`relate` adds more contacts. Key prefixes ``0RT`` and ``0RE`` are assumed.
* Group events — "When a Salesforce user is invited to a calendar event, a child calendar event
  record is created for the invitee ... an Event record with the IsChild field set to true and
  OwnerId set to the invitee's user ID"; no child for a contact or lead invitee; one
  EventRelation per invitee ("Event Invitees", Change Data Capture Developer Guide,
  https://developer.salesforce.com/docs/platform/change-data-capture/guide/cdc-standard-objects-task-event-invitees.html).
  :func:`invite` does that and marks the event ``IsGroupEvent``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from .schema import FieldDef, ObjectDef

if TYPE_CHECKING:
    from .profile import OrgProfile
    from .state import Org
    from .values import Stored

__all__ = ["activity_objects", "archived", "invite", "relate"]

LEAD_STATUSES = (
    "Open - Not Contacted", "Working - Contacted", "Closed - Converted", "Closed - Not Converted",
)  # fmt: skip


def _ro(field_def: FieldDef) -> FieldDef:
    return replace(field_def, createable=False, updateable=False, derived=True)


def _ref(name: str, targets: tuple[str, ...], relationship: str, **extra: Any) -> FieldDef:
    return FieldDef(name, "reference", f"{relationship} ID", length=18, reference_to=targets,
                    relationship_name=relationship, **extra)  # fmt: skip


def activity_objects(profile: OrgProfile) -> dict[str, ObjectDef]:
    """Lead and EventRelation always; TaskRelation with Shared Activities."""
    lead = ObjectDef("Lead", "00Q", "Lead")
    for f in (
        FieldDef("Id", "id", "Lead ID", length=18, createable=False, updateable=False),
        FieldDef("FirstName", "string", "First Name", length=40),
        FieldDef("LastName", "string", "Last Name", length=80, required=True),
        _ro(FieldDef("Name", "string", "Full Name", length=121)),
        FieldDef("Company", "string", "Company", length=255, required=True),
        FieldDef("Email", "email", "Email", length=80),
        FieldDef("Status", "picklist", "Lead Status", length=255, picklist=LEAD_STATUSES,
                 required=True),
        _ro(FieldDef("IsConverted", "boolean", "Converted")),
        _ref("OwnerId", ("User",), "Owner"),
    ):  # fmt: skip
        lead.add(f)
    objects = {"Lead": lead}
    event = ObjectDef("EventRelation", "0RE", "Event Relation")
    for f in (
        FieldDef("Id", "id", "Event Relation ID", length=18, createable=False, updateable=False),
        _ref("EventId", ("Event",), "Event", updateable=False, required=True),
        _ref("RelationId", ("Contact", "Lead", "User", "Account", "Opportunity"), "Relation",
             updateable=False, required=True),
        FieldDef("IsWhat", "boolean", "Is What"),
        FieldDef("IsParent", "boolean", "Is Parent"),
        FieldDef("IsInvitee", "boolean", "Is Invitee"),
        FieldDef("Status", "picklist", "Status", length=40,
                 picklist=("New", "Declined", "Accepted")),
        _ro(_ref("AccountId", ("Account",), "Account")),
    ):  # fmt: skip
        event.add(f)
    objects["EventRelation"] = event
    if profile.shared_activities:
        task = ObjectDef("TaskRelation", "0RT", "Task Relation")
        for f in (
            FieldDef("Id", "id", "Task Relation ID", length=18, createable=False,
                     updateable=False),
            _ref("TaskId", ("Task",), "Task", updateable=False, required=True),
            _ref("RelationId", ("Contact", "Lead", "Account", "Opportunity"), "Relation",
                 updateable=False, required=True),
            FieldDef("IsWhat", "boolean", "Is What"),
            _ro(_ref("AccountId", ("Account",), "Account")),
        ):  # fmt: skip
            task.add(f)
        objects["TaskRelation"] = task
    return objects


def activity_fields(schema: dict[str, ObjectDef]) -> None:
    """IsArchived and IsDeleted on Task and Event, IsChild and IsGroupEvent on Event; WhoId may
    name a Lead."""
    for name in ("Task", "Event"):
        obj = schema[name]
        obj.add(replace(obj.fields["WhoId"], reference_to=("Contact", "Lead")))
        obj.add(_ro(FieldDef("IsArchived", "boolean", "Archived")))
        obj.add(_ro(FieldDef("IsDeleted", "boolean", "Deleted")))
    schema["Event"].add(_ro(FieldDef("IsChild", "boolean", "Is Child")))
    schema["Event"].add(_ro(FieldDef("IsGroupEvent", "boolean", "Is Group Event")))


def archived(
    object_name: str, record: Mapping[str, Stored], today: date, days: int, created: date
) -> bool:
    """Whether the platform's archiving rule archives this task or event (module docstring)."""
    cutoff = today - timedelta(days=days)
    when = record.get("ActivityDate")
    if object_name == "Event":
        start = record.get("ActivityDateTime")
        day = start.date() if isinstance(start, datetime) else when
        return isinstance(day, date) and day <= cutoff
    if not record.get("IsClosed"):
        return False
    return (when if isinstance(when, date) else created) <= cutoff


def org_today(org: Org) -> date:
    return datetime.fromtimestamp(org.clock(), UTC).date()


def after_activity_save(org: Org, object_name: str, record_id: str, created: bool) -> None:
    """Relation rows for a new task or event (Shared Activities on; EventRelation only then)."""
    if not created or not org.profile.shared_activities:
        return
    record = org.table(object_name)[record_id]
    if record.get("IsChild"):
        return  # "An EventRelation object can't be created for a child event"
    who, what = record.get("WhoId"), record.get("WhatId")
    if isinstance(who, str):
        _relation(org, object_name, record_id, who, is_what=False)
    if isinstance(what, str):
        _relation(org, object_name, record_id, what, is_what=True)


def _relation(org: Org, object_name: str, activity_id: str, relation_id: str, *,
              is_what: bool, invitee: bool = False) -> str:  # fmt: skip
    values: dict[str, Stored] = {"RelationId": relation_id, "IsWhat": is_what}
    if object_name == "Task":
        values["TaskId"] = activity_id
        return org.create("TaskRelation", values, system=True)
    values.update(EventId=activity_id, IsParent=not invitee, IsInvitee=invitee)
    if invitee:
        values["Status"] = "New"
    return org.create("EventRelation", values, system=True)


def relate(org: Org, activity_id: str, who_ids: Iterable[str]) -> list[str]:
    """Relate more contacts (or a lead) to a task or event, as Shared Activities allows.

    Raises:
        ValueError: Shared Activities is off, or the id is not a task or event.
    """
    with org.lock:
        object_name = org.object_of(activity_id)
        if not org.profile.shared_activities or object_name not in ("Task", "Event"):
            raise ValueError("relate() needs a task or event in an org with Shared Activities")
        return [_relation(org, object_name, activity_id, w, is_what=False) for w in who_ids]


def invite(org: Org, event_id: str, invitees: Iterable[str]) -> list[str]:
    """Invite users, contacts or leads to an event: one EventRelation each (IsInvitee), and a
    child Event (IsChild, owned by the invitee) for each user. Returns the child event ids."""
    children: list[str] = []
    with org.lock:
        parent = org.table("Event")[event_id]
        parent["IsGroupEvent"] = True
        for invitee in invitees:
            relation: dict[str, Stored] = {"RelationId": invitee, "EventId": event_id,
                                           "IsInvitee": True, "IsParent": False,
                                           "IsWhat": False, "Status": "New"}  # fmt: skip
            org.create("EventRelation", relation, system=True)
            if org.object_of(invitee) != "User":
                continue
            copied = {
                k: v
                for k, v in parent.items()
                if k not in ("Id", "AccountId", "IsArchived", "IsDeleted", "IsGroupEvent")
                and org.schema["Event"].fields.get(k) is not None
            }
            child = org.create("Event", {**copied, "OwnerId": invitee, "IsChild": True},
                               system=True)  # fmt: skip
            org.table("Event")[child]["IsGroupEvent"] = True
            children.append(child)
    return children
