"""The CSV connector: a source folder as defined in docs/formats.md. Reads files.

Each file is read twice at most. The fast pass (:mod:`.scan`) reads it with polars as columns of
text and checks every cell at once; when it accepts the file, the records (or, for revenue lines
and activities, a frame the domain aggregates) come from those columns. When it flags anything,
the exact reader (:mod:`.files`, the methods named ``_exact_*``) reads the file row by row,
records every bad row as a problem with its ``file:line`` and skips it. :meth:`CsvSource.close`
raises one :class:`InputDataError` listing every problem of the folder; the services call it
before they compute anything that could be written, so bad input never yields a partial result.

The target fields the product writes back live in accounts.csv columns (``fields`` maps each
:class:`~crm_accounts.ports.TargetField` to its column, ``kam_<field>`` by default): they are read
as :attr:`AccountRecord.targets`, not as attributes. The product's tasks live in ``tasks.csv``
(see :mod:`.tasks`).
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Iterator, Mapping
from datetime import date
from pathlib import Path

import polars as pl
from pydantic import ValidationError

from crm_accounts.config import DEFAULT_TARGET_FIELDS, CsvSection
from crm_accounts.domain.frames import (
    ENGINE_DECIMAL,
    AccountFrame,
    ActivityFrame,
    ContactFrame,
    RevenueFrame,
    TeamFrame,
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
from crm_accounts.errors import ConfigError, InputDataError
from crm_accounts.ports import AccountRecord, AccountTable, TaskRecord
from crm_accounts.safefile import FileIdentity, file_identity

from .activities import activity_rows, exact_activities
from .cells import (
    parse_bool,
    parse_capacity,
    parse_date,
    parse_decimal,
    parse_dmu_roles,
    parse_psu_roles,
    parse_stage,
)
from .checks import known_cell as _known
from .checks import parsed_cell as _parsed
from .checks import present_cell as _present
from .checks import required_cell as _required_cell
from .files import CsvFile, Problems
from .scan import (
    DATE,
    checked,
    flagged,
    is_date,
    mapped,
    scan,
    scan_lazily,
    translated,
    visible,
)
from .tasks import TASKS_FILE, read_open_tasks

__all__ = ["ACCOUNT_COLUMNS", "CsvSource"]

#: Columns of accounts.csv with a meaning of their own; any other column is an attribute.
ACCOUNT_COLUMNS = ("id", "name", "integration_stage")
_NO_DMU: frozenset[DmuRole] = frozenset()
_NO_PSU: frozenset[PsuRole] = frozenset()
#: Role keys as the contact and team frames hold them.
_KEYS = pl.List(pl.String)


class CsvSource:
    """A folder of CSV files; implements the :class:`~crm_accounts.ports.Source` port."""

    def __init__(self, folder: Path, fields: Mapping[str, str] | None = None) -> None:
        """Read ``folder``; ``fields`` maps target fields to accounts.csv columns.

        ``fields`` is merged over the defaults (``kam_<field>``), as ``[csv] fields`` in the
        configuration file is.

        Raises:
            ConfigError: ``fields`` names an unknown target field, repeats a column or uses one
                of the source's own columns.
        """
        self.folder = folder
        self.fields = _target_columns(fields)
        self.problems = Problems()
        self._folder_ok = False
        try:
            self._folder_ok = folder.is_dir()
            if not self._folder_ok:
                self.problems.add(str(folder), 0, "the source folder does not exist")
        except OSError as exc:
            self.problems.add(str(folder), 0, f"cannot open the folder: {exc.strerror or exc}")
        #: account ids of accounts.csv, member ids of members.csv (``None``: not read yet)
        self._account_ids: set[str] | None = None
        self._member_ids: set[str] | None = None
        #: the account ids as a column, when the fast pass read accounts.csv
        self._account_column: pl.Series | None = None
        self._attribute_names: frozenset[str] = frozenset()
        #: accounts.csv and tasks.csv as this run read them (``None``: absent), by file name;
        #: the write side refuses to replace a file that changed since.
        self.read_identities: dict[str, FileIdentity | None] = {}

    def _note_identity(self, name: str) -> None:
        try:
            self.read_identities[name] = file_identity(self.folder / name)
        except OSError:  # reported when the file is read
            self.read_identities.pop(name, None)

    def _file(self, name: str, *required: str) -> CsvFile:
        return CsvFile(self.folder / name, required, self.problems)

    def _required(self, csv_file: CsvFile) -> bool:
        if not self._folder_ok:
            return False  # reported once, in __init__
        if not csv_file.exists():
            csv_file.problem(0, "required file is missing from the source folder")
            return False
        return True

    def _scan(self, file: CsvFile, checks: Mapping[str, pl.Expr]) -> pl.DataFrame | None:
        """The file as columns of text when the fast pass accepts every row, else ``None``."""
        frame = scan(file.path, file.required)
        if frame is None:
            return None
        present = {name: check for name, check in checks.items() if name in frame.columns}
        return None if flagged(frame, present) else frame

    def _known(self, column: str, ids: set[str] | None) -> pl.Expr:
        check = visible(column)
        if ids is None:
            return check
        column_of_ids = self._account_column if ids is self._account_ids else None
        if column_of_ids is None:
            column_of_ids = pl.Series(list(ids), dtype=pl.String)
        return check & pl.col(column).is_in(column_of_ids.implode())

    # -- accounts -----------------------------------------------------------------------------

    def accounts(self) -> Iterable[AccountRecord]:
        file = self._file("accounts.csv", "id", "name")
        self._note_identity("accounts.csv")  # before reading: a change meanwhile is noticed
        self._account_ids = set()
        self._account_column = None
        if not self._required(file):
            return ()
        frame = self._scan(file, {"id": visible("id"), "name": visible("name")})
        stages = (
            translated(frame, "integration_stage", parse_stage, _stage_key, None, pl.String)
            if frame is not None
            else None
        )
        if frame is None or stages is None or frame["id"].is_duplicated().any():
            return self._exact_accounts(file)
        target_columns = set(self.fields.values())
        attributes = tuple(
            name
            for name in frame.columns
            if name not in ACCOUNT_COLUMNS and name not in target_columns
        )
        self._account_ids = set(frame["id"].to_list())
        self._account_column = frame["id"]
        if frame.height:
            self._attribute_names = frozenset(attributes)
        targets = [
            _optional(frame, column).alias(target)
            for target, column in self.fields.items()
            if column in frame.columns
        ]
        accounts = frame.select(
            "id", "name", stages.alias("integration_stage"),
            *(_optional(frame, name) for name in attributes),
        )  # fmt: skip
        return AccountTable(AccountFrame(accounts, attributes), frame.select("id", *targets))

    def _exact_accounts(self, file: CsvFile) -> Iterator[AccountRecord]:
        seen: dict[str, int] = {}
        known = self._account_ids
        assert known is not None
        target_columns = set(self.fields.values())
        for line, row in file.rows():
            columns = file.columns
            attributes = [
                (name, index)
                for index, name in enumerate(file.header)
                if name not in ACCOUNT_COLUMNS and name not in target_columns
            ]
            self._attribute_names = frozenset(name for name, _ in attributes)
            account_id, name = row[columns["id"]], row[columns["name"]]
            # An account refused for a bad cell is still in the file: rows that refer to it
            # elsewhere are not "unknown" (one problem, reported once).
            if account_id:
                known.add(account_id)
            ok = _present(file, line, "id", account_id) & _present(file, line, "name", name)
            ok &= _first_time(file, line, "account", account_id, seen)
            stage, stage_ok = _parsed(file, line, row, "integration_stage", parse_stage, None)
            if not (ok and stage_ok):
                continue
            values = {name: row[index] for name, index in attributes if row[index]}
            account = Account(account_id, name, stage, values)
            found = {
                target: row[columns[column]]
                for target, column in self.fields.items()
                if column in columns and row[columns[column]]
            }
            yield AccountRecord(account, found) if found else AccountRecord(account)

    def attribute_names(self) -> frozenset[str]:
        self._known_accounts()
        return self._attribute_names

    def _known_accounts(self) -> set[str]:
        if self._account_ids is None:
            records = self.accounts()
            if not isinstance(records, AccountTable):  # the exact reader: read to the end
                for _ in records:
                    pass
        assert self._account_ids is not None
        return self._account_ids

    # -- revenue ------------------------------------------------------------------------------

    def revenue_lines(self, period: Period) -> Iterable[RevenueLine]:
        """Every valid line (the domain applies the period); each line is checked."""
        file = self._file("revenue.csv", "account_id", "date", "amount")
        if not self._required(file):
            return ()
        known = self._known_accounts()
        lazy = scan_lazily(file.path, file.required)
        if lazy is None:
            return self._exact_revenue(file, known)
        names = lazy.collect_schema().names()
        margin = pl.col("margin")
        checks = {
            "account_id": self._known("account_id", known),
            "date": is_date(),
            "amount": pl.col("amount").str.contains(ENGINE_DECIMAL),
            "margin": (margin == "") | margin.str.contains(ENGINE_DECIMAL),
        }
        empty = pl.lit(None, pl.String)
        text = {name: pl.col(name) if name in names else empty for name in ("margin", "product")}
        exact = functools.cache(lambda: tuple(self._exact_revenue(file, known)))  # problems once
        return RevenueFrame(
            lazy.select(
                "account_id",
                DATE,
                "amount",
                pl.when(text["margin"] != "").then(text["margin"]).alias("margin"),
                pl.when(text["product"] != "").then(text["product"]).alias("product"),
                checked({name: check for name, check in checks.items() if name in names}),
            ),
            plain=True,  # when ``valid``; the exact reader takes every other form
            otherwise=exact,
        )

    def _exact_revenue(self, file: CsvFile, known: set[str]) -> Iterator[RevenueLine]:
        for line, row in file.rows():
            columns = file.columns
            account_id = row[columns["account_id"]]
            ok = account_id in known or _known(
                file, line, "account_id", account_id, known, "account"
            )
            day = _required_cell(file, line, row, "date", parse_date)
            amount = _required_cell(file, line, row, "amount", parse_decimal)
            margin = None
            if "margin" in columns and row[columns["margin"]].strip():
                margin = _required_cell(file, line, row, "margin", parse_decimal)
                ok &= margin is not None
            if ok and day is not None and amount is not None:
                product = _text(row, columns, "product")
                yield RevenueLine(account_id, day, amount, margin, product)

    # -- contacts, members, team --------------------------------------------------------------

    def contacts(self) -> Iterable[Contact] | None:
        file = self._file("contacts.csv", "id", "account_id", "name")
        if not file.exists():
            return None
        return self._contacts(file)

    def _contacts(self, file: CsvFile) -> Iterable[Contact]:
        known = self._known_accounts()
        frame = self._scan(
            file,
            {
                "id": visible("id"),
                "name": visible("name"),
                "account_id": self._known("account_id", known),
            },
        )
        if frame is not None and not frame["id"].is_duplicated().any():
            roles = translated(frame, "dmu_roles", parse_dmu_roles, _keys, _NO_DMU, _KEYS)
            flags = translated(frame, "gatekeeper", parse_bool, bool, False, pl.Boolean)
            if roles is not None and flags is not None:
                return ContactFrame(
                    frame.select(
                        "id", "account_id", "name", roles.alias("dmu"),
                        flags.alias("gatekeeper"), _optional(frame, "email"),
                        _optional(frame, "title"),
                    )
                )  # fmt: skip
        return self._exact_contacts(file, known)

    def _exact_contacts(self, file: CsvFile, known: set[str]) -> Iterator[Contact]:
        seen: dict[str, int] = {}
        for line, row in file.rows():
            columns = file.columns
            contact_id, account_id, name = (
                row[columns["id"]], row[columns["account_id"]], row[columns["name"]]
            )  # fmt: skip
            ok = _present(file, line, "id", contact_id) & _present(file, line, "name", name)
            ok &= _known(file, line, "account_id", account_id, known, "account")
            ok &= _first_time(file, line, "contact", contact_id, seen)
            dmu, roles_ok = _parsed(file, line, row, "dmu_roles", parse_dmu_roles, _NO_DMU)
            gatekeeper, flag_ok = _parsed(file, line, row, "gatekeeper", parse_bool, False)
            if ok and roles_ok and flag_ok:
                yield Contact(
                    contact_id, account_id, name, dmu, gatekeeper,
                    _text(row, columns, "email"), _text(row, columns, "title"),
                )  # fmt: skip

    def members(self) -> Iterator[Member]:
        file = self._file("members.csv", "id", "name")
        if not file.exists():
            return
        self._member_ids = set()
        frame = self._scan(file, {"id": visible("id"), "name": visible("name")})
        if frame is not None and not frame["id"].is_duplicated().any():
            capacities, ok = mapped(frame, "capacity_per_week", parse_capacity, None)
            if ok:
                emails = (
                    frame["email"].to_list() if "email" in frame.columns else [""] * frame.height
                )
                ids = frame["id"].to_list()
                self._member_ids = set(ids)
                for member_id, name, email, capacity in zip(
                    ids, frame["name"].to_list(), emails, capacities, strict=True
                ):
                    yield Member(member_id, name, email or None, capacity)
                return
        seen: dict[str, int] = {}
        for line, row in file.rows():
            columns = file.columns
            member_id, name = row[columns["id"]], row[columns["name"]]
            ok = _present(file, line, "id", member_id) & _present(file, line, "name", name)
            ok &= _first_time(file, line, "member", member_id, seen)
            self._member_ids.add(member_id)
            capacity, capacity_ok = _parsed(
                file, line, row, "capacity_per_week", parse_capacity, None
            )
            if ok and capacity_ok:
                yield Member(member_id, name, _text(row, columns, "email"), capacity)

    def team(self) -> Iterable[TeamMember] | None:
        file = self._file("team.csv", "account_id", "member_id", "psu_roles")
        if not file.exists():
            return None
        return self._team(file)

    def _team(self, file: CsvFile) -> Iterable[TeamMember]:
        known = self._known_accounts()
        if self._member_ids is None and self._file("members.csv").exists():
            for _ in self.members():
                pass
        members = self._member_ids
        frame = self._scan(
            file,
            {
                "account_id": self._known("account_id", known),
                "member_id": self._known("member_id", members),
            },
        )
        if frame is not None and not frame.select("account_id", "member_id").is_duplicated().any():
            roles = translated(frame, "psu_roles", parse_psu_roles, _keys, _NO_PSU, _KEYS)
            pioneers = translated(frame, "pioneer", parse_bool, bool, False, pl.Boolean)
            if roles is not None and pioneers is not None:
                return TeamFrame(
                    frame.select("account_id", "member_id", roles.alias("psu"),
                                 pioneers.alias("pioneer"))
                )  # fmt: skip
        return self._exact_team(file, known, members)

    def _exact_team(
        self, file: CsvFile, known: set[str], members: set[str] | None
    ) -> Iterator[TeamMember]:
        merged: dict[tuple[str, str], TeamMember] = {}
        for line, row in file.rows():
            columns = file.columns
            account_id, member_id = row[columns["account_id"]], row[columns["member_id"]]
            ok = _known(file, line, "account_id", account_id, known, "account")
            if members is not None:
                ok &= _known(file, line, "member_id", member_id, members, "member")
            else:
                ok &= _present(file, line, "member_id", member_id)
            psu, roles_ok = _parsed(file, line, row, "psu_roles", parse_psu_roles, _NO_PSU)
            pioneer, pioneer_ok = _parsed(file, line, row, "pioneer", parse_bool, False)
            if not (ok and roles_ok and pioneer_ok):
                continue
            earlier = merged.get((account_id, member_id))
            if earlier is not None:  # the same person listed twice: one place, roles combined
                psu = earlier.psu_roles | psu
                pioneer = earlier.pioneer or pioneer
            merged[(account_id, member_id)] = TeamMember(account_id, member_id, psu, pioneer)
        yield from merged.values()

    # -- activities and tasks -----------------------------------------------------------------

    def activities(self, since: date, until: date) -> Iterable[Activity]:
        """Every valid activity (each row is checked; the domain applies the lookback)."""
        file = self._file("activities.csv", "account_id", "contact_id", "member_id", "date")
        if not file.exists():
            return ()
        known = self._known_accounts()
        # the biggest file: checked and aggregated in one pass, in batches (never held whole)
        lazy = scan_lazily(file.path, file.required)
        checks = {
            "account_id": self._known("account_id", known),
            "contact_id": visible("contact_id"),
            "member_id": visible("member_id"),
            "date": is_date(),
        }
        if lazy is None:
            return list(exact_activities(file, known))
        exact = functools.cache(lambda: tuple(exact_activities(file, known)))  # problems once
        return ActivityFrame(activity_rows(lazy, checked(checks)), exact)

    def open_tasks(self) -> Iterator[TaskRecord]:
        """Open tasks of ours from ``tasks.csv`` (none when it does not exist); bad rows of ours
        are recorded as problems."""
        self._note_identity(TASKS_FILE)
        return read_open_tasks(self.folder / TASKS_FILE, self.problems)

    def close(self) -> None:
        """Raise :class:`InputDataError` listing every problem found while reading."""
        if self.problems:
            raise InputDataError(self.problems.items)


def _target_columns(fields: Mapping[str, str] | None) -> dict[str, str]:
    if fields is None:
        return dict(DEFAULT_TARGET_FIELDS)
    try:  # the configuration file's rules, so a connector built in code obeys them too
        return CsvSection(fields=dict(fields)).fields
    except ValidationError as exc:
        reason = "; ".join(str(error["msg"]) for error in exc.errors())
        raise ConfigError(f"csv.fields: {reason}") from None


def _first_time(file: CsvFile, line: int, what: str, value: str, seen: dict[str, int]) -> bool:
    """False (and a problem) when ``value`` is an id already seen on an earlier line."""
    if value in seen:
        file.problem(line, f"duplicate {what} id {value!r} (first on line {seen[value]})")
        return False
    if value:
        seen[value] = line
    return True


def _stage_key(stage: IntegrationStage | None) -> str | None:
    return None if stage is None else stage.value


def _keys(roles: frozenset[DmuRole] | frozenset[PsuRole]) -> list[str]:
    return sorted(role.value for role in roles)


def _optional(frame: pl.DataFrame, column: str) -> pl.Expr:
    """A text column, null where empty or absent."""
    if column not in frame.columns:
        return pl.lit(None, pl.String).alias(column)
    return pl.when(pl.col(column) != "").then(pl.col(column)).alias(column)


def _text(row: list[str], columns: dict[str, int], name: str) -> str | None:
    return (row[columns[name]] or None) if name in columns else None
