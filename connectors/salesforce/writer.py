"""The write side of the Salesforce connector: the ``Writer`` port. Does I/O.

Target fields and tasks go through sObject Collections, up to 200 records per request with
``allOrNone: false``; the answer is one SaveResult per record, in request order, so each
result maps back to its account or task key ("Update Records Using sObject Collections",
https://developer.salesforce.com/docs/platform/api-rest/guide/resources-composite-sobjects-collections-update.html;
"Create Records Using sObject Collections",
https://developer.salesforce.com/docs/platform/api-rest/guide/resources-composite-sobjects-collections-create.html).
A JSON ``null`` clears a field (the REST form of ``fieldsToNull``: "Core Data Types Used in API
Calls", https://developer.salesforce.com/docs/atlas.en-us.240.0.api.meta/api/sforce_api_calls_concepts_core_data_objects.htm).
Above ``bulk_ingest_threshold`` records of one kind, one Bulk API 2.0 ingest job is used.
Collections of one kind go out ``max_workers`` at a time (default 4): Salesforce sets no limit
on concurrent requests shorter than 20 seconds, and allows 25 longer ones per production org, 5
per Developer Edition org ("API Request Limits and Allocations",
https://developer.salesforce.com/docs/platform/salesforce-app-limits-cheatsheet/guide/salesforce-app-limits-platform-api.html),
so at most 5 is allowed here. Outcomes are reported in input order whatever order they came in.

Per-record outcomes:

* refused before sending, like :mod:`crm_accounts.memory`: a field the product does not own,
  an account the read did not return, a task that is not an open task of ours, an empty key;
* ``UNABLE_TO_LOCK_ROW`` (another transaction holds the row): only those records are sent
  again, at most ``max_attempts`` rounds, with a logged, jittered wait;
* any other per-record error: a failed :class:`WriteResult` with Salesforce's code and message;
* a create whose request may have reached Salesforce before failing is reported failed, not
  resent: the next sync finds the task by its key if it exists;
* a create refused with ``DUPLICATE_VALUE`` because a *closed* task (completed by a rep) still
  holds the unique key: that task's key is retired (:mod:`.tasks`) and the create sent once more.
  An *open* holder is a task of ours made meanwhile (another run): the create stays refused.

New tasks get the org's default open Task Status; closing uses the org's closing status
(:class:`~.org.OrgFacts`) and retires the key, so a closed task is never read back as open or as
a contact moment and is never closed again.

Several updates of one account in one call are merged in order into one record. Values of
target fields that are number fields in the org (one describe of Account per connector) are sent
as JSON numbers; a value that is not a number is refused for that account alone, before sending,
because a value that does not deserialize fails the whole request.
"""

from __future__ import annotations

import logging
import math
import random
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from crm_accounts.config import SalesforceSection
from crm_accounts.connectors.retry import map_ordered
from crm_accounts.errors import FatalConnectorError
from crm_accounts.logs import log_event
from crm_accounts.ports import (
    FieldUpdate,
    TargetField,
    TaskClose,
    TaskDraft,
    TaskUpdate,
    WriteResult,
)
from crm_accounts.progress import SILENT, Progress

from . import soql
from .bulk import BULK_INGEST_CALLS, NULL_CELL, BulkClient
from .http import LOGGER, ApiError, OutcomeUnknownError, SalesforceHttp
from .mapping import NUMERIC_TARGETS, as_text, field_update_record, number_value
from .org import OrgFacts
from .source import SharedState
from .tasks import (
    key_state,
    retire_record,
    split_marker,
    task_close_record,
    task_create_record,
    task_record,
    task_update_record,
)

__all__ = ["COLLECTION_SIZE", "SalesforceWriter", "estimate_calls"]

#: Records per sObject Collections request (the documented maximum).
COLLECTION_SIZE = 200
_TARGETS = frozenset(t.value for t in TargetField)
_LOCKED = "UNABLE_TO_LOCK_ROW"
_DUPLICATE = "DUPLICATE_VALUE"
_NOT_OURS = "no open task of ours"
_UNKNOWN_ACCOUNT = "unknown account"
_WRITING_FIELDS = "writing Account fields"
_SALESFORCE_ID = re.compile(r"[A-Za-z0-9]{15}(?:[A-Za-z0-9]{3})?")
_NUMBER_TYPES = frozenset({"double", "currency", "percent", "int", "long"})


