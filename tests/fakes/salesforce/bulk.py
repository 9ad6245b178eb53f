"""Bulk API 2.0 query and ingest jobs of the fake org. No I/O.

Follows the Bulk API 2.0 Developer Guide (https://developer.salesforce.com/docs/atlas.en-us.api_asynch.meta/api_asynch/):
"Create a Query Job", "Get Information About a Query Job", "Get Results for a Query Job"
(``?maxRecords=N&locator=L``, headers ``Sforce-Locator`` — ``null`` on the last set — and
``Sforce-NumberOfRecords``), "Create a Job", "Upload Job Data" (``PUT .../batches``, 201, one upload
per job: a second one answers "Found multiple contents for job"), "Upload Complete", "Get Job Info",
"Get Job Successful/Failed/Unprocessed Record Results" (CSV with ``sf__Id``, ``sf__Created`` /
``sf__Error`` and the uploaded columns), "Job States" (Open, UploadComplete, InProgress,
JobComplete, Failed, Aborted) and "Valid CSV Record Rows" (empty cell = unchanged, ``#N/A`` = null).

Jobs run when their state is read: a query job in ``UploadComplete`` (an ingest job after
``UploadComplete``) reports ``InProgress`` for :attr:`Bulk.polls_before_complete` status reads,
then runs and reports ``JobComplete`` (or ``Failed`` when a CSV column is not a field:
"InvalidBatch : Field name not found : X", as real jobs report). Row failures read like real ones,
``UNABLE_TO_LOCK_ROW:unable to obtain exclusive access to this record or 1 records: 001...:--``.
Aggregate queries (``COUNT()``) are refused at creation ("Aggregate Functions such as COUNT()" are
not supported by Bulk API 2.0 query; the fake answers 400 ``API_ERROR``, exact text unverified).
Query results locators are the base64 of the row offset, like real ones.

An upload larger than "150 MB of base64 encoded content" ("Upload Job Data": "To account for the
base64 conversion increase, upload data that does not exceed 100 MB",
https://developer.salesforce.com/docs/platform/api-asynch/guide/upload-job-data.html) is refused:
400 ``ClientInputError`` (a code the Bulk API error list documents for client input; status and
text assumed); :attr:`Bulk.max_upload_base64` holds the limit. A ``queryAll`` query job includes
archived activities, a ``query`` job leaves them out (:mod:`.activities`).
"""

from __future__ import annotations

import base64
import csv
import io
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from .soql import Compiled, compile_query
from .state import Org, RecordError, RequestError, Transaction, make_id
from .values import Stored, ValueProblemError, format_datetime, from_csv

__all__ = ["Bulk", "Job"]

_DELIMITERS = {
    "COMMA": ",",
    "TAB": "\t",
    "PIPE": "|",
    "SEMICOLON": ";",
    "CARET": "^",
    "BACKQUOTE": "`",
}
_ENDINGS = {"LF": "\n", "CRLF": "\r\n"}
_TERMINAL = {"JobComplete", "Failed", "Aborted"}


def _not_found() -> RequestError:
    return RequestError(404, "NOT_FOUND", "The requested resource does not exist")


def _state_error(message: str) -> RequestError:
    return RequestError(400, "INVALIDJOBSTATE", message)


@dataclass
class Job:
    """One Bulk API 2.0 job."""

    id: str
    kind: str  # query / ingest
    operation: str
    object: str
    state: str
    created: datetime
    api_version: str
    created_by: str
    line_ending: str = "LF"
    delimiter: str = "COMMA"
    compiled: Compiled | None = None
    upload: str | None = None
    polls: int = 0
    error_message: str | None = None
    header: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)
    successful: list[list[str]] = field(default_factory=list)
    failed: list[list[str]] = field(default_factory=list)
    unprocessed: list[list[str]] = field(default_factory=list)
    modstamp: datetime | None = None

    def info(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "id": self.id,
            "operation": self.operation,
            "object": self.object,
            "createdById": self.created_by,
            "createdDate": format_datetime(self.created),
            "systemModstamp": format_datetime(self.modstamp or self.created),
            "state": self.state,
            "concurrencyMode": "Parallel",
            "contentType": "CSV",
            "apiVersion": float(self.api_version),
            "lineEnding": self.line_ending,
            "columnDelimiter": self.delimiter,
        }
        if self.kind == "ingest" and self.state == "Open":
            body["contentUrl"] = f"services/data/v{self.api_version}/jobs/ingest/{self.id}/batches"
        return body

    def details(self) -> dict[str, Any]:
        body = self.info()
        if self.kind == "query":
            body.update(jobType="V2Query", numberRecordsProcessed=len(self.rows), retries=0)
        else:
            body.update(
                jobType="V2Ingest",
                numberRecordsProcessed=len(self.successful) + len(self.failed),
                numberRecordsFailed=len(self.failed),
                retries=0,
                apiActiveProcessingTime=0,
                apexProcessingTime=0,
            )
        body["totalProcessingTime"] = 0
        if self.error_message:
            body["errorMessage"] = self.error_message
        return body


