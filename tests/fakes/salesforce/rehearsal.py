"""The rehearsal org: a fake org loaded from a CSV source folder, and the files the crm-accounts CLI
needs to reach it (``env.json``, ``crm-accounts.toml``, ``ready``). Writes files; starts a server.

Used by ``python -m tests.fakes.salesforce serve`` (:mod:`.__main__`). The configuration is what
the org's admin would write from its profile: ``[source] kind = "salesforce"``, a
``[salesforce]`` section with the fields the loader creates, the role maps from the profile's
``role_values`` (``contact_roles_source = "contact_field"`` where AccountContactRelation is
off), ``multi_currency`` left to the org (detected), ``auth = "session"`` with the token in
``env.json``; no ``[plan]`` keys (the closing status and every other org-dependent default are
left to the connector) and no ``[[plan.rules]]``.
"""

from __future__ import annotations

import csv
import json
import shutil
import socket
from pathlib import Path
from typing import Any

from .loader import section_roles
from .profile import OrgProfile
from .server import FakeSalesforce
from .values import Stored

__all__ = ["PERSON_ACCOUNTS", "configuration", "environment", "prepare", "write_workdir"]

#: Person accounts added to an org whose profile has them (the CSV format has none).
PERSON_ACCOUNTS = (("Ada", "Lovelace"), ("Grace", "Hopper"))
_FIXED_ACCOUNT_COLUMNS = {"id", "name", "integration_stage"}


class RehearsalError(Exception):
    """The source folder or work folder cannot be used; the message says why."""


def _string(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)  # a valid TOML basic string


def _table(name: str, mapping: dict[str, str]) -> list[str]:
    lines = [f"[{name}]"]
    lines += [f"{_string(k)} = {_string(v)}" for k, v in mapping.items()]
    return [*lines, ""]


def _attributes(source: Path) -> dict[str, str]:
    """Attribute name -> Account field, for every extra accounts.csv column the loader keeps."""
    from .loader import _ACCOUNT_COLUMNS, _custom_name

    with (source / "accounts.csv").open(newline="", encoding="utf-8-sig") as handle:
        header = next(csv.reader(handle), [])
    attributes: dict[str, str] = {}
    for raw in header:
        column = raw.strip()
        if not column or column in _FIXED_ACCOUNT_COLUMNS or column.startswith("kam_"):
            continue
        attributes[column] = _ACCOUNT_COLUMNS.get(column) or _custom_name(column)
    return attributes


def configuration(profile: OrgProfile, source: Path, instance_url: str) -> str:
    """The ``crm-accounts.toml`` text for the rehearsal org."""
    roles = section_roles(profile)
    lines = [
        f"# A configuration for the rehearsal org of profile {profile.name!r}, as its admin would",
        "# write it. Keys whose default comes from the org ([plan] closed_status, ...) are unset.",
        "[source]",
        'kind = "salesforce"',
        "",
        "[salesforce]",
        'auth = "session"                         # SF_ACCESS_TOKEN and SF_INSTANCE_URL (env.json)',
        f"login_url = {_string(instance_url)}",
        'integration_stage_field = "Integration_Stage__c"',
        'margin_field = "Margin__c"',
        'gatekeeper_field = "Gatekeeper__c"',
        'capacity_field = "KAM_Capacity_Per_Week__c"',
        'pioneer_field = "User.KAM_Pioneer__c"',
    ]
    if "contact_roles_source" in roles:
        lines.append(f"contact_roles_source = {_string(roles['contact_roles_source'])}")
        lines.append(f"contact_role_field = {_string(roles['contact_role_field'])}")
    lines.append("")
    lines += _table("salesforce.attributes", _attributes(source))
    lines += _table("salesforce.contact_roles", roles["contact_roles"])
    lines += _table("salesforce.team_roles", roles["team_roles"])
    return "\n".join(lines)


def environment(fake: FakeSalesforce, ca_file: Path) -> dict[str, str]:
    """The variables the CLI needs: a session that lasts as long as the fake (tokens of the fake
    never expire on their own), the client credentials for ``auth = "client_credentials"``, and
    the CA bundle that makes the fake's certificate trusted."""
    return {
        "SF_ACCESS_TOKEN": fake.token,
        "SF_INSTANCE_URL": fake.url,
        "SF_CLIENT_ID": fake.oauth.client_id,
        "SF_CLIENT_SECRET": fake.oauth.client_secret,
        "REQUESTS_CA_BUNDLE": str(ca_file),
    }


def prepare(profile: OrgProfile, source: Path, port: int) -> FakeSalesforce:
    """A started fake org with the source folder loaded (and person accounts if the profile
    has them).

    Raises:
        RehearsalError: the source folder cannot be loaded.
        OSError: the port cannot be bound.
    """
    if not (source / "accounts.csv").is_file():
        raise RehearsalError(f"--source {source}: no accounts.csv in that folder")
    if port:
        # Werkzeug exits the process on a busy port; find out first, as an OSError.
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", port))
    fake = FakeSalesforce(profile=profile)
    try:
        fake.load(source)
    except (KeyError, ValueError, ArithmeticError, UnicodeDecodeError, OSError) as exc:
        raise RehearsalError(f"--source {source}: cannot load it: {exc!r}") from None
    except Exception as exc:  # a refused record (RecordError) or another loader refusal
        raise RehearsalError(f"--source {source}: cannot load it: {exc}") from None
    if profile.person_accounts:
        for first, last in PERSON_ACCOUNTS:
            person: dict[str, Stored] = {"Name": f"{first} {last}", "IsPersonAccount": True}
            fake.state.create("Account", person, system=True)
    try:
        return fake.start(port=port)
    except OSError:
        fake.stop()
        raise


def write_workdir(fake: FakeSalesforce, profile: OrgProfile, source: Path, workdir: Path) -> None:
    """``ca.pem``, ``env.json``, ``crm-accounts.toml``, then the empty ``ready``."""
    ca_file = workdir / "ca.pem"
    shutil.copyfile(fake.ca_path, ca_file)
    values: dict[str, Any] = environment(fake, ca_file.resolve())
    (workdir / "env.json").write_text(json.dumps(values, indent=2) + "\n", encoding="utf-8")
    text = configuration(profile, source, fake.url)
    (workdir / "crm-accounts.toml").write_text(text, encoding="utf-8")
    (workdir / "ready").write_text("", encoding="utf-8")
