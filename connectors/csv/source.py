"""The CSV connector: a source folder as defined in docs/formats.md. Reads files.

Files are read lazily, one pass each, in the order the services ask; every bad row is recorded
and skipped, and :meth:`CsvSource.close` raises one :class:`InputDataError` listing every
offending ``file:line`` of the folder. The services call ``close`` before they compute anything
that could be written, so bad input never yields a partial result.

The target fields the product writes back live in accounts.csv columns (``fields`` maps each
:class:`~crm_accounts.ports.TargetField` to its column, ``kam_<field>`` by default): they are read
as :attr:`AccountRecord.targets`, not as attributes. The product's tasks live in ``tasks.csv``
(see :mod:`.tasks`).

A million accounts make tens of millions of rows, so each file's loop has a fast path: a row
whose cells are all plainly valid (ids known, roles and flags already seen, dates cached) is
turned into its record with a few dict lookups. Any other row goes through the checking code,
which records every problem it has; the fast path never decides that a row is bad. Ids that
other rows refer to are replaced by the string read from accounts.csv or members.csv, so millions
of records share a few strings instead of holding equal copies.
"""

from __future__ import annotations

from collections.abc import Callable, Container, Iterator, Mapping
from datetime import date
from itertools import chain
from pathlib import Path
from typing import TypeVar

from pydantic import ValidationError

from crm_accounts.config import DEFAULT_TARGET_FIELDS, CsvSection
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
from crm_accounts.domain.revenue import Period, RevenueSummary, summarize_revenue
from crm_accounts.errors import ConfigError, InputDataError
from crm_accounts.ports import AccountRecord, TaskRecord
from crm_accounts.safefile import FileIdentity, file_identity

