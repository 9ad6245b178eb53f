"""The properties API of the fake HubSpot: read and create properties and property groups. No I/O.

"Properties" (https://developers.hubspot.com/docs/api-reference/latest/crm/properties/guide):

* ``GET /crm/v3/properties/{type}`` — ``{"results": [property, ...]}``;
  ``GET /crm/v3/properties/{type}/{name}`` — one property, 404 when there is none.
* ``POST /crm/v3/properties/{type}`` — required ``name``, ``label``, ``type``, ``fieldType``,
  ``groupName`` ("In your request body, include the following required fields"); 201 with the
  new property. ``type`` and ``fieldType`` must fit (``enumeration`` with ``select``, ``radio``,
  ``checkbox`` or ``booleancheckbox``; ``string`` with ``text``/``textarea``; ``number`` with
  ``number``; ``date``/``datetime`` with ``date``; ``bool`` with ``booleancheckbox``); the group
  must exist; a name already in use answers 409 Conflict — "Returns a 409 Conflict error if there
  is already a property with the 'name' you used. Property names must be unique" (the create
  property method, properties API v1/v2). The 409 body's category ``CONFLICT`` is the one HubSpot
  sends for duplicate records ("Contact already exists. Existing ID: ..."); its message is the
  fake's own wording.
* ``GET``/``POST /crm/v3/properties/{type}/groups`` — groups ``{"name", "label", "displayOrder",
  "archived"}``; a duplicate name answers 409 ``CONFLICT`` as above.

A property with ``referencedObjectType: "OWNER"`` (an owner-valued "HubSpot user" property) takes
owner ids as values.
"""

from __future__ import annotations

import re
from typing import Any

from .schema import ObjectType, Option, PropertyDef, PropertyGroup
from .state import Portal, RequestError

__all__ = ["create_group", "create_property", "list_groups", "list_properties", "read_property"]

_NAME = re.compile(r"[a-z][a-z0-9_]*$")
_FIELD_TYPES = {
    "string": {"text", "textarea", "html", "phonenumber", "file"},
    "number": {"number", "calculation_equation"},
    "date": {"date"},
    "datetime": {"date"},
    "enumeration": {"select", "radio", "checkbox", "booleancheckbox", "checkboxes"},
    "bool": {"booleancheckbox"},
    "phone_number": {"phonenumber"},
}


def _invalid(message: str) -> RequestError:
    return RequestError(400, "VALIDATION_ERROR", message)


def list_properties(portal: Portal, obj: ObjectType) -> dict[str, Any]:
    props = portal.properties[obj.name]
    return {"results": [props[name].as_json() for name in sorted(props)]}


def read_property(portal: Portal, obj: ObjectType, name: str) -> dict[str, Any]:
    prop = portal.properties[obj.name].get(name)
    if prop is None:
        raise RequestError(
            404, "OBJECT_NOT_FOUND", f"Unable to find property {name} for object type {obj.type_id}"
        )
    return prop.as_json()


def _options(raw: object) -> list[Option]:
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise _invalid("options must be a list")
    options = []
    for n, item in enumerate(raw):
        if not isinstance(item, dict) or not item.get("label") or item.get("value") in (None, ""):
            raise _invalid("each option needs a label and a value")
        options.append(
            Option(
                str(item["label"]),
                str(item["value"]),
                int(item.get("displayOrder", n)),
                bool(item.get("hidden", False)),
                str(item.get("description", "")),
            )
        )
    values = [o.value for o in options]
    if len(set(values)) != len(values):
        raise _invalid("option values must be unique")
    return options


def create_property(portal: Portal, obj: ObjectType, body: dict[str, Any]) -> dict[str, Any]:
    """Create a property (hold ``portal.lock``); returns its JSON."""
    missing = [k for k in ("name", "label", "type", "fieldType", "groupName") if not body.get(k)]
    if missing:
        raise _invalid(f"Missing required field(s): {', '.join(missing)}")
    name, kind, field_type = str(body["name"]), str(body["type"]), str(body["fieldType"])
    if not _NAME.match(name):
        raise _invalid(
            f"Property name {name} is invalid: use lowercase letters, digits and underscores, "
            "starting with a letter"
        )
    if kind not in _FIELD_TYPES:
        raise _invalid(f"Unknown property type {kind}; expected one of {', '.join(_FIELD_TYPES)}")
    if field_type not in _FIELD_TYPES[kind]:
        raise _invalid(f"fieldType {field_type} is not valid for a property of type {kind}")
    group = str(body["groupName"])
    if group not in portal.groups[obj.name]:
        raise _invalid(f"Property group {group} does not exist for object type {obj.type_id}")
    if name in portal.properties[obj.name]:
        raise RequestError(409, "CONFLICT", f"Property named '{name}' already exists.")
    options = _options(body.get("options"))
    if kind == "bool" and not options:
        options = [Option("Yes", "true", 0), Option("No", "false", 1)]
    referenced = body.get("referencedObjectType")
    prop = PropertyDef(
        name=name,
        label=str(body["label"]),
        type=kind,
        field_type=field_type,
        group_name=group,
        options=options,
        description=str(body.get("description") or ""),
        hubspot_defined=False,
        referenced_object_type=str(referenced) if referenced else None,
        display_order=int(body.get("displayOrder", -1)),
        has_unique_value=bool(body.get("hasUniqueValue", False)),
        hidden=bool(body.get("hidden", False)),
        form_field=bool(body.get("formField", False)),
    )
    return portal.add_property(obj.name, prop).as_json()


def list_groups(portal: Portal, obj: ObjectType) -> dict[str, Any]:
    groups = portal.groups[obj.name]
    return {"results": [groups[name].as_json() for name in sorted(groups)]}


def create_group(portal: Portal, obj: ObjectType, body: dict[str, Any]) -> dict[str, Any]:
    """Create a property group (hold ``portal.lock``); returns its JSON."""
    missing = [k for k in ("name", "label") if not body.get(k)]
    if missing:
        raise _invalid(f"Missing required field(s): {', '.join(missing)}")
    name = str(body["name"])
    if not _NAME.match(name):
        raise _invalid(f"Property group name {name} is invalid")
    if name in portal.groups[obj.name]:
        raise RequestError(409, "CONFLICT", f"A property group named '{name}' already exists.")
    group = PropertyGroup(name, str(body["label"]), int(body.get("displayOrder", -1)))
    portal.add_group(obj.name, group)
    return group.as_json()
