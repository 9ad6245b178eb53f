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

from collections.abc import Callable, Iterable, Mapping
from typing import Any
from urllib.parse import urlencode

from crm_accounts.config import SalesforceSection
from crm_accounts.domain.model import IntegrationStage
from crm_accounts.errors import ConfigError, FatalConnectorError
from crm_accounts.ports import TargetField

from ..findings import CheckResult, suggest
from .connector import SalesforceConnector
from .http import ApiError
from .org import closing_status, open_status, unknown_role_values
from .permissions import grant_access

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
        self._custom: set[tuple[str, str]] | None = None

    def describe(self, obj: str) -> dict[str, Any] | None:
        if obj not in self.objects:
            self.objects[obj] = self.connector.org.describe(obj)
        return self.objects[obj]

    def fields(self, obj: str) -> dict[str, dict[str, Any]]:
        described = self.describe(obj) or {}
        return {str(f["name"]): f for f in described.get("fields", []) if "name" in f}

    def custom_fields(self) -> set[tuple[str, str]] | None:
        """``(object, field)`` of every custom field the org has, hidden ones included (one
        Tooling API query; ``None`` when the user may not use it). Fields of tasks and events
        are listed once, on ``Activity``."""
        if self._custom is None:
            query = "SELECT DeveloperName, TableEnumOrId FROM CustomField"
            try:
                rows = self.connector.http.rest(
                    "tooling_query", "tooling/query/?" + urlencode({"q": query})
                )
            except ApiError:
                return None
            found: set[tuple[str, str]] = set()
            for row in (rows or {}).get("records") or []:
                table, name = row.get("TableEnumOrId"), row.get("DeveloperName")
                if table and name:
                    found.add((str(table), f"{name}__c"))
            self._custom = found
        return self._custom

    def hidden(self, obj: str, name: str) -> bool | None:
        """Whether a custom field the describe does not show exists (hidden by field-level
        security); ``None`` when that cannot be told."""
        known = self.custom_fields()
        if known is None:
            return None
        table = "Activity" if obj in ("Task", "Event") else obj
        return (table, name) in known

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
        if found:
            return obj, found, ""
        if not last.endswith("__c"):
            return obj, None, f"no field {last!r} on {obj}{suggest(last, fields)}"
        hidden = self.hidden(obj, last)
        if hidden:
            return (
                obj,
                None,
                (
                    f"field {last!r} on {obj} exists but the integration user cannot see it: grant "
                    "it field-level security (`crm-accounts setup --apply` does)"
                ),
            )
        how = (
            "create it with `crm-accounts setup --apply`"
            if hidden is False
            else (
                "create it, or grant field-level security if it exists (`crm-accounts setup "
                "--apply` does both)"
            )
        )
        return obj, None, f"no field {last!r} on {obj}{suggest(last, fields)}; {how}"


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
    obj: str,
    path: str,
    found: dict[str, Any] | None,
    values: Mapping[str, str],
    setting: str,
    *,
    explicit: bool,
) -> list[CheckResult]:
    """Mapped values the picklist lacks: errors when the map is set in the file, and dropped
    quietly from a default map (the defaults name standard values an org may not have)."""
    if found is None:
        return []
    active = [
        str(v.get("value")) for v in found.get("picklistValues") or [] if v.get("active", True)
    ]
    results = []
    missing = unknown_role_values(values, active)
    if missing and not explicit:
        results.append(
            CheckResult(
                "ok", obj, path,
                f"default [salesforce] {setting}: values this org does not have are left out: "
                f"{', '.join(map(repr, missing))}",
            )
        )  # fmt: skip
        missing = []
    for value in missing:
        results.append(
            CheckResult(
                "error",
                obj,
                path,
                f"[salesforce] {setting} maps {value!r}, which is not an active picklist value"
                f"{suggest(value, active)}; the org's values: {', '.join(map(repr, active))}",
            )
        )
    known = {value.casefold() for value in values}
    unmapped = [v for v in active if v.casefold() not in known]
    if unmapped:
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


