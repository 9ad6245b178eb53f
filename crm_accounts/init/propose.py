"""From what a source holds to a proposed configuration (:class:`~.draft.Draft`). No I/O.

Role maps come from the role values by name (:mod:`.matching`), rating criteria from the numeric
account fields (revenue first, margin when the source has margins, then attributes; at most five,
METHOD.md section 1), target field names from what exists (or the defaults ``setup`` creates) and
the closing status from what the CRM itself treats as closed (METHOD.md, Tasks).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date

from ..config import (
    DEFAULT_HS_TARGET_PROPERTIES,
    DEFAULT_SF_TARGET_FIELDS,
    DEFAULT_TARGET_FIELDS,
    MAX_CRITERIA,
)
from ..domain.model import DmuRole, PsuRole
from .draft import Draft, Table
from .facts import Field, RoleSource, SourceFacts
from .matching import RoleMatch, best_role, fold
from .vocabulary import DMU_NAMES, PSU_NAMES

__all__ = ["LOWER_IS_BETTER", "criterion_key", "propose"]

DMU_KEYS = tuple(r.value for r in DmuRole)
PSU_KEYS = tuple(r.value for r in PsuRole)
#: Words in a field name that make a lower value the better one (payment days, costs, risk).
LOWER_IS_BETTER = frozenset(
    {"days", "dso", "cost", "costs", "risk", "churn", "complaints", "delay", "overdue",
     "kosten", "risico", "dagen", "betaaltermijn", "tage", "risiko"}
)  # fmt: skip
_SECRETS = {
    "csv": "a CSV folder needs no credentials",
    "salesforce": "Salesforce credentials come from SF_* variables (docs/salesforce.md)",
    "hubspot": "the HubSpot token comes from HUBSPOT_ACCESS_TOKEN (docs/hubspot.md)",
}


def criterion_key(name: str) -> str:
    """A criterion key from a field name: ``Strategic_Fit__c`` -> ``strategic_fit``."""
    stem = re.sub(r"__c$", "", name, flags=re.IGNORECASE)
    key = re.sub(r"[^a-z0-9]+", "_", fold(stem)).strip("_")
    return (key or "criterion")[:64]


def _better(name: str) -> str:
    words = set(fold(name).split()) | set(criterion_key(name).split("_"))
    return "lower" if words & LOWER_IS_BETTER else "higher"


def propose(facts: SourceFacts, *, today: date) -> Draft:
    """The configuration proposed for ``facts``: every setting with a comment saying why."""
    draft = Draft(
        heading=(
            f"crm-accounts configuration proposed by `crm-accounts init` on {today.isoformat()}",
            f"from the {facts.kind} source at {facts.location}.",
            "Lines marked 'proposed' were found in the source: check them. Keys left out take",
            "their defaults (docs/init.md, docs/method.md). Unknown keys are errors.",
            f"Secrets never live in this file: {_SECRETS[facts.kind]}.",
            *facts.notes,
        )
    )
    source = draft.table("source")
    source.add("kind", facts.kind)
    if facts.kind == "csv":
        source.add("path", facts.location, "the CSV folder (relative to this file)")
    period = draft.table("period")
    period.add("months", 12, "revenue period: the last 12 months (default)")
    segments = draft.table("segments")
    segments.add("rule", "revenue_share", "A: the first 80% of revenue, B: up to 95% (default)")
    attributes = _rating(draft, facts)
    _plan(draft, facts)
    if facts.kind == "salesforce":
        _salesforce(draft, facts, attributes)
    elif facts.kind == "hubspot":
        _hubspot(draft, facts, attributes)
    else:
        _csv(draft, facts)
    return draft


def _rating(draft: Draft, facts: SourceFacts) -> dict[str, str]:
    """``[rating]`` and its criteria; returns the attribute keys -> field names they read."""
    rating = draft.table(
        "rating", "Customer rating: the top accounts ranked on at most five criteria."
    )
    rating.add("top", 5, "how many accounts are rated (default)")
    chosen: list[tuple[str, str, str, str]] = [("revenue", "revenue", "higher", "a metric")]
    if facts.named.get("margin"):
        chosen.append(("margin", "margin", "higher", "a metric: the source has margins"))
    attributes: dict[str, str] = {}
    usable = [f for f in facts.numbers if f.filled is None or f.filled > 0]
    for number in usable:
        if len(chosen) >= MAX_CRITERIA:
            break
        key = criterion_key(number.name)
        if key in attributes or key in {c[0] for c in chosen}:
            continue
        attributes[key] = number.name
        source = number.name if facts.kind == "csv" else key
        chosen.append((key, source, _better(number.name), _number_note(number)))
    for key, source, better, note in chosen:
        criterion = draft.table("rating.criteria", array=True)
        criterion.add("key", key)
        criterion.add("source", source, note, proposal=source not in ("revenue", "margin"),
                      required=True)  # fmt: skip
        attribute = source not in ("revenue", "margin")
        criterion.add("better", better, "guessed from the name" if attribute else "",
                      proposal=attribute, choices=("higher", "lower"))  # fmt: skip
    left = [f.name for f in usable if criterion_key(f.name) not in attributes]
    if left:
        rating.intro = (*rating.intro, "Other numeric fields: " + ", ".join(left))
    return attributes


def _number_note(number: Field) -> str:
    label = f"{number.label}; " if number.label and number.label != number.name else ""
    filled = (
        f"filled on {number.filled} of {number.total} accounts"
        if number.filled is not None and number.total
        else "a numeric account field"
    )
    odd = f"; {number.odd} values are not numbers" if number.odd else ""
    return f"proposed: {label}{filled}{odd}"


def _plan(draft: Draft, facts: SourceFacts) -> None:
    plan = draft.table("plan", "Contact planning (METHOD.md section 2); default rules apply.")
    plan.add("capacity_per_week", 10, "planned contacts per member per week (default)")
    closed = [s for s in facts.statuses if s.closed]
    if facts.kind == "hubspot" and closed:
        # COMPLETED is HubSpot's only closed status and what the connector closes with when the
        # key is left out (its key retired, so it never reads back as a contact moment).
        plan.add("closed_status", "Completed", "HubSpot's only closed task status, COMPLETED "
                 "(the default; any other value is refused)", enabled=False)  # fmt: skip
    elif facts.kind == "csv":
        plan.add("closed_status", "Deferred", "the status planned tasks are closed with (default)",
                 proposal=True)  # fmt: skip
    elif closed:
        names = ", ".join(s.value for s in closed)
        plan.add(
            "closed_status", closed[0].value,
            f"proposed: the org's first closed status (TaskStatus.IsClosed: {names})",
            proposal=True, choices=tuple(s.value for s in closed),
        )  # fmt: skip
    else:
        plan.intro = (*plan.intro, "No closed task status was found: set closed_status yourself.")


def _roles(draft: Draft, name: str, roles: RoleSource | None, dmu: bool, intro: str) -> int:
    """A role table from the role values; returns how many values were mapped."""
    if roles is None:
        return 0
    table = draft.table(name, intro, f"Values of {roles.where}, matched to role names by name.")
    mapped = 0
    for choice in roles.choices:
        match = _match(choice.value, dmu, choice.label)
        keys = DMU_KEYS if dmu else PSU_KEYS
        if match is not None and match.accepted:
            mapped += 1
            table.add(choice.value, match.role, f"proposed, {match.note()}", proposal=True,
                      choices=keys)  # fmt: skip
        else:
            best = f"best {match.note()}, too far" if match is not None else "no letters"
            table.add(choice.value, "", f"no role: {best}", enabled=False, choices=keys)
    return mapped


def _match(value: str, dmu: bool, label: str = "") -> RoleMatch | None:
    if dmu:
        return best_role(value, DMU_NAMES, label=label)
    return best_role(value, PSU_NAMES, label=label)


def _targets(draft: Draft, name: str, facts: SourceFacts, defaults: Mapping[str, str]) -> None:
    table = draft.table(name, "Target fields written back (METHOD.md); setup creates missing ones.")
    for target, default in defaults.items():
        existing = facts.targets.get(target)
        if existing:
            table.add(target, existing, "exists in the CRM")
        else:
            table.add(target, default, "default; `crm-accounts setup --apply` creates it")


def _named(table: Table, facts: SourceFacts, keys: Mapping[str, str]) -> None:
    for purpose, key in keys.items():
        found = facts.named.get(purpose)
        if found:
            table.add(key, found, f"proposed: found by its name ({purpose})", proposal=True)


def _salesforce(draft: Draft, facts: SourceFacts, attributes: Mapping[str, str]) -> None:
    section = draft.table("salesforce", "The Salesforce org (docs/salesforce.md).")
    section.add("auth", facts.settings.get("auth", "jwt"), "the login flow; see docs/salesforce.md")
    section.add("login_url", facts.location)
    if facts.dmu is not None and facts.dmu.field:
        section.add(
            "contact_roles_source", "contact_field", "the org has no AccountContactRelation"
        )
        section.add("contact_role_field", facts.dmu.field, f"proposed: {facts.dmu.where}",
                    proposal=True)  # fmt: skip
    _named(section, facts, {"integration_stage": "integration_stage_field",
                            "margin": "margin_field", "gatekeeper": "gatekeeper_field",
                            "pioneer": "pioneer_field", "capacity": "capacity_field"})  # fmt: skip
    table = draft.table("salesforce.attributes", "Account fields the rating criteria read.")
    for key, field in attributes.items():
        table.add(key, field)
    _roles(draft, "salesforce.contact_roles", facts.dmu, True, "Buying roles (DMU).")
    _roles(draft, "salesforce.team_roles", facts.psu, False, "Account team roles (PSU).")
    _targets(draft, "salesforce.fields", facts, DEFAULT_SF_TARGET_FIELDS)


def _hubspot(draft: Draft, facts: SourceFacts, attributes: Mapping[str, str]) -> None:
    section = draft.table("hubspot", "The HubSpot account (docs/hubspot.md).")
    section.add("host", facts.location)
    owners = f"{facts.owners} active owners; " if facts.owners is not None else ""
    section.add("owner_role", "account_manager",
                f"{owners}each company's owner holds this role", choices=PSU_KEYS)  # fmt: skip
    if facts.dmu is not None:
        section.add("buying_role_property", facts.dmu.field or "hs_buying_role")
    _named(section, facts, {"integration_stage": "integration_stage_property",
                            "margin": "margin_property", "gatekeeper": "gatekeeper_property",
                            "pioneer": "pioneer_property"})  # fmt: skip
    table = draft.table("hubspot.attributes", "Company properties the rating criteria read.")
    for key, prop in attributes.items():
        table.add(key, prop)
    _roles(draft, "hubspot.buying_roles", facts.dmu, True, "Buying roles (DMU).")
    if facts.psu is not None and facts.psu.choices:
        _roles(draft, "hubspot.owner_properties", facts.psu, False,
               "Owner properties of companies whose owner holds a team role (PSU).")  # fmt: skip
    _targets(draft, "hubspot.fields", facts, DEFAULT_HS_TARGET_PROPERTIES)


def _csv(draft: Draft, facts: SourceFacts) -> None:
    for roles, keys in ((facts.dmu, DMU_KEYS), (facts.psu, PSU_KEYS)):
        if roles is None:
            continue
        odd = [c.value for c in roles.choices if fold(c.value).replace(" ", "_") not in keys]
        for value in odd:
            match = _match(value, keys is DMU_KEYS)
            hint = f"; closest role: {match.role} ({match.note()})" if match else ""
            draft.heading = (*draft.heading,
                             f"{roles.where}: {value!r} is not a role key{hint}")  # fmt: skip
    peer = facts.named.get("peer_attribute")
    if peer:
        whitespace = draft.table("whitespace", "Whitespace: products peers buy (METHOD.md 4).")
        whitespace.add("peer_attribute", peer, "proposed: peers share this attribute",
                       proposal=True)  # fmt: skip
    table = draft.table("csv.fields", "Columns of accounts.csv the sync writes (added if missing).")
    for target, default in DEFAULT_TARGET_FIELDS.items():
        table.add(target, facts.targets.get(target, default))
