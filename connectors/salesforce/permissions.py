"""``setup --apply``'s last step: a permission set that lets the integration user use our fields.

A custom field created through the API is invisible to every user until field-level security
grants it. Field permissions live only on permission sets ("FieldPermissions", Object Reference,
https://developer.salesforce.com/docs/atlas.en-us.252.0.object_reference.meta/object_reference/sforce_api_objects_fieldpermissions.htm:
``ParentId`` = the PermissionSet, ``SobjectType``, ``Field`` = ``SobjectType.Field``,
``PermissionsRead``, ``PermissionsEdit``; "FieldPermissions records are only supported in
PermissionSet, not in Profile"). So this module finds or creates the permission set
:data:`PERMISSION_SET` ("PermissionSet", ``Name`` and ``Label``), grants read and edit on exactly
the fields the product writes (fields of the Activity object are granted on Task and Event, the
objects that carry them), and assigns the set to the user the connector runs as
("PermissionSetAssignment": ``PermissionSetId``, ``AssigneeId``), found through the OAuth
``userinfo`` endpoint ("User Info Endpoint", ``user_id``,
https://help.salesforce.com/s/articleView?id=sf.remoteaccess_using_userinfo_endpoint.htm).
Every step looks first and creates only what is missing, so a second run changes nothing.
Does I/O through the connector's HTTP layer.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from crm_accounts.errors import FatalConnectorError

from ..findings import CheckResult
from .connector import SalesforceConnector
from .http import ApiError
from .soql import select

__all__ = ["PERMISSION_SET", "grant_access", "granted_fields"]

#: The permission set ``setup --apply`` creates and assigns (API name).
PERMISSION_SET = "CRM_Accounts_Integration"
_LABEL = "CRM Accounts Integration"


def granted_fields(full_names: Iterable[str]) -> list[tuple[str, str]]:
    """``(SobjectType, Field)`` per field to grant; ``Activity.X`` becomes Task and Event."""
    grants: list[tuple[str, str]] = []
    for full_name in full_names:
        obj, name = full_name.split(".", 1)
        for target in ("Task", "Event") if obj == "Activity" else (obj,):
            grants.append((target, f"{target}.{name}"))
    return grants


def _rows(connector: SalesforceConnector, query: str) -> list[dict[str, Any]]:
    return list(connector.http.query(query))


def _create(connector: SalesforceConnector, obj: str, body: dict[str, Any]) -> str:
    answer = connector.http.rest(
        "permission_create", f"sobjects/{obj}/", "POST", body=body, idempotent=False
    )
    if not isinstance(answer, dict) or not answer.get("id"):
        raise FatalConnectorError(f"Salesforce answered the {obj} create without an id")
    return str(answer["id"])


def _user_id(connector: SalesforceConnector) -> str:
    info = connector.http.userinfo()
    user_id = info.get("user_id") if isinstance(info, dict) else None
    if not user_id:
        raise FatalConnectorError("Salesforce userinfo answered without user_id")
    return str(user_id)


def grant_access(connector: SalesforceConnector, full_names: Iterable[str]) -> list[CheckResult]:
    """Grant read and edit on ``full_names`` (``Object.Field``) to the integration user through
    :data:`PERMISSION_SET`; one result line per step."""
    results: list[CheckResult] = []
    try:
        found = _rows(connector, select(["Id"], "PermissionSet", "Name = {n}", n=PERMISSION_SET))
        if found:
            set_id = str(found[0]["Id"])
            results.append(CheckResult("ok", "PermissionSet", PERMISSION_SET, "exists already"))
        else:
            set_id = _create(connector, "PermissionSet", {"Name": PERMISSION_SET, "Label": _LABEL})
            results.append(CheckResult("ok", "PermissionSet", PERMISSION_SET, "created"))
        existing = {
            str(row.get("Field")): row
            for row in _rows(
                connector,
                select(
                    ["Id", "Field", "PermissionsRead", "PermissionsEdit"],
                    "FieldPermissions",
                    "ParentId = {p}",
                    p=set_id,
                ),
            )
        }
        for sobject, field in granted_fields(full_names):
            row = existing.get(field)
            if row is not None and row.get("PermissionsRead") and row.get("PermissionsEdit"):
                results.append(CheckResult("ok", sobject, field, "read and edit granted already"))
                continue
            body = {"PermissionsRead": True, "PermissionsEdit": True}
            try:
                if row is not None:
                    connector.http.rest("permission_update", f"sobjects/FieldPermissions/"
                                        f"{row['Id']}", "PATCH", body=body)  # fmt: skip
                else:
                    grant = {"ParentId": set_id, "SobjectType": sobject, "Field": field, **body}
                    _create(connector, "FieldPermissions", grant)
            except ApiError as exc:
                results.append(CheckResult("error", sobject, field, f"not granted: {exc}"))
                continue
            results.append(CheckResult("ok", sobject, field, "read and edit granted"))
        user_id = _user_id(connector)
        assigned = _rows(
            connector,
            select(
                ["Id"],
                "PermissionSetAssignment",
                "PermissionSetId = {p} AND AssigneeId = {u}",
                p=set_id,
                u=user_id,
            ),
        )
        if assigned:
            results.append(
                CheckResult("ok", "PermissionSetAssignment", user_id, "assigned already")
            )
        else:
            _create(connector, "PermissionSetAssignment",
                    {"PermissionSetId": set_id, "AssigneeId": user_id})  # fmt: skip
            results.append(
                CheckResult("ok", "PermissionSetAssignment", user_id, "assigned to the API user")
            )
    except ApiError as exc:
        results.append(
            CheckResult(
                "error", "PermissionSet", PERMISSION_SET,
                f"cannot grant field access ({exc}); the integration user needs 'Manage Users' "
                "or 'Assign Permission Sets', or grant the fields by hand",
            )
        )  # fmt: skip
    return results
