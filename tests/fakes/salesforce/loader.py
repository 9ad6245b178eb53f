"""Load a CSV source folder (CONTRACTS.md; the demo generator writes one) into the fake org.

Reads files.

The mapping is the one of ``docs/dev/salesforce-spec.md``:

* ``accounts.csv`` -> Account: ``name`` -> Name, ``industry`` -> Industry, ``integration_stage`` ->
  Integration_Stage__c, ``strategic_fit`` -> Strategic_Fit__c, ``payment_days`` ->
  Payment_Days__c, ``city``/``country`` -> BillingCity/BillingCountry; any other attribute column
  ``foo_bar`` -> a text field ``Foo_Bar__c`` added to Account. Picklist values found in the data
  are added to the field's values (as an admin would; the picklists are unrestricted). The owner
  is the account's ``account_manager`` member, else its first team member, else the API user.
* ``contacts.csv`` -> Contact (FirstName = first word of ``name``, LastName = the rest) and its
  direct AccountContactRelation (``IsDirect``, as the platform creates one for a contact's
  account) whose ``Roles`` are the contact's DMU roles written as the org profile's
  ``role_values`` say (:mod:`.profile`; a role without a value is left out). Where the profile
  switches AccountContactRelation off, the roles go to the profile's ``contact_role_field`` on
  Contact instead and no relation is created. ``gatekeeper`` -> Gatekeeper__c.
* ``members.csv`` -> User (``capacity_per_week`` -> KAM_Capacity_Per_Week__c); ``team.csv`` ->
  one AccountTeamMember per (account, member, PSU role with a value in the profile) — a row with
  ``account_manager;sales_rep`` gives two. ``pioneer`` -> KAM_Pioneer__c on the User (true when
  pioneer on any account).
* ``revenue.csv`` -> one Closed Won Opportunity per line (CloseDate, Amount, Margin__c, an optional
  ``currency`` column -> CurrencyIsoCode in multi-currency orgs) with one OpportunityLineItem
  (TotalPrice = UnitPrice = amount, Quantity 1, Margin__c, Product2 with ProductCode = product).
  A line without a product gets no line item (real line items always have a product).
* ``activities.csv`` -> meetings become Events (ActivityDate, 09:00-10:00 UTC that day), except
  open meetings, which become Tasks with Subject "Meeting": an Event has no open state, and an
  open activity is no contact moment. Other types become Tasks (Subject = the type, Status the
  profile's ``completed_status`` when completed or empty, its default status when open).
  Owner = member, WhoId = contact, WhatId = account.
* ``tasks.csv`` (written by ``sync`` to a CSV source; optional) -> Tasks with KAM_Task_Key__c =
  ``key`` (rows without a key are someone else's and also loaded, without a key); status ``Open``
  (or empty) -> the profile's default status, a status the org does not have -> its
  ``completed_status``.

Ids are allocated per object in sorted source-id order, so plain string order of the Salesforce
ids equals that of the source ids (lines without ids keep file order). :class:`LoadResult` maps
source ids to Salesforce ids and back. The loader validates nothing the CSV source would refuse.
"""

from __future__ import annotations

import csv
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from crm_accounts.config import DEFAULT_SF_CONTACT_ROLES, DEFAULT_SF_TEAM_ROLES, SalesforceSection

from .profile import OrgProfile
from .schema import FieldDef
from .state import Org, standard_profile
from .values import Stored

__all__ = [
    "CONTACT_ROLE_VALUES",
    "EXTRA_CONTACT_ROLES",
    "EXTRA_TEAM_ROLES",
    "TEAM_ROLE_VALUES",
    "LoadResult",
    "load_source",
    "loaded_section",
    "section_roles",
]

#: Custom values the loader adds for roles without a default Salesforce value (SF value -> role).
EXTRA_CONTACT_ROLES: dict[str, str] = {"Supporter": "supporter"}
EXTRA_TEAM_ROLES: dict[str, str] = {"Administration": "administration"}


def _inverse(mapping: Mapping[str, str], extra: Mapping[str, str]) -> dict[str, str]:
    result: dict[str, str] = {}
    for sf_value, role in [*mapping.items(), *extra.items()]:
        result.setdefault(role, sf_value)
    return result


#: DMU role -> value, from crm-accounts' default role map plus :data:`EXTRA_CONTACT_ROLES` (what an
#: org with those custom values would hold; the loader follows the org profile's role_values).
CONTACT_ROLE_VALUES = _inverse(DEFAULT_SF_CONTACT_ROLES, EXTRA_CONTACT_ROLES)
#: PSU role -> value, likewise (the loader follows the org profile's role_values).
TEAM_ROLE_VALUES = _inverse(DEFAULT_SF_TEAM_ROLES, EXTRA_TEAM_ROLES)
_ACCOUNT_COLUMNS = {
    "name": "Name",
    "industry": "Industry",
    "integration_stage": "Integration_Stage__c",
    "strategic_fit": "Strategic_Fit__c",
    "payment_days": "Payment_Days__c",
    "city": "BillingCity",
    "country": "BillingCountry",
}
_TRUE = {"true", "1", "yes"}
_SUBTYPES = {"call": "Call", "email": "Email"}