def _multi_currency(connector: SalesforceConnector) -> bool:
    try:
        return connector.org.multi_currency()
    except ConfigError:
        return True  # reported by _org_checks


def _org_checks(connector: SalesforceConnector, org: _Org) -> list[CheckResult]:
    """Task statuses, the closing status, currencies and person accounts, in admin terms."""
    results: list[CheckResult] = []
    facts = connector.org
    statuses = facts.task_statuses()
    listing = ", ".join(
        f"{s.value} ({'closed' if s.closed else 'open'}{', default' if s.default else ''})"
        for s in statuses
    )
    results.append(CheckResult("ok", "TaskStatus", None, f"task statuses: {listing}"))
    picks: list[tuple[str, Callable[[], str]]] = [
        ("new tasks get status", lambda: open_status(statuses)),
        ("tasks the product closes get status",
         lambda: closing_status(statuses, facts.configured_closed_status)),
    ]  # fmt: skip
    for what, pick in picks:
        try:
            results.append(CheckResult("ok", "TaskStatus", None, f"{what} {pick()!r}"))
        except ConfigError as exc:
            results.append(CheckResult("error", "TaskStatus", None, str(exc)))
    try:
        multi = facts.multi_currency()
        how = "configured" if connector.section.multi_currency is not None else "detected"
        text = (
            "several currencies: amounts are converted with convertCurrency()"
            if multi
            else ("one currency")
        )
        results.append(CheckResult("ok", "Account", "CurrencyIsoCode", f"{text} ({how})"))
    except ConfigError as exc:
        results.append(CheckResult("error", "Account", "CurrencyIsoCode", str(exc)))
    if org.describe("TaskRelation") is not None:
        results.append(
            CheckResult(
                "ok", "TaskRelation", None,
                "Shared Activities is on: every contact of a task or meeting counts as met",
            )
        )  # fmt: skip
    if facts.person_accounts():
        results.append(
            CheckResult(
                "ok", "Account", "IsPersonAccount",
                "person accounts are on: they are left out, with their revenue, contacts and "
                "activities (a consumer is not a key account)",
            )
        )  # fmt: skip
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
    relation = section.contact_roles_source == "account_contact_relation"
    for obj in ("Account", "Contact", "User", "Task", "Event", revenue_obj):
        if org.describe(obj) is None:
            results.append(CheckResult("error", obj, None, "object not found or not accessible"))
    if org.describe("AccountContactRelation") is None:
        results.append(
            CheckResult(
                "error" if relation else "ok",
                "AccountContactRelation",
                None,
                "not available (Contacts to Multiple Accounts is off); "
                + ("set contact_roles_source = 'contact_field' with contact_role_field, or turn "
                   "the setting on" if relation else "not needed: roles come from a Contact field"),
            )
        )  # fmt: skip
    teams = org.describe("AccountTeamMember") is not None
    if not teams:
        results.append(
            CheckResult(
                "warning", "AccountTeamMember", None,
                "not available (Account Teams are off): account owners are the only team "
                "members, as account managers",
            )
        )  # fmt: skip
    results += _org_checks(connector, org)
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
        money = frozenset({"currency"}) if _multi_currency(connector) else _NUMBER
        add(revenue_obj, fields.margin, "margin", money)
    if section.contact_roles_source == "contact_field" and fields.contact_role:
        found = add("Contact", fields.contact_role, "contact role field", _PICKLISTS)
        results += _picklist_check(
            "Contact", fields.contact_role, found, section.contact_roles, "contact_roles",
            explicit=section.configured("contact_roles"),
        )  # fmt: skip
    elif org.describe("AccountContactRelation") is not None:
        found = add("AccountContactRelation", "Roles", "contact roles", _PICKLISTS)
        results += _picklist_check(
            "AccountContactRelation", "Roles", found, section.contact_roles, "contact_roles",
            explicit=section.configured("contact_roles"),
        )  # fmt: skip
    if fields.gatekeeper:
        add("Contact", fields.gatekeeper, "gatekeeper", frozenset({"boolean"}))
    if teams:
        found = add("AccountTeamMember", "TeamMemberRole", "team role", _PICKLISTS)
        results += _picklist_check(
            "AccountTeamMember", "TeamMemberRole", found, section.team_roles, "team_roles",
            explicit=section.configured("team_roles"),
        )  # fmt: skip
    if fields.pioneer and teams:
        add("AccountTeamMember", fields.pioneer, "pioneer", frozenset({"boolean"}))
    elif fields.pioneer and fields.pioneer.startswith("User."):
        add("User", fields.pioneer.removeprefix("User."), "pioneer", frozenset({"boolean"}))
    if fields.capacity:
        add("User", fields.capacity, "capacity per week", _NUMBER)
    for path in ("OwnerId", "WhatId", "WhoId", "ActivityDate", "Subject", "Description"):
        add("Task", path, "task", create=True, update=path != "OwnerId")
    add("Task", "Status", "task status", _PICKLISTS, create=True, update=True)
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


