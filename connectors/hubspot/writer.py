"""The write side of the HubSpot connector: the ``Writer`` port. Does I/O.

Target properties go through ``POST /crm/v3/objects/companies/batch/update`` and tasks through
``POST /crm/v3/objects/tasks/batch/create`` and ``.../tasks/batch/update``, 100 inputs a call
("Update a batch of companies",
https://developers.hubspot.com/docs/api-reference/legacy/crm/objects/companies/batch/update-companies;
"Create a batch of tasks",
https://developers.hubspot.com/docs/api-reference/2026-03/crm/activities/tasks/batch/create-tasks).
A batch answers 200 when every input succeeded and 207 Multi-Status when some failed ("Simplifying
batch update response codes for CRM v3 APIs",
https://developers.hubspot.com/changelog/simplifying-batch-update-response-codes-for-crm-v3-apis):
``results`` holds the records written, ``errors`` entries ``{"status", "category", "message",
"context": {"ids": [...]}}``. Each input gets its own :class:`~crm_accounts.ports.WriteResult`:

* refused before sending, like :mod:`crm_accounts.memory`: a field the product does not own, a
  non-number for a number property, an unknown company, a task without a key, a task that is not
  an open task of ours;
* an id named by an error of a 207 answer: failed with that error;
* a whole batch refused (4xx): the inputs it names are failed and the rest is sent again; a
  task create refused as a whole is split in halves until the refused input is alone (at most
  2n - 1 calls for n tasks), unless the refusal concerns every input alike (a property that does
  not exist);
* a create that may have reached HubSpot (timeout, 5xx): the writer looks at once for the tasks
  it may have created — the tasks associated with the drafts' companies
  (``POST /crm/v4/associations/companies/tasks/batch/read``, the association was part of the
  create) read by id with their key — and takes those it finds as created; the others were not
  created and are sent once more — after a 5xx answer only: after a timeout HubSpot may still
  be creating them, so they fail as "outcome unknown". Neither step uses search, whose index
  lags behind writes. When that look-up fails too, the drafts fail as "outcome unknown" and
  the next sync, once the index has caught up, finds a task that was created by its key.

Batches of one kind go out ``max_workers`` at a time (default 4), each paced by the shared,
thread-safe rate limiter (:mod:`.limits`), so parallel calls use the allowed rate and never more;
outcomes are reported in input order whatever order the batches finished in.

A property is cleared with an empty string. Created tasks are matched to their drafts by the key
property HubSpot echoes in ``results`` (results are not in input order), and failed ones by the
``objectWriteTraceId`` (the key) their 207 errors name.
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from crm_accounts.config import HubSpotSection
from crm_accounts.connectors.retry import map_ordered
from crm_accounts.errors import FatalConnectorError, RetriableError
from crm_accounts.logs import log_event, redact
from crm_accounts.ports import (
    FieldUpdate,
    TargetField,
    TaskClose,
    TaskDraft,
    TaskRecord,
    TaskUpdate,
    WriteResult,
)
from crm_accounts.progress import SILENT, Progress

from . import queries
from .http import (
    LOGGER,
    AnsweredUnknownError,
    ApiError,
    HubSpotHttp,
    OutcomeUnknownError,
    error_details,
)
from .mapping import (
    NUMERIC_TARGETS,
    company_update_input,
    object_id,
    task_close_input,
    task_create_input,
    task_update_input,
)
from .reader import Reader
from .source import SharedState

__all__ = ["HubSpotWriter"]

_TARGETS = frozenset(TargetField)
_NUMBER_TYPES = frozenset({"number"})
_NUMBER = re.compile(r"\s*[+-]?(?:\d+(?:\.\d*)?|\.\d+)\s*")
_UNKNOWN_ACCOUNT = "unknown account"
_NOT_OURS = "no open task of ours"
#: A refusal every input of a batch shares (a property that does not exist): not split up.
_SYSTEMIC = re.compile(r"PROPERTY_DOESNT_EXIST|does not exist")
_UNKNOWN_OUTCOME = "; the next sync finds the task by its key if it was created"


@dataclass(frozen=True, slots=True)
class _Outcome:
    ok: bool = False
    crm_id: str | None = None
    error: str | None = None


def _error_text(error: Mapping[str, Any]) -> str:
    category, message = error_details(error)
    return redact(f"{category}: {message}" if category else message or "refused")


def _named_ids(error: Mapping[str, Any], ids: Iterable[str]) -> set[str]:
    """Input ids an error names: ``context.ids``, else ids quoted in its message."""
    context = error.get("context")
    named = context.get("ids") if isinstance(context, Mapping) else None
    if isinstance(named, list) and named:
        return {i for i in (object_id(n) for n in named) if i}
    message = str(error.get("message") or "")
    return {i for i in ids if re.search(rf"(?<!\d){re.escape(i)}(?!\d)", message)}


def _refused_ids(body: Mapping[str, Any], ids: Sequence[str]) -> set[str]:
    """Input ids a refused batch's error body names (at the top or in ``errors``)."""
    named = _named_ids(body, ids) if body.get("context") else set()
    for error in body.get("errors") or []:
        if isinstance(error, Mapping):
            named |= _named_ids(error, ids)
    if not named:
        named = _named_ids({"message": body.get("message")}, ids)
    return named & set(ids)