@dataclass
class LoadResult:
    """Source ids -> Salesforce ids of everything the loader created."""

    accounts: dict[str, str] = field(default_factory=dict)
    contacts: dict[str, str] = field(default_factory=dict)
    relations: dict[str, str] = field(default_factory=dict)  # contact id -> ACR id
    users: dict[str, str] = field(default_factory=dict)  # member id -> User id
    team: dict[tuple[str, str, str], str] = field(default_factory=dict)  # (acc, member, role)
    products: dict[str, str] = field(default_factory=dict)  # product code -> Product2 id
    opportunities: list[str] = field(default_factory=list)  # per revenue line, file order
    line_items: list[str | None] = field(default_factory=list)
    activities: dict[str, str] = field(default_factory=dict)  # activity id or "line:N"
    tasks: dict[str, str] = field(default_factory=dict)  # tasks.csv key (or id) -> Task id
    #: (account id, column, text) of attribute values a number field could not hold (left empty).
    dropped: list[tuple[str, str, str]] = field(default_factory=list)

    def source_id(self, sf_id: str) -> str | None:
        """The source id an account, contact or member Salesforce id came from."""
        for mapping in (self.accounts, self.contacts, self.users):
            for source, target in mapping.items():
                if target == sf_id or target[:15] == sf_id:
                    return source
        return None

    def counts(self) -> dict[str, int]:
        return {
            "Account": len(self.accounts),
            "Contact": len(self.contacts),
            "AccountContactRelation": len(self.relations),
            "User": len(self.users),
            "AccountTeamMember": len(self.team),
            "Product2": len(self.products),
            "Opportunity": len(self.opportunities),
            "OpportunityLineItem": sum(1 for x in self.line_items if x),
            "Activities": len(self.activities),
            "Task (tasks.csv)": len(self.tasks),
        }


def _rows(path: Path) -> list[dict[str, str]]:
    if not path.is_file():
        return []
    with path.open(newline="", encoding="utf-8-sig") as handle:
        return [
            {k.strip(): (v or "").strip() for k, v in row.items() if k}
            for row in csv.DictReader(handle)
        ]


def _number(text: str) -> Decimal | None:
    return Decimal(text) if text else None


def _split_name(name: str) -> tuple[str | None, str]:
    first, _, rest = name.strip().partition(" ")
    return (first, rest) if rest else (None, first)


def _custom_name(column: str) -> str:
    return "_".join(part.capitalize() for part in column.split("_")) + "__c"


def load_source(org: Org, source_dir: Path) -> LoadResult:
    """Load the CSV source folder ``source_dir`` into ``org`` (see the module docstring).

    Returns:
        The id maps, so tests can translate Salesforce ids back to source ids.
    """
    result = LoadResult()
    with org.lock:
        team_rows = _rows(source_dir / "team.csv")
        _load_users(org, source_dir, team_rows, result)
        _load_accounts(org, source_dir, team_rows, result)
        _load_contacts(org, source_dir, result)
        _load_team(org, team_rows, result)
        _load_revenue(org, source_dir, result)
        _load_activities(org, source_dir, result)
        _load_tasks(org, source_dir, result)
    return result


def _load_users(
    org: Org, folder: Path, team_rows: list[dict[str, str]], result: LoadResult
) -> None:
    pioneers = {r["member_id"] for r in team_rows if r.get("pioneer", "").lower() in _TRUE}
    for row in sorted(_rows(folder / "members.csv"), key=lambda r: r["id"]):
        first, last = _split_name(row["name"])
        email = row.get("email") or f"{row['id']}@members.example"
        values: dict[str, Stored] = {
            "Username": f"{row['id']}.{email}",
            "FirstName": first,
            "LastName": last,
            "Email": row.get("email") or None,
            "IsActive": True,
            "KAM_Capacity_Per_Week__c": _number(row.get("capacity_per_week", "")),
            "KAM_Pioneer__c": row["id"] in pioneers,
        }
        result.users[row["id"]] = org.create("User", values, system=True)


def _owners(team_rows: list[dict[str, str]], result: LoadResult) -> dict[str, str]:
    """Account -> owner: its account manager (first such row), else its first team member."""
    first: dict[str, str] = {}
    managers: dict[str, str] = {}
    for row in team_rows:
        user = result.users.get(row["member_id"])
        if user is None:
            continue
        first.setdefault(row["account_id"], user)
        if "account_manager" in {r.strip() for r in row.get("psu_roles", "").split(";")}:
            managers.setdefault(row["account_id"], user)
    return {**first, **managers}


