"""Role suggestions applied to a run's contacts (METHOD.md section 4). Pure; no I/O.

Contacts without a DMU role and with a job title get the roles their title suggests. By default
the suggestions are only reported; with ``roles.use_suggestions`` the contacts enter the method
with the suggested roles, and every view marks those roles as suggested. Nothing here ever goes
to the CRM's role fields.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field, replace

import polars as pl

from .frames import ContactFrame
from .model import Contact
from .settings import RoleSettings
from .titles import RoleSuggestion, TitleMatcher

__all__ = [
    "SUGGESTED_MARK",
    "Suggestions",
    "role_labels",
    "suggest_roles",
    "suggestion_note",
]

#: How a suggested role is marked wherever it is shown.
SUGGESTED_MARK = "(suggested)"


@dataclass(frozen=True, slots=True)
class Suggestions:
    """The suggestions of one run, by contact id, and whether the method used them."""

    by_contact: Mapping[str, RoleSuggestion] = field(default_factory=dict)
    used: bool = False
    without_role: int = 0
    """Contacts without a DMU role from the CRM (with or without a suggestion)."""
    about: Mapping[str, tuple[str, str]] = field(default_factory=dict)
    """The account id and job title of each contact with a suggestion."""

    def in_use(self, contact_id: str) -> RoleSuggestion | None:
        """The suggestion behind ``contact_id``'s roles in this run's method, if any."""
        return self.by_contact.get(contact_id) if self.used else None


def suggest_roles(
    contacts: Collection[Contact] | None, settings: RoleSettings
) -> tuple[Suggestions, Collection[Contact] | None]:
    """Suggestions for ``contacts``, and the contacts the method should use."""
    if not contacts:
        return Suggestions(used=settings.use_suggestions), contacts
    matcher = TitleMatcher(dict(settings.title_words))
    found: dict[str, RoleSuggestion] = {}
    about: dict[str, tuple[str, str]] = {}
    if isinstance(contacts, ContactFrame):
        unassigned = contacts.frame.filter(pl.col("dmu").list.len() == 0)
        without_role = unassigned.height
        titled = unassigned.filter(pl.col("title").is_not_null())
        # job titles repeat: each distinct title is matched once
        by_title: dict[str, RoleSuggestion] = {}
        for title in titled["title"].unique():
            suggestion = matcher.suggest(title) if title.strip() else None
            if suggestion is not None:
                by_title[title] = suggestion
        matched = titled.filter(pl.col("title").is_in(list(by_title)))
        ids, titles = matched["id"].to_list(), matched["title"].to_list()
        found = dict(zip(ids, map(by_title.__getitem__, titles), strict=True))
        places = zip(matched["account_id"].to_list(), titles, strict=True)
        about = dict(zip(ids, places, strict=True))
    else:
        unassigned_records = [contact for contact in contacts if not contact.dmu_roles]
        without_role = len(unassigned_records)
        for contact in unassigned_records:
            title = contact.title or ""
            suggestion = matcher.suggest(title) if title.strip() else None
            if suggestion is not None:
                found[contact.id] = suggestion
                about[contact.id] = (contact.account_id, title)
    result = Suggestions(found, settings.use_suggestions, without_role, about)
    if not settings.use_suggestions or not found:
        return result, contacts
    if isinstance(contacts, ContactFrame):
        suggested = pl.DataFrame(
            [(contact_id, sorted(found[contact_id].role_keys())) for contact_id in found],
            schema={"id": pl.String, "suggested": pl.List(pl.String)},
            orient="row",
        )
        frame = (
            contacts.frame.join(suggested, on="id", how="left", maintain_order="left")
            .with_columns(pl.coalesce("suggested", "dmu").alias("dmu"))
            .drop("suggested")
        )
        return result, ContactFrame(frame)
    used = [
        replace(contact, dmu_roles=found[contact.id].roles) if contact.id in found else contact
        for contact in contacts
    ]
    return result, used


def role_labels(contact: Contact, suggestions: Suggestions) -> tuple[str, ...]:
    """``contact``'s DMU role keys for display, each marked when it is a suggestion."""
    keys = tuple(sorted(role.value for role in contact.dmu_roles))
    if suggestions.in_use(contact.id) is None:
        return keys
    return tuple(f"{key} {SUGGESTED_MARK}" for key in keys)


def suggestion_note(suggestions: Suggestions, contact: Contact | None) -> str | None:
    """A sentence saying ``contact``'s roles in this run are suggested, or ``None``."""
    if contact is None:
        return None
    suggestion = suggestions.in_use(contact.id)
    if suggestion is None:
        return None
    return (
        f"Roles {', '.join(suggestion.role_keys())} {SUGGESTED_MARK}: from the job title "
        f"{contact.title!r} (matched {', '.join(suggestion.matched)}), not recorded in the CRM."
    )
