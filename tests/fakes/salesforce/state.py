"""The fake org's state: records, id allocation, derived fields, saves, tokens, limits. No I/O.

Everything a test may want to arrange or inspect lives on :class:`Org` (``fake.state``): seed
records with :meth:`Org.create`, read them with :meth:`Org.get` / :meth:`Org.records`, set the daily
API allowance with :meth:`Org.set_daily_limit`, switch multi-currency on with
:meth:`Org.enable_multi_currency`. One re-entrant lock guards all of it (the server is threaded).

Ids are 18-character Salesforce ids: the object's key prefix, ``RM0``, a 9-digit sequence number
per prefix, and the 3-character case-safe suffix computed as the platform does (one character per
5-character chunk, whose bits mark its upper-case letters: "ID Field Type", SOAP API Developer
Guide, http://www.salesforce.com/us/developer/docs/api/Content/field_types.htm, and the common
converters, e.g. gist.github.com/hynekcer/0f8416c8bf05316141bed12a749af33a). Plain string order of
the ids of one object is therefore creation order, which the loader uses to keep source id order.

Saves follow "Update Records Using sObject Collections" and "Create Records Using sObject
Collections" (REST API Developer Guide, https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_composite_sobjects_collections_update.htm):
each record gets ``{"statusCode", "message", "fields"}`` errors, e.g. ``UNABLE_TO_LOCK_ROW``
("unable to obtain exclusive access to this record or 1 records: <id>"), ``DUPLICATE_VALUE``
("duplicate value found: KAM_Task_Key__c duplicates value on record with id: <id>";
``<unknown>`` for a duplicate inside the same request), ``ENTITY_IS_DELETED`` for an id that does
not exist, ``MALFORMED_ID`` ("Account ID: id value of incorrect type: ..."),
``INVALID_FIELD_FOR_INSERT_UPDATE`` for a read-only field, ``REQUIRED_FIELD_MISSING``,
``INVALID_CROSS_REFERENCE_KEY``.

Multi-currency follows "convertCurrency()" (SOQL and SOSL Reference,
https://developer.salesforce.com/docs/atlas.en-us.soql_sosl.meta/soql_sosl/sforce_api_calls_soql_querying_currency_fields.htm):
amounts convert to the user's currency (here the corporate currency) with the static conversion
rates, or, with advanced currency management, with the dated rate in force on the opportunity's
CloseDate (line items use their opportunity's). Converted amounts are rounded to 2 decimals.
"""

from __future__ import annotations

import re
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

from .activities import (
    activity_fields,
    activity_objects,
    after_activity_save,
    archived,
    org_today,
)
from .admin import ADMIN_OBJECTS, FieldAccess, admin_objects
from .features import apply_profile, task_status_rows
from .profile import OrgProfile, resolve_profile
from .schema import FieldDef, ObjectDef, default_schema
from .values import Stored, constraint_error, rounded

__all__ = [
    "ORG_ID",
    "DatedRate",
    "Org",
    "RecordError",
    "RequestError",
    "make_id",
]

ORG_ID = "00DRM0000000001AAA"
_ID = re.compile(r"[a-zA-Z0-9]{15}(?:[a-zA-Z0-9]{3})?$")
_SUFFIX_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"
_CLOSED_STAGES = {"Closed Won": True, "Closed Lost": False}
_CENT = Decimal("0.01")


def make_id(prefix: str, number: int) -> str:
    """The 18-character id number ``number`` of key prefix ``prefix``."""
    base = f"{prefix}RM0{number:09d}"
    suffix = ""
    for chunk in range(3):
        bits = sum(1 << i for i, ch in enumerate(base[chunk * 5 : chunk * 5 + 5]) if ch.isupper())
        suffix += _SUFFIX_CHARS[bits]
    return base + suffix


class RequestError(Exception):
    """A whole-request error: HTTP ``status`` with ``[{"message", "errorCode"}]``."""

    def __init__(self, status: int, error_code: str, message: str) -> None:
        super().__init__(f"{status} {error_code}: {message}")
        self.status = status
        self.error_code = error_code
        self.message = message

    def body(self) -> list[dict[str, Any]]:
        return [{"message": self.message, "errorCode": self.error_code}]


