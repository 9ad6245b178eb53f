"""What the org itself says: task statuses, Account's shape, the values of mapped picklists.

The connector never assumes what an org has. Once per run it reads (lazily, when first needed):

* the Task Status values with their *Closed* and *Default* flags, one SOQL query on
  ``TaskStatus`` ("TaskStatus", Object Reference,
  https://developer.salesforce.com/docs/atlas.en-us.object_reference.meta/object_reference/sforce_api_objects_taskstatus.htm:
  ``ApiName``, ``MasterLabel``, ``IsClosed``, ``IsDefault``, ``SortOrder``). Standard orgs close
  tasks only with ``Completed``: ``Deferred`` is *not* closed (``<closed>false</closed>`` in the
  retrieved ``TaskStatus.standardValueSet-meta.xml`` files of public org repositories);
* one describe of Account: ``CurrencyIsoCode`` exists only in multi-currency orgs ("Currency
  Fields", https://help.salesforce.com/s/articleView?id=sf.admin_currency.htm) and
  ``IsPersonAccount`` only where person accounts are on ("Person Account Fields",
  https://developer.salesforce.com/docs/atlas.en-us.object_reference.meta/object_reference/sforce_api_objects_account.htm),
  and the target fields' types (numbers are sent as JSON numbers);
* describes of the objects whose picklist values a configured role map names (only for maps
  set in the file: the defaults keep just the values the org has).

From these, pure functions pick the status new tasks get (the org's default open status), the
status the product closes tasks with (``[plan] closed_status`` when it is closed in this org,
else the org's first closed status) and refuse a configured value the org does not have with a
:class:`~crm_accounts.errors.ConfigError` that lists the values it does have. Does I/O only in
:class:`OrgFacts` (through the connector's HTTP layer).
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from crm_accounts.config import SalesforceSection
from crm_accounts.errors import ConfigError

from .http import ApiError, SalesforceHttp

__all__ = [
    "TASK_STATUS_QUERY",
    "OrgFacts",
    "TaskStatusValue",
    "closing_status",
    "open_status",
    "parse_task_statuses",
    "picklist_values",
    "unknown_role_values",
]

TASK_STATUS_QUERY = (
    "SELECT ApiName, MasterLabel, IsClosed, IsDefault, SortOrder FROM TaskStatus ORDER BY SortOrder"
)


@dataclass(frozen=True, slots=True)
class TaskStatusValue:
    """One Task Status value: ``value`` is what Task.Status holds, ``label`` what users see."""

    value: str
    label: str
    closed: bool
    default: bool


def parse_task_statuses(rows: Iterable[Mapping[str, Any]]) -> tuple[TaskStatusValue, ...]:
    """``TaskStatus`` rows in sort order as :class:`TaskStatusValue` (``ApiName`` falls back to
    ``MasterLabel``: both are the value in orgs that never renamed one)."""
    statuses = []
    for row in rows:
        label = str(row.get("MasterLabel") or "").strip()
        value = str(row.get("ApiName") or label).strip()
        if value:
            statuses.append(
                TaskStatusValue(value, label or value, row.get("IsClosed") is True,
                                row.get("IsDefault") is True)
            )  # fmt: skip
    return tuple(statuses)


def _listing(statuses: Sequence[TaskStatusValue]) -> str:
    return ", ".join(
        f"{s.value!r} ({'closed' if s.closed else 'open'}{', default' if s.default else ''})"
        for s in statuses
    )


def open_status(statuses: Sequence[TaskStatusValue]) -> str:
    """The status a new task gets: the org's default, or its first open status.

    Raises:
        ConfigError: the org has no open task status at all.
    """
    default = next((s for s in statuses if s.default and not s.closed), None)
    first_open = next((s for s in statuses if not s.closed), None)
    chosen = default or first_open
    if chosen is None:
        raise ConfigError(
            f"the org has no open Task Status, so no task can be created; statuses: "
            f"{_listing(statuses) or 'none'}"
        )
    return chosen.value


def closing_status(statuses: Sequence[TaskStatusValue], configured: str | None) -> str:
    """The status the product closes its tasks with, in the org's own terms (METHOD.md, Tasks).

    ``configured`` (``[plan] closed_status``) matches a value exactly or a label ignoring case;
    it must be closed in this org. Unset: the org's first closed status in sort order.

    Raises:
        ConfigError: the configured status is not a status of the org, or not a closed one, or
            the org has no closed status; the message lists the org's statuses.
    """
    closed = [s for s in statuses if s.closed]
    if configured is None:
        if not closed:
            raise ConfigError(
                "the org has no closed Task Status (Setup > Task Fields > Status: mark one "
                f"Closed); statuses: {_listing(statuses) or 'none'}"
            )
        return closed[0].value
    found = next((s for s in statuses if s.value == configured), None) or next(
        (s for s in statuses if s.label.casefold() == configured.casefold()), None
    )
    if found is None:
        raise ConfigError(
            f"[plan] closed_status: value {configured!r} is not a Task Status of this org; "
            f"its statuses: {_listing(statuses) or 'none'}"
        )
    if not found.closed:
        names = ", ".join(repr(s.value) for s in closed) or "none"
        raise ConfigError(
            f"[plan] closed_status: value {configured!r} is not a closed Task Status in this org "
            f"(TaskStatus.IsClosed is false), so a task 'closed' with it would stay open; closed "
            f"statuses: {names}. Leave the key out to use {closed[0].value!r}"
            if closed
            else f"[plan] closed_status: value {configured!r} is not closed in this org and the "
            f"org has no closed status; statuses: {_listing(statuses)}"
        )
    return found.value


def picklist_values(described: Mapping[str, Any] | None, field: str) -> list[str] | None:
    """The active values of a picklist field of a describe, or ``None`` without the field."""
    for item in (described or {}).get("fields", []):
        if item.get("name") == field:
            return [
                str(v.get("value"))
                for v in item.get("picklistValues") or []
                if v.get("active", True) and v.get("value") is not None
            ]
    return None


def unknown_role_values(mapping: Mapping[str, str], active: Sequence[str]) -> list[str]:
    """The keys of a role map that are not active picklist values (exact, then ignoring case,
    as the role maps match)."""
    exact = set(active)
    folded = {value.casefold() for value in active}
    return [key for key in mapping if key not in exact and key.casefold() not in folded]


class OrgFacts:
    """The org's task statuses and Account describe, each read once (thread-safe)."""

    def __init__(
        self, http: SalesforceHttp, section: SalesforceSection, closed_status: str | None = None
    ) -> None:
        self.http = http
        self.section = section
        self.configured_closed_status = closed_status
        self._lock = threading.Lock()
        self._statuses: tuple[TaskStatusValue, ...] | None = None
        self._describes: dict[str, dict[str, Any] | None] = {}

    def task_statuses(self) -> tuple[TaskStatusValue, ...]:
        with self._lock:
            if self._statuses is None:
                pages = self.http.query(TASK_STATUS_QUERY)
                self._statuses = parse_task_statuses(pages)
            return self._statuses

    def closing_status(self) -> str:
        """The status the product closes tasks with (:func:`closing_status`)."""
        return closing_status(self.task_statuses(), self.configured_closed_status)

    def open_status(self) -> str:
        """The status new tasks get (:func:`open_status`)."""
        return open_status(self.task_statuses())

    def describe(self, obj: str) -> dict[str, Any] | None:
        """``sobjects/<obj>/describe``, or ``None`` when the org does not have the object."""
        with self._lock:
            if obj not in self._describes:
                try:
                    answer = self.http.rest("describe", f"sobjects/{obj}/describe")
                except ApiError as exc:
                    if exc.status != 404:
                        raise
                    answer = None
                self._describes[obj] = answer if isinstance(answer, dict) else None
            return self._describes[obj]

    def account_fields(self) -> dict[str, dict[str, Any]]:
        described = self.describe("Account") or {}
        return {str(f.get("name")): f for f in described.get("fields", []) if f.get("name")}

    def multi_currency(self) -> bool:
        """Whether amounts are read with ``convertCurrency()``: the configured switch, else
        detected. ``multi_currency = false`` in a multi-currency org is refused: amounts of
        different currencies would be summed as plain numbers.

        Raises:
            ConfigError: ``multi_currency = false`` in a multi-currency org.
        """
        detected = "CurrencyIsoCode" in self.account_fields()
        if self.section.multi_currency is False and detected:
            raise ConfigError(
                "[salesforce] multi_currency: value false, but this org has several currencies "
                "(Account.CurrencyIsoCode exists): amounts in different currencies would be added "
                "as plain numbers. Set multi_currency = true or leave the key out"
            )
        return detected if self.section.multi_currency is None else self.section.multi_currency

    def person_accounts(self) -> bool:
        """Whether the org has person accounts (``Account.IsPersonAccount`` exists)."""
        return "IsPersonAccount" in self.account_fields()

    def check_role_values(self, setting: str, obj: str, field: str) -> None:
        """Refuse values of a role map set in the file that the org's picklist does not have.

        Raises:
            ConfigError: naming the values and listing the org's active values.
        """
        if not self.section.configured(setting):
            return
        mapping: Mapping[str, str] = getattr(self.section, setting)
        active = picklist_values(self.describe(obj), field)
        if active is None:
            return  # the object or field is missing: the query says so in its own words
        unknown = unknown_role_values(mapping, active)
        if unknown:
            raise ConfigError(
                f"[salesforce] {setting}: {', '.join(map(repr, unknown))} "
                f"{'is not a value' if len(unknown) == 1 else 'are not values'} of {obj}.{field} "
                f"in this org; its active values: {', '.join(map(repr, active)) or 'none'}"
            )
