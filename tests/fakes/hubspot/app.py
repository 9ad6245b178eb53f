"""The fake HubSpot as a Werkzeug WSGI app: routing, auth, scopes, limits, faults, handlers. No I/O.

Every request is counted per route template (:class:`~.faults.CallLog`; the object type in the
template is its plural name: ``/crm/v3/objects/companies/batch/update``), then scheduled faults
apply, then the private-app token is checked — 401 ``INVALID_AUTHENTICATION`` "Authentication
credentials not found. This API supports OAuth 2.0 authentication and you can find more details
at https://developers.hubspot.com/docs/methods/auth/oauth-overview" (the text real portals send
for a wrong token) — then the token's scopes (403 ``MISSING_SCOPES`` with
``errors[0].context.requiredGranularScopes``; "Error handling": "an OAuth token that only has the
content scope authorized would get a 403 when attempting to retrieve records from the Deals
API"), then the rate limits (:mod:`.limits`). Every response carries
``X-HubSpot-Correlation-Id``; authenticated ones the rate-limit headers.

Handlers (see :mod:`.batch`, :mod:`.search`, :mod:`.properties_api` for the details):

* ``GET /crm/v3/objects/{type}`` — a page of records in id order: ``limit`` (default 10, at most
  100 — the fake answers 400 above it), ``after`` (the id the page starts at: the recorded page
  of three meetings ends at id 12643437384 and its ``paging.next.after`` is 12643437385),
  ``properties`` and ``propertiesWithHistory`` (repeated or comma-separated; :mod:`.batch` for the
  history's shape), ``archived``; ``paging.next`` ``{"after",
  "link"}`` only when more remain ("Companies", "Retrieve companies");
* ``GET /crm/v3/objects/{type}/{id}`` — one record; 404 "resource not found" for an unknown id;
* ``POST /crm/v3/objects/{type}`` and ``PATCH /crm/v3/objects/{type}/{id}`` — one record
  created or updated (:mod:`.batch`);
* ``POST /crm/v3/objects/{type}/search`` — :mod:`.search`;
* ``POST /crm/v3/objects/{type}/batch/create``, ``/batch/update`` and ``/batch/read`` —
  :mod:`.batch`;
* ``POST /crm/v4/associations/{from}/{to}/batch/read`` — :mod:`.batch`;
* ``GET /crm/v3/owners/`` — owners ``{"id", "email", "type", "firstName", "lastName", "userId",
  "createdAt", "updatedAt", "archived"}``, ``limit`` (at most 500), ``after``, ``email``,
  ``archived`` ("Owners", https://developers.hubspot.com/docs/api-reference/latest/crm/owners/guide);
  ``GET /crm/v3/owners/{id}``;
* ``/crm/v3/properties/{type}[/{name}]`` and ``/crm/v3/properties/{type}/groups`` —
  :mod:`.properties_api`;
* ``POST /oauth/v2/private-apps/get/access-token-info`` with ``{"tokenKey"}`` — ``{"userId",
  "hubId", "appId", "scopes"}`` of a private-app token; needs no scope and is not rate limited
  (HubSpot's private apps page, "view the scopes of an access token").
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import urlencode

from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import HTTPException, MethodNotAllowed
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from . import properties_api
from .batch import (
    batch_create,
    batch_read,
    batch_update,
    create_one,
    read_associations,
    update_one,
    with_history,
)
from .faults import CallLog, Fault, Faults
from .limits import EXEMPT, ORDINARY, SEARCH, limit_body
from .responses import json_response, read_json
from .responses import object_type as resolve
from .schema import resolve_type
from .search import run_search
from .state import Portal, RequestError

__all__ = ["AUTH_MESSAGE", "MAX_LIST_LIMIT", "HubSpotApp"]

MAX_LIST_LIMIT = 100
MAX_OWNER_LIMIT = 500
AUTH_MESSAGE = (
    "Authentication credentials not found. This API supports OAuth 2.0 authentication and you "
    "can find more details at https://developers.hubspot.com/docs/methods/auth/oauth-overview"
)
SCOPES_MESSAGE = (
    "This app hasn't been granted all required scopes to make this call. Read more about "
    "required scopes here: https://developers.hubspot.com/scopes."
)
_OBJECTS = "/crm/v3/objects/<object_type>"
_ROUTES: list[tuple[str, str, list[str], str]] = [
    # (rule, endpoint, methods, route template; {type}/{from}/{to} become plural type names)
    (
        "/oauth/v2/private-apps/get/access-token-info",
        "token_info",
        ["POST"],
        "/oauth/v2/private-apps/get/access-token-info",
    ),
    (_OBJECTS, "list_objects", ["GET"], "/crm/v3/objects/{type}"),
    (_OBJECTS, "create_object", ["POST"], "/crm/v3/objects/{type}"),
    (f"{_OBJECTS}/search", "search", ["POST"], "/crm/v3/objects/{type}/search"),
    (f"{_OBJECTS}/batch/create", "batch_create", ["POST"], "/crm/v3/objects/{type}/batch/create"),
    (f"{_OBJECTS}/batch/update", "batch_update", ["POST"], "/crm/v3/objects/{type}/batch/update"),
    (f"{_OBJECTS}/batch/read", "batch_read", ["POST"], "/crm/v3/objects/{type}/batch/read"),
    (f"{_OBJECTS}/<object_id>", "get_object", ["GET"], "/crm/v3/objects/{type}/{id}"),
    (f"{_OBJECTS}/<object_id>", "update_object", ["PATCH"], "/crm/v3/objects/{type}/{id}"),
    (
        "/crm/v4/associations/<from_type>/<to_type>/batch/read",
        "associations",
        ["POST"],
        "/crm/v4/associations/{from}/{to}/batch/read",
    ),
    ("/crm/v3/owners/", "owners", ["GET"], "/crm/v3/owners"),
    ("/crm/v3/owners/<owner_id>", "owner", ["GET"], "/crm/v3/owners/{id}"),
    (
        "/crm/v3/properties/<object_type>",
        "properties",
        ["GET", "POST"],
        "/crm/v3/properties/{type}",
    ),
    (
        "/crm/v3/properties/<object_type>/groups",
        "groups",
        ["GET", "POST"],
        "/crm/v3/properties/{type}/groups",
    ),
    (
        "/crm/v3/properties/<object_type>/<property_name>",
        "property",
        ["GET"],
        "/crm/v3/properties/{type}/{name}",
    ),
]
_TEMPLATES = {endpoint: template for _, endpoint, _, template in _ROUTES}
#: How HubSpot groups requests for its limits (:mod:`.limits`): searches and v4 association batch
#: reads are exempt from the 10-second window (``x-hubspot-rate-limit-exemptions`` in the
#: published OpenAPI specs).
_GROUPS = {"search": SEARCH, "associations": EXEMPT, "batch_read": ORDINARY}


def _canonical(segment: str) -> str:
    found = resolve_type(segment)
    return found.name if found else segment


def _template(endpoint: str, args: dict[str, Any]) -> str:
    template = _TEMPLATES[endpoint]
    for key, arg in (("{type}", "object_type"), ("{from}", "from_type"), ("{to}", "to_type")):
        if arg in args:
            template = template.replace(key, _canonical(str(args[arg])))
    return template


def _split_list(values: Iterable[str]) -> list[str]:
    return [name.strip() for value in values for name in value.split(",") if name.strip()]


class HubSpotApp:
    """The WSGI application; one per fake server."""

    def __init__(self, portal: Portal, faults: Faults, calls: CallLog) -> None:
        self.portal = portal
        self.faults = faults
        self.calls = calls
        #: Seconds every request waits before it is handled (:class:`~.server` ``latency``).
        self.latency = 0.0
        self.sleep: Callable[[float], None] = time.sleep
        self.url_map = Map(
            [
                Rule(rule, endpoint=endpoint, methods=methods)
                for rule, endpoint, methods, _ in _ROUTES
            ],
            strict_slashes=False,
        )

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        if self.latency > 0:
            self.sleep(self.latency)  # the network's round trip, before any handling
        request = Request(environ)
        response = self.dispatch(request)
        return response(environ, start_response)

    def dispatch(self, request: Request) -> Response:
        correlation = str(uuid.uuid4())
        adapter = self.url_map.bind_to_environ(request.environ)
        try:
            endpoint, matched = adapter.match()
        except MethodNotAllowed:
            response = json_response(
                405,
                {"status": "error", "message": "Method not allowed", "correlationId": correlation},
            )
            template = request.path
        except HTTPException:
            response = json_response(
                404,
                {"status": "error", "message": "resource not found", "correlationId": correlation},
            )
            template = request.path
        else:
            args = dict(matched)
            template = _template(endpoint, args)
            response = self._handle(request, endpoint, args, template, correlation)
        response.headers["X-HubSpot-Correlation-Id"] = correlation
        self.calls.record(request.method, template, response.status_code)
        return response

    def _handle(
        self, request: Request, endpoint: str, args: dict[str, Any], template: str, correlation: str
    ) -> Response:
        group = _GROUPS.get(endpoint, ORDINARY)
        lost: Fault | None = None
        for fault in self.faults.take(request.method, template):
            if fault.kind == "lose":
                lost = fault
            elif fault.kind == "hang":
                self.faults.release.wait(fault.seconds)
            elif fault.kind == "limit":
                headers = self.portal.limits.headers(group)
                if fault.retry_after is not None:
                    headers["Retry-After"] = str(fault.retry_after)
                return json_response(429, limit_body(fault.policy, correlation), headers)
            else:
                body = fault.failure_body(correlation)
                extra = {} if fault.retry_after is None else {"Retry-After": str(fault.retry_after)}
                if isinstance(body, str):
                    return Response(
                        body,
                        status=fault.status,
                        headers=extra,
                        content_type="text/html; charset=utf-8",
                    )
                return json_response(fault.status, body, extra)
        if endpoint == "token_info":
            return self._guarded(lambda: self._token_info(request), correlation)
        if not self._authorized(request):
            body = {
                "status": "error",
                "message": AUTH_MESSAGE,
                "correlationId": correlation,
                "category": "INVALID_AUTHENTICATION",
            }
            return json_response(401, body)
        decision = self.portal.limits.admit(group)
        if decision.policy is not None:
            return json_response(429, limit_body(decision.policy, correlation), decision.headers)
        scope = self._required_scope(request, endpoint, args)
        if scope is not None and scope not in self.portal.scopes:
            response = json_response(403, self._scope_body(scope, correlation))
        else:
            handler: Callable[..., Response] = getattr(self, f"_{endpoint}")
            response = self._guarded(lambda: handler(request, **args), correlation)
            if lost is not None:  # processed; the answer goes missing on the way back
                response = json_response(lost.status, lost.failure_body(correlation))
        response.headers.update(decision.headers)
        return response

    def _guarded(self, call: Callable[[], Response], correlation: str) -> Response:
        try:
            return call()
        except RequestError as exc:
            return json_response(exc.status, exc.body(correlation))

    def _authorized(self, request: Request) -> bool:
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        return scheme.lower() == "bearer" and self.portal.token_valid(token.strip())

    def _required_scope(self, request: Request, endpoint: str, args: dict[str, Any]) -> str | None:
        if endpoint in ("owners", "owner"):
            return "crm.objects.owners.read"
        found = resolve_type(str(args.get("object_type") or args.get("from_type") or ""))
        if found is None:
            return None
        if endpoint in ("properties", "groups", "property"):
            return found.schema_write_scope if request.method == "POST" else found.schema_read_scope
        if endpoint in ("batch_create", "batch_update", "create_object", "update_object"):
            return found.write_scope
        return found.read_scope

    @staticmethod
    def _scope_body(scope: str, correlation: str) -> dict[str, Any]:
        return {
            "status": "error",
            "message": SCOPES_MESSAGE,
            "correlationId": correlation,
            "errors": [
                {
                    "message": "One or more of the following scopes are required.",
                    "context": {"requiredGranularScopes": [scope]},
                }
            ],
            "links": {"scopes": "https://developers.hubspot.com/scopes"},
            "category": "MISSING_SCOPES",
        }

    # --- handlers ------------------------------------------------------------------------------

    def _token_info(self, request: Request) -> Response:
        body = read_json(request)
        if not self.portal.token_valid(str(body.get("tokenKey") or "")):
            raise RequestError(401, "INVALID_AUTHENTICATION", AUTH_MESSAGE)
        portal = self.portal
        return json_response(
            200,
            {
                "userId": portal.user_id,
                "hubId": portal.hub_id,
                "appId": portal.app_id,
                "scopes": sorted(portal.scopes),
            },
        )

    @staticmethod
    def _limit(args: MultiDict[str, str], default: int, maximum: int) -> int:
        raw = args.get("limit")
        try:
            limit = default if raw in (None, "") else int(raw)
        except ValueError:
            raise RequestError(
                400, "VALIDATION_ERROR", f"limit must be an integer, not {raw}"
            ) from None
        if not 0 < limit <= maximum:
            raise RequestError(
                400, "VALIDATION_ERROR", f"limit must be between 1 and {maximum}, not {limit}"
            )
        return limit

    @staticmethod
    def _after(args: MultiDict[str, str]) -> int:
        raw = args.get("after")
        if raw in (None, ""):
            return 0
        if not raw.isdigit():
            raise RequestError(400, "VALIDATION_ERROR", f"Invalid paging cursor: {raw}")
        return int(raw)

    def _next_link(
        self, request: Request, path: str, after: int, extra: dict[str, str]
    ) -> dict[str, Any]:
        query = {k: v for k, v in extra.items() if v}
        query["after"] = str(after)
        return {
            "next": {
                "after": str(after),
                "link": f"{request.host_url.rstrip('/')}{path}?{urlencode(query)}",
            }
        }

    def _list_objects(self, request: Request, object_type: str) -> Response:
        obj = resolve(object_type)
        limit = self._limit(request.args, 10, MAX_LIST_LIMIT)
        after = self._after(request.args)
        names = _split_list(request.args.getlist("properties"))
        history = _split_list(request.args.getlist("propertiesWithHistory"))
        archived = request.args.get("archived", "false").lower() == "true"
        with self.portal.lock:
            records = [
                r for r in self.portal.records(obj.name) if r.id >= after and r.archived is archived
            ]
            page = records[:limit]
            body: dict[str, Any] = {
                "results": [
                    with_history(
                        self.portal,
                        obj.name,
                        r,
                        self.portal.record_json(obj.name, r, names),
                        history,
                    )
                    for r in page
                ]
            }
            if len(records) > limit:
                extra = {"limit": str(limit), "properties": ",".join(names)}
                body["paging"] = self._next_link(
                    request, f"/crm/v3/objects/{object_type}", page[-1].id + 1, extra
                )
        return json_response(200, body)

    def _get_object(self, request: Request, object_type: str, object_id: str) -> Response:
        obj = resolve(object_type)
        names = _split_list(request.args.getlist("properties"))
        with self.portal.lock:
            record = self.portal.find(obj.name, object_id)
            if record is None:
                if not object_id.isdigit():
                    raise RequestError(
                        404,
                        "OBJECT_NOT_FOUND",
                        "Object not found.  objectId are usually numeric.",
                        context={"id": [object_id]},
                    )
                raise RequestError(404, None, "resource not found")
            return json_response(200, self.portal.record_json(obj.name, record, names))

    def _search(self, request: Request, object_type: str) -> Response:
        obj = resolve(object_type)
        body = read_json(request)
        with self.portal.lock:
            return json_response(200, run_search(self.portal, obj.name, body))

    def _batch_create(self, request: Request, object_type: str) -> Response:
        obj = resolve(object_type)
        body = read_json(request)
        with self.portal.lock:
            status, answer = batch_create(self.portal, self.faults, obj, body)
        return json_response(status, answer)

    def _create_object(self, request: Request, object_type: str) -> Response:
        obj = resolve(object_type)
        body = read_json(request)
        with self.portal.lock:
            status, answer = create_one(self.portal, self.faults, obj, body)
        return json_response(status, answer)

    def _update_object(self, request: Request, object_type: str, object_id: str) -> Response:
        obj = resolve(object_type)
        body = read_json(request)
        with self.portal.lock:
            status, answer = update_one(self.portal, self.faults, obj, object_id, body)
        return json_response(status, answer)

    def _batch_update(self, request: Request, object_type: str) -> Response:
        obj = resolve(object_type)
        body = read_json(request)
        with self.portal.lock:
            status, answer = batch_update(self.portal, self.faults, obj, body)
        return json_response(status, answer)

    def _batch_read(self, request: Request, object_type: str) -> Response:
        obj = resolve(object_type)
        body = read_json(request)
        archived = request.args.get("archived", "false").lower() == "true"
        with self.portal.lock:
            status, answer = batch_read(self.portal, obj, body, archived)
        return json_response(status, answer)

    def _associations(self, request: Request, from_type: str, to_type: str) -> Response:
        from_obj, to_obj = resolve(from_type), resolve(to_type)
        body = read_json(request)
        with self.portal.lock:
            status, answer = read_associations(self.portal, from_obj, to_obj, body)
        return json_response(status, answer)

    def _owners(self, request: Request) -> Response:
        limit = self._limit(request.args, 100, MAX_OWNER_LIMIT)
        after = self._after(request.args)
        email = (request.args.get("email") or "").strip().casefold()
        archived = request.args.get("archived", "false").lower() == "true"
        with self.portal.lock:
            owners = [
                o
                for _, o in sorted(self.portal.owners.items())
                if o.id >= after
                and o.archived is archived
                and (not email or o.email.casefold() == email)
            ]
            page = owners[:limit]
            body: dict[str, Any] = {"results": [o.as_json() for o in page]}
            if len(owners) > limit:
                extra = {"limit": str(limit), "email": email}
                body["paging"] = self._next_link(request, "/crm/v3/owners/", page[-1].id + 1, extra)
        return json_response(200, body)

    def _owner(self, request: Request, owner_id: str) -> Response:
        with self.portal.lock:
            owner = self.portal.owners.get(int(owner_id)) if owner_id.isdigit() else None
            if owner is None:
                raise RequestError(404, None, "resource not found")
            return json_response(200, owner.as_json())

    def _properties(self, request: Request, object_type: str) -> Response:
        obj = resolve(object_type)
        with self.portal.lock:
            if request.method == "POST":
                return json_response(
                    201, properties_api.create_property(self.portal, obj, read_json(request))
                )
            return json_response(200, properties_api.list_properties(self.portal, obj))

    def _groups(self, request: Request, object_type: str) -> Response:
        obj = resolve(object_type)
        with self.portal.lock:
            if request.method == "POST":
                return json_response(
                    201, properties_api.create_group(self.portal, obj, read_json(request))
                )
            return json_response(200, properties_api.list_groups(self.portal, obj))

    def _property(self, request: Request, object_type: str, property_name: str) -> Response:
        obj = resolve(object_type)
        with self.portal.lock:
            return json_response(200, properties_api.read_property(self.portal, obj, property_name))
