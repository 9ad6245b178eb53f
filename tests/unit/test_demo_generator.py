"""The seeded demo data set: deterministic, inside the CSV source contract, and realistic enough to
show every part of the method (Pareto tail, rating warnings, gaps, planning)."""

from __future__ import annotations

import calendar
import csv
import tomllib
from collections import Counter, defaultdict
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path

import pytest

from crm_accounts.connectors.demo import DemoFolder, generate_demo

AS_OF = date(2026, 11, 27)
FILES = ("accounts", "revenue", "contacts", "members", "team", "activities")
DMU_ROLES = {"decider", "buyer", "advisor", "influencer", "user", "supporter"}
PSU_ROLES = {
    "account_manager",
    "sales_rep",
    "sales_manager",
    "executive",
    "support",
    "delivery",
    "administration",
}
# CONTRACTS.md, "CSV source folder": required and optional columns per file.
CONTRACT_COLUMNS = {
    "accounts": {"required": {"id", "name"}, "optional": {"integration_stage"}},
    "revenue": {"required": {"account_id", "date", "amount"}, "optional": {"margin", "product"}},
    "contacts": {
        "required": {"id", "account_id", "name"},
        "optional": {"email", "title", "dmu_roles", "gatekeeper"},
    },
    "members": {"required": {"id", "name"}, "optional": {"email", "capacity_per_week"}},
    "team": {"required": {"account_id", "member_id", "psu_roles"}, "optional": {"pioneer"}},
    "activities": {
        "required": {"account_id", "contact_id", "member_id", "date"},
        "optional": {"id", "type", "status"},
    },
}
# CONTRACTS.md, "Configuration file (TOML)": every key the file may hold, per table.
CONFIG_KEYS = {
    "": {"source", "period", "segments", "rating", "plan"},
    "source": {"kind", "path"},
    "period": {"months"},
    "segments": {"rule", "a", "b"},
    "rating": {"top", "accounts", "criteria"},
    "rating.criteria": {"key", "label", "source", "better"},
    "plan": {"lookback_days", "horizon_days", "capacity_per_week", "closed_status", "rules"},
    "plan.rules": {"segment", "psu", "dmu", "every_days"},
}

Rows = dict[str, list[dict[str, str]]]


def read_folder(source_dir: Path) -> tuple[dict[str, list[str]], Rows]:
    headers: dict[str, list[str]] = {}
    rows: Rows = {}
    for name in FILES:
        with (source_dir / f"{name}.csv").open(encoding="utf-8", newline="") as handle:
            reader = csv.DictReader(handle)
            rows[name] = list(reader)
            headers[name] = list(reader.fieldnames or [])
    return headers, rows


def months_before(day: date, months: int) -> date:
    year, month0 = divmod(day.year * 12 + day.month - 1 - months, 12)
    last_day = calendar.monthrange(year, month0 + 1)[1]
    return date(year, month0 + 1, min(day.day, last_day))


def period_revenue(rows: Rows) -> dict[str, Decimal]:
    start = months_before(AS_OF, 12)
    revenue: dict[str, Decimal] = defaultdict(Decimal)
    for line in rows["revenue"]:
        if start < date.fromisoformat(line["date"]) <= AS_OF:
            revenue[line["account_id"]] += Decimal(line["amount"])
    return {account["id"]: revenue[account["id"]] for account in rows["accounts"]}


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> DemoFolder:
    return generate_demo(tmp_path_factory.mktemp("demo"), as_of=AS_OF)


@pytest.fixture(scope="module")
def folder(demo: DemoFolder) -> tuple[dict[str, list[str]], Rows]:
    return read_folder(demo.source_dir)


@pytest.fixture(scope="module")
def rows(folder: tuple[dict[str, list[str]], Rows]) -> Rows:
    return folder[1]


def test_the_same_arguments_give_byte_identical_files(tmp_path: Path) -> None:
    first = generate_demo(tmp_path / "one", as_of=AS_OF, seed=7, accounts=120)
    second = generate_demo(tmp_path / "two", as_of=AS_OF, seed=7, accounts=120)
    for name in FILES:
        file = f"{name}.csv"
        assert (first.source_dir / file).read_bytes() == (second.source_dir / file).read_bytes()
    assert first.config_path.read_bytes() == second.config_path.read_bytes()


def test_another_seed_gives_other_data(tmp_path: Path) -> None:
    first = generate_demo(tmp_path / "one", as_of=AS_OF, seed=1, accounts=50)
    second = generate_demo(tmp_path / "two", as_of=AS_OF, seed=2, accounts=50)
    revenue = "revenue.csv"
    assert (first.source_dir / revenue).read_bytes() != (second.source_dir / revenue).read_bytes()


def test_the_folder_holds_the_six_files_and_the_config_next_to_it(demo: DemoFolder) -> None:
    assert sorted(p.name for p in demo.source_dir.iterdir()) == sorted(f"{n}.csv" for n in FILES)
    assert demo.config_path == demo.source_dir.parent / "config.toml"


