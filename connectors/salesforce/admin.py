"""``crm-accounts check`` and ``setup`` for Salesforce: verify the org, create missing fields.

:func:`check` describes every object the connector reads or writes ("Get Field and Other
Metadata for an Object", https://developer.salesforce.com/docs/platform/api-rest/guide/dome-sobject-describe;
each field carries ``name``, ``type``, ``updateable``, ``createable``, ``externalId``,
``picklistValues``, ``relationshipName`` and ``referenceTo``) and checks that every configured
field exists with a fitting type, can be written where the product writes, that every mapped
picklist value exists (suggesting close matches for typos), and that the task key field is an
external id. Does I/O (describe calls through the connector's HTTP layer).

:func:`setup_definitions` is pure: the custom fields write-back needs, as Metadata API
``CustomField`` definitions (``fullName`` ``Object.Field__c``, ``type`` from the FieldType
values ``Text``, ``Number``, ``DateTime``, ``label``, ``length``/``precision``/``scale``,
``externalId``/``unique``: "CustomField", https://developer.salesforce.com/docs/platform/api-metadata/references/meta-types/metadata-customfield.html;
"Metadata Field Types", https://developer.salesforce.com/docs/atlas.en-us.204.0.api_meta.meta/api_meta/meta_field_types.htm).
:func:`apply_definitions` creates the missing ones through the Tooling API, ``POST
tooling/sobjects/CustomField`` with ``FullName`` and ``Metadata`` ("CustomField" (Tooling API),
https://developer.salesforce.com/docs/atlas.en-us.264.0.api_tooling.meta/api_tooling/tooling_api_objects_customfield.htm).
A new field is visible to the integration user only once field-level security grants it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from crm_accounts.config import SalesforceSection
from crm_accounts.domain.model import IntegrationStage
from crm_accounts.errors import FatalConnectorError
from crm_accounts.ports import TargetField

from ..findings import CheckResult, suggest
from .connector import SalesforceConnector
from .http import ApiError
from .mapping import DEFAULT_OPEN_STATUS

__all__ = [
    "TARGET_DEFINITIONS",
    "CheckResult",
    "apply_definitions",
    "check",
    "setup_definitions",
]

_NUMBER = frozenset({"double", "currency", "percent", "int", "long"})
_TEXT = frozenset({"string", "textarea", "picklist", "combobox", "email", "phone", "url"})
_PICKLISTS = frozenset({"picklist", "multipicklist"})

#: Metadata of each target field: (type, label suffix, extra CustomField settings).
TARGET_DEFINITIONS: dict[str, tuple[str, str, dict[str, Any]]] = {
    TargetField.SEGMENT.value: ("Text", "Segment", {"length": 10}),
    TargetField.REVENUE.value: ("Number", "Revenue", {"precision": 18, "scale": 2}),
    TargetField.REVENUE_SHARE.value: ("Number", "Revenue Share", {"precision": 18, "scale": 6}),
    TargetField.RATING_POSITION.value: ("Number", "Rating Position", {"precision": 18, "scale": 0}),
    TargetField.RATING_POINTS.value: ("Number", "Rating Points", {"precision": 18, "scale": 2}),
    TargetField.DMU_COVERAGE.value: ("Number", "DMU Coverage", {"precision": 18, "scale": 6}),
    TargetField.OPEN_GAPS.value: ("Number", "Open Gaps", {"precision": 18, "scale": 0}),
    TargetField.COMPUTED_AT.value: ("DateTime", "Computed At", {}),
}
_TARGET_TYPES = {"Text": _TEXT, "Number": _NUMBER, "DateTime": frozenset({"datetime"})}


class _Org:
    """Describe results, fetched once per object."""

    def __init__(self, connector: SalesforceConnector) -> None:
        self.connector = connector
        self.objects: dict[str, dict[str, Any] | None] = {}

    def describe(self, obj: str) -> dict[str, Any] | None:
        if obj not in self.objects:
            try:
                answer = self.connector.http.rest("describe", f"sobjects/{obj}/describe")
            except ApiError as exc:
                if exc.status != 404:
                    raise
                answer = None
            self.objects[obj] = answer if isinstance(answer, dict) else None
        return self.objects[obj]

    def fields(self, obj: str) -> dict[str, dict[str, Any]]:
        described = self.describe(obj) or {}
        return {str(f["name"]): f for f in described.get("fields", []) if "name" in f}

    def resolve(self, obj: str, path: str) -> tuple[str, dict[str, Any] | None, str]:
        """``(object, field describe or None, why missing)`` of a dotted path from ``obj``."""
        *relations, last = path.split(".")
        for relation in relations:
            fields = self.fields(obj)
            ref = next((f for f in fields.values() if f.get("relationshipName") == relation), None)
            targets = (ref or {}).get("referenceTo") or []
            if ref is None or not targets:
                names = [str(f.get("relationshipName")) for f in fields.values()
                         if f.get("relationshipName")]  # fmt: skip
                return (
                    obj,
                    None,
                    f"no relationship {relation!r} on {obj}{suggest(relation, names)}",
                )
            obj = str(targets[0])
        fields = self.fields(obj)
        found = fields.get(last)
        return obj, found, "" if found else f"no field {last!r} on {obj}{suggest(last, fields)}"


def _field_check(
    org: _Org,
    obj: str,
    path: str,
    what: str,
    types: frozenset[str],
    *,
    update: bool = False,
    create: bool = False,
) -> tuple[list[CheckResult], dict[str, Any] | None]:
    owner, found, why = org.resolve(obj, path)
    if found is None:
        return [CheckResult("error", obj, path, f"{what}: {why}")], None
    problems = []
    kind = str(found.get("type"))
    if types and kind not in types:
        problems.append(f"type {kind!r}, expected one of {', '.join(sorted(types))}")
    if update and not found.get("updateable"):
        problems.append("not updateable by the integration user")
    if create and not found.get("createable"):
        problems.append("not createable by the integration user")
    name = str(found.get("name") or path.rsplit(".", 1)[-1])  # reported on the object it is on
    if problems:
        return [CheckResult("error", owner, name, f"{what}: {'; '.join(problems)}")], found
    return [CheckResult("ok", owner, name, f"{what}: {kind}")], found


def _picklist_check(
    obj: str, path: str, found: dict[str, Any] | None, values: Iterable[str], setting: str
) -> list[CheckResult]:
    if found is None:
        return []
    active = [
        str(v.get("value")) for v in found.get("picklistValues") or [] if v.get("active", True)
    ]
    results = []
    for value in values:
        if value not in active:
            results.append(
                CheckResult(
                    "error",
                    obj,
                    path,
                    f"[salesforce] {setting} maps {value!r}, which is not an active picklist value"
                    f"{suggest(value, active)}",
                )
            )
    unmapped = [v for v in active if v not in set(values)]
    if unmapped and setting:
        results.append(
            CheckResult(
                "warning",
                obj,
                path,
                f"picklist values not mapped by [salesforce] {setting} are "
                f"ignored: {', '.join(map(repr, unmapped))}",
            )
        )
    return results


def check(connector: SalesforceConnector) -> list[CheckResult]:
    """Describe the objects and verify the configured fields, picklist values and permissions.

    Raises:
        FatalConnectorError: the org cannot be reached or refuses the credentials.
    """
    section, fields = connector.section, connector.fields
    org = _Org(connector)
    results: list[CheckResult] = []

    def add(obj: str, path: str, what: str, types: frozenset[str] = frozenset(),
            **flags: bool) -> dict[str, Any] | None:  # fmt: skip
        found_results, found = _field_check(org, obj, path, what, types, **flags)
        results.extend(found_results)
        return found

    revenue_obj = "OpportunityLineItem" if section.revenue_object == "line_item" else "Opportunity"
    for obj in ("Account", "Contact", "AccountContactRelation", "AccountTeamMember", "User",
                "Task", "Event", revenue_obj):  # fmt: skip
        if org.describe(obj) is None:
            results.append(CheckResult("error", obj, None, "object not found or not accessible"))
    for name, path in fields.attributes:
        add("Account", path, f"attribute {name!r}")
    if fields.integration_stage:
        found = add("Account", fields.integration_stage, "integration stage")
        if found is not None and found.get("type") in _PICKLISTS:
            stages = {s.value for s in IntegrationStage}
            odd = [str(v.get("value")) for v in found.get("picklistValues") or []
                   if str(v.get("value")).strip().lower() not in stages]  # fmt: skip
            if odd:
                results.append(
                    CheckResult(
                        "warning",
                        "Account",
                        fields.integration_stage,
                        f"values that are not a stage are ignored: {odd}",
                    )
                )
    for target, api in fields.targets:
        kind = _TARGET_TYPES[TARGET_DEFINITIONS[target][0]]
        add("Account", api, f"target field {target}", kind, update=True)
    if section.revenue_object == "line_item":
        add("OpportunityLineItem", "TotalPrice", "amount", _NUMBER)
        add("OpportunityLineItem", fields.product, "product")
        add("OpportunityLineItem", "Opportunity.CloseDate", "close date", frozenset({"date"}))
    else:
        add("Opportunity", "Amount", "amount", _NUMBER)
        add("Opportunity", "CloseDate", "close date", frozenset({"date"}))
    if fields.margin:
        money = frozenset({"currency"}) if section.multi_currency else _NUMBER
        add(revenue_obj, fields.margin, "margin", money)
    if section.contact_roles_source == "contact_field" and fields.contact_role:
        found = add("Contact", fields.contact_role, "contact role field", _PICKLISTS)
        results += _picklist_check(
            "Contact", fields.contact_role, found, section.contact_roles, "contact_roles"
        )
    else:
        found = add("AccountContactRelation", "Roles", "contact roles", _PICKLISTS)
        results += _picklist_check(
            "AccountContactRelation", "Roles", found, section.contact_roles, "contact_roles"
        )
    if fields.gatekeeper:
        add("Contact", fields.gatekeeper, "gatekeeper", frozenset({"boolean"}))
    found = add("AccountTeamMember", "TeamMemberRole", "team role", _PICKLISTS)
    results += _picklist_check(
        "AccountTeamMember", "TeamMemberRole", found, section.team_roles, "team_roles"
    )
    if fields.pioneer:
        add("AccountTeamMember", fields.pioneer, "pioneer", frozenset({"boolean"}))
    if fields.capacity:
        add("User", fields.capacity, "capacity per week", _NUMBER)
    for path in ("OwnerId", "WhatId", "WhoId", "ActivityDate", "Subject", "Description"):
        add("Task", path, "task", create=True, update=path != "OwnerId")
    status = add("Task", "Status", "task status", _PICKLISTS, create=True, update=True)
    results += _picklist_check("Task", "Status", status, [DEFAULT_OPEN_STATUS], "")
    if fields.task_key:
        key = add("Task", fields.task_key, "task key", frozenset({"string"}), create=True)
        if key is not None and not key.get("externalId"):
            results.append(
                CheckResult(
                    "error",
                    "Task",
                    fields.task_key,
                    "task key: not an External ID field; mark it External ID "
                    "(and Unique) so each key is stored once",
                )
            )
    else:
        results.append(
            CheckResult(
                "warning",
                "Task",
                None,
                "no task_key_field: keys live in a Description marker line; "
                "an External ID field is recommended",
            )
        )
    add("Event", "ActivityDate", "event", frozenset({"date"}))
    return results


def _label(field_name: str) -> str:
    return field_name.removesuffix("__c").replace("_", " ").strip()


def setup_definitions(section: SalesforceSection) -> list[dict[str, Any]]:
    """The custom fields write-back needs, as Metadata API ``CustomField`` definitions.

    Standard fields (names without ``__c``) configured as targets are left out: they exist.
    """
    definitions: list[dict[str, Any]] = []
    for target in (t.value for t in TargetField):
        api = section.fields[target]
        if not api.endswith("__c"):
            continue
        kind, _, extra = TARGET_DEFINITIONS[target]
        definitions.append(
            {"fullName": f"Account.{api}", "type": kind, "label": _label(api), **extra}
        )
    key = section.task_key_field
    if key and key.endswith("__c"):
        definitions.append(
            {
                "fullName": f"Task.{key}",
                "type": "Text",
                "label": _label(key),
                "length": 255,
                "externalId": True,
                "unique": True,
                "caseSensitive": True,
            }
        )
    return definitions


def apply_definitions(
    connector: SalesforceConnector, definitions: Iterable[Mapping[str, Any]]
) -> list[CheckResult]:
    """Create the fields of ``definitions`` that the org does not have yet (Tooling API)."""
    org = _Org(connector)
    results = []
    for definition in definitions:
        full_name = str(definition["fullName"])
        obj, name = full_name.split(".", 1)
        if name in org.fields(obj):
            results.append(CheckResult("ok", obj, name, "exists already; left as it is"))
            continue
        metadata = {k: v for k, v in definition.items() if k != "fullName"}
        try:
            connector.http.rest(
                "tooling_create",
                "tooling/sobjects/CustomField/",
                "POST",
                body={"FullName": full_name, "Metadata": metadata},
                idempotent=False,
            )
        except (ApiError, FatalConnectorError) as exc:
            results.append(CheckResult("error", obj, name, f"not created: {exc}"))
            continue
        results.append(
            CheckResult(
                "ok", obj, name, "created; grant field-level security to the integration user"
            )
        )
    return results
