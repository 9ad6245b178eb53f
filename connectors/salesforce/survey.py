"""What a Salesforce org holds, for ``crm-accounts init``: fields, picklists, task statuses,
owners. Does I/O (describes and two queries through the connector's HTTP layer; nothing written).

Read: the describes of Account (numeric fields for the rating, an integration stage picklist,
existing target fields), Contact (a gatekeeper checkbox; the buying-role picklist when
AccountContactRelation is off), AccountContactRelation (``Roles``), AccountTeamMember
(``TeamMemberRole``), Opportunity (a margin field) and User (a pioneer checkbox, a capacity
number) ("sObject Describe", REST API Developer Guide,
https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_sobject_describe.htm);
the Task Status values with ``IsClosed`` (:mod:`.org`); ``SELECT COUNT() FROM User WHERE
IsActive = true``. An object the org does not have (404) is simply absent.

The login flow is taken from the credentials in the environment (:func:`detect_auth`), the
variables the connector reads anyway (docs/salesforce.md).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from crm_accounts.config import DEFAULT_SF_TARGET_FIELDS, SalesforceSection
from crm_accounts.domain.model import DmuRole
from crm_accounts.errors import ConfigError
from crm_accounts.init.facts import Choice, Field, RoleSource, SourceFacts, Status
from crm_accounts.init.matching import best_role, field_for
from crm_accounts.init.vocabulary import DMU_NAMES

from .auth import (
    ENV_ACCESS_TOKEN,
    ENV_CLIENT_SECRET,
    ENV_PASSWORD,
    ENV_PRIVATE_KEY,
    ENV_PRIVATE_KEY_FILE,
    ENV_USERNAME,
)
from .connector import SalesforceConnector

__all__ = ["SURVEY_ATTEMPTS", "SalesforceSurvey", "detect_auth", "find_field"]

#: ``init`` tries a request twice (not five times, as a sync does): a person is waiting.
SURVEY_ATTEMPTS = 2
_NUMBER = frozenset({"double", "currency", "percent", "int", "long"})
_PICKLISTS = frozenset({"picklist", "multipicklist"})
#: Standard numeric Account fields worth rating on; other standard numbers are system values.
_STANDARD_NUMBERS = frozenset({"AnnualRevenue", "NumberOfEmployees"})


def detect_auth(environ: Mapping[str, str]) -> str:
    """The login flow the credentials in ``environ`` are for (docs/salesforce.md): an access
    token means ``session``, a private key ``jwt``, a password ``password``, a client secret
    ``client_credentials``; nothing set means ``jwt``, whose missing variables are then named."""

    def has(*names: str) -> bool:
        return all(environ.get(n, "").strip() for n in names)

    if has(ENV_ACCESS_TOKEN):
        return "session"
    if has(ENV_PRIVATE_KEY) or has(ENV_PRIVATE_KEY_FILE):
        return "jwt"
    if has(ENV_USERNAME, ENV_PASSWORD):
        return "password"
    if has(ENV_CLIENT_SECRET):
        return "client_credentials"
    return "jwt"


def find_field(
    fields: Mapping[str, Mapping[str, Any]], purpose: str, types: frozenset[str]
) -> str | None:
    """The field of one of ``types`` named for ``purpose`` (custom fields first)."""
    candidates = sorted(
        (str(f.get("name")), str(f.get("label") or ""))
        for f in fields.values()
        if f.get("type") in types
    )
    candidates.sort(key=lambda c: not c[0].endswith("__c"))
    return field_for(purpose, candidates)


def _choices(item: Mapping[str, Any]) -> tuple[Choice, ...]:
    return tuple(
        Choice(str(v["value"]), str(v.get("label") or ""))
        for v in item.get("picklistValues") or []
        if v.get("active", True) and v.get("value") is not None
    )


def _role_score(item: Mapping[str, Any]) -> int:
    matches = (best_role(c.value, DMU_NAMES, label=c.label) for c in _choices(item))
    return sum(1 for m in matches if m is not None and m.accepted and m.role in set(DmuRole))


class SalesforceSurvey:
    """Implements :class:`~crm_accounts.init.facts.Surveys` for one org."""

    def __init__(self, connector: SalesforceConnector) -> None:
        self.connector = connector
        self.org = connector.org

    @classmethod
    def from_environment(cls, environ: Mapping[str, str], url: str | None) -> SalesforceSurvey:
        """A survey logging in at ``url`` (default the production login host) with the
        credentials in ``environ``.

        Raises:
            ConfigError: ``url`` is not an http(s) URL, or a credential variable is missing.
        """
        values: dict[str, Any] = {"auth": detect_auth(environ), "max_attempts": SURVEY_ATTEMPTS,
                                  "max_retry_seconds": 30.0}  # fmt: skip
        if url is not None:
            values["login_url"] = url.rstrip("/")
        try:
            section = SalesforceSection(**values)
        except ValueError as exc:
            raise ConfigError(f"--url: value {url!r}: {_first_error(exc)}") from None
        return cls(SalesforceConnector.from_config(section, environ))

    def _fields(self, obj: str) -> dict[str, dict[str, Any]] | None:
        described = self.org.describe(obj)
        if described is None:
            return None
        return {str(f["name"]): f for f in described.get("fields", []) if f.get("name")}

    def survey(self) -> SourceFacts:
        """Describe the objects, read task statuses and count active users."""
        section = self.connector.section
        account = self._fields("Account") or {}
        targets = set(DEFAULT_SF_TARGET_FIELDS.values())
        numbers = tuple(
            Field(name, str(item.get("label") or ""))
            for name, item in account.items()
            if item.get("type") in _NUMBER and name not in targets
            and (name.endswith("__c") or name in _STANDARD_NUMBERS)
        )  # fmt: skip
        named: dict[str, str] = {}
        notes: list[str] = []
        for purpose, obj, types in (
            ("integration_stage", account, _PICKLISTS),
            ("margin", self._fields("Opportunity") or {}, _NUMBER),
            ("gatekeeper", self._fields("Contact") or {}, frozenset({"boolean"})),
            ("pioneer", self._fields("User") or {}, frozenset({"boolean"})),
            ("capacity", self._fields("User") or {}, _NUMBER),
        ):
            found = find_field(obj, purpose, types)
            if found:
                named[purpose] = f"User.{found}" if purpose == "pioneer" else found
        relation = self._fields("AccountContactRelation")
        dmu: RoleSource | None = None
        if relation is not None and "Roles" in relation:
            dmu = RoleSource("AccountContactRelation.Roles", _choices(relation["Roles"]))
        else:
            contact = self._fields("Contact") or {}
            lists = [
                f
                for f in contact.values()
                if f.get("type") in _PICKLISTS and str(f.get("name")).endswith("__c")
            ]
            best = max(lists, key=_role_score, default=None)  # fmt: skip
            if best is not None and _role_score(best) > 0:
                name = str(best["name"])
                dmu = RoleSource(f"Contact.{name}", _choices(best), field=name)
            notes.append("The org has no AccountContactRelation (Contacts to Multiple Accounts).")
        team = self._fields("AccountTeamMember")
        psu = None
        if team is not None and "TeamMemberRole" in team:
            psu = RoleSource("AccountTeamMember.TeamMemberRole", _choices(team["TeamMemberRole"]))
        else:
            notes.append("The org has no Account Teams: every PSU role comes from elsewhere.")
        statuses = tuple(Status(s.value, s.closed, s.label) for s in self.org.task_statuses())
        owners = self.connector.http.query("SELECT COUNT() FROM User WHERE IsActive = true")
        existing = {t: n for t, n in DEFAULT_SF_TARGET_FIELDS.items() if n in account}
        return SourceFacts(
            "salesforce", section.login_url, dmu=dmu, psu=psu, numbers=numbers,
            statuses=statuses, owners=owners.total_size, named=named, targets=existing,
            notes=tuple(notes), settings={"auth": section.auth},
        )  # fmt: skip


def _first_error(exc: ValueError) -> str:
    errors = getattr(exc, "errors", None)
    if callable(errors):
        found = errors()
        if found:
            return str(found[0].get("msg", exc))
    return str(exc)
