"""Batch create, batch update and v4 association batch read of the fake HubSpot. No I/O.

* ``POST /crm/v3/objects/{type}/batch/create`` — ``{"inputs": [{"properties", "associations":
  [{"to": {"id"}, "types": [{"associationCategory", "associationTypeId"}]}],
  "objectWriteTraceId"?}]}``, at most 100 inputs ("Create a batch of objects",
  https://developers.hubspot.com/docs/api-reference/legacy/crm/objects/objects/batch/create-objects).
  201 ``{"status": "COMPLETE", "results", "startedAt", "completedAt"}``. Invalid values or
  associations fail the whole batch (400). Per-record failures (:meth:`.Faults.reject_ids`)
  answer 207 only when every input carries an ``objectWriteTraceId`` — "you can enable multi
  status responses that include partial failures ... include a unique objectWriteTraceId value
  for each input" ("Error handling") — the error's ``context`` then names it; without trace ids
  the batch fails as a whole with the rejection's error (400) and nothing is created. An
  association type must start at the created object's type ("invalid from object type 0-47 for
  associations to be created. expected: 0-1", as HubSpot words it); a target that does not exist
  answers 400 "One or more associations are invalid". Creating an association also records its
  inverse (task to company 192 shows as company to task 191).
* ``POST /crm/v3/objects/{type}/batch/update`` — ``{"inputs": [{"id", "properties"}]}``, at most
  100 ("Update a batch of companies"). 200 ``COMPLETE``, or 207 with ``numErrors`` and ``errors``
  ``[{"status": "error", "category", "message", "context": {"ids": [...]}}]``: unknown ids as
  ``OBJECT_NOT_FOUND`` "Could not get some COMPANY objects, they may be deleted or not exist.
  Check that ids are valid." (HubSpot's batch wording), rejected ids with their injected error.
  Invalid values fail the whole batch (400, :mod:`.values`); repeated ids too.
* ``POST /crm/v3/objects/{type}/batch/read`` — ``{"inputs": [{"id"}], "properties",
  "propertiesWithHistory", "idProperty"?}``, at most 100 inputs ("Read a batch of tasks by
  internal ID, or unique property values", HubSpot's tasks OpenAPI spec,
  ``BatchReadInputSimplePublicObjectId``). 200 ``COMPLETE`` with the records (``archived=true``
  reads archived ones), or 207 with an ``OBJECT_NOT_FOUND`` error naming the ids that do not
  exist (the batch update's wording). ``propertiesWithHistory`` adds
  ``"propertiesWithHistory": {name: [{"value", "timestamp", "sourceType"}]}`` (the spec's
  ``SimplePublicObjectWithAssociations`` shape); the fake keeps no history, so each list holds
  the current value only, stamped with the record's last change and source type ``API``.
  ``idProperty`` (custom unique-value properties) is not supported: 400.
* ``POST /crm/v4/associations/{from}/{to}/batch/read`` — ``{"inputs": [{"id", "after"?}]}``, at
  most 1,000 ids ("Bug Fix: Batch Read Limit for HubSpot Associations API", developer changelog,
  effective February 2025). Results ``{"from": {"id": "<string>"}, "to": [{"toObjectId":
  <number>, "associationTypes": [{"category", "typeId", "label"}]}], "paging"?}``; an id without
  associations (or unknown) is an error, not a result: 207 with ``{"status": "error",
  "category": "OBJECT_NOT_FOUND", "subCategory": "crm.associations.NO_ASSOCIATIONS_FOUND",
  "message": "No company is associated with deal 123.", "context": {"fromObjectId",
  "fromObjectType", "toObjectType"}}``, as real portals answer. Each input's associations are
  paged (``paging.next.after``, to send back with the id) after
  :attr:`.Portal.association_page_size`.

Single records (what a one-call-per-record script sends; "Companies", "Create companies" and
"Update companies", https://developers.hubspot.com/docs/api-reference/legacy/crm/objects/companies/guide):
``POST /crm/v3/objects/{type}`` with ``{"properties", "associations"}`` answers 201 and the
record; ``PATCH /crm/v3/objects/{type}/{id}`` with ``{"properties"}`` answers 200 and the record,
404 for an unknown id. Both are checked as a batch of one.

Batch results are not in input order (the recorded v4 batch create answers in reverse); the
fake reverses them unless :attr:`.Portal.keep_input_order` is set.
"""

