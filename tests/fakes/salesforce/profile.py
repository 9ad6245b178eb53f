"""Org profiles: what one real org has that another does not, read from a JSON file. Reads files.

A profile says which task statuses the org has (and which of them are closed or the default),
which values its picklists hold, which optional objects are switched off, whether it is
multi-currency, has person accounts or shared activities, whether it is a sandbox, and which
picklist value the loader writes for each DMU and PSU role. Shipped profiles live in
:mod:`tests.fakes.salesforce.profiles`; ``docs/dev`` describes the format. Keys::

    {"name": "standard",
     "description": "...",                       # optional
     "sources": {"TaskStatus": "where the values come from", ...},
     "task_statuses": [{"value": "Not Started", "label": "Not Started", "closed": false,
                        "default": true}, ...],  # label defaults to value
     "completed_status": "Completed",            # optional: the closed status loaded completed
                                                 # tasks get; default the first closed one
     "picklists": {"AccountTeamMember.TeamMemberRole": ["Account Manager", ...], ...},
     "role_values": {"decider": "Decision Maker", "account_manager": "Account Manager", ...},
     "contact_role_field": "Buying_Role__c",     # optional: Contact multi-select picklist holding
                                                 # DMU roles (needed when AccountContactRelation
                                                 # is unavailable)
     "unavailable_objects": ["AccountContactRelation"],
     "multi_currency": false, "currencies": {"EUR": "1", "USD": "1.1"},
     "corporate_currency": "EUR",
     "person_accounts": false, "shared_activities": false, "sandbox": false,
     "archive_after_days": 365,                  # optional (activity archiving, default 365)
     "absent_fields": ["Account.KAM_Segment__c", "Activity.KAM_Task_Key__c"]}
                                                 # optional: custom fields the org does not
                                                 # have yet (an org before crm-accounts setup)

Every picklist value set must name its source in ``sources`` (key ``"Object.Field"`` or
``"TaskStatus"``); :func:`load_profile` refuses a profile that does not, or whose keys or values
do not fit, with a message naming the file and the key.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

__all__ = [
    "DMU_ROLES",
    "PSU_ROLES",
    "OrgProfile",
    "ProfileError",
    "TaskStatusValue",
    "load_profile",
    "resolve_profile",
]

DMU_ROLES = ("decider", "buyer", "advisor", "influencer", "user", "supporter")
PSU_ROLES = (
    "account_manager", "sales_rep", "sales_manager", "executive", "support", "delivery",
    "administration",
)  # fmt: skip
#: Objects a profile may switch off (features an admin can turn off or never bought).
OPTIONAL_OBJECTS = frozenset({"AccountContactRelation", "AccountTeamMember", "OpportunityLineItem"})
_KEYS = frozenset(
    {
        "name", "description", "sources", "task_statuses", "completed_status", "picklists",
        "role_values", "contact_role_field", "unavailable_objects", "multi_currency",
        "currencies", "corporate_currency", "person_accounts", "shared_activities", "sandbox",
        "archive_after_days", "absent_fields",
    }
)  # fmt: skip


class ProfileError(ValueError):
    """A profile file that cannot be used; the message names the file and the key."""


@dataclass(frozen=True)
class TaskStatusValue:
    """One value of the org's task status picklist (one TaskStatus record)."""

    value: str
    label: str
    closed: bool
    default: bool


