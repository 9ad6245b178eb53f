"""Bulk API 2.0 query and ingest jobs for large volumes. Does I/O (through ``SalesforceHttp``).

simple-salesforce has a Bulk 2.0 handler, but it polls with its own ``time.sleep`` and retries
nothing per request; here every request of the job flow goes through the connector's retry
layer and every wait through the injected ``sleep``.

Query ("Bulk API 2.0 Query", https://developer.salesforce.com/docs/atlas.en-us.238.0.api_asynch.meta/api_asynch/queries.htm;
"Get Results for a Query Job", https://developer.salesforce.com/docs/platform/api-asynch/guide/query-get-job-results.html):
``POST jobs/query {"operation": "query", "query"}``, ``GET jobs/query/<id>`` until
``JobComplete``, then ``GET jobs/query/<id>/results?maxRecords=N[&locator=L]`` as CSV; the
``Sforce-Locator`` header names the next set and is the string ``null`` after the last one.
Child-to-parent relationship fields are supported; aggregates are not.

Ingest ("Bulk API 2.0 Ingest", https://developer.salesforce.com/docs/platform/api-asynch/guide/bulk-api-2-0-ingest.html):
``POST jobs/ingest {"object", "operation", "contentType": "CSV", "lineEnding": "LF"}``,
``PUT jobs/ingest/<id>/batches`` with the CSV, ``PATCH jobs/ingest/<id> {"state":
"UploadComplete"}`` ("Upload Complete", https://developer.salesforce.com/docs/platform/api-asynch/guide/close-job.html),
``GET jobs/ingest/<id>`` until ``JobComplete``, then ``successfulResults/`` and
``failedResults/`` (CSV with ``sf__Id``, ``sf__Created`` / ``sf__Error`` and the uploaded columns,
in no guaranteed order: "Get Job Failed Record Results",
https://developer.salesforce.com/docs/platform/api-asynch/guide/get-job-failed-results.html).
In an update an empty cell leaves the field as it is; ``#N/A`` sets it to null ("Valid CSV
Record Rows", https://developer.salesforce.com/docs/atlas.en-us.264.0.api_asynch.meta/api_asynch/datafiles_csv_valid_record_rows.htm).
One upload may hold at most 150 MB ("Maximum file size. 150 MB", "Limits and Allocations",
Bulk API 2.0 Developer Guide, https://developer.salesforce.com/docs/atlas.en-us.228.0.api_bulk_v2.meta/api_bulk_v2/bulk_api_2_limits.htm;
measured on the base64-encoded upload, which is about 100 MB of CSV),
so rows go in as many jobs as needed of at most :data:`MAX_UPLOAD_BYTES` each.
"""

from __future__ import annotations

import csv
import io
import logging
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from crm_accounts.errors import FatalConnectorError
from crm_accounts.logs import log_event

from .http import LOGGER, SalesforceHttp
from .mapping import nest

__all__ = [
    "BULK_INGEST_CALLS",
    "MAX_UPLOAD_BYTES",
    "NULL_CELL",
    "BulkClient",
    "IngestResult",
    "split_upload",
]

#: The value that sets a field to null in a Bulk API 2.0 update.
NULL_CELL = "#N/A"
#: Calls one ingest job costs at least: create, upload, close, one poll, two result files.
BULK_INGEST_CALLS = 6
#: Bytes of CSV per ingest job: below 100 MB, under the 150 MB file limit even base64-encoded.
MAX_UPLOAD_BYTES = 95_000_000
#: Records per results request of a query job.
RESULTS_PAGE = 50_000
_DONE = "JobComplete"
_FAILED = frozenset({"Failed", "Aborted"})


@dataclass
class IngestResult:
    """Rows of the successful and failed result files (``sf__*`` columns plus the upload's)."""

    succeeded: list[dict[str, str]] = field(default_factory=list)
    failed: list[dict[str, str]] = field(default_factory=list)


def _rows(text: str) -> Iterator[dict[str, str]]:
    yield from csv.DictReader(io.StringIO(text, newline=""))


