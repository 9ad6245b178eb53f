"""Load a CSV source folder (CONTRACTS.md; the demo generator writes one) into the fake portal.

Reads files. The mapping follows docs/dev/hubspot-spec.md:

* ``members.csv`` -> owners (numeric ids; ``firstName`` = first word of ``name``, ``lastName`` =
  the rest; e-mail, else ``<id>@members.example``).
* ``accounts.csv`` -> companies: ``name``, ``industry`` and ``integration_stage`` (dropdowns; the
  values found are added as options, as an admin would), ``strategic_fit`` and ``payment_days``
  (number properties), ``city``, ``country``; any other column becomes a text property of that
  name. A number column that holds no number (``n/a``) is left empty and listed in
  :attr:`LoadResult.dropped`. ``hubspot_owner_id`` is the account's ``account_manager`` (its
  first one in ``team.csv``), else none. Other team roles go to the owner-valued company
  properties of :data:`TEAM_ROLE_PROPERTIES` (first member per role). What a property cannot hold
  — ``sales_manager`` and ``administration`` (no property), a second member in one role, a second
  account manager — is listed in :attr:`LoadResult.roster` for the test config's roster; pioneers
  and weekly capacities, which HubSpot has no field for, in :attr:`LoadResult.pioneers` and
  :attr:`LoadResult.capacities`.
* ``contacts.csv`` -> contacts (``firstname``/``lastname`` split as for owners, ``email``,
  ``jobtitle`` = ``title``, ``kam_gatekeeper`` = ``gatekeeper`` as ``true``/``false``), with
  ``hs_buying_role`` = the DMU roles mapped by :data:`BUYING_ROLE_VALUES` (the inverse of the
  spec's default map, first value per role: decider -> DECISION_MAKER, buyer -> BUDGET_HOLDER,
  influencer -> INFLUENCER, user -> END_USER, advisor -> LEGAL_AND_COMPLIANCE; ``supporter`` has
  no HubSpot value, so the loader adds the custom option ``SUPPORTER`` that
  :data:`EXTRA_BUYING_ROLES` maps), associated to their company (contact to company 279 and the
  primary type 1).
* ``revenue.csv`` -> one closed-won deal per line (``dealname`` "<company> <date>", ``amount``,
  ``closedate`` at midnight UTC of the date, as HubSpot stores dates; ``dealstage`` closedwon,
  ``pipeline`` default, so ``hs_is_closed_won`` is true; ``kam_margin``; ``deal_currency_code``
  from an optional ``currency`` column; owner = the company's), associated to the company (341
  and primary 5), plus a line item (``name`` and ``hs_sku`` = product, ``price`` = amount,
  ``quantity`` 1, ``kam_margin``) associated to the deal (20) when the line has a product.
* ``activities.csv`` -> meetings (type ``meeting``), calls, e-mails, and tasks (``task`` and any
  other type), ``hs_timestamp`` at noon UTC of the date, ``hubspot_owner_id`` = the member, and
  the completion property: ``hs_meeting_outcome`` COMPLETED (open: SCHEDULED), ``hs_call_status``
  COMPLETED (open: none), ``hs_email_status`` SENT (open: SCHEDULED), ``hs_task_status``
  COMPLETED (open: NOT_STARTED); associated to the contact and the company.
* ``tasks.csv`` (optional; written by ``sync`` to a CSV source) -> tasks with ``kam_task_key`` =
  ``key``, ``hs_task_status`` from ``status`` (``open`` -> NOT_STARTED), due date at noon UTC.

Ids are allocated per object type in sorted source-id order (file order for revenue lines and for
activities without ids), so plain string order of the HubSpot ids equals that of the source ids.
:class:`LoadResult` maps source ids to HubSpot ids and back. The loader validates nothing the CSV
source would refuse.
"""

from __future__ import annotations

import csv
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from pathlib import Path

from .schema import Option, PropertyDef, owner_property
from .state import Portal
from .values import check_value, format_ms

