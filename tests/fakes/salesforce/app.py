"""The fake Salesforce as a Werkzeug WSGI app: routing, auth, limits, faults, handlers. No I/O.

Every request is counted per route template (:class:`~.faults.CallLog`), then scheduled faults
apply, then (for ``/services/data/vXX.X/...``) the bearer token is checked — 401
``INVALID_SESSION_ID`` "Session expired or invalid" — and one unit of the daily allowance is
used — 403 ``REQUEST_LIMIT_EXCEEDED`` "TotalRequests Limit exceeded." once it is gone. Every data
API response carries ``Sforce-Limit-Info: api-usage=<used>/<max>`` ("Limit Info Header", REST API
Developer Guide, https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/headers_api_usage.htm).

Handlers:

* ``GET /query?q=`` and ``GET /query/<locator>-<offset>`` — "Query" and "Query More Results"
  (https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_query.htm):
  batches of 2000 or the ``Sforce-Query-Options: batchSize=N`` (200..2000) header, ``done: false``
  and ``nextRecordsUrl`` while more remain; a locator is released once read to the end and then
  answers 400 ``INVALID_QUERY_LOCATOR`` "invalid query locator" (Salesforce Help,
  "'INVALID_QUERY_LOCATOR' Salesforce Error", https://help.salesforce.com/s/articleView?id=000384958).
* ``GET /queryAll?q=`` — "QueryAll" (REST API Developer Guide,
  https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_queryall.htm):
  as ``query`` but archived activities are included (:mod:`.activities`); its next pages are read
  from ``/query/<locator>`` like a query's (assumed).
* API versions: a version up to 30.0 answers 410 — "REST API returns 410: GONE" for the retired
  versions 21.0-30.0 (7.0-20.0 retired earlier): "Salesforce Platform API Versions 21.0 through
  30.0 Retirement", Salesforce Help, https://help.salesforce.com/s/articleView?id=000354473; the
  body (``API_VERSION_RETIRED`` and its text) is assumed. Bulk API 2.0 query resources exist
  from 47.0 ("This resource is available in API version 47.0 and later", "Get Information About
  All Query Jobs") and ingest from 41.0 ("Upload Job Data"); below that the path is unknown:
  404 ``NOT_FOUND``. Versions above 67.0 are unknown too.
* ``GET /sobjects/<Object>/describe`` — "sObject Describe".
* ``GET /limits`` — "Limits" (``{"DailyApiRequests": {"Max", "Remaining"}, ...}``,
  https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_limits.htm).
* ``PATCH``/``POST /composite/sobjects`` — sObject Collections update/create: at most 200 records
  (more: 400 ``EXCEEDED_ID_LIMIT`` "record limit reached. cannot submit more than 200 records into
  this call", as real orgs answer: sorenkrabbe/Chrome-Salesforce-inspector#134), one result per
  record in order, ``allOrNone`` rolls everything back and marks the others
  ``ALL_OR_NONE_OPERATION_ROLLED_BACK`` ("Record rolled back because not all records were valid
  and the request was using AllOrNone header"). An unknown field fails the whole request with
  400 ``INVALID_FIELD`` "No such column 'X' on sobject of type Account", a value that does not
  deserialize with 400 ``JSON_PARSER_ERROR``, a record without ``attributes.type`` with 400
  ``INVALID_TYPE`` "Must send a concrete entity type.".
* ``POST /sobjects/<Object>/``, ``GET`` and ``PATCH /sobjects/<Object>/<id>`` — "sObject Basic
  Information" and "sObject Rows" (one record per call, what ``sf.Account.update(id, {...})``
  sends; "Update a Record",
  https://developer.salesforce.com/docs/platform/api-rest/guide/dome-update-fields.html): a create
  answers 201 ``{"id", "success": true, "errors": []}``, an update 204 with no body, a read the
  record's fields with ``attributes``; a refused record 400 with the error list, an unknown id 404
  ``NOT_FOUND``.
* ``/jobs/query...`` and ``/jobs/ingest...`` — Bulk API 2.0 (:mod:`.bulk`).
* ``POST /services/oauth2/token`` — :mod:`.oauth` (no bearer token, not counted in the allowance).
* ``GET /services/oauth2/userinfo`` — the integration user ("Query for User Information",
  Salesforce Help, https://help.salesforce.com/s/articleView?id=remoteaccess_using_userinfo_endpoint.htm:
  ``sub`` = the identity URL, ``user_id``, ``organization_id``, ``preferred_username``, ``name``,
  ``email``, ...; the field list as recorded by @solarmosaic/sf-idp-client). Not counted in the
  allowance; a bad token answers 403 ``Bad_OAuth_Token`` (as the identity service does: assumed).
* ``POST /tooling/sobjects/CustomField`` — custom fields and their field-level security
  (:mod:`.admin`); ``GET /tooling/query?q=`` on CustomField (:mod:`.tooling`).
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Iterable
from typing import Any

from werkzeug.exceptions import HTTPException, MethodNotAllowed
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from .bulk import Bulk, Job
from .faults import DAILY_LIMIT_MESSAGE, CallLog, Faults
from .oauth import OAuthSettings, token_response
from .schema import describe
from .soql import compile_query
from .state import ORG_ID, Org, RecordError, RequestError, Transaction
from .tooling import tooling_query
from .values import Stored, ValueProblemError, from_json, to_json

__all__ = ["MAX_COLLECTION", "SalesforceApp"]

MAX_COLLECTION = 200
DEFAULT_BATCH = 2000
_DATA = "/services/data/v<version>"
_ROUTES: list[tuple[str, str, list[str], str]] = [
    # (rule, endpoint, methods, route template used for call counting and faults)
    ("/services/oauth2/token", "token", ["POST"], "/services/oauth2/token"),
    ("/services/oauth2/userinfo", "userinfo", ["GET", "POST"], "/services/oauth2/userinfo"),
    (f"{_DATA}/tooling/query/", "tooling_query", ["GET"], "/tooling/query"),
    (
        f"{_DATA}/tooling/sobjects/<object_name>/",
        "tooling_create",
        ["POST"],
        "/tooling/sobjects/<object>",
    ),
    (f"{_DATA}/query/", "query", ["GET"], "/query"),
    (f"{_DATA}/queryAll/", "query_all", ["GET"], "/queryAll"),
    (f"{_DATA}/query/<locator>", "query_more", ["GET"], "/query/<locator>"),
    (f"{_DATA}/limits/", "limits", ["GET"], "/limits"),
    (
        f"{_DATA}/sobjects/<object_name>/describe/",
        "describe",
        ["GET"],
        "/sobjects/<object>/describe",
    ),
    (f"{_DATA}/composite/sobjects/", "collections", ["POST", "PATCH"], "/composite/sobjects"),
    (f"{_DATA}/sobjects/<object_name>/", "sobject_create", ["POST"], "/sobjects/<object>"),
    (
        f"{_DATA}/sobjects/<object_name>/<record_id>/",
        "sobject_row",
        ["GET", "PATCH"],
        "/sobjects/<object>/<id>",
    ),
    (f"{_DATA}/jobs/query/", "query_jobs", ["POST"], "/jobs/query"),
    (f"{_DATA}/jobs/query/<job_id>/", "query_job", ["GET", "PATCH", "DELETE"], "/jobs/query/<id>"),
    (f"{_DATA}/jobs/query/<job_id>/results/", "query_results", ["GET"], "/jobs/query/<id>/results"),
    (f"{_DATA}/jobs/ingest/", "ingest_jobs", ["POST"], "/jobs/ingest"),
    (
        f"{_DATA}/jobs/ingest/<job_id>/",
        "ingest_job",
        ["GET", "PATCH", "DELETE"],
        "/jobs/ingest/<id>",
    ),
    (
        f"{_DATA}/jobs/ingest/<job_id>/batches/",
        "ingest_batches",
        ["PUT"],
        "/jobs/ingest/<id>/batches",
    ),
    (
        f"{_DATA}/jobs/ingest/<job_id>/<kind>/",
        "ingest_results",
        ["GET"],
        "/jobs/ingest/<id>/<kind>",
    ),
]
_TEMPLATES = {endpoint: template for _, endpoint, _, template in _ROUTES}
_VERSION = re.compile(r"\d{1,2}\.0$")
#: The newest version the fake answers (Summer '26 is 67.0; Bulk API 2.0 guide version list).
MAX_VERSION = 67
#: Versions up to this one are retired: REST answers 410 GONE (see the module docstring).
RETIRED_UP_TO = 30
#: The first version with each Bulk API 2.0 resource ("available in API version 47.0 and later"
#: for query jobs, 41.0 for ingest: Bulk API 2.0 Developer Guide).
_BULK_SINCE = {"query": 47, "ingest": 41}
_NOT_FOUND = [{"errorCode": "NOT_FOUND", "message": "The requested resource does not exist"}]
_BATCH = re.compile(r"batchSize\s*=\s*(\d+)", re.IGNORECASE)


def _json(status: int, body: Any, headers: dict[str, str] | None = None) -> Response:
    return Response(
        json.dumps(body),
        status=status,
        headers=headers,
        content_type="application/json;charset=UTF-8",
    )


class SalesforceApp:
    """The WSGI application; one per fake server."""

    def __init__(
        self, org: Org, faults: Faults, calls: CallLog, bulk: Bulk, oauth: OAuthSettings
    ) -> None:
        self.org = org
        self.faults = faults
        self.calls = calls
        #: Seconds every request waits before it is handled (:class:`~.server` ``latency``).
        self.latency = 0.0
        self.sleep: Callable[[float], None] = time.sleep
        self.bulk = bulk
        self.oauth = oauth
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
        adapter = self.url_map.bind_to_environ(request.environ)
        try:
            endpoint, matched = adapter.match()
        except MethodNotAllowed as exc:
            allowed = ",".join(sorted(exc.valid_methods or []))
            message = f"HTTP Method '{request.method}' not allowed. Allowed are {allowed}"
            self.calls.record(request.method, request.path, 405)
            return _json(405, [{"message": message, "errorCode": "METHOD_NOT_ALLOWED"}])
        except HTTPException:
            self.calls.record(request.method, request.path, 404)
            return _json(404, _NOT_FOUND)
        args = dict(matched)
        template = _TEMPLATES[endpoint]
        if endpoint == "ingest_results":
            template = f"/jobs/ingest/<id>/{args['kind']}"
        response = self._handle(request, endpoint, args, template)
        self.calls.record(request.method, template, response.status_code)
        return response

    def _handle(
        self, request: Request, endpoint: str, args: dict[str, Any], template: str
    ) -> Response:
        data_api = endpoint not in ("token", "userinfo")
        for fault in self.faults.take(request.method, template):
            if fault.kind == "hang":
                self.faults.release.wait(fault.seconds)
            else:
                status, failure = fault.response()
                return _json(status, failure, self._limit_header() if data_api else None)
        if endpoint == "token":
            status, token = token_response(self.org, self.oauth, request.form, request.host_url)
            return _json(status, token)
        if endpoint == "userinfo":
            return self._userinfo(request)
        version = args.pop("version")
        problem = self._version_problem(version, endpoint)
        if problem is not None:
            return problem
        if not self._authorized(request):
            body = [{"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}]
            return _json(401, body, self._limit_header())
        if not self.org.consume_api_call():
            body = [{"message": DAILY_LIMIT_MESSAGE, "errorCode": "REQUEST_LIMIT_EXCEEDED"}]
            return _json(403, body, self._limit_header())
        handler: Callable[..., Response] = getattr(self, f"_{endpoint}")
        try:
            response = handler(request, version, **args)
        except RequestError as exc:
            response = _json(exc.status, exc.body())
        response.headers.update(self._limit_header())
        return response

    def _version_problem(self, version: str, endpoint: str) -> Response | None:
        if not _VERSION.match(version) or float(version) > MAX_VERSION or float(version) < 1:
            return _json(404, _NOT_FOUND, self._limit_header())
        number = float(version)
        if number <= RETIRED_UP_TO:
            body = [
                {
                    "errorCode": "API_VERSION_RETIRED",
                    "message": f"API version {version} is retired and no longer available.",
                }
            ]
            return _json(410, body)
        kind = None
        if endpoint in ("query_jobs", "query_job", "query_results"):
            kind = "query"
        elif endpoint.startswith("ingest_"):
            kind = "ingest"
        if kind is not None and number < _BULK_SINCE[kind]:
            return _json(404, _NOT_FOUND, self._limit_header())
        return None

    def _authorized(self, request: Request) -> bool:
        header = request.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        return scheme.lower() in ("bearer", "oauth") and self.org.token_valid(token.strip())

    def _limit_header(self) -> dict[str, str]:
        with self.org.lock:
            return {"Sforce-Limit-Info": f"api-usage={self.org.daily_used}/{self.org.daily_max}"}

    # --- REST handlers ---------------------------------------------------------------------

    def _userinfo(self, request: Request) -> Response:
        if not self._authorized(request):
            return Response("Bad_OAuth_Token", status=403, content_type="text/plain")
        with self.org.lock:
            user_id = self.org.api_user()
            user = self.org.get(user_id) or {}
        login = self.org.profile.login_host()
        return _json(
            200,
            {
                "sub": f"{login}/id/{ORG_ID}/{user_id}",
                "user_id": user_id,
                "organization_id": ORG_ID,
                "preferred_username": user.get("Username"),
                "name": user.get("Name"),
                "email": user.get("Email"),
                "email_verified": True,
                "given_name": user.get("FirstName"),
                "family_name": user.get("LastName"),
                "zoneinfo": "GMT",
                "active": True,
                "user_type": "STANDARD",
            },
        )

    def _tooling_query(self, request: Request, version: str) -> Response:
        text = request.args.get("q")
        if not text:
            raise RequestError(400, "MALFORMED_QUERY", "A query string has to be specified")
        with self.org.lock:
            return _json(200, tooling_query(self.org, text, version))

    def _tooling_create(self, request: Request, version: str, object_name: str) -> Response:
        if object_name != "CustomField":
            raise RequestError(404, "NOT_FOUND", "The requested resource does not exist")
        body = self._body(request)
        full_name, metadata = body.get("FullName"), body.get("Metadata")
        if not isinstance(full_name, str) or not isinstance(metadata, dict):
            raise RequestError(
                400, "REQUIRED_FIELD_MISSING", "Required fields are missing: [FullName, Metadata]"
            )
        with self.org.lock:
            field_id = self.org.access.create_field(full_name, metadata)
        return _json(
            201, {"id": field_id, "success": True, "errors": [], "warnings": [], "infos": []}
        )

    def _query_all(self, request: Request, version: str) -> Response:
        return self._query(request, version, all_rows=True)

    def _query(self, request: Request, version: str, *, all_rows: bool = False) -> Response:
        text = request.args.get("q")
        if not text:
            raise RequestError(400, "MALFORMED_QUERY", "A query string has to be specified")
        batch = DEFAULT_BATCH
        match = _BATCH.search(request.headers.get("Sforce-Query-Options", ""))
        if match:
            batch = min(max(int(match.group(1)), 200), DEFAULT_BATCH)
        with self.org.lock:
            compiled = compile_query(self.org, text, all_rows=all_rows)
            matches = compiled.matches()
            if compiled.query.count:
                return _json(200, {"totalSize": len(matches), "done": True, "records": []})
            rows = [compiled.to_json(r, version) for r in matches]
        if len(rows) <= batch:
            return _json(200, {"totalSize": len(rows), "done": True, "records": rows})
        locator = self.org.open_cursor(rows, batch)
        return _json(
            200,
            {
                "totalSize": len(rows),
                "done": False,
                "nextRecordsUrl": f"/services/data/v{version}/query/{locator}-{batch}",
                "records": rows[:batch],
            },
        )

    def _query_more(self, request: Request, version: str, locator: str) -> Response:
        cursor, _, offset_text = locator.rpartition("-")
        if not cursor or not offset_text.isdigit():
            raise RequestError(400, "INVALID_QUERY_LOCATOR", "invalid query locator")
        offset = int(offset_text)
        batch = self.org.batch_size_of(cursor)
        rows, total, done = self.org.read_cursor(cursor, offset)
        body: dict[str, Any] = {"totalSize": total, "done": done}
        if not done:
            body["nextRecordsUrl"] = f"/services/data/v{version}/query/{cursor}-{offset + batch}"
        body["records"] = rows
        return _json(200, body)

    def _limits(self, request: Request, version: str) -> Response:
        with self.org.lock:
            used, maximum = self.org.daily_used, self.org.daily_max
        return _json(
            200,
            {
                "DailyApiRequests": {"Max": maximum, "Remaining": max(maximum - used, 0)},
                "DailyBulkApiBatches": {"Max": 15000, "Remaining": 15000},
                "DailyBulkV2QueryJobs": {"Max": 10000, "Remaining": 10000},
                "DailyBulkV2QueryFileStorageMB": {"Max": 976562, "Remaining": 976562},
            },
        )

    def _describe(self, request: Request, version: str, object_name: str) -> Response:
        with self.org.lock:
            obj = next(
                (o for o in self.org.schema.values() if o.name.lower() == object_name.lower()), None
            )
            if obj is None:
                raise RequestError(404, "NOT_FOUND", "The requested resource does not exist")
            return _json(200, describe(obj))

    def _collections(self, request: Request, version: str) -> Response:
        raw = request.get_data(as_text=True)
        try:
            body = json.loads(raw)
        except ValueError as exc:
            raise RequestError(400, "JSON_PARSER_ERROR", f"Unexpected character: {exc}") from None
        records = body.get("records") if isinstance(body, dict) else None
        if not isinstance(records, list):
            raise RequestError(400, "JSON_PARSER_ERROR", "records is required")
        if len(records) > MAX_COLLECTION:
            raise RequestError(
                400,
                "EXCEEDED_ID_LIMIT",
                "record limit reached. cannot submit more than 200 records into this call",
            )
        all_or_none = bool(body.get("allOrNone", False))
        creating = request.method == "POST"
        with self.org.lock:
            parsed = [self._parse_record(r, raw) for r in records]
            txn = Transaction()
            results: list[dict[str, Any]] = []
            for object_name, record_id, values in parsed:
                results.append(self._save(object_name, record_id, values, creating, txn))
            if all_or_none and any(not r["success"] for r in results):
                self.org.rollback(txn)
                rolled = {
                    "statusCode": "ALL_OR_NONE_OPERATION_ROLLED_BACK",
                    "message": "Record rolled back because not all records were valid and the request was using AllOrNone header",  # noqa: E501
                    "fields": [],
                }
                results = [
                    r if not r["success"] else {"success": False, "errors": [rolled]}
                    for r in results
                ]
        return _json(200, results)

    def _parse_record(self, record: object, raw: str) -> tuple[str, object, dict[str, Stored]]:
        if not isinstance(record, dict):
            raise RequestError(400, "JSON_PARSER_ERROR", "Each record must be a JSON object")
        attributes = record.get("attributes")
        type_name = attributes.get("type") if isinstance(attributes, dict) else None
        if not isinstance(type_name, str):
            raise RequestError(400, "INVALID_TYPE", "Must send a concrete entity type.")
        obj = next(
            (o for o in self.org.schema.values() if o.name.lower() == type_name.lower()), None
        )
        if obj is None:
            raise RequestError(400, "INVALID_TYPE", f"sObject type '{type_name}' is not supported.")
        values: dict[str, Stored] = {}
        record_id: object = None
        for key, value in record.items():
            if key == "attributes":
                continue
            if key.lower() == "id":
                record_id = value
                continue
            f = obj.field(key)
            if f is None:
                raise RequestError(
                    400, "INVALID_FIELD", f"No such column '{key}' on sobject of type {obj.name}"
                )
            try:
                values[f.name] = from_json(f, value)
            except ValueProblemError as problem:
                needle = f'"{key}"'
                column = raw.find(needle) + len(needle) + 2 if needle in raw else 1
                raise RequestError(
                    400, "JSON_PARSER_ERROR", problem.parser_message(column)
                ) from None
        return obj.name, record_id, values

    def _save(
        self,
        object_name: str,
        record_id: object,
        values: dict[str, Stored],
        creating: bool,
        txn: Transaction,
    ) -> dict[str, Any]:
        try:
            if creating:
                if record_id is not None:
                    raise RecordError(
                        "INVALID_FIELD", "cannot specify Id in an insert call", ["Id"]
                    )
                new_id = self.org.create(object_name, values, txn=txn)
            else:
                new_id = self.org.update(record_id, values, object_name=object_name, txn=txn)
        except RecordError as exc:
            return {"success": False, "errors": exc.errors}
        return {"id": new_id, "success": True, "errors": []}

    def _sobject_create(self, request: Request, version: str, object_name: str) -> Response:
        raw = request.get_data(as_text=True)
        try:
            body = json.loads(raw)
        except ValueError as exc:
            raise RequestError(400, "JSON_PARSER_ERROR", f"Unexpected character: {exc}") from None
        if not isinstance(body, dict):
            raise RequestError(400, "JSON_PARSER_ERROR", "Expected a JSON object")
        with self.org.lock:
            name, _, values = self._parse_record({**body, "attributes": {"type": object_name}}, raw)
            result = self._save(name, None, values, True, Transaction())
        return _json(201 if result["success"] else 400, result if result["success"] else
                     result["errors"])  # fmt: skip

    def _sobject_row(
        self, request: Request, version: str, object_name: str, record_id: str
    ) -> Response:
        with self.org.lock:
            found = self.org.resolve(record_id)
            obj = next(
                (o for o in self.org.schema.values() if o.name.lower() == object_name.lower()), None
            )
            if found is None or obj is None or found[0] != obj.name:
                raise RequestError(404, "NOT_FOUND", "The requested resource does not exist")
            if request.method == "GET":
                record = found[1]
                out: dict[str, Any] = {
                    "attributes": {
                        "type": obj.name,
                        "url": f"/services/data/v{version}/sobjects/{obj.name}/{record['Id']}",
                    }
                }
                for f in obj.fields.values():
                    out[f.name] = to_json(f, record.get(f.name))
                return _json(200, out)
            raw = request.get_data(as_text=True)
            try:
                body = json.loads(raw)
            except ValueError as exc:
                raise RequestError(
                    400, "JSON_PARSER_ERROR", f"Unexpected character: {exc}"
                ) from None
            if not isinstance(body, dict):
                raise RequestError(400, "JSON_PARSER_ERROR", "Expected a JSON object")
            name, _, values = self._parse_record({**body, "attributes": {"type": obj.name}}, raw)
            result = self._save(name, found[1]["Id"], values, False, Transaction())
        if not result["success"]:
            return _json(400, result["errors"])
        return Response(status=204)

    # --- Bulk API 2.0 handlers ---------------------------------------------------------------

    def _body(self, request: Request) -> dict[str, Any]:
        try:
            body = json.loads(request.get_data(as_text=True) or "{}")
        except ValueError as exc:
            raise RequestError(400, "JSON_PARSER_ERROR", f"Unexpected character: {exc}") from None
        if not isinstance(body, dict):
            raise RequestError(400, "JSON_PARSER_ERROR", "Expected a JSON object")
        return body

    def _job_response(self, request: Request, job: Job, *, details: bool) -> Response:
        return _json(200, job.details() if details else job.info())

    def _query_jobs(self, request: Request, version: str) -> Response:
        job = self.bulk.create_query(self._body(request), version)
        return self._job_response(request, job, details=False)

    def _query_job(self, request: Request, version: str, job_id: str) -> Response:
        job = self.bulk.job(job_id, "query")
        if request.method == "GET":
            return self._job_response(request, self.bulk.poll(job), details=True)
        if request.method == "DELETE":
            self.bulk.delete(job)
            return Response(status=204)
        return self._job_response(
            request, self.bulk.set_state(job, self._body(request).get("state")), details=False
        )

    def _query_results(self, request: Request, version: str, job_id: str) -> Response:
        job = self.bulk.job(job_id, "query")
        max_records = request.args.get("maxRecords", type=int)
        text, locator, count = self.bulk.results(job, max_records, request.args.get("locator"))
        headers = {"Sforce-Locator": locator, "Sforce-NumberOfRecords": str(count)}
        return Response(text, status=200, headers=headers, content_type="text/csv;charset=UTF-8")

    def _ingest_jobs(self, request: Request, version: str) -> Response:
        job = self.bulk.create_ingest(self._body(request), version)
        return self._job_response(request, job, details=False)

    def _ingest_job(self, request: Request, version: str, job_id: str) -> Response:
        job = self.bulk.job(job_id, "ingest")
        if request.method == "GET":
            return self._job_response(request, self.bulk.poll(job), details=True)
        if request.method == "DELETE":
            self.bulk.delete(job)
            return Response(status=204)
        return self._job_response(
            request, self.bulk.set_state(job, self._body(request).get("state")), details=False
        )

    def _ingest_batches(self, request: Request, version: str, job_id: str) -> Response:
        job = self.bulk.job(job_id, "ingest")
        self.bulk.upload(job, request.get_data(as_text=True))
        return Response(status=201)

    def _ingest_results(self, request: Request, version: str, job_id: str, kind: str) -> Response:
        job = self.bulk.job(job_id, "ingest")
        text = self.bulk.ingest_results(job, kind)
        return Response(text, status=200, content_type="text/csv;charset=UTF-8")