def estimate_calls(records: int, bulk_threshold: int) -> int:
    """API calls ``records`` writes of one kind cost: one per 200, or one bulk job."""
    if records <= 0:
        return 0
    if records > bulk_threshold:
        return BULK_INGEST_CALLS
    return math.ceil(records / COLLECTION_SIZE)


@dataclass
class _Outcome:
    ok: bool = False
    crm_id: str | None = None
    error: str | None = "not sent"


def _errors_text(errors: Sequence[Mapping[str, Any]]) -> str:
    parts = []
    for error in errors:
        fields = error.get("fields") or []
        where = f" ({', '.join(map(str, fields))})" if fields else ""
        parts.append(f"{error.get('statusCode', '')}: {error.get('message', '')}{where}")
    return "; ".join(parts) or "refused without an error message"


class SalesforceWriter:
    """Implements :class:`~crm_accounts.ports.Writer` for one org."""

    def __init__(
        self,
        http: SalesforceHttp,
        bulk: BulkClient,
        section: SalesforceSection,
        fields: soql.QueryFields,
        state: SharedState,
        org: OrgFacts,
        *,
        random_fraction: Callable[[], float] = random.random,
    ) -> None:
        self.http = http
        self.bulk = bulk
        self.section = section
        self.fields = fields
        self.state = state
        self.org = org
        self.target_fields = dict(fields.targets)
        self.random_fraction = random_fraction
        self._numeric: frozenset[str] | None = None
        #: Told what each write sends and how many records went so far.
        self.progress: Progress = SILENT

    # -- preflight -----------------------------------------------------------------------------

    def preflight(self, writes: Mapping[str, int]) -> None:
        """Refuse to start when the writes would eat into the reserved API allowance.

        Raises:
            FatalConnectorError: estimated calls > remaining allowance - ``api_reserve``.
        """
        threshold = self.section.bulk_ingest_threshold
        estimate = sum(estimate_calls(n, threshold) for n in writes.values())
        checks = sum(writes.get(kind, 0) for kind in ("update", "close"))
        if checks and self.state.open_tasks is None:
            estimate += math.ceil(checks / soql.IDS_PER_QUERY)
        if writes.get("fields") and self._numeric is None:
            estimate += 1  # one describe of Account for the target field types
        if estimate == 0:
            return
        remaining = self.http.remaining_allowance()
        usable = remaining - self.section.api_reserve
        log_event(
            LOGGER,
            "salesforce.preflight",
            f"writes need about {estimate} API calls; {remaining} remain today",
            estimate=estimate,
            remaining=remaining,
            reserve=self.section.api_reserve,
        )
        if estimate > usable:
            raise FatalConnectorError(
                f"the sync needs about {estimate} Salesforce API calls for "
                f"{dict(writes)} but only {remaining} remain today and [salesforce] api_reserve "
                f"keeps {self.section.api_reserve}; nothing was written. Run it later or lower "
                "api_reserve"
            )

    # -- sending -------------------------------------------------------------------------------

    def _send(
        self, method: str, kind: str, records: list[dict[str, Any]], what: str | None = None
    ) -> list[_Outcome]:
        """Send ``records`` in collections of 200, resending rows that were locked; ``what``:
        report the first round's progress under this name."""
        if what is not None:
            self.progress.begin(what, len(records))
        outcomes = [_Outcome() for _ in records]
        pending = list(range(len(records)))
        attempts = self.section.max_attempts

        def send(chunk: list[int]) -> tuple[list[_Outcome], list[int]]:
            sent = self._send_chunk(method, kind, records, chunk)
            if what is not None and round_number == 1:
                self.progress.advance(len(chunk))
            return sent

        for round_number in range(1, attempts + 1):
            chunks = list(soql.chunks(pending, COLLECTION_SIZE))
            locked: list[int] = []
            for chunk, (sent, refused) in zip(
                chunks, map_ordered(send, chunks, self.section.max_workers), strict=True
            ):
                for i, outcome in zip(chunk, sent, strict=True):
                    outcomes[i] = outcome
                locked += refused
            if not locked or round_number == attempts:
                break
            delay = min(30.0, 0.5 * 2 ** (round_number - 1)) * (0.5 + self.random_fraction())
            log_event(
                LOGGER,
                "salesforce.locked_rows",
                f"{len(locked)} record(s) locked by another transaction; resending them in "
                f"{delay:.1f}s (round {round_number + 1} of {attempts})",
                logging.WARNING,
                records=len(locked),
                sleep_seconds=round(delay, 3),
            )
            self.http.sleep(delay)
            pending = locked
        return outcomes

    def _send_chunk(
        self, method: str, kind: str, records: list[dict[str, Any]], chunk: list[int]
    ) -> tuple[list[_Outcome], list[int]]:
        """One collection call: an outcome per record of ``chunk`` and the locked ones."""
        body = {"allOrNone": False, "records": [records[i] for i in chunk]}
        try:
            answer = self.http.rest(
                kind, "composite/sobjects", method, body=body, idempotent=method != "POST"
            )
        except (ApiError, OutcomeUnknownError) as exc:
            return [_Outcome(error=str(exc)) for _ in chunk], []
        if not isinstance(answer, list) or len(answer) != len(chunk):
            error = f"unexpected answer to {kind}: {answer!r}"[:300]
            return [_Outcome(error=error) for _ in chunk], []
        outcomes: list[_Outcome] = []
        locked: list[int] = []
        for i, item in zip(chunk, answer, strict=True):
            if item.get("success"):
                outcomes.append(_Outcome(True, item.get("id"), None))
                continue
            errors = item.get("errors") or []
            outcomes.append(_Outcome(error=_errors_text(errors)))
            if any(error.get("statusCode") == _LOCKED for error in errors):
                locked.append(i)
        return outcomes, locked

    def _bulk(
        self, obj: str, operation: str, columns: list[str], rows: list[dict[str, str]],
        match: Callable[[Mapping[str, str]], int | None], what: str,
    ) -> list[_Outcome]:  # fmt: skip
        """One ingest job; ``match`` finds the row index a result line belongs to."""
        outcomes = [_Outcome(error="no result in the bulk job") for _ in rows]
        self.progress.begin(f"{what} (Bulk API job)", len(rows))
        result = self.bulk.ingest(obj, operation, columns, rows)
        self.progress.advance(len(rows))
        for line in result.succeeded:
            index = match(line)
            if index is not None:
                outcomes[index] = _Outcome(True, line.get("sf__Id") or line.get("Id"), None)
        for line in result.failed:
            index = match(line)
            if index is not None:
                outcomes[index] = _Outcome(error=line.get("sf__Error") or "failed in bulk job")
        return outcomes

    def _use_bulk(self, count: int) -> bool:
        return count > self.section.bulk_ingest_threshold

    # -- fields --------------------------------------------------------------------------------

    def numeric_targets(self) -> frozenset[str]:
        """Targets whose Account field is a number, from one describe of Account (cached);
        the documented default types when the describe is refused."""
        if self._numeric is None:
            try:
                described = self.org.describe("Account") or {}
            except ApiError as exc:
                log_event(LOGGER, "salesforce.describe_refused",
                          f"cannot describe Account ({exc}); assuming the default field types",
                          logging.WARNING)  # fmt: skip
                self._numeric = NUMERIC_TARGETS
            else:
                types = {f.get("name"): f.get("type") for f in described.get("fields", [])}
                self._numeric = frozenset(
                    target for target, api in self.target_fields.items()
                    if types.get(api) in _NUMBER_TYPES
                )  # fmt: skip
        return self._numeric

    def _value_refusal(self, values: Mapping[str, str | None]) -> str | None:
        unknown = sorted(set(values) - _TARGETS)
        if unknown:
            return f"not a target field: {', '.join(unknown)}"
        numeric = self.numeric_targets()
        for target, value in values.items():
            if value and target in numeric and number_value(value) is None:
                api = self.target_fields[target]
                return f"field {target} ({api}) is a number field; value {value!r} is not a number"
        return None

    def write_fields(self, updates: Sequence[FieldUpdate]) -> list[WriteResult]:
        """Write target fields; several updates of one account are merged in order."""
        results: list[WriteResult | None] = [None] * len(updates)
        merged: dict[str, dict[str, str | None]] = {}
        members: dict[str, list[int]] = {}
        owners = self.state.owners
        for index, update in enumerate(updates):
            error = self._value_refusal(update.values) if update.values else None
            if error:
                results[index] = WriteResult(update.account_id, False, error=error)
            elif owners is not None and update.account_id not in owners:
                results[index] = WriteResult(update.account_id, False, error=_UNKNOWN_ACCOUNT)
            else:
                merged.setdefault(update.account_id, {}).update(update.values)
                members.setdefault(update.account_id, []).append(index)
        ids = list(merged)
        if self._use_bulk(len(ids)):
            columns = [
                "Id",
                *dict.fromkeys(self.target_fields[t] for v in merged.values() for t in v),
            ]
            rows = [
                {"Id": i, **{self.target_fields[t]: (v if v else NULL_CELL)
                             for t, v in merged[i].items()}}
                for i in ids
            ]  # fmt: skip
            position = {account_id: n for n, account_id in enumerate(ids)}
            outcomes = self._bulk(
                "Account",
                "update",
                columns,
                rows,
                lambda line: position.get(line.get("Id") or line.get("sf__Id") or ""),
                _WRITING_FIELDS,
            )
        else:
            numeric = self.numeric_targets()
            records = [field_update_record(i, merged[i], self.target_fields, numeric) for i in ids]
            outcomes = self._send("PATCH", "composite_update", records, _WRITING_FIELDS)
        for account_id, outcome in zip(ids, outcomes, strict=True):
            for index in members[account_id]:
                results[index] = (
                    WriteResult(account_id, True, crm_id=account_id)
                    if outcome.ok
                    else WriteResult(account_id, False, error=outcome.error)
                )
        return [r if r is not None else WriteResult("", False, error="not sent") for r in results]

    # -- tasks ---------------------------------------------------------------------------------

    def _draft_refusal(self, draft: TaskDraft) -> str | None:
        if not draft.key.strip():
            return "a task key is required (a task without one reads back as someone else's)"
        if not self.fields.task_key and any(c in draft.key for c in "]\r\n"):
            return "a task key for the Description marker cannot contain ']' or a line break"
        owners = self.state.owners
        if owners is not None and draft.account_id not in owners:
            return _UNKNOWN_ACCOUNT
        return None

    def create_tasks(self, drafts: Sequence[TaskDraft]) -> list[WriteResult]:
        """Create open tasks (the org's default open status) carrying their key."""
        results = [WriteResult(d.key, False, error=self._draft_refusal(d)) for d in drafts]
        accepted = [i for i, r in enumerate(results) if r.error is None]
        key_field = self.fields.task_key
        status = self.org.open_status()
        records = [task_create_record(drafts[i], key_field, status) for i in accepted]
        if self._use_bulk(len(records)):
            columns = list(dict.fromkeys(k for r in records for k in r if k != "attributes"))
            rows = [{k: "" if v is None else str(v) for k, v in r.items() if k != "attributes"}
                    for r in records]  # fmt: skip
            position = {drafts[i].key: n for n, i in enumerate(accepted)}

            def match(line: Mapping[str, str]) -> int | None:
                if key_field:
                    return position.get(line.get(key_field, ""))
                _, key = split_marker(line.get("Description"))
                return position.get(key or "")

            outcomes = self._bulk("Task", "insert", columns, rows, match, "creating tasks")
        else:
            outcomes = self._send("POST", "composite_create", records, "creating tasks")
        blocked = [n for n, o in enumerate(outcomes) if not o.ok and _DUPLICATE in (o.error or "")]
        if key_field and blocked:
            freed = self._retire_closed_holders({drafts[accepted[n]].key for n in blocked})
            again = [n for n in blocked if drafts[accepted[n]].key in freed]
            if again:
                resent = self._send("POST", "composite_create", [records[n] for n in again])
                for n, outcome in zip(again, resent, strict=True):
                    outcomes[n] = outcome
        for i, outcome in zip(accepted, outcomes, strict=True):
            draft = drafts[i]
            if outcome.ok:
                results[i] = WriteResult(draft.key, True, crm_id=outcome.crm_id)
                if self.state.open_tasks is not None and outcome.crm_id:
                    self.state.open_tasks[outcome.crm_id] = draft.key
            else:
                results[i] = WriteResult(draft.key, False, error=outcome.error)
        return results

    def _retire_closed_holders(self, keys: set[str]) -> set[str]:
        """Retire the keys closed tasks still hold among ``keys``; the keys now free."""
        key_field = self.fields.task_key
        assert key_field is not None
        holders: list[tuple[str, str]] = []
        for chunk in soql.chunks(sorted(keys)):
            query = soql.closed_tasks_by_key_query(key_field, chunk)
            for row in self.http.query(query, all_rows=True):
                task_id, value = as_text(row.get("Id")), as_text(row.get(key_field))
                if task_id and value and key_state(value)[1] == "open":
                    holders.append((task_id, value))
        if not holders:
            return set()
        log_event(LOGGER, "salesforce.retire_keys",
                  f"{len(holders)} completed task(s) still hold a key needed again; retiring them",
                  tasks=len(holders))  # fmt: skip
        records = [retire_record(task_id, value, key_field) for task_id, value in holders]
        outcomes = self._send("PATCH", "composite_update", records)
        return {value for (_, value), o in zip(holders, outcomes, strict=True) if o.ok}

    def _ours(self, ids: Sequence[str]) -> dict[str, str]:
        """Task id -> key for those of ``ids`` that are open tasks of ours."""
        if self.state.open_tasks is not None:
            known = self.state.open_tasks
            return {i: known[i] for i in ids if i in known}
        found: dict[str, str] = {}
        # A malformed id in an ``Id IN`` filter fails the whole query; it is not ours anyway.
        for chunk in soql.chunks(sorted({i for i in ids if _SALESFORCE_ID.fullmatch(i)})):
            for row in self.http.query(soql.open_tasks_by_id_query(self.fields, chunk)):
                task = task_record(row, self.fields.task_key)
                if task is not None:
                    found[task.id] = task.key
                    self.state.descriptions[task.id] = task.description
        return found

    def _change_tasks(
        self,
        changes: Sequence[TaskUpdate | TaskClose],
        build: Callable[[int], dict[str, Any]],
        kind: str,
        closing: bool,
    ) -> list[WriteResult]:
        what = "closing tasks" if closing else "rescheduling tasks"
        ours = self._ours([c.id for c in changes])
        results = [WriteResult(c.key, False, error=_NOT_OURS) for c in changes]
        accepted: list[int] = []
        closed_here: set[str] = set()
        for i, change in enumerate(changes):
            if ours.get(change.id) != change.key or change.id in closed_here:
                continue
            accepted.append(i)
            if closing:
                closed_here.add(change.id)
        records = [build(i) for i in accepted]
        if self._use_bulk(len(records)):
            columns = list(dict.fromkeys(k for r in records for k in r if k != "attributes"))
            rows = [
                {("Id" if k == "id" else k): str(v) for k, v in r.items() if k != "attributes"}
                for r in records
            ]
            columns = ["Id" if c == "id" else c for c in columns]
            position = {changes[i].id: n for n, i in enumerate(accepted)}
            outcomes = self._bulk(
                "Task",
                "update",
                columns,
                rows,
                lambda line: position.get(line.get("Id") or line.get("sf__Id") or ""),
                what,
            )
        else:
            outcomes = self._send("PATCH", kind, records, what)
        for i, outcome in zip(accepted, outcomes, strict=True):
            change = changes[i]
            if outcome.ok:
                results[i] = WriteResult(change.key, True, crm_id=change.id)
                if closing and self.state.open_tasks is not None:
                    self.state.open_tasks.pop(change.id, None)
            else:
                results[i] = WriteResult(change.key, False, error=outcome.error)
        return results

    def update_tasks(self, updates: Sequence[TaskUpdate]) -> list[WriteResult]:
        """Reschedule open tasks of ours (due date, subject, description)."""
        key_field = self.fields.task_key
        return self._change_tasks(
            updates,
            lambda i: task_update_record(updates[i], key_field),
            "composite_update",
            closing=False,
        )

    def close_tasks(self, closes: Sequence[TaskClose]) -> list[WriteResult]:
        """Close open tasks of ours with the org's closing status (``TaskClose.status`` is the
        configured one, already checked against the org) and retire their keys; a task closed
        before is refused."""
        status = self.org.closing_status()
        key_field = self.fields.task_key
        descriptions = self.state.descriptions
        return self._change_tasks(
            closes,
            lambda i: task_close_record(
                closes[i].id, closes[i].key, status, key_field, descriptions.get(closes[i].id)
            ),
            "composite_update",
            closing=True,
        )