def to_csv(columns: Sequence[str], rows: Sequence[Mapping[str, str]]) -> bytes:
    """A CSV upload: header, then one line per row, LF line endings, minimal quoting."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([row.get(column, "") for column in columns])
    return buffer.getvalue().encode("utf-8")


def split_upload(
    columns: Sequence[str], rows: Sequence[Mapping[str, str]], limit: int
) -> list[bytes]:
    """``rows`` as CSV uploads of at most ``limit`` bytes each (header repeated in each).

    Raises:
        FatalConnectorError: a single row does not fit in ``limit`` bytes.
    """
    header = to_csv(columns, [])
    uploads: list[bytes] = []
    current: list[bytes] = []
    size = len(header)
    for row in rows:
        line = to_csv(columns, [row])[len(header) :]
        if len(header) + len(line) > limit:
            raise FatalConnectorError(f"a bulk row of {len(line)} bytes exceeds the upload limit")
        if size + len(line) > limit:
            uploads.append(header + b"".join(current))
            current, size = [], len(header)
        current.append(line)
        size += len(line)
    if current or not uploads:
        uploads.append(header + b"".join(current))
    return uploads


class BulkClient:
    """Runs Bulk API 2.0 jobs; polls with exponential waits up to ``poll_seconds`` in total."""

    def __init__(
        self,
        http: SalesforceHttp,
        *,
        poll_seconds: float = 3600.0,
        max_upload_bytes: int = MAX_UPLOAD_BYTES,
    ) -> None:
        self.http = http
        self.poll_seconds = poll_seconds
        self.max_upload_bytes = max_upload_bytes

    def _wait(self, kind: str, path: str) -> Mapping[str, Any]:
        waited, delay = 0.0, 1.0
        while True:
            info: Mapping[str, Any] = self.http.rest(kind, path) or {}
            state = info.get("state")
            if state == _DONE:
                return info
            if state in _FAILED:
                raise FatalConnectorError(
                    f"Salesforce bulk job {path} ended {state}: {info.get('errorMessage') or ''}"
                )
            if waited >= self.poll_seconds:
                raise FatalConnectorError(
                    f"Salesforce bulk job {path} still {state} after {waited:.0f}s; giving up"
                )
            log_event(LOGGER, "salesforce.bulk_wait", f"bulk job {path} is {state}; waiting",
                      logging.DEBUG, seconds=delay)  # fmt: skip
            self.http.sleep(delay)
            waited += delay
            delay = min(delay * 2, 30.0)

    def query(self, soql: str, *, all_rows: bool = False) -> Iterator[dict[str, Any]]:
        """The records of ``soql`` as REST-shaped dicts (see :func:`.mapping.nest`), lazily;
        ``all_rows`` runs a ``queryAll`` job (archived and deleted records included)."""
        operation = "queryAll" if all_rows else "query"
        job = self.http.rest(
            "bulk_query_create", "jobs/query", "POST", body={"operation": operation, "query": soql}
        )
        job_id = str(job["id"])
        log_event(LOGGER, "salesforce.bulk_query", f"bulk query job {job_id} created")
        self._wait("bulk_query_poll", f"jobs/query/{job_id}")
        locator: str | None = None
        seen: set[str] = set()
        while True:
            params = {"maxRecords": str(RESULTS_PAGE)}
            if locator:
                params["locator"] = locator
            response = self.http.raw(
                "bulk_query_results", "GET", f"jobs/query/{job_id}/results", params=params
            )
            for row in _rows(response.content.decode("utf-8")):
                yield nest(row)
            locator = response.headers.get("Sforce-Locator")
            if not locator or locator == "null":
                return
            if locator in seen:
                raise FatalConnectorError(
                    f"Salesforce bulk query {job_id} repeated the locator {locator!r}"
                )
            seen.add(locator)

    def ingest(
        self,
        obj: str,
        operation: str,
        columns: Sequence[str],
        rows: Sequence[Mapping[str, str]],
    ) -> IngestResult:
        """Upload ``rows`` in ``insert`` or ``update`` jobs of at most ``max_upload_bytes`` and
        read both result files of each."""
        result = IngestResult()
        for data in split_upload(columns, rows, self.max_upload_bytes):
            self._ingest_one(obj, operation, data, result)
        return result

    def _ingest_one(self, obj: str, operation: str, data: bytes, result: IngestResult) -> None:
        job = self.http.rest(
            "bulk_ingest_create",
            "jobs/ingest",
            "POST",
            body={"object": obj, "operation": operation, "contentType": "CSV", "lineEnding": "LF"},
        )
        job_id = str(job["id"])
        path = f"jobs/ingest/{job_id}"
        log_event(LOGGER, "salesforce.bulk_ingest", f"bulk {operation} job {job_id} for {obj}",
                  bytes=len(data))  # fmt: skip
        self.http.raw(
            "bulk_ingest_upload",
            "PUT",
            f"{path}/batches",
            data=data,
            content_type="text/csv",
            idempotent=operation == "update",
        )
        self.http.rest("bulk_ingest_close", path, "PATCH", body={"state": "UploadComplete"})
        self._wait("bulk_ingest_poll", path)
        for name, target in (("successfulResults", result.succeeded),
                             ("failedResults", result.failed)):  # fmt: skip
            response = self.http.raw("bulk_ingest_results", "GET", f"{path}/{name}/")
            target.extend(_rows(response.content.decode("utf-8")))