def _load_accounts(
    org: Org, folder: Path, team_rows: list[dict[str, str]], result: LoadResult
) -> None:
    owners = _owners(team_rows, result)
    account_obj = org.schema["Account"]
    for row in sorted(_rows(folder / "accounts.csv"), key=lambda r: r["id"]):
        values: dict[str, Stored] = {"OwnerId": owners.get(row["id"]) or org.api_user()}
        for column, text in row.items():
            if column == "id":
                continue
            name = _ACCOUNT_COLUMNS.get(column) or _custom_name(column)
            found = account_obj.field(name)  # API names ignore case: kam_segment -> KAM_Segment__c
            if found is None:
                org.add_field(
                    "Account",
                    FieldDef(name, "string", column.replace("_", " ").title(), length=255),
                )
                found = account_obj.fields[name]
            f, name = found, found.name
            if f.type == "picklist" and text:
                org.add_picklist_value("Account", name, text)
            if f.type != "double":
                values[name] = text or None
                continue
            try:
                values[name] = _number(text)
            except InvalidOperation:
                # A number field cannot hold "n/a" or "7,5": the org keeps it empty, so the method
                # sees a missing value (the CSV source warns about it instead).
                values[name] = None
                result.dropped.append((row["id"], column, text))
        result.accounts[row["id"]] = org.create("Account", values, system=True)


def _load_contacts(org: Org, folder: Path, result: LoadResult) -> None:
    profile = org.profile
    values_of = profile.dmu_values()
    for row in sorted(_rows(folder / "contacts.csv"), key=lambda r: r["id"]):
        account = result.accounts[row["account_id"]]
        first, last = _split_name(row["name"])
        roles = [
            values_of[r.strip()]
            for r in row.get("dmu_roles", "").split(";")
            if r.strip() in values_of
        ]
        values: dict[str, Stored] = {
            "AccountId": account,
            "FirstName": first,
            "LastName": last,
            "Email": row.get("email") or None,
            "Title": row.get("title") or None,
            "Gatekeeper__c": row.get("gatekeeper", "").lower() in _TRUE,
            "OwnerId": org.get(account)["OwnerId"],  # type: ignore[index]  # just created
        }
        if not profile.has_relations and profile.contact_role_field:
            values[profile.contact_role_field] = ";".join(roles) or None
        contact = org.create("Contact", values, system=True)
        result.contacts[row["id"]] = contact
        if profile.has_relations:
            result.relations[row["id"]] = org.create(
                "AccountContactRelation",
                {
                    "AccountId": account,
                    "ContactId": contact,
                    "Roles": ";".join(roles) or None,
                    "IsActive": True,
                    "IsDirect": True,
                },
                system=True,
            )


def _load_team(org: Org, team_rows: list[dict[str, str]], result: LoadResult) -> None:
    if "AccountTeamMember" not in org.schema:
        return
    values_of = org.profile.psu_values()
    entries = sorted(
        (row["account_id"], row["member_id"], role.strip())
        for row in team_rows
        for role in row.get("psu_roles", "").split(";")
        if role.strip() in values_of
    )
    for account, member, role in entries:
        result.team[(account, member, role)] = org.create(
            "AccountTeamMember",
            {
                "AccountId": result.accounts[account],
                "UserId": result.users[member],
                "TeamMemberRole": values_of[role],
            },
            system=True,
        )


def _load_revenue(org: Org, folder: Path, result: LoadResult) -> None:
    rows = _rows(folder / "revenue.csv")
    for code in sorted({r["product"] for r in rows if r.get("product")}):
        result.products[code] = org.create(
            "Product2", {"Name": code, "ProductCode": code}, system=True
        )
    names = {acc: org.get(sf_id)["Name"] for acc, sf_id in result.accounts.items()}  # type: ignore[index]
    for row in rows:
        account = result.accounts[row["account_id"]]
        amount = _number(row["amount"])
        values: dict[str, Stored] = {
            "AccountId": account,
            "Name": f"{names[row['account_id']]} {row['date']}",
            "StageName": "Closed Won",
            "CloseDate": date.fromisoformat(row["date"]),
            "Amount": amount,
            "Margin__c": _number(row.get("margin", "")),
            "OwnerId": org.get(account)["OwnerId"],  # type: ignore[index]  # just created
        }
        if org.multi_currency and row.get("currency"):
            values["CurrencyIsoCode"] = row["currency"]
        opportunity = org.create("Opportunity", values, system=True)
        result.opportunities.append(opportunity)
        product = row.get("product")
        line = None
        if product and "OpportunityLineItem" in org.schema:
            line = org.create(
                "OpportunityLineItem",
                {
                    "OpportunityId": opportunity,
                    "Product2Id": result.products[product],
                    "Quantity": Decimal(1),
                    "UnitPrice": amount,
                    "TotalPrice": amount,
                    "Margin__c": values["Margin__c"],
                },
                system=True,
            )
        result.line_items.append(line)