def setup_definitions(
    section: SalesforceSection, *, multi_currency: bool | None = None
) -> list[dict[str, Any]]:
    """The custom fields write-back needs, as Metadata API ``CustomField`` definitions.

    Standard fields (names without ``__c``) configured as targets are left out: they exist. The
    revenue field is a Currency field in a multi-currency org (``multi_currency``: as detected,
    else the configured switch). The task key lives on Activity, the object that holds the
    custom fields of tasks and events ("Activity Custom Fields", Salesforce Help,
    https://help.salesforce.com/s/articleView?id=sf.customize_activities.htm).
    """
    money = section.multi_currency if multi_currency is None else multi_currency
    definitions: list[dict[str, Any]] = []
    for target in (t.value for t in TargetField):
        api = section.fields[target]
        if not api.endswith("__c"):
            continue
        kind, _, extra = TARGET_DEFINITIONS[target]
        if money and target == TargetField.REVENUE.value:
            kind = "Currency"
        definitions.append(
            {"fullName": f"Account.{api}", "type": kind, "label": _label(api), **extra}
        )
    key = section.task_key_field
    if key and key.endswith("__c"):
        definitions.append(
            {
                "fullName": f"Activity.{key}",
                "type": "Text",
                "label": _label(key),
                "length": 255,
                "externalId": True,
                "unique": True,
                "caseSensitive": True,
            }
        )
    return definitions


def _exists(org: _Org, obj: str, name: str) -> bool:
    """Whether the field exists, seen by the integration user (Activity fields show on Task)
    or hidden from it by field-level security (the Tooling API lists it)."""
    if name in org.fields("Task" if obj == "Activity" else obj):
        return True
    return bool(org.hidden(obj, name))


def apply_definitions(
    connector: SalesforceConnector, definitions: Iterable[Mapping[str, Any]]
) -> list[CheckResult]:
    """Create the fields of ``definitions`` that the org does not have yet (Tooling API), then
    grant the integration user read and edit on every one of them (:mod:`.permissions`)."""
    org = _Org(connector)
    results = []
    granted: list[str] = []
    for definition in definitions:
        full_name = str(definition["fullName"])
        obj, name = full_name.split(".", 1)
        granted.append(full_name)
        if _exists(org, obj, name):
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
            if "DUPLICATE" in str(exc).upper():  # exists, but hidden from the user until granted
                results.append(CheckResult("ok", obj, name, "exists already; left as it is"))
                continue
            granted.remove(full_name)
            results.append(CheckResult("error", obj, name, f"not created: {exc}"))
            continue
        results.append(CheckResult("ok", obj, name, "created"))
    return results + grant_access(connector, granted)
