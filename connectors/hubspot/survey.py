"""What a HubSpot account holds, for ``crm-accounts init``: properties, enumeration options,
task statuses, owners. Does I/O (GET requests through the connector's HTTP layer; nothing
written).

Read: the property definitions of companies (numeric custom properties for the rating, an
integration stage, owner-valued properties for team roles and the pioneer, existing target
properties), contacts (``hs_buying_role`` options, a gatekeeper property), deals (a margin
property) and tasks (``hs_task_status`` options), each ``GET /crm/v3/properties/{objectType}``
("CRM API | Properties", https://developers.hubspot.com/docs/api/crm/properties), and the active
owners (``GET /crm/v3/owners``). HubSpot treats ``COMPLETED`` as the only closed task status
("Activities | Tasks": ``hs_task_status`` is NOT_STARTED, IN_PROGRESS, WAITING, COMPLETED or
DEFERRED; METHOD.md, Tasks).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from crm_accounts.config import DEFAULT_HS_TARGET_PROPERTIES, HubSpotSection
from crm_accounts.errors import ConfigError
from crm_accounts.init.facts import Choice, Field, RoleSource, SourceFacts, Status
from crm_accounts.init.matching import field_for

from .connector import HubSpotConnector
from .mapping import CLOSED_TASK_STATUS

__all__ = ["CLOSED_TASK_STATUS", "SURVEY_ATTEMPTS", "HubSpotSurvey"]

SURVEY_ATTEMPTS = 2  # a person is waiting: try a request twice, not five times
_OWNER = "OWNER"
_OWNER_ROLE = "hubspot_owner_id"  # read as [hubspot] owner_role, never as an owner property
#: The property names ``[hubspot]`` accepts (config.py); others are never proposed.
_NAME = re.compile(r"^[a-z][a-z0-9_]{0,99}$")


def _options(prop: Mapping[str, Any]) -> tuple[Choice, ...]:
    return tuple(
        Choice(str(o.get("value")), str(o.get("label") or ""))
        for o in prop.get("options") or []
        if not o.get("hidden") and o.get("value") not in (None, "")
    )


def _pairs(props: Mapping[str, Mapping[str, Any]], *types: str) -> list[tuple[str, str]]:
    return sorted(
        (name, str(p.get("label") or "")) for name, p in props.items() if p.get("type") in types
    )


class HubSpotSurvey:
    """Implements :class:`~crm_accounts.init.facts.Surveys` for one HubSpot account."""

    def __init__(self, connector: HubSpotConnector) -> None:
        self.connector = connector

    @classmethod
    def from_environment(cls, environ: Mapping[str, str], url: str | None) -> HubSpotSurvey:
        """A survey of the account the token in ``environ`` opens, at ``url`` (default
        ``https://api.hubapi.com``).

        Raises:
            ConfigError: ``url`` is not an http(s) host, or the token variable is missing.
        """
        values: dict[str, Any] = {"max_attempts": SURVEY_ATTEMPTS, "max_retry_seconds": 30.0}
        if url is not None:
            values["host"] = url.rstrip("/")
        try:
            section = HubSpotSection(**values)
        except ValueError:
            raise ConfigError(
                f"--url: value {url!r} is not a HubSpot API host such as https://api.hubapi.com"
            ) from None
        return cls(HubSpotConnector.from_config(section, environ))

    def _properties(self, object_type: str) -> dict[str, dict[str, Any]]:
        answer = self.connector.http.json(
            f"properties_{object_type}", "GET", f"/crm/v3/properties/{object_type}"
        )
        results = answer.get("results") or []
        return {str(p["name"]): p for p in results if _NAME.match(str(p.get("name") or ""))}

    def survey(self) -> SourceFacts:
        """Read the property definitions and the owners."""
        section = self.connector.section
        companies = self._properties("companies")
        contacts = self._properties("contacts")
        targets = set(DEFAULT_HS_TARGET_PROPERTIES.values())
        numbers = tuple(
            Field(name, str(p.get("label") or ""))
            for name, p in sorted(companies.items())
            if p.get("type") == "number" and not p.get("hubspotDefined")
            and not p.get("calculated") and name not in targets
        )  # fmt: skip
        owner_props = {
            name: p
            for name, p in companies.items()
            if p.get("referencedObjectType") == _OWNER and name != _OWNER_ROLE
        }
        named: dict[str, str] = {}
        for purpose, found in (
            ("integration_stage", field_for("integration_stage", _pairs(companies, "enumeration"))),
            ("margin", field_for("margin", _pairs(self._properties("deals"), "number"))),
            ("gatekeeper", field_for("gatekeeper", _pairs(contacts, "bool", "enumeration"))),
            ("pioneer", field_for("pioneer", _pairs(owner_props, "enumeration"))),
        ):
            if found:
                named[purpose] = found
        role_prop = contacts.get(section.buying_role_property)
        dmu = (
            RoleSource(f"contacts.{section.buying_role_property}", _options(role_prop),
                       field=section.buying_role_property)
            if role_prop is not None else None
        )  # fmt: skip
        psu = RoleSource(
            "owner properties of companies",
            tuple(Choice(n, str(p.get("label") or "")) for n, p in sorted(owner_props.items())
                  if n != named.get("pioneer")),
        )  # fmt: skip
        status = self._properties("tasks").get("hs_task_status") or {}
        statuses = tuple(
            Status(c.value, c.value == CLOSED_TASK_STATUS, c.label) for c in _options(status)
        )
        owners = self.connector.source.owners()
        return SourceFacts(
            "hubspot", section.host, dmu=dmu, psu=psu, numbers=numbers, statuses=statuses,
            owners=len(owners), named=named,
            targets={t: n for t, n in DEFAULT_HS_TARGET_PROPERTIES.items() if n in companies},
        )  # fmt: skip
