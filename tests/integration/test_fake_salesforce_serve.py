"""``python -m tests.fakes.salesforce serve``: the rehearsal org as a subprocess (starts one)."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
import tomllib
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
import requests

from crm_accounts.config import SalesforceSection
from crm_accounts.connectors.demo import generate_demo
from tests.fakes.salesforce.profiles import PROFILES

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("demo")
    return generate_demo(folder, as_of=date(2026, 11, 27), accounts=8).source_dir


def _command(*args: str | Path) -> list[str]:
    return [sys.executable, "-m", "tests.fakes.salesforce", *map(str, args)]


def _run(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        _command(*args), cwd=ROOT, capture_output=True, text=True, timeout=120, check=False
    )


@pytest.fixture
def served(source: Path, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Path]:
    workdir = tmp_path / "w"
    name = getattr(request, "param", "no_acr")
    process = subprocess.Popen(
        _command("serve", "--profile", PROFILES[name], "--source", source, "--workdir", workdir),
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while not (workdir / "ready").exists():
            assert process.poll() is None, process.communicate()
            assert time.monotonic() < deadline, "the rehearsal org did not get ready"
            time.sleep(0.05)
        yield workdir
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=60)
        assert process.returncode == 0, stderr
        assert "Traceback" not in stderr
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()


def test_the_rehearsal_org_serves_the_source_until_sigterm(served: Path) -> None:
    env = json.loads((served / "env.json").read_text(encoding="utf-8"))
    assert set(env) >= {"SF_ACCESS_TOKEN", "SF_INSTANCE_URL", "REQUESTS_CA_BUNDLE"}
    assert Path(env["REQUESTS_CA_BUNDLE"]).parent == served.resolve()
    with requests.Session() as session:
        session.trust_env = False
        session.verify = env["REQUESTS_CA_BUNDLE"]
        headers = {"Authorization": f"Bearer {env['SF_ACCESS_TOKEN']}"}
        base = f"{env['SF_INSTANCE_URL']}/services/data/v62.0"
        accounts = session.get(f"{base}/query/", headers=headers,
                               params={"q": "SELECT COUNT() FROM Account"})  # fmt: skip
        assert accounts.json()["totalSize"] == 8
        roles = session.get(
            f"{base}/query/",
            headers=headers,
            params={"q": "SELECT Buying_Role__c FROM Contact WHERE Buying_Role__c != null"},
        )
        assert roles.status_code == 200
        assert roles.json()["totalSize"] > 0  # no_acr: roles on the contact field
        time.sleep(0.1)
        again = session.get(f"{base}/limits/", headers=headers)
        assert again.status_code == 200  # the session lasts


def test_the_configuration_is_the_admins_for_that_profile(served: Path) -> None:
    config = tomllib.loads((served / "crm-accounts.toml").read_text(encoding="utf-8"))
    assert config["source"] == {"kind": "salesforce"}
    assert "plan" not in config
    section = SalesforceSection(**config["salesforce"])
    assert section.auth == "session"
    assert (section.contact_roles_source, section.contact_role_field) == (
        "contact_field",
        "Buying_Role__c",
    )
    assert section.contact_roles["Champion"] == "supporter"
    assert "Technical Sales Manager" not in section.team_roles
    assert section.attributes["strategic_fit"] == "Strategic_Fit__c"


@pytest.mark.parametrize("served", ["custom_nl"], indirect=True)
def test_a_dutch_org_gets_its_own_role_maps(served: Path) -> None:
    config = tomllib.loads((served / "crm-accounts.toml").read_text(encoding="utf-8"))
    assert config["salesforce"]["contact_roles"]["Beïnvloeder"] == "influencer"
    assert config["salesforce"]["team_roles"]["Projectleider"] == "delivery"
    assert config["salesforce"].get("contact_roles_source") is None


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["serve", "--profile", "standard", "--workdir", "w"], "--source"),
        (["serve", "--profile", "nowhere.json", "--source", "SRC", "--workdir", "w"],
         "cannot read the profile"),
        (["serve", "--profile", "standard", "--source", "missing", "--workdir", "w"],
         "missing: not a folder"),
        (["serve", "--profile", "standard", "--source", "SRC", "--workdir", "w", "--port", "70000"],
         "--port 70000"),
        (["serve", "--profile", "standard", "--source", "SRC", "--workdir", "w", "--port", "x"],
         "invalid int value"),
        (["launch"], "invalid choice"),
    ],
)  # fmt: skip
def test_bad_arguments_exit_2_with_a_message_and_no_traceback(
    source: Path, tmp_path: Path, args: list[str], message: str
) -> None:
    replaced = [
        str(source) if a == "SRC" else str(tmp_path / a) if a in ("w", "missing") else a
        for a in args
    ]
    run = _run(*replaced)
    assert run.returncode == 2, run.stderr
    assert message in run.stderr
    assert "Traceback" not in run.stderr
    assert not (tmp_path / "w" / "ready").exists()


def test_a_folder_without_accounts_is_refused(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    run = _run("serve", "--profile", "standard", "--source", tmp_path / "empty",
               "--workdir", tmp_path / "w")  # fmt: skip
    assert (run.returncode, "no accounts.csv" in run.stderr) == (2, True)
    assert "Traceback" not in run.stderr


def test_a_busy_port_is_refused(source: Path, tmp_path: Path) -> None:
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        run = _run("serve", "--profile", "standard", "--source", source,
                   "--workdir", tmp_path / "w", "--port", str(port))  # fmt: skip
    assert run.returncode == 2
    assert f"--port {port}: cannot listen" in run.stderr
    assert "Traceback" not in run.stderr
