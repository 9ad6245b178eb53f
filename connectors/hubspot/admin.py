"""``crm-accounts check`` and ``setup`` for HubSpot: verify the account, create what is missing.
Does I/O (through the connector's HTTP layer).

:func:`check` reads the property definitions of every object the connector uses
(``GET /crm/v3/properties/{objectType}``: each definition has ``name``, ``type``, ``fieldType``,
``options`` ``[{"label", "value"}]``, ``referencedObjectType`` and ``modificationMetadata``
``{"readOnlyValue"}``; "CRM API | Properties", https://developers.hubspot.com/docs/api/crm/properties)
and the owners, and reports every configured property that is missing, of the wrong type or not
writable, every mapped option value that does not exist (with close matches for typos), and the
roster members that are no owner. A 403 answer means the private app lacks a scope; the scope is
named when HubSpot names it (``errors[].context.requiredGranularScopes``) and otherwise the
object is.

:func:`setup_definitions` is pure: the property group and the properties write-back needs, as
bodies of ``POST /crm/v3/properties/{objectType}/groups`` (``name``, ``label``) and
``POST /crm/v3/properties/{objectType}`` (``name``, ``label``, ``type``, ``fieldType``,
``groupName``; owner properties with ``externalOptions`` and ``referencedObjectType: OWNER``;
"Create a property", https://developers.hubspot.com/docs/api-reference/latest/crm/properties/create-property;
"Create a property group",
https://developers.hubspot.com/docs/api-reference/2026-03/crm/properties/property-groups/create-property).
:func:`apply_definitions` creates the ones the account does not have yet.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from crm_accounts.config import HubSpotSection
from crm_accounts.domain.model import IntegrationStage
from crm_accounts.ports import TargetField

from ..findings import CheckResult, Level, suggest
from .connector import HubSpotConnector
from .http import ApiError
from .mapping import NUMERIC_TARGETS
from .queries import STATUS_PROPERTIES

__all__ = [
    "NEEDED_SCOPES",
    "SETUP_SCOPES",
    "CheckResult",
    "apply_definitions",
    "check",
    "needed_scopes",
    "setup_definitions",
]

_OWNER = "OWNER"


def _scope_hint(error: ApiError) -> str:
    scopes: list[str] = []
    for item in error.body.get("errors") or []:
        context = item.get("context") if isinstance(item, Mapping) else None
        for key in ("requiredGranularScopes", "requiredScopes"):
            values = context.get(key) if isinstance(context, Mapping) else None
            if isinstance(values, list):
                scopes += [str(v) for v in values]
    return f"; grant the private app {', '.join(sorted(set(scopes)))}" if scopes else ""


class _Portal:
    """Property definitions, read once per object type."""

    def __init__(self, connector: HubSpotConnector, results: list[CheckResult]) -> None:
        self.connector = connector
        self.results = results
        self.objects: dict[str, dict[str, dict[str, Any]] | None] = {}

    def properties(self, object_type: str) -> dict[str, dict[str, Any]] | None:
        if object_type not in self.objects:
            try:
                answer = self.connector.http.json(
                    f"properties_{object_type}", "GET", f"/crm/v3/properties/{object_type}"
                )
            except ApiError as exc:
                if exc.status != 403:
                    raise
                self.results.append(
                    CheckResult(
                        "error",
                        object_type,
                        None,
                        f"no access (HTTP 403 {exc.category}: {exc.detail}){_scope_hint(exc)}",
                    )
                )
                self.objects[object_type] = None
                return None
            self.objects[object_type] = {
                str(p["name"]): p for p in answer.get("results") or [] if p.get("name")
            }
        return self.objects[object_type]


def _property(
    portal: _Portal,
    object_type: str,
    name: str,
    what: str,
    types: Iterable[str] = (),
    *,
    writable: bool = False,
) -> dict[str, Any] | None:
    known = portal.properties(object_type)
    if known is None:
        return None
    found = known.get(name)
    if found is None:
        portal.results.append(
            CheckResult(
                "error", object_type, name, f"{what}: no such property{suggest(name, known)}"
            )
        )
        return None
    problems = []
    wanted = tuple(types)
    if wanted and found.get("type") not in wanted:
        problems.append(f"type {found.get('type')!r}, expected {' or '.join(wanted)}")
    metadata = found.get("modificationMetadata") or {}
    if writable and metadata.get("readOnlyValue"):
        problems.append("its value is read-only")
    level: Level = "error" if problems else "ok"
    message = f"{what}: {'; '.join(problems) or found.get('type')}"
    portal.results.append(CheckResult(level, object_type, name, message))
    return found


def _options(
    portal: _Portal,
    object_type: str,
    found: dict[str, Any] | None,
    values: Iterable[str],
    setting: str,
    *,
    warn_unmapped: bool = True,
) -> None:
    if found is None:
        return
    options = [str(o.get("value")) for o in found.get("options") or [] if not o.get("hidden")]
    if not options:
        return
    name = str(found.get("name"))
    wanted = [v for v in values if v]
    for value in wanted:
        if value not in options:
            portal.results.append(
                CheckResult(
                    "error",
                    object_type,
                    name,
                    f"[hubspot] {setting} uses {value!r}, which is not an option of {name}"
                    f"{suggest(value, options)}",
                )
            )
    unmapped = [o for o in options if o not in set(wanted)]
    if unmapped and warn_unmapped:
        portal.results.append(
            CheckResult(
                "warning",
                object_type,
                name,
                f"options not in [hubspot] {setting} are ignored: {', '.join(map(repr, unmapped))}",
            )
        )


def _owner_property(portal: _Portal, name: str, what: str) -> None:
    found = _property(portal, "companies", name, what)
    referenced = (found or {}).get("referencedObjectType")
    if found is not None and referenced not in (None, _OWNER):
        portal.results.append(
            CheckResult(
                "error", "companies", name, f"{what}: refers to {referenced}, not to owners"
            )
        )


#: Scopes the connector's reads and writes need ("Private apps", scopes per API page: companies,
#: deals, owners "crm.objects.owners.read", tasks and other engagements
#: "crm.objects.contacts.read/write"); ``oauth`` is the scope HubSpot's account-info OpenAPI spec
#: names for ``GET /account-info/v3/api-usage/daily/private-apps`` (the preflight's fallback).
NEEDED_SCOPES = (
    "crm.objects.companies.read",
    "crm.objects.companies.write",
    "crm.objects.contacts.read",
    "crm.objects.contacts.write",
    "crm.objects.deals.read",
    "crm.objects.owners.read",
    "oauth",
)
#: ``POST /crm/v3/objects/line_items/batch/read`` (line items OpenAPI spec).
LINE_ITEM_SCOPE = "crm.objects.line_items.read"
#: ``POST /crm/v3/properties/companies`` and ``.../groups`` (properties OpenAPI spec), for
#: ``setup --apply`` only.
SETUP_SCOPES = ("crm.schemas.companies.write",)


def needed_scopes(section: HubSpotSection) -> tuple[str, ...]:
    """The scopes a sync with ``section`` needs."""
    extra = (LINE_ITEM_SCOPE,) if section.products_from_line_items else ()
    return (*NEEDED_SCOPES, *extra)


def _scope_check(connector: HubSpotConnector, results: list[CheckResult]) -> None:
    """The token's scopes (``POST /oauth/v2/private-apps/get/access-token-info`` with
    ``{"tokenKey"}``, "Private apps", https://developers.hubspot.com/docs/api/private-apps);
    a missing scope is a warning here, the 403 answers below make it an error; one only
    ``setup --apply`` needs is a warning that says so."""
    token = getattr(connector.http.api_client.configuration, "access_token", None)
    try:
        answer = connector.http.json(
            "token_info",
            "POST",
            "/oauth/v2/private-apps/get/access-token-info",
            body={"tokenKey": token},
        )
    except ApiError as exc:
        results.append(
            CheckResult("warning", "token", None, f"cannot list the token's scopes ({exc.status})")
        )
        return
    scopes = {str(s) for s in answer.get("scopes") or []}
    missing = [s for s in needed_scopes(connector.section) if s not in scopes]
    if missing:
        results.append(
            CheckResult("warning", "token", None, f"scopes not granted: {', '.join(missing)}")
        )
    else:
        results.append(CheckResult("ok", "token", None, f"{len(scopes)} scopes granted"))
    for scope in SETUP_SCOPES:
        if scope not in scopes:
            results.append(
                CheckResult("warning", "token", None, f"setup --apply needs {scope}, not granted")
            )


def check(connector: HubSpotConnector) -> list[CheckResult]:
    """Read property definitions and owners; verify everything ``[hubspot]`` names.

    Raises:
        FatalConnectorError: HubSpot cannot be reached or refuses the token.
    """
    section = connector.section
    results: list[CheckResult] = []
    _scope_check(connector, results)
    portal = _Portal(connector, results)
    _property(portal, "companies", "name", "company name")
    _owner_property(portal, "hubspot_owner_id", f"owner ({section.owner_role.value})")
    for prop_name, role in section.owner_properties.items():
        _owner_property(portal, prop_name, f"owner property ({role})")
    if section.pioneer_property:
        _owner_property(portal, section.pioneer_property, "pioneer")
    for attribute, prop_name in section.attributes.items():
        _property(portal, "companies", prop_name, f"attribute {attribute!r}")
    if section.integration_stage_property:
        found = _property(
            portal, "companies", section.integration_stage_property, "integration stage"
        )
        stages = [s.value for s in IntegrationStage]
        odd = [
            str(o.get("value"))
            for o in (found or {}).get("options") or []
            if str(o.get("value")).strip().lower() not in stages
        ]
        if odd:
            results.append(
                CheckResult(
                    "warning",
                    "companies",
                    section.integration_stage_property,
                    f"values that are not a stage are ignored: {odd}",
                )
            )
    for target in TargetField:
        types = (
            ("number",)
            if target.value in NUMERIC_TARGETS
            else (
                ("datetime", "date", "string")
                if target is TargetField.COMPUTED_AT
                else ("string", "enumeration")
            )
        )
        _property(
            portal,
            "companies",
            section.fields[target.value],
            f"target {target.value}",
            types,
            writable=True,
        )
    _deal_checks(portal, section)
    _contact_checks(portal, section)
    _activity_checks(portal, section)
    _roster_check(connector, results)
    return results


def _deal_checks(portal: _Portal, section: HubSpotSection) -> None:
    _property(portal, "deals", "amount", "amount", ("number",))
    _property(portal, "deals", "closedate", "close date", ("datetime", "date"))
    if section.won_stages:
        stage = _property(portal, "deals", "dealstage", "deal stage")
        _options(portal, "deals", stage, section.won_stages, "won_stages", warn_unmapped=False)
    else:
        _property(portal, "deals", "hs_is_closed_won", "closed won", ("bool", "enumeration"))
    if section.currency or section.currency_mode == "convert":
        _property(portal, "deals", "deal_currency_code", "deal currency")
    revenue_object = "line_items" if section.products_from_line_items else "deals"
    if section.products_from_line_items:
        _property(portal, "line_items", "amount", "line item amount", ("number",))
        _property(portal, "line_items", section.product_property, "product")
    if section.margin_property:
        _property(portal, revenue_object, section.margin_property, "margin", ("number",))


def _contact_checks(portal: _Portal, section: HubSpotSection) -> None:
    for name in ("firstname", "lastname", "email", "jobtitle"):
        _property(portal, "contacts", name, "contact")
    roles = _property(
        portal, "contacts", section.buying_role_property, "buying role", ("enumeration",)
    )
    _options(portal, "contacts", roles, section.buying_roles, "buying_roles")
    if section.gatekeeper_property:
        _property(
            portal, "contacts", section.gatekeeper_property, "gatekeeper", ("bool", "enumeration")
        )


def _activity_checks(portal: _Portal, section: HubSpotSection) -> None:
    for name in ("hs_timestamp", "hs_task_subject", "hs_task_body", "hubspot_owner_id"):
        _property(portal, "tasks", name, "task", writable=True)
    status = _property(portal, "tasks", "hs_task_status", "task status", writable=True)
    closing = [section.task_open_status, *section.task_close_statuses.values()]
    _options(
        portal,
        "tasks",
        status,
        closing,
        "task_open_status/task_close_statuses",
        warn_unmapped=False,
    )
    _property(portal, "tasks", section.task_key_property, "task key", ("string",), writable=True)
    for object_type, status_property in STATUS_PROPERTIES.items():
        if object_type == "tasks":
            continue
        _property(portal, object_type, "hs_timestamp", "activity time")
        found = _property(portal, object_type, status_property, "activity status")
        _options(
            portal,
            object_type,
            found,
            section.activity_done[object_type],
            f"activity_done.{object_type}",
            warn_unmapped=False,
        )


def _roster_check(connector: HubSpotConnector, results: list[CheckResult]) -> None:
    try:
        owners = connector.source.owners()
    except ApiError as exc:
        results.append(
            CheckResult(
                "error",
                "owners",
                None,
                f"cannot read owners (HTTP {exc.status} {exc.category}){_scope_hint(exc)}",
            )
        )
        return
    results.append(
        CheckResult("ok" if owners else "warning", "owners", None, f"{len(owners)} active owners")
    )
    emails = [str(o.get("email")) for o in owners.values() if o.get("email")]
    resolved = connector.source.roster_ids()
    for index, entry in enumerate(connector.section.roster):
        if index not in resolved:
            results.append(
                CheckResult(
                    "error",
                    "owners",
                    None,
                    f"[hubspot] roster member {entry.member!r} is no active "
                    f"owner{suggest(entry.member, emails)}",
                )
            )


# -- setup ----------------------------------------------------------------------------------------


def _label(name: str) -> str:
    return name.replace("_", " ").strip().capitalize()


def _target_definition(target: str, name: str, group: str) -> dict[str, Any]:
    if target in NUMERIC_TARGETS:
        kind, field_type = "number", "number"
    elif target == TargetField.COMPUTED_AT.value:
        kind, field_type = "datetime", "date"
    else:
        kind, field_type = "string", "text"
    return {
        "name": name,
        "label": _label(name),
        "type": kind,
        "fieldType": field_type,
        "groupName": group,
        "description": f"Written by crm-accounts ({target.replace('_', ' ')}).",
    }


def setup_definitions(section: HubSpotSection) -> list[dict[str, Any]]:
    """Groups and properties write-back needs: ``{"object", "kind", "body"}`` each, groups first.

    Standard properties (``hs_*``, ``hubspot_*``) are left out: they exist.
    """
    group = section.property_group
    definitions: list[dict[str, Any]] = [
        {
            "object": object_type,
            "kind": "group",
            "body": {"name": group, "label": section.property_group_label},
        }
        for object_type in ("companies", "tasks")
    ]
    for target in TargetField:
        name = section.fields[target.value]
        if not name.startswith(("hs_", "hubspot_")):
            definitions.append(
                {
                    "object": "companies",
                    "kind": "property",
                    "body": _target_definition(target.value, name, group),
                }
            )
    owner_valued = [*section.owner_properties, *filter(None, [section.pioneer_property])]
    for name in owner_valued:
        if not name.startswith(("hs_", "hubspot_")):
            definitions.append(
                {
                    "object": "companies",
                    "kind": "property",
                    "body": {
                        "name": name,
                        "label": _label(name),
                        "type": "enumeration",
                        "fieldType": "select",
                        "groupName": group,
                        "externalOptions": True,
                        "referencedObjectType": _OWNER,
                        "description": "An owner in the account team (read by crm-accounts).",
                    },
                }
            )
    definitions.append(
        {
            "object": "tasks",
            "kind": "property",
            "body": {
                "name": section.task_key_property,
                "label": "KAM task key",
                "type": "string",
                "fieldType": "text",
                "groupName": group,
                "description": "The key crm-accounts finds its own tasks by. Do not edit.",
            },
        }
    )
    return definitions


def apply_definitions(
    connector: HubSpotConnector, definitions: Iterable[Mapping[str, Any]]
) -> list[CheckResult]:
    """Create the groups and properties of ``definitions`` that the account does not have."""
    results: list[CheckResult] = []
    portal = _Portal(connector, results)
    for definition in definitions:
        object_type, body = str(definition["object"]), dict(definition["body"])
        name = str(body["name"])
        if definition["kind"] == "property":
            known = portal.properties(object_type)
            if known is not None and name in known:
                results.append(CheckResult("ok", object_type, name, "exists already; left as is"))
                continue
            path = f"/crm/v3/properties/{object_type}"
        else:
            path = f"/crm/v3/properties/{object_type}/groups"
        try:
            connector.http.json(f"create_{definition['kind']}", "POST", path, body=body)
        except ApiError as exc:
            if exc.status == 409 or "exist" in exc.detail.lower():
                results.append(CheckResult("ok", object_type, name, "exists already; left as is"))
            else:
                results.append(
                    CheckResult("error", object_type, name, f"not created: {exc}{_scope_hint(exc)}")
                )
            continue
        results.append(CheckResult("ok", object_type, name, f"{definition['kind']} created"))
    return results
