"""Credentials from the environment and the OAuth token request, over an in-process transport."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import jwt
import pytest
import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from crm_accounts.config import SalesforceSection
from crm_accounts.connectors.salesforce.auth import Authenticator, read_credentials
from crm_accounts.connectors.salesforce.http import RetryPolicy
from crm_accounts.connectors.salesforce.writer import estimate_calls
from crm_accounts.errors import ConfigError, FatalConnectorError, RetriableError

LOGIN = "https://login.example.test"


class _TokenEndpoint(requests.adapters.BaseAdapter):
    """Answers token requests from a script of ``(status, body)`` and keeps the forms."""

    def __init__(self, answers: list[tuple[int, Mapping[str, Any]]]) -> None:
        super().__init__()
        self.answers = answers
        self.forms: list[dict[str, str]] = []

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        body = request.body if isinstance(request.body, str) else (request.body or b"").decode()
        self.forms.append({k: v[0] for k, v in parse_qs(body).items()})
        status, answer = self.answers.pop(0)
        response = requests.Response()
        response.status_code = status
        response._content = json.dumps(answer).encode()
        response.headers["Content-Type"] = "application/json"
        response.url = request.url or ""
        response.request = request
        return response

    def close(self) -> None:
        pass


def _session(endpoint: _TokenEndpoint) -> requests.Session:
    session = requests.Session()
    session.mount(LOGIN, endpoint)
    return session


def _pem() -> tuple[str, rsa.RSAPublicKey]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    return pem, key.public_key()


OK = (
    200,
    {
        "access_token": "00D000000000001!abcdef",
        "instance_url": "https://acme.example.test",
        "id": "https://login.example.test/id/00D/005",
        "token_type": "Bearer",
        "issued_at": "1",
        "signature": "s",
    },
)


def _authenticator(
    auth: str, environ: Mapping[str, str], endpoint: _TokenEndpoint, attempts: int = 3
) -> Authenticator:
    section = SalesforceSection(auth=auth, login_url=LOGIN, max_attempts=attempts)
    policy = RetryPolicy(attempts, 60, lambda seconds: None)
    return Authenticator(
        section,
        read_credentials(auth, environ),
        _session(endpoint),
        policy,
        clock=lambda: 1_800_000_000,
    )


@pytest.mark.parametrize(
    ("auth", "environ", "missing"),
    [
        ("jwt", {"SF_USERNAME": "someone@example.com"}, "SF_CLIENT_ID"),
        (
            "jwt",
            {"SF_CLIENT_ID": "cid-value-1", "SF_USERNAME": "someone@example.com"},
            "SF_PRIVATE_KEY",
        ),
        ("client_credentials", {"SF_CLIENT_ID": "cid-value-1"}, "SF_CLIENT_SECRET"),
        (
            "password",
            {
                "SF_USERNAME": "someone@example.com",
                "SF_CLIENT_ID": "cid-value-1",
                "SF_PASSWORD": " ",
            },
            "SF_PASSWORD",
        ),
        ("session", {"SF_ACCESS_TOKEN": "00D000000000001!tok"}, "SF_INSTANCE_URL"),
    ],
)
def test_a_missing_variable_is_named_and_no_value_is_shown(
    auth: str, environ: dict[str, str], missing: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        read_credentials(auth, environ)
    message = str(caught.value)
    assert missing in message
    assert all(value.strip() not in message for value in environ.values() if value.strip())


def test_credentials_never_print_their_values() -> None:
    credentials = read_credentials(
        "client_credentials", {"SF_CLIENT_ID": "cid-123", "SF_CLIENT_SECRET": "s3cr3t-value"}
    )
    assert "s3cr3t" not in repr(credentials)
    assert "SF_CLIENT_SECRET" in repr(credentials)


def test_the_jwt_bearer_flow_posts_a_signed_assertion_for_the_user() -> None:
    pem, public = _pem()
    endpoint = _TokenEndpoint([OK])
    auth = _authenticator(
        "jwt",
        {
            "SF_CLIENT_ID": "cid",
            "SF_USERNAME": "ops@acme.example",
            "SF_PRIVATE_KEY": pem.replace("\n", "\\n"),
        },
        endpoint,
    )
    token = auth.login()
    assert (token.access_token, token.instance_url) == (
        OK[1]["access_token"],
        OK[1]["instance_url"],
    )
    form = endpoint.forms[0]
    assert form["grant_type"] == "urn:ietf:params:oauth:grant-type:jwt-bearer"
    claims = jwt.decode(
        form["assertion"],
        public,
        algorithms=["RS256"],
        audience="https://login.salesforce.com",
        options={"verify_exp": False},
    )
    assert claims == {  # the audience is the login host, whatever host the token is asked at
        "iss": "cid",
        "sub": "ops@acme.example",
        "aud": "https://login.salesforce.com",
        "exp": 1_800_000_000 + 180,
    }


@pytest.mark.parametrize(
    ("login_url", "audience"),
    [
        ("https://login.salesforce.com", "https://login.salesforce.com"),
        ("https://acme.my.salesforce.com", "https://login.salesforce.com"),
        ("https://test.salesforce.com", "https://test.salesforce.com"),
        ("https://acme--uat.sandbox.my.salesforce.com", "https://test.salesforce.com"),
    ],
)
def test_the_jwt_audience_is_a_login_host_never_the_my_domain(
    login_url: str, audience: str
) -> None:
    assert SalesforceSection(login_url=login_url).audience() == audience
    pinned = SalesforceSection(login_url=login_url, jwt_audience="https://test.salesforce.com")
    assert pinned.audience() == "https://test.salesforce.com"


@pytest.mark.parametrize("host", ["login.salesforce.com", "test.salesforce.com"])
def test_client_credentials_on_a_login_host_is_refused_naming_my_domain(host: str) -> None:
    from crm_accounts.config import parse_config

    text = f'[salesforce]\nauth = "client_credentials"\nlogin_url = "https://{host}"\n'
    with pytest.raises(ConfigError, match="My Domain"):
        parse_config(text)
    parse_config(
        '[salesforce]\nauth = "client_credentials"\nlogin_url = "https://acme.my.salesforce.com"\n'
    )


@pytest.mark.parametrize("version", ["21.0", "30.0", "46.0"])
def test_retired_and_pre_bulk_query_api_versions_are_refused(version: str) -> None:
    from crm_accounts.config import parse_config

    with pytest.raises(ConfigError, match=f"API version {version} is too old"):
        parse_config(f'[salesforce]\napi_version = "{version}"\n')
    assert parse_config('[salesforce]\napi_version = "47.0"\n').salesforce.api_version == "47.0"


def test_the_private_key_can_come_from_a_file(tmp_path: Path) -> None:
    pem, _ = _pem()
    path = tmp_path / "key.pem"
    path.write_text(pem)
    credentials = read_credentials(
        "jwt", {"SF_CLIENT_ID": "c", "SF_USERNAME": "u", "SF_PRIVATE_KEY_FILE": str(path)}
    )
    assert credentials.values["SF_PRIVATE_KEY"] == pem
    with pytest.raises(ConfigError, match="SF_PRIVATE_KEY_FILE"):
        read_credentials(
            "jwt",
            {
                "SF_CLIENT_ID": "c",
                "SF_USERNAME": "u",
                "SF_PRIVATE_KEY_FILE": str(tmp_path / "nope.pem"),
            },
        )


def test_the_password_flow_appends_the_security_token() -> None:
    endpoint = _TokenEndpoint([OK])
    auth = _authenticator(
        "password",
        {
            "SF_USERNAME": "u",
            "SF_PASSWORD": "pw",
            "SF_SECURITY_TOKEN": "TOK",
            "SF_CLIENT_ID": "cid",
            "SF_CLIENT_SECRET": "sec",
        },
        endpoint,
    )
    auth.login()
    assert endpoint.forms[0] == {
        "grant_type": "password",
        "client_id": "cid",
        "username": "u",
        "password": "pwTOK",
        "client_secret": "sec",
    }


def test_refused_credentials_are_fatal_and_not_retried() -> None:
    refused = (400, {"error": "invalid_grant", "error_description": "authentication failure"})
    endpoint = _TokenEndpoint([refused, OK])
    auth = _authenticator(
        "client_credentials", {"SF_CLIENT_ID": "cid", "SF_CLIENT_SECRET": "sec"}, endpoint
    )
    with pytest.raises(FatalConnectorError, match="invalid_grant"):
        auth.login()
    assert len(endpoint.forms) == 1


def test_a_token_endpoint_outage_is_retried_then_gives_up() -> None:
    outage = (503, {"error": "unavailable", "error_description": "maintenance"})
    endpoint = _TokenEndpoint([outage, OK])
    auth = _authenticator(
        "client_credentials", {"SF_CLIENT_ID": "cid", "SF_CLIENT_SECRET": "sec"}, endpoint
    )
    assert auth.login().instance_url == "https://acme.example.test"
    endpoint = _TokenEndpoint([outage, outage])
    auth = _authenticator(
        "client_credentials",
        {"SF_CLIENT_ID": "cid", "SF_CLIENT_SECRET": "sec"},
        endpoint,
        attempts=2,
    )
    with pytest.raises(RetriableError):
        auth.login()


def test_a_fixed_session_needs_no_request() -> None:
    endpoint = _TokenEndpoint([])
    auth = _authenticator(
        "session",
        {"SF_ACCESS_TOKEN": "00D000000000001!tok", "SF_INSTANCE_URL": "https://acme.example.test/"},
        endpoint,
    )
    assert auth.login().instance_url == "https://acme.example.test"
    assert not auth.can_relogin
    assert endpoint.forms == []


@pytest.mark.parametrize(
    ("records", "threshold", "calls"),
    [
        (0, 2000, 0),
        (1, 2000, 1),
        (200, 2000, 1),
        (201, 2000, 2),
        (2000, 2000, 10),
        (2001, 2000, 6),
        (5, 3, 6),
    ],
)
def test_calls_are_estimated_per_200_records_or_one_bulk_job(
    records: int, threshold: int, calls: int
) -> None:
    assert estimate_calls(records, threshold) == calls
