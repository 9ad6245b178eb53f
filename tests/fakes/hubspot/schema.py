"""Object types, property definitions and association types of the fake HubSpot portal. No I/O.

Object types and their ``objectTypeId`` (``0-1`` contacts, ``0-2`` companies, ``0-3`` deals,
``0-8`` line items, ``0-27`` tasks, ``0-47`` meetings, ``0-48`` calls, ``0-49`` e-mails) follow
"Understanding the CRM" and the recorded responses in
/work/shared/reference/hubspot-real-responses.json (``"fromObjectTypeId": "0-3"``, "object type
0-47" for meetings). A path segment may name a type by plural, singular or id, in any case
(``Deal``/``Contact`` in the recorded v4 requests).

Association type ids are HubSpot-defined and directional; the values are those of
hubspot-api-client's ``hubspot/crm/association_type.py`` and "Associations v4"
(https://developers.hubspot.com/docs/api-reference/latest/crm/associations/overview): contact to
company 279 (primary 1), company to contact 280 (primary 2), deal to company 341 (primary 5),
company to deal 342 (primary 6), line item to deal 20, deal to line item 19, meeting 200/188,
call 194/182, e-mail 198/186, task 204/192 (to contact/company) and their inverses. A primary
type carries the label ``"Primary"`` and the unlabelled one ``label: null``, as a real
deal-to-company read shows; labels must not be relied on ("Changes to primary labels for
HubSpot-defined association labels", developer changelog) — use ``typeId``.

Property definitions mirror what ``GET /crm/v3/properties/{type}`` returns ("Properties API",
https://developers.hubspot.com/docs/api-reference/latest/crm/properties/guide): ``name``,
``label``, ``type`` (string, number, date, datetime, enumeration, bool), ``fieldType`` (text,
textarea, number, date, select, radio, checkbox, booleancheckbox), ``groupName``, ``options``,
``hubspotDefined``, ``calculated``, ``modificationMetadata``. Enumeration values:
``hs_buying_role`` (multiple checkboxes) BLOCKER, BUDGET_HOLDER, CHAMPION, DECISION_MAKER,
END_USER, EXECUTIVE_SPONSOR, INFLUENCER, LEGAL_AND_COMPLIANCE, OTHER (as integrations write
them); ``hs_task_status`` NOT_STARTED, IN_PROGRESS, WAITING, COMPLETED, DEFERRED,
``hs_task_priority`` LOW, MEDIUM, HIGH and ``hs_task_type`` EMAIL, CALL, TODO ("Activities | Tasks",
https://developers.hubspot.com/docs/api-reference/latest/crm/activities/tasks/guide);
``hs_meeting_outcome`` SCHEDULED, COMPLETED, RESCHEDULED, NO_SHOW, CANCELED; ``hs_call_status``
and ``hs_email_status`` as in the calls and e-mails guides; the default deal pipeline stages
(appointmentscheduled ... closedwon, closedlost).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "ALWAYS_RETURNED",
    "ASSOCIATION_TYPES",
    "BUYING_ROLE_OPTIONS",
    "DEFAULT_RETURNED",
    "OBJECT_TYPES",
    "AssociationType",
    "ObjectType",
    "Option",
    "PropertyDef",
    "PropertyGroup",
    "association_type",
    "default_groups",
    "default_properties",
    "resolve_type",
]


@dataclass(frozen=True)
class ObjectType:
    """A CRM object type: plural path name, singular name, ``objectTypeId``, id range base."""

    name: str
    singular: str
    type_id: str
    id_base: int
    read_scope: str
    write_scope: str
    schema_read_scope: str
    schema_write_scope: str


def _object(name: str, singular: str, type_id: str, scope_object: str) -> ObjectType:
    number = int(type_id.split("-")[1])
    return ObjectType(
        name,
        singular,
        type_id,
        number * 1_000_000_000,
        f"crm.objects.{scope_object}.read",
        f"crm.objects.{scope_object}.write",
        f"crm.schemas.{scope_object}.read",
        f"crm.schemas.{scope_object}.write",
    )


# Engagements use the contacts scopes ("Activities | Tasks": crm.objects.contacts.read/write).
OBJECT_TYPES: dict[str, ObjectType] = {
    t.name: t
    for t in (
        _object("contacts", "contact", "0-1", "contacts"),
        _object("companies", "company", "0-2", "companies"),
        _object("deals", "deal", "0-3", "deals"),
        _object("line_items", "line_item", "0-8", "line_items"),
        _object("tasks", "task", "0-27", "contacts"),
        _object("meetings", "meeting", "0-47", "contacts"),
        _object("calls", "call", "0-48", "contacts"),
        _object("emails", "email", "0-49", "contacts"),
    )
}
ENGAGEMENTS = ("meetings", "calls", "emails", "tasks")


def resolve_type(segment: str) -> ObjectType | None:
    """The object type a path segment names (plural, singular or ``objectTypeId``, any case)."""
    wanted = segment.strip().lower()
    for obj in OBJECT_TYPES.values():
        if wanted in (obj.name, obj.singular, obj.type_id) or wanted == obj.singular + "s":
            return obj
    return None


@dataclass(frozen=True)
class AssociationType:
    """One directional HubSpot-defined association type."""

    from_type: str
    to_type: str
    type_id: int
    label: str | None = None
    category: str = "HUBSPOT_DEFINED"

    def as_json(self) -> dict[str, Any]:
        return {"category": self.category, "typeId": self.type_id, "label": self.label}


_PAIRS: list[tuple[AssociationType, AssociationType]] = [
    (AssociationType(a, b, forward, label), AssociationType(b, a, backward, label))
    for a, b, forward, backward, label in (
        ("contacts", "companies", 279, 280, None),
        ("contacts", "companies", 1, 2, "Primary"),
        ("deals", "companies", 341, 342, None),
        ("deals", "companies", 5, 6, "Primary"),
        ("deals", "contacts", 3, 4, None),
        ("line_items", "deals", 20, 19, None),
        ("meetings", "contacts", 200, 199, None),
        ("meetings", "companies", 188, 187, None),
        ("calls", "contacts", 194, 193, None),
        ("calls", "companies", 182, 181, None),
        ("emails", "contacts", 198, 197, None),
        ("emails", "companies", 186, 185, None),
        ("tasks", "contacts", 204, 203, None),
        ("tasks", "companies", 192, 191, None),
    )
]
ASSOCIATION_TYPES: list[AssociationType] = [t for pair in _PAIRS for t in pair]
_BY_ID = {t.type_id: t for t in ASSOCIATION_TYPES}
_INVERSE = {**{a.type_id: b for a, b in _PAIRS}, **{b.type_id: a for a, b in _PAIRS}}


def association_type(type_id: int) -> AssociationType | None:
    """The HubSpot-defined association type with this id, or ``None``."""
    return _BY_ID.get(type_id)


def inverse_of(assoc: AssociationType) -> AssociationType:
    """The type HubSpot records in the other direction when ``assoc`` is created."""
    return _INVERSE[assoc.type_id]


@dataclass
class Option:
    label: str
    value: str
    display_order: int = 0
    hidden: bool = False
    description: str = ""

    def as_json(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "value": self.value,
            "description": self.description,
            "displayOrder": self.display_order,
            "hidden": self.hidden,
        }


@dataclass
class PropertyDef:
    """A property definition as the properties API shows it."""

    name: str
    label: str
    type: str  # string, number, date, datetime, enumeration, bool
    field_type: str  # text, textarea, number, date, select, radio, checkbox, booleancheckbox
    group_name: str
    options: list[Option] = field(default_factory=list)
    description: str = ""
    hubspot_defined: bool = True
    calculated: bool = False
    read_only: bool = False
    referenced_object_type: str | None = None  # "OWNER" for owner-valued properties
    display_order: int = -1
    has_unique_value: bool = False
    hidden: bool = False
    form_field: bool = False
    created_at: str | None = None

    @property
    def multiple(self) -> bool:
        """Multiple checkboxes: ``;``-separated option values."""
        return self.type == "enumeration" and self.field_type == "checkbox"

    def option_values(self) -> list[str]:
        return [o.value for o in self.options]

    def as_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "name": self.name,
            "label": self.label,
            "type": self.type,
            "fieldType": self.field_type,
            "description": self.description,
            "groupName": self.group_name,
            "options": [o.as_json() for o in self.options],
            "displayOrder": self.display_order,
            "calculated": self.calculated,
            "externalOptions": self.referenced_object_type is not None,
            "hasUniqueValue": self.has_unique_value,
            "hidden": self.hidden,
            "hubspotDefined": self.hubspot_defined,
            "modificationMetadata": {
                "archivable": not self.hubspot_defined,
                "readOnlyDefinition": self.hubspot_defined,
                "readOnlyValue": self.read_only or self.calculated,
            },
            "formField": self.form_field,
            "archived": False,
        }
        if self.referenced_object_type:
            body["referencedObjectType"] = self.referenced_object_type
        if self.created_at:
            body["createdAt"] = self.created_at
            body["updatedAt"] = self.created_at
        return body


@dataclass
class PropertyGroup:
    name: str
    label: str
    display_order: int = -1
    archived: bool = False

    def as_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "label": self.label,
            "displayOrder": self.display_order,
            "archived": self.archived,
        }


def _options(*values: str) -> list[Option]:
    return [
        Option(v.replace("_", " ").capitalize(), v, display_order=i) for i, v in enumerate(values)
    ]


BUYING_ROLE_OPTIONS: tuple[str, ...] = (
    "BLOCKER",
    "BUDGET_HOLDER",
    "CHAMPION",
    "DECISION_MAKER",
    "END_USER",
    "EXECUTIVE_SPONSOR",
    "INFLUENCER",
    "LEGAL_AND_COMPLIANCE",
    "OTHER",
)
ACCOUNT_CURRENCIES = ("EUR", "USD", "GBP", "CHF")
DEAL_STAGES = (
    "appointmentscheduled",
    "qualifiedtobuy",
    "presentationscheduled",
    "decisionmakerboughtin",
    "contractsent",
    "closedwon",
    "closedlost",
)
_BOOL_OPTIONS = [Option("True", "true", 0), Option("False", "false", 1)]

#: Properties every read returns, requested or not (the recorded meetings page; the search guide).
ALWAYS_RETURNED: dict[str, tuple[str, ...]] = {
    "contacts": ("createdate", "hs_object_id", "lastmodifieddate"),
    **{
        name: ("createdate", "hs_lastmodifieddate", "hs_object_id")
        for name in ("companies", "deals", "line_items")
    },
    **{name: ("hs_createdate", "hs_lastmodifieddate", "hs_object_id") for name in ENGAGEMENTS},
}
#: Returned when a read names no properties (search guide, "default returned properties").
DEFAULT_RETURNED: dict[str, tuple[str, ...]] = {
    "contacts": ("email", "firstname", "lastname"),
    "companies": ("domain", "name"),
    "deals": ("amount", "closedate", "dealname", "dealstage", "pipeline"),
    "line_items": ("name", "price", "quantity"),
    "meetings": (),
    "calls": (),
    "emails": (),
    "tasks": (),
}
#: The property that holds each object's creation time and last modification.
CREATED_PROPERTY = {name: ALWAYS_RETURNED[name][0] for name in OBJECT_TYPES}
MODIFIED_PROPERTY = {
    name: "lastmodifieddate" if name == "contacts" else "hs_lastmodifieddate"
    for name in OBJECT_TYPES
}


def _text(name: str, label: str, group: str) -> PropertyDef:
    return PropertyDef(name, label, "string", "text", group)


def _number(name: str, label: str, group: str, **kw: Any) -> PropertyDef:
    return PropertyDef(name, label, "number", "number", group, **kw)


def _datetime(name: str, label: str, group: str, **kw: Any) -> PropertyDef:
    return PropertyDef(name, label, "datetime", "date", group, **kw)


def _select(name: str, label: str, group: str, values: tuple[str, ...], **kw: Any) -> PropertyDef:
    return PropertyDef(name, label, "enumeration", "select", group, _options(*values), **kw)


def owner_property(name: str, label: str, group: str, *, hubspot_defined: bool) -> PropertyDef:
    """An owner-valued property (HubSpot owner, or a custom "HubSpot user" property)."""
    return PropertyDef(
        name,
        label,
        "enumeration",
        "select",
        group,
        hubspot_defined=hubspot_defined,
        referenced_object_type="OWNER",
    )


def _system(obj: str, group: str) -> list[PropertyDef]:
    return [
        _datetime(CREATED_PROPERTY[obj], "Create Date", group, read_only=True),
        _datetime(MODIFIED_PROPERTY[obj], "Last Modified Date", group, read_only=True),
        _number("hs_object_id", "Record ID", group, read_only=True),
    ]


def _engagement(obj: str, group: str, extra: list[PropertyDef]) -> list[PropertyDef]:
    return [
        *_system(obj, group),
        _datetime("hs_timestamp", "Activity date", group),
        owner_property("hubspot_owner_id", "Activity assigned to", group, hubspot_defined=True),
        *extra,
    ]


def default_properties() -> dict[str, dict[str, PropertyDef]]:
    """Fresh HubSpot-defined property definitions per object type (the ones the connector and
    the loader use)."""
    company, contact, deal = "companyinformation", "contactinformation", "dealinformation"
    line, meeting, call = "lineiteminformation", "meeting", "call"
    email, task = "email", "task"
    buying_role = PropertyDef(
        "hs_buying_role",
        "Buying Role",
        "enumeration",
        "checkbox",
        contact,
        _options(*BUYING_ROLE_OPTIONS),
    )
    defs: dict[str, list[PropertyDef]] = {
        "companies": [
            *_system("companies", company),
            _text("name", "Company name", company),
            _text("domain", "Company Domain Name", company),
            _select("industry", "Industry", company, ()),
            _text("city", "City", company),
            _text("country", "Country/Region", company),
            owner_property("hubspot_owner_id", "Company owner", company, hubspot_defined=True),
        ],
        "contacts": [
            *_system("contacts", contact),
            _text("firstname", "First Name", contact),
            _text("lastname", "Last Name", contact),
            _text("email", "Email", contact),
            _text("jobtitle", "Job Title", contact),
            buying_role,
            owner_property("hubspot_owner_id", "Contact owner", contact, hubspot_defined=True),
        ],
        "deals": [
            *_system("deals", deal),
            _text("dealname", "Deal Name", deal),
            _number("amount", "Amount", deal),
            _datetime("closedate", "Close Date", deal),
            _select("dealstage", "Deal Stage", deal, DEAL_STAGES),
            _select("pipeline", "Pipeline", deal, ("default",)),
            # An enumeration of the account's currencies ("Deal currency code validation",
            # https://developers.hubspot.com/changelog/deal-currenct-code-validation: values
            # must be currencies set up in the account); the fake's account has these.
            _select("deal_currency_code", "Currency", deal, ACCOUNT_CURRENCIES),
            PropertyDef(
                "hs_is_closed_won",
                "Is Closed Won",
                "bool",
                "booleancheckbox",
                deal,
                list(_BOOL_OPTIONS),
                calculated=True,
            ),
            owner_property("hubspot_owner_id", "Deal owner", deal, hubspot_defined=True),
        ],
        "line_items": [
            *_system("line_items", line),
            _text("name", "Name", line),
            _text("hs_product_id", "Product ID", line),
            _text("hs_sku", "SKU", line),
            _number("price", "Unit price", line),
            _number("quantity", "Quantity", line),
            _number("amount", "Net price", line, calculated=True),
        ],
        "meetings": _engagement(
            "meetings",
            meeting,
            [
                _text("hs_meeting_title", "Meeting name", meeting),
                PropertyDef(
                    "hs_meeting_body", "Meeting description", "string", "textarea", meeting
                ),
                _select(
                    "hs_meeting_outcome",
                    "Meeting outcome",
                    meeting,
                    ("SCHEDULED", "COMPLETED", "RESCHEDULED", "NO_SHOW", "CANCELED"),
                ),
                _datetime("hs_meeting_start_time", "Start Time", meeting),
                _datetime("hs_meeting_end_time", "End Time", meeting),
            ],
        ),
        "calls": _engagement(
            "calls",
            call,
            [
                _text("hs_call_title", "Call Title", call),
                PropertyDef("hs_call_body", "Call notes", "string", "textarea", call),
                _select(
                    "hs_call_status",
                    "Call status",
                    call,
                    (
                        "BUSY",
                        "CALLING_CRM_USER",
                        "CANCELED",
                        "COMPLETED",
                        "CONNECTING",
                        "FAILED",
                        "IN_PROGRESS",
                        "NO_ANSWER",
                        "QUEUED",
                        "RINGING",
                    ),
                ),
                _select("hs_call_direction", "Call direction", call, ("INBOUND", "OUTBOUND")),
            ],
        ),
        "emails": _engagement(
            "emails",
            email,
            [
                _text("hs_email_subject", "Email subject", email),
                PropertyDef("hs_email_text", "Email body", "string", "textarea", email),
                _select(
                    "hs_email_status",
                    "Email send status",
                    email,
                    ("BOUNCED", "FAILED", "SCHEDULED", "SENDING", "SENT"),
                ),
                _select(
                    "hs_email_direction",
                    "Email direction",
                    email,
                    ("EMAIL", "INCOMING_EMAIL", "FORWARDED_EMAIL"),
                ),
            ],
        ),
        "tasks": _engagement(
            "tasks",
            task,
            [
                _text("hs_task_subject", "Task Title", task),
                PropertyDef("hs_task_body", "Task notes", "string", "textarea", task),
                _select(
                    "hs_task_status",
                    "Task Status",
                    task,
                    ("NOT_STARTED", "IN_PROGRESS", "WAITING", "COMPLETED", "DEFERRED"),
                ),
                _select("hs_task_priority", "Priority", task, ("LOW", "MEDIUM", "HIGH")),
                _select("hs_task_type", "Task Type", task, ("EMAIL", "CALL", "TODO")),
            ],
        ),
    }
    return {obj: {p.name: p for p in props} for obj, props in defs.items()}


def default_groups() -> dict[str, dict[str, PropertyGroup]]:
    """The default property group of each object type."""
    names = {
        "companies": ("companyinformation", "Company information"),
        "contacts": ("contactinformation", "Contact information"),
        "deals": ("dealinformation", "Deal information"),
        "line_items": ("lineiteminformation", "Line item information"),
        "meetings": ("meeting", "Meeting information"),
        "calls": ("call", "Call information"),
        "emails": ("email", "Email information"),
        "tasks": ("task", "Task information"),
    }
    return {obj: {name: PropertyGroup(name, label, 0)} for obj, (name, label) in names.items()}