from __future__ import annotations

import base64
from collections import Counter
from typing import Any

from .faults import Faults
from .responses import batch_limit_error
from .schema import OBJECT_TYPES, AssociationType, ObjectType, association_type
from .state import Portal, Record, RequestError
from .values import format_ms

__all__ = [
    "MAX_ASSOCIATION_INPUTS",
    "MAX_BATCH",
    "batch_create",
    "batch_read",
    "batch_update",
    "create_one",
    "read_associations",
    "update_one",
    "with_history",
]

MAX_BATCH = 100
MAX_ASSOCIATION_INPUTS = 1000
TRACE_KEY = "objectWriteTraceId"
TASK_KEY_PROPERTY = "kam_task_key"


def _inputs(body: dict[str, Any], maximum: int) -> list[Any]:
    inputs = body.get("inputs")
    if not isinstance(inputs, list):
        raise RequestError(400, "VALIDATION_ERROR", "Invalid input JSON: inputs must be a list")
    if len(inputs) > maximum:
        raise batch_limit_error(maximum)
    if not all(isinstance(i, dict) for i in inputs):
        raise RequestError(400, "VALIDATION_ERROR", "Invalid input JSON: each input is an object")
    return inputs


def _ordered(portal: Portal, items: list[Any]) -> list[Any]:
    return items if portal.keep_input_order else list(reversed(items))


def _envelope(
    portal: Portal, started: int, results: list[Any], errors: list[Any]
) -> dict[str, Any]:
    body: dict[str, Any] = {"status": "COMPLETE", "results": _ordered(portal, results)}
    if errors:
        body["numErrors"] = len(errors)
        body["errors"] = errors
    body["startedAt"] = format_ms(started)
    body["completedAt"] = format_ms(portal.now_ms())
    return body


def _error(
    category: str, message: str, named: dict[str, list[str]], **extra: Any
) -> dict[str, Any]:
    """A batch error item naming ``named``; ``context=None`` in ``extra`` (a rejection without
    context) leaves the context out, as the recorded 207 does."""
    if "context" in extra:
        extra.pop("context")
        return {"status": "error", "category": category, **extra, "message": message}
    context = named
    return {
        "status": "error",
        "category": category,
        **extra,
        "message": message,
        "context": context,
    }


def _association_specs(
    portal: Portal, obj: ObjectType, raw: object
) -> list[tuple[AssociationType, str]]:
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise RequestError(
            400, "VALIDATION_ERROR", "Invalid input JSON: associations must be a list"
        )
    specs: list[tuple[AssociationType, str]] = []
    for item in raw:
        to = item.get("to") if isinstance(item, dict) else None
        types = item.get("types") if isinstance(item, dict) else None
        if not isinstance(to, dict) or "id" not in to or not isinstance(types, list) or not types:
            raise RequestError(
                400, "VALIDATION_ERROR", "Invalid input JSON: association needs to.id and types"
            )
        for spec in types:
            type_id = spec.get("associationTypeId") if isinstance(spec, dict) else None
            kind = (
                association_type(int(type_id))
                if isinstance(type_id, (int, str)) and str(type_id).isdigit()
                else None
            )
            category = spec.get("associationCategory") if isinstance(spec, dict) else None
            if kind is None or category != kind.category:
                raise RequestError(
                    400,
                    "VALIDATION_ERROR",
                    f"{category} association type {type_id} does not exist",
                )
            if kind.from_type != obj.name:
                expected = OBJECT_TYPES[kind.from_type].type_id
                raise RequestError(
                    400,
                    "VALIDATION_ERROR",
                    f"invalid from object type {obj.type_id} for associations to be created. "
                    f"expected: {expected}",
                )
            target = str(to["id"])
            if portal.find(kind.to_type, target) is None:
                singular = OBJECT_TYPES[kind.to_type].singular
                raise RequestError(
                    400,
                    "VALIDATION_ERROR",
                    "One or more associations are invalid",
                    context={"objectId": [target], "objectType": [singular.upper()]},
                )
            specs.append((kind, target))
    return specs