@dataclass(frozen=True)
class OrgProfile:
    """One org's configuration (see the module docstring for the JSON keys)."""

    name: str
    task_statuses: tuple[TaskStatusValue, ...]
    completed_status: str
    picklists: dict[str, tuple[str, ...]] = field(default_factory=dict)
    role_values: dict[str, str] = field(default_factory=dict)
    sources: dict[str, str] = field(default_factory=dict)
    description: str = ""
    contact_role_field: str | None = None
    unavailable_objects: frozenset[str] = frozenset()
    multi_currency: bool = False
    currencies: dict[str, Decimal] = field(default_factory=dict)
    corporate_currency: str = "EUR"
    person_accounts: bool = False
    shared_activities: bool = False
    sandbox: bool = False
    archive_after_days: int = 365
    absent_fields: tuple[str, ...] = ()
    path: Path | None = None

    @property
    def default_status(self) -> str:
        """The status a task gets when none is given."""
        return next(s.value for s in self.task_statuses if s.default)

    @property
    def closed_statuses(self) -> frozenset[str]:
        return frozenset(s.value for s in self.task_statuses if s.closed)

    @property
    def has_relations(self) -> bool:
        """Whether AccountContactRelation (Contacts to Multiple Accounts) is available."""
        return "AccountContactRelation" not in self.unavailable_objects

    def dmu_values(self) -> dict[str, str]:
        """DMU role -> the picklist value the loader writes."""
        return {r: v for r, v in self.role_values.items() if r in DMU_ROLES}

    def psu_values(self) -> dict[str, str]:
        """PSU role -> AccountTeamMember.TeamMemberRole value the loader writes."""
        return {r: v for r, v in self.role_values.items() if r in PSU_ROLES}

    def login_host(self) -> str:
        """The login host whose URL is the JWT audience: test.salesforce.com for sandboxes."""
        return "https://test.salesforce.com" if self.sandbox else "https://login.salesforce.com"


def _fail(path: Path | str, key: str, problem: str) -> ProfileError:
    return ProfileError(f"{path}: {key}: {problem}")


def _bool(raw: dict[str, Any], key: str, path: Path | str, default: bool = False) -> bool:
    value = raw.get(key, default)
    if not isinstance(value, bool):
        raise _fail(path, key, f"expected true or false, got {value!r}")
    return value