__all__ = [
    "BUYING_ROLE_VALUES",
    "DEFAULT_BUYING_ROLES",
    "EXTRA_BUYING_ROLES",
    "TEAM_ROLE_PROPERTIES",
    "LoadResult",
    "RosterEntry",
    "load_source",
]

#: The spec's default ``hs_buying_role`` value -> DMU role map.
DEFAULT_BUYING_ROLES: dict[str, str] = {
    "DECISION_MAKER": "decider",
    "EXECUTIVE_SPONSOR": "decider",
    "BUDGET_HOLDER": "buyer",
    "INFLUENCER": "influencer",
    "CHAMPION": "influencer",
    "END_USER": "user",
    "LEGAL_AND_COMPLIANCE": "advisor",
}
#: Custom option the loader adds for the role HubSpot has no value for (value -> DMU role).
EXTRA_BUYING_ROLES: dict[str, str] = {"SUPPORTER": "supporter"}
#: DMU role -> the ``hs_buying_role`` value the loader writes.
BUYING_ROLE_VALUES: dict[str, str] = {}
for _value, _role in [*DEFAULT_BUYING_ROLES.items(), *EXTRA_BUYING_ROLES.items()]:
    BUYING_ROLE_VALUES.setdefault(_role, _value)
#: Owner-valued company property -> the PSU role it holds (the spec's examples).
TEAM_ROLE_PROPERTIES: dict[str, str] = {
    "kam_sales_rep": "sales_rep",
    "kam_support_owner": "support",
    "kam_delivery_owner": "delivery",
    "kam_executive_owner": "executive",
}
_PROPERTY_OF_ROLE = {role: prop for prop, role in TEAM_ROLE_PROPERTIES.items()}
_COLUMNS = {"name": "name", "industry": "industry", "city": "city", "country": "country"}
_NUMBERS = ("strategic_fit", "payment_days")
_TRUE = {"true", "1", "yes"}
_KINDS = {"meeting": "meetings", "call": "calls", "email": "emails"}
_DONE = {
    "meetings": ("hs_meeting_outcome", "COMPLETED", "SCHEDULED"),
    "calls": ("hs_call_status", "COMPLETED", None),
    "emails": ("hs_email_status", "SENT", "SCHEDULED"),
    "tasks": ("hs_task_status", "COMPLETED", "NOT_STARTED"),
}
_TITLES = {
    "meetings": "hs_meeting_title",
    "calls": "hs_call_title",
    "emails": "hs_email_subject",
    "tasks": "hs_task_subject",
}


@dataclass(frozen=True)
class RosterEntry:
    """A team role no company property holds: for the connector's roster configuration."""

    account_id: str
    member_id: str
    role: str
    company_id: str
    owner_id: str


@dataclass
class LoadResult:
    """Source ids -> HubSpot ids of everything the loader created."""

    companies: dict[str, str] = field(default_factory=dict)  # account id -> company id
    contacts: dict[str, str] = field(default_factory=dict)
    owners: dict[str, str] = field(default_factory=dict)  # member id -> owner id
    deals: list[str] = field(default_factory=list)  # per revenue line, file order
    line_items: list[str | None] = field(default_factory=list)
    activities: dict[str, str] = field(default_factory=dict)  # activity id or "line:N"
    activity_types: dict[str, str] = field(default_factory=dict)  # same keys -> object type
    tasks: dict[str, str] = field(default_factory=dict)  # tasks.csv key (or id) -> task id
    roster: list[RosterEntry] = field(default_factory=list)
    pioneers: list[tuple[str, str]] = field(default_factory=list)  # (account id, member id)
    capacities: dict[str, int] = field(default_factory=dict)  # member id -> per week
    #: (account id, column, text) of values a number property could not hold (left empty).
    dropped: list[tuple[str, str, str]] = field(default_factory=list)
    #: ``hs_buying_role`` value -> DMU role, as written (the ``[hubspot] buying_roles`` to use).
    buying_roles: dict[str, str] = field(default_factory=dict)

    def source_id(self, hubspot_id: str) -> str | None:
        """The source id a company, contact, owner, activity or task id came from."""
        for mapping in (self.companies, self.contacts, self.owners, self.activities, self.tasks):
            for source, target in mapping.items():
                if target == str(hubspot_id):
                    return source
        return None

    def counts(self) -> dict[str, int]:
        kinds = list(self.activity_types.values())
        return {
            "companies": len(self.companies),
            "contacts": len(self.contacts),
            "owners": len(self.owners),
            "deals": len(self.deals),
            "line_items": sum(1 for x in self.line_items if x),
            "meetings": kinds.count("meetings"),
            "calls": kinds.count("calls"),
            "emails": kinds.count("emails"),
            "tasks": kinds.count("tasks") + len(self.tasks),
        }