def batch_create(
    portal: Portal, faults: Faults, obj: ObjectType, body: dict[str, Any]
) -> tuple[int, dict[str, Any]]:
    """``(status, body)`` of a batch create; hold ``portal.lock``."""
    started = portal.now_ms()
    inputs = _inputs(body, MAX_BATCH)
    prepared = []
    for item in inputs:
        values = item.get("properties") or {}
        if not isinstance(values, dict):
            raise RequestError(
                400, "VALIDATION_ERROR", "Invalid input JSON: properties must be an object"
            )
        stored = portal.check_values(obj.name, values, creating=True)
        specs = _association_specs(portal, obj, item.get("associations"))
        trace = item.get(TRACE_KEY)
        prepared.append((stored, specs, None if trace is None else str(trace), list(values)))
    rejected = [
        faults.take_rejection(trace, stored.get(TASK_KEY_PROPERTY))
        for stored, _, trace, _ in prepared
    ]
    traced = all(trace is not None for _, _, trace, _ in prepared)
    if any(rejected) and not traced:
        first = next(r for r in rejected if r)
        raise RequestError(400, first.pop("category"), first.pop("message"), extra=first)
    results: list[dict[str, Any]] = []
    errors: list[dict[str, Any]] = []
    for (stored, specs, trace, sent), rejection in zip(prepared, rejected, strict=True):
        if rejection is not None:
            category, message = rejection.pop("category"), rejection.pop("message")
            errors.append(_error(category, message, {TRACE_KEY: [str(trace)]}, **rejection))
            continue
        new_id = portal.create(obj.name, stored, system=True)
        for kind, target in specs:
            portal.associate(obj.name, new_id, kind.to_type, target, [kind.type_id])
        record = portal.find(obj.name, new_id)
        assert record is not None  # just created
        result = portal.record_json(obj.name, record, sent)
        if trace is not None:
            result[TRACE_KEY] = trace
        results.append(result)
    return (207 if errors else 201), _envelope(portal, started, results, errors)


def batch_update(
    portal: Portal, faults: Faults, obj: ObjectType, body: dict[str, Any]
) -> tuple[int, dict[str, Any]]:
    """``(status, body)`` of a batch update; hold ``portal.lock``."""
    started = portal.now_ms()
    inputs = _inputs(body, MAX_BATCH)
    ids = [str(item.get("id", "")) for item in inputs]
    repeated = sorted(i for i, n in Counter(ids).items() if n > 1)
    if repeated:
        raise RequestError(
            400,
            "VALIDATION_ERROR",
            f"Duplicate IDs found in batch input: [{', '.join(repeated)}]. IDs must be unique",
        )
    prepared = []
    for record_id, item in zip(ids, inputs, strict=True):
        values = item.get("properties")
        if not isinstance(values, dict):
            raise RequestError(
                400, "VALIDATION_ERROR", "Invalid input JSON: properties must be an object"
            )
        prepared.append(
            (record_id, portal.check_values(obj.name, values, creating=False), list(values))
        )
    results: list[dict[str, Any]] = []
    errors: list[dict[str, Any]] = []
    missing: list[str] = []
    for record_id, stored, sent in prepared:
        if portal.find(obj.name, record_id) is None:
            missing.append(record_id)
            continue
        rejection = faults.take_rejection(record_id)
        if rejection is not None:
            category, message = rejection.pop("category"), rejection.pop("message")
            errors.append(_error(category, message, {"ids": [record_id]}, **rejection))
            continue
        portal.update(obj.name, record_id, stored, system=True)
        record = portal.find(obj.name, record_id)
        assert record is not None
        results.append(portal.record_json(obj.name, record, sent))
    if missing:
        message = (
            f"Could not get some {obj.singular.upper()} objects, they may be deleted or not "
            "exist. Check that ids are valid."
        )
        errors.insert(0, _error("OBJECT_NOT_FOUND", message, {"ids": missing}))
    return (207 if errors else 200), _envelope(portal, started, results, errors)


def with_history(
    portal: Portal, object_name: str, record: Record, answer: dict[str, Any], names: list[str]
) -> dict[str, Any]:
    """Add ``propertiesWithHistory`` for ``names`` to a record's JSON (current value only)."""
    if names:
        stamp = format_ms(record.updated_ms)
        answer["propertiesWithHistory"] = {
            n: [{"value": record.properties.get(n), "timestamp": stamp, "sourceType": "API"}]
            for n in names
            if portal.property(object_name, n) is not None and record.properties.get(n) is not None
        }
    return answer