def _strings(value: object, path: Path | str, key: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise _fail(path, key, "expected a list of non-empty strings")
    if len(set(value)) != len(value):
        raise _fail(path, key, "values repeat")
    return tuple(value)


def _statuses(raw: object, path: Path | str) -> tuple[TaskStatusValue, ...]:
    if not isinstance(raw, list) or not raw:
        raise _fail(path, "task_statuses", "expected a non-empty list")
    result = []
    for n, item in enumerate(raw):
        key = f"task_statuses[{n}]"
        if not isinstance(item, dict) or not isinstance(item.get("value"), str):
            raise _fail(path, key, 'expected {"value": ..., "closed": ..., "default": ...}')
        unknown = set(item) - {"value", "label", "closed", "default"}
        if unknown:
            raise _fail(path, key, f"unknown key(s) {', '.join(sorted(unknown))}")
        result.append(
            TaskStatusValue(
                value=item["value"],
                label=str(item.get("label", item["value"])),
                closed=_bool(item, "closed", f"{path}: {key}"),
                default=_bool(item, "default", f"{path}: {key}"),
            )
        )
    values = [s.value for s in result]
    if len(set(values)) != len(values):
        raise _fail(path, "task_statuses", "values repeat")
    if sum(s.default for s in result) != 1:
        raise _fail(path, "task_statuses", "exactly one status must be the default")
    if not any(s.closed for s in result):
        raise _fail(path, "task_statuses", "at least one status must be closed")
    if any(s.default and s.closed for s in result):
        raise _fail(path, "task_statuses", "the default status cannot be closed")
    return tuple(result)


def profile_from_dict(raw: dict[str, Any], path: Path | str = "<profile>") -> OrgProfile:
    """The profile a parsed JSON object describes.

    Raises:
        ProfileError: a key is unknown, missing or of the wrong kind; a value set has no source.
    """
    unknown = set(raw) - _KEYS
    if unknown:
        raise _fail(path, ", ".join(sorted(unknown)), "unknown key")
    name = raw.get("name")
    if not isinstance(name, str) or not name:
        raise _fail(path, "name", "expected a non-empty string")
    statuses = _statuses(raw.get("task_statuses"), path)
    closed = [s.value for s in statuses if s.closed]
    completed = raw.get("completed_status", closed[0])
    if completed not in closed:
        raise _fail(path, "completed_status", f"{completed!r} is not one of {closed}")
    sources = raw.get("sources", {})
    if not isinstance(sources, dict) or not all(isinstance(v, str) for v in sources.values()):
        raise _fail(path, "sources", "expected an object of strings")
    raw_lists = raw.get("picklists", {})
    if not isinstance(raw_lists, dict):
        raise _fail(path, "picklists", "expected an object")
    picklists: dict[str, tuple[str, ...]] = {}
    for key, values in raw_lists.items():
        if key.count(".") != 1:
            raise _fail(path, f"picklists.{key}", "expected Object.Field")
        picklists[key] = _strings(values, path, f"picklists.{key}")
    for key in ["TaskStatus", *picklists]:
        if not sources.get(key):
            raise _fail(path, f"sources.{key}", "every value set names its source")
    roles = raw.get("role_values", {})
    if not isinstance(roles, dict) or not all(isinstance(v, str) for v in roles.values()):
        raise _fail(path, "role_values", "expected an object of strings")
    bad = sorted(set(roles) - set(DMU_ROLES) - set(PSU_ROLES))
    if bad:
        raise _fail(path, f"role_values.{bad[0]}", "not a DMU or PSU role")
    off = raw.get("unavailable_objects", [])
    unavailable = frozenset(_strings(off, path, "unavailable_objects"))
    if unavailable - OPTIONAL_OBJECTS:
        extra = sorted(unavailable - OPTIONAL_OBJECTS)
        raise _fail(path, "unavailable_objects", f"{extra[0]} cannot be switched off")
    role_field = raw.get("contact_role_field")
    if role_field is not None and (not isinstance(role_field, str) or "." in role_field):
        raise _fail(path, "contact_role_field", "expected a Contact field name such as X__c")
    if (
        "AccountContactRelation" in unavailable
        and role_field is None
        and any(r in DMU_ROLES for r in roles)
    ):
        raise _fail(path, "contact_role_field", "needed when AccountContactRelation is off")
    currencies: dict[str, Decimal] = {}
    for code, rate in raw.get("currencies", {}).items():
        try:
            currencies[code] = Decimal(str(rate))
        except InvalidOperation:
            raise _fail(path, f"currencies.{code}", f"not a number: {rate!r}") from None
    absent = _strings(raw.get("absent_fields", []), path, "absent_fields")
    if any(f.count(".") != 1 or not f.endswith("__c") for f in absent):
        raise _fail(path, "absent_fields", "expected custom fields as Object.Field__c")
    days = raw.get("archive_after_days", 365)
    if not isinstance(days, int) or isinstance(days, bool) or days < 1:
        raise _fail(path, "archive_after_days", "expected a positive whole number")
    return OrgProfile(
        name=name,
        description=str(raw.get("description", "")),
        sources=dict(sources),
        task_statuses=statuses,
        completed_status=completed,
        picklists=picklists,
        role_values=dict(roles),
        contact_role_field=role_field,
        unavailable_objects=unavailable,
        multi_currency=_bool(raw, "multi_currency", path),
        currencies=currencies,
        corporate_currency=str(raw.get("corporate_currency", "EUR")),
        person_accounts=_bool(raw, "person_accounts", path),
        shared_activities=_bool(raw, "shared_activities", path),
        sandbox=_bool(raw, "sandbox", path),
        archive_after_days=days,
        absent_fields=absent,
        path=Path(path) if isinstance(path, Path) else None,
    )


def load_profile(path: Path | str) -> OrgProfile:
    """Read a profile file.

    Raises:
        ProfileError: the file is missing, not JSON, or not a valid profile.
    """
    file = Path(path)
    try:
        raw = json.loads(file.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ProfileError(f"{file}: cannot read the profile: {exc.strerror}") from None
    except ValueError as exc:
        raise ProfileError(f"{file}: not JSON: {exc}") from None
    if not isinstance(raw, dict):
        raise ProfileError(f"{file}: expected a JSON object")
    return profile_from_dict(raw, file)


def resolve_profile(spec: OrgProfile | Path | str | None) -> OrgProfile:
    """A profile, a profile file, the name of a shipped profile, or ``None`` (standard)."""
    from .profiles import PROFILES

    if isinstance(spec, OrgProfile):
        return spec
    if spec is None:
        return load_profile(PROFILES["standard"])
    if isinstance(spec, str) and spec in PROFILES:
        return load_profile(PROFILES[spec])
    return load_profile(spec)