def _rows(path: Path) -> list[dict[str, str]]:
    if not path.is_file():
        return []
    with path.open(newline="", encoding="utf-8-sig") as handle:
        return [
            {k.strip(): (v or "").strip() for k, v in row.items() if k}
            for row in csv.DictReader(handle)
        ]


def _split_name(name: str) -> tuple[str | None, str]:
    first, _, rest = name.strip().partition(" ")
    return (first, rest) if rest else (None, first)


def _at(day: str, hour: int) -> str:
    return format_ms(
        int(datetime.combine(date.fromisoformat(day), time(hour), UTC).timestamp()) * 1000
    )


def load_source(
    portal: Portal, source_dir: Path, role_values: Mapping[str, str] | None = None
) -> LoadResult:
    """Load the CSV source folder ``source_dir`` into ``portal`` (see the module docstring).

    ``role_values`` (DMU role -> ``hs_buying_role`` value, a portal profile's) overrides the
    default values; a value the property lacks is added as an option. What was loaded is
    searchable at once (:meth:`.Portal.settle`), as data entered long before a sync would be.

    Returns:
        The id maps, so tests can translate HubSpot ids back to source ids.
    """
    result = LoadResult()
    values = {**BUYING_ROLE_VALUES, **(role_values or {})}
    result.buying_roles = {value: role for role, value in values.items()}
    with portal.lock:
        _ensure_properties(portal)
        for value in values.values():
            portal.add_option("contacts", "hs_buying_role", value, value.capitalize())
        team_rows = _rows(source_dir / "team.csv")
        _load_owners(portal, source_dir, team_rows, result)
        _load_companies(portal, source_dir, team_rows, result)
        _load_contacts(portal, source_dir, result, values)
        _load_revenue(portal, source_dir, result)
        _load_activities(portal, source_dir, result)
        _load_tasks(portal, source_dir, result)
        portal.settle()
    return result


def _ensure(portal: Portal, object_name: str, prop: PropertyDef) -> None:
    if portal.property(object_name, prop.name) is None:
        prop.hubspot_defined = False
        portal.add_property(object_name, prop)


def _ensure_properties(portal: Portal) -> None:
    company = "companyinformation"
    _ensure(
        portal,
        "companies",
        PropertyDef("strategic_fit", "Strategic fit", "number", "number", company),
    )
    _ensure(
        portal,
        "companies",
        PropertyDef("payment_days", "Payment days", "number", "number", company),
    )
    _ensure(
        portal,
        "companies",
        PropertyDef("integration_stage", "Integration stage", "enumeration", "select", company),
    )
    for prop_name, role in TEAM_ROLE_PROPERTIES.items():
        label = role.replace("_", " ").capitalize()
        _ensure(
            portal, "companies", owner_property(prop_name, label, company, hubspot_defined=False)
        )
    _ensure(
        portal,
        "contacts",
        PropertyDef(
            "kam_gatekeeper",
            "Gatekeeper",
            "bool",
            "booleancheckbox",
            "contactinformation",
            [Option("Yes", "true", 0), Option("No", "false", 1)],
        ),
    )
    for value in EXTRA_BUYING_ROLES:
        portal.add_option("contacts", "hs_buying_role", value, value.capitalize())
    _ensure(
        portal, "deals", PropertyDef("kam_margin", "Margin", "number", "number", "dealinformation")
    )
    _ensure(
        portal,
        "line_items",
        PropertyDef("kam_margin", "Margin", "number", "number", "lineiteminformation"),
    )


