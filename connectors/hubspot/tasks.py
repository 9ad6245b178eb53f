"""Task writes of the HubSpot connector: create, reschedule and close tasks of ours. Does I/O.

Tasks go through ``POST /crm/v3/objects/tasks/batch/create`` and ``.../tasks/batch/update``, 100
inputs a call ("Create a batch of tasks",
https://developers.hubspot.com/docs/api-reference/2026-03/crm/activities/tasks/batch/create-tasks).
Created tasks are matched to their drafts by the key property HubSpot echoes in ``results``
(results are not in input order), and failed ones by the ``objectWriteTraceId`` (the key) their
207 errors name.

* A task create refused as a whole is split in halves until the refused input is alone (at most
  2n - 1 calls for n tasks), unless the refusal concerns every input alike (a property that does
  not exist).
* A create that may have reached HubSpot (timeout, 5xx): the writer looks at once for the tasks
  it may have created — the tasks associated with the drafts' companies
  (``POST /crm/v4/associations/companies/tasks/batch/read``, the association was part of the
  create) read by id with their key — and takes those it finds as created; the others were not
  created and are sent once more — after a 5xx answer only: after a timeout HubSpot may still
  be creating them, so they fail as "outcome unknown". Neither step uses search, whose index
  lags behind writes. When that look-up fails too, the drafts fail as "outcome unknown" and
  the next sync, once the index has caught up, finds a task that was created by its key.
* Only open tasks with our key are rescheduled or closed; closing sets COMPLETED and retires the
  key (:func:`~.mapping.task_close_input`).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any
from zoneinfo import ZoneInfo

from crm_accounts.config import HubSpotSection
from crm_accounts.connectors.retry import map_ordered
from crm_accounts.errors import FatalConnectorError, RetriableError
from crm_accounts.logs import log_event
from crm_accounts.ports import TaskClose, TaskDraft, TaskRecord, TaskUpdate, WriteResult
from crm_accounts.progress import SILENT, Progress

from . import queries
from .batches import Outcome, batch_update, error_text
from .http import LOGGER, AnsweredUnknownError, ApiError, HubSpotHttp, OutcomeUnknownError
from .mapping import (
    CLOSED_TASK_STATUS,
    object_id,
    task_close_input,
    task_create_input,
    task_update_input,
)
from .reader import Reader
from .source import SharedState

__all__ = ["UNKNOWN_ACCOUNT", "TaskWriter"]

UNKNOWN_ACCOUNT = "unknown account"
_NOT_OURS = "no open task of ours"
#: A refusal every input of a batch shares (a property that does not exist): not split up.
_SYSTEMIC = re.compile(r"PROPERTY_DOESNT_EXIST|does not exist")
_UNKNOWN_OUTCOME = "; the next sync finds the task by its key if it was created"


class TaskWriter:
    """The task half of :class:`~.writer.HubSpotWriter`.

    Args:
        known_companies: every company id (read once when the accounts were not read).
        open_tasks: reads our open tasks (and records them in the shared state).
        tasks_by_id: reads tasks by id (a lost create's answer is looked up with it).
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
        self.section = section
        self.known_companies = known_companies
        self.read_open_tasks = open_tasks
        self.state = state
        self.tasks_by_id = tasks_by_id
        self.zone = ZoneInfo(section.timezone)
        #: Told what each write sends and how many records went so far.
        self.progress: Progress = SILENT

    def _created_anyway(self, drafts: list[TaskDraft]) -> dict[str, Outcome] | None:
        """The drafts of a create whose answer was lost that HubSpot did create, found through
        their companies' task associations and a read by id; ``None`` when that fails too."""
        if self.tasks_by_id is None:
            return None
        wanted = {d.key for d in drafts}
        key_property = self.section.task_key_property
        try:
            linked = self.reader.associated("companies", "tasks", {d.account_id for d in drafts})
            ids = {t for targets in linked.values() for t in targets.targets}
            found: dict[str, Outcome] = {}
            for record in self.tasks_by_id(sorted(ids, key=lambda i: (len(i), i))):
                properties = record.get("properties")
                key = properties.get(key_property) if isinstance(properties, Mapping) else None
                if key in wanted:
                    found[str(key)] = Outcome(True, object_id(record.get("id")))
        except (ApiError, RetriableError, FatalConnectorError):
            return None
        return found

    def _create(self, drafts: list[TaskDraft], *, again: bool = True) -> dict[str, Outcome]:
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
                return {d.key: Outcome(error=f"{exc}{_UNKNOWN_OUTCOME}") for d in drafts}
            log_event(
                LOGGER,
                "hubspot.create_checked",
                f"a task create lost its answer ({exc}); {len(found)} of {len(drafts)} tasks "
                "were created",
                logging.WARNING,
            )
            missing = [d for d in drafts if d.key not in found]
            if not isinstance(exc, AnsweredUnknownError):  # it may still be under way
                unknown = Outcome(error=f"{exc}{_UNKNOWN_OUTCOME}")
                return {**found, **dict.fromkeys((d.key for d in missing), unknown)}
            return {**found, **(self._create(missing, again=False) if missing else {})}
        except ApiError as exc:
            if len(drafts) == 1 or exc.status >= 500 or _SYSTEMIC.search(exc.detail):
                return {d.key: Outcome(error=str(exc)) for d in drafts}
            half = len(drafts) // 2
            return {**self._create(drafts[:half]), **self._create(drafts[half:])}
        outcomes: dict[str, Outcome] = {}
        for record in response.body.get("results") or []:
            if not isinstance(record, Mapping):
                continue
            properties = record.get("properties")
            key = properties.get(key_property) if isinstance(properties, Mapping) else None
            key = key if key is not None else record.get("objectWriteTraceId")
            if key is not None:
                outcomes[str(key)] = Outcome(True, object_id(record.get("id")))
        unnamed: list[str] = []
        for error in response.body.get("errors") or []:
            if not isinstance(error, Mapping):
                continue
            context = error.get("context")
            traced = context.get("objectWriteTraceId") if isinstance(context, Mapping) else None
            if isinstance(traced, list) and traced:
                for key in traced:
                    outcomes.setdefault(str(key), Outcome(error=error_text(error)))
            else:
                unnamed.append(error_text(error))
        for draft in drafts:
            if draft.key not in outcomes:
                message = "; ".join(unnamed) or f"no task in the HTTP {response.status} answer"
                outcomes[draft.key] = Outcome(error=message)
        return outcomes

    def _create_counted(self, drafts: list[TaskDraft]) -> dict[str, Outcome]:
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
                error = UNKNOWN_ACCOUNT
            elif draft.key in keys:
                error = f"task key {draft.key!r} appears twice in one call"
            else:
                error = None
                keys.add(draft.key)
                accepted.append(index)
            if error:
                results[index] = WriteResult(draft.key, False, error=error)
        outcomes: dict[str, Outcome] = {}
        batches = [
            [drafts[i] for i in chunk] for chunk in queries.chunks(accepted, queries.WRITE_BATCH)
        ]
        self.progress.begin("creating tasks", len(accepted))
        for found in map_ordered(self._create_counted, batches, self.section.max_workers):
            outcomes.update(found)
        for index in accepted:
            draft = drafts[index]
            outcome = outcomes.get(draft.key, Outcome(error="not sent"))
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
        outcomes = batch_update(
            self.http,
            self.section.max_workers,
            "tasks",
            "tasks_update",
            inputs,
            self.progress,
            what,
        )
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
        """Close open tasks of ours with COMPLETED, retiring their keys (:func:`task_close_input`);
        a task closed before is refused, and so is a close asking for a status HubSpot does not
        treat as closed."""
        key_property = self.section.task_key_property
        closing = [
            i
            for i, c in enumerate(closes)
            if c.status is None or self.close_status(c.status) == CLOSED_TASK_STATUS
        ]
        done = self._change_tasks(
            [closes[i] for i in closing],
            lambda i: task_close_input(closes[closing[i]].id, closes[closing[i]].key, key_property),
            closing=True,
        )
        results = [
            WriteResult(c.key, False, error=_not_closed(self.close_status(c.status or "")))
            for c in closes
        ]
        for index, result in zip(closing, done, strict=True):
            results[index] = result
        return results


def _not_closed(status: str) -> str:
    return (
        f"hs_task_status {status!r} does not close a task in HubSpot; "
        f"{CLOSED_TASK_STATUS} is its only closed status"
    )
