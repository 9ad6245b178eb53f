"""Salesforce credentials from environment variables, and the OAuth token request. Does I/O.

Credentials never live in the config file. ``[salesforce] auth`` picks the flow; each flow reads
these variables (a missing one is a :class:`~crm_accounts.errors.ConfigError` naming the variable,
never its value):

============================  ==================================================================
``auth``                      environment variables
============================  ==================================================================
``jwt`` (recommended)         ``SF_CLIENT_ID``, ``SF_USERNAME``, and ``SF_PRIVATE_KEY`` (PEM text)
                              or ``SF_PRIVATE_KEY_FILE`` (path to a PEM file)
``client_credentials``        ``SF_CLIENT_ID``, ``SF_CLIENT_SECRET``
``password``                  ``SF_USERNAME``, ``SF_PASSWORD``, ``SF_CLIENT_ID``; optional
                              ``SF_SECURITY_TOKEN`` and ``SF_CLIENT_SECRET``
``session``                   ``SF_ACCESS_TOKEN``, ``SF_INSTANCE_URL`` (no re-login possible)
============================  ==================================================================

The token request is ``POST {login_url}/services/oauth2/token`` (form-encoded) on the
connector's own ``requests.Session``, so a test can point ``login_url`` at a fake server:

* JWT bearer: ``grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer`` and ``assertion``, an
  RS256-signed JWT with ``iss`` = client id (consumer key), ``sub`` = username, ``aud`` =
  ``https://login.salesforce.com`` (``https://test.salesforce.com`` for a sandbox), whatever host
  the token is asked at, e.g. a My Domain login URL (``SalesforceSection.audience``), and ``exp`` a
  few minutes ahead ("OAuth 2.0 JWT Bearer Flow for Server-to-Server Integration",
  https://help.salesforce.com/s/articleView?id=sf.remoteaccess_oauth_jwt_flow.htm&type=5).
* Client credentials: ``grant_type=client_credentials``, ``client_id``, ``client_secret``; the
  login URL must be the org's My Domain ("OAuth 2.0 Client Credentials Flow for Server-to-Server
  Integration", https://help.salesforce.com/s/articleView?id=xcloud.remoteaccess_oauth_client_credentials_flow.htm&type=5).
* Username-password: ``grant_type=password``, ``client_id``, ``client_secret``, ``username`` and
  ``password`` with the security token appended ("Understanding the Username-Password OAuth
  Authentication Flow", https://developer.salesforce.com/docs/atlas.en-us.222.0.api_placeorder.meta/api_placeorder/intro_understanding_username_password_oauth_flow.htm).
  Salesforce recommends against this flow.

The answer carries ``access_token`` and ``instance_url``; a refused grant answers 400 with
``{"error": "invalid_grant", "error_description": ...}`` and becomes a
:class:`~crm_accounts.errors.FatalConnectorError`. Connection errors and 5xx are retried like any
other request.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jwt
import requests

from crm_accounts.config import SalesforceSection
from crm_accounts.errors import ConfigError, FatalConnectorError

from .http import (
    LOGGER,
    Action,
    RetryPolicy,
    Token,
    TransientError,
    classify,
    error_details,
    retry_after,
)

__all__ = [
    "ENV_ACCESS_TOKEN",
    "ENV_CLIENT_ID",
    "ENV_CLIENT_SECRET",
    "ENV_INSTANCE_URL",
    "ENV_PASSWORD",
    "ENV_PRIVATE_KEY",
    "ENV_PRIVATE_KEY_FILE",
    "ENV_SECURITY_TOKEN",
    "ENV_USERNAME",
    "Authenticator",
    "Credentials",
    "read_credentials",
]

ENV_CLIENT_ID = "SF_CLIENT_ID"
ENV_CLIENT_SECRET = "SF_CLIENT_SECRET"
ENV_USERNAME = "SF_USERNAME"
ENV_PASSWORD = "SF_PASSWORD"
ENV_SECURITY_TOKEN = "SF_SECURITY_TOKEN"
ENV_PRIVATE_KEY = "SF_PRIVATE_KEY"
ENV_PRIVATE_KEY_FILE = "SF_PRIVATE_KEY_FILE"
ENV_ACCESS_TOKEN = "SF_ACCESS_TOKEN"
ENV_INSTANCE_URL = "SF_INSTANCE_URL"

JWT_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"
#: Lifetime of a JWT assertion; Salesforce accepts an ``exp`` within a few minutes.
JWT_SECONDS = 180


@dataclass(frozen=True, slots=True)
class Credentials:
    """The values one flow needs; ``repr`` shows which variables were set, never a value."""

    auth: str
    values: Mapping[str, str]

    def __repr__(self) -> str:
        return f"Credentials(auth={self.auth!r}, variables={sorted(self.values)})"


def _required(environ: Mapping[str, str], name: str, auth: str) -> str:
    value = environ.get(name, "").strip()
    if not value:
        raise ConfigError(
            f"[salesforce] auth = {auth!r} needs the environment variable {name}, "
            "which is not set (or empty)"
        )
    return value


def _private_key(environ: Mapping[str, str]) -> str:
    text = environ.get(ENV_PRIVATE_KEY, "").strip()
    if text:
        # A key pasted into one line of a CI secret store often carries literal "\n".
        key = text.replace("\\n", "\n")
        name = ENV_PRIVATE_KEY
    else:
        path = environ.get(ENV_PRIVATE_KEY_FILE, "").strip()
        if not path:
            raise ConfigError(
                f"[salesforce] auth = 'jwt' needs {ENV_PRIVATE_KEY} (the PEM text) or "
                f"{ENV_PRIVATE_KEY_FILE} (a path to the PEM file); neither is set"
            )
        try:
            key = Path(path).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(
                f"{ENV_PRIVATE_KEY_FILE}: cannot read the private key file {path}: "
                f"{getattr(exc, 'strerror', None) or type(exc).__name__}"
            ) from None
        name = ENV_PRIVATE_KEY_FILE
    if "PRIVATE KEY" not in key:
        raise ConfigError(f"{name}: not a PEM private key (no 'PRIVATE KEY' block)")
    return key


def read_credentials(auth: str, environ: Mapping[str, str]) -> Credentials:
    """The credentials ``auth`` needs, from ``environ``.

    Raises:
        ConfigError: a required variable is missing; the message names it, never a value.
    """
    values: dict[str, str] = {}
    if auth == "jwt":
        values[ENV_CLIENT_ID] = _required(environ, ENV_CLIENT_ID, auth)
        values[ENV_USERNAME] = _required(environ, ENV_USERNAME, auth)
        values[ENV_PRIVATE_KEY] = _private_key(environ)
    elif auth == "client_credentials":
        values[ENV_CLIENT_ID] = _required(environ, ENV_CLIENT_ID, auth)
        values[ENV_CLIENT_SECRET] = _required(environ, ENV_CLIENT_SECRET, auth)
    elif auth == "password":
        for name in (ENV_USERNAME, ENV_PASSWORD, ENV_CLIENT_ID):
            values[name] = _required(environ, name, auth)
        for name in (ENV_SECURITY_TOKEN, ENV_CLIENT_SECRET):
            if environ.get(name, "").strip():
                values[name] = environ[name].strip()
    elif auth == "session":
        values[ENV_ACCESS_TOKEN] = _required(environ, ENV_ACCESS_TOKEN, auth)
        values[ENV_INSTANCE_URL] = _required(environ, ENV_INSTANCE_URL, auth)
        if not values[ENV_INSTANCE_URL].startswith(("https://", "http://")):
            raise ConfigError(f"{ENV_INSTANCE_URL}: expected a URL starting with https://")
    else:
        raise ConfigError(f"[salesforce] auth: value {auth!r} is not a known flow")
    return Credentials(auth, values)


class Authenticator:
    """Gets access tokens for one set of credentials; ``login()`` is called again on a 401."""

    def __init__(
        self,
        section: SalesforceSection,
        credentials: Credentials,
        session: requests.Session,
        policy: RetryPolicy,
        *,
        clock: Callable[[], float] = time.time,
        on_request: Callable[[], None] = lambda: None,
    ) -> None:
        self.section = section
        self.credentials = credentials
        self.session = session
        self.policy = policy
        self.clock = clock
        self.on_request = on_request
        self.token_url = section.login_url.rstrip("/") + "/services/oauth2/token"

    @property
    def can_relogin(self) -> bool:
        """A fixed session token cannot be renewed; every OAuth flow can."""
        return self.credentials.auth != "session"

    def login(self) -> Token:
        """A fresh token (the fixed one for ``auth = "session"``).

        Raises:
            FatalConnectorError: Salesforce refused the credentials.
            ConfigError: the private key cannot sign a JWT.
        """
        values = self.credentials.values
        if self.credentials.auth == "session":
            return Token(values[ENV_ACCESS_TOKEN], values[ENV_INSTANCE_URL].rstrip("/"))
        form = self._form()
        answer = self.policy.run("oauth token", lambda: self._request(form))
        token, instance = answer.get("access_token"), answer.get("instance_url")
        if not isinstance(token, str) or not isinstance(instance, str) or not token:
            raise FatalConnectorError(
                f"Salesforce token endpoint {self.token_url} answered without access_token "
                "and instance_url"
            )
        LOGGER.info("logged in to Salesforce (%s flow) at %s", self.credentials.auth, instance)
        return Token(token, instance.rstrip("/"))

    def _form(self) -> dict[str, str]:
        values = self.credentials.values
        auth = self.credentials.auth
        if auth == "jwt":
            now = int(self.clock())
            claims = {
                "iss": values[ENV_CLIENT_ID],
                "sub": values[ENV_USERNAME],
                "aud": self.section.audience(),
                "exp": now + JWT_SECONDS,
            }
            try:
                assertion = jwt.encode(claims, values[ENV_PRIVATE_KEY], algorithm="RS256")
            except (ValueError, TypeError, jwt.PyJWTError) as exc:
                raise ConfigError(
                    f"{ENV_PRIVATE_KEY}: cannot sign the JWT assertion with this key "
                    f"({type(exc).__name__}); expected an RSA private key in PEM format"
                ) from None
            return {"grant_type": JWT_GRANT, "assertion": assertion}
        if auth == "client_credentials":
            return {
                "grant_type": "client_credentials",
                "client_id": values[ENV_CLIENT_ID],
                "client_secret": values[ENV_CLIENT_SECRET],
            }
        form = {
            "grant_type": "password",
            "client_id": values[ENV_CLIENT_ID],
            "username": values[ENV_USERNAME],
            "password": values[ENV_PASSWORD] + values.get(ENV_SECURITY_TOKEN, ""),
        }
        if ENV_CLIENT_SECRET in values:
            form["client_secret"] = values[ENV_CLIENT_SECRET]
        return form

    def _request(self, form: Mapping[str, str]) -> dict[str, Any]:
        self.on_request()
        timeout = (self.section.connect_timeout, self.section.read_timeout)
        try:
            response = self.session.post(
                self.token_url, data=dict(form), headers={"Accept": "application/json"},
                timeout=timeout,
            )  # fmt: skip
        except requests.exceptions.SSLError as exc:
            raise FatalConnectorError(f"Salesforce login: TLS error: {exc}") from None
        except (requests.exceptions.Timeout, requests.exceptions.ConnectionError) as exc:
            raise TransientError(f"oauth token: {type(exc).__name__}") from None
        if response.status_code < 300:
            try:
                answer = response.json()
            except ValueError:
                answer = None
            if not isinstance(answer, dict):
                raise FatalConnectorError("Salesforce token endpoint answered without JSON")
            return answer
        code, message = error_details(response.content)
        if classify(response.status_code, code, message) is Action.RETRY:
            raise TransientError(
                f"oauth token: HTTP {response.status_code} {code}", retry_after(response.headers)
            )
        raise FatalConnectorError(
            f"Salesforce refused the {self.credentials.auth} credentials "
            f"(HTTP {response.status_code} {code}: {message}); check the connected app and the "
            "SF_* environment variables"
        )
