"""Bad input on the command line (CONTRACTS.md): exit code 2, a message naming the file and line
(or the config key) and the offending value, nothing written, never a traceback.

The example tests run the real command in a subprocess on a copy of the ``small`` fixture folder.
The property tests at the end call :func:`crm_accounts.cli.main` in-process (a subprocess per
generated example would be far too slow) and assert that whatever the input, the command ends
with exit code 0 or 2 and never with a traceback.
"""

from __future__ import annotations

import contextlib
import csv
import io
import re
import shutil
import subprocess
import sys
import tempfile
import traceback
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path

import pytest
from hypothesis import Phase, given, settings
from hypothesis import strategies as st

from crm_accounts import cli as cli_module

from .conftest import Cli

FIXTURE = Path(__file__).parent / "fixtures" / "small"
AS_OF = "2025-11-29"
FILES = (
    "accounts.csv", "revenue.csv", "contacts.csv", "members.csv", "team.csv", "activities.csv",
)  # fmt: skip
REQUIRED = {
    "accounts.csv": ("id", "name"),
    "revenue.csv": ("account_id", "date", "amount"),
    "contacts.csv": ("id", "account_id", "name"),
    "members.csv": ("id", "name"),
    "team.csv": ("account_id", "member_id", "psu_roles"),
    "activities.csv": ("account_id", "contact_id", "member_id", "date"),
}
RESULT_FILES = ("segments.csv", "ratings.csv", "gaps.csv", "plan.csv", "summary.json")
BOM = b"\xef\xbb\xbf"

Edit = Callable[[Path], None]
Fragment = str | re.Pattern[str]


# -- editing a copy of the fixture folder ------------------------------------------------------


def copy_source(tmp_path: Path) -> Path:
    folder = tmp_path / "source"
    shutil.copytree(FIXTURE / "source", folder)
    return folder


def read_rows(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.reader(handle))


