"""The CSV source folder (CONTRACTS.md): cell formats, and every offending ``file:line`` collected
and raised together by ``close()``. Uses small folders written to a temporary directory."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crm_accounts.connectors.csv import CsvSource
from crm_accounts.connectors.csv.cells import (
    CellError,
    parse_bool,
    parse_capacity,
    parse_date,
    parse_decimal,
    parse_dmu_roles,
    parse_psu_roles,
    parse_stage,
)
from crm_accounts.domain.model import (
    Account,
    Activity,
    Contact,
    DmuRole,
    IntegrationStage,
    Member,
    PsuRole,
    RevenueLine,
    TeamMember,
)
from crm_accounts.domain.revenue import Period
from crm_accounts.errors import InputDataError, InputProblem

AS_OF = date(2025, 11, 29)
PERIOD = Period.ending(AS_OF, 12)
BOM = b"\xef\xbb\xbf"

VALID = {
    "accounts.csv": "id,name,integration_stage,tier\na1,Alfa,integrated,3\na2,Bravo,,\n",
    "revenue.csv": (
        "account_id,date,amount,margin,product\n"
        "a1,2025-01-15,250.00,200.00,P1\n"
        "a2,2025-02-01,100,,\n"
    ),
    "contacts.csv": (
        "id,account_id,name,email,title,dmu_roles,gatekeeper\n"
        "c1,a1,Ada,ada@alfa.example,CEO,decider;buyer,\n"
        "c2,a2,Ben,,,user,no\n"
    ),
    "members.csv": "id,name,email,capacity_per_week\nm1,Anna,,\nm2,Bram,,3\n",
    "team.csv": (
        "account_id,member_id,psu_roles,pioneer\na1,m1,account_manager,yes\na2,m2,support,\n"
    ),
    "activities.csv": (
        "id,account_id,contact_id,member_id,date,type,status\n"
        "t1,a1,c1,m1,2025-10-01,call,completed\n"
        "t2,a2,c2,m2,2025-11-01,call,\n"
    ),
}


@dataclass
class Read:
    """Everything a folder yields, read in the order the services read it."""

    accounts: list[Account]
    revenue: list[RevenueLine]
    contacts: list[Contact] | None
    members: list[Member]
    team: list[TeamMember] | None
    activities: list[Activity]
    attribute_names: frozenset[str]
    error: InputDataError | None

    @property
    def problems(self) -> tuple[InputProblem, ...]:
        return self.error.problems if self.error is not None else ()

    def at(self, file: str, line: int) -> list[str]:
        """Messages of the problems reported for ``file`` (base name) at ``line``."""
        return [p.message for p in self.problems if Path(p.file).name == file and p.line == line]


def folder_with(tmp_path: Path, **files: str | bytes | None) -> Path:
    """The VALID folder with some files replaced (``accounts="..."``) or removed (``None``)."""
    folder = tmp_path / "source"
    folder.mkdir()
    contents: dict[str, str | bytes | None] = dict(VALID)
    contents.update({f"{name}.csv": content for name, content in files.items()})
    for name, content in contents.items():
        if content is None:
            continue
        data = content.encode("utf-8") if isinstance(content, str) else content
        (folder / name).write_bytes(data)
    return folder


def read(folder: Path) -> Read:
    source = CsvSource(folder)
    accounts = [record.account for record in source.accounts()]
    revenue = list(source.revenue_lines(PERIOD))
    contacts = source.contacts()
    contact_list = list(contacts) if contacts is not None else None
    members = list(source.members())
    team = source.team()
    team_list = list(team) if team is not None else None
    activities = list(source.activities(AS_OF - timedelta(days=365), AS_OF))
    names = source.attribute_names()
    error = None
    try:
        source.close()
    except InputDataError as exc:
        error = exc
    return Read(accounts, revenue, contact_list, members, team_list, activities, names, error)


def replace(file: str, old: str, new: str) -> str:
    assert old in VALID[file], (file, old)
    return VALID[file].replace(old, new, 1)


# -- cell parsers ------------------------------------------------------------------------------


def test_an_iso_date_is_parsed() -> None:
    assert parse_date("2026-11-27") == date(2026, 11, 27)


@pytest.mark.parametrize(
    "text",
    ["2026-13-01", "27/11/2026", "20261127", "2026-1-07", "2025-02-29", "2026-11-27 ",
     " 2026-11-27", "", "2026-11-27T00:00", "\uff12\uff10\uff12\uff16-11-27", "2026/11/27",
     "26-11-27"],
)  # fmt: skip
def test_anything_but_an_iso_date_is_refused(text: str) -> None:
    with pytest.raises(CellError):
        parse_date(text)


@pytest.mark.parametrize(
    ("text", "value"),
    [("1234.50", Decimal("1234.50")), ("-10", Decimal(-10)), (" 12.5 ", Decimal("12.5")),
     ("0.1", Decimal("0.1")), ("+3", Decimal(3)), (".5", Decimal("0.5")), ("5.", Decimal(5))],
)  # fmt: skip
def test_a_plain_decimal_is_parsed_exactly(text: str, value: Decimal) -> None:
    assert parse_decimal(text) == value


@pytest.mark.parametrize(
    "text",
    ["1,5", "abc", "NaN", "nan", "1e3", "1E3", "Infinity", "-inf", "", " ", "1_000", "1.2.3",
     "--1", "\u0661\u0662", "\uff11\uff12", "12 34", "€12", "0x10", "sNaN"],
)  # fmt: skip
def test_anything_but_a_plain_decimal_is_refused(text: str) -> None:
    with pytest.raises(CellError):
        parse_decimal(text)


@pytest.mark.parametrize(
    ("text", "value"),
    [("true", True), ("TRUE", True), (" yes ", True), ("Yes", True), ("1", True),
     ("false", False), ("No", False), ("0", False), ("", False), ("  ", False)],
)  # fmt: skip
def test_booleans_are_case_insensitive_trimmed_and_empty_is_false(text: str, value: bool) -> None:
    assert parse_bool(text) is value


@pytest.mark.parametrize("text", ["maybe", "y", "n", "2", "-1", "truee", "ja"])
def test_anything_else_is_not_a_boolean(text: str) -> None:
    with pytest.raises(CellError):
        parse_bool(text)


@pytest.mark.parametrize(("text", "value"), [("", None), ("  ", None), ("3", 3), (" 7 ", 7)])
def test_a_capacity_is_a_whole_number_or_empty(text: str, value: int | None) -> None:
    assert parse_capacity(text) == value


@pytest.mark.parametrize("text", ["-1", "1.5", "ten", "\uff13", "1e2", "+2"])
def test_a_negative_fractional_or_written_capacity_is_refused(text: str) -> None:
    with pytest.raises(CellError):
        parse_capacity(text)


def test_an_integration_stage_is_case_insensitive_and_may_be_empty() -> None:
    assert parse_stage(" Integrated ") is IntegrationStage.INTEGRATED
    assert parse_stage("") is None


def test_an_unknown_integration_stage_is_refused_listing_the_choices() -> None:
    with pytest.raises(CellError, match="transactional"):
        parse_stage("partner")


def test_role_lists_are_case_insensitive_trimmed_and_skip_empty_items() -> None:
    assert parse_dmu_roles(" Decider ; BUYER ;;") == {DmuRole.DECIDER, DmuRole.BUYER}
    assert parse_psu_roles("Account_Manager; support ") == {
        PsuRole.ACCOUNT_MANAGER,
        PsuRole.SUPPORT,
    }
    assert parse_dmu_roles("") == frozenset()


@pytest.mark.parametrize(
    ("parse", "text", "bad"),
    [(parse_dmu_roles, "decider;boss", "boss"), (parse_psu_roles, "support; CEO ", "CEO"),
     (parse_dmu_roles, "account_manager", "account_manager")],
)  # fmt: skip
def test_an_unknown_role_is_refused_naming_it(
    parse: Callable[[str], frozenset[object]], text: str, bad: str
) -> None:
    with pytest.raises(CellError, match=bad):
        parse(text)


PARSERS = [
    parse_bool, parse_capacity, parse_date, parse_decimal, parse_dmu_roles, parse_psu_roles,
    parse_stage,
]  # fmt: skip


@settings(max_examples=300, deadline=None, database=None, derandomize=True)
@given(parse=st.sampled_from(PARSERS), text=st.text(max_size=40))
def test_a_parser_returns_a_value_or_raises_cell_error_never_anything_else(
    parse: Callable[[str], object], text: str
) -> None:
    with contextlib.suppress(CellError):
        parse(text)


@settings(max_examples=200, deadline=None, database=None, derandomize=True)
@given(
    value=st.decimals(
        min_value=-(10**20), max_value=10**20, places=8, allow_nan=False, allow_infinity=False
    )
)
def test_a_decimal_written_with_a_decimal_point_reads_back_exactly(value: Decimal) -> None:
    text = format(value, "f")

    assert parse_decimal(text) == value


def test_a_number_with_more_than_thirty_digits_is_refused() -> None:
    assert parse_decimal("1" * 30) == Decimal("1" * 30)
    with pytest.raises(CellError, match="at most 30 digits"):
        parse_decimal("1" * 31)


# -- a valid folder ----------------------------------------------------------------------------


def test_a_valid_folder_reads_every_file_without_problems(tmp_path: Path) -> None:
    result = read(folder_with(tmp_path))

    assert result.error is None
    assert [a.id for a in result.accounts] == ["a1", "a2"]
    assert len(result.revenue) == 2
    assert result.contacts is not None
    assert len(result.contacts) == 2
    assert [m.id for m in result.members] == ["m1", "m2"]
    assert result.team is not None
    assert len(result.team) == 2
    assert len(result.activities) == 2


def test_only_accounts_and_revenue_are_required(tmp_path: Path) -> None:
    result = read(folder_with(tmp_path, contacts=None, members=None, team=None, activities=None))

    assert result.error is None
    assert result.contacts is None
    assert result.team is None
    assert result.members == []
    assert result.activities == []


def test_a_header_only_file_is_valid_and_has_no_rows(tmp_path: Path) -> None:
    result = read(folder_with(tmp_path, activities="id,account_id,contact_id,member_id,date\n"))

    assert result.error is None
    assert result.activities == []


def test_a_utf8_bom_is_accepted_in_every_file(tmp_path: Path) -> None:
    boms = {name.removesuffix(".csv"): BOM + text.encode() for name, text in VALID.items()}

    result = read(folder_with(tmp_path, **boms))

    assert result.error is None
    assert [a.id for a in result.accounts] == ["a1", "a2"]


def test_booleans_true_yes_with_spaces_and_empty_are_accepted(tmp_path: Path) -> None:
    contacts = (
        "id,account_id,name,gatekeeper\nc1,a1,Ada,TRUE\nc2,a1,Ben, yes \nc3,a2,Cas,\nc4,a2,Dan,No\n"
    )
    team = "account_id,member_id,psu_roles,pioneer\na1,m1,support, Yes \na2,m2,support,\n"

    result = read(folder_with(tmp_path, contacts=contacts, team=team))

    assert result.error is None
    assert result.contacts is not None
    assert result.team is not None
    assert [c.gatekeeper for c in result.contacts] == [True, True, False, False]
    assert [t.pioneer for t in result.team] == [True, False]


def test_role_values_in_mixed_case_with_spaces_are_accepted(tmp_path: Path) -> None:
    contacts = replace("contacts.csv", "decider;buyer", '" Decider ; BUYER "')
    team = replace("team.csv", "account_manager", " Account_Manager ; EXECUTIVE ")

    result = read(folder_with(tmp_path, contacts=contacts, team=team))

    assert result.error is None
    assert result.contacts is not None
    assert result.team is not None
    assert result.contacts[0].dmu_roles == {DmuRole.DECIDER, DmuRole.BUYER}
    assert result.team[0].psu_roles == {PsuRole.ACCOUNT_MANAGER, PsuRole.EXECUTIVE}


def test_extra_accounts_columns_are_kept_as_attributes(tmp_path: Path) -> None:
    accounts = "id,name,region,tier\na1,Alfa,North,3\na2,Bravo,,\n"

    result = read(folder_with(tmp_path, accounts=accounts))

    assert result.error is None
    assert dict(result.accounts[0].attributes) == {"region": "North", "tier": "3"}
    assert result.attribute_names == {"region", "tier"}


def test_extra_columns_in_the_other_files_are_ignored(tmp_path: Path) -> None:
    extra = {
        name.removesuffix(".csv"): "".join(
            line + (",note\n" if number == 0 else ",anything at all\n")
            for number, line in enumerate(text.splitlines())
        )
        for name, text in VALID.items()
        if name != "accounts.csv"
    }

    result = read(folder_with(tmp_path, **extra))

    assert result.error is None
    assert len(result.revenue) == 2
    assert len(result.activities) == 2


def test_short_rows_are_padded_with_empty_cells(tmp_path: Path) -> None:
    contacts = "id,account_id,name,email,title,dmu_roles,gatekeeper\nc1,a1,Ada\nc2,a2,Ben,,,user\n"
    revenue = "account_id,date,amount,margin,product\na1,2025-01-15,250.00\n"

    result = read(folder_with(tmp_path, contacts=contacts, revenue=revenue))

    assert result.error is None
    assert result.contacts is not None
    assert result.contacts[0] == Contact("c1", "a1", "Ada")
    assert result.contacts[1].dmu_roles == {DmuRole.USER}
    assert result.revenue == [RevenueLine("a1", date(2025, 1, 15), Decimal("250.00"))]


def test_blank_lines_are_skipped_and_crlf_line_endings_accepted(tmp_path: Path) -> None:
    revenue = VALID["revenue.csv"].replace("\n", "\r\n") + "\r\n\r\n"

    result = read(folder_with(tmp_path, revenue=revenue))

    assert result.error is None
    assert len(result.revenue) == 2


def test_an_activity_counts_when_completed_or_empty_status_in_any_case(tmp_path: Path) -> None:
    activities = (
        "account_id,contact_id,member_id,date,status\n"
        "a1,c1,m1,2025-10-01,completed\na1,c1,m1,2025-10-02,\n"
        "a1,c1,m1,2025-10-03,Completed\na1,c1,m1,2025-10-04,open\n"
    )

    result = read(folder_with(tmp_path, activities=activities))

    assert result.error is None
    assert [a.completed for a in result.activities] == [True, True, True, False]


def test_a_member_id_is_free_text_when_there_is_no_members_file(tmp_path: Path) -> None:
    team = "account_id,member_id,psu_roles\na1,anyone,support\n"

    result = read(folder_with(tmp_path, members=None, team=team))

    assert result.error is None


# -- input errors: file, line and value --------------------------------------------------------

CELL_ERRORS = [
    # (file, old text, new text, line, fragment the message must hold)
    ("accounts.csv", "a2,Bravo", "a2,", 3, "name"),
    ("accounts.csv", "a2,Bravo", ",Bravo", 3, "id"),
    ("accounts.csv", "integrated", "partner", 2, "partner"),
    ("revenue.csv", "250.00", "", 2, "amount"),
    ("revenue.csv", "2025-01-15", "", 2, "date"),
    ("revenue.csv", "2025-01-15", "2026-13-01", 2, "2026-13-01"),
    ("revenue.csv", "2025-01-15", "27/11/2026", 2, "27/11/2026"),
    ("revenue.csv", "2025-01-15", "20261127", 2, "20261127"),
    ("revenue.csv", "250.00", '"1,5"', 2, "1,5"),
    ("revenue.csv", "250.00", "abc", 2, "abc"),
    ("revenue.csv", "250.00", "NaN", 2, "NaN"),
    ("revenue.csv", "250.00", "1e3", 2, "1e3"),
    ("revenue.csv", "200.00", "lots", 2, "lots"),
    ("revenue.csv", "a2,2025", "zz9,2025", 3, "zz9"),
    ("contacts.csv", "decider;buyer", "decider;boss", 2, "boss"),
    ("contacts.csv", "user,no", "user,maybe", 3, "maybe"),
    ("contacts.csv", "c2,a2", "c2,zz9", 3, "zz9"),
    ("contacts.csv", "c2,a2,Ben", "c2,a2,", 3, "name"),
    ("members.csv", ",3", ",-1", 3, "-1"),
    ("members.csv", ",3", ",1.5", 3, "1.5"),
    ("members.csv", ",3", ",ten", 3, "ten"),
    ("members.csv", "m2,Bram", "m1,Bram", 3, "m1"),
    ("team.csv", "support", "support;ceo", 3, "ceo"),
    ("team.csv", "yes", "si", 2, "si"),
    ("team.csv", "a2,m2", "zz9,m2", 3, "zz9"),
    ("team.csv", "a2,m2", "a2,m9", 3, "m9"),
    ("activities.csv", "2025-11-01", "2026-13-01", 3, "2026-13-01"),
    ("activities.csv", "t2,a2", "t2,zz9", 3, "zz9"),
    ("activities.csv", "c2,m2", ",m2", 3, "contact_id"),
    ("activities.csv", "c2,m2", "c2,", 3, "member_id"),
]


@pytest.mark.parametrize(("file", "old", "new", "line", "fragment"), CELL_ERRORS)
def test_a_bad_cell_is_reported_with_its_file_line_and_value(
    file: str, old: str, new: str, line: int, fragment: str, tmp_path: Path
) -> None:
    folder = folder_with(tmp_path, **{file.removesuffix(".csv"): replace(file, old, new)})

    result = read(folder)

    messages = result.at(file, line)
    assert messages, result.problems
    assert any(fragment in message for message in messages), messages


def test_close_lists_every_problem_of_every_file_in_its_message(tmp_path: Path) -> None:
    folder = folder_with(
        tmp_path,
        accounts=replace("accounts.csv", "integrated", "partner"),
        revenue=replace("revenue.csv", "250.00", "abc"),
        contacts=replace("contacts.csv", "user,no", "user,maybe"),
        members=replace("members.csv", ",3", ",ten"),
        team=replace("team.csv", "support", "ceo"),
        activities=replace("activities.csv", "2025-11-01", "2026-13-01"),
    )

    result = read(folder)

    assert result.error is not None
    text = str(result.error)
    for file, line, value in [
        ("accounts.csv", 2, "partner"), ("revenue.csv", 2, "abc"), ("contacts.csv", 3, "maybe"),
        ("members.csv", 3, "ten"), ("team.csv", 3, "ceo"), ("activities.csv", 3, "2026-13-01"),
    ]:  # fmt: skip
        assert result.at(file, line), (file, line, result.problems)
        lines = [entry for entry in text.splitlines() if f"{file}:{line}:" in entry]
        assert any(value in entry for entry in lines), (file, line, text)


def test_every_bad_row_of_a_file_is_reported_not_only_the_first(tmp_path: Path) -> None:
    revenue = "account_id,date,amount\n" + "".join(
        f"a1,2025-01-{day:02d},{'x' if day % 2 else '1.00'}\n" for day in range(1, 11)
    )

    result = read(folder_with(tmp_path, revenue=revenue))

    assert [p.line for p in result.problems] == [2, 4, 6, 8, 10]


def test_a_rejected_account_is_not_reported_again_as_unknown_in_other_files(
    tmp_path: Path,
) -> None:
    """a1 is in accounts.csv, with a bad stage: the one problem is that stage; revenue, contacts,
    team and activities rows of a1 are not "not in accounts.csv"."""
    folder = folder_with(tmp_path, accounts=replace("accounts.csv", "integrated", "partner"))

    result = read(folder)

    assert [(Path(p.file).name, p.line) for p in result.problems] == [("accounts.csv", 2)]


@pytest.mark.parametrize(
    ("file", "column"),
    [(file, column) for file, columns in {
        "accounts.csv": ("id", "name"),
        "revenue.csv": ("account_id", "date", "amount"),
        "contacts.csv": ("id", "account_id", "name"),
        "members.csv": ("id", "name"),
        "team.csv": ("account_id", "member_id", "psu_roles"),
        "activities.csv": ("account_id", "contact_id", "member_id", "date"),
    }.items() for column in columns],
)  # fmt: skip
def test_a_missing_required_column_is_reported_on_line_1_by_name(
    file: str, column: str, tmp_path: Path
) -> None:
    lines = VALID[file].splitlines()
    index = lines[0].split(",").index(column)
    dropped = "".join(
        ",".join(cell for i, cell in enumerate(line.split(",")) if i != index) + "\n"
        for line in lines
    )

    result = read(folder_with(tmp_path, **{file.removesuffix(".csv"): dropped}))

    messages = result.at(file, 1)
    assert any(column in message and "missing" in message for message in messages), messages


def test_a_column_named_twice_is_reported_on_line_1(tmp_path: Path) -> None:
    result = read(folder_with(tmp_path, accounts="id,name,name\na1,Alfa,Alfa\na2,Bravo,B\n"))

    assert any("'name'" in message for message in result.at("accounts.csv", 1))


@pytest.mark.parametrize("file", ["accounts.csv", "revenue.csv"])
def test_a_missing_required_file_is_reported_by_name(file: str, tmp_path: Path) -> None:
    result = read(folder_with(tmp_path, **{file.removesuffix(".csv"): None}))

    assert any(Path(p.file).name == file and "missing" in p.message for p in result.problems), (
        result.problems
    )


def test_a_missing_folder_is_reported_once_by_its_path(tmp_path: Path) -> None:
    folder = tmp_path / "nowhere"

    result = read(folder)

    assert len(result.problems) == 1, result.problems
    assert str(folder) in str(result.problems[0])


@pytest.mark.parametrize("file", list(VALID))
def test_an_empty_file_is_reported(file: str, tmp_path: Path) -> None:
    result = read(folder_with(tmp_path, **{file.removesuffix(".csv"): ""}))

    assert any("empty" in message for message in result.at(file, 1)), result.problems


def test_a_row_with_too_many_cells_is_reported_on_its_line(tmp_path: Path) -> None:
    revenue = VALID["revenue.csv"] + "a1,2025-03-01,1,5,0.5,P1\n"

    result = read(folder_with(tmp_path, revenue=revenue))

    assert any("6" in message for message in result.at("revenue.csv", 4)), result.problems
    assert len(result.revenue) == 2


def test_a_latin1_byte_is_reported_on_its_line(tmp_path: Path) -> None:
    accounts = VALID["accounts.csv"].encode() + "a3,Caf\xe9 Claes,,\n".encode("latin-1")

    result = read(folder_with(tmp_path, accounts=accounts))

    messages = result.at("accounts.csv", 4)
    assert any("UTF-8" in m and "xe9" in m for m in messages), result.problems


def test_a_latin1_byte_deep_in_a_large_file_is_reported_on_its_line(tmp_path: Path) -> None:
    rows = [f"a1,2025-01-{1 + n % 28:02d},{n}.00,1.00,Product number {n}\n" for n in range(2000)]
    rows[1500] = "a1,2025-01-01,1.00,1.00,Caf\xe9\n"
    revenue = ("account_id,date,amount,margin,product\n" + "".join(rows)).encode("latin-1")

    result = read(folder_with(tmp_path, revenue=revenue))

    assert result.at("revenue.csv", 1502), result.problems


def test_a_nul_byte_is_reported_on_its_line(tmp_path: Path) -> None:
    accounts = VALID["accounts.csv"] + "a3,Kilo\x00Corp,,\n"

    result = read(folder_with(tmp_path, accounts=accounts))

    assert result.at("accounts.csv", 4), result.problems


def test_an_unterminated_quote_is_reported(tmp_path: Path) -> None:
    accounts = VALID["accounts.csv"] + 'a3,"Kilo Corp,,\n'

    result = read(folder_with(tmp_path, accounts=accounts))

    assert any(Path(p.file).name == "accounts.csv" and p.line >= 4 for p in result.problems), (
        result.problems
    )


def test_a_bad_row_after_a_quoted_multiline_cell_is_reported_on_its_physical_line(
    tmp_path: Path,
) -> None:
    accounts = 'id,name,integration_stage\na1,"Alfa\nLogistics",\na2,Bravo,partner\n'

    result = read(folder_with(tmp_path, accounts=accounts))

    assert result.accounts[0].name == "Alfa\nLogistics"
    assert result.at("accounts.csv", 4), result.problems


def test_a_duplicate_account_id_names_both_lines(tmp_path: Path) -> None:
    accounts = VALID["accounts.csv"] + "a1,Alfa again,,\n"

    result = read(folder_with(tmp_path, accounts=accounts))

    messages = result.at("accounts.csv", 4)
    assert any("a1" in m and "2" in m for m in messages), result.problems


def test_a_duplicate_contact_id_is_reported(tmp_path: Path) -> None:
    contacts = VALID["contacts.csv"] + "c1,a2,Ada again,,,,\n"

    result = read(folder_with(tmp_path, contacts=contacts))

    assert any("c1" in m for m in result.at("contacts.csv", 4)), result.problems


def test_the_error_message_shows_at_most_200_problems_and_counts_the_rest(tmp_path: Path) -> None:
    revenue = "account_id,date,amount\n" + "a1,2025-01-01,x\n" * 250

    result = read(folder_with(tmp_path, revenue=revenue))

    assert result.error is not None
    assert len(result.problems) == 250
    assert "50 more" in str(result.error)