def batch_read(
    portal: Portal, obj: ObjectType, body: dict[str, Any], archived: bool = False
) -> tuple[int, dict[str, Any]]:
    """``(status, body)`` of a batch read by id; hold ``portal.lock``."""
    started = portal.now_ms()
    inputs = _inputs(body, MAX_BATCH)
    if body.get("idProperty"):
        raise RequestError(400, "VALIDATION_ERROR", "idProperty is not supported by the fake")
    names = [str(n) for n in body.get("properties") or []]
    history = [str(n) for n in body.get("propertiesWithHistory") or []]
    results: list[dict[str, Any]] = []
    missing: list[str] = []
    for item in inputs:
        record_id = str(item.get("id", ""))
        record = portal.find(obj.name, record_id)
        if record is None or record.archived is not archived:
            missing.append(record_id)
            continue
        answer = portal.record_json(obj.name, record, names)
        results.append(with_history(portal, obj.name, record, answer, history))
    errors = []
    if missing:
        message = (
            f"Could not get some {obj.singular.upper()} objects, they may be deleted or not "
            "exist. Check that ids are valid."
        )
        errors.append(_error("OBJECT_NOT_FOUND", message, {"ids": missing}))
    return (207 if errors else 200), _envelope(portal, started, results, errors)


def create_one(
    portal: Portal, faults: Faults, obj: ObjectType, body: dict[str, Any]
) -> tuple[int, dict[str, Any]]:
    """``(status, body)`` of a single-record create; hold ``portal.lock``."""
    item = {k: body[k] for k in ("properties", "associations") if k in body}
    status, answer = batch_create(portal, faults, obj, {"inputs": [item]})
    if status != 201:
        error = answer["errors"][0]
        raise RequestError(400, error["category"], error["message"])
    return 201, answer["results"][0]


def update_one(
    portal: Portal, faults: Faults, obj: ObjectType, record_id: str, body: dict[str, Any]
) -> tuple[int, dict[str, Any]]:
    """``(status, body)`` of a single-record update; hold ``portal.lock``."""
    if portal.find(obj.name, record_id) is None:
        raise RequestError(404, None, "resource not found")
    item = {"id": record_id, "properties": body.get("properties")}
    status, answer = batch_update(portal, faults, obj, {"inputs": [item]})
    if status != 200:
        error = answer["errors"][0]
        raise RequestError(400, error["category"], error["message"])
    return 200, answer["results"][0]


def _cursor(offset: int) -> str:
    return base64.urlsafe_b64encode(f"offset-{offset}".encode()).decode()


def _offset(after: object) -> int:
    if after in (None, ""):
        return 0
    try:
        text = base64.urlsafe_b64decode(str(after).encode()).decode()
        return int(text.removeprefix("offset-"))
    except (ValueError, UnicodeDecodeError):
        raise RequestError(400, "VALIDATION_ERROR", f"Invalid paging cursor: {after}") from None


def read_associations(
    portal: Portal, from_obj: ObjectType, to_obj: ObjectType, body: dict[str, Any]
) -> tuple[int, dict[str, Any]]:
    """``(status, body)`` of a v4 association batch read; hold ``portal.lock``."""
    started = portal.now_ms()
    inputs = _inputs(body, MAX_ASSOCIATION_INPUTS)
    results: list[dict[str, Any]] = []
    errors: list[dict[str, Any]] = []
    size = portal.association_page_size
    for item in inputs:
        from_id = str(item.get("id", ""))
        links = (
            portal.associations(from_obj.name, from_id, to_obj.name) if from_id.isdigit() else []
        )
        if not links or portal.find(from_obj.name, from_id) is None:
            message = f"No {to_obj.singular} is associated with {from_obj.singular} {from_id}."
            context = {
                "fromObjectId": [from_id],
                "fromObjectType": [from_obj.singular],
                "toObjectType": [to_obj.singular],
            }
            errors.append(
                _error(
                    "OBJECT_NOT_FOUND",
                    message,
                    context,
                    subCategory="crm.associations.NO_ASSOCIATIONS_FOUND",
                )
            )
            continue
        offset = _offset(item.get("after"))
        page = links[offset : offset + size]
        result: dict[str, Any] = {
            "from": {"id": from_id},
            "to": [
                {"toObjectId": to_id, "associationTypes": [t.as_json() for t in kinds]}
                for to_id, kinds in page
            ],
        }
        if offset + size < len(links):
            result["paging"] = {"next": {"after": _cursor(offset + size)}}
        results.append(result)
    return (207 if errors else 200), _envelope(portal, started, results, errors)
