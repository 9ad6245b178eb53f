"""What ``init`` reads from a CSV folder (connectors/csv/survey.py): numeric columns, role values,
margins, a peer column; and the errors for folders it cannot read."""

from __future__ import annotations

from pathlib import Path

import pytest

from crm_accounts.connectors.csv.survey import CsvSurvey
from crm_accounts.errors import InputDataError, UsageError


def _folder(tmp_path: Path, **files: str) -> Path:
    for name, text in files.items():
        (tmp_path / f"{name}.csv").write_text(text, encoding="utf-8")
    return tmp_path


ACCOUNTS = (
    "id,name,industry,fit,payment_days,city,kam_revenue,integration_stage\n"
    + "".join(f"a{i},Acme {i},food,{i % 10},{30 + i},Delft,12.5,integrated\n" for i in range(20))
    + "a20,Odd,food,n/a,,Delft,,\n"
)


def test_numeric_columns_are_found_with_how_many_accounts_fill_them(tmp_path: Path) -> None:
    facts = CsvSurvey(_folder(tmp_path, accounts=ACCOUNTS)).survey()
    numbers = {f.name: (f.filled, f.total, f.odd) for f in facts.numbers}
    # One "n/a" in 21 filled cells is a typing slip, not a text column; target columns
    # (kam_*) and the source's own columns are never criteria.
    assert numbers == {"fit": (21, 21, 1), "payment_days": (20, 21, 0)}
    assert facts.named == {"peer_attribute": "industry"}


def test_role_values_are_counted_per_value_across_cells(tmp_path: Path) -> None:
    folder = _folder(
        tmp_path, accounts=ACCOUNTS,
        contacts="id,account_id,name,dmu_roles\nc1,a1,X,decider;Inkoper\nc2,a1,Y, inkoper \n"
                 "c3,a2,Z,\nc4,a2,W,decider\n",
        revenue="account_id,date,amount,margin\na1,2026-01-01,10,\na2,2026-01-02,10,3\n",
    )  # fmt: skip
    facts = CsvSurvey(folder).survey()
    assert facts.dmu is not None
    assert [c.value for c in facts.dmu.choices] == ["decider", "Inkoper", "inkoper"]
    assert facts.psu is None  # no team.csv
    assert facts.named["margin"] == "margin"


def test_a_folder_without_accounts_csv_is_refused_naming_it(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match=r"no accounts\.csv"):
        CsvSurvey(tmp_path).survey()


def test_a_file_that_is_not_csv_is_refused_with_its_line(tmp_path: Path) -> None:
    (tmp_path / "accounts.csv").write_bytes(b"id,name\na1,Acme\na2,\xff\xfe\n")
    with pytest.raises(InputDataError, match=r"accounts\.csv:3"):
        CsvSurvey(tmp_path).survey()
