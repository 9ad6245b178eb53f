"""Portal profiles: what one HubSpot subscription tier looks like to the API. Reads JSON files.

A profile is a JSON object (``tests/fakes/hubspot/profiles/*.json`` ship one per tier)::

    {"name": "Starter", "per_10_seconds": 100, "per_second": 10, "search_per_second": 5,
     "daily": 250000, "search_index_delay_seconds": 2,
     "buying_role_options": ["DECISION_MAKER", ...],
     "role_values": {"decider": "DECISION_MAKER", ...}}

Sources for the figures: 100 requests per 10 seconds and 250,000 a day on Free and Starter, 190
and 650,000 (Professional) or 1,000,000 (Enterprise) ("API usage guidelines and limits",
https://developers.hubspot.com/docs/developer-tooling/platform/usage-guidelines); five searches
a second (search guide, "Limitations"); ``per_second`` 10 next to 100 per 10 seconds is what the
recorded answers' ``X-HubSpot-RateLimit-Secondly`` says (/work/shared/reference/
hubspot-real-responses.json), 19 for 190 is assumed in proportion. The search index delay has no
documented figure ("several seconds" in integration guides; HubSpot/hubspot-api-php#59);
``buying_role_options`` are the options of ``hs_buying_role`` in that portal and ``role_values``
the option the portal's admin uses for a DMU role (roles left out keep the loader's default
value, added as a custom option when the portal lacks it). ``per_second`` is optional (a tenth of
``per_10_seconds``). Unknown keys are refused, so a typo in a profile is an error, not a default.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["PROFILE_DIR", "PortalProfile", "load_profile", "shipped_profiles"]

PROFILE_DIR = Path(__file__).parent / "profiles"
_REQUIRED = (
    "name",
    "per_10_seconds",
    "search_per_second",
    "daily",
    "search_index_delay_seconds",
    "buying_role_options",
    "role_values",
)


@dataclass(frozen=True)
class PortalProfile:
    name: str
    per_10_seconds: int = 100
    search_per_second: int = 5
    daily: int = 250_000
    search_index_delay_seconds: float = 0.0
    buying_role_options: tuple[str, ...] = ()
    role_values: dict[str, str] = field(default_factory=dict)
    per_second: int | None = None

    @classmethod
    def from_json(cls, data: Any, where: str) -> PortalProfile:
        """A profile from a parsed JSON object.

        Raises:
            ValueError: naming ``where`` and the key, for a missing, unknown or bad value.
        """
        if not isinstance(data, dict):
            raise ValueError(f"{where}: a profile is a JSON object")
        unknown = sorted(set(data) - set(_REQUIRED) - {"per_second"})
        missing = [k for k in _REQUIRED if k not in data]
        if unknown or missing:
            raise ValueError(f"{where}: unknown keys {unknown}, missing keys {missing}")
        for key in ("per_10_seconds", "search_per_second", "daily"):
            if not isinstance(data[key], int) or data[key] < 1:
                raise ValueError(f"{where}: {key} must be a positive integer, not {data[key]!r}")
        delay = data["search_index_delay_seconds"]
        if not isinstance(delay, int | float) or delay < 0:
            raise ValueError(f"{where}: search_index_delay_seconds must be >= 0, not {delay!r}")
        options, roles = data["buying_role_options"], data["role_values"]
        if not isinstance(options, list) or not all(isinstance(o, str) for o in options):
            raise ValueError(f"{where}: buying_role_options must be a list of strings")
        if not isinstance(roles, dict) or not all(isinstance(v, str) for v in roles.values()):
            raise ValueError(f"{where}: role_values must map DMU roles to option values")
        per_second = data.get("per_second")
        if per_second is not None and (not isinstance(per_second, int) or per_second < 1):
            raise ValueError(f"{where}: per_second must be a positive integer")
        return cls(
            str(data["name"]),
            data["per_10_seconds"],
            data["search_per_second"],
            data["daily"],
            float(delay),
            tuple(options),
            dict(roles),
            per_second,
        )


def load_profile(path: Path) -> PortalProfile:
    """Read a profile file.

    Raises:
        ValueError: the file is not valid JSON or not a valid profile (names file and key).
        OSError: the file cannot be read.
    """
    text = path.read_text(encoding="utf-8")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"{path}: line {exc.lineno}: {exc.msg}") from None
    return PortalProfile.from_json(data, str(path))


def shipped_profiles() -> list[Path]:
    """The profile files shipped with the fake, by name."""
    return sorted(PROFILE_DIR.glob("*.json"))
