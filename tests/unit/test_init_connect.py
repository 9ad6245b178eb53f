"""How ``init --kind salesforce`` picks the login flow from the credentials in the environment."""

from __future__ import annotations

import pytest

from crm_accounts.connectors.salesforce.survey import detect_auth


@pytest.mark.parametrize(
    ("variables", "auth"),
    [
        ({"SF_ACCESS_TOKEN": "t", "SF_INSTANCE_URL": "https://x", "SF_CLIENT_ID": "c"}, "session"),
        ({"SF_CLIENT_ID": "c", "SF_USERNAME": "u", "SF_PRIVATE_KEY_FILE": "k.pem"}, "jwt"),
        ({"SF_CLIENT_ID": "c", "SF_USERNAME": "u", "SF_PRIVATE_KEY": "-----BEGIN"}, "jwt"),
        ({"SF_CLIENT_ID": "c", "SF_USERNAME": "u", "SF_PASSWORD": "p"}, "password"),
        ({"SF_CLIENT_ID": "c", "SF_CLIENT_SECRET": "s"}, "client_credentials"),
        ({"SF_CLIENT_ID": "c", "SF_CLIENT_SECRET": "  "}, "jwt"),  # blank is not set
        ({}, "jwt"),  # nothing set: the recommended flow, whose missing variables are named
    ],
)
def test_the_login_flow_follows_the_credentials_that_are_set(
    variables: dict[str, str], auth: str
) -> None:
    assert detect_auth(variables) == auth
