"""What an org profile changes in the fake org's metadata: statuses, picklists, features. No I/O.

* ``TaskStatus`` — one read-only record per task status ("TaskStatus", Object Reference,
  https://developer.salesforce.com/docs/atlas.en-us.object_reference.meta/object_reference/sforce_api_objects_taskstatus.htm:
  ``describeSObjects(), query(), retrieve()``; fields ApiName, IsClosed, IsDefault, MasterLabel,
  SortOrder; "Multiple task status values can represent a closed task"). ``ApiName`` is listed
  in the current reference but not in the 2009 one; the CaseStatus page gives it as
  "Introduced: API version 36.0" (https://developer.salesforce.com/docs/platform/object-reference/references/standard-objects/object-casestatus.html),
  the same version for TaskStatus is assumed, and the fake shows it on every version. The key
  prefix ``01J`` (picklist value records) is assumed. ``MasterLabel`` is the value's label.
* ``Task.Status`` — the profile's values; ``Task.IsClosed`` follows the value's ``closed``
  flag (the TaskStatus usage note: a client can "test whether a given task is open or closed
  based on the Task Status value and the value of the IsClosed property in the associated
  TaskStatus record"). The Object Reference does not mark
  Task.Status as a restricted picklist; the fake refuses a status the org does not have, with the
  error real orgs send for a value outside a restricted picklist (``INVALID_OR_NULL_FOR_
  RESTRICTED_PICKLIST`` "Status: bad value for restricted picklist field: X",
  MinnPost/object-sync-for-salesforce#128). Whether an unrestricted org would store such a value
  instead is not verified: refusing it keeps a connector from relying on a status the org lacks.
* ``picklists`` — replace the values of ``Object.Field`` (a standard value set as an admin edits
  it in Setup; names per "StandardValueSet Names and Standard Picklist Fields", Metadata API
  Developer Guide, https://developer.salesforce.com/docs/atlas.en-us.api_meta.meta/api_meta/standardvalueset_names.htm:
  SalesTeamRole = AccountTeamMember.TeamMemberRole, AccountContactMultiRoles =
  AccountContactRelation.Roles, ContactRole = OpportunityContactRole.Role, TaskStatus =
  Task.Status). A listed field the schema does not have is created as a custom field: a
  multi-select picklist for the profile's ``contact_role_field``, a picklist otherwise.
* ``unavailable_objects`` — the object is gone from the org: describe answers 404 ``NOT_FOUND``
  and SOQL 400 ``INVALID_TYPE`` "sObject type 'X' is not supported" (the answers for any object
  the org does not have: "Status Codes and Error Responses", REST API Developer Guide,
  https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/errorcodes.htm, and
  the INVALID_TYPE text of :mod:`.soql`).
* ``absent_fields`` — custom fields the org does not have yet (``Activity.X__c`` = on Task and
  Event), for an org before ``crm-accounts setup``.
* ``person_accounts`` — ``Account.IsPersonAccount`` (read-only, false for business accounts)
  exists only then (the Account page of the Object Reference lists it among the fields of orgs
  with person accounts enabled; not found verbatim here, so the wording is ours); records may be
  seeded with it true.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from .profile import OrgProfile
from .schema import FieldDef, ObjectDef

__all__ = ["apply_profile", "task_status_object", "task_status_rows"]


def task_status_object() -> ObjectDef:
    obj = ObjectDef("TaskStatus", "01J", "Task Status Value", read_only=True)
    for f in (
        FieldDef("Id", "id", "Task Status Value ID", length=18),
        FieldDef("ApiName", "string", "API Name", length=255),
        FieldDef("MasterLabel", "string", "Master Label", length=255),
        FieldDef("IsClosed", "boolean", "Is Closed"),
        FieldDef("IsDefault", "boolean", "Is Default"),
        FieldDef("SortOrder", "int", "Sort Order", precision=9),
    ):
        obj.add(replace(f, createable=False, updateable=False))
    return obj


def task_status_rows(profile: OrgProfile) -> list[dict[str, Any]]:
    """The TaskStatus records' values, in picklist order (SortOrder 1, 2, ...)."""
    return [
        {
            "ApiName": s.value,
            "MasterLabel": s.label,
            "IsClosed": s.closed,
            "IsDefault": s.default,
            "SortOrder": n,
        }
        for n, s in enumerate(profile.task_statuses, start=1)
    ]


def apply_profile(schema: dict[str, ObjectDef], profile: OrgProfile) -> None:
    """Change ``schema`` (a fresh :func:`~.schema.default_schema`) to what ``profile`` says.

    Raises:
        ValueError: a picklist names an object the org does not have, or a role value is not in
            the picklist the loader writes it to.
    """
    task = schema["Task"]
    task.add(
        replace(
            task.fields["Status"],
            picklist=tuple(s.value for s in profile.task_statuses),
            restricted=True,
        )
    )
    schema["TaskStatus"] = task_status_object()
    if profile.person_accounts:
        schema["Account"].add(
            FieldDef("IsPersonAccount", "boolean", "Is Person Account", createable=False,
                     updateable=False, derived=True)
        )  # fmt: skip
    for key, values in profile.picklists.items():
        object_name, field_name = key.split(".")
        obj = schema.get(object_name)
        if obj is None:
            raise ValueError(f"picklists.{key}: the org has no object {object_name}")
        current = obj.fields.get(field_name)
        if current is None:
            multi = object_name == "Contact" and field_name == profile.contact_role_field
            current = FieldDef(
                field_name,
                "multipicklist" if multi else "picklist",
                field_name.removesuffix("__c").replace("_", " "),
                length=4099 if multi else 255,
            )
        obj.add(replace(current, picklist=values))
    for name in profile.unavailable_objects:
        schema.pop(name, None)
    for path in profile.absent_fields:
        object_name, field_name = path.split(".")
        targets = ("Task", "Event") if object_name == "Activity" else (object_name,)
        for target in targets:
            if target in schema:
                schema[target].fields.pop(field_name, None)
    _check_role_values(schema, profile)


def _check_role_values(schema: dict[str, ObjectDef], profile: OrgProfile) -> None:
    if profile.has_relations:
        dmu_field = schema["AccountContactRelation"].fields["Roles"]
    elif profile.contact_role_field:
        found = schema["Contact"].fields.get(profile.contact_role_field)
        if found is None:
            name = profile.contact_role_field
            raise ValueError(f"contact_role_field: Contact has no field {name}")
        dmu_field = found
    else:
        dmu_field = None
    team = schema.get("AccountTeamMember")
    targets = [
        (profile.dmu_values(), dmu_field),
        (profile.psu_values(), team.fields["TeamMemberRole"] if team else None),
    ]
    for values, target in targets:
        for role, value in values.items():
            if target is not None and value not in target.picklist:
                raise ValueError(
                    f"role_values.{role}: {value!r} is not a value of {target.name} "
                    f"({', '.join(target.picklist)})"
                )
