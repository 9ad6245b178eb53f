"""The fake org's metadata: objects, fields, types and picklists, and the describe payload. No I/O.

Field types and picklist values of Account, Contact, Event and Opportunity follow describe
responses recorded against real orgs (``/work/shared/reference/salesforce-describe-fields.json``,
from SFDO-Tooling/CumulusCI's shared cassettes); AccountContactRelation.Roles uses the standard
contact-role values listed there for OpportunityContactRole.Role. The ``KAM_*``, ``Margin__c``,
``Strategic_Fit__c``, ``Payment_Days__c``, ``Integration_Stage__c``, ``Gatekeeper__c`` and
``KAM_Task_Key__c`` fields are the custom fields of ``docs/dev/salesforce-spec.md``.

The describe shape follows "Get Field and Other Metadata for an Object" (sObject Describe, REST
API Developer Guide, https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/dome_sobject_describe.htm)
and "describeSObjectResult" (SOAP API Developer Guide,
https://developer.salesforce.com/docs/atlas.en-us.api.meta/api/sforce_api_calls_describesobject_result.htm):
``{"name", "label", "keyPrefix", "custom", "fields": [{"name", "type", "label", "length",
"precision", "scale", "picklistValues", "externalId", "unique", "updateable", "createable",
"nillable", "calculated", "referenceTo", "relationshipName", "restrictedPicklist", "soapType"}]}``.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

__all__ = [
    "NUMBER_TYPES",
    "STRING_TYPES",
    "FieldDef",
    "ObjectDef",
    "default_schema",
    "describe",
]

#: Types whose values are text in JSON and CSV (``combobox`` is Subject on activities).
STRING_TYPES = frozenset(
    {"string", "textarea", "email", "phone", "url", "picklist", "multipicklist", "combobox"}
)
NUMBER_TYPES = frozenset({"double", "currency", "percent", "int"})
_SOAP_TYPES = {
    "id": "tns:ID",
    "reference": "tns:ID",
    "boolean": "xsd:boolean",
    "date": "xsd:date",
    "datetime": "xsd:dateTime",
    "double": "xsd:double",
    "currency": "xsd:double",
    "percent": "xsd:double",
    "int": "xsd:int",
}


@dataclass(frozen=True)
class FieldDef:
    """One field. ``derived`` fields are computed by the org and never written by clients."""

    name: str
    type: str
    label: str = ""
    length: int = 0
    precision: int = 0
    scale: int = 0
    picklist: tuple[str, ...] = ()
    restricted: bool = False
    reference_to: tuple[str, ...] = ()
    relationship_name: str | None = None
    external_id: bool = False
    unique: bool = False
    createable: bool = True
    updateable: bool = True
    required: bool = False
    derived: bool = False

    @property
    def soap_type(self) -> str:
        return _SOAP_TYPES.get(self.type, "xsd:string")

    @property
    def display_label(self) -> str:
        if self.label:
            return self.label
        base = self.name.removesuffix("__c").removesuffix("Id") or self.name
        return base.replace("_", " ")


@dataclass
class ObjectDef:
    """One sObject type: its key prefix (the first three characters of its ids) and fields."""

    name: str
    key_prefix: str
    label: str
    fields: dict[str, FieldDef] = field(default_factory=dict)
    #: Only describe, query and retrieve (TaskStatus and other value objects).
    read_only: bool = False

    def add(self, field_def: FieldDef) -> None:
        self.fields[field_def.name] = field_def

    def field(self, name: str) -> FieldDef | None:
        """The field of that API name, case-insensitively (SOQL and REST ignore case)."""
        found = self.fields.get(name)
        if found is not None:
            return found
        lowered = name.lower()
        return next((f for f in self.fields.values() if f.name.lower() == lowered), None)

    def relationship(self, name: str) -> FieldDef | None:
        """The reference field whose relationship name is ``name`` (case-insensitively)."""
        lowered = name.lower()
        return next(
            (
                f
                for f in self.fields.values()
                if f.relationship_name and f.relationship_name.lower() == lowered
            ),
            None,
        )

    def with_picklist_value(self, field_name: str, value: str) -> None:
        """Add a picklist value (as an admin adds one in Setup); existing values stay."""
        current = self.fields[field_name]
        if value not in current.picklist:
            self.fields[field_name] = replace(current, picklist=(*current.picklist, value))


def _id() -> FieldDef:
    return FieldDef("Id", "id", "Record ID", length=18, createable=False, updateable=False)


def _ref(
    name: str,
    targets: tuple[str, ...],
    relationship: str,
    *,
    updateable: bool = True,
    createable: bool = True,
    required: bool = False,
    derived: bool = False,
    label: str = "",
) -> FieldDef:
    return FieldDef(
        name,
        "reference",
        label or f"{relationship} ID",
        length=18,
        reference_to=targets,
        relationship_name=relationship,
        updateable=updateable and not derived,
        createable=createable and not derived,
        required=required,
        derived=derived,
    )


def _text(name: str, length: int, label: str = "", **extra: Any) -> FieldDef:
    return FieldDef(name, "string", label, length=length, **extra)


def _number(
    name: str, precision: int, scale: int, label: str = "", kind: str = "double"
) -> FieldDef:
    return FieldDef(name, kind, label, precision=precision, scale=scale)


def _flag(name: str, label: str = "", **extra: Any) -> FieldDef:
    return FieldDef(name, "boolean", label, **extra)


def _pick(name: str, values: tuple[str, ...], label: str = "", **extra: Any) -> FieldDef:
    return FieldDef(name, "picklist", label, length=255, picklist=values, **extra)


def _derived(field_def: FieldDef) -> FieldDef:
    return replace(field_def, derived=True, createable=False, updateable=False)


# Picklist values as recorded in real describe responses (see the module docstring).
INDUSTRIES = (
    "Agriculture", "Apparel", "Banking", "Biotechnology", "Chemicals", "Communications",
    "Construction", "Consulting", "Education", "Electronics", "Energy", "Engineering",
    "Entertainment", "Environmental", "Finance", "Food & Beverage", "Government", "Healthcare",
    "Hospitality", "Insurance", "Machinery", "Manufacturing", "Media", "Not For Profit",
    "Recreation", "Retail", "Shipping", "Technology", "Telecommunications", "Transportation",
    "Utilities", "Other",
)  # fmt: skip
ACCOUNT_TYPES = (
    "Prospect", "Customer - Direct", "Customer - Channel", "Channel Partner / Reseller",
    "Installation Partner", "Technology Partner", "Other",
)  # fmt: skip
CONTACT_ROLES = (
    "Business User", "Decision Maker", "Economic Buyer", "Economic Decision Maker", "Evaluator",
    "Executive Sponsor", "Influencer", "Technical Buyer", "Other",
)  # fmt: skip
#: AccountTeamMember.TeamMemberRole's standard values (the SalesTeamRole standard value set as
#: retrieved from a real org: Stepan007/sfdx-test, SalesTeamRole.standardValueSet-meta.xml).
TEAM_ROLES = (
    "Account Manager", "Channel Manager", "Executive Sponsor", "Pre-Sales Consultant",
    "Sales Manager", "Sales Rep", "Lead Qualifier",
)  # fmt: skip
STAGES = (
    "Prospecting", "Qualification", "Needs Analysis", "Value Proposition", "Id. Decision Makers",
    "Perception Analysis", "Proposal/Price Quote", "Negotiation/Review", "Closed Won",
    "Closed Lost",
)  # fmt: skip
TASK_STATUSES = ("Not Started", "In Progress", "Completed", "Waiting on someone else", "Deferred")
ACTIVITY_SUBJECTS = ("Call", "Email", "Meeting", "Send Letter/Quote", "Other")


def _account() -> ObjectDef:
    obj = ObjectDef("Account", "001", "Account")
    for f in (
        _id(),
        _text("Name", 255, "Account Name", required=True),
        _ref("OwnerId", ("User",), "Owner", label="Owner ID"),
        _pick("Industry", INDUSTRIES),
        _pick("Type", ACCOUNT_TYPES, "Account Type"),
        _text("BillingCity", 40, "Billing City"),
        _text("BillingCountry", 80, "Billing Country"),
        FieldDef("Description", "textarea", "Account Description", length=32000),
        _number("Strategic_Fit__c", 18, 2, "Strategic Fit"),
        _number("Payment_Days__c", 18, 0, "Payment Days"),
        _pick(
            "Integration_Stage__c",
            ("transactional", "collaborative", "integrated"),
            "Integration Stage",
        ),
        _text("KAM_Segment__c", 10, "KAM Segment"),
        _number("KAM_Revenue__c", 18, 2, "KAM Revenue", "currency"),
        _number("KAM_Revenue_Share__c", 18, 6, "KAM Revenue Share"),
        _number("KAM_Rating_Position__c", 18, 0, "KAM Rating Position"),
        _number("KAM_Rating_Points__c", 18, 2, "KAM Rating Points"),
        _number("KAM_Dmu_Coverage__c", 18, 6, "KAM DMU Coverage"),
        _number("KAM_Open_Gaps__c", 18, 0, "KAM Open Gaps"),
        FieldDef("KAM_Computed_At__c", "datetime", "KAM Computed At"),
    ):
        obj.add(f)
    return obj


def _contact() -> ObjectDef:
    obj = ObjectDef("Contact", "003", "Contact")
    for f in (
        _id(),
        _ref("AccountId", ("Account",), "Account", label="Account ID"),
        _text("FirstName", 40, "First Name"),
        _text("LastName", 80, "Last Name", required=True),
        _derived(_text("Name", 121, "Full Name")),
        FieldDef("Email", "email", "Email", length=80),
        _text("Title", 128, "Title"),
        _ref("OwnerId", ("User",), "Owner", label="Owner ID"),
        _flag("Gatekeeper__c", "Gatekeeper"),
    ):
        obj.add(f)
    return obj


def _relation() -> ObjectDef:
    obj = ObjectDef("AccountContactRelation", "07k", "Account Contact Relationship")
    for f in (
        _id(),
        _ref("AccountId", ("Account",), "Account", updateable=False, required=True),
        _ref("ContactId", ("Contact",), "Contact", updateable=False, required=True),
        FieldDef("Roles", "multipicklist", "Roles", length=4099, picklist=CONTACT_ROLES),
        _flag("IsActive", "Active"),
        _derived(_flag("IsDirect", "Direct")),
    ):
        obj.add(f)
    return obj


def _user() -> ObjectDef:
    obj = ObjectDef("User", "005", "User")
    for f in (
        _id(),
        _text("Username", 80, "Username", required=True),
        _text("FirstName", 40, "First Name"),
        _text("LastName", 80, "Last Name", required=True),
        _derived(_text("Name", 121, "Full Name")),
        FieldDef("Email", "email", "Email", length=128),
        _flag("IsActive", "Active"),
        _number("KAM_Capacity_Per_Week__c", 18, 0, "KAM Capacity Per Week"),
        _flag("KAM_Pioneer__c", "KAM Pioneer"),
    ):
        obj.add(f)
    return obj


def _team_member() -> ObjectDef:
    obj = ObjectDef("AccountTeamMember", "01M", "Account Team Member")
    for f in (
        _id(),
        _ref("AccountId", ("Account",), "Account", updateable=False, required=True),
        _ref("UserId", ("User",), "User", updateable=False, required=True),
        _pick("TeamMemberRole", TEAM_ROLES, "Team Role"),
    ):
        obj.add(f)
    return obj


def _opportunity() -> ObjectDef:
    obj = ObjectDef("Opportunity", "006", "Opportunity")
    for f in (
        _id(),
        _ref("AccountId", ("Account",), "Account", label="Account ID"),
        _text("Name", 120, "Name", required=True),
        _pick("StageName", STAGES, "Stage", required=True),
        FieldDef("CloseDate", "date", "Close Date", required=True),
        _number("Amount", 16, 2, "Amount", "currency"),
        _derived(_flag("IsClosed", "Closed")),
        _derived(_flag("IsWon", "Won")),
        _number("Margin__c", 16, 2, "Margin", "currency"),
        _ref("OwnerId", ("User",), "Owner", label="Owner ID"),
    ):
        obj.add(f)
    return obj


def _product() -> ObjectDef:
    obj = ObjectDef("Product2", "01t", "Product")
    for f in (
        _id(),
        _text("Name", 255, "Product Name", required=True),
        _text("ProductCode", 255, "Product Code"),
        _flag("IsActive", "Active"),
    ):
        obj.add(f)
    return obj


def _line_item() -> ObjectDef:
    obj = ObjectDef("OpportunityLineItem", "00k", "Opportunity Product")
    for f in (
        _id(),
        _ref("OpportunityId", ("Opportunity",), "Opportunity", updateable=False, required=True),
        _ref("Product2Id", ("Product2",), "Product2", updateable=False, label="Product ID"),
        _number("Quantity", 12, 2, "Quantity"),
        _number("UnitPrice", 18, 2, "Sales Price", "currency"),
        _number("TotalPrice", 18, 2, "Total Price", "currency"),
        _number("Margin__c", 18, 2, "Margin", "currency"),
    ):
        obj.add(f)
    return obj


def _contact_role() -> ObjectDef:
    obj = ObjectDef("OpportunityContactRole", "00K", "Opportunity Contact Role")
    for f in (
        _id(),
        _ref("OpportunityId", ("Opportunity",), "Opportunity", updateable=False, required=True),
        _ref("ContactId", ("Contact",), "Contact", required=True),
        _pick("Role", CONTACT_ROLES, "Role"),
        _flag("IsPrimary", "Primary"),
    ):
        obj.add(f)
    return obj


def _activity_fields() -> tuple[FieldDef, ...]:
    return (
        _id(),
        _ref("WhoId", ("Contact",), "Who", label="Name ID"),
        _ref("WhatId", ("Account", "Opportunity"), "What", label="Related To ID"),
        _ref("AccountId", ("Account",), "Account", derived=True, label="Account ID"),
        _ref("OwnerId", ("User",), "Owner", label="Assigned To ID"),
        FieldDef("ActivityDate", "date", "Due Date Only"),
        FieldDef("Subject", "combobox", "Subject", length=255, picklist=ACTIVITY_SUBJECTS),
        FieldDef("Description", "textarea", "Description", length=32000),
    )


def _task() -> ObjectDef:
    obj = ObjectDef("Task", "00T", "Task")
    for f in (
        *_activity_fields(),
        _pick("Status", TASK_STATUSES, "Status"),
        _pick("Priority", ("High", "Normal", "Low"), "Priority"),
        _derived(_flag("IsClosed", "Closed")),
        _pick("TaskSubtype", ("Task", "Email", "ListEmail", "Cadence", "Call"), "Task Subtype"),
        _text("KAM_Task_Key__c", 255, "KAM Task Key", external_id=True, unique=True),
    ):
        obj.add(f)
    return obj


def _event() -> ObjectDef:
    obj = ObjectDef("Event", "00U", "Event")
    for f in (
        *_activity_fields(),
        FieldDef("ActivityDateTime", "datetime", "Due Date Time"),
        FieldDef("StartDateTime", "datetime", "Start Date Time"),
        FieldDef("EndDateTime", "datetime", "End Date Time"),
        FieldDef("DurationInMinutes", "int", "Duration", precision=8),
        _flag("IsAllDayEvent", "All-Day Event"),
    ):
        obj.add(f)
    return obj


def default_schema() -> dict[str, ObjectDef]:
    """A fresh copy of the org's objects by API name (tests may add fields or values)."""
    objects = (
        _account(),
        _contact(),
        _relation(),
        _user(),
        _team_member(),
        _opportunity(),
        _product(),
        _line_item(),
        _contact_role(),
        _task(),
        _event(),
    )
    return {obj.name: obj for obj in objects}