from .activities import Emit, read_activities
from .background import PendingRevenue
from .cells import (
    _DATES,
    CellError,
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
from .tasks import TASKS_FILE, read_open_tasks

__all__ = ["ACCOUNT_COLUMNS", "CsvSource"]

#: Columns of accounts.csv with a meaning of their own; any other column is an attribute.
ACCOUNT_COLUMNS = ("id", "name", "integration_stage")
_COMPLETED = frozenset({"completed", ""})
T = TypeVar("T")
_NO_DMU: frozenset[DmuRole] = frozenset()
_NO_PSU: frozenset[PsuRole] = frozenset()
_CACHE_LIMIT = 10_000
#: ``_cached`` results for an absent column.
_NONE = (True, None)
#: Boolean cells as they are usually written, parsed already (others go through parse_bool).
_FLAGS = {"true": True, "false": False, "": False, "1": True, "0": False, "yes": True, "no": False}
#: ``RevenueLine``/``Activity`` without the Python-level ``__new__`` of a NamedTuple: millions
#: of rows are built with all fields given, so the defaults are not needed.
_new = tuple.__new__
#: revenue.csv from this size on is read in a child process (where one can be forked): a few
#: hundred thousand lines, seconds of reading against milliseconds for the fork.
_BACKGROUND_BYTES = 8 << 20


class CsvSource:
    """A folder of CSV files; implements the :class:`~crm_accounts.ports.Source` port."""

    def __init__(
        self,
        folder: Path,
        fields: Mapping[str, str] | None = None,
        *,
        background: bool | None = None,
    ) -> None:
        """Read ``folder``; ``fields`` maps target fields to accounts.csv columns.

        ``background`` says whether :meth:`start_revenue_summary` reads revenue.csv in a
        child process: always (where possible), never, or (``None``) when the file is big.

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
        # Ids as read from accounts.csv and members.csv, each mapped to itself: rows of the
        # other files that refer to them share these strings instead of keeping millions of
        # equal copies.
        self._account_ids: dict[str, str] | None = None
        self._member_ids: dict[str, str] | None = None
        self._attribute_names: frozenset[str] = frozenset()
        self.background = background
        self._pending: PendingRevenue | None = None
        #: accounts.csv and tasks.csv as this run read them (``None``: absent), by file name;
        #: the write side refuses to replace a file that changed since.
        self.read_identities: dict[str, FileIdentity | None] = {}

    def _note_identity(self, name: str) -> None:
        try:
            self.read_identities[name] = file_identity(self.folder / name)
        except OSError:  # reported when the file is read
            self.read_identities.pop(name, None)

    def _file(self, name: str, *required: str, problems: Problems | None = None) -> CsvFile:
        return CsvFile(
            self.folder / name, required, self.problems if problems is None else problems
        )

    def _required(self, csv_file: CsvFile) -> bool:
        if not self._folder_ok:
            return False  # reported once, in __init__
        if not csv_file.exists():
            csv_file.problem(0, "required file is missing from the source folder")
            return False
        return True

    # -- accounts -----------------------------------------------------------------------------

    def accounts(self) -> Iterator[AccountRecord]:
        file = self._file("accounts.csv", "id", "name")
        self._note_identity("accounts.csv")  # before reading: a change meanwhile is noticed
        seen: dict[str, int] = {}
        self._account_ids = {}
        if not self._required(file):
            return
        target_columns = set(self.fields.values())
        attributes: list[tuple[str, int]] | None = None
        targets: list[tuple[str, int]] = []
        known = self._account_ids
        stages: dict[str, IntegrationStage | None] = {"": None}
        i_id = i_name = 0
        i_stage: int | None = None
        for line, row in file.rows():
            if attributes is None:  # the header is known once the first row is read
                columns = file.columns
                attributes = [
                    (name, index)
                    for index, name in enumerate(file.header)
                    if name not in ACCOUNT_COLUMNS and name not in target_columns
                ]
                targets = [
                    (target, columns[column])
                    for target, column in self.fields.items()
                    if column in columns
                ]
                self._attribute_names = frozenset(name for name, _ in attributes)
                i_id, i_name = columns["id"], columns["name"]
                i_stage = columns.get("integration_stage")
            account_id, name = row[i_id], row[i_name]
            # An account refused for a bad cell is still in the file: rows that refer to it
            # elsewhere are not "unknown" (one problem, reported once).
            if account_id:
                known[account_id] = account_id
            stage_ok, stage = (
                _cached(stages, row[i_stage], parse_stage, None) if i_stage is not None else _NONE
            )
            if stage_ok and account_id not in seen and account_id.strip() and name.strip():
                # Fast path: the checks of _account, passed (its problems need a bad cell).
                seen[account_id] = line
                account = Account(
                    account_id, name, stage,
                    {key: row[index] for key, index in attributes if row[index]},
                )  # fmt: skip
            else:
                checked = self._account(file, line, row, seen, attributes)
                if checked is None:
                    continue
                account = checked
            values = {target: row[index] for target, index in targets if row[index]}
            yield AccountRecord(account, values) if values else AccountRecord(account)

    def _account(
        self,
        file: CsvFile,
        line: int,
        row: list[str],
        seen: dict[str, int],
        attribute_columns: list[tuple[str, int]],
    ) -> Account | None:
        columns = file.columns
        account_id, name = row[columns["id"]], row[columns["name"]]
        ok = _present(file, line, "id", account_id) & _present(file, line, "name", name)
        ok &= _first_time(file, line, "account", account_id, seen)
        stage = None
        if "integration_stage" in columns:
            raw = row[columns["integration_stage"]]
            try:
                stage = parse_stage(raw)
            except CellError as exc:
                file.cell_problem(line, "integration_stage", raw, str(exc))
                ok = False
        if not ok:
            return None
        attributes = {name: row[index] for name, index in attribute_columns if row[index]}
        return Account(account_id, name, stage, attributes)

    def attribute_names(self) -> frozenset[str]:
        if self._account_ids is None:
            for _ in self.accounts():
                pass
        return self._attribute_names

    def _known_accounts(self) -> dict[str, str]:
        if self._account_ids is None:
            for _ in self.accounts():
                pass
        assert self._account_ids is not None
        return self._account_ids

    # -- revenue ------------------------------------------------------------------------------

    def revenue_lines(self, period: Period) -> Iterator[RevenueLine]:
        """Every valid line (the domain applies the period); each line is checked."""
        return self._revenue_lines(self.problems)

    def start_revenue_summary(self, period: Period) -> Callable[[], RevenueSummary]:
        """Start summing revenue.csv for ``period``; call the result for the summary.

        Worth it for a big file on a machine with a second core: once accounts.csv is read, a
        child process reads revenue.csv (see :mod:`.background`) while the caller reads the
        other files; otherwise the file is read here and now. Either way the summary is
        :func:`summarize_revenue` over :meth:`revenue_lines`, and the file's problems take the
        place in :attr:`problems` they have when the files are read in turn.
        """
        at = len(self.problems.items)

        def work(problems: Problems) -> RevenueSummary:
            return summarize_revenue(self._revenue_lines(problems), period)

        pending = None
        if self._account_ids is not None and self._worth_a_child("revenue.csv"):
            pending = PendingRevenue.start(work)
        if pending is None:
            summary = summarize_revenue(self.revenue_lines(period), period)
            return lambda: summary
        self._pending = pending

        def result() -> RevenueSummary:
            self._pending = None
            summary, found = pending.result()
            self.problems.items[at:at] = found
            return summary

        return result

    def cancel_revenue_summary(self) -> None:
        """Stop the child reading revenue.csv, if one still runs."""
        if self._pending is not None:
            self._pending.cancel()
            self._pending = None

    def _worth_a_child(self, name: str) -> bool:
        if self.background is not None:
            return self.background
        try:
            return (self.folder / name).stat().st_size >= _BACKGROUND_BYTES
        except OSError:
            return False

    def _revenue_lines(self, problems: Problems) -> Iterator[RevenueLine]:
        file = self._file("revenue.csv", "account_id", "date", "amount", problems=problems)
        if not self._required(file):
            return
        known = self._known_accounts()
        rows = file.rows()
        first = next(rows, None)
        if first is None:
            return
        columns = file.columns
        i_account, i_date, i_amount = columns["account_id"], columns["date"], columns["amount"]
        i_margin, i_product = columns.get("margin"), columns.get("product")
        dates = _DATES
        for line, row in chain((first,), rows):
            # Fast path for the millions of valid rows; a bad row is re-read by the checker,
            # which records every problem it has.
            try:
                account_id = known.get(row[i_account])
                if account_id is None:
                    raise CellError
                raw_margin = row[i_margin] if i_margin is not None else ""
                margin = parse_decimal(raw_margin) if raw_margin.strip() else None
                product = row[i_product] if i_product is not None else ""
                raw_date = row[i_date]
                day = dates.get(raw_date) or parse_date(raw_date)
                yield _new(
                    RevenueLine,
                    (account_id, day, parse_decimal(row[i_amount]), margin, product or None),
                )
            except CellError:
                self._check_revenue_row(file, line, row, known)

    @staticmethod
    def _check_revenue_row(file: CsvFile, line: int, row: list[str], known: Container[str]) -> None:
        _known(file, line, "account_id", row[file.columns["account_id"]], known, "account")
        _required_cell(file, line, row, "date", parse_date)
        _required_cell(file, line, row, "amount", parse_decimal)
        if "margin" in file.columns and row[file.columns["margin"]].strip():
            _required_cell(file, line, row, "margin", parse_decimal)

    # -- contacts, members, team --------------------------------------------------------------

    def contacts(self) -> Iterator[Contact] | None:
        file = self._file("contacts.csv", "id", "account_id", "name")
        if not file.exists():
            return None
        return self._contacts(file)

    def _contacts(self, file: CsvFile) -> Iterator[Contact]:
        known = self._known_accounts()
        seen: dict[str, int] = {}
        rows = file.rows()
        first = next(rows, None)
        if first is None:
            return
        columns = file.columns
        i_id, i_account, i_name = columns["id"], columns["account_id"], columns["name"]
        i_roles, i_flag = columns.get("dmu_roles"), columns.get("gatekeeper")
        i_email, i_title = columns.get("email"), columns.get("title")
        roles_cache: dict[str, frozenset[DmuRole]] = {}
        flags = dict(_FLAGS)
        for line, row in chain((first,), rows):
            contact_id, account_id, name = row[i_id], row[i_account], row[i_name]
            roles: frozenset[DmuRole] | None = _NO_DMU
            if i_roles is not None:
                raw = row[i_roles]
                roles = roles_cache.get(raw)
                if roles is None:
                    roles = _lookup(roles_cache, raw, parse_dmu_roles)
            flag: bool | None = False
            if i_flag is not None:
                raw = row[i_flag]
                flag = flags.get(raw)
                if flag is None:
                    flag = _lookup(flags, raw, parse_bool)
            shared = known.get(account_id)
            if (
                roles is not None
                and flag is not None
                and shared is not None
                and contact_id not in seen
                and contact_id.strip()
                and name.strip()
                and account_id.strip()
            ):
                # Fast path: every check below passes; its problems need a bad cell.
                seen[contact_id] = line
                yield Contact(
                    contact_id, shared, name, roles, flag,
                    (row[i_email] or None) if i_email is not None else None,
                    (row[i_title] or None) if i_title is not None else None,
                )  # fmt: skip
                continue
            ok = _present(file, line, "id", contact_id) & _present(file, line, "name", name)
            ok &= _known(file, line, "account_id", account_id, known, "account")
            ok &= _first_time(file, line, "contact", contact_id, seen)
            checked_roles, roles_ok = _parsed(
                file, line, row, "dmu_roles", parse_dmu_roles, _NO_DMU
            )
            gatekeeper, flag_ok = _parsed(file, line, row, "gatekeeper", parse_bool, False)
            if ok and roles_ok and flag_ok:
                yield Contact(
                    contact_id, account_id, name, checked_roles, gatekeeper,
                    _text(row, columns, "email"), _text(row, columns, "title"),
                )  # fmt: skip

    def members(self) -> Iterator[Member]:
        file = self._file("members.csv", "id", "name")
        if not file.exists():
            return
        self._member_ids = {}
        seen: dict[str, int] = {}
        for line, row in file.rows():
            columns = file.columns
            member_id, name = row[columns["id"]], row[columns["name"]]
            ok = _present(file, line, "id", member_id) & _present(file, line, "name", name)
            ok &= _first_time(file, line, "member", member_id, seen)
            self._member_ids[member_id] = member_id
            capacity, capacity_ok = _parsed(
                file, line, row, "capacity_per_week", parse_capacity, None
            )
            if ok and capacity_ok:
                yield Member(member_id, name, _text(row, columns, "email"), capacity)

    def team(self) -> Iterator[TeamMember] | None:
        file = self._file("team.csv", "account_id", "member_id", "psu_roles")
        if not file.exists():
            return None
        return self._team(file)

    def _team(self, file: CsvFile) -> Iterator[TeamMember]:
        known = self._known_accounts()
        if self._member_ids is None and self._file("members.csv").exists():
            for _ in self.members():
                pass
        members = self._member_ids
        merged: dict[tuple[str, str], TeamMember] = {}
        rows = file.rows()
        first = next(rows, None)
        if first is None:
            return
        columns = file.columns
        i_account, i_member, i_roles = (
            columns["account_id"], columns["member_id"], columns["psu_roles"]
        )  # fmt: skip
        i_pioneer = columns.get("pioneer")
        roles_cache: dict[str, frozenset[PsuRole]] = {}
        flags = dict(_FLAGS)
        for line, row in chain((first,), rows):
            account_id, member_id = row[i_account], row[i_member]
            raw = row[i_roles]
            fast_roles = roles_cache.get(raw)
            if fast_roles is None:
                fast_roles = _lookup(roles_cache, raw, parse_psu_roles)
            flag: bool | None = False
            if i_pioneer is not None:
                raw = row[i_pioneer]
                flag = flags.get(raw)
                if flag is None:
                    flag = _lookup(flags, raw, parse_bool)
            if (
                fast_roles is not None
                and flag is not None
                and account_id in known
                and (members is None or member_id in members)
                and account_id.strip()
                and member_id.strip()
            ):
                # Fast path: every check below passes; its problems need a bad cell.
                roles, pioneer = fast_roles, flag
            else:
                ok = _known(file, line, "account_id", account_id, known, "account")
                if members is not None:
                    ok &= _known(file, line, "member_id", member_id, members, "member")
                else:
                    ok &= _present(file, line, "member_id", member_id)
                roles, roles_ok = _parsed(file, line, row, "psu_roles", parse_psu_roles, _NO_PSU)
                pioneer, pioneer_ok = _parsed(file, line, row, "pioneer", parse_bool, False)
                if not (ok and roles_ok and pioneer_ok):
                    continue
            account_id = known.get(account_id, account_id)
            if members is not None:
                member_id = members.get(member_id, member_id)
            earlier = merged.get((account_id, member_id))
            if earlier is not None:  # the same person listed twice: one place, roles combined
                roles = earlier.psu_roles | roles
                pioneer = earlier.pioneer or pioneer
            merged[(account_id, member_id)] = TeamMember(account_id, member_id, roles, pioneer)
        yield from merged.values()

    # -- activities and tasks -----------------------------------------------------------------

    def activities(self, since: date, until: date) -> Iterator[Activity]:
        """Every valid activity (each row is checked; the domain applies the lookback)."""
        found: list[Activity] = []
        self.add_activities(since, until, lambda *fields: found.append(_new(Activity, fields)))
        yield from found

    def add_activities(self, since: date, until: date, emit: Emit) -> None:
        """Check every row of activities.csv and call ``emit`` with each valid activity's
        ``(member_id, contact_id, date, completed, account_id)``: :meth:`activities` without a
        record per row (the domain applies the lookback)."""
        file = self._file("activities.csv", "account_id", "contact_id", "member_id", "date")
        if not file.exists():
            return
        read_activities(file, self._known_accounts(), self._member_ids or {}, emit)

    def open_tasks(self) -> Iterator[TaskRecord]:
        """Open tasks of ours from ``tasks.csv`` (none when it does not exist); bad rows of ours
        are recorded as problems."""
        self._note_identity(TASKS_FILE)
        return read_open_tasks(self.folder / TASKS_FILE, self.problems)

    def close(self) -> None:
        """Raise :class:`InputDataError` listing every problem found while reading.

        A revenue summary still pending (see :meth:`start_revenue_summary`) is given up.
        """
        self.cancel_revenue_summary()
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


def _lookup(cache: dict[str, T], raw: str, parse: Callable[[str], T]) -> T | None:
    """``raw`` parsed (and kept in ``cache``), or ``None`` when it is bad (the slow path then
    reports it)."""
    try:
        value = parse(raw)
    except CellError:
        return None
    if len(cache) < _CACHE_LIMIT:
        cache[raw] = value
    return value


def _cached(cache: dict[str, T], raw: str, parse: Callable[[str], T], default: T) -> tuple[bool, T]:
    """``(True, value)`` for a valid cell, parsed once per distinct text; ``(False, default)``
    for a bad one (the slow path then reports it)."""
    try:
        return True, cache[raw]
    except KeyError:
        pass
    try:
        value = parse(raw)
    except CellError:
        return False, default
    if len(cache) < _CACHE_LIMIT:
        cache[raw] = value
    return True, value


def _first_time(file: CsvFile, line: int, what: str, value: str, seen: dict[str, int]) -> bool:
    """False (and a problem) when ``value`` is an id already seen on an earlier line."""
    if value in seen:
        file.problem(line, f"duplicate {what} id {value!r} (first on line {seen[value]})")
        return False
    if value:
        seen[value] = line
    return True


def _text(row: list[str], columns: dict[str, int], name: str) -> str | None:
    return (row[columns[name]] or None) if name in columns else None
