"""The CSV connector's write side: target columns in accounts.csv and tasks in tasks.csv, written
atomically, with every row nobody changed kept byte for byte. Uses folders in a temporary
directory.

Line endings: every record keeps its own (files with mixed endings stay mixed), a rewritten
record keeps the ending it had, records added to a file take the header's ending, a new file uses
``\\n``. A rewritten record is quoted minimally (so a needlessly quoted cell of that row loses its
quotes); a record that only gains cells at its end keeps its text and gets them appended.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crm_accounts.connectors.csv import CsvConnector, CsvSource
from crm_accounts.errors import (
    ConfigError,
    FatalConnectorError,
    InputDataError,
    SourceChangedError,
)
from crm_accounts.ports import FieldUpdate, TargetField, TaskClose, TaskDraft, TaskUpdate

BOM = b"\xef\xbb\xbf"
ACCOUNTS = (
    b"id,name,integration_stage,city\n"
    b'a1,"Acme",integrated,Delft\n'
    b'a2,"Initech, Ltd",,Gouda\r\n'
    b"a3,Umbrella,,\n"
)
REVENUE = b"account_id,date,amount\na1,2026-01-05,100\n"
TASKS_HEADER = b"id,key,account_id,member_id,contact_id,due_date,status,subject,description\n"


def make_folder(tmp_path: Path, accounts: bytes = ACCOUNTS, tasks: bytes | None = None) -> Path:
    folder = tmp_path / "source"
    folder.mkdir()
    (folder / "accounts.csv").write_bytes(accounts)
    (folder / "revenue.csv").write_bytes(REVENUE)
    if tasks is not None:
        (folder / "tasks.csv").write_bytes(tasks)
    return folder


def leftovers(folder: Path) -> list[str]:
    """Temporary files left in ``folder`` (the safe writer names them ``.<file>.*.tmp``)."""
    return sorted(p.name for p in folder.iterdir() if p.name.endswith((".tmp", ".partial")))


def accounts_bytes(folder: Path) -> bytes:
    return (folder / "accounts.csv").read_bytes()


def tasks_bytes(folder: Path) -> bytes:
    return (folder / "tasks.csv").read_bytes()


def targets(folder: Path, **fields: str) -> dict[str, dict[str, str]]:
    source = CsvSource(folder, fields or None)
    read = {r.account.id: dict(r.targets) for r in source.accounts()}
    source.close()
    return read


def draft(key: str, account_id: str = "a1", subject: str = "Meet", text: str = "") -> TaskDraft:
    return TaskDraft(key, account_id, "m1", "c1", date(2026, 12, 1), subject, text)


def replaces(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Record every ``os.replace`` (and still do it): the number of file rewrites."""
    calls: list[str] = []
    real = os.replace

    def spy(source: str | os.PathLike[str], target: str | os.PathLike[str]) -> None:
        calls.append(Path(target).name)
        real(source, target)

    monkeypatch.setattr(os, "replace", spy)
    return calls


# -- accounts.csv: columns and bytes -----------------------------------------------------------


def test_target_columns_are_added_at_the_end_and_every_other_byte_stays(tmp_path: Path) -> None:
    folder = make_folder(tmp_path)
    results = CsvConnector(folder).write_fields(
        [FieldUpdate("a3", {"rating_points": "7.5", "segment": "A"})]
    )
    assert [(r.ref, r.ok, r.crm_id) for r in results] == [("a3", True, "a3")]
    assert accounts_bytes(folder) == (
        b"id,name,integration_stage,city,kam_segment,kam_rating_points\n"
        b'a1,"Acme",integrated,Delft,,\n'
        b'a2,"Initech, Ltd",,Gouda,,\r\n'
        b"a3,Umbrella,,,A,7.5\n"
    )


def test_a_column_is_added_only_when_a_value_is_written_to_it(tmp_path: Path) -> None:
    folder = make_folder(tmp_path)
    connector = CsvConnector(folder)
    results = connector.write_fields(
        [
            FieldUpdate("a1", {"segment": None, "revenue": ""}),
            FieldUpdate("nope", {"open_gaps": "3"}),
            FieldUpdate("a2", {"Industry": "Retail", "computed_at": "2026-11-27"}),
        ]
    )
    assert [r.ok for r in results] == [True, False, False]
    assert results[1].error == "unknown account"
    assert results[2].error == "not a target field: Industry"
    assert accounts_bytes(folder) == ACCOUNTS
    assert leftovers(folder) == []


