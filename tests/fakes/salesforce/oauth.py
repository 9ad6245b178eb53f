"""The fake OAuth token endpoint ``POST /services/oauth2/token``. No I/O.

Grant types and answers follow Salesforce Help: "OAuth 2.0 JWT Bearer Flow for Server-to-Server
Integration" (https://help.salesforce.com/s/articleView?id=sf.remoteaccess_oauth_jwt_flow.htm),
"Salesforce Platform: Migrate from OAuth Username-Password to Client Credentials Flow"
(https://help.salesforce.com/s/articleView?id=000886201) and "OAuth 2.0 Authorization Errors"
(https://help.salesforce.com/s/articleView?id=sf.remoteaccess_oauth_flow_errors.htm); the error
texts are the ones orgs send (issues: restforce/restforce#674, simple-salesforce#491,
Talend/components#1423; "client identifier invalid" and "authentication failure" from recorded
token responses). "invalid client credentials" for a wrong client secret is unverified.

* ``urn:ietf:params:oauth:grant-type:jwt-bearer`` with ``assertion``: ``iss`` must be the
  configured client id (else ``invalid_client_id`` / "client identifier invalid"), ``sub`` the
  configured username (else "user hasn't approved this consumer"), ``aud`` the login host:
  "https://login.salesforce.com" for a production org, "https://test.salesforce.com" for a
  sandbox (the JWT bearer flow page above: ``aud`` is the authorization server's URL; the
  accepted values https://login.salesforce.com, https://test.salesforce.com or an Experience Cloud
  site, as listed with the error in "Salesforce invalid_grant audience is invalid", Paragon,
  https://www.useparagon.com/integration-error-solutions/salesforce-invalid-grant-audience-is-invalid),
  never the instance URL (else "audience is invalid"), ``exp`` in the future (else "expired
  authorization code", what orgs answer to a past ``exp``:
  simple-salesforce/simple-salesforce#491). With a configured public key the RS256 signature
  is verified with PyJWT (else "invalid assertion").
* ``client_credentials`` with ``client_id``/``client_secret`` (else ``invalid_client`` /
  "invalid client credentials").
* ``password`` with ``client_id``, ``client_secret``, ``username`` and ``password`` + security
  token (else ``invalid_grant`` / "authentication failure").

Success: 200 ``{"access_token", "instance_url", "id", "token_type": "Bearer", "issued_at",
"signature"}`` (plus ``scope``); errors: 400 ``{"error", "error_description"}``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import jwt

from .state import ORG_ID, Org

__all__ = ["JWT_BEARER", "OAuthSettings", "token_response"]

JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"


@dataclass
class OAuthSettings:
    """The connected app and integration user the fake accepts (``fake.oauth``)."""

    client_id: str = "fake-consumer-key"
    client_secret: str = "fake-consumer-secret"
    username: str = "integration@crm-accounts.example"
    password: str = "fake-password"
    security_token: str = "fake-security-token"
    #: PEM public key (or certificate's key) for RS256 assertions; ``None`` skips the signature.
    public_key: str | bytes | None = None
    #: Accepted ``aud`` values: the login host of the org (production or sandbox), never the
    #: instance URL; a test may add the fake's own URL to accept an old-style assertion.
    audiences: set[str] = field(default_factory=lambda: {"https://login.salesforce.com"})


def _error(error: str, description: str) -> tuple[int, dict[str, Any]]:
    return 400, {"error": error, "error_description": description}


def _check_assertion(settings: OAuthSettings, assertion: str, now: float) -> tuple[str, str] | None:
    """``(error, description)`` when the JWT is not acceptable, else ``None``."""
    try:
        if settings.public_key is not None:
            claims = jwt.decode(
                assertion,
                settings.public_key,
                algorithms=["RS256"],
                options={"verify_exp": False, "verify_aud": False, "verify_iat": False},
            )
        else:
            claims = jwt.decode(assertion, options={"verify_signature": False})
    except jwt.PyJWTError:
        return "invalid_grant", "invalid assertion"
    if claims.get("iss") != settings.client_id:
        return "invalid_client_id", "client identifier invalid"
    audience = claims.get("aud")
    audiences = audience if isinstance(audience, list) else [audience]
    if not any(
        str(a).rstrip("/") in {x.rstrip("/") for x in settings.audiences} for a in audiences
    ):
        return "invalid_grant", "audience is invalid"
    if claims.get("sub") != settings.username:
        return "invalid_grant", "user hasn't approved this consumer"
    exp = claims.get("exp")
    if not isinstance(exp, int | float) or exp <= now:
        return "invalid_grant", "expired authorization code"
    return None


def token_response(
    org: Org, settings: OAuthSettings, form: Mapping[str, str], instance_url: str
) -> tuple[int, dict[str, Any]]:
    """``(status, JSON body)`` for one token request."""
    grant = form.get("grant_type", "")
    now = org.clock()
    if grant == JWT_BEARER:
        problem = _check_assertion(settings, form.get("assertion", ""), now)
        if problem:
            return _error(*problem)
    elif grant == "client_credentials":
        if (form.get("client_id"), form.get("client_secret")) != (
            settings.client_id,
            settings.client_secret,
        ):
            return _error("invalid_client", "invalid client credentials")
    elif grant == "password":
        if form.get("client_id") != settings.client_id:
            return _error("invalid_client_id", "client identifier invalid")
        if form.get("client_secret") != settings.client_secret:
            return _error("invalid_client", "invalid client credentials")
        secret = settings.password + settings.security_token
        if form.get("username") != settings.username or form.get("password") != secret:
            return _error("invalid_grant", "authentication failure")
    else:
        return _error("unsupported_grant_type", "grant type not supported")
    user_id = org.api_user()
    identity = f"{instance_url.rstrip('/')}/id/{ORG_ID}/{user_id}"
    issued_at = str(int(now * 1000))
    signature = hmac.new(
        settings.client_secret.encode(), (identity + issued_at).encode(), hashlib.sha256
    ).digest()
    return 200, {
        "access_token": org.issue_token(),
        "instance_url": instance_url.rstrip("/"),
        "id": identity,
        "token_type": "Bearer",
        "issued_at": issued_at,
        "signature": base64.b64encode(signature).decode(),
        "scope": "api",
    }
