"""The [hubspot] configuration for a CSV source folder loaded into the fake portal.

The fake's loader puts what HubSpot holds into properties (owner, owner-valued team properties,
buying roles, gatekeeper, margin) and lists what it cannot hold (further team roles, pioneers,
weekly capacities); an admin would put those in the roster. Shared by the integration, cassette
and end-to-end tests.
"""

from __future__ import annotations

import json
from collections import defaultdict
from typing import Any

from crm_accounts.config import HubSpotSection, RosterEntry
from tests.fakes.hubspot import (
    DEFAULT_BUYING_ROLES,
    EXTRA_BUYING_ROLES,
    TEAM_ROLE_PROPERTIES,
    LoadResult,
)

__all__ = ["SETTINGS", "roster_for", "section_for", "toml_for"]

#: The [hubspot] settings for the demo data, apart from host and roster.
SETTINGS: dict[str, Any] = {
    "attributes": {"strategic_fit": "strategic_fit", "payment_days": "payment_days"},
    "integration_stage_property": "integration_stage",
    "margin_property": "kam_margin",
    "gatekeeper_property": "kam_gatekeeper",
    "buying_roles": {**DEFAULT_BUYING_ROLES, **EXTRA_BUYING_ROLES},
    "owner_properties": dict(TEAM_ROLE_PROPERTIES),
}


def roster_for(load: LoadResult) -> list[dict[str, Any]]:
    """Roster entries for the roles, pioneers and capacities the loader could not store."""
    by_role: dict[tuple[str, str], list[str]] = defaultdict(list)
    for entry in load.roster:
        by_role[(entry.owner_id, entry.role)].append(entry.company_id)
    pioneers: dict[str, list[str]] = defaultdict(list)
    for account_id, member_id in load.pioneers:
        pioneers[load.owners[member_id]].append(load.companies[account_id])
    roster: list[dict[str, Any]] = [
        {"member": owner, "roles": [role], "accounts": sorted(accounts)}
        for (owner, role), accounts in sorted(by_role.items())
    ]
    roster += [
        {"member": owner, "pioneer": True, "accounts": sorted(accounts)}
        for owner, accounts in sorted(pioneers.items())
    ]
    roster += [
        {"member": load.owners[member], "capacity_per_week": capacity}
        for member, capacity in sorted(load.capacities.items())
    ]
    return roster


def section_for(host: str, load: LoadResult, **overrides: Any) -> HubSpotSection:
    """The [hubspot] section for the loaded demo at ``host``."""
    roster = [RosterEntry(**entry) for entry in roster_for(load)]
    values = {**SETTINGS, "buying_roles": _roles(load), "host": host, "roster": roster}
    return HubSpotSection(**{**values, **overrides})


def _roles(load: LoadResult) -> dict[str, str]:
    """The buying roles as the loader wrote them (a portal profile may use other options)."""
    return load.buying_roles or dict(SETTINGS["buying_roles"])


def toml_for(host: str, load: LoadResult, **overrides: Any) -> str:
    """The same section as TOML text (JSON values are valid TOML inline values here)."""
    values = {**SETTINGS, "buying_roles": _roles(load), "host": host, **overrides}
    lines = ["[hubspot]"]
    tables: list[str] = []
    for key, value in values.items():
        if isinstance(value, dict):
            tables.append(f"\n[hubspot.{key}]")
            tables += [f"{json.dumps(k)} = {json.dumps(v)}" for k, v in value.items()]
        else:
            lines.append(f"{key} = {json.dumps(value)}")
    roster = []
    for entry in roster_for(load):
        roster.append("\n[[hubspot.roster]]")
        roster += [f"{key} = {json.dumps(value)}" for key, value in entry.items()]
    return "\n".join(lines + tables + roster) + "\n"
