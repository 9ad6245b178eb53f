"""The write side of the HubSpot connector: the ``Writer`` port. Does I/O.

Target properties go through ``POST /crm/v3/objects/companies/batch/update``, 100 inputs a call
("Update a batch of companies",
https://developers.hubspot.com/docs/api-reference/legacy/crm/objects/companies/batch/update-companies;
one outcome per input from the 200/207 answers, :mod:`.batches`); tasks are written by
:class:`~.tasks.TaskWriter`. Each input gets its own :class:`~crm_accounts.ports.WriteResult`;
refused before sending, like :mod:`crm_accounts.memory`: a field the product does not own, a
non-number for a number property, an unknown company, a task without a key, a task that is not
an open task of ours.

Batches of one kind go out ``max_workers`` at a time (default 4), each paced by the shared,
thread-safe rate limiter (:mod:`.limits`), so parallel calls use the allowed rate and never more;
outcomes are reported in input order whatever order the batches finished in. A property is
cleared with an empty string. Before writing, :meth:`HubSpotWriter.preflight` refuses a sync that
would eat into the reserved daily allowance.
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from crm_accounts.config import HubSpotSection
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

from . import queries
from .batches import Outcome, batch_update
from .http import LOGGER, ApiError, HubSpotHttp
from .mapping import NUMERIC_TARGETS, company_update_input
from .source import SharedState
from .tasks import UNKNOWN_ACCOUNT, TaskWriter

__all__ = ["HubSpotWriter"]

_TARGETS = frozenset(TargetField)
_NUMBER_TYPES = frozenset({"number"})
_NUMBER = re.compile(r"\s*[+-]?(?:\d+(?:\.\d*)?|\.\d+)\s*")


class HubSpotWriter:
    """Implements :class:`~crm_accounts.ports.Writer` for one HubSpot account.

    Args:
        known_companies: every company id (read once when the accounts were not read).
        tasks: writes the tasks, sharing ``state`` (the open task id -> key map).
    """

    def __init__(
        self,
        http: HubSpotHttp,
        section: HubSpotSection,
        known_companies: Callable[[], Mapping[str, Any]],
        state: SharedState,
        tasks: TaskWriter,
    ) -> None:
        self.http = http
        self.section = section
        self.known_companies = known_companies
        self.state = state
        self.tasks = tasks
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
            return UNKNOWN_ACCOUNT
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
                batch_update(
                    self.http,
                    self.section.max_workers,
                    "companies",
                    "companies_update",
                    inputs,
                    self.progress,
                    "writing company fields",
                ),
                strict=True,
            )
        )
        for account_id, indexes in members.items():
            outcome = outcomes.get(account_id, Outcome(True, account_id))  # nothing to write
            for index in indexes:
                results[index] = (
                    WriteResult(account_id, True, crm_id=account_id)
                    if outcome.ok
                    else WriteResult(account_id, False, error=outcome.error)
                )
        return [r if r is not None else WriteResult("", False, error="not sent") for r in results]

    # -- tasks ------------------------------------------------------------------------------------

    # -- tasks (.tasks.TaskWriter) ----------------------------------------------------------------

    def create_tasks(self, drafts: Sequence[TaskDraft]) -> list[WriteResult]:
        """Create open tasks carrying their key, associated with company and contact."""
        return self.tasks.create_tasks(drafts)

    def update_tasks(self, updates: Sequence[TaskUpdate]) -> list[WriteResult]:
        """Reschedule open tasks of ours (due time, subject, body)."""
        return self.tasks.update_tasks(updates)

    def close_tasks(self, closes: Sequence[TaskClose]) -> list[WriteResult]:
        """Close open tasks of ours (COMPLETED, key retired)."""
        return self.tasks.close_tasks(closes)

    def close_status(self, status: str) -> str:
        """The ``hs_task_status`` value for a ``[plan] closed_status``."""
        return self.tasks.close_status(status)
