"""The Salesforce connector (docs/salesforce.md): reads accounts, revenue, buying roles, account
teams and activities over the REST API, writes target fields and tasks back.

Modules: :mod:`.auth` (credentials from the environment, OAuth token), :mod:`.http` (session,
retries, error classification, API allowance), :mod:`.soql` (queries), :mod:`.mapping` (records
<-> domain), :mod:`.bulk` (Bulk API 2.0 jobs), :mod:`.source` and :mod:`.writer` (the ports),
:mod:`.connector` (assembly) and :mod:`.admin` (``check`` and ``setup``).
"""

from .admin import CheckResult, apply_definitions, check, setup_definitions
from .auth import Credentials, read_credentials
from .connector import SalesforceConnector
from .http import ApiUsage, Token

__all__ = [
    "ApiUsage",
    "CheckResult",
    "Credentials",
    "SalesforceConnector",
    "Token",
    "apply_definitions",
    "check",
    "read_credentials",
    "setup_definitions",
]
