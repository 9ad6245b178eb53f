"""The fake portal's state: records, owners, properties, associations, the token. No I/O.

Everything a test arranges or inspects lives on :class:`Portal` (``fake.state``): seed records with
:meth:`Portal.create` (``system=True`` skips validation, as an import would), read them with
:meth:`Portal.get` / :meth:`Portal.records`, add owners with :meth:`Portal.add_owner`, link records
with :meth:`Portal.associate`, define properties with :meth:`Portal.add_property`. One re-entrant
lock guards all of it (the server is threaded); the rate limits live on :attr:`Portal.limits`.

Ids are numeric strings ("hs_object_id ... should be treated as a string", Properties API guide).
The fake draws them per object type from a type-specific range of fixed width — contacts from
1000000001, companies from 2000000001, deals 3000000001, line items 8000000001, tasks
27000000001, meetings 47000000001, calls 48000000001, e-mails 49000000001, owners from 100000001
— so plain string order of one type's ids is creation order, and an id of one type is never a
valid id of another.

A record is returned as ``{"id", "properties", "createdAt", "updatedAt", "archived"}``
(reference file): the properties asked for plus those always returned (``hs_object_id`` and the
create and modification dates), values as strings, requested-but-unset ones as ``null``, unknown
names left out ("If any of the specified properties are not present ... they will be ignored",
the list endpoint's parameter doc), keys in name order. Writes that fail validation raise
:class:`RequestError` (400 ``VALIDATION_ERROR``, see :mod:`.values`).
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from .limits import RateLimits
from .schema import (
    ALWAYS_RETURNED,
    ASSOCIATION_TYPES,
    CREATED_PROPERTY,
    DEFAULT_RETURNED,
    MODIFIED_PROPERTY,
    OBJECT_TYPES,
    AssociationType,
    Option,
    PropertyDef,
    PropertyGroup,
    association_type,
    default_groups,
    default_properties,
    inverse_of,
)
from .values import ValueProblem, check_value, format_ms, invalid_properties_message

__all__ = ["ENGAGEMENT_REQUIRED", "Owner", "Portal", "Record", "RequestError"]

#: Engagements need a timestamp ("hs_timestamp: Required", Activities | Tasks guide).
ENGAGEMENT_REQUIRED = "hs_timestamp"
OWNER_ID_BASE = 100_000_000
USER_ID_BASE = 7_000_000


class RequestError(Exception):
    """A whole-request error: HTTP ``status`` and HubSpot's error body
    (``{"status": "error", "message", "correlationId", "category", ...}``)."""

    def __init__(
        self,
        status: int,
        category: str | None,
        message: str,
        *,
        context: Mapping[str, list[str]] | None = None,
        extra: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(f"{status} {category}: {message}")
        self.status = status
        self.category = category
        self.message = message
        self.context = dict(context) if context else None
        self.extra = dict(extra or {})

    def body(self, correlation_id: str) -> dict[str, Any]:
        body: dict[str, Any] = {"status": "error", "message": self.message}
        body["correlationId"] = correlation_id
        if self.context is not None:
            body["context"] = self.context
        body.update(self.extra)
        if self.category is not None:
            body["category"] = self.category
        return body


@dataclass
class Record:
    """One CRM record; ``properties`` hold stored strings (``None`` = unset)."""

    id: int
    properties: dict[str, str | None]
    created_ms: int
    updated_ms: int
    archived: bool = False
    #: What the search index holds: ``(visible from, properties)`` versions, oldest first.
    indexed: list[tuple[float, dict[str, str | None]]] = field(default_factory=list)


@dataclass
class Owner:
    id: int
    email: str
    first_name: str | None
    last_name: str | None
    user_id: int
    created_ms: int
    updated_ms: int
    archived: bool = False

    def as_json(self) -> dict[str, Any]:
        return {
            "id": str(self.id),
            "email": self.email,
            "type": "PERSON",
            "firstName": self.first_name,
            "lastName": self.last_name,
            "userId": self.user_id,
            "userIdIncludingInactive": self.user_id,
            "createdAt": format_ms(self.created_ms),
            "updatedAt": format_ms(self.updated_ms),
            "archived": self.archived,
        }


@dataclass
class _Links:
    """Association type ids per (from id, to id), in the order they were created."""

    by_from: dict[int, dict[int, list[int]]] = field(default_factory=dict)


class Portal:
    """The in-memory HubSpot account. All public methods are thread-safe."""

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self.lock = threading.RLock()
        self.clock = clock
        self.hub_id = 20141127
        self.app_id = 3014711
        self.user_id = USER_ID_BASE
        self.token = f"pat-na1-{uuid.uuid4()}"
        self.scopes: set[str] = _all_scopes()
        self.limits = RateLimits(clock)
        self.properties: dict[str, dict[str, PropertyDef]] = default_properties()
        self.groups: dict[str, dict[str, PropertyGroup]] = default_groups()
        self._records: dict[str, dict[int, Record]] = {name: {} for name in OBJECT_TYPES}
        self._counters: dict[str, int] = dict.fromkeys(OBJECT_TYPES, 0)
        self.owners: dict[int, Owner] = {}
        self._links: dict[tuple[str, str], _Links] = {}
        #: Real batch answers do not keep input order (the recorded v4 batch create lists its
        #: two results in reverse); the fake reverses them unless this is set.
        self.keep_input_order = False
        #: Associations returned per input of a v4 batch read before ``paging.next.after``.
        self.association_page_size = 500
        #: Bumped by every change of records, associations or properties: search results are
        #: cached per query until it changes (paging a large search re-evaluates nothing).
        self.version = 0
        self.search_cache: dict[tuple[object, ...], list[Record]] = {}
        #: Seconds a write takes to reach the search index (:meth:`search_view`).
        self.search_delay = 0.0
        #: Until this clock time some write is not yet searchable (the cache is off till then).
        self.index_pending_until = 0.0

    # --- time and ids ------------------------------------------------------------------------

    def now_ms(self) -> int:
        return int(self.clock() * 1000)

    def _new_id(self, object_name: str) -> int:
        self._counters[object_name] += 1
        return OBJECT_TYPES[object_name].id_base + self._counters[object_name]

    # --- token and scopes ----------------------------------------------------------------------

    def token_valid(self, token: str) -> bool:
        with self.lock:
            return bool(token) and token == self.token

    def rotate_token(self) -> str:
        """A new private-app token; the old one answers 401 from now on."""
        with self.lock:
            self.token = f"pat-na1-{uuid.uuid4()}"
            return self.token

    # --- schema --------------------------------------------------------------------------------

    def property(self, object_name: str, name: str) -> PropertyDef | None:
        with self.lock:
            return self.properties[object_name].get(name)

    def add_property(self, object_name: str, prop: PropertyDef) -> PropertyDef:
        """Define a property (as an admin or ``setup`` would); an existing one is replaced."""
        with self.lock:
            if prop.created_at is None:
                prop.created_at = format_ms(self.now_ms())
            self.properties[object_name][prop.name] = prop
            self.version += 1
            return prop

    def add_option(self, object_name: str, name: str, value: str, label: str | None = None) -> None:
        """Add an option to an enumeration property unless it is there already."""
        with self.lock:
            prop = self.properties[object_name][name]
            if value not in prop.option_values():
                prop.options.append(Option(label or value, value, display_order=len(prop.options)))
                self.version += 1

    def add_group(self, object_name: str, group: PropertyGroup) -> None:
        with self.lock:
            self.groups[object_name][group.name] = group

    # --- owners --------------------------------------------------------------------------------

    def add_owner(
        self, email: str, first_name: str | None = None, last_name: str | None = None
    ) -> str:
        """Create an active owner (a user with a seat); returns its id."""
        with self.lock:
            number = len(self.owners) + 1
            now = self.now_ms()
            owner = Owner(
                OWNER_ID_BASE + number,
                email,
                first_name,
                last_name,
                USER_ID_BASE + number,
                now,
                now,
            )
            self.owners[owner.id] = owner
            return str(owner.id)

    def owner_ids(self) -> set[str]:
        with self.lock:
            return {str(o.id) for o in self.owners.values() if not o.archived}

    # --- records -------------------------------------------------------------------------------

    def create(
        self, object_name: str, values: Mapping[str, object], *, system: bool = False
    ) -> str:
        """Create a record; returns its id.

        Raises:
            RequestError: 400 ``VALIDATION_ERROR`` for invalid values (not with ``system``).
        """
        with self.lock:
            stored = self._stored(object_name, values, creating=True, system=system)
            now = self.now_ms()
            record_id = self._new_id(object_name)
            record = Record(record_id, {}, now, now)
            record.properties.update(stored)
            self._stamp(object_name, record)
            self._records[object_name][record_id] = record
            self._index(record)
            self.version += 1
            return str(record_id)

    def update(
        self,
        object_name: str,
        record_id: str | int,
        values: Mapping[str, object],
        *,
        system: bool = False,
    ) -> None:
        """Update a record's properties (an empty string or ``None`` clears one).

        Raises:
            RequestError: 404 for an unknown id, 400 for invalid values (not with ``system``).
        """
        with self.lock:
            record = self.find(object_name, record_id)
            if record is None:
                raise RequestError(404, None, "resource not found")
            stored = self._stored(object_name, values, creating=False, system=system)
            record.properties.update(stored)
            record.updated_ms = max(self.now_ms(), record.updated_ms)
            self._stamp(object_name, record)
            self._index(record)
            self.version += 1

    def check_values(
        self, object_name: str, values: Mapping[str, object], *, creating: bool
    ) -> dict[str, str | None]:
        """Validated, normalized values for a write.

        Raises:
            RequestError: 400 ``VALIDATION_ERROR`` listing every invalid property.
        """
        with self.lock:
            return self._stored(object_name, values, creating=creating, system=False)

    def _stored(
        self, object_name: str, values: Mapping[str, object], *, creating: bool, system: bool
    ) -> dict[str, str | None]:
        if system:
            return {k: None if v is None or v == "" else str(v) for k, v in values.items()}
        schema = self.properties[object_name]
        owners = self.owner_ids()
        stored: dict[str, str | None] = {}
        problems: list[ValueProblem] = []
        for name, raw in values.items():
            value, problem = check_value(schema.get(name), name, raw, owners)
            if problem is not None:
                problems.append(problem)
            else:
                stored[name] = value
        engagement = object_name in ("meetings", "calls", "emails", "tasks")
        if (
            creating
            and engagement
            and stored.get(ENGAGEMENT_REQUIRED) is None
            and not any(p["name"] == ENGAGEMENT_REQUIRED for p in problems)
        ):
            problems.append(
                {
                    "isValid": False,
                    "message": f"{ENGAGEMENT_REQUIRED} is required",
                    "error": "MISSING_REQUIRED_PROPERTY",
                    "name": ENGAGEMENT_REQUIRED,
                }
            )
        if problems:
            raise RequestError(400, "VALIDATION_ERROR", invalid_properties_message(problems))
        return stored

    def _stamp(self, object_name: str, record: Record) -> None:
        """Maintain the system and calculated properties."""
        props = record.properties
        props["hs_object_id"] = str(record.id)
        props[CREATED_PROPERTY[object_name]] = format_ms(record.created_ms)
        props[MODIFIED_PROPERTY[object_name]] = format_ms(record.updated_ms)
        if object_name == "deals":
            props["hs_is_closed_won"] = "true" if props.get("dealstage") == "closedwon" else "false"
        if object_name == "line_items":
            try:
                total = Decimal(props.get("price") or "0") * Decimal(props.get("quantity") or "1")
            except InvalidOperation:
                total = None
            props["amount"] = None if total is None or props.get("price") is None else str(total)

    def _index(self, record: Record) -> None:
        """Queue the record's current properties for the search index."""
        if self.search_delay <= 0:
            record.indexed = [(0.0, dict(record.properties))]
            return
        due = self.clock() + self.search_delay
        record.indexed.append((due, dict(record.properties)))
        self.index_pending_until = max(self.index_pending_until, due)

    def settle(self) -> None:
        """Make every write searchable now (data loaded "long ago")."""
        with self.lock:
            for records in self._records.values():
                for record in records.values():
                    record.indexed = [(0.0, dict(record.properties))]
            self.index_pending_until = 0.0
            self.version += 1

    def search_view(self, record: Record) -> Record | None:
        """The record as search sees it now: its newest indexed version, ``None`` when none is
        visible yet (hold :attr:`lock`). Reads by id and lists see writes at once."""
        now = self.clock()
        visible = [i for i, (due, _) in enumerate(record.indexed) if due <= now]
        if not visible:
            return None
        last = visible[-1]
        del record.indexed[:last]
        return Record(record.id, dict(record.indexed[0][1]), record.created_ms, record.updated_ms)

    def find(self, object_name: str, record_id: str | int) -> Record | None:
        """The live record (hold :attr:`lock`), or ``None``."""
        try:
            number = int(record_id)
        except (TypeError, ValueError):
            return None
        return self._records[object_name].get(number)

    def get(self, object_name: str, record_id: str | int) -> dict[str, str | None] | None:
        """A copy of a record's stored properties, or ``None``."""
        with self.lock:
            record = self.find(object_name, record_id)
            return dict(record.properties) if record else None

    def records(self, object_name: str) -> list[Record]:
        """The live records of a type in id order (hold :attr:`lock` while using them)."""
        with self.lock:
            return [self._records[object_name][k] for k in sorted(self._records[object_name])]

    def count(self, object_name: str) -> int:
        with self.lock:
            return len(self._records[object_name])

    def record_json(
        self, object_name: str, record: Record, requested: Iterable[str] | None
    ) -> dict[str, Any]:
        """A record as the API returns it (see the module docstring)."""
        wanted = list(requested) if requested is not None else []
        names = set(ALWAYS_RETURNED[object_name])
        names.update(wanted if wanted else DEFAULT_RETURNED[object_name])
        schema = self.properties[object_name]
        props = {n: record.properties.get(n) for n in sorted(names) if n in schema}
        return {
            "id": str(record.id),
            "properties": props,
            "createdAt": format_ms(record.created_ms),
            "updatedAt": format_ms(record.updated_ms),
            "archived": record.archived,
        }

    # --- associations --------------------------------------------------------------------------

    def associate(
        self,
        from_type: str,
        from_id: str | int,
        to_type: str,
        to_id: str | int,
        type_ids: Iterable[int] | None = None,
    ) -> None:
        """Associate two records with HubSpot-defined types (default: the unlabelled one); the
        inverse types are recorded too, as HubSpot does.

        Raises:
            ValueError: for a type id that does not go from ``from_type`` to ``to_type``.
        """
        with self.lock:
            kinds = (
                [association_type(t) for t in type_ids]
                if type_ids
                else [self.default_association(from_type, to_type)]
            )
            for kind in kinds:
                if kind is None or (kind.from_type, kind.to_type) != (from_type, to_type):
                    raise ValueError(f"no association type {kind} from {from_type} to {to_type}")
                self._link(kind, int(from_id), int(to_id))
                self._link(inverse_of(kind), int(to_id), int(from_id))

    def _link(self, kind: AssociationType, from_id: int, to_id: int) -> None:
        self.version += 1
        links = self._links.setdefault((kind.from_type, kind.to_type), _Links())
        kinds = links.by_from.setdefault(from_id, {}).setdefault(to_id, [])
        if kind.type_id not in kinds:
            kinds.append(kind.type_id)

    @staticmethod
    def default_association(from_type: str, to_type: str) -> AssociationType:
        """The unlabelled HubSpot-defined type from ``from_type`` to ``to_type``.

        Raises:
            ValueError: when the fake defines no association between the two types.
        """
        for kind in ASSOCIATION_TYPES:
            if (kind.from_type, kind.to_type) == (from_type, to_type) and kind.label is None:
                return kind
        raise ValueError(f"no association type from {from_type} to {to_type}")

    def associations(
        self, from_type: str, from_id: str | int, to_type: str
    ) -> list[tuple[int, list[AssociationType]]]:
        """``(to id, types)`` of one record's associations to a type, in id order."""
        with self.lock:
            links = self._links.get((from_type, to_type))
            if links is None:
                return []
            targets = links.by_from.get(int(from_id), {})
            return [
                (to_id, [t for t in (association_type(i) for i in targets[to_id]) if t])
                for to_id in sorted(targets)
                if self.find(to_type, to_id) is not None
            ]


def _all_scopes() -> set[str]:
    scopes = {"crm.objects.owners.read", "oauth"}
    for obj in OBJECT_TYPES.values():
        scopes.update(
            (obj.read_scope, obj.write_scope, obj.schema_read_scope, obj.schema_write_scope)
        )
    return scopes