class RecordError(Exception):
    """A per-record failure: one or more ``{"statusCode", "message", "fields"}`` errors."""

    def __init__(self, code: str, message: str, fields: list[str] | None = None) -> None:
        super().__init__(f"{code}: {message}")
        self.errors: list[dict[str, Any]] = [
            {"statusCode": code, "message": message, "fields": list(fields or [])}
        ]

    @property
    def code(self) -> str:
        return str(self.errors[0]["statusCode"])


@dataclass(frozen=True)
class DatedRate:
    """A dated exchange rate (advanced currency management): in force from ``start``."""

    iso_code: str
    start: date
    rate: Decimal


@dataclass
class _Cursor:
    rows: list[dict[str, Any]]
    batch_size: int
    total: int


@dataclass
class Transaction:
    """The records one request touched, with their previous values, to roll back ``allOrNone``."""

    before: dict[str, dict[str, Stored] | None] = field(default_factory=dict)


def standard_profile() -> OrgProfile:
    """The shipped standard profile (``profiles/standard.json``), what an org without one is."""
    return resolve_profile(None)


class Org:
    """The in-memory org. All public methods are thread-safe.

    Args:
        clock: Seconds since the epoch (token expiry, job times, the org's today).
        profile: What this org has (:mod:`.profile`): a profile, a profile file or a shipped
            profile's name; the shipped standard profile when omitted.
    """

    def __init__(
        self,
        clock: Callable[[], float] = time.time,
        profile: OrgProfile | Path | str | None = None,
    ) -> None:
        self.lock = threading.RLock()
        self.clock = clock
        self.profile = resolve_profile(profile)
        self.schema: dict[str, ObjectDef] = {
            **default_schema(),
            **admin_objects(),
            **activity_objects(self.profile),
        }
        activity_fields(self.schema)
        apply_profile(self.schema, self.profile)
        #: Fields created through the Tooling API and their field-level security (:mod:`.admin`).
        self.access = FieldAccess(self)
        self._by_prefix = {obj.key_prefix: obj.name for obj in self.schema.values()}
        self._records: dict[str, dict[str, dict[str, Stored]]] = {n: {} for n in self.schema}
        self._counters: dict[str, int] = {}
        self._unique: dict[tuple[str, str], dict[str, str]] = {}
        self.row_locks: dict[str, int] = {}
        self.task_closed_statuses: set[str] = set(self.profile.closed_statuses)
        self.daily_max = 100_000
        self.daily_used = 0
        self._tokens: dict[str, bool] = {}
        self.max_open_cursors = 10
        self._cursors: OrderedDict[str, _Cursor] = OrderedDict()
        self.multi_currency = False
        self.corporate_currency = "EUR"
        self.rates: dict[str, Decimal] = {}
        self.dated_rates: list[DatedRate] = []
        self.api_user_id: str | None = None
        self.api_user()
        for row in task_status_rows(self.profile):
            self.create("TaskStatus", row, system=True)
        if self.profile.multi_currency:
            self.enable_multi_currency(
                self.profile.corporate_currency, dict(self.profile.currencies)
            )

    # --- ids and lookup -------------------------------------------------------------------

    def new_id(self, object_name: str) -> str:
        with self.lock:
            prefix = self.schema[object_name].key_prefix
            self._counters[prefix] = self._counters.get(prefix, 0) + 1
            return make_id(prefix, self._counters[prefix])

    def object_of(self, record_id: str) -> str | None:
        """The object an id belongs to by its key prefix (``None`` for an unknown prefix)."""
        return self._by_prefix.get(record_id[:3])

    def resolve(self, record_id: str) -> tuple[str, dict[str, Stored]] | None:
        """``(object name, stored values)`` of an existing record; 15-char ids accepted."""
        object_name = self.object_of(record_id)
        if object_name is None or not _ID.match(record_id):
            return None
        table = self._records[object_name]
        if len(record_id) == 18:
            found = table.get(record_id)
            return (object_name, found) if found is not None else None
        return next(
            ((object_name, rec) for rid, rec in table.items() if rid[:15] == record_id), None
        )

    def get(self, record_id: str) -> dict[str, Stored] | None:
        """A copy of a record's stored values (with ``Id``), or ``None``."""
        with self.lock:
            found = self.resolve(record_id)
            return dict(found[1]) if found else None

    def records(self, object_name: str) -> list[dict[str, Stored]]:
        """Copies of all records of one object, in id order."""
        with self.lock:
            return [dict(r) for _, r in sorted(self._records[object_name].items())]

    def table(self, object_name: str) -> Mapping[str, dict[str, Stored]]:
        """The live records of an object by id (hold :attr:`lock`; do not modify)."""
        return self._records[object_name]

    def count(self, object_name: str) -> int:
        with self.lock:
            return len(self._records[object_name])

    # --- metadata ---------------------------------------------------------------------------

    def add_field(self, object_name: str, field_def: FieldDef) -> None:
        """Add a custom field (as an admin would)."""
        with self.lock:
            self.schema[object_name].add(field_def)

    def add_picklist_value(self, object_name: str, field_name: str, value: str) -> None:
        with self.lock:
            self.schema[object_name].with_picklist_value(field_name, value)

    def enable_multi_currency(
        self,
        corporate: str = "EUR",
        rates: Mapping[str, Decimal | str] | None = None,
        dated_rates: list[DatedRate] | None = None,
    ) -> None:
        """Turn multi-currency on: ``CurrencyIsoCode`` appears on Account, Opportunity and
        OpportunityLineItem (existing records get ``corporate``). ``rates`` are static conversion
        rates (units per one unit of the corporate currency); ``dated_rates`` switch on advanced
        currency management for opportunities and their line items."""
        with self.lock:
            self.multi_currency = True
            self.corporate_currency = corporate
            self.rates = {corporate: Decimal(1)}
            self.rates.update({k: Decimal(v) for k, v in (rates or {}).items()})
            self.dated_rates = sorted(dated_rates or [], key=lambda r: (r.iso_code, r.start))
            codes = tuple(sorted(self.rates))
            for name in ("Account", "Opportunity", "OpportunityLineItem"):
                currency = FieldDef(
                    "CurrencyIsoCode", "picklist", "Currency ISO Code", length=3, picklist=codes,
                    restricted=True, derived=name == "OpportunityLineItem",
                    createable=name != "OpportunityLineItem",
                    updateable=name != "OpportunityLineItem",
                )  # fmt: skip
                self.schema[name].add(currency)
                for record in self._records[name].values():
                    record.setdefault("CurrencyIsoCode", corporate)

    def convert_currency(self, object_name: str, record: Mapping[str, Stored], name: str) -> Any:
        """``record[name]`` in the corporate currency (``None`` stays ``None``)."""
        amount = record.get(name)
        if not isinstance(amount, Decimal):
            return amount
        iso = str(record.get("CurrencyIsoCode") or self.corporate_currency)
        close = self._close_date(object_name, record)
        rate = self._rate(iso, close)
        return (amount / rate).quantize(_CENT, rounding=ROUND_HALF_UP)

    def _close_date(self, object_name: str, record: Mapping[str, Stored]) -> date | None:
        if object_name == "Opportunity":
            value = record.get("CloseDate")
        elif object_name == "OpportunityLineItem":
            parent = self._records["Opportunity"].get(str(record.get("OpportunityId")))
            value = parent.get("CloseDate") if parent else None
        else:
            return None
        return value if isinstance(value, date) else None

    def _rate(self, iso: str, on: date | None) -> Decimal:
        if on is not None:
            dated = [r for r in self.dated_rates if r.iso_code == iso and r.start <= on]
            if dated:
                return dated[-1].rate
        return self.rates.get(iso, Decimal(1))

    # --- tokens and the daily allowance ----------------------------------------------------

    def issue_token(self) -> str:
        """A new valid access token (what the OAuth endpoint hands out)."""
        token = f"{ORG_ID[:15]}!{secrets.token_urlsafe(48)}"
        with self.lock:
            self._tokens[token] = True
        return token

    def token_valid(self, token: str) -> bool:
        with self.lock:
            return self._tokens.get(token, False)

    def expire_tokens(self) -> None:
        """Every token issued so far answers 401 ``INVALID_SESSION_ID`` from now on."""
        with self.lock:
            self._tokens = dict.fromkeys(self._tokens, False)

    def set_daily_limit(self, max: int | None = None, used: int | None = None) -> None:
        """Set the org's daily API request allowance and how much of it is used."""
        with self.lock:
            if max is not None:
                self.daily_max = max
            if used is not None:
                self.daily_used = used

    def consume_api_call(self) -> bool:
        """Count one API request; ``False`` (and nothing counted) when the allowance is used up."""
        with self.lock:
            if self.daily_used >= self.daily_max:
                return False
            self.daily_used += 1
            return True

    # --- query cursors -----------------------------------------------------------------------

    def open_cursor(self, rows: list[dict[str, Any]], batch_size: int) -> str:
        """Keep the rest of a query for ``nextRecordsUrl``; the oldest cursor beyond
        :attr:`max_open_cursors` is released (the platform keeps 10 per user)."""
        locator = "0r8RM" + secrets.token_hex(7)[:13].upper()
        with self.lock:
            self._cursors[locator] = _Cursor(rows, batch_size, len(rows))
            while len(self._cursors) > self.max_open_cursors:
                self._cursors.popitem(last=False)
        return locator

    def read_cursor(self, locator: str, offset: int) -> tuple[list[dict[str, Any]], int, bool]:
        """``(rows, total, done)`` of the batch at ``offset``; the cursor is released at the end.

        Raises:
            RequestError: 400 ``INVALID_QUERY_LOCATOR`` for an unknown, released or read-out one.
        """
        with self.lock:
            cursor = self._cursors.get(locator)
            if cursor is None or not 0 < offset < cursor.total:
                raise RequestError(400, "INVALID_QUERY_LOCATOR", "invalid query locator")
            rows = cursor.rows[offset : offset + cursor.batch_size]
            done = offset + len(rows) >= cursor.total
            if done:
                del self._cursors[locator]
            return rows, cursor.total, done

    def batch_size_of(self, locator: str) -> int:
        with self.lock:
            cursor = self._cursors.get(locator)
            return cursor.batch_size if cursor else 0

    # --- the API user --------------------------------------------------------------------------

    def api_user(self) -> str:
        """The integration user the API runs as: it owns records created without an owner.

        It exists from the start with the last possible User number, so users created later
        (the loader's members) keep their own id order before it.
        """
        with self.lock:
            if self.api_user_id is None:
                user_id = make_id("005", 999_999_999)
                record: dict[str, Stored] = {
                    "Id": user_id,
                    "Username": "integration@crm-accounts.example",
                    "FirstName": "Integration",
                    "LastName": "User",
                    "Email": "integration@crm-accounts.example",
                    "IsActive": True,
                    "KAM_Capacity_Per_Week__c": None,
                    "KAM_Pioneer__c": False,
                }
                self._derive("User", record)
                self._records["User"][user_id] = record
                self.api_user_id = user_id
            return self.api_user_id

    # --- saves ----------------------------------------------------------------------------------

    def create(
        self,
        object_name: str,
        values: Mapping[str, Stored],
        *,
        system: bool = False,
        txn: Transaction | None = None,
    ) -> str:
        """Insert a record and return its id. ``system`` skips the createable check and lock
        faults (for seeding); constraints, references and unique fields are always checked.

        Raises:
            RecordError: the record is refused (one result of a collection or bulk request).
        """
        with self.lock:
            obj = self.schema[object_name]
            if not system:
                self._check_writable(obj, values, "createable")
                self._check_locks(values.get(f.name) for f in obj.fields.values() if f.reference_to)
            record: dict[str, Stored] = self._defaults(obj)
            record.update(self._checked(obj, values))
            if "OwnerId" in obj.fields and record.get("OwnerId") is None:
                record["OwnerId"] = self.api_user()  # a null owner defaults to the running user
            self._check_required(obj, record)
            self._derive(object_name, record)
            if object_name in ADMIN_OBJECTS:
                self.access.before_save(object_name, record, None)
            record_id = self.new_id(object_name)
            record["Id"] = record_id
            self._claim_unique(obj, record_id, record, txn)
            self._records[object_name][record_id] = record
            if txn is not None:
                txn.before[record_id] = None
            if object_name in ADMIN_OBJECTS:
                self.access.refresh()
            if object_name in ("Task", "Event"):
                after_activity_save(self, object_name, record_id, created=True)
            return record_id

    def update(
        self,
        record_id: object,
        values: Mapping[str, Stored],
        *,
        object_name: str | None = None,
        system: bool = False,
        txn: Transaction | None = None,
    ) -> str:
        """Update a record (only the given fields) and return its 18-character id.

        Raises:
            RecordError: the record is refused.
        """
        with self.lock:
            expected = self.schema[object_name] if object_name else None
            if record_id is None or record_id == "":
                raise RecordError("MISSING_ARGUMENT", "Id not specified in an update call")
            text = str(record_id)
            actual = self.object_of(text)
            if not _ID.match(text) or actual is None or (expected and expected.name != actual):
                label = expected.label if expected else "Record"
                raise RecordError(
                    "MALFORMED_ID", f"{label} ID: id value of incorrect type: {text}", ["Id"]
                )
            found = self.resolve(text)
            if found is None:
                raise RecordError("ENTITY_IS_DELETED", "entity is deleted")
            name, current = found
            obj = self.schema[name]
            full_id = str(current["Id"])
            if not system:
                self._check_locks([full_id])
                self._check_writable(obj, values, "updateable")
            changes = self._checked(obj, values)
            merged = {**current, **changes}
            self._check_required(obj, merged)
            self._derive(name, merged)
            if name in ADMIN_OBJECTS:
                self.access.before_save(name, merged, full_id)
            self._claim_unique(obj, full_id, merged, txn)
            if txn is not None and full_id not in txn.before:
                txn.before[full_id] = dict(current)
            self._records[name][full_id] = merged
            if name in ADMIN_OBJECTS:
                self.access.refresh()
            return full_id

    def rollback(self, txn: Transaction) -> None:
        """Undo every change recorded in ``txn`` (``allOrNone``)."""
        with self.lock:
            for record_id, previous in reversed(list(txn.before.items())):
                name = self.object_of(record_id)
                assert name is not None
                current = self._records[name].pop(record_id, None)
                if current is not None:
                    self._release_unique(self.schema[name], record_id, current)
                if previous is not None:
                    self._records[name][record_id] = previous
                    self._claim_unique(self.schema[name], record_id, previous, None)
            self.access.refresh()

    def _check_writable(self, obj: ObjectDef, values: Mapping[str, Stored], flag: str) -> None:
        refused = [n for n in values if not getattr(obj.fields[n], flag)]
        if refused:
            names = ", ".join(refused)
            raise RecordError(
                "INVALID_FIELD_FOR_INSERT_UPDATE",
                f"Unable to create/update fields: {names}. Please check the security settings of "
                "this field and verify that it is read/write for your profile or permission set.",
                refused,
            )

    def _check_locks(self, ids: Any) -> None:
        for value in ids:
            if isinstance(value, str) and self.row_locks.get(value, 0) > 0:
                self.row_locks[value] -= 1
                raise RecordError(
                    "UNABLE_TO_LOCK_ROW",
                    f"unable to obtain exclusive access to this record or 1 records: {value}",
                )

    def _checked(self, obj: ObjectDef, values: Mapping[str, Stored]) -> dict[str, Stored]:
        """Values rounded to scale, after constraint and reference checks."""
        result: dict[str, Stored] = {}
        for name, raw in values.items():
            f = obj.fields[name]
            value = rounded(f, raw)
            problem = constraint_error(f, value)
            if problem:
                raise RecordError(problem[0], problem[1], [name])
            if f.type == "multipicklist" and isinstance(value, str):
                value = ";".join(v.strip() for v in value.split(";") if v.strip()) or None
            if f.type == "reference" and value is not None:
                self._check_reference(f, str(value))
                value = str(self.resolve(str(value))[1]["Id"])  # type: ignore[index]  # checked
            result[name] = value
        return result

    def _check_reference(self, f: FieldDef, value: str) -> None:
        target = self.object_of(value)
        if not _ID.match(value) or target not in f.reference_to:
            raise RecordError(
                "MALFORMED_ID", f"{f.display_label}: id value of incorrect type: {value}", [f.name]
            )
        if self.resolve(value) is None:
            raise RecordError("INVALID_CROSS_REFERENCE_KEY", "invalid cross reference id", [f.name])

    def _check_required(self, obj: ObjectDef, record: Mapping[str, Stored]) -> None:
        missing = [f.name for f in obj.fields.values() if f.required and record.get(f.name) is None]
        if missing:
            raise RecordError(
                "REQUIRED_FIELD_MISSING", f"Required fields are missing: [{', '.join(missing)}]",
                missing,
            )  # fmt: skip

    def _defaults(self, obj: ObjectDef) -> dict[str, Stored]:
        record: dict[str, Stored] = {
            f.name: False for f in obj.fields.values() if f.type == "boolean"
        }
        if obj.name == "Task":
            record.update({"Status": self.profile.default_status, "Priority": "Normal"})
        if obj.name in ("User", "AccountContactRelation", "Product2"):
            record["IsActive"] = True
        if "CurrencyIsoCode" in obj.fields:
            record["CurrencyIsoCode"] = self.corporate_currency
        return record

    def _derive(self, object_name: str, record: dict[str, Stored]) -> None:
        if object_name in ("Contact", "User", "Lead"):
            parts = [record.get("FirstName"), record.get("LastName")]
            record["Name"] = " ".join(str(p) for p in parts if p) or None
        elif object_name == "Opportunity":
            stage = record.get("StageName")
            record["IsClosed"] = stage in _CLOSED_STAGES
            record["IsWon"] = _CLOSED_STAGES.get(str(stage), False)
        elif object_name == "Task":
            record["IsClosed"] = record.get("Status") in self.task_closed_statuses
        elif object_name == "OpportunityLineItem" and self.multi_currency:
            parent = self._records["Opportunity"].get(str(record.get("OpportunityId")))
            record["CurrencyIsoCode"] = parent.get("CurrencyIsoCode") if parent else None
        if object_name in ("Task", "Event"):
            record["AccountId"] = self._activity_account(record)
            today = org_today(self)
            days = self.profile.archive_after_days
            record["IsArchived"] = archived(object_name, record, today, days, today)
        elif object_name in ("TaskRelation", "EventRelation"):
            found = self.resolve(str(record.get("RelationId") or ""))
            if found is not None:
                kind, related = found
                record["AccountId"] = (
                    related["Id"] if kind == "Account" else related.get("AccountId")
                )

    def _activity_account(self, record: Mapping[str, Stored]) -> Stored:
        what = record.get("WhatId")
        if isinstance(what, str):
            found = self.resolve(what)
            if found and found[0] == "Account":
                return found[1]["Id"]
            if found and found[0] == "Opportunity":
                return found[1].get("AccountId")
        who = record.get("WhoId")
        found = self.resolve(who) if isinstance(who, str) else None
        return found[1].get("AccountId") if found else None

    def _claim_unique(
        self, obj: ObjectDef, record_id: str, record: Mapping[str, Stored], txn: Transaction | None
    ) -> None:
        for f in obj.fields.values():
            if not f.unique:
                continue
            index = self._unique.setdefault((obj.name, f.name), {})
            value = record.get(f.name)
            old = [k for k, v in index.items() if v == record_id]
            if value is None:
                for key in old:
                    del index[key]
                continue
            key = str(value).casefold()  # unique external ids are case-insensitive by default
            holder = index.get(key)
            if holder is not None and holder != record_id:
                same_request = txn is not None and holder in txn.before
                shown = "<unknown>" if same_request else f.name
                where = "<unknown>" if same_request else holder
                raise RecordError(
                    "DUPLICATE_VALUE",
                    f"duplicate value found: {shown} duplicates value on record with id: {where}",
                )
            for stale in old:
                del index[stale]
            index[key] = record_id

    def _release_unique(self, obj: ObjectDef, record_id: str, record: Mapping[str, Stored]) -> None:
        for f in obj.fields.values():
            if f.unique:
                index = self._unique.get((obj.name, f.name), {})
                value = record.get(f.name)
                if value is not None and index.get(str(value).casefold()) == record_id:
                    del index[str(value).casefold()]

    def iter_records(self, object_name: str) -> Iterator[dict[str, Stored]]:
        """The live records in id order (hold :attr:`lock`)."""
        table = self._records[object_name]
        for record_id in sorted(table):
            yield table[record_id]
