"""What a source holds, as ``init`` needs it to propose a configuration; the port a source
implements to tell it. No I/O.

A connector's survey (``connectors/<kind>/survey.py``) reads names and values only: field and
column names, picklist or enumeration values, task statuses, the number of owners. It never
reads a secret into these values and never writes anything.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, Protocol

__all__ = [
    "Choice",
    "Field",
    "RoleSource",
    "SourceFacts",
    "Status",
    "Surveys",
]

Kind = Literal["csv", "salesforce", "hubspot"]


@dataclass(frozen=True, slots=True)
class Choice:
    """One value a role field can hold: what is stored and what users see."""

    value: str
    label: str = ""


@dataclass(frozen=True, slots=True)
class RoleSource:
    """Where buying (DMU) or team (PSU) roles live and the values they can take."""

    where: str  # e.g. "AccountContactRelation.Roles", "contacts.hs_buying_role", "team.csv"
    choices: tuple[Choice, ...]
    field: str | None = None  # the field to configure when it is not the connector's default


@dataclass(frozen=True, slots=True)
class Field:
    """A numeric account field or column a rating criterion could read."""

    name: str  # the API name, property name or column
    label: str = ""
    filled: int | None = None  # accounts that hold a value, when known
    total: int | None = None  # accounts read, when known
    odd: int = 0  # filled values that are not numbers (the rating warns about them)


@dataclass(frozen=True, slots=True)
class Status:
    """A task status and whether the CRM treats it as closed."""

    value: str
    closed: bool
    label: str = ""


@dataclass(frozen=True)
class SourceFacts:
    """Everything ``init`` proposes from: names and values, no records.

    ``named`` holds fields found by their purpose (``gatekeeper``, ``margin``,
    ``integration_stage``, ``pioneer``, ``capacity``, ``peer_attribute``) and ``targets`` the
    target fields that already exist (target key -> name). ``notes`` are facts worth telling
    the reader of the file (objects missing, values that are not role keys).
    """

    kind: Kind
    location: str  # the CSV folder, the Salesforce login URL or the HubSpot API host
    dmu: RoleSource | None = None
    psu: RoleSource | None = None
    numbers: tuple[Field, ...] = ()
    statuses: tuple[Status, ...] = ()
    owners: int | None = None
    named: dict[str, str] = field(default_factory=dict)
    targets: dict[str, str] = field(default_factory=dict)
    notes: tuple[str, ...] = ()
    settings: dict[str, str] = field(default_factory=dict)  # e.g. {"auth": "jwt"}


class Surveys(Protocol):
    """A source that can tell what it holds (one narrow method, as every port here)."""

    def survey(self) -> SourceFacts:
        """Read names and values; raise the connector's errors when the source cannot be read."""
        ...
