"""A stateful fake HubSpot portal behind a local HTTP server, for connector tests.

Start one with the ``fake_hubspot`` fixture (:mod:`.fixtures`) or ``with FakeHubSpot() as
fake:``; arrange data with ``fake.load(folder)`` or ``fake.state.create(...)``, inject faults with
``fake.faults``, count requests with ``fake.calls``, drive time with a :class:`ManualClock`.
Modules: :mod:`.schema` (object types, properties, association types), :mod:`.values` (value
checks), :mod:`.state` (the portal), :mod:`.limits` (rate limits), :mod:`.search` (the search
query language), :mod:`.batch` (batch endpoints and v4 associations), :mod:`.properties_api`,
:mod:`.faults`, :mod:`.responses`, :mod:`.app` (the WSGI app), :mod:`.loader` (CSV source folder
-> portal), :mod:`.server`.
"""

from .faults import CallLog, Fault, Faults
from .limits import DAILY, SECONDLY, TEN_SECONDLY, TIERS, ManualClock, RateLimits
from .loader import (
    BUYING_ROLE_VALUES,
    DEFAULT_BUYING_ROLES,
    EXTRA_BUYING_ROLES,
    TEAM_ROLE_PROPERTIES,
    LoadResult,
    RosterEntry,
    load_source,
)
from .profile import PortalProfile, load_profile, shipped_profiles
from .schema import (
    ASSOCIATION_TYPES,
    BUYING_ROLE_OPTIONS,
    OBJECT_TYPES,
    AssociationType,
    ObjectType,
    Option,
    PropertyDef,
    PropertyGroup,
)
from .server import FakeHubSpot
from .state import Owner, Portal, Record, RequestError

__all__ = [
    "ASSOCIATION_TYPES",
    "BUYING_ROLE_OPTIONS",
    "BUYING_ROLE_VALUES",
    "DAILY",
    "DEFAULT_BUYING_ROLES",
    "EXTRA_BUYING_ROLES",
    "OBJECT_TYPES",
    "SECONDLY",
    "TEAM_ROLE_PROPERTIES",
    "TEN_SECONDLY",
    "TIERS",
    "AssociationType",
    "CallLog",
    "FakeHubSpot",
    "Fault",
    "Faults",
    "LoadResult",
    "ManualClock",
    "ObjectType",
    "Option",
    "Owner",
    "Portal",
    "PortalProfile",
    "PropertyDef",
    "PropertyGroup",
    "RateLimits",
    "Record",
    "RequestError",
    "RosterEntry",
    "load_profile",
    "load_source",
    "shipped_profiles",
]