def _load_owners(
    portal: Portal, folder: Path, team_rows: list[dict[str, str]], result: LoadResult
) -> None:
    for row in sorted(_rows(folder / "members.csv"), key=lambda r: r["id"]):
        first, last = _split_name(row["name"])
        email = row.get("email") or f"{row['id']}@members.example"
        result.owners[row["id"]] = portal.add_owner(email, first, last)
        if row.get("capacity_per_week", "").isdigit():
            result.capacities[row["id"]] = int(row["capacity_per_week"])
    result.pioneers = sorted(
        (r["account_id"], r["member_id"])
        for r in team_rows
        if r.get("pioneer", "").lower() in _TRUE
    )


def _team(team_rows: list[dict[str, str]]) -> dict[str, list[tuple[str, str]]]:
    """Account -> [(member, role)] in file order, one entry per role."""
    team: dict[str, list[tuple[str, str]]] = {}
    for row in team_rows:
        for role in (r.strip() for r in row.get("psu_roles", "").split(";")):
            if role:
                team.setdefault(row["account_id"], []).append((row["member_id"], role))
    return team


def _load_companies(
    portal: Portal, folder: Path, team_rows: list[dict[str, str]], result: LoadResult
) -> None:
    team = _team(team_rows)
    pending_roster: list[tuple[str, str, str]] = []
    for row in sorted(_rows(folder / "accounts.csv"), key=lambda r: r["id"]):
        values: dict[str, object] = {}
        for column, text in row.items():
            if column == "id":
                continue
            name = _COLUMNS.get(column, column.lower())
            if name in ("industry", "integration_stage"):
                if text:
                    portal.add_option("companies", name, text)
                values[name] = text or None
            elif name in _NUMBERS:
                stored, problem = check_value(portal.property("companies", name), name, text, ())
                if problem is not None:
                    result.dropped.append((row["id"], column, text))
                values[name] = stored
            else:
                if portal.property("companies", name) is None:
                    _ensure(
                        portal,
                        "companies",
                        PropertyDef(
                            name,
                            column.replace("_", " ").capitalize(),
                            "string",
                            "text",
                            "companyinformation",
                        ),
                    )
                values[name] = text or None
        for member, role in team.get(row["id"], []):
            owner = result.owners[member]
            target = (
                "hubspot_owner_id" if role == "account_manager" else _PROPERTY_OF_ROLE.get(role)
            )
            if target is not None and values.get(target) is None:
                values[target] = owner
            else:
                pending_roster.append((row["id"], member, role))
        result.companies[row["id"]] = portal.create("companies", values, system=True)
    result.roster = [
        RosterEntry(account, member, role, result.companies[account], result.owners[member])
        for account, member, role in pending_roster
    ]


def _load_contacts(
    portal: Portal, folder: Path, result: LoadResult, role_values: Mapping[str, str]
) -> None:
    for row in sorted(_rows(folder / "contacts.csv"), key=lambda r: r["id"]):
        first, last = _split_name(row["name"])
        roles = [role_values[r.strip()] for r in row.get("dmu_roles", "").split(";") if r.strip()]
        values: dict[str, object] = {
            "firstname": first,
            "lastname": last,
            "email": row.get("email") or None,
            "jobtitle": row.get("title") or None,
            "hs_buying_role": ";".join(dict.fromkeys(roles)) or None,
            "kam_gatekeeper": "true" if row.get("gatekeeper", "").lower() in _TRUE else "false",
        }
        contact = portal.create("contacts", values, system=True)
        result.contacts[row["id"]] = contact
        portal.associate(
            "contacts", contact, "companies", result.companies[row["account_id"]], [279, 1]
        )