class HubSpotWriter:
    """Implements :class:`~crm_accounts.ports.Writer` for one HubSpot account.

    Args:
        known_companies: every company id (read once when the accounts were not read).
        open_tasks: reads our open tasks (and records them in the shared state).
        state_open_tasks: the shared task id -> key map, ``None`` until read.
    """

    def __init__(
        self,
        http: HubSpotHttp,
        section: HubSpotSection,
        known_companies: Callable[[], Mapping[str, Any]],
        open_tasks: Callable[[], Iterable[TaskRecord]],
        state: SharedState,
        tasks_by_id: Callable[[Iterable[str]], Iterable[Mapping[str, Any]]] | None = None,
    ) -> None:
        self.http = http
        self.reader = Reader(http)
        self.tasks_by_id = tasks_by_id
        self.section = section
        self.known_companies = known_companies
        self.read_open_tasks = open_tasks
        self.state = state
        self.zone = ZoneInfo(section.timezone)
        self.fields = dict(section.fields)
        self._numeric: frozenset[str] | None = None
        #: Told what each write sends and how many records went so far.
        self.progress: Progress = SILENT

    # -- preflight --------------------------------------------------------------------------------

    def estimate(self, writes: Mapping[str, int]) -> int:
        """API calls the writes need: batches of 100, plus the reads they depend on."""
        estimate = sum(math.ceil(n / queries.WRITE_BATCH) for n in writes.values() if n > 0)
        if writes.get("fields") and self._numeric is None:
            estimate += 1  # the company property definitions, for number checks
        changes = writes.get("update", 0) + writes.get("close", 0)
        if changes and self.state.open_tasks is None:
            estimate += 3 * math.ceil(changes / queries.SEARCH_PAGE)
        return estimate

    def remaining_allowance(self) -> int | None:
        """Requests left today: the last ``X-HubSpot-RateLimit-Daily-Remaining``, else one call
        to ``GET /account-info/v3/api-usage/daily/private-apps`` ("Retrieve private app daily API
        usage", https://developers.hubspot.com/docs/api-reference/legacy/account/account-information/get-usage-details);
        ``None`` when neither tells."""
        if self.http.usage.remaining is not None:
            return self.http.usage.remaining
        try:
            answer = self.http.json(
                "api_usage", "GET", "/account-info/v3/api-usage/daily/private-apps"
            )
        except ApiError:
            return None
        for item in answer.get("results") or []:
            limit, used = item.get("usageLimit"), item.get("currentUsage")
            if isinstance(limit, int) and isinstance(used, int):
                return max(0, limit - used)
        return self.http.usage.remaining

    def preflight(self, writes: Mapping[str, int]) -> None:
        """Refuse to start when the writes would eat into the reserved daily allowance.

        Raises:
            FatalConnectorError: estimated calls > requests left today - ``api_reserve``.
        """
        estimate = self.estimate(writes)
        if estimate == 0:
            return
        remaining = self.remaining_allowance()
        if remaining is None:
            log_event(
                LOGGER,
                "hubspot.preflight",
                f"writes need about {estimate} API calls; HubSpot reported no daily "
                "allowance, so it was not checked",
                logging.WARNING,
                estimate=estimate,
            )
            return
        log_event(
            LOGGER,
            "hubspot.preflight",
            f"writes need about {estimate} API calls; {remaining} remain today",
            estimate=estimate,
            remaining=remaining,
            reserve=self.section.api_reserve,
        )
        if estimate > remaining - self.section.api_reserve:
            raise FatalConnectorError(
                f"the sync needs about {estimate} HubSpot API calls for {dict(writes)} but only "
                f"{remaining} remain today and [hubspot] api_reserve keeps "
                f"{self.section.api_reserve}; nothing was written. Run it after the daily limit "
                "resets (midnight in the account's time zone) or lower api_reserve"
            )

    # -- sending ----------------------------------------------------------------------------------

    def _batch_update(
        self, object_type: str, kind: str, inputs: list[dict[str, Any]], what: str
    ) -> list[_Outcome]:
        """Send update ``inputs`` 100 a call, ``max_workers`` calls at a time; one outcome per
        input, by id. Progress is reported as ``what``."""
        path = f"/crm/v3/objects/{object_type}/batch/update"

        def send(chunk: list[dict[str, Any]]) -> dict[str, _Outcome]:
            outcomes: dict[str, _Outcome] = {}
            pending = chunk
            for attempt in range(2):  # once more without the inputs a refused batch names
                ids = [str(item["id"]) for item in pending]
                try:
                    response = self.http.send(kind, "POST", path, body={"inputs": pending})
                except ApiError as exc:
                    named = _refused_ids(exc.body, ids)
                    failed = named if named and len(named) < len(ids) and attempt == 0 else ids
                    for i in failed:
                        outcomes[i] = _Outcome(error=str(exc))
                    pending = [item for item in pending if str(item["id"]) not in failed]
                    if not pending:
                        break
                    continue
                self._read_update_answer(response.status, response.body, ids, outcomes)
                break
            self.progress.advance(len(chunk))
            return outcomes

        outcomes: dict[str, _Outcome] = {}
        chunks = list(queries.chunks(inputs, queries.WRITE_BATCH))
        self.progress.begin(what, len(inputs))
        for found in map_ordered(send, chunks, self.section.max_workers):
            outcomes.update(found)
        return [outcomes.get(str(item["id"]), _Outcome(error="not sent")) for item in inputs]

    @staticmethod
    def _read_update_answer(
        status: int, body: Mapping[str, Any], ids: Sequence[str], outcomes: dict[str, _Outcome]
    ) -> None:
        done = {object_id(r.get("id")) for r in body.get("results") or [] if isinstance(r, Mapping)}
        failed: dict[str, str] = {}
        errors = [e for e in body.get("errors") or [] if isinstance(e, Mapping)]
        for error in errors:
            for i in _named_ids(error, ids) or (set(ids) - done):
                failed.setdefault(i, _error_text(error))
        for i in ids:
            if i in failed:
                outcomes[i] = _Outcome(error=failed[i])
            elif i in done or (status == 200 and not errors):
                outcomes[i] = _Outcome(True, i)
            else:
                outcomes[i] = _Outcome(error=f"no result for {i} in the HTTP {status} answer")

    # -- fields -----------------------------------------------------------------------------------

    def numeric_targets(self) -> frozenset[str]:
        """Targets whose company property is a number, from the property definitions (one
        ``GET /crm/v3/properties/companies``); the ``setup`` types when that is refused."""
        if self._numeric is None:
            try:
                answer = self.http.json(
                    "properties_companies", "GET", "/crm/v3/properties/companies"
                )
            except ApiError as exc:
                log_event(
                    LOGGER,
                    "hubspot.properties_refused",
                    f"cannot read company properties ({exc}); assuming the setup types",
                    logging.WARNING,
                )
                self._numeric = NUMERIC_TARGETS
            else:
                types = {p.get("name"): p.get("type") for p in answer.get("results") or []}
                self._numeric = frozenset(
                    t for t, name in self.fields.items() if types.get(name) in _NUMBER_TYPES
                )
        return self._numeric

    def _refusal(self, update: FieldUpdate, companies: Mapping[str, Any]) -> str | None:
        unknown = sorted(set(update.values) - _TARGETS)
        if unknown:
            return f"not a target field: {', '.join(unknown)}"
        if update.account_id not in companies:
            return _UNKNOWN_ACCOUNT
        numeric = self.numeric_targets() if any(update.values.values()) else frozenset()
        for target, value in update.values.items():
            if value and target in numeric and _NUMBER.fullmatch(value) is None:
                return (
                    f"field {target} ({self.fields[target]}) is a number property; "
                    f"value {value!r} is not a number"
                )
        return None

    def write_fields(self, updates: Sequence[FieldUpdate]) -> list[WriteResult]:
        """Write target properties; several updates of one company are merged in order."""
        results: list[WriteResult | None] = [None] * len(updates)
        merged: dict[str, dict[str, str | None]] = {}
        members: dict[str, list[int]] = {}
        companies = self.known_companies() if updates else {}
        for index, update in enumerate(updates):
            error = self._refusal(update, companies)
            if error:
                results[index] = WriteResult(update.account_id, False, error=error)
            else:
                merged.setdefault(update.account_id, {}).update(update.values)
                members.setdefault(update.account_id, []).append(index)
        inputs = [company_update_input(i, v, self.fields) for i, v in merged.items() if v]
        outcomes = dict(
            zip(
                (str(x["id"]) for x in inputs),
                self._batch_update(
                    "companies", "companies_update", inputs, "writing company fields"
                ),
                strict=True,
            )
        )
        for account_id, indexes in members.items():
            outcome = outcomes.get(account_id, _Outcome(True, account_id))  # nothing to write
            for index in indexes:
                results[index] = (
                    WriteResult(account_id, True, crm_id=account_id)
                    if outcome.ok
                    else WriteResult(account_id, False, error=outcome.error)
                )
        return [r if r is not None else WriteResult("", False, error="not sent") for r in results]

    # -- tasks ------------------------------------------------------------------------------------

    def _created_anyway(self, drafts: list[TaskDraft]) -> dict[str, _Outcome] | None:
        """The drafts of a create whose answer was lost that HubSpot did create, found through
        their companies' task associations and a read by id; ``None`` when that fails too."""
        if self.tasks_by_id is None:
            return None
        wanted = {d.key for d in drafts}
        key_property = self.section.task_key_property
        try:
            linked = self.reader.associated("companies", "tasks", {d.account_id for d in drafts})
            ids = {t for targets in linked.values() for t in targets.targets}
            found: dict[str, _Outcome] = {}
            for record in self.tasks_by_id(sorted(ids, key=lambda i: (len(i), i))):
                properties = record.get("properties")
                key = properties.get(key_property) if isinstance(properties, Mapping) else None
                if key in wanted:
                    found[str(key)] = _Outcome(True, object_id(record.get("id")))
        except (ApiError, RetriableError, FatalConnectorError):
            return None
        return found

    def _create(self, drafts: list[TaskDraft], *, again: bool = True) -> dict[str, _Outcome]:
        """Create ``drafts`` in one call; a batch refused as a whole is split in halves; a
        lost answer is checked (:meth:`_created_anyway`) and the rest sent once more."""
        key_property = self.section.task_key_property
        inputs = [
            task_create_input(d, key_property, self.section.task_open_status, self.zone)
            for d in drafts
        ]
        try:
            response = self.http.send(
                "tasks_create",
                "POST",
                "/crm/v3/objects/tasks/batch/create",
                body={"inputs": inputs},
                idempotent=False,
            )
        except OutcomeUnknownError as exc:
            found = self._created_anyway(drafts) if again else None
            if found is None:
                return {d.key: _Outcome(error=f"{exc}{_UNKNOWN_OUTCOME}") for d in drafts}
            log_event(
                LOGGER,
                "hubspot.create_checked",
                f"a task create lost its answer ({exc}); {len(found)} of {len(drafts)} tasks "
                "were created",
                logging.WARNING,
            )
            missing = [d for d in drafts if d.key not in found]
            if not isinstance(exc, AnsweredUnknownError):  # it may still be under way
                unknown = _Outcome(error=f"{exc}{_UNKNOWN_OUTCOME}")
                return {**found, **dict.fromkeys((d.key for d in missing), unknown)}
            return {**found, **(self._create(missing, again=False) if missing else {})}
        except ApiError as exc:
            if len(drafts) == 1 or exc.status >= 500 or _SYSTEMIC.search(exc.detail):
                return {d.key: _Outcome(error=str(exc)) for d in drafts}
            half = len(drafts) // 2
            return {**self._create(drafts[:half]), **self._create(drafts[half:])}
        outcomes: dict[str, _Outcome] = {}
        for record in response.body.get("results") or []:
            if not isinstance(record, Mapping):
                continue
            properties = record.get("properties")
            key = properties.get(key_property) if isinstance(properties, Mapping) else None
            key = key if key is not None else record.get("objectWriteTraceId")
            if key is not None:
                outcomes[str(key)] = _Outcome(True, object_id(record.get("id")))
        unnamed: list[str] = []
        for error in response.body.get("errors") or []:
            if not isinstance(error, Mapping):
                continue
            context = error.get("context")
            traced = context.get("objectWriteTraceId") if isinstance(context, Mapping) else None
            if isinstance(traced, list) and traced:
                for key in traced:
                    outcomes.setdefault(str(key), _Outcome(error=_error_text(error)))
            else:
                unnamed.append(_error_text(error))
        for draft in drafts:
            if draft.key not in outcomes:
                message = "; ".join(unnamed) or f"no task in the HTTP {response.status} answer"
                outcomes[draft.key] = _Outcome(error=message)
        return outcomes

    def _create_counted(self, drafts: list[TaskDraft]) -> dict[str, _Outcome]:
        outcomes = self._create(drafts)
        self.progress.advance(len(drafts))
        return outcomes

    def create_tasks(self, drafts: Sequence[TaskDraft]) -> list[WriteResult]:
        """Create open tasks carrying their key, associated with company and contact."""
        results: list[WriteResult | None] = [None] * len(drafts)
        companies = self.known_companies() if drafts else {}
        accepted: list[int] = []
        keys: set[str] = set()
        for index, draft in enumerate(drafts):
            if not draft.key.strip():
                error: str | None = "a task key is required (a task without one is someone else's)"
            elif draft.account_id not in companies:
                error = _UNKNOWN_ACCOUNT
            elif draft.key in keys:
                error = f"task key {draft.key!r} appears twice in one call"
            else:
                error = None
                keys.add(draft.key)
                accepted.append(index)
            if error:
                results[index] = WriteResult(draft.key, False, error=error)
        outcomes: dict[str, _Outcome] = {}
        batches = [
            [drafts[i] for i in chunk] for chunk in queries.chunks(accepted, queries.WRITE_BATCH)
        ]
        self.progress.begin("creating tasks", len(accepted))
        for found in map_ordered(self._create_counted, batches, self.section.max_workers):
            outcomes.update(found)
        for index in accepted:
            draft = drafts[index]
            outcome = outcomes.get(draft.key, _Outcome(error="not sent"))
            if outcome.ok:
                results[index] = WriteResult(draft.key, True, crm_id=outcome.crm_id)
                if self.state.open_tasks is not None and outcome.crm_id:
                    self.state.open_tasks[outcome.crm_id] = draft.key
            else:
                results[index] = WriteResult(draft.key, False, error=outcome.error)
        return [r if r is not None else WriteResult("", False, error="not sent") for r in results]

    def _ours(self) -> dict[str, str]:
        if self.state.open_tasks is None:
            for _ in self.read_open_tasks():
                pass
        return dict(self.state.open_tasks or {})

    def _change_tasks(
        self,
        changes: Sequence[TaskUpdate | TaskClose],
        build: Callable[[int], dict[str, Any]],
        closing: bool,
    ) -> list[WriteResult]:
        ours = self._ours() if changes else {}
        results = [WriteResult(c.key, False, error=_NOT_OURS) for c in changes]
        accepted: list[int] = []
        taken: set[str] = set()
        for index, change in enumerate(changes):
            if ours.get(change.id) != change.key or change.id in taken:
                continue
            accepted.append(index)
            taken.add(change.id)
        inputs = [build(i) for i in accepted]
        what = "closing tasks" if closing else "rescheduling tasks"
        outcomes = self._batch_update("tasks", "tasks_update", inputs, what)
        for index, outcome in zip(accepted, outcomes, strict=True):
            change = changes[index]
            if outcome.ok:
                results[index] = WriteResult(change.key, True, crm_id=change.id)
                if closing and self.state.open_tasks is not None:
                    self.state.open_tasks.pop(change.id, None)
            else:
                results[index] = WriteResult(change.key, False, error=outcome.error)
        return results

    def update_tasks(self, updates: Sequence[TaskUpdate]) -> list[WriteResult]:
        """Reschedule open tasks of ours (due time, subject, body)."""
        return self._change_tasks(
            updates, lambda i: task_update_input(updates[i], self.zone), closing=False
        )

    def close_status(self, status: str) -> str:
        """The ``hs_task_status`` value for a ``[plan] closed_status`` (mapped, else upper-cased
        with underscores: "Deferred" -> ``DEFERRED``)."""
        mapping = self.section.task_close_statuses
        if status in mapping:
            return mapping[status]
        folded = {k.casefold(): v for k, v in mapping.items()}
        return folded.get(status.casefold(), re.sub(r"\W+", "_", status.strip()).upper())

    def close_tasks(self, closes: Sequence[TaskClose]) -> list[WriteResult]:
        """Close open tasks of ours; a task closed before is refused."""
        return self._change_tasks(
            closes,
            lambda i: task_close_input(
                closes[i].id, self.close_status(closes[i].status or "Deferred")
            ),
            closing=True,
        )
