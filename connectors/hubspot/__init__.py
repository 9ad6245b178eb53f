"""The HubSpot connector (docs/hubspot.md): reads companies, closed-won deals, buying roles,
owners and engagements through hubspot-api-client, writes company properties and tasks back.

Modules: :mod:`.auth` (the private-app token from the environment), :mod:`.limits` (pacing,
rate headers), :mod:`.http` (client, error classification, retries), :mod:`.queries` (property
lists, search bodies, range splitting), :mod:`.mapping` (records <-> domain), :mod:`.currency`
(refuse or convert), :mod:`.reader` (split searches, association reads), :mod:`.source` and
:mod:`.writer` (the ports), :mod:`.connector` (assembly) and :mod:`.admin` (``check``, ``setup``).
"""

from .admin import CheckResult, apply_definitions, check, setup_definitions
from .auth import AccessToken, read_token
from .connector import HubSpotConnector
from .limits import ApiUsage, RateLimiter

__all__ = [
    "AccessToken",
    "ApiUsage",
    "CheckResult",
    "HubSpotConnector",
    "RateLimiter",
    "apply_definitions",
    "check",
    "read_token",
    "setup_definitions",
]
