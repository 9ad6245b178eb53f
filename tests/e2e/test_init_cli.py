"""``crm-accounts init`` from the command line: a CSV folder without a terminal gives a file
that check and plan accept; an existing file is never replaced without --yes; every bad option
or unreachable source is a clear message with exit 2 or 3, no traceback and nothing written;
the files it writes for the fake Salesforce and HubSpot pass check (HubSpot after setup)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from crm_accounts.connectors.demo import generate_demo
from crm_accounts.errors import UsageError
from crm_accounts.services.init import InitRequest, run_init
from tests.fakes.hubspot import FakeHubSpot
from tests.fakes.salesforce import FakeSalesforce

AS_OF = "2026-11-27"


def _run(*args: str | Path, cwd: Path, env: dict[str, str] | None = None) -> Any:
    """The CLI as a scheduler runs it: no terminal on stdin or stdout."""
    return subprocess.run(
        [sys.executable, "-m", "crm_accounts", *map(str, args)],
        capture_output=True, text=True, cwd=cwd, timeout=600, check=False,
        stdin=subprocess.DEVNULL, env={**os.environ, **(env or {})},
    )  # fmt: skip


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("init-cli") / "demo"
    return generate_demo(folder, as_of=date.fromisoformat(AS_OF), accounts=30).source_dir


def test_init_on_a_csv_folder_writes_a_config_that_check_and_plan_accept(
    source: Path, tmp_path: Path
) -> None:
    (tmp_path / "conf").mkdir()
    made = _run("init", "--source", source, "--out", "conf/crm.toml", cwd=tmp_path)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    planned = _run("plan", "--config", tmp_path / "conf/crm.toml", "--as-of", AS_OF, "--json",
                   cwd=elsewhere)  # fmt: skip

    assert made.returncode == 0, made.stdout + made.stderr
    assert "ok: the CSV folder reads cleanly" in made.stdout  # init ended with check
    assert "Traceback" not in made.stderr
    assert planned.returncode == 0, planned.stderr
    document = json.loads(planned.stdout)
    keys = [k for k in document["ratings"][0] if k.startswith("rank_")]
    assert keys == ["rank_revenue", "rank_margin", "rank_strategic_fit", "rank_payment_days"]
    text = (tmp_path / "conf/crm.toml").read_text(encoding="utf-8")
    assert 'peer_attribute = "industry"' in text
    assert 'better = "lower"  # guessed from the name' in text  # payment days


def test_an_existing_file_is_replaced_only_with_yes(source: Path, tmp_path: Path) -> None:
    out = tmp_path / "crm.toml"
    out.write_text("# mine\n", encoding="utf-8")

    refused = _run("init", "--source", source, "--out", out, cwd=tmp_path)
    kept = out.read_text(encoding="utf-8")
    replaced = _run("init", "--source", source, "--out", out, "--yes", cwd=tmp_path)

    assert refused.returncode == 2
    assert f"{out} exists; nothing written" in refused.stderr
    assert kept == "# mine\n"
    assert replaced.returncode == 0, replaced.stderr
    assert out.read_text(encoding="utf-8").startswith("# crm-accounts configuration")


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.mark.parametrize(
    ("args", "env", "code", "message"),
    [
        (["--kind", "pipedrive"], {}, 2, "--kind: value 'pipedrive' is not a CRM"),
        (["--kind", "hubspot", "--source", "{source}"], {}, 2, "either --source DIR"),
        ([], {}, 2, "give --source DIR (a CSV folder) or --kind"),
        (["--source", "{tmp}/missing"], {}, 2, "missing: not a folder"),
        (["--source", "{source}/accounts.csv"], {}, 2, "accounts.csv: not a folder"),
        (["--source", "{tmp}/empty"], {}, 2, "empty: no accounts.csv"),
        (["--source", "{source}", "--url", "https://x"], {}, 2, "--url is for --kind"),
        (["--kind", "hubspot"], {"HUBSPOT_ACCESS_TOKEN": ""}, 2, "HUBSPOT_ACCESS_TOKEN"),
        (
            ["--kind", "salesforce", "--url", "ftp://x"],
            {"SF_CLIENT_ID": "x", "SF_CLIENT_SECRET": "y"},
            2,
            "--url: value 'ftp://x'",
        ),
        (
            ["--kind", "salesforce", "--url", "https://127.0.0.1:{port}"],
            {"SF_CLIENT_ID": "id", "SF_CLIENT_SECRET": "secret"},
            3,
            "salesforce did not answer",
        ),
        (
            ["--kind", "hubspot", "--url", "http://127.0.0.1:{port}"],
            {"HUBSPOT_ACCESS_TOKEN": "pat-na1-0000"},
            3,
            "hubspot did not answer",
        ),
    ],
)
def test_bad_options_and_unreachable_sources_write_nothing(
    args: list[str], env: dict[str, str], code: int, message: str, source: Path, tmp_path: Path
) -> None:
    (tmp_path / "empty").mkdir()
    values = {"source": str(source), "tmp": str(tmp_path), "port": str(_closed_port())}
    filled = [a.format(**values) for a in args]

    run = _run("init", *filled, "--out", "crm.toml", cwd=tmp_path, env=env)

    assert run.returncode == code, run.stdout + run.stderr
    assert message in run.stderr
    assert "Traceback" not in run.stderr
    assert not (tmp_path / "crm.toml").exists()
    assert "secret" not in run.stdout + run.stderr


def test_role_values_that_are_not_role_keys_are_named_with_the_closest_role(
    source: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "nl"
    folder.mkdir()
    for name in ("accounts.csv", "revenue.csv", "members.csv", "team.csv"):
        (folder / name).write_bytes((source / name).read_bytes())
    rows = (source / "contacts.csv").read_text(encoding="utf-8").splitlines()
    (folder / "contacts.csv").write_text(
        "\n".join([rows[0], *(r.replace("decider", "Beslisser") for r in rows[1:])]) + "\n",
        encoding="utf-8",
    )

    run = _run("init", "--source", folder, "--out", "crm.toml", cwd=tmp_path)

    text = (tmp_path / "crm.toml").read_text(encoding="utf-8")
    assert "# contacts.csv dmu_roles: 'Beslisser' is not a role key; closest role: decider" in text
    assert run.returncode == 2  # check, run last, lists the rows
    assert "contacts.csv:" in run.stderr
    assert "Beslisser" in run.stderr


def _answers(*answers: str) -> Any:
    queue = iter(answers)
    return lambda question: next(queue, "")


def test_on_a_terminal_each_proposal_is_asked_and_the_answers_are_written(
    source: Path, tmp_path: Path
) -> None:
    out = tmp_path / "crm.toml"
    # Proposals in file order: strategic_fit's source and direction, payment_days' source (its
    # direction is not asked once the criterion is skipped), the closing status, the whitespace
    # peer attribute.
    answers = ["a", "c", "lower", "s", "c", "Cancelled", "s"]

    outcome = run_init(InitRequest(out, source), ask=_answers(*answers), today=date(2026, 11, 27))

    text = out.read_text(encoding="utf-8")
    assert (outcome.asked, outcome.proposals) == (5, 6)
    assert 'better = "lower"  # changed on review' in text
    assert '# source = "payment_days"  # skipped on review' in text
    assert '# key = "payment_days"' in text  # the whole criterion is off, not half of it
    assert 'closed_status = "Cancelled"  # changed on review' in text
    assert '# peer_attribute = "industry"' in text


def test_a_reviewed_value_the_configuration_refuses_writes_nothing(
    source: Path, tmp_path: Path
) -> None:
    out = tmp_path / "crm.toml"
    # The criterion reads the column the sync writes the segment to: the config refuses it.
    with pytest.raises(UsageError, match="kam_segment"):
        run_init(InitRequest(out, source), ask=_answers("c", "kam_segment"), today=date.today())
    assert not out.exists()


def test_the_file_for_the_fake_salesforce_org_passes_check(source: Path, tmp_path: Path) -> None:
    with FakeSalesforce(profile="custom_nl") as fake:
        fake.load(source)
        env = {"SF_CLIENT_ID": fake.oauth.client_id, "SF_CLIENT_SECRET": fake.oauth.client_secret,
               "REQUESTS_CA_BUNDLE": fake.ca_path}  # fmt: skip
        run = _run("init", "--kind", "salesforce", "--url", fake.url, cwd=tmp_path, env=env)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "0 errors" in run.stdout
    assert 'Beslisser = "decider"  # proposed, match 100' in (
        tmp_path / "crm-accounts.toml"
    ).read_text(encoding="utf-8")


def test_the_file_for_the_fake_hubspot_portal_passes_check_after_setup(
    source: Path, tmp_path: Path
) -> None:
    with FakeHubSpot(tier=100) as fake:
        fake.load(source)
        env = {"HUBSPOT_ACCESS_TOKEN": fake.token}
        made = _run("init", "--kind", "hubspot", "--url", fake.url, cwd=tmp_path, env=env)
        setup = _run("setup", "--config", "crm-accounts.toml", "--apply", cwd=tmp_path, env=env)
        checked = _run("check", "--config", "crm-accounts.toml", cwd=tmp_path, env=env)
    assert made.returncode == 2  # check: the target properties do not exist yet
    assert "setup --config crm-accounts.toml --apply creates them" in made.stdout
    missing = [line for line in made.stdout.splitlines() if line.startswith("error")]
    assert missing
    assert all("no such property" in line for line in missing), missing
    assert setup.returncode == 0, setup.stdout + setup.stderr
    assert checked.returncode == 0, checked.stdout + checked.stderr


def _converse(args: list[str | Path], typed: bytes, cwd: Path) -> tuple[int, str]:
    """Run the CLI on a pseudo-terminal, type ``typed``, return the exit code and the screen."""
    import pty
    import select

    master, slave = pty.openpty()
    process = subprocess.Popen(
        [sys.executable, "-m", "crm_accounts", *map(str, args)], cwd=cwd,
        stdin=slave, stdout=slave, stderr=slave, close_fds=True,
    )  # fmt: skip
    os.close(slave)
    os.write(master, typed)
    screen = b""
    while select.select([master], [], [], 60)[0]:
        try:
            data = os.read(master, 4096)
        except OSError:  # the other end closed: the process has ended
            break
        if not data:
            break
        screen += data
    os.close(master)
    return process.wait(timeout=60), screen.decode(errors="replace")


def test_on_a_real_terminal_the_cli_asks_and_writes_the_answers(
    source: Path, tmp_path: Path
) -> None:
    code, screen = _converse(
        ["init", "--source", source, "--out", "crm.toml"], b"\nc\nlower\ns\n\n\n", tmp_path
    )
    text = (tmp_path / "crm.toml").read_text(encoding="utf-8")
    assert code == 0, screen
    assert "[[rating.criteria]] strategic_fit: better" in screen
    assert "accept, change or skip? [A/c/s]" in screen
    assert "5 reviewed" in screen
    assert 'better = "lower"  # changed on review' in text
    assert '# key = "payment_days"' in text
    assert 'closed_status = "Deferred"' in text


def test_a_file_that_appears_while_a_person_answers_is_not_replaced(
    source: Path, tmp_path: Path
) -> None:
    out = tmp_path / "crm.toml"

    def ask(question: str) -> str:
        if not out.exists():
            out.write_text("# written meanwhile\n", encoding="utf-8")
        return ""

    with pytest.raises(UsageError, match="appeared while init ran"):
        run_init(InitRequest(out, source), ask=ask, today=date(2026, 11, 27))
    assert out.read_text(encoding="utf-8") == "# written meanwhile\n"