def _load_activities(org: Org, folder: Path, result: LoadResult) -> None:
    rows = _rows(folder / "activities.csv")
    keyed = [(row.get("id") or f"line:{n}", row) for n, row in enumerate(rows, start=2)]
    if all(row.get("id") for row in rows):
        keyed.sort(key=lambda pair: pair[0])
    for key, row in keyed:
        kind = row.get("type", "").strip().lower()
        status = row.get("status", "").strip().lower()
        day = date.fromisoformat(row["date"])
        common: dict[str, Stored] = {
            "OwnerId": result.users[row["member_id"]],
            "WhoId": result.contacts[row["contact_id"]],
            "WhatId": result.accounts[row["account_id"]],
            "ActivityDate": day,
        }
        if kind == "meeting" and status != "open":
            start = datetime.combine(day, time(9), UTC)
            end = datetime.combine(day, time(10), UTC)
            values = {
                **common,
                "Subject": "Meeting",
                "ActivityDateTime": start,
                "StartDateTime": start,
                "EndDateTime": end,
                "DurationInMinutes": 60,
            }
            result.activities[key] = org.create("Event", values, system=True)
            continue
        values = {
            **common,
            "Subject": kind.capitalize() or "Task",
            "Status": (
                org.profile.default_status if status == "open" else org.profile.completed_status
            ),
            "TaskSubtype": _SUBTYPES.get(kind, "Task"),
        }
        result.activities[key] = org.create("Task", values, system=True)


def _load_tasks(org: Org, folder: Path, result: LoadResult) -> None:
    profile = org.profile
    statuses = {s.value for s in profile.task_statuses}
    for row in sorted(_rows(folder / "tasks.csv"), key=lambda r: r.get("id", "")):
        status = row.get("status", "")
        if not status or status.lower() == "open":
            status = profile.default_status
        elif status not in statuses:
            status = profile.completed_status  # a closing status this org does not have
        values: dict[str, Stored] = {
            "KAM_Task_Key__c": row.get("key") or None,
            "Status": status,
            "Subject": row.get("subject") or None,
            "Description": row.get("description") or None,
            "ActivityDate": date.fromisoformat(row["due_date"]) if row.get("due_date") else None,
            "OwnerId": result.users.get(row.get("member_id", "")),
            "WhoId": result.contacts.get(row.get("contact_id", "")),
            "WhatId": result.accounts.get(row.get("account_id", "")),
        }
        result.tasks[row.get("key") or row.get("id", "")] = org.create("Task", values, system=True)


def loaded_section(
    login_url: str, profile: OrgProfile | None = None, **overrides: Any
) -> SalesforceSection:
    """The ``[salesforce]`` section an admin of that org writes to read a loaded CSV folder back
    (the fields :func:`load_source` creates), logging in at ``login_url``; ``overrides`` win.

    Role maps are the inverse of the profile's ``role_values`` (the standard profile when
    ``None``); where AccountContactRelation is unavailable, roles come from the profile's
    ``contact_role_field`` (``contact_roles_source = "contact_field"``); ``multi_currency``
    follows the profile.
    """
    profile = profile or standard_profile()
    values: dict[str, Any] = {
        "auth": "client_credentials",
        "login_url": login_url,
        "attributes": {"strategic_fit": "Strategic_Fit__c", "payment_days": "Payment_Days__c"},
        "integration_stage_field": "Integration_Stage__c",
        "margin_field": "Margin__c",
        "gatekeeper_field": "Gatekeeper__c",
        "capacity_field": "KAM_Capacity_Per_Week__c",
        "pioneer_field": "User.KAM_Pioneer__c",
        "multi_currency": profile.multi_currency,
        **section_roles(profile),
        **overrides,
    }
    return SalesforceSection(**values)


def section_roles(profile: OrgProfile) -> dict[str, Any]:
    """The role keys of a ``[salesforce]`` section for ``profile``'s org."""
    roles: dict[str, Any] = {
        "contact_roles": {value: role for role, value in profile.dmu_values().items()},
        "team_roles": {value: role for role, value in profile.psu_values().items()},
    }
    if not profile.has_relations and profile.contact_role_field:
        roles["contact_roles_source"] = "contact_field"
        roles["contact_role_field"] = profile.contact_role_field
    return roles