class Bulk:
    """The org's Bulk API 2.0 jobs (``fake.bulk``)."""

    def __init__(self, org: Org) -> None:
        self.org = org
        self.jobs: dict[str, Job] = {}
        self.polls_before_complete = 0
        #: The largest upload, measured as base64 ("does not in total exceed 150 MB of base64
        #: encoded content", about 100 MB of CSV); tests set a small value.
        self.max_upload_base64 = 150 * 1024 * 1024
        self._lock = threading.RLock()
        self._counter = 0

    def _new(self, **kwargs: Any) -> Job:
        with self._lock:
            self._counter += 1
            now = datetime.fromtimestamp(self.org.clock(), UTC)
            job = Job(
                make_id("750", self._counter), created=now, created_by=self.org.api_user(), **kwargs
            )
            self.jobs[job.id] = job
            return job

    def job(self, job_id: str, kind: str) -> Job:
        with self._lock:
            job = self.jobs.get(job_id)
            if job is None or job.kind != kind:
                raise _not_found()
            return job

    # --- query jobs ---------------------------------------------------------------------------

    def create_query(self, body: dict[str, Any], version: str) -> Job:
        operation = body.get("operation")
        text = body.get("query")
        if operation not in ("query", "queryAll") or not isinstance(text, str):
            raise RequestError(
                400,
                "INVALIDJOB",
                "InvalidJob : operation must be query or queryAll and query is required",
            )
        with self.org.lock:
            compiled = compile_query(self.org, text, all_rows=operation == "queryAll")
        if compiled.query.count:
            raise RequestError(
                400,
                "API_ERROR",
                "Aggregate functions such as COUNT() are not supported by Bulk API 2.0 query",
            )
        return self._new(
            kind="query",
            operation=operation,
            object=compiled.object_name,
            state="UploadComplete",
            api_version=version,
            compiled=compiled,
            line_ending=str(body.get("lineEnding", "LF")),
            delimiter=str(body.get("columnDelimiter", "COMMA")),
        )

    def poll(self, job: Job) -> Job:
        """Advance the state machine one status read."""
        with self._lock:
            if job.state in ("UploadComplete", "InProgress"):
                if job.polls < self.polls_before_complete:
                    job.polls += 1
                    job.state = "InProgress"
                else:
                    self._run(job)
                job.modstamp = datetime.fromtimestamp(self.org.clock(), UTC)
            return job

    def _run(self, job: Job) -> None:
        if job.kind == "query":
            assert job.compiled is not None
            with self.org.lock:
                job.header = job.compiled.csv_header()
                job.rows = [job.compiled.to_csv(r) for r in job.compiled.matches()]
            job.state = "JobComplete"
        else:
            self._ingest(job)

    def results(
        self, job: Job, max_records: int | None, locator: str | None
    ) -> tuple[str, str, int]:
        """``(csv text, next locator or "null", number of records)`` of one result set."""
        if job.state != "JobComplete":
            raise _state_error(f"Job {job.id} is not complete: {job.state}")
        offset = 0
        if locator:
            try:
                offset = int(base64.b64decode(locator + "=" * (-len(locator) % 4)).decode())
            except ValueError:
                raise RequestError(400, "INVALID_QUERY_LOCATOR", "invalid query locator") from None
            if not 0 < offset <= len(job.rows):
                raise RequestError(400, "INVALID_QUERY_LOCATOR", "invalid query locator")
        size = max_records if max_records and max_records > 0 else len(job.rows) or 1
        page = job.rows[offset : offset + size]
        end = offset + len(page)
        following = (
            base64.b64encode(str(end).encode()).decode().rstrip("=")
            if end < len(job.rows)
            else "null"
        )
        return self._csv(job, job.header, page), following, len(page)

    def _csv(self, job: Job, header: list[str], rows: list[list[str]]) -> str:
        out = io.StringIO()
        writer = csv.writer(
            out,
            delimiter=_DELIMITERS.get(job.delimiter, ","),
            lineterminator=_ENDINGS.get(job.line_ending, "\n"),
            quoting=csv.QUOTE_ALL,
        )
        writer.writerow(header)
        writer.writerows(rows)
        return out.getvalue()

    # --- ingest jobs --------------------------------------------------------------------------

    def create_ingest(self, body: dict[str, Any], version: str) -> Job:
        operation = body.get("operation")
        object_name = str(body.get("object", ""))
        obj = next(
            (o for o in self.org.schema.values() if o.name.lower() == object_name.lower()), None
        )
        if obj is None:
            raise RequestError(400, "INVALIDJOB", f"InvalidJob : Invalid object: {object_name}")
        if operation not in ("insert", "update"):
            raise RequestError(
                400,
                "INVALIDJOB",
                f"InvalidJob : operation {operation!r} is not supported by the fake Salesforce",
            )
        if body.get("contentType", "CSV") != "CSV":
            raise RequestError(400, "INVALIDJOB", "InvalidJob : contentType must be CSV")
        return self._new(
            kind="ingest",
            operation=operation,
            object=obj.name,
            state="Open",
            api_version=version,
            line_ending=str(body.get("lineEnding", "LF")),
            delimiter=str(body.get("columnDelimiter", "COMMA")),
        )

    def upload(self, job: Job, data: str) -> None:
        encoded = 4 * -(-len(data.encode("utf-8")) // 3)  # base64 length of the upload
        if encoded > self.max_upload_base64:
            raise RequestError(
                400,
                "ClientInputError",
                f"Upload too large: {encoded} bytes of base64 content, the limit is "
                f"{self.max_upload_base64}",
            )
        with self._lock:
            if job.state != "Open":
                raise _state_error(f"Job {job.id} is not open for uploads: {job.state}")
            if job.upload is not None:
                raise _state_error(
                    f"Found multiple contents for job: <{job.id}>, please 'Close' / 'Abort' / "
                    "'Delete' the current Job then create a new Job and make sure you only do "
                    "'PUT' once on a given Job."
                )
            job.upload = data

    def set_state(self, job: Job, state: object) -> Job:
        with self._lock:
            if state == "Aborted" and job.state not in _TERMINAL:
                job.state = "Aborted"
            elif state == "UploadComplete" and job.kind == "ingest" and job.state == "Open":
                job.state = "UploadComplete"
            else:
                raise _state_error(
                    f"Cannot change state of job {job.id} from {job.state} to {state}"
                )
            job.modstamp = datetime.fromtimestamp(self.org.clock(), UTC)
            return job

    def delete(self, job: Job) -> None:
        with self._lock:
            if job.state not in _TERMINAL and job.state != "UploadComplete":
                raise _state_error(f"Job {job.id} cannot be deleted in state {job.state}")
            del self.jobs[job.id]

    def _ingest(self, job: Job) -> None:
        reader = csv.reader(
            io.StringIO(job.upload or ""), delimiter=_DELIMITERS.get(job.delimiter, ",")
        )
        table = [row for row in reader if row]
        if not table:
            job.state = "JobComplete"
            return
        header, rows = table[0], table[1:]
        obj = self.org.schema[job.object]
        names: list[str] = []
        for column in header:
            f = obj.field(column)
            if f is None:
                job.header, job.unprocessed = header, rows
                job.state = "Failed"
                job.error_message = f"InvalidBatch : Field name not found : {column}"
                return
            names.append(f.name)
        job.header = header
        txn = Transaction()
        for row in rows:
            cells = row + [""] * (len(header) - len(row))
            try:
                record_id, created = self._save(job, names, cells, txn)
            except RecordError as exc:
                error = exc.errors[0]
                fields = ",".join(error["fields"])
                given = cells[names.index("Id")] if "Id" in names else ""
                job.failed.append(
                    [given, f"{error['statusCode']}:{error['message']}:{fields}--", *cells]
                )
                continue
            job.successful.append([record_id, "true" if created else "false", *cells])
        job.state = "JobComplete"

    def _save(
        self, job: Job, names: list[str], cells: list[str], txn: Transaction
    ) -> tuple[str, bool]:
        obj = self.org.schema[job.object]
        values: dict[str, Stored] = {}
        record_id: str | None = None
        for column, (name, text) in enumerate(zip(names, cells, strict=False), start=1):
            if name == "Id":
                record_id = text
                continue
            if text == "":
                continue
            try:
                values[name] = from_csv(obj.fields[name], text)
            except ValueProblemError as problem:
                raise RecordError(
                    "INVALID_FIELD",
                    f"Failed to deserialize field at col {column}. Due to, '{text}' is not a valid "
                    f"value for the type {problem.field.soap_type}",
                    [name],
                ) from None
        with self.org.lock:
            if job.operation == "insert":
                if record_id:
                    raise RecordError(
                        "INVALID_FIELD", "cannot specify Id in an insert call", ["Id"]
                    )
                return self.org.create(job.object, values, txn=txn), True
            return self.org.update(record_id, values, object_name=job.object, txn=txn), False

    def ingest_results(self, job: Job, kind: str) -> str:
        """The CSV of ``successfulResults``, ``failedResults`` or ``unprocessedRecords``."""
        if job.state not in _TERMINAL:
            raise _state_error(f"Job {job.id} is not complete: {job.state}")
        header = job.header
        out = io.StringIO()
        ending = _ENDINGS.get(job.line_ending, "\n")
        writer = csv.writer(out, lineterminator=ending, quoting=csv.QUOTE_ALL)
        lowered = kind.lower()
        if lowered == "successfulresults":
            out.write(",".join(['"sf__Id"', '"sf__Created"', *header]) + ending)
            writer.writerows(job.successful)
        elif lowered == "failedresults":
            out.write(",".join(['"sf__Id"', '"sf__Error"', *header]) + ending)
            writer.writerows(job.failed)
        elif lowered == "unprocessedrecords":
            out.write(",".join(header) + ending)
            writer.writerows(job.unprocessed)
        else:
            raise _not_found()
        return out.getvalue()
