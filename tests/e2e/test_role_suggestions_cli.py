"""Role suggestions on the command line: ``role_suggestions.csv``, the count in the summary, and
a sync that uses suggestions without ever writing them to the CRM's role fields."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

from .conftest import Cli
from .conftest import read_csv as read

FIXTURE = Path(__file__).parent / "fixtures" / "small" / "source"
AS_OF = "2025-11-29"
COLUMNS = ["contact_id", "account_id", "title", "suggested_roles", "matched"]


def source(tmp_path: Path) -> Path:
    folder = tmp_path / "source"
    shutil.copytree(FIXTURE, folder)
    with (folder / "contacts.csv").open("a", encoding="utf-8", newline="") as handle:
        handle.write("c90,a1,Zeno Zorg,,Hoofd inkoop,,\nc91,a1,Yara Yilmaz,,Marketing,,\n")
    return folder


def config(tmp_path: Path, folder: Path, use: bool) -> Path:
    path = tmp_path / "crm.toml"
    path.write_text(
        f"[source]\npath = '{folder}'\n[roles]\nuse_suggestions = {str(use).lower()}\n",
        encoding="utf-8",
    )
    return path


def test_plan_exports_the_suggestions_and_counts_them_in_the_summary(
    cli: Cli, tmp_path: Path
) -> None:
    folder = source(tmp_path)
    out = tmp_path / "out"

    run = cli("plan", "--source", folder, "--as-of", AS_OF, "--export", out)

    assert run.returncode == 0, run.stderr
    assert read(out / "role_suggestions.csv") == [
        COLUMNS, ["c90", "a1", "Hoofd inkoop", "buyer", "inkoop"],
    ]  # fmt: skip
    without = sum(1 for row in read(folder / "contacts.csv")[1:] if not row[5].strip())
    assert f"{without} contacts without a role, 1 with a suggestion" in run.stdout


def test_a_sync_that_uses_suggestions_plans_the_contact_and_leaves_contacts_untouched(
    cli: Cli, tmp_path: Path
) -> None:
    folder = source(tmp_path)
    before = (folder / "contacts.csv").read_bytes()

    run = cli("sync", "--config", config(tmp_path, folder, True), "--as-of", AS_OF)

    assert run.returncode == 0, run.stderr
    assert (folder / "contacts.csv").read_bytes() == before
    with (folder / "tasks.csv").open(encoding="utf-8", newline="") as handle:
        zeno = [task for task in csv.DictReader(handle) if task["contact_id"] == "c90"]
    assert zeno
    assert all("buyer (suggested)" in t["description"] for t in zeno)
