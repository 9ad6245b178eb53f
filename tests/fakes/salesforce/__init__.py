"""A stateful fake Salesforce org behind a local TLS server, for connector tests.

Start one with the ``fake_salesforce`` fixture (:mod:`.fixtures`) or ``with FakeSalesforce() as
fake:``; arrange data with ``fake.load(folder)`` or ``fake.state.create(...)``, inject faults with
``fake.faults``, count requests with ``fake.calls``. Modules: :mod:`.state` (the org),
:mod:`.schema` (objects and fields), :mod:`.values` (type handling), :mod:`.soql` (the query
subset), :mod:`.bulk` (Bulk API 2.0), :mod:`.oauth` (token endpoint), :mod:`.faults`,
:mod:`.app` (the WSGI app), :mod:`.loader` (CSV source folder -> org), :mod:`.server`,
:mod:`.profile` and :mod:`.features` (org profiles: what one org has that another lacks; shipped
ones in :mod:`.profiles`), :mod:`.admin` (Tooling API custom fields, field-level security),
:mod:`.activities` (archiving, leads, shared activities, group events), :mod:`.rehearsal` and
:mod:`.__main__` (``python -m tests.fakes.salesforce serve``: a rehearsal org for the CLI).
"""

from .bulk import Bulk, Job
from .faults import CallLog, Fault, Faults
from .loader import (
    CONTACT_ROLE_VALUES,
    EXTRA_CONTACT_ROLES,
    EXTRA_TEAM_ROLES,
    TEAM_ROLE_VALUES,
    LoadResult,
    load_source,
    loaded_section,
    section_roles,
)
from .oauth import JWT_BEARER, OAuthSettings
from .profile import OrgProfile, ProfileError, TaskStatusValue, load_profile, resolve_profile
from .profiles import PROFILES, shipped_profiles
from .schema import FieldDef, ObjectDef
from .server import FakeSalesforce
from .state import DatedRate, Org, RecordError, RequestError, make_id

__all__ = [
    "CONTACT_ROLE_VALUES",
    "EXTRA_CONTACT_ROLES",
    "EXTRA_TEAM_ROLES",
    "JWT_BEARER",
    "PROFILES",
    "TEAM_ROLE_VALUES",
    "Bulk",
    "CallLog",
    "DatedRate",
    "FakeSalesforce",
    "Fault",
    "Faults",
    "FieldDef",
    "Job",
    "LoadResult",
    "OAuthSettings",
    "ObjectDef",
    "Org",
    "OrgProfile",
    "ProfileError",
    "RecordError",
    "RequestError",
    "TaskStatusValue",
    "load_profile",
    "load_source",
    "loaded_section",
    "make_id",
    "resolve_profile",
    "section_roles",
    "shipped_profiles",
]