def test_a_changed_row_keeps_its_line_ending_and_is_quoted_minimally(tmp_path: Path) -> None:
    folder = make_folder(
        tmp_path,
        b'id,name,kam_segment,city\r\na1,"Acme",B,"Delft"\r\na2,"Initech, Ltd",C,"x\r\ny"\n',
    )
    CsvConnector(folder).write_fields(
        [FieldUpdate("a1", {"segment": "A"}), FieldUpdate("a2", {"segment": 'say "hi", ok'})]
    )
    assert accounts_bytes(folder) == (
        b"id,name,kam_segment,city\r\n"
        b"a1,Acme,A,Delft\r\n"
        b'a2,"Initech, Ltd","say ""hi"", ok","x\r\ny"\n'
    )
    assert targets(folder)["a2"] == {"segment": 'say "hi", ok'}


def test_mixed_line_endings_stay_as_they_are_row_by_row(tmp_path: Path) -> None:
    folder = make_folder(tmp_path, b"id,name\na1,Acme\r\na2,Globex\ra3,Initech\n\na4,Last")
    CsvConnector(folder).write_fields([FieldUpdate("a2", {"segment": "B"})])
    assert accounts_bytes(folder) == (
        b"id,name,kam_segment\na1,Acme,\r\na2,Globex,B\ra3,Initech,\n\na4,Last,"
    )
    assert targets(folder) == {"a1": {}, "a2": {"segment": "B"}, "a3": {}, "a4": {}}


def test_a_cell_spanning_lines_gets_the_new_cell_after_its_closing_quote(tmp_path: Path) -> None:
    folder = make_folder(tmp_path, b'id,name,note\na1,Acme,"two\nlines"\na2,Globex,\n')
    CsvConnector(folder).write_fields([FieldUpdate("a1", {"open_gaps": "2"})])
    assert accounts_bytes(folder) == (
        b'id,name,note,kam_open_gaps\na1,Acme,"two\nlines",2\na2,Globex,,\n'
    )


def test_a_short_row_is_padded_to_the_new_column(tmp_path: Path) -> None:
    folder = make_folder(tmp_path, b"id,name,city,tier\na1,Acme\na2,Globex,Delft,3\n")
    CsvConnector(folder).write_fields([FieldUpdate("a1", {"segment": "A"})])
    assert accounts_bytes(folder) == (
        b"id,name,city,tier,kam_segment\na1,Acme,,,A\na2,Globex,Delft,3,\n"
    )


def test_the_byte_order_mark_is_kept(tmp_path: Path) -> None:
    folder = make_folder(tmp_path, BOM + ACCOUNTS)
    CsvConnector(folder).write_fields([FieldUpdate("a1", {"segment": "A"})])
    written = accounts_bytes(folder)
    assert written.startswith(BOM + b"id,name,integration_stage,city,kam_segment\n")
    assert targets(folder)["a1"] == {"segment": "A"}