def test_every_file_has_only_the_columns_the_contract_declares(
    folder: tuple[dict[str, list[str]], Rows],
) -> None:
    headers, _ = folder
    for name, columns in headers.items():
        declared = CONTRACT_COLUMNS[name]
        assert len(columns) == len(set(columns)), name
        assert declared["required"] <= set(columns), name
        extra = set(columns) - declared["required"] - declared["optional"]
        if name == "accounts":  # any other column is an account attribute
            assert {"strategic_fit", "payment_days"} <= extra
        else:
            assert not extra, (name, extra)
    assert {"margin", "product"} <= set(headers["revenue"])


def test_every_row_has_a_value_in_every_required_column(rows: Rows) -> None:
    for name, file_rows in rows.items():
        for row in file_rows:
            for column in CONTRACT_COLUMNS[name]["required"]:
                assert row[column], (name, row)


def test_ids_follow_their_patterns_and_are_unique(rows: Rows) -> None:
    patterns = {"accounts": "acc-", "contacts": "con-", "members": "m-", "activities": "act-"}
    for name, prefix in patterns.items():
        ids = [row["id"] for row in rows[name]]
        assert len(ids) == len(set(ids)), name
        assert all(i.startswith(prefix) and i[len(prefix) :].isdigit() for i in ids), name
    assert rows["accounts"][0]["id"] == "acc-0001"
    assert rows["contacts"][0]["id"] == "con-00001"
    assert rows["activities"][0]["id"] == "act-000001"


def test_all_references_resolve(rows: Rows) -> None:
    accounts = {row["id"] for row in rows["accounts"]}
    members = {row["id"] for row in rows["members"]}
    contact_account = {row["id"]: row["account_id"] for row in rows["contacts"]}
    for name in ("revenue", "contacts", "team", "activities"):
        assert {row["account_id"] for row in rows[name]} <= accounts, name
    assert {row["member_id"] for row in rows["team"]} <= members
    for activity in rows["activities"]:
        assert activity["member_id"] in members
        assert contact_account[activity["contact_id"]] == activity["account_id"]
    seats = [(row["account_id"], row["member_id"]) for row in rows["team"]]
    assert len(seats) == len(set(seats))


def test_roles_flags_and_statuses_use_the_contract_values(rows: Rows) -> None:
    for contact in rows["contacts"]:
        roles = [role for role in contact["dmu_roles"].split(";") if role]
        assert set(roles) <= DMU_ROLES
        assert len(roles) == len(set(roles))
        assert contact["gatekeeper"] in {"true", "false"}
    for seat in rows["team"]:
        assert seat["psu_roles"]
        assert set(seat["psu_roles"].split(";")) <= PSU_ROLES
        assert seat["pioneer"] in {"true", "false"}
    for account in rows["accounts"]:
        assert account["integration_stage"] in {"", "transactional", "collaborative", "integrated"}
    assert {row["type"] for row in rows["activities"]} == {"meeting", "call", "email", "task"}
    assert {row["status"] for row in rows["activities"]} == {"completed", "", "open"}
    for member in rows["members"]:
        assert member["capacity_per_week"] == "" or member["capacity_per_week"].isdigit()


def test_dates_parse_and_none_lies_after_as_of(rows: Rows) -> None:
    for name in ("revenue", "activities"):
        days = [date.fromisoformat(row["date"]) for row in rows[name]]
        assert max(days) <= AS_OF, name
    revenue_days = [date.fromisoformat(row["date"]) for row in rows["revenue"]]
    assert min(revenue_days) < months_before(AS_OF, 14)
    activity_ages = [(AS_OF - date.fromisoformat(row["date"])).days for row in rows["activities"]]
    assert 0 < sum(age >= 365 for age in activity_ages) < len(activity_ages) / 5


def test_amounts_and_margins_are_decimals_with_realistic_margins(rows: Rows) -> None:
    credit_notes = 0
    for line in rows["revenue"]:
        amount, margin = Decimal(line["amount"]), Decimal(line["margin"])
        assert amount != 0
        assert Decimal("0.095") <= margin / amount <= Decimal("0.405"), line
        credit_notes += amount < 0
    assert 0 < credit_notes < len(rows["revenue"]) / 20


def test_about_thirty_products_and_large_accounts_buy_more_of_them(rows: Rows) -> None:
    revenue = period_revenue(rows)
    products: dict[str, set[str]] = defaultdict(set)
    for line in rows["revenue"]:
        products[line["account_id"]].add(line["product"])
    assert 25 <= len(set().union(*products.values())) <= 35
    customers = sorted((a for a in revenue if revenue[a] > 0), key=revenue.__getitem__)
    fifth = len(customers) // 5
    small = sum(len(products[a]) for a in customers[:fifth]) / fifth
    large = sum(len(products[a]) for a in customers[-fifth:]) / fifth
    assert large > 2 * small


