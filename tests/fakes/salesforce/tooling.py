"""Tooling API query of the fake org's custom fields: ``GET /tooling/query/?q=`` on
``CustomField``. No I/O.

"CustomField" (Tooling API Developer Guide,
https://developer.salesforce.com/docs/atlas.en-us.api_tooling.meta/api_tooling/tooling_api_objects_customfield.htm):
Id (key prefix 00N), DeveloperName (the name without ``__c``), TableEnumOrId (the standard
object's name), NamespacePrefix, FullName (``Object.Name__c``). Tooling sees every custom field,
whatever field-level security the integration user has (a field is invisible to the data API until
granted, :mod:`.admin`, but it exists). Custom fields of tasks and events are one field on
Activity, so they show ``TableEnumOrId = 'Activity'`` once (assumed, following where retrieved
metadata keeps them: ``Activity/fields``, dxatscale/sfpowerkit#517). Selecting FullName or
Metadata for more than one row is refused as the platform refuses it: 400 ``MALFORMED_QUERY``
"When retrieving results with Metadata or FullName fields, the query qualifications must specify
no more than one row for retrieval." (the text clients report; assumed verbatim).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from .schema import FieldDef, ObjectDef
from .soql import compile_query
from .values import Stored

if TYPE_CHECKING:
    from .state import Org

__all__ = ["tooling_query"]

_SINGLE_ROW = (
    "When retrieving results with Metadata or FullName fields, the query qualifications must "
    "specify no more than one row for retrieval."
)
_ACTIVITY = ("Task", "Event")


def _custom_field_object() -> ObjectDef:
    obj = ObjectDef("CustomField", "00N", "Custom Field", read_only=True)
    for f in (
        FieldDef("Id", "id", "Custom Field Definition ID", length=18),
        FieldDef("DeveloperName", "string", "Field Name", length=40),
        FieldDef("TableEnumOrId", "string", "Table Enum or ID", length=40),
        FieldDef("NamespacePrefix", "string", "Namespace Prefix", length=15),
        FieldDef("FullName", "string", "Full Name", length=255),
    ):
        obj.add(f)
    return obj


class _ToolingView:
    """What :class:`~.soql.Compiled` needs from an org, over the CustomField rows."""

    multi_currency = False

    def __init__(self, rows: list[dict[str, Stored]]) -> None:
        self.schema = {"CustomField": _custom_field_object()}
        self._rows = rows

    def iter_records(self, object_name: str) -> Iterator[dict[str, Stored]]:
        yield from sorted(self._rows, key=lambda r: str(r["Id"]))

    def resolve(self, record_id: str) -> None:
        return None

    def convert_currency(self, object_name: str, record: Any, name: str) -> Any:
        return record.get(name)


def custom_field_rows(org: Org) -> list[dict[str, Stored]]:
    """One row per custom field of the org (Activity fields once)."""
    seen: dict[tuple[str, str], str] = {}
    for (object_name, name), _ in org.access.created.items():
        seen.setdefault(("Activity" if object_name in _ACTIVITY else object_name, name), "")
    for obj in org.schema.values():
        for name in obj.fields:
            if name.endswith("__c") and not obj.name.endswith("__c"):
                table = "Activity" if obj.name in _ACTIVITY else obj.name
                seen.setdefault((table, name), "")
    return [
        {
            "Id": org.access.field_id(table, name),
            "DeveloperName": name.removesuffix("__c"),
            "TableEnumOrId": table,
            "NamespacePrefix": None,
            "FullName": f"{table}.{name}",
        }
        for table, name in sorted(seen)
    ]


def tooling_query(org: Org, text: str, version: str) -> dict[str, Any]:
    """The ``/tooling/query`` answer for ``text`` (hold the org's lock).

    Raises:
        RequestError: the SOQL errors of :mod:`.soql`, ``INVALID_TYPE`` for another object, or the
            single-row rule for FullName.
    """
    from .state import RequestError

    view = _ToolingView(custom_field_rows(org))
    compiled = compile_query(view, text)  # type: ignore[arg-type]  # the view is org-shaped
    rows = compiled.matches()
    if any(c.bound.leaf.name == "FullName" for c in compiled.columns) and len(rows) > 1:
        raise RequestError(400, "MALFORMED_QUERY", _SINGLE_ROW)
    records = [compiled.to_json(r, version) for r in rows]
    for record in records:
        record["attributes"]["url"] = record["attributes"]["url"].replace(
            "/sobjects/", "/tooling/sobjects/"
        )
    return {
        "size": len(records),
        "totalSize": len(records),
        "done": True,
        "queryLocator": None,
        "entityTypeName": "CustomField",
        "records": [] if compiled.query.count else records,
    }
