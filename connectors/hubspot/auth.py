"""The private-app access token, from the environment only. No I/O beyond reading ``environ``.

A private app's access token authenticates every request as ``Authorization: Bearer <token>``
("Private apps", https://developers.hubspot.com/docs/api/private-apps). The token never lives in
the config file: ``[hubspot] access_token_env`` names the variable (``HUBSPOT_ACCESS_TOKEN`` by
default). Its name matches ``TOKEN``, so :mod:`crm_accounts.logs` scrubs its value from every log
line and error message.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from crm_accounts.config import HubSpotSection
from crm_accounts.errors import ConfigError

__all__ = ["AccessToken", "read_token"]


@dataclass(frozen=True, slots=True)
class AccessToken:
    """The token and the variable it came from; ``repr`` never shows the value."""

    value: str
    variable: str

    def __repr__(self) -> str:
        return f"AccessToken(variable={self.variable!r}, value='***')"


def read_token(section: HubSpotSection, environ: Mapping[str, str]) -> AccessToken:
    """The access token from ``environ[section.access_token_env]``.

    Raises:
        ConfigError: the variable is missing or empty; the message names it, never a value.
    """
    name = section.access_token_env
    value = environ.get(name, "").strip()
    if not value:
        raise ConfigError(
            f"[hubspot] needs a private app access token in the environment variable {name}, "
            "which is not set (or empty); create one under Settings > Integrations > Private "
            "apps (docs/hubspot.md)"
        )
    if any(char.isspace() for char in value):
        raise ConfigError(f"{name}: the access token contains spaces or line breaks")
    return AccessToken(value, name)
