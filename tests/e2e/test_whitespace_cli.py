"""Whitespace on the command line: ``whitespace.csv`` in the export and ``whitespace`` in
``plan --json`` (CONTRACTS.md), computed by hand on a tiny CSV folder."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

from .conftest import Cli
from .conftest import read_csv as read

AS_OF = "2026-11-27"
ACCOUNTS = "id,name,industry\na,Alfa,metal\nb,Bravo,metal\nc,Charlie,metal\nd,Delta,food\n"
# a, b, c (900 of 910) are segment A; d is C. a bought k, b k and m, c m and n. a lacks m
# (bought by b and c: 2 of 2 peers) and n (c: 1 of 2); b lacks n (c: 1 of 2); c lacks k (a and
# b: 2 of 2). z, bought by d only, is nobody's whitespace.
REVENUE = (
    "account_id,date,amount,product\n"
    "a,2026-05-01,300,k\nb,2026-05-01,300,k\nb,2026-06-01,0,m\n"
    "c,2026-05-01,300,m\nc,2026-05-02,0,n\nd,2026-05-01,10,z\n"
)
COLUMNS = ["account_id", "product", "peers_buying", "peers", "peer_share"]


def folder(tmp_path: Path, revenue: str = REVENUE) -> Path:
    source = tmp_path / "source"
    source.mkdir()
    (source / "accounts.csv").write_text(ACCOUNTS, encoding="utf-8")
    (source / "revenue.csv").write_text(revenue, encoding="utf-8")
    return source


def test_the_export_lists_whitespace_per_a_customer_in_segmentation_order(
    cli: Cli, tmp_path: Path
) -> None:
    out = tmp_path / "out"

    run = cli("plan", "--source", folder(tmp_path), "--as-of", AS_OF, "--export", out)

    assert run.returncode == 0, run.stderr
    rows = read(out / "whitespace.csv")
    assert rows[0] == COLUMNS
    # Segmentation order: revenue descending, ties by id: a, b, c.
    assert [row[:4] for row in rows[1:]] == [
        ["a", "m", "2", "2"], ["a", "n", "1", "2"], ["b", "n", "1", "2"], ["c", "k", "2", "2"],
    ]  # fmt: skip
    assert [Decimal(row[4]) for row in rows[1:]] == [1, Decimal("0.5"), Decimal("0.5"), 1]


def test_plan_json_holds_the_same_whitespace_rows(cli: Cli, tmp_path: Path) -> None:
    config = tmp_path / "crm.toml"
    config.write_text(
        f"[source]\npath = '{folder(tmp_path)}'\n[whitespace]\nmin_peer_share = 0.6\n"
        "max_per_account = 1\n",
        encoding="utf-8",
    )

    run = cli("plan", "--config", config, "--as-of", AS_OF, "--json")

    assert run.returncode == 0, run.stderr
    rows = json.loads(run.stdout)["whitespace"]
    assert [(r["account_id"], r["product"], r["peers_buying"], r["peers"]) for r in rows] == [
        ("a", "m", "2", "2"), ("c", "k", "2", "2"),
    ]  # fmt: skip
    assert set(rows[0]) == set(COLUMNS)


def test_a_peer_attribute_narrows_the_peers_to_accounts_with_the_same_value(
    cli: Cli, tmp_path: Path
) -> None:
    config = tmp_path / "crm.toml"
    config.write_text(
        f"[source]\npath = '{folder(tmp_path)}'\n[whitespace]\npeer_attribute = 'industry'\n",
        encoding="utf-8",
    )

    run = cli("plan", "--config", config, "--as-of", AS_OF, "--export", tmp_path / "out")

    assert run.returncode == 0, run.stderr
    # a, b and c are all metal: the same rows as without the attribute.
    assert len(read(tmp_path / "out" / "whitespace.csv")) == 5


def test_without_products_the_whitespace_file_holds_its_header_only(
    cli: Cli, tmp_path: Path
) -> None:
    revenue = "account_id,date,amount\na,2026-05-01,300\nb,2026-05-01,300\nc,2026-05-01,300\n"
    out = tmp_path / "out"

    run = cli("plan", "--source", folder(tmp_path, revenue), "--as-of", AS_OF, "--export", out)

    assert run.returncode == 0, run.stderr
    assert read(out / "whitespace.csv") == [COLUMNS]