def test_writing_the_same_values_again_leaves_the_file_untouched(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = make_folder(tmp_path)
    update = FieldUpdate("a2", {"segment": "A", "revenue": "1200.50"})
    CsvConnector(folder).write_fields([update])
    first, stat = accounts_bytes(folder), (folder / "accounts.csv").stat()
    calls = replaces(monkeypatch)
    [result] = CsvConnector(folder).write_fields([update])
    assert result.ok
    assert accounts_bytes(folder) == first
    assert (folder / "accounts.csv").stat().st_mtime_ns == stat.st_mtime_ns
    assert calls == []
    assert leftovers(folder) == []


def test_none_clears_a_cell_and_the_column_stays(tmp_path: Path) -> None:
    folder = make_folder(tmp_path)
    connector = CsvConnector(folder)
    connector.write_fields([FieldUpdate("a1", {"segment": "A"})])
    connector.write_fields([FieldUpdate("a1", {"segment": None})])
    assert accounts_bytes(folder).splitlines()[0] == b"id,name,integration_stage,city,kam_segment"
    assert targets(folder)["a1"] == {}


def test_many_updates_are_one_rewrite(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = make_folder(tmp_path)
    calls = replaces(monkeypatch)
    updates = [
        FieldUpdate(a, {f.value: f"{a}-{f.value}"}) for a in ("a1", "a2", "a3") for f in TargetField
    ]
    results = CsvConnector(folder).write_fields(updates)
    assert all(r.ok for r in results)
    assert calls == ["accounts.csv"]
    assert targets(folder)["a2"] == {f.value: f"a2-{f.value}" for f in TargetField}


def test_a_failed_replace_leaves_the_original_file_and_no_partial(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = make_folder(tmp_path)

    def fail(source: object, target: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", fail)
    with pytest.raises(FatalConnectorError, match=r"accounts\.csv.*No space left"):
        CsvConnector(folder).write_fields([FieldUpdate("a1", {"segment": "A"})])
    assert accounts_bytes(folder) == ACCOUNTS
    assert sorted(p.name for p in folder.iterdir()) == ["accounts.csv", "revenue.csv"]


def test_the_file_mode_survives_a_rewrite(tmp_path: Path) -> None:
    folder = make_folder(tmp_path)
    (folder / "accounts.csv").chmod(0o640)
    CsvConnector(folder).write_fields([FieldUpdate("a1", {"segment": "A"})])
    assert (folder / "accounts.csv").stat().st_mode & 0o777 == 0o640


def test_configured_column_names_are_written_and_read_as_targets(tmp_path: Path) -> None:
    folder = make_folder(tmp_path, b"id,name,Segment KAM\na1,Acme,B\na2,Globex,\n")
    fields = {"segment": "Segment KAM", "rating_position": "Rank"}
    CsvConnector(folder, fields).write_fields([FieldUpdate("a2", {"segment": "A"})])
    CsvConnector(folder, fields).write_fields([FieldUpdate("a1", {"rating_position": "1"})])
    assert accounts_bytes(folder) == b"id,name,Segment KAM,Rank\na1,Acme,B,1\na2,Globex,A,\n"
    source = CsvSource(folder, fields)
    records = {r.account.id: r for r in source.accounts()}
    assert dict(records["a1"].targets) == {"segment": "B", "rating_position": "1"}
    assert records["a1"].account.attributes == {}
    assert source.attribute_names() == frozenset()
    default = CsvSource(folder)  # with the default names they are plain attributes
    assert next(iter(default.accounts())).account.attributes == {"Segment KAM": "B", "Rank": "1"}


def test_target_columns_are_not_attributes(tmp_path: Path) -> None:
    folder = make_folder(tmp_path, b"id,name,fit,kam_segment,kam_revenue\na1,Acme,8,A,\n")
    source = CsvSource(folder)
    [record] = source.accounts()
    assert record.account.attributes == {"fit": "8"}
    assert dict(record.targets) == {"segment": "A"}
    assert source.attribute_names() == {"fit"}


@pytest.mark.parametrize(
    "fields",
    [{"segmnet": "x"}, {"segment": "name"}, {"segment": "kam_revenue"}, {"segment": " "}],
)
def test_a_bad_column_mapping_is_a_configuration_error(fields: dict[str, str]) -> None:
    with pytest.raises(ConfigError, match=r"csv\.fields"):
        CsvConnector(Path("unused"), fields)


def test_a_nul_character_is_refused_for_that_record_only(tmp_path: Path) -> None:
    folder = make_folder(tmp_path)
    results = CsvConnector(folder).write_fields(
        [FieldUpdate("a1", {"segment": "A\x00"}), FieldUpdate("a2", {"segment": "B"})]
    )
    assert [r.ok for r in results] == [False, True]
    assert results[0].error is not None
    assert "NUL" in results[0].error
    assert targets(folder) == {"a1": {}, "a2": {"segment": "B"}, "a3": {}}


def test_a_row_with_too_many_cells_is_refused_and_left_as_it_is(tmp_path: Path) -> None:
    folder = make_folder(tmp_path, b"id,name\na1,Acme,extra\na2,Globex\n")
    results = CsvConnector(folder).write_fields(
        [FieldUpdate("a1", {"segment": "A"}), FieldUpdate("a2", {"segment": "B"})]
    )
    assert [r.ok for r in results] == [False, True]
    assert results[0].error is not None
    assert "accounts.csv:2" in results[0].error
    assert accounts_bytes(folder) == b"id,name,kam_segment\na1,Acme,extra,\na2,Globex,B\n"


@pytest.mark.parametrize(
    ("content", "line", "message"),
    [
        (b"", 1, "the file is empty"),
        (b"name,city\nAcme,Delft\n", 1, "missing required column(s) id"),
        (b'id,name\na1,"Acme\na2,Globex\n', 3, "malformed CSV"),
        (b"id,name\na1,Acme\na2,Glob\xffex\n", 3, "not UTF-8"),
        (b"id,name\na1,Ac\x00me\n", 2, "NUL byte"),
    ],
)
def test_an_unreadable_accounts_file_is_an_input_error_and_nothing_is_written(
    tmp_path: Path, content: bytes, line: int, message: str
) -> None:
    folder = make_folder(tmp_path, content)
    with pytest.raises(InputDataError) as caught:
        CsvConnector(folder).write_fields([FieldUpdate("a1", {"segment": "A"})])
    [problem] = caught.value.problems
    assert (Path(problem.file).name, problem.line) == ("accounts.csv", line)
    assert message in problem.message
    assert accounts_bytes(folder) == content
    assert leftovers(folder) == []


_TEXT = st.text(st.characters(codec="utf-8", exclude_characters="\x00"))
_UPDATE = st.builds(
    FieldUpdate,
    st.sampled_from(["a1", "a2", "a3"]),
    st.dictionaries(st.sampled_from([f.value for f in TargetField]), st.none() | _TEXT),
)


@settings(max_examples=60, deadline=None)
@given(batches=st.lists(st.lists(_UPDATE, max_size=4), min_size=1, max_size=4))
def test_random_values_written_are_read_back_equal(batches: list[list[FieldUpdate]]) -> None:
    expected: dict[str, dict[str, str]] = {"a1": {}, "a2": {}, "a3": {}}
    with tempfile.TemporaryDirectory() as tmp:
        folder = make_folder(Path(tmp))
        for batch in batches:
            results = CsvConnector(folder).write_fields(batch)
            assert all(r.ok for r in results)
            for update in batch:
                for name, value in update.values.items():
                    if value:
                        expected[update.account_id][name] = value
                    else:
                        expected[update.account_id].pop(name, None)
            source = CsvSource(folder)
            records = list(source.accounts())
            source.close()
            assert {r.account.id: dict(r.targets) for r in records} == expected
            assert [r.account.name for r in records] == ["Acme", "Initech, Ltd", "Umbrella"]
            assert [r.account.attributes for r in records] == [
                {"city": "Delft"}, {"city": "Gouda"}, {},
            ]  # fmt: skip


# -- tasks.csv ---------------------------------------------------------------------------------


def test_tasks_csv_is_created_on_the_first_task(tmp_path: Path) -> None:
    folder = make_folder(tmp_path)
    connector = CsvConnector(folder)
    assert (
        connector.update_tasks([TaskUpdate("T000001", "k", date(2026, 12, 1), "", "")])[0].ok
        is False
    )
    assert not (folder / "tasks.csv").exists()
    [result] = connector.create_tasks([draft("k1", subject="Call")])
    assert (result.ok, result.crm_id) == (True, "T000001")
    assert tasks_bytes(folder) == TASKS_HEADER + b"T000001,k1,a1,m1,c1,2026-12-01,Open,Call,\n"


@pytest.mark.parametrize(
    "text",
    [
        'Meet "Ann", then lunch',
        "line one\nline two",
        "windows\r\nbreak and a lone\rreturn",
        '"',
        ",",
        " padded ",
        "\ufeffbom inside",
        "",
    ],
)
def test_task_text_with_commas_quotes_and_line_breaks_round_trips(
    tmp_path: Path, text: str
) -> None:
    folder = make_folder(tmp_path)
    connector = CsvConnector(folder)
    [created] = connector.create_tasks([draft("k,1", subject=text, text=text + "\n" + text)])
    [task] = CsvSource(folder).open_tasks()
    assert (task.id, task.key, task.subject, task.description) == (
        created.crm_id, "k,1", text, text + "\n" + text,
    )  # fmt: skip
    assert created.crm_id is not None
    connector.update_tasks([TaskUpdate(created.crm_id, "k,1", date(2027, 1, 2), text, text)])
    [task] = connector.open_tasks()
    assert (task.due_date, task.subject, task.description) == (date(2027, 1, 2), text, text)
    connector.close()


FOREIGN = (
    b"id,key,account_id,member_id,contact_id,due_date,status,subject,description,owner\r\n"
    b'X-1,,a1,m1,c1,2026-12-01,Open,"Their ""own""",\'quoted\' "",Eve\r\n'
    b'T000012,,a2,m2,c2,not a date,Open,"multi\nline",,Eve\n'
    b"T000007,k7,a1,m1,c1,2026-11-01,Open,Ours,old,Mara\r\n"
    b"T000003,k3,a2,m1,c1,2026-10-01,Completed,Done,,Mara\r\n"
    b"X-2,,a3,m1,c1,2026-12-01,Open,too,many,cells,here\r\n"
)


def test_new_ids_continue_after_the_highest_existing_one(tmp_path: Path) -> None:
    folder = make_folder(tmp_path, tasks=FOREIGN)
    results = CsvConnector(folder).create_tasks([draft("k1"), draft("k2", "nope"), draft("k3")])
    assert [(r.ok, r.crm_id) for r in results] == [
        (True, "T000013"),
        (False, None),
        (True, "T000014"),
    ]
    assert results[1].error == "unknown account"
    [again] = CsvConnector(folder).create_tasks([draft("k4")])
    assert again.crm_id == "T000015"


def test_tasks_of_others_are_not_read_nor_changed_byte_for_byte(tmp_path: Path) -> None:
    folder = make_folder(tmp_path, tasks=FOREIGN)
    connector = CsvConnector(folder)
    assert [t.id for t in connector.open_tasks()] == ["T000007"]
    refused = connector.update_tasks(
        [
            TaskUpdate("X-1", "k", date(2027, 1, 1), "x", "y"),
            TaskUpdate("T000003", "k3", date(2027, 1, 1), "x", "y"),
        ]
    ) + connector.close_tasks(
        [TaskClose("T000012", "k", "Deferred"), TaskClose("X-2", "k", "Deferred")]
    )
    assert [r.error for r in refused] == ["no open task of ours"] * 4
    assert tasks_bytes(folder) == FOREIGN
    created = connector.create_tasks([draft("k1")])
    connector.update_tasks([TaskUpdate("T000007", "k7", date(2027, 1, 1), "New, subject", "new")])
    connector.close_tasks([TaskClose(str(created[0].crm_id), "k1", "Deferred")])
    lines = tasks_bytes(folder).splitlines(keepends=True)
    assert lines[:4] == FOREIGN.splitlines(keepends=True)[:4]  # header and the rows of others
    assert lines[4] == b'T000007,k7,a1,m1,c1,2027-01-01,Open,"New, subject",new,Mara\r\n'
    assert lines[5:7] == FOREIGN.splitlines(keepends=True)[5:7]
    assert lines[7] == b"T000013,k1,a1,m1,c1,2026-12-01,Deferred,Meet,,\r\n"
    connector.close()  # the bad date is someone else's: not a problem of ours


def test_open_is_any_case_and_closed_tasks_are_not_returned(tmp_path: Path) -> None:
    rows = b"".join(
        b"T%06d,k%d,a1,m1,c1,2026-12-01,%s,,\n" % (n, n, status)
        for n, status in enumerate([b"Open", b"OPEN", b" open ", b"Completed", b"", b"Deferred"], 1)
    )
    folder = make_folder(tmp_path, tasks=TASKS_HEADER + rows)
    connector = CsvConnector(folder)
    assert [t.key for t in connector.open_tasks()] == ["k1", "k2", "k3"]
    results = connector.close_tasks(
        [TaskClose("T000002", "k2", "Done"), TaskClose("T000004", "k4", "Done")]
    )
    assert [r.ok for r in results] == [True, False]
    assert [t.key for t in connector.open_tasks()] == ["k1", "k3"]


def test_a_task_closed_in_one_call_is_refused_the_second_time(tmp_path: Path) -> None:
    folder = make_folder(tmp_path)
    connector = CsvConnector(folder)
    [created] = connector.create_tasks([draft("k1")])
    task_id = str(created.crm_id)
    results = connector.close_tasks(
        [TaskClose(task_id, "k1", "Deferred"), TaskClose(task_id, "k1", "Done")]
    )
    assert [r.ok for r in results] == [True, False]
    assert tasks_bytes(folder).endswith(b",Deferred,Meet,\n")


def test_updates_of_one_task_in_one_call_apply_in_order(tmp_path: Path) -> None:
    folder = make_folder(tmp_path)
    connector = CsvConnector(folder)
    [created] = connector.create_tasks([draft("k1")])
    task_id = str(created.crm_id)
    results = connector.update_tasks(
        [
            TaskUpdate(task_id, "k1", date(2027, 1, 1), "one", "1"),
            TaskUpdate(task_id, "k1", date(2027, 1, 2), "two", "2"),
        ]
    )
    assert [r.ok for r in results] == [True, True]
    [task] = connector.open_tasks()
    assert (task.due_date, task.subject, task.description) == (date(2027, 1, 2), "two", "2")


def test_each_task_call_rewrites_tasks_csv_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = make_folder(tmp_path)
    connector = CsvConnector(folder)
    calls = replaces(monkeypatch)
    created = connector.create_tasks([draft(f"k{n}") for n in range(5)])
    ids = [str(r.crm_id) for r in created]
    connector.update_tasks([TaskUpdate(i, "k", date(2027, 1, 1), "x", "y") for i in ids])
    connector.update_tasks([TaskUpdate(i, "k", date(2027, 1, 1), "x", "y") for i in ids])  # no-op
    connector.close_tasks([TaskClose(i, "k", "Deferred") for i in ids])
    assert calls == ["tasks.csv"] * 3
    assert leftovers(folder) == []


def test_a_task_is_appended_after_a_last_line_without_line_ending(tmp_path: Path) -> None:
    folder = make_folder(tmp_path, tasks=TASKS_HEADER.replace(b"\n", b"\r\n") + b"X-1,,a1,,,,,,")
    CsvConnector(folder).create_tasks([draft("k1")])
    assert tasks_bytes(folder).endswith(
        b"X-1,,a1,,,,,,\r\nT000001,k1,a1,m1,c1,2026-12-01,Open,Meet,\r\n"
    )


def test_a_bad_row_of_ours_is_reported_with_its_line_and_value(tmp_path: Path) -> None:
    tasks = TASKS_HEADER + (
        b"T000001,k1,a1,m1,c1,2026-12-01,Open,ok,\n"
        b"T000002,k2,a1,m1,c1,01/12/2026,Open,bad date,\n"
        b",k3,a1,m1,c1,2026-12-01,Open,no id,\n"
        b"T000001,k4,a1,m1,c1,2026-12-01,Open,again,\n"
        b"T000005,k5,a1,m1,c1,2026-12-01,Open,too,many,cells\n"
    )
    folder = make_folder(tmp_path, tasks=tasks)
    source = CsvSource(folder)
    assert [t.key for t in source.open_tasks()] == ["k1"]
    with pytest.raises(InputDataError) as caught:
        source.close()
    found = [(Path(p.file).name, p.line, p.message) for p in caught.value.problems]
    assert found == [
        ("tasks.csv", 3, "column 'due_date': value '01/12/2026': expected a date YYYY-MM-DD"),
        ("tasks.csv", 4, "column 'id': a value is required"),
        ("tasks.csv", 5, "duplicate task id 'T000001' (first on line 2)"),
        ("tasks.csv", 6, "10 cells, but the header has 9"),
    ]


def test_a_tasks_file_without_our_columns_is_an_input_error(tmp_path: Path) -> None:
    folder = make_folder(tmp_path, tasks=b"id,subject\nX-1,theirs\n")
    connector = CsvConnector(folder)
    assert list(connector.open_tasks()) == []
    with pytest.raises(InputDataError, match=r"tasks\.csv:1: missing required column"):
        connector.close()
    with pytest.raises(InputDataError, match="missing required column"):
        connector.create_tasks([draft("k1")])
    assert tasks_bytes(folder) == b"id,subject\nX-1,theirs\n"


def test_a_draft_without_key_or_with_a_nul_character_is_refused(tmp_path: Path) -> None:
    folder = make_folder(tmp_path)
    results = CsvConnector(folder).create_tasks(
        [draft(" "), draft("k2", text="a\x00b"), draft("k3")]
    )
    assert [(r.ok, r.crm_id) for r in results] == [(False, None), (False, None), (True, "T000001")]
    assert all(r.error for r in results[:2])


# -- safe rewrites: edits by people, planted links ------------------------------------------------


def test_an_edit_saved_after_the_sync_read_accounts_is_kept_and_the_rewrite_refused(
    tmp_path: Path,
) -> None:
    folder = make_folder(tmp_path)
    connector = CsvConnector(folder)
    assert len(list(connector.accounts())) == 3
    edited = ACCOUNTS.replace(b"Delft", b"Leiden")  # a person saves the file meanwhile
    (folder / "accounts.csv").write_bytes(edited)
    os.utime(folder / "accounts.csv", ns=(1, 1))  # even with an mtime from the past

    with pytest.raises(SourceChangedError, match=r"accounts\.csv changed since this run read it"):
        connector.write_fields([FieldUpdate("a1", {"segment": "A"})])

    assert accounts_bytes(folder) == edited
    assert leftovers(folder) == []


def test_an_edit_saved_while_the_rewrite_runs_is_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = make_folder(tmp_path)
    connector = CsvConnector(folder)
    real = os.fsync
    edited = ACCOUNTS + b"a4,Late,,Ede\n"

    def save_meanwhile(fd: int) -> None:
        real(fd)
        if not accounts_bytes(folder).endswith(b"Ede\n"):
            (folder / "accounts.csv").write_bytes(edited)

    monkeypatch.setattr(os, "fsync", save_meanwhile)
    with pytest.raises(SourceChangedError, match="while this run rewrote it"):
        connector.write_fields([FieldUpdate("a1", {"segment": "A"})])
    assert accounts_bytes(folder) == edited
    assert leftovers(folder) == []


def test_the_files_own_rewrites_do_not_count_as_changes_by_others(tmp_path: Path) -> None:
    folder = make_folder(tmp_path)
    connector = CsvConnector(folder)
    list(connector.accounts())
    list(connector.open_tasks())
    connector.write_fields([FieldUpdate("a1", {"segment": "A"})])
    connector.write_fields([FieldUpdate("a2", {"segment": "B"})])
    [created] = connector.create_tasks([draft("kam:1")])
    assert created.ok
    assert connector.close_tasks([TaskClose(created.crm_id or "", "kam:1", "Deferred")])[0].ok
    assert targets(folder)["a2"]["segment"] == "B"


def test_a_task_file_created_by_someone_after_the_read_is_not_overwritten(tmp_path: Path) -> None:
    folder = make_folder(tmp_path)
    connector = CsvConnector(folder)
    list(connector.open_tasks())  # no tasks.csv yet
    theirs = TASKS_HEADER + b"X-1,,a1,m1,c1,2026-12-01,open,Theirs,\n"
    (folder / "tasks.csv").write_bytes(theirs)
    with pytest.raises(SourceChangedError):
        connector.create_tasks([draft("kam:1")])
    assert tasks_bytes(folder) == theirs


@pytest.mark.parametrize("planted", ["accounts.csv.partial", ".accounts.csv.tmp"])
def test_a_link_planted_beside_accounts_is_never_followed(tmp_path: Path, planted: str) -> None:
    folder = make_folder(tmp_path)
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    (folder / planted).symlink_to(victim)
    CsvConnector(folder).write_fields([FieldUpdate("a1", {"segment": "A"})])
    assert victim.read_text() == "precious"
    assert targets(folder)["a1"]["segment"] == "A"


def test_a_temporary_file_of_a_killed_writer_is_removed_by_the_next_rewrite(
    tmp_path: Path,
) -> None:
    folder = make_folder(tmp_path)
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait(timeout=60)
    stale = folder / f".accounts.csv.{dead.pid}-0123456789ab.tmp"
    stale.write_text("half a file")
    CsvConnector(folder).write_fields([FieldUpdate("a1", {"segment": "A"})])
    assert leftovers(folder) == []