def test_revenue_is_long_tailed(rows: Rows) -> None:
    customers = sorted((v for v in period_revenue(rows).values() if v > 0), reverse=True)
    total = sum(customers, Decimal(0))
    running = Decimal(0)
    top_group = 0
    while running < Decimal("0.8") * total:
        running += customers[top_group]
        top_group += 1
    assert 0.1 <= top_group / len(customers) <= 0.35


def test_some_accounts_have_no_zero_or_negative_revenue_in_the_period(rows: Rows) -> None:
    revenue = period_revenue(rows)
    with_lines = {line["account_id"] for line in rows["revenue"]}
    assert any(value == 0 and a in with_lines for a, value in revenue.items())
    assert any(value < 0 for value in revenue.values())
    assert any(a not in with_lines for a in revenue)  # prospects


def test_strategic_fit_is_mostly_one_to_ten_with_gaps_and_a_non_numeric_value(
    rows: Rows,
) -> None:
    values = Counter(account["strategic_fit"] for account in rows["accounts"])
    assert values[""] > 0
    odd = []
    for value in values:
        if not value:
            continue
        try:
            assert 1 <= Decimal(value) <= 10
        except InvalidOperation:
            odd.append(value)
    assert 1 <= len(odd) <= 3


def test_the_largest_customers_include_a_non_numeric_strategic_fit(rows: Rows) -> None:
    revenue = period_revenue(rows)
    top = sorted(revenue, key=lambda a: (-revenue[a], a))[:5]
    fits = {a["id"]: a["strategic_fit"] for a in rows["accounts"]}
    assert "n/a" in {fits[a] for a in top}


def test_contacts_gatekeepers_pioneers_and_open_activities_exist(rows: Rows) -> None:
    per_account = Counter(contact["account_id"] for contact in rows["contacts"])
    assert max(per_account.values()) <= 8
    assert any(contact["gatekeeper"] == "true" for contact in rows["contacts"])
    assert any(contact["dmu_roles"] == "" for contact in rows["contacts"])
    assert any(";" in contact["dmu_roles"] for contact in rows["contacts"])
    assert any(seat["pioneer"] == "true" for seat in rows["team"])
    assert any(";" in seat["psu_roles"] for seat in rows["team"])
    assert any(activity["status"] == "open" for activity in rows["activities"])


def test_every_account_with_revenue_has_an_account_manager(rows: Rows) -> None:
    managed = {s["account_id"] for s in rows["team"] if "account_manager" in s["psu_roles"]}
    assert {line["account_id"] for line in rows["revenue"]} <= managed


def test_some_large_accounts_are_single_threaded_or_reached_only_via_a_gatekeeper(
    rows: Rows,
) -> None:
    revenue = period_revenue(rows)
    top = sorted(revenue, key=lambda a: (-revenue[a], a))[: len(revenue) // 4]
    gatekeeper = {c["id"]: c["gatekeeper"] == "true" for c in rows["contacts"]}
    contacted: dict[str, set[str]] = defaultdict(set)
    for activity in rows["activities"]:
        if activity["status"] != "open":
            contacted[activity["account_id"]].add(activity["contact_id"])
    assert any(len(contacted[a]) == 1 for a in top)
    assert any(contacted[a] and all(gatekeeper[c] for c in contacted[a]) for a in top)


def test_members_are_a_team_of_about_twelve_with_default_and_small_capacities(
    rows: Rows,
) -> None:
    capacities = [member["capacity_per_week"] for member in rows["members"]]
    assert 10 <= len(capacities) <= 15
    assert "" in capacities
    assert min(int(c) for c in capacities if c) < 5


def test_the_config_reads_the_folder_and_uses_only_contract_keys(demo: DemoFolder) -> None:
    config = tomllib.loads(demo.config_path.read_text(encoding="utf-8"))

    def check(table: dict[str, object], name: str) -> None:
        assert set(table) <= CONFIG_KEYS[name], name
        for key, value in table.items():
            child = f"{name}.{key}" if name else key
            if isinstance(value, dict):
                check(value, child)
            elif isinstance(value, list) and value and isinstance(value[0], dict):
                for item in value:
                    check(item, child)

    check(config, "")
    assert config["source"] == {"kind": "csv", "path": "source"}
    assert demo.config_path.parent / config["source"]["path"] == demo.source_dir
    criteria = config["rating"]["criteria"]
    assert 1 <= len(criteria) <= 5
    assert {c["source"] for c in criteria} == {"revenue", "strategic_fit", "payment_days"}
    assert {c["better"] for c in criteria} == {"higher", "lower"}


def test_fewer_than_one_account_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="at least 1"):
        generate_demo(tmp_path, as_of=AS_OF, accounts=0)


def test_a_tiny_data_set_still_follows_the_contract(tmp_path: Path) -> None:
    demo = generate_demo(tmp_path, as_of=AS_OF, seed=3, accounts=3)
    headers, rows = read_folder(demo.source_dir)
    assert [a["id"] for a in rows["accounts"]] == ["acc-0001", "acc-0002", "acc-0003"]
    assert headers["revenue"] == ["account_id", "date", "amount", "margin", "product"]