def _load_revenue(portal: Portal, folder: Path, result: LoadResult) -> None:
    for row in _rows(folder / "revenue.csv"):
        company = result.companies[row["account_id"]]
        props = portal.get("companies", company) or {}
        deal = portal.create(
            "deals",
            {
                "dealname": f"{props.get('name')} {row['date']}",
                "amount": row["amount"],
                "closedate": _at(row["date"], 0),
                "dealstage": "closedwon",
                "pipeline": "default",
                "kam_margin": row.get("margin") or None,
                "deal_currency_code": row.get("currency") or None,
                "hubspot_owner_id": props.get("hubspot_owner_id"),
            },
            system=True,
        )
        portal.associate("deals", deal, "companies", company, [341, 5])
        result.deals.append(deal)
        line = None
        if row.get("product"):
            line = portal.create(
                "line_items",
                {
                    "name": row["product"],
                    "hs_sku": row["product"],
                    "price": row["amount"],
                    "quantity": "1",
                    "kam_margin": row.get("margin") or None,
                },
                system=True,
            )
            portal.associate("line_items", line, "deals", deal, [20])
        result.line_items.append(line)


def _load_activities(portal: Portal, folder: Path, result: LoadResult) -> None:
    rows = _rows(folder / "activities.csv")
    keyed = [(row.get("id") or f"line:{n}", row) for n, row in enumerate(rows, start=2)]
    if all(row.get("id") for row in rows):
        keyed.sort(key=lambda pair: pair[0])
    for key, row in keyed:
        kind = row.get("type", "").strip().lower()
        object_name = _KINDS.get(kind, "tasks")
        status_property, done, still_open = _DONE[object_name]
        is_open = row.get("status", "").strip().lower() == "open"
        timestamp = _at(row["date"], 12)
        values: dict[str, object] = {
            "hs_timestamp": timestamp,
            "hubspot_owner_id": result.owners[row["member_id"]],
            status_property: still_open if is_open else done,
            _TITLES[object_name]: kind.capitalize() or "Task",
        }
        if object_name == "meetings":
            values["hs_meeting_start_time"] = timestamp
            values["hs_meeting_end_time"] = _at(row["date"], 13)
        if object_name == "tasks":
            values["hs_task_type"] = "TODO"
        engagement = portal.create(object_name, values, system=True)
        portal.associate(object_name, engagement, "contacts", result.contacts[row["contact_id"]])
        portal.associate(object_name, engagement, "companies", result.companies[row["account_id"]])
        result.activities[key] = engagement
        result.activity_types[key] = object_name


def _load_tasks(portal: Portal, folder: Path, result: LoadResult) -> None:
    rows = sorted(_rows(folder / "tasks.csv"), key=lambda r: r.get("id", ""))
    if rows:
        _ensure(
            portal, "tasks", PropertyDef("kam_task_key", "KAM task key", "string", "text", "task")
        )
    statuses = set(portal.properties["tasks"]["hs_task_status"].option_values())
    for row in rows:
        status = row.get("status", "").strip().upper()
        values: dict[str, object] = {
            "kam_task_key": row.get("key") or None,
            "hs_task_status": status if status in statuses else "NOT_STARTED",
            "hs_task_subject": row.get("subject") or None,
            "hs_task_body": row.get("description") or None,
            "hs_timestamp": _at(row["due_date"], 12) if row.get("due_date") else None,
            "hubspot_owner_id": result.owners.get(row.get("member_id", "")),
        }
        task = portal.create("tasks", values, system=True)
        if row.get("contact_id") in result.contacts:
            portal.associate("tasks", task, "contacts", result.contacts[row["contact_id"]])
        if row.get("account_id") in result.companies:
            portal.associate("tasks", task, "companies", result.companies[row["account_id"]])
        result.tasks[row.get("key") or row.get("id", "")] = task
