"""Setup as the platform does it: custom fields through the Tooling API, field-level security
through permission sets. No I/O.

Custom fields — ``POST /services/data/vXX.X/tooling/sobjects/CustomField`` with ``{"FullName":
"Account.X__c", "Metadata": {"type", "label", "length" | "precision"/"scale", "externalId",
"unique", ...}}`` ("CustomField", Tooling API Developer Guide,
https://developer.salesforce.com/docs/atlas.en-us.api_tooling.meta/api_tooling/tooling_api_objects_customfield.htm;
the request shape as clients send it, e.g. restforce/restforce#353). Answer 201 ``{"id": "00N...",
"success": true, "errors": [], "warnings": [], "infos": []}``. Types: Text -> string (``length``),
Number -> double, Currency -> currency, Percent -> percent (``precision``, ``scale``),
DateTime -> datetime, Date -> date, Checkbox -> boolean, LongTextArea -> textarea. Custom fields
of tasks and events live on the Activity object: ``Activity.X__c`` adds the field to both Task and
Event, while ``Task.X__c`` / ``Event.X__c`` are refused (deploying fields to Task or Event fails
"due to the custom activity fields being stored on the Activity object",
benedwards44/fieldcreator#2; retrieved metadata keeps them under ``Activity/fields``,
dxatscale/sfpowerkit#517). The refusal's text, the text for a field that already exists
(``DUPLICATE_DEVELOPER_NAME``) and for an unknown type are assumed.

Field-level security — "a new field is invisible to the integration user until field-level
security grants it": a field created through the Tooling API is absent from describe, answers
SOQL with ``INVALID_FIELD`` "No such column" and is refused in writes (a client cannot update a
new field "until after I go into the Salesforce Web UI and make the field's accessibility
Editable", restforce/restforce#353) until a permission set assigned to the integration user
grants it through ``FieldPermissions`` (ParentId = the PermissionSet, SobjectType, Field
``"Object.Field"``, PermissionsRead, PermissionsEdit: "FieldPermissions", Object Reference,
https://developer.salesforce.com/docs/atlas.en-us.object_reference.meta/object_reference/sforce_api_objects_fieldpermissions.htm).
Read without edit makes the field visible and read-only. An Activity field is granted per object,
SobjectType ``Task`` with Field ``Task.X__c`` and ``Event`` with ``Event.X__c`` (permission
metadata lists "Task.CustomFieldName and Event.CustomFieldName" for an Activity field,
dxatscale/sfpowerkit#517 and #446); ``Activity.X__c`` is refused. Fields that exist when the org
starts are visible (an admin granted them long ago).

``PermissionSet`` (Name, Label), ``FieldPermissions`` and ``PermissionSetAssignment``
(PermissionSetId, AssigneeId) are created and queried through the ordinary REST API. Duplicates:
a second assignment of the same set to the same user fails ``DUPLICATE_VALUE`` "Duplicate
PermissionSetAssignment. Assignee: <user>; Permission Set: <set>" (the text ``sf org assign
permset`` relays from the API, quoted in many public setup scripts); a second permission set with
the same Name fails with "The API name you entered is already in use" (quoted from a real org in
public notes; the status code ``DUPLICATE_DEVELOPER_NAME`` is assumed); a second FieldPermissions
of the same set and field fails ``DUPLICATE_VALUE`` with the generic "duplicate value found:
<unknown> duplicates value on record with id: <unknown>" (assumed for this object). A Field that
names no field fails ``INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST`` "Field Name: bad value for
restricted picklist field: X" and edit without read ``FIELD_INTEGRITY_EXCEPTION`` (both assumed).
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

from .schema import FieldDef, ObjectDef

if TYPE_CHECKING:
    from .state import Org

__all__ = ["ADMIN_OBJECTS", "FieldAccess", "admin_objects", "custom_field"]

ADMIN_OBJECTS = ("PermissionSet", "FieldPermissions", "PermissionSetAssignment")
_TYPES = {
    "Text": "string",
    "Number": "double",
    "Currency": "currency",
    "Percent": "percent",
    "DateTime": "datetime",
    "Date": "date",
    "Checkbox": "boolean",
    "LongTextArea": "textarea",
}
_ACTIVITIES = ("Task", "Event")


def admin_objects() -> dict[str, ObjectDef]:
    """PermissionSet, FieldPermissions and PermissionSetAssignment (Object Reference)."""
    permission_set = ObjectDef("PermissionSet", "0PS", "Permission Set")
    for f in (
        FieldDef("Id", "id", "Permission Set ID", length=18, createable=False, updateable=False),
        FieldDef("Name", "string", "Name", length=80, required=True),
        FieldDef("Label", "string", "Label", length=80, required=True),
        FieldDef("Description", "textarea", "Description", length=255),
    ):
        permission_set.add(f)
    permissions = ObjectDef("FieldPermissions", "01k", "Field Permissions")
    for f in (
        FieldDef("Id", "id", "Field Permissions ID", length=18, createable=False,
                 updateable=False),
        FieldDef("ParentId", "reference", "Parent ID", length=18, reference_to=("PermissionSet",),
                 relationship_name="Parent", updateable=False, required=True),
        FieldDef("SobjectType", "string", "Sobject Type Name", length=40, updateable=False,
                 required=True),
        FieldDef("Field", "string", "Field Name", length=255, updateable=False, required=True),
        FieldDef("PermissionsRead", "boolean", "Read Access"),
        FieldDef("PermissionsEdit", "boolean", "Edit Access"),
    ):  # fmt: skip
        permissions.add(f)
    assignment = ObjectDef("PermissionSetAssignment", "0Pa", "Permission Set Assignment")
    for f in (
        FieldDef("Id", "id", "Permission Set Assignment ID", length=18, createable=False,
                 updateable=False),
        FieldDef("PermissionSetId", "reference", "Permission Set ID", length=18,
                 reference_to=("PermissionSet",), relationship_name="PermissionSet",
                 updateable=False, required=True),
        FieldDef("AssigneeId", "reference", "Assignee ID", length=18, reference_to=("User",),
                 relationship_name="Assignee", updateable=False, required=True),
    ):  # fmt: skip
        assignment.add(f)
    return {o.name: o for o in (permission_set, permissions, assignment)}


def custom_field(name: str, metadata: dict[str, Any]) -> FieldDef:
    """The field a Tooling API ``Metadata`` body describes.

    Raises:
        ValueError: an unknown or missing ``type`` (the message is the error text).
    """
    kind = _TYPES.get(str(metadata.get("type")))
    if kind is None:
        known = ", ".join(_TYPES)
        raise ValueError(f"Metadata.type: {metadata.get('type')!r} is not one of {known}")
    label = str(metadata.get("label") or name.removesuffix("__c").replace("_", " "))
    if kind == "string":
        return FieldDef(
            name, kind, label, length=int(metadata.get("length", 255)),
            external_id=bool(metadata.get("externalId", False)),
            unique=bool(metadata.get("unique", False)),
        )  # fmt: skip
    if kind == "textarea":
        return FieldDef(name, kind, label, length=int(metadata.get("length", 32768)))
    if kind in ("double", "currency", "percent"):
        precision, scale = int(metadata.get("precision", 18)), int(metadata.get("scale", 0))
        return FieldDef(name, kind, label, precision=precision, scale=scale)
    return FieldDef(name, kind, label)


class FieldAccess:
    """Which Tooling-created fields the integration user cannot see yet, and the grants."""

    def __init__(self, org: Org) -> None:
        self.org = org
        #: (object, field) -> the field as created, while no assigned permission set grants it.
        self.pending: dict[tuple[str, str], FieldDef] = {}
        #: (object, field) -> the field as created (for every Tooling-created field).
        self.created: dict[tuple[str, str], FieldDef] = {}
        #: (table, field) -> CustomField id; Task and Event fields share the table "Activity".
        self._ids: dict[tuple[str, str], str] = {}

    def field_id(self, table: str, name: str) -> str:
        """The CustomField id of ``table.name`` (allocated on first use, 00N prefix)."""
        from .state import make_id

        key = (table, name.lower())
        if key not in self._ids:
            self._ids[key] = make_id("00N", len(self._ids) + 1)
        return self._ids[key]

    def create_field(self, full_name: str, metadata: dict[str, Any]) -> str:
        """Add a custom field (hidden until granted) and return its CustomField id.

        Raises:
            RequestError: the platform's refusal (see the module docstring).
        """
        from .state import RequestError

        object_name, _, name = full_name.partition(".")
        if not name.endswith("__c") or "." in name:
            raise RequestError(
                400, "INVALID_FIELD", f"FullName: {full_name!r} is not Object.Field__c"
            )
        if object_name in _ACTIVITIES:
            raise RequestError(
                400,
                "FIELD_INTEGRITY_EXCEPTION",
                f"Cannot create a custom field on {object_name}: custom fields of tasks and "
                f"events are created on Activity (Activity.{name})",
            )
        targets = list(_ACTIVITIES) if object_name == "Activity" else [object_name]
        missing = [t for t in targets if t not in self.org.schema]
        if missing:
            raise RequestError(
                400, "INVALID_TYPE", f"sObject type '{object_name}' is not supported."
            )
        try:
            field_def = custom_field(name, metadata)
        except ValueError as exc:
            raise RequestError(400, "FIELD_INTEGRITY_EXCEPTION", str(exc)) from None
        for target in targets:
            if self.org.schema[target].field(name) is not None or (target, name) in self.pending:
                raise RequestError(
                    400,
                    "DUPLICATE_DEVELOPER_NAME",
                    f"There is already a field named {name} on {object_name}.",
                )
        for target in targets:
            self.pending[(target, name)] = field_def
            self.created[(target, name)] = field_def
        self.refresh()
        return self.field_id(object_name, name)

    # --- permission records ----------------------------------------------------------------

    def before_save(self, object_name: str, record: dict[str, Any], record_id: str | None) -> None:
        """Refuse what the platform refuses for the permission objects.

        Raises:
            RecordError: a duplicate or an invalid FieldPermissions.
        """
        from .state import RecordError

        if object_name == "PermissionSet":
            for other in self.org.table("PermissionSet").values():
                same = str(other.get("Name", "")).lower() == str(record.get("Name", "")).lower()
                if same and other["Id"] != record_id:
                    raise RecordError(
                        "DUPLICATE_DEVELOPER_NAME", "The API name you entered is already in use",
                        ["Name"],
                    )  # fmt: skip
        elif object_name == "PermissionSetAssignment":
            key = (record.get("PermissionSetId"), record.get("AssigneeId"))
            for other in self.org.table("PermissionSetAssignment").values():
                if (other.get("PermissionSetId"), other.get("AssigneeId")) == key:
                    raise RecordError(
                        "DUPLICATE_VALUE",
                        f"Duplicate PermissionSetAssignment. Assignee: {key[1]}; "
                        f"Permission Set: {key[0]}",
                    )
        elif object_name == "FieldPermissions":
            self._check_permission(record, record_id)

    def _check_permission(self, record: dict[str, Any], record_id: str | None) -> None:
        from .state import RecordError

        sobject, field_path = str(record.get("SobjectType")), str(record.get("Field"))
        object_name, _, name = field_path.partition(".")
        target = self.org.schema.get(object_name)
        exists = target is not None and (
            target.field(name) is not None or (object_name, name) in self.pending
        )
        if object_name != sobject or not exists:
            raise RecordError(
                "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
                f"Field Name: bad value for restricted picklist field: {field_path}",
                ["Field"],
            )
        if record.get("PermissionsEdit") and not record.get("PermissionsRead"):
            raise RecordError(
                "FIELD_INTEGRITY_EXCEPTION",
                "Permission Edit depends on permission(s): Read",
                ["PermissionsEdit"],
            )
        for other in self.org.table("FieldPermissions").values():
            same = (other.get("ParentId"), str(other.get("Field")).lower()) == (
                record.get("ParentId"),
                field_path.lower(),
            )
            if same and other["Id"] != record_id:
                raise RecordError(
                    "DUPLICATE_VALUE",
                    "duplicate value found: <unknown> duplicates value on record with id: "
                    "<unknown>",
                )

    def refresh(self) -> None:
        """Show every created field a permission set assigned to the API user grants."""
        user = self.org.api_user()
        assigned = {
            r["PermissionSetId"]
            for r in self.org.table("PermissionSetAssignment").values()
            if r.get("AssigneeId") == user
        }
        grants: dict[tuple[str, str], bool] = {}  # (object, field) -> editable
        for r in self.org.table("FieldPermissions").values():
            if r.get("ParentId") in assigned and r.get("PermissionsRead"):
                object_name, _, name = str(r["Field"]).partition(".")
                key = (object_name, name)
                grants[key] = grants.get(key, False) or bool(r.get("PermissionsEdit"))
        for (object_name, name), field_def in self.created.items():
            obj = self.org.schema[object_name]
            granted = next((e for (o, n), e in grants.items() if (o, n.lower()) ==
                            (object_name, name.lower())), None)  # fmt: skip
            if granted is None:
                obj.fields.pop(name, None)
                self.pending[(object_name, name)] = field_def
                continue
            self.pending.pop((object_name, name), None)
            obj.add(replace(field_def, createable=granted, updateable=granted))