def describe(obj: ObjectDef) -> dict[str, Any]:
    """The ``/sobjects/<Object>/describe`` body for ``obj``."""
    return {
        "name": obj.name,
        "label": obj.label,
        "keyPrefix": obj.key_prefix,
        "custom": obj.name.endswith("__c"),
        "createable": not obj.read_only,
        "updateable": not obj.read_only,
        "deletable": not obj.read_only,
        "queryable": True,
        "fields": [_describe_field(f) for f in obj.fields.values()],
    }


def _describe_field(f: FieldDef) -> dict[str, Any]:
    return {
        "name": f.name,
        "type": f.type,
        "label": f.display_label,
        "length": f.length,
        "precision": f.precision,
        "scale": f.scale,
        "soapType": f.soap_type,
        "custom": f.name.endswith("__c"),
        "externalId": f.external_id,
        "unique": f.unique,
        "createable": f.createable,
        "updateable": f.updateable,
        "nillable": not f.required and f.type != "boolean" and f.type != "id",
        "calculated": False,
        "defaultedOnCreate": f.derived or f.type == "boolean",
        "referenceTo": list(f.reference_to),
        "relationshipName": f.relationship_name,
        "restrictedPicklist": f.restricted,
        "picklistValues": [
            {"active": True, "defaultValue": False, "label": v, "validFor": None, "value": v}
            for v in f.picklist
        ],
    }