def write_rows(path: Path, rows: list[list[str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows(rows)


def set_cell(file: str, line: int, column: str, value: str) -> Edit:
    """Set one cell; ``line`` is the physical line (the header is line 1)."""

    def edit(folder: Path) -> None:
        rows = read_rows(folder / file)
        rows[line - 1][rows[0].index(column)] = value
        write_rows(folder / file, rows)

    return edit


def drop_column(file: str, column: str) -> Edit:
    def edit(folder: Path) -> None:
        rows = read_rows(folder / file)
        index = rows[0].index(column)
        write_rows(folder / file, [row[:index] + row[index + 1 :] for row in rows])

    return edit


def add_column(file: str, column: str, value: Callable[[int], str]) -> Edit:
    """Append a column; ``value(line)`` gives the cell of each data line."""

    def edit(folder: Path) -> None:
        rows = read_rows(folder / file)
        rows[0].append(column)
        for line, row in enumerate(rows[1:], start=2):
            row.append(value(line))
        write_rows(folder / file, rows)

    return edit


def append_bytes(file: str, data: bytes) -> Edit:
    def edit(folder: Path) -> None:
        path = folder / file
        content = path.read_bytes()
        if content and not content.endswith(b"\n"):
            content += b"\n"
        path.write_bytes(content + data)

    return edit


def replace_line(file: str, line: int, data: bytes) -> Edit:
    def edit(folder: Path) -> None:
        path = folder / file
        lines = path.read_bytes().split(b"\n")
        lines[line - 1] = data
        path.write_bytes(b"\n".join(lines))

    return edit


def write_bytes(file: str, data: bytes) -> Edit:
    def edit(folder: Path) -> None:
        (folder / file).write_bytes(data)

    return edit


def delete(file: str) -> Edit:
    def edit(folder: Path) -> None:
        (folder / file).unlink()

    return edit


def both(*edits: Edit) -> Edit:
    def edit(folder: Path) -> None:
        for one in edits:
            one(folder)

    return edit


def write_config(tmp_path: Path, body: str, source: Path = FIXTURE / "source") -> Path:
    path = tmp_path / "config.toml"
    path.write_text(f"[source]\npath = '{source}'\n\n{body}", encoding="utf-8")
    return path


# -- running and judging -----------------------------------------------------------------------


def plan(cli: Cli, source: Path, out: Path, *extra: str | Path) -> subprocess.CompletedProcess[str]:
    return cli("plan", "--source", source, "--as-of", AS_OF, "--export", out, *extra)


def _named(fragment: Fragment, line: str) -> bool:
    if isinstance(fragment, re.Pattern):
        return fragment.search(line) is not None
    return fragment.lower() in line.lower()


def assert_nothing_written(out: Path) -> None:
    assert not out.exists() or not any(out.iterdir()), sorted(p.name for p in out.iterdir())


# A stderr line that starts a new message: "error: ...", "/path/file.csv:12: ...", a usage error
# box or the "... and N more" tail; any other line continues the one before (console wrapping).
_MESSAGE_START = re.compile(r"^(error:|usage:|╭|\.\.\. |/|\S*\.(csv|toml)(:\d+)?: )", re.I)


def messages(stderr: str) -> list[str]:
    """The messages on stderr, with lines wrapped by the console joined again."""
    joined: list[str] = []
    for line in stderr.splitlines():
        if joined and not _MESSAGE_START.match(line):
            joined[-1] += " " + line.strip()
        else:
            joined.append(line)
    return joined


def assert_refused(
    run: subprocess.CompletedProcess[str],
    out: Path | None,
    where: str,
    *fragments: Fragment,
    unwrapped: bool = False,
) -> None:
    """Exit 2, no traceback, nothing on stdout or in ``out``, and a message on stderr that names
    ``where`` (``file:line:`` or a key) together with every fragment (the offending value).

    With ``unwrapped`` the message must be on one physical line, as log readers expect.
    """
    output = run.stdout + run.stderr
    assert "Traceback" not in output, output
    assert run.returncode == 2, output
    assert "error" in run.stderr.lower(), run.stderr
    assert run.stdout.strip() == "", run.stdout
    candidates = run.stderr.splitlines() if unwrapped else messages(run.stderr)
    lines = [line for line in candidates if where in line]
    assert lines, f"no message on stderr names {where!r}:\n{run.stderr}"
    for fragment in fragments:
        assert any(_named(fragment, line) for line in lines), (
            f"the line naming {where!r} does not name {fragment!r}:\n{run.stderr}"
        )
    if out is not None:
        assert_nothing_written(out)


def assert_accepted(run: subprocess.CompletedProcess[str]) -> None:
    output = run.stdout + run.stderr
    assert "Traceback" not in output, output
    assert run.returncode == 0, output


def exported(out: Path) -> dict[str, str]:
    return {name: (out / name).read_text(encoding="utf-8") for name in RESULT_FILES}


@pytest.fixture(scope="module")
def baseline(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The tables of the untouched ``small`` folder read with ``--source`` (default config)."""
    out = tmp_path_factory.mktemp("baseline") / "out"
    run = subprocess.run(
        [sys.executable, "-m", "crm_accounts", "plan", "--source", str(FIXTURE / "source"),
         "--as-of", AS_OF, "--export", str(out)],
        capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    return exported(out)


# -- CSV input errors --------------------------------------------------------------------------

MISSING_COLUMNS = [
    pytest.param(
        drop_column(file, column), f"{file}:1:", re.compile(rf"\b{column}\b"),
        id=f"{file}-without-{column}",
    )
    for file, columns in REQUIRED.items()
    for column in columns[-1:]  # one per file here; tests/unit checks every required column
]  # fmt: skip

CELL_ERRORS = [
    # missing required values
    pytest.param(set_cell("accounts.csv", 3, "name", ""), "accounts.csv:3:", "name",
                 id="account-without-name"),
    pytest.param(set_cell("accounts.csv", 3, "id", ""), "accounts.csv:3:", "id",
                 id="account-without-id"),
    pytest.param(set_cell("revenue.csv", 2, "amount", ""), "revenue.csv:2:", "amount",
                 id="revenue-without-amount"),
    pytest.param(set_cell("revenue.csv", 2, "date", " "), "revenue.csv:2:", "date",
                 id="revenue-with-blank-date"),
    pytest.param(set_cell("contacts.csv", 2, "id", ""), "contacts.csv:2:", "id",
                 id="contact-without-id"),
    pytest.param(set_cell("members.csv", 3, "name", ""), "members.csv:3:", "name",
                 id="member-without-name"),
    pytest.param(set_cell("team.csv", 2, "member_id", ""), "team.csv:2:", "member_id",
                 id="team-row-without-member"),
    pytest.param(set_cell("activities.csv", 2, "contact_id", ""), "activities.csv:2:",
                 "contact_id", id="activity-without-contact"),
    # dates
    *[
        pytest.param(set_cell("revenue.csv", 2, "date", bad), "revenue.csv:2:", bad,
                     id=f"revenue-date-{bad}")
        for bad in ("2026-13-01", "27/11/2026", "20261127", "2025-02-29", "2025-1-5")
    ],
    pytest.param(set_cell("activities.csv", 4, "date", "2026-13-01"), "activities.csv:4:",
                 "2026-13-01", id="activity-date-month-13"),
    # numbers
    *[
        pytest.param(set_cell("revenue.csv", 2, "amount", bad), "revenue.csv:2:", bad,
                     id=f"amount-{bad}")
        for bad in ("1,5", "abc", "NaN", "1e3", "Infinity", "1_000")
    ],
    pytest.param(set_cell("revenue.csv", 5, "margin", "abc"), "revenue.csv:5:", "abc",
                 id="margin-abc"),
    # roles and flags
    pytest.param(set_cell("contacts.csv", 2, "dmu_roles", "decider;boss"), "contacts.csv:2:",
                 "boss", id="unknown-dmu-role"),
    pytest.param(set_cell("team.csv", 3, "psu_roles", "sales_rep;ceo"), "team.csv:3:", "ceo",
                 id="unknown-psu-role"),
    pytest.param(set_cell("contacts.csv", 5, "gatekeeper", "maybe"), "contacts.csv:5:", "maybe",
                 id="gatekeeper-maybe"),
    pytest.param(set_cell("team.csv", 2, "pioneer", "si"), "team.csv:2:", "si",
                 id="pioneer-si"),
    # references to unknown accounts
    *[
        pytest.param(set_cell(file, 2, "account_id", "zz9"), f"{file}:2:", "zz9",
                     id=f"unknown-account-in-{file}")
        for file in ("revenue.csv", "contacts.csv", "team.csv", "activities.csv")
    ],
    pytest.param(set_cell("team.csv", 4, "member_id", "m99"), "team.csv:4:", "m99",
                 id="unknown-member-in-team"),
    # accounts
    pytest.param(append_bytes("accounts.csv", b"a1,Second Alfa,,,\n"), "accounts.csv:11:", "a1",
                 id="duplicate-account-id"),
    pytest.param(set_cell("accounts.csv", 2, "integration_stage", "partner"), "accounts.csv:2:",
                 "partner", id="unknown-integration-stage"),
    # capacity
    *[
        pytest.param(set_cell("members.csv", 4, "capacity_per_week", bad), "members.csv:4:", bad,
                     id=f"capacity-{bad}")
        for bad in ("-1", "1.5", "ten")
    ],
]  # fmt: skip

FILE_ERRORS = [
    pytest.param(append_bytes("revenue.csv", b"a1,2025-01-01,10.00,1.00,P1,surplus\n"),
                 "revenue.csv:20:", re.compile(r"\b6\b"), id="row-with-too-many-cells"),
    pytest.param(append_bytes("accounts.csv", b"a11,Kilo,,,,\n"), "accounts.csv:11:",
                 re.compile(r"\b6\b"), id="account-row-with-too-many-cells"),
    pytest.param(delete("accounts.csv"), "accounts.csv", "missing", id="no-accounts-file"),
    pytest.param(delete("revenue.csv"), "revenue.csv", "missing", id="no-revenue-file"),
    pytest.param(replace_line("accounts.csv", 3, b"a10,Bravo Caf\xe9 Foods,collaborative,9,45"),
                 "accounts.csv:3:", "xe9", id="latin-1-accounts"),
    pytest.param(replace_line("contacts.csv", 7, "c6,a10,Finn Fran\xe7ois,,Operations lead,"
                              "user;influencer,".encode("latin-1")),
                 "contacts.csv:7:", "xe7", id="latin-1-contacts"),
    pytest.param(write_bytes("accounts.csv", b""), "accounts.csv", "empty", id="empty-accounts"),
    pytest.param(write_bytes("revenue.csv", b""), "revenue.csv", "empty", id="empty-revenue"),
    pytest.param(write_bytes("contacts.csv", b""), "contacts.csv", "empty",
                 id="empty-optional-contacts"),
    pytest.param(append_bytes("accounts.csv", b"a11,Kilo\x00Corp,,,\n"), "accounts.csv:11:",
                 re.compile(r"nul|\\x00|\\0", re.IGNORECASE), id="nul-byte-in-a-name"),
    pytest.param(append_bytes("accounts.csv", b'a11,"Kilo Corp,,,\n'), "accounts.csv:11:",
                 re.compile(r"quot|csv|end", re.IGNORECASE), id="unterminated-quote"),
]  # fmt: skip


@pytest.mark.parametrize(("edit", "where", "fragment"), MISSING_COLUMNS)
def test_a_missing_required_column_is_refused_naming_the_file_and_the_column(
    edit: Edit, where: str, fragment: Fragment, cli: Cli, tmp_path: Path
) -> None:
    source = copy_source(tmp_path)
    edit(source)
    out = tmp_path / "out"

    assert_refused(plan(cli, source, out), out, where, fragment, "missing")


@pytest.mark.parametrize(("edit", "where", "fragment"), CELL_ERRORS)
def test_a_bad_cell_is_refused_naming_file_line_and_value(
    edit: Edit, where: str, fragment: Fragment, cli: Cli, tmp_path: Path
) -> None:
    source = copy_source(tmp_path)
    edit(source)
    out = tmp_path / "out"

    assert_refused(plan(cli, source, out), out, where, fragment)


@pytest.mark.parametrize(("edit", "where", "fragment"), FILE_ERRORS)
def test_a_broken_file_is_refused_naming_the_file_and_line(
    edit: Edit, where: str, fragment: Fragment, cli: Cli, tmp_path: Path
) -> None:
    source = copy_source(tmp_path)
    edit(source)
    out = tmp_path / "out"

    assert_refused(plan(cli, source, out), out, where, fragment)


def test_an_existing_export_folder_stays_empty_when_the_input_is_bad(
    cli: Cli, tmp_path: Path
) -> None:
    source = copy_source(tmp_path)
    set_cell("revenue.csv", 2, "amount", "abc")(source)
    out = tmp_path / "out"
    out.mkdir()

    run = plan(cli, source, out)

    assert_refused(run, out, "revenue.csv:2:", "abc")
    assert list(out.iterdir()) == []


def test_a_missing_source_folder_is_refused_naming_the_folder(cli: Cli, tmp_path: Path) -> None:
    out = tmp_path / "out"

    run = plan(cli, tmp_path / "no-such-folder", out)

    assert_refused(run, out, "no-such-folder")


def test_every_problem_in_every_file_is_listed_at_once(cli: Cli, tmp_path: Path) -> None:
    source = copy_source(tmp_path)
    both(
        set_cell("accounts.csv", 7, "integration_stage", "partner"),
        set_cell("revenue.csv", 2, "date", "27/11/2026"),
        set_cell("revenue.csv", 9, "amount", "1,5"),
        set_cell("contacts.csv", 3, "dmu_roles", "boss"),
        set_cell("members.csv", 4, "capacity_per_week", "ten"),
        set_cell("team.csv", 5, "account_id", "zz9"),
        set_cell("activities.csv", 6, "date", "2026-13-01"),
    )(source)
    out = tmp_path / "out"

    run = plan(cli, source, out, "--json")

    expected = {
        "accounts.csv:7:": "partner",
        "revenue.csv:2:": "27/11/2026",
        "revenue.csv:9:": "1,5",
        "contacts.csv:3:": "boss",
        "members.csv:4:": "ten",
        "team.csv:5:": "zz9",
        "activities.csv:6:": "2026-13-01",
    }
    for where, value in expected.items():
        assert_refused(run, out, where, value)


def test_a_long_problem_stays_on_one_line_with_its_whole_value(cli: Cli, tmp_path: Path) -> None:
    """Schedulers grep logs line by line: ``file:line: message`` must not be wrapped."""
    source = copy_source(tmp_path)
    long_id = "unknown-account-" + "x" * 120
    set_cell("revenue.csv", 2, "account_id", long_id)(source)
    out = tmp_path / "out"

    assert_refused(plan(cli, source, out), out, "revenue.csv:2:", long_id, unwrapped=True)


def test_an_amount_too_large_for_exact_arithmetic_is_refused_or_computed_never_a_crash(
    cli: Cli, tmp_path: Path
) -> None:
    source = copy_source(tmp_path)
    set_cell("revenue.csv", 3, "amount", "1" + "0" * 70 + ".00")(source)
    out = tmp_path / "out"

    run = plan(cli, source, out)

    assert "Traceback" not in run.stdout + run.stderr, run.stderr
    if run.returncode == 2:
        assert_refused(run, out, "revenue.csv:3:")
    else:
        assert run.returncode == 0, run.stderr


# -- CSV input that the contract accepts -------------------------------------------------------


def test_a_utf8_bom_at_the_start_of_every_file_is_accepted(
    cli: Cli, tmp_path: Path, baseline: dict[str, str]
) -> None:
    source = copy_source(tmp_path)
    for file in FILES:
        (source / file).write_bytes(BOM + (source / file).read_bytes())
    out = tmp_path / "out"

    run = plan(cli, source, out)

    assert_accepted(run)
    assert exported(out) == baseline


def test_booleans_in_any_case_with_spaces_or_empty_are_accepted(
    cli: Cli, tmp_path: Path, baseline: dict[str, str]
) -> None:
    source = copy_source(tmp_path)
    both(
        set_cell("contacts.csv", 5, "gatekeeper", ""),  # was "no"
        set_cell("contacts.csv", 12, "gatekeeper", " yes "),  # was "yes"
        set_cell("contacts.csv", 13, "gatekeeper", "TRUE"),
        set_cell("contacts.csv", 14, "gatekeeper", " False"),  # was "false"
        set_cell("contacts.csv", 16, "gatekeeper", "NO"),  # was "0"
        set_cell("team.csv", 2, "pioneer", " Yes "),  # was "yes"
        set_cell("team.csv", 14, "pioneer", "1"),  # was "true"
        set_cell("team.csv", 3, "pioneer", "0"),  # was empty
    )(source)
    out = tmp_path / "out"

    run = plan(cli, source, out)

    assert_accepted(run)
    assert exported(out) == baseline


def test_role_values_in_mixed_case_with_spaces_are_accepted(
    cli: Cli, tmp_path: Path, baseline: dict[str, str]
) -> None:
    source = copy_source(tmp_path)
    both(
        set_cell("contacts.csv", 2, "dmu_roles", " Decider ; BUYER "),
        set_cell("contacts.csv", 3, "dmu_roles", "INFLUENCER;;  Advisor ;"),
        set_cell("team.csv", 2, "psu_roles", " Account_Manager ; EXECUTIVE "),
        set_cell("team.csv", 4, "psu_roles", "Support;DELIVERY; administration "),
    )(source)
    out = tmp_path / "out"

    run = plan(cli, source, out)

    assert_accepted(run)
    assert exported(out) == baseline


def test_an_extra_accounts_column_is_kept_as_an_attribute_usable_as_a_criterion(
    cli: Cli, tmp_path: Path
) -> None:
    source = copy_source(tmp_path)
    scores = {2: "3", 3: "1", 4: "2", 5: "9"}  # a1, a10, a9, a2: a2 scores best
    add_column("accounts.csv", "tier_score", lambda line: scores.get(line, ""))(source)
    config = write_config(
        tmp_path, '[[rating.criteria]]\nkey = "tier"\nsource = "tier_score"\n', source
    )
    out = tmp_path / "out"

    run = cli("plan", "--config", config, "--as-of", AS_OF, "--export", out)

    assert_accepted(run)
    with (out / "ratings.csv").open(encoding="utf-8", newline="") as handle:
        ratings = {row["account_id"]: row for row in csv.DictReader(handle)}
    assert ratings["a2"]["rank_tier"] in {"1", "1.0", "1.00"}
    assert ratings["a1"]["rank_tier"] in {"2", "2.0", "2.00"}


def test_extra_columns_in_the_other_files_are_ignored(
    cli: Cli, tmp_path: Path, baseline: dict[str, str]
) -> None:
    source = copy_source(tmp_path)
    for file in FILES[1:]:
        add_column(file, "note", lambda line: f"note, with a comma, on line {line}")(source)
    out = tmp_path / "out"

    run = plan(cli, source, out)

    assert_accepted(run)
    assert exported(out) == baseline


def test_short_rows_are_padded_with_empty_cells(
    cli: Cli, tmp_path: Path, baseline: dict[str, str]
) -> None:
    source = copy_source(tmp_path)
    shortened = 0
    for file in FILES:
        path = source / file
        lines = path.read_text(encoding="utf-8").splitlines()
        short = [lines[0]] + [line.rstrip(",") for line in lines[1:]]
        shortened += sum(a != b for a, b in zip(lines, short, strict=True))
        path.write_text("\n".join(short) + "\n", encoding="utf-8")
    assert shortened > 20  # the fixture has many rows ending in empty cells
    out = tmp_path / "out"

    run = plan(cli, source, out)

    assert_accepted(run)
    assert exported(out) == baseline


def test_blank_lines_and_crlf_line_endings_are_accepted(
    cli: Cli, tmp_path: Path, baseline: dict[str, str]
) -> None:
    source = copy_source(tmp_path)
    for file in FILES:
        path = source / file
        path.write_bytes(path.read_bytes().replace(b"\n", b"\r\n") + b"\r\n")
    out = tmp_path / "out"

    run = plan(cli, source, out)

    assert_accepted(run)
    assert exported(out) == baseline


# -- configuration and usage errors ------------------------------------------------------------

CONFIG_ERRORS = [
    pytest.param("reprot = true\n", "reprot", "true", id="unknown-top-level-key"),
    pytest.param('[segments]\nrul = "customer_share"\n', "segments.rul", "customer_share",
                 id="unknown-key-in-segments"),
    pytest.param("[plan]\nhorizon = 3\n", "plan.horizon", "3", id="unknown-key-in-plan"),
    pytest.param('[[rating.criteria]]\nkey = "fit"\nsorce = "revenue"\n',
                 "rating.criteria[0].sorce", "revenue", id="unknown-key-in-a-criterion"),
    pytest.param('[period]\nmonths = "twelve"\n', "period.months", "twelve", id="wrong-type"),
    pytest.param("[segments]\na = 0.9\nb = 0.5\n", "segments", "0.9", id="a-greater-than-b"),
    pytest.param("[period]\nmonths = 0\n", "period.months", "0", id="months-zero"),
    pytest.param("[segments]\nb = 1.5\n", "segments.b", "1.5", id="b-above-one"),
    pytest.param("[plan]\nhorizon_days = -1\n", "plan.horizon_days", "-1",
                 id="negative-horizon"),
    pytest.param("".join(f'[[rating.criteria]]\nkey = "k{i}"\nsource = "revenue"\n'
                         for i in range(6)),
                 "rating.criteria", re.compile(r"\b(5|five)\b"), id="six-criteria"),
    pytest.param('[[rating.criteria]]\nkey = "fit"\nsource = "revenue"\n'
                 '[[rating.criteria]]\nkey = "fit"\nsource = "margin"\n',
                 "rating.criteria", "fit", id="duplicate-criterion-keys"),
    pytest.param('[rating]\naccounts = ["a1", "a2", "a1"]\n', "rating.accounts", "a1",
                 id="repeated-rating-accounts"),
    pytest.param('[segments]\nrule = "pareto"\n', "segments.rule", "pareto", id="unknown-rule"),
    pytest.param("[whitespace]\nmin_peer_share = 1.5\n", "whitespace.min_peer_share", "1.5",
                 id="peer-share-above-one"),
    pytest.param('[roles.title_words]\n"hoofd inkoop" = ["boss"]\n', "roles.title_words",
                 "boss", id="title-word-with-unknown-role"),
    pytest.param('[roles]\nuse_suggestions = "yes"\n', "roles.use_suggestions", "yes",
                 id="use-suggestions-not-a-boolean"),
    pytest.param("[whitespace]\nmin_peer_share = -0.1\n", "whitespace.min_peer_share", "-0.1",
                 id="peer-share-below-zero"),
    # checked against the data at run time
    pytest.param('[rating]\naccounts = ["a1", "zz9"]\n', "rating.accounts", "zz9",
                 id="unknown-rating-account"),
    pytest.param('[[rating.criteria]]\nkey = "colour"\nsource = "colour"\n',
                 "rating.criteria[0].source", "colour", id="criterion-source-unknown"),
    pytest.param('[whitespace]\npeer_attribute = "industry"\n', "whitespace.peer_attribute",
                 "industry", id="peer-attribute-unknown"),
    # values that pass the field checks but leave the calendar (year 1..9999)
    pytest.param("[plan]\nlookback_days = 1000000000\n", "plan.lookback_days", "1000000000",
                 id="lookback-beyond-the-calendar"),
    pytest.param("[plan]\nhorizon_days = 100000000\n", "plan.horizon_days", "100000000",
                 id="horizon-beyond-the-calendar"),
    pytest.param('[[plan.rules]]\nsegment = "A"\npsu = "account_manager"\ndmu = "decider"\n'
                 "every_days = 100000000\n", "every_days", "100000000",
                 id="cadence-beyond-the-calendar"),
]  # fmt: skip


@pytest.mark.parametrize(("body", "where", "fragment"), CONFIG_ERRORS)
def test_a_bad_config_value_is_refused_naming_the_key_and_the_value(
    body: str, where: str, fragment: Fragment, cli: Cli, tmp_path: Path
) -> None:
    config = write_config(tmp_path, body)
    out = tmp_path / "out"

    run = cli("plan", "--config", config, "--as-of", AS_OF, "--export", out)

    assert_refused(run, out, where, fragment)


def test_bad_toml_syntax_is_refused_naming_the_file(cli: Cli, tmp_path: Path) -> None:
    config = write_config(tmp_path, "[segments\nrule = revenue_share\n")
    out = tmp_path / "out"

    run = cli("plan", "--config", config, "--export", out)

    assert_refused(run, out, "config.toml", "toml")


def test_a_config_file_that_is_not_utf8_is_refused_naming_the_file(
    cli: Cli, tmp_path: Path
) -> None:
    config = tmp_path / "config.toml"
    config.write_bytes(b'[plan]\nclosed_status = "Report\xe9"\n')

    run = cli("plan", "--config", config, "--as-of", AS_OF)

    assert_refused(run, None, "config.toml")


def test_a_missing_config_file_is_refused_naming_the_path(cli: Cli, tmp_path: Path) -> None:
    out = tmp_path / "out"

    run = cli("plan", "--config", tmp_path / "nope.toml", "--export", out)

    assert_refused(run, out, "nope.toml")


def test_a_config_path_that_is_a_folder_is_refused_without_a_traceback(
    cli: Cli, tmp_path: Path
) -> None:
    run = cli("plan", "--config", tmp_path, "--as-of", AS_OF)

    assert_refused(run, None, str(tmp_path))


@pytest.mark.parametrize(
    "value", ["2026-13-01", "27/11/2026", "20261127", "2025-02-29", "tomorrow", " 2025-11-29"]
)
def test_a_bad_as_of_is_refused_naming_the_option_and_the_value(
    value: str, cli: Cli, tmp_path: Path
) -> None:
    out = tmp_path / "out"

    run = cli("plan", "--source", FIXTURE / "source", "--as-of", value, "--export", out)

    assert_refused(run, out, "--as-of", value)


@pytest.mark.parametrize("value", ["0001-01-01", "9999-12-31"])
def test_an_as_of_at_the_edge_of_the_calendar_is_refused_without_a_traceback(
    value: str, cli: Cli, tmp_path: Path
) -> None:
    out = tmp_path / "out"

    run = cli("plan", "--source", FIXTURE / "source", "--as-of", value, "--export", out)

    assert_refused(run, out, value)


def test_neither_source_nor_config_is_refused_naming_both_options(cli: Cli, tmp_path: Path) -> None:
    run = cli("plan", "--as-of", AS_OF, cwd=tmp_path)

    assert_refused(run, None, "--source", "--config")


def test_an_unknown_option_is_refused_with_exit_code_2_and_no_traceback(cli: Cli) -> None:
    run = cli("plan", "--source", FIXTURE / "source", "--bogus")

    assert_refused(run, None, "--bogus")


def test_an_export_path_that_is_an_existing_file_is_refused_and_left_alone(
    cli: Cli, tmp_path: Path
) -> None:
    target = tmp_path / "results"
    target.write_text("keep me\n", encoding="utf-8")

    run = plan(cli, FIXTURE / "source", target)

    assert_refused(run, None, "results")
    assert target.read_text(encoding="utf-8") == "keep me\n"


def test_a_source_path_too_long_for_the_file_system_is_refused_without_a_traceback(
    cli: Cli, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    name = "s" * 300

    run = plan(cli, tmp_path / name, out)

    assert_refused(run, out, "sss")


def test_a_relative_source_path_is_read_from_the_config_files_folder(
    cli: Cli, tmp_path: Path, baseline: dict[str, str]
) -> None:
    copy_source(tmp_path / "project")
    config = tmp_path / "project" / "config.toml"
    config.write_text('[source]\npath = "source"\n', encoding="utf-8")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()

    run = cli("plan", "--config", config, "--as-of", AS_OF, "--export", "out", cwd=elsewhere)

    assert_accepted(run)
    assert exported(elsewhere / "out") == baseline


# -- properties: whatever the input, exit 0 or 2 and never a traceback -------------------------

SOURCE_FILES = {file: (FIXTURE / "source" / file).read_bytes() for file in FILES}
SOURCE_ROWS = {file: read_rows(FIXTURE / "source" / file) for file in FILES}
# Deterministic, and without the shrink phase: every example runs the whole command, and shrinking
# a failure costs a minute; the assertion message carries the traceback, which is what matters.
PROPERTY = settings(
    max_examples=80,
    deadline=None,
    database=None,
    derandomize=True,
    phases=(Phase.explicit, Phase.generate),
    report_multiple_bugs=False,
)

TRICKY_CELLS = (
    "", " ", "a1", "zz9", "m1", "c1", "2026-13-01", "27/11/2026", "20261127", "2025-02-29",
    "1,5", "abc", "NaN", "sNaN", "1e3", "Infinity", "-0", "1.", ".5", "-1", "1.5", "decider;boss",
    ";", " Decider ; BUYER ", "TRUE", " yes ", "maybe", "partner", "\x00", '"', '""', "\r", "\n",
    "\ufeff", "é", "9" * 80, "0." + "0" * 80 + "1", "-" + "9" * 70 + ".99",
)  # fmt: skip
CELLS = st.one_of(
    st.sampled_from(TRICKY_CELLS),
    st.text(max_size=30),
    st.from_regex(r"-?[0-9]{1,80}(\.[0-9]{0,80})?", fullmatch=True),
    st.dates().map(date.isoformat),
)
ENCODINGS = (
    "utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be", "utf-32", "latin-1", "cp1252",
    "cp437", "cp500", "shift_jis", "utf-7", "mac-roman",
)  # fmt: skip


def run_main(*args: str) -> tuple[object, str, str]:
    """``crm-accounts ARGS`` in this process: ``(exit code or 'traceback', stdout, stderr)``."""
    stdout, stderr = io.StringIO(), io.StringIO()
    saved = sys.argv
    sys.argv = ["crm-accounts", *args]
    code: object = 0
    try:
        with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
            try:
                cli_module.main()
            except SystemExit as exc:
                code = 0 if exc.code is None else exc.code
            except Exception:
                code = "traceback"
                stderr.write(traceback.format_exc())
    finally:
        sys.argv = saved
    return code, stdout.getvalue(), stderr.getvalue()


def assert_clean_end(outcome: tuple[object, str, str], out: Path | None = None) -> None:
    code, stdout, stderr = outcome
    assert "Traceback" not in stdout + stderr, stderr
    assert code in (0, 2), f"exit code {code!r}\n{stderr}"
    if code == 2:
        message = stderr.strip()
        assert message.lower().startswith("error:"), stderr
        assert len(message) > len("error:"), stderr
        if out is not None:
            assert_nothing_written(out)


@contextlib.contextmanager
def source_folder(files: dict[str, bytes]) -> Iterator[tuple[Path, Path]]:
    """A temporary source folder holding ``files``, and an export path beside it."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "source"
        folder.mkdir()
        for name, data in files.items():
            (folder / name).write_bytes(data)
        yield folder, Path(tmp) / "out"


def plan_in_process(folder: Path, out: Path) -> tuple[object, str, str]:
    return run_main("plan", "--source", str(folder), "--as-of", AS_OF, "--export", str(out))


def _csv_bytes(rows: list[list[str]], well_formed: bool) -> bytes:
    if well_formed:
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator="\n").writerows(rows)
        text = buffer.getvalue()
    else:  # raw join: quotes, commas and newlines in cells break the CSV structure
        text = "".join(",".join(row) + "\n" for row in rows)
    return text.encode("utf-8")


@PROPERTY
@given(
    edits=st.lists(
        st.tuples(st.sampled_from(FILES), st.integers(0, 100), st.integers(0, 100), CELLS),
        min_size=1,
        max_size=4,
    ),
    well_formed=st.booleans(),
)
def test_random_cell_values_end_with_exit_0_or_2_and_never_a_traceback(
    edits: list[tuple[str, int, int, str]], well_formed: bool
) -> None:
    rows = {file: [list(row) for row in SOURCE_ROWS[file]] for file in FILES}
    for file, row_index, column_index, value in edits:
        row = rows[file][row_index % len(rows[file])]
        row[column_index % len(row)] = value
    files = {file: _csv_bytes(rows[file], well_formed) for file in FILES}

    with source_folder(files) as (folder, out):
        assert_clean_end(plan_in_process(folder, out), out)


@PROPERTY
@given(
    file=st.sampled_from(FILES),
    position=st.floats(0, 1),
    data=st.one_of(st.binary(min_size=1, max_size=12), st.sampled_from([b"\x00", b"\xff", b"\r"])),
)
def test_random_bytes_spliced_into_a_file_end_with_exit_0_or_2_and_never_a_traceback(
    file: str, position: float, data: bytes
) -> None:
    content = SOURCE_FILES[file]
    at = int(position * len(content))
    files = dict(SOURCE_FILES, **{file: content[:at] + data + content[at:]})

    with source_folder(files) as (folder, out):
        assert_clean_end(plan_in_process(folder, out), out)


@PROPERTY
@given(
    file=st.sampled_from(FILES), drop=st.sets(st.integers(0, 9), min_size=1), whole=st.booleans()
)
def test_random_header_deletions_end_with_exit_0_or_2_and_never_a_traceback(
    file: str, drop: set[int], whole: bool
) -> None:
    rows = [list(row) for row in SOURCE_ROWS[file]]
    width = len(rows[0])
    gone = {index % width for index in drop}
    if whole:  # the column disappears; otherwise only its name does, and the rows are too long
        rows = [[cell for i, cell in enumerate(row) if i not in gone] for row in rows]
    else:
        rows[0] = [name for i, name in enumerate(rows[0]) if i not in gone]
    files = dict(SOURCE_FILES, **{file: _csv_bytes(rows, well_formed=True)})

    with source_folder(files) as (folder, out):
        assert_clean_end(plan_in_process(folder, out), out)


@PROPERTY
@given(
    encoded=st.lists(
        st.tuples(st.sampled_from(FILES), st.sampled_from(ENCODINGS)), min_size=1, max_size=6
    )
)
def test_random_encodings_end_with_exit_0_or_2_and_never_a_traceback(
    encoded: list[tuple[str, str]],
) -> None:
    files = dict(SOURCE_FILES)
    for file, encoding in encoded:
        text = SOURCE_FILES[file].decode("utf-8").replace("Alfa", "Älfa Café 東京")
        files[file] = text.encode(encoding, errors="replace")

    with source_folder(files) as (folder, out):
        assert_clean_end(plan_in_process(folder, out), out)


DIGITS = "0123456789"
NUMBERS = st.one_of(
    st.builds(
        lambda sign, whole, fraction: sign + whole + fraction,
        st.sampled_from(["", "-", "+"]),
        st.integers(1, 90).flatmap(lambda n: st.text(DIGITS, min_size=n, max_size=n)),
        st.one_of(st.just(""), st.text(DIGITS, max_size=90).map(lambda f: "." + f)),
    ),
    st.decimals(allow_nan=False, allow_infinity=False).map(lambda d: format(d, "f")),
)


@PROPERTY
@given(
    amounts=st.lists(
        st.tuples(st.integers(2, 19), st.sampled_from(["amount", "margin"]), NUMBERS),
        min_size=1,
        max_size=6,
    )
)
def test_random_amounts_and_margins_end_with_exit_0_or_2_and_never_a_traceback(
    amounts: list[tuple[int, str, str]],
) -> None:
    """Money is an exact decimal of any size and scale (CONTRACTS.md)."""
    rows = [list(row) for row in SOURCE_ROWS["revenue.csv"]]
    for line, column, value in amounts:
        rows[line - 1][rows[0].index(column)] = value
    files = dict(SOURCE_FILES, **{"revenue.csv": _csv_bytes(rows, well_formed=True)})

    with source_folder(files) as (folder, out):
        assert_clean_end(plan_in_process(folder, out), out)


@PROPERTY
@given(file=st.sampled_from(FILES), keep=st.floats(0, 1))
def test_truncated_files_end_with_exit_0_or_2_and_never_a_traceback(file: str, keep: float) -> None:
    content = SOURCE_FILES[file]
    files = dict(SOURCE_FILES, **{file: content[: int(keep * len(content))]})

    with source_folder(files) as (folder, out):
        assert_clean_end(plan_in_process(folder, out), out)


def _toml_string(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    escaped = "".join(
        f"\\u{ord(ch):04x}" if ord(ch) < 0x20 or ord(ch) == 0x7F else ch for ch in escaped
    )
    return f'"{escaped}"'


INTEGERS = st.one_of(
    st.integers(-3, 400),
    st.integers(-(2**63), 2**63 - 1),
    st.sampled_from([10**6, 10**8, 10**9, 2**31, 2**63 - 1]),
).map(str)
TOML_SCALARS = st.one_of(
    INTEGERS,
    st.decimals(min_value=-2, max_value=2, places=3).map(lambda d: format(d, "f")),
    st.booleans().map(lambda b: "true" if b else "false"),
    st.text(max_size=15).map(_toml_string),
    st.sampled_from([
        '"customer_share"', '" Revenue_Share "', '"higher"', '"LOWER"', '"revenue"', '"margin"',
        '"strategic_fit"', '"payment_days"', '"a1"', '"zz9"', '"A"', '"account_manager"',
        '"decider"', '"csv"', '"hubspot"', "0.8", "0.95", "1e3", "inf", "nan", "1979-05-27",
        "0", "1", "365",
    ]),
)  # fmt: skip
TOML_VALUES = st.one_of(
    TOML_SCALARS, st.lists(TOML_SCALARS, max_size=4).map(lambda xs: "[" + ", ".join(xs) + "]")
)


def _choice(*values: str) -> st.SearchStrategy[str]:
    return st.sampled_from([_toml_string(value) for value in values])


def _number(low: int, high: int | None = None) -> st.SearchStrategy[str]:
    """A whole number the schema allows; without ``high`` sometimes a huge one."""
    if high is not None:
        return st.integers(low, high).map(str)
    huge = st.sampled_from([10**6, 10**8, 10**9, 2**63 - 1])
    return st.one_of(st.integers(low, 400), huge).map(str)


# Values the schema accepts, so that many documents get past validation and reach the method.
VALID_VALUES: dict[str, st.SearchStrategy[str]] = {
    "months": _number(1, 120),
    "rule": _choice("revenue_share", " Customer_Share "),
    "a": st.decimals("0.05", "0.6", places=2).map(lambda d: format(d, "f")),
    "b": st.decimals("0.6", "1", places=2).map(lambda d: format(d, "f")),
    "top": _number(1),
    "accounts": st.lists(_choice("a1", "a10", "a9", "a2", "a3", "a7"), unique=True).map(
        lambda xs: "[" + ", ".join(xs) + "]"
    ),
    "lookback_days": _number(1),
    "horizon_days": _number(1),
    "capacity_per_week": _number(0),
    "closed_status": _choice("Deferred", "Later"),
    "label": _choice("Fit", "Revenue"),
    "source": _choice("revenue", "margin", "products_per_year", "strategic_fit", "payment_days"),
    "better": _choice("higher", "LOWER"),
    "segment": _choice("A", "b", "C"),
    "psu": _choice("account_manager", " Support ", "delivery", "executive"),
    "dmu": _choice("decider", "USER", "buyer", "supporter"),
    "every_days": _number(1),
}
SECTIONS = {
    "period": ["months"],
    "segments": ["rule", "a", "b"],
    "rating": ["top", "accounts"],
    "plan": ["lookback_days", "horizon_days", "capacity_per_week", "closed_status"],
}
TABLE_ARRAYS = {
    "rating.criteria": (["label", "source", "better"], 5),
    "plan.rules": (["segment", "psu", "dmu", "every_days"], 8),
}


@st.composite
def config_documents(draw: st.DrawFn) -> str:
    """TOML shaped like the config file: mostly valid values, now and then a wild one or an
    unknown key, so that documents reach both the validation and the method."""

    def wild() -> bool:
        return draw(st.integers(0, 15)) == 0

    def assignment(key: str) -> str:
        values = TOML_VALUES if wild() else VALID_VALUES.get(key, TOML_VALUES)
        return f"{key} = {draw(values)}"

    lines = [f"[source]\npath = '{FIXTURE / 'source'}'"]
    for section, keys in SECTIONS.items():
        if draw(st.booleans()):
            lines.append(f"[{section}]")
            chosen = draw(st.lists(st.sampled_from(keys), unique=True))
            lines.extend(assignment(key) for key in chosen + (["bogus"] if wild() else []))
    for table, (keys, most) in TABLE_ARRAYS.items():
        for index in range(draw(st.integers(0, most + 1 if wild() else most))):
            lines.append(f"[[{table}]]")
            if table == "rating.criteria":
                lines.append(f'key = "k{index}"' if not wild() else assignment("key"))
                chosen = draw(st.lists(st.sampled_from(keys), unique=True, min_size=1))
                lines.extend(assignment(key) for key in sorted({"source", *chosen}))
            else:
                lines.extend(assignment(key) for key in keys)
    return "\n".join(lines) + "\n"


def _plan_with_config(text: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        config = Path(tmp) / "config.toml"
        config.write_text(text, encoding="utf-8")
        out = Path(tmp) / "out"
        outcome = run_main("plan", "--config", str(config), "--as-of", AS_OF, "--export", str(out))
        assert_clean_end(outcome, out)


@PROPERTY
@given(text=st.text(max_size=200))
def test_random_toml_text_ends_with_exit_0_or_2_and_never_a_traceback(text: str) -> None:
    _plan_with_config(text)


@PROPERTY
@given(document=config_documents())
def test_random_config_documents_end_with_exit_0_or_2_and_never_a_traceback(
    document: str,
) -> None:
    _plan_with_config(document)


@PROPERTY
@given(
    as_of=st.one_of(
        st.dates().map(date.isoformat),
        # the first and the last year of the calendar: periods and horizons leave it
        st.dates(max_value=date(1, 12, 31)).map(date.isoformat),
        st.dates(min_value=date(9999, 1, 1)).map(date.isoformat),
        st.text(max_size=12),
    )
)
def test_any_as_of_value_ends_with_exit_0_or_2_and_never_a_traceback(as_of: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "out"
        outcome = run_main(
            "plan", "--source", str(FIXTURE / "source"), f"--as-of={as_of}", "--export", str(out)
        )
        assert_clean_end(outcome, out)
