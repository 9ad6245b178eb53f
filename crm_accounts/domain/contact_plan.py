"""The DMU-PSU contact matrix: ideal pairs from the template, their status, and the gaps. Pure.

Activities are aggregated as a frame by :func:`summarize_activities`; only the last contact date
per (member, contact) is kept.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum

import polars as pl

from .frames import ContactFrame, TeamFrame, last_contacts
from .model import Activity, Contact, DmuRole, PsuRole, Segment, TeamMember
from .rows import Rows
from .settings import PlanRule, PlanSettings

__all__ = [
    "DMU_ROLE_COUNT",
    "GAP_SCHEMA",
    "ContactHistory",
    "ContactMatrix",
    "Gap",
    "GapCode",
    "Pair",
    "PairStatus",
    "People",
    "build_contact_matrix",
    "contact_matrix",
    "dmu_coverage",
    "order_frame",
    "summarize_activities",
]

DMU_ROLE_COUNT = len(DmuRole)


class PairStatus(StrEnum):
    NEVER = "never"
    OVERDUE = "overdue"
    DUE = "due"
    OK = "ok"

    @property
    def needs_contact(self) -> bool:
        return self is not PairStatus.OK


class GapCode(StrEnum):
    """Stable gap codes: they appear in exports and in CRM tasks."""

    DMU_ROLE_MISSING = "dmu_role_missing"
    PSU_ROLE_MISSING = "psu_role_missing"
    CONTACT_NEVER = "contact_never"
    CONTACT_OVERDUE = "contact_overdue"
    SINGLE_THREADED = "single_threaded"
    GATEKEEPER_ONLY = "gatekeeper_only"


HISTORY_SCHEMA = {"member_id": pl.String, "contact_id": pl.String, "last_contact": pl.Date}


class ContactHistory:
    """Contact moments in the lookback: the last date per (member, contact) as a frame
    (:data:`HISTORY_SCHEMA`), or as ``last`` and ``contacted`` (built from the frame on first use).

    ``contacted`` is every contact someone met in the lookback (the contacts in ``last`` unless
    given).
    """

    __slots__ = ("_contacted", "_frame", "_last")

    def __init__(
        self,
        last: Mapping[tuple[str, str], date] | None = None,
        contacted: frozenset[str] | None = None,
        *,
        frame: pl.DataFrame | None = None,
    ) -> None:
        self._last = None if last is None else dict(last)
        self._contacted = contacted
        self._frame = frame

    @property
    def frame(self) -> pl.DataFrame:
        if self._frame is None:
            rows = [(member, contact, day) for (member, contact), day in (self._last or {}).items()]
            self._frame = pl.DataFrame(rows, schema=HISTORY_SCHEMA, orient="row")
        return self._frame

    @property
    def last(self) -> dict[tuple[str, str], date]:
        if self._last is None:
            frame = self.frame
            keys = zip(frame["member_id"].to_list(), frame["contact_id"].to_list(), strict=True)
            self._last = dict(zip(keys, frame["last_contact"].to_list(), strict=True))
        return self._last

    @property
    def contacted(self) -> frozenset[str]:
        if self._contacted is None:
            self._contacted = frozenset(self.frame["contact_id"].to_list())
        return self._contacted

    def contacted_frame(self) -> pl.DataFrame:
        """``contacted`` as a one-column frame (``contact_id``; repeated ids possible)."""
        if self._contacted is None:
            return self.frame.select("contact_id")
        ids = sorted(self._contacted)
        return pl.DataFrame({"contact_id": ids}, schema={"contact_id": pl.String})


def summarize_activities(
    activities: Iterable[Activity], as_of: date, lookback_days: int
) -> ContactHistory:
    """Keep completed activities with ``as_of - lookback_days < date <= as_of``: the last
    date per (member, contact). ``activities`` may be an :class:`~.frames.ActivityFrame`."""
    return ContactHistory(frame=last_contacts(activities, as_of, lookback_days))


def dmu_coverage(contacts: Sequence[Contact]) -> Decimal:
    """Distinct DMU roles held by an account's contacts, over the six roles."""
    roles: set[DmuRole] = set()
    for contact in contacts:
        roles.update(contact.dmu_roles)
    return Decimal(len(roles)) / DMU_ROLE_COUNT


@dataclass(frozen=True, slots=True)
class Pair:
    """A (member, contact) pair the template asks for, with its cadence and status."""

    account_id: str
    member_id: str
    contact_id: str
    every_days: int
    rules: tuple[PlanRule, ...]
    last_contact: date | None
    due_date: date
    status: PairStatus
    days_overdue: int


@dataclass(frozen=True, slots=True)
class Gap:
    account_id: str
    code: GapCode
    dmu_role: DmuRole | None = None
    psu_role: PsuRole | None = None
    member_id: str | None = None
    contact_id: str | None = None
    last_contact: date | None = None
    due_date: date | None = None
    days_overdue: int | None = None


@dataclass(frozen=True, slots=True)
class ContactMatrix:
    """The pairs and gaps of a run, in the order of the accounts, as records.

    Made by :func:`contact_matrix` from frames (``pair_frame``, ``gap_frame``, which a copy made
    with :func:`dataclasses.replace` does not keep), the records are built when first read.
    """

    pairs: Sequence[Pair] = ()
    gaps: Sequence[Gap] = ()
    pair_frame: pl.DataFrame | None = field(default=None, init=False, compare=False, repr=False)
    gap_frame: pl.DataFrame | None = field(default=None, init=False, compare=False, repr=False)

    @classmethod
    def of_frames(
        cls, pair_frame: pl.DataFrame, gap_frame: pl.DataFrame, rules: Sequence[PlanRule]
    ) -> ContactMatrix:
        matrix = cls(
            Rows(pair_frame.height, lambda: _pairs(pair_frame, rules)),
            Rows(gap_frame.height, lambda: _gaps(matrix)),
        )
        object.__setattr__(matrix, "pair_frame", pair_frame)
        object.__setattr__(matrix, "gap_frame", gap_frame)
        return matrix

    def gap_table(self) -> pl.DataFrame:
        """The gaps as a frame with the columns of :data:`GAP_SCHEMA`, in order."""
        if self.gap_frame is None:
            return pl.DataFrame(
                [(g.account_id, g.code.value, g.dmu_role and g.dmu_role.value,
                  g.psu_role and g.psu_role.value, g.member_id, g.contact_id, g.last_contact,
                  g.due_date, g.days_overdue) for g in self.gaps],
                schema=GAP_SCHEMA, orient="row",
            )  # fmt: skip
        frame = self.gap_frame
        return frame.select(
            pl.col(name).cast(dtype) if name in frame.columns else pl.lit(None, dtype).alias(name)
            for name, dtype in GAP_SCHEMA.items()
        )

    def open_gaps(self) -> dict[str, int]:
        """Number of gaps per account id (accounts without gaps are absent)."""
        if self.gap_frame is None:
            counts: dict[str, int] = {}
            for gap in self.gaps:
                counts[gap.account_id] = counts.get(gap.account_id, 0) + 1
            return counts
        grouped = self.gap_frame.group_by("account_id").len()
        return dict(zip(grouped["account_id"].to_list(), grouped["len"].to_list(), strict=True))


#: A gap as a row (role and code keys as text).
GAP_SCHEMA = {
    "account_id": pl.String,
    "code": pl.String,
    "dmu_role": pl.String,
    "psu_role": pl.String,
    "member_id": pl.String,
    "contact_id": pl.String,
    "last_contact": pl.Date,
    "due_date": pl.Date,
    "days_overdue": pl.Int64,
}
#: A contact's DMU roles, a team member's PSU roles: one row per role held.
CONTACT_SCHEMA = {"account_id": pl.String, "contact_id": pl.String, "gatekeeper": pl.Boolean}
CONTACT_ROLE_SCHEMA = {"account_id": pl.String, "contact_id": pl.String, "dmu": pl.String}
TEAM_ROLE_SCHEMA = {"account_id": pl.String, "member_id": pl.String, "psu": pl.String}
#: The accounts of a run in order, with their segments.
ORDER_SCHEMA = {"idx": pl.UInt32, "account_id": pl.String, "segment": pl.String}


@dataclass(frozen=True, slots=True)
class People:
    """Contacts and account teams as frames: the matrix's input.

    ``contacts`` has a row per contact (:data:`CONTACT_SCHEMA`), ``contact_roles`` a row per DMU
    role a contact holds, ``team_roles`` a row per PSU role a member holds in an account's team.
    """

    contacts: pl.DataFrame
    contact_roles: pl.DataFrame
    team_roles: pl.DataFrame

    @classmethod
    def of(cls, contacts: Iterable[Contact], team: Iterable[TeamMember]) -> People:
        """The one conversion from the port's records (set-based for frames)."""
        contact_frame = contacts.frame if isinstance(contacts, ContactFrame) else None
        if contact_frame is None:
            contact_frame = pl.DataFrame(
                [(c.id, c.account_id, sorted(role.value for role in c.dmu_roles), c.gatekeeper)
                 for c in contacts],
                schema={"id": pl.String, "account_id": pl.String, "dmu": pl.List(pl.String),
                        "gatekeeper": pl.Boolean},
                orient="row",
            )  # fmt: skip
        team_frame = team.frame if isinstance(team, TeamFrame) else None
        if team_frame is None:
            team_frame = pl.DataFrame(
                [(m.account_id, m.member_id, sorted(role.value for role in m.psu_roles))
                 for m in team],
                schema={"account_id": pl.String, "member_id": pl.String,
                        "psu": pl.List(pl.String)},
                orient="row",
            )  # fmt: skip
        people = contact_frame.select("account_id", pl.col("id").alias("contact_id"), "gatekeeper")
        roles = (
            contact_frame.select("account_id", pl.col("id").alias("contact_id"), "dmu")
            .explode("dmu", empty_as_null=True)
            .drop_nulls("dmu")
        )
        held = (
            team_frame.select("account_id", "member_id", "psu")
            .explode("psu", empty_as_null=True)
            .drop_nulls("psu")
        )
        return cls(people, roles, held)

    def coverage(self) -> dict[str, int]:
        """Distinct DMU roles per account id (accounts whose contacts hold none are absent)."""
        held = self.contact_roles.group_by("account_id").agg(pl.col("dmu").n_unique())
        return dict(zip(held["account_id"].to_list(), held["dmu"].to_list(), strict=True))


def order_frame(segments_in_order: Iterable[tuple[str, Segment]]) -> pl.DataFrame:
    """Accounts with their segments, numbered in the order given."""
    rows = [(index, account_id, segment.value) for index, (account_id, segment) in
            enumerate(segments_in_order)]  # fmt: skip
    return pl.DataFrame(rows, schema=ORDER_SCHEMA, orient="row")


def _days(day: date) -> int:
    """``day`` as polars stores a date: days since 1970-01-01."""
    return (day - _EPOCH).days


_EPOCH = date(1970, 1, 1)


def _template(settings: PlanSettings) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """The rules, and per segment its distinct DMU and PSU roles in rule order (``k``)."""
    rules = pl.DataFrame(
        [(index, r.segment.value, r.psu.value, r.dmu.value, r.every_days)
         for index, r in enumerate(settings.rules)],
        schema={"rule": pl.UInt32, "segment": pl.String, "psu": pl.String, "dmu": pl.String,
                "every_days": pl.Int64},
        orient="row",
    )  # fmt: skip
    distinct = {
        column: rules.select("segment", column)
        .unique(maintain_order=True)
        .with_columns(pl.int_range(pl.len(), dtype=pl.UInt32).over("segment").alias("k"))
        for column in ("dmu", "psu")
    }
    return rules, distinct["dmu"], distinct["psu"]


def contact_matrix(
    order: pl.DataFrame,
    people: People,
    history: ContactHistory,
    as_of: date,
    settings: PlanSettings,
) -> ContactMatrix:
    """Pairs and gaps for every account in ``order`` (:data:`ORDER_SCHEMA`) with a segment.

    Accounts with segment ``none`` get no pairs and no gaps. A pair produced by several rules
    takes the shortest cadence. Pairs come in account order, then by member and contact id; an
    account's gaps in the order: DMU roles missing, PSU roles missing (both in rule order),
    contact gaps (in pair order), single-threaded, gatekeeper only.
    """
    rules, template_dmu, template_psu = (frame.lazy() for frame in _template(settings))
    accounts = order.lazy().filter(pl.col("segment") != Segment.NONE.value)
    today = _days(as_of)
    horizon_end = _days(as_of + timedelta(days=settings.horizon_days))
    last, due = pl.col("last_contact"), pl.col("due_date").cast(pl.Int32)
    never = last.is_null()
    clock = [  # due date, status and days overdue of each pair
        pl.when(never).then(pl.lit(as_of)).otherwise(pl.col("due_date")).alias("due_date"),
        pl.when(never).then(pl.lit(PairStatus.NEVER.value))
        .when(due < today).then(pl.lit(PairStatus.OVERDUE.value))
        .when(due < horizon_end).then(pl.lit(PairStatus.DUE.value))
        .otherwise(pl.lit(PairStatus.OK.value)).alias("status"),
        pl.when(never).then(pl.lit(settings.lookback_days))
        .otherwise(today - due.cast(pl.Int64)).alias("days_overdue"),
    ]  # fmt: skip
    pairs = (
        people.contact_roles.lazy()
        .join(accounts, on="account_id")
        .join(rules, on=["segment", "dmu"])
        .join(people.team_roles.lazy(), on=["account_id", "psu"])
        .group_by("idx", "account_id", "member_id", "contact_id")
        .agg(pl.col("every_days").min(), pl.col("rule").sort().alias("rules"))
        .join(history.frame.lazy(), on=["member_id", "contact_id"], how="left")
        .with_columns((last.cast(pl.Int32) + pl.col("every_days")).cast(pl.Date).alias("due_date"))
        .with_columns(clock)
        .sort("idx", "member_id", "contact_id")
        .with_row_index("row")
    )
    held_dmu = people.contact_roles.lazy().select("account_id", "dmu").unique()
    held_psu = people.team_roles.lazy().select("account_id", "psu").unique()
    contacted = (
        people.contacts.lazy()
        .join(history.contacted_frame().lazy(), on="contact_id", how="semi")
        .group_by("account_id")
        .agg(pl.len().alias("contacted"), pl.col("gatekeeper").all().alias("gatekeepers"))
    )
    key_accounts = accounts.filter(pl.col("segment").is_in([Segment.A.value, Segment.B.value]))
    threading = key_accounts.join(contacted, on="account_id", how="left").with_columns(
        pl.col("contacted").fill_null(0)
    )
    gap = pl.lit
    gaps = pl.concat(
        [
            accounts.join(template_dmu, on="segment")
            .join(held_dmu, on=["account_id", "dmu"], how="anti")
            .select("idx", "account_id", kind=gap(0), k="k",
                    code=gap(GapCode.DMU_ROLE_MISSING.value), dmu_role="dmu"),
            accounts.join(template_psu, on="segment")
            .join(held_psu, on=["account_id", "psu"], how="anti")
            .select("idx", "account_id", kind=gap(1), k="k",
                    code=gap(GapCode.PSU_ROLE_MISSING.value), psu_role="psu"),
            pairs.filter(pl.col("status").is_in([PairStatus.NEVER.value,
                                                       PairStatus.OVERDUE.value]))
            .select("idx", "account_id", kind=gap(2), k="row",
                    code=pl.when(pl.col("status") == PairStatus.NEVER.value)
                    .then(gap(GapCode.CONTACT_NEVER.value))
                    .otherwise(gap(GapCode.CONTACT_OVERDUE.value)),
                    member_id="member_id", contact_id="contact_id", last_contact="last_contact",
                    due_date="due_date", days_overdue="days_overdue"),
            threading.filter(pl.col("contacted") <= 1)
            .select("idx", "account_id", kind=gap(3), k=gap(0, pl.UInt32),
                    code=gap(GapCode.SINGLE_THREADED.value)),
            threading.filter((pl.col("contacted") > 0) & pl.col("gatekeepers"))
            .select("idx", "account_id", kind=gap(4), k=gap(0, pl.UInt32),
                    code=gap(GapCode.GATEKEEPER_ONLY.value)),
        ],
        how="diagonal_relaxed",
    ).sort("idx", "kind", "k")  # fmt: skip
    pair_frame, gap_frame = pl.collect_all([pairs, gaps])
    matrix = ContactMatrix.of_frames(pair_frame, gap_frame, settings.rules)
    return matrix


def _pairs(frame: pl.DataFrame, rules: Sequence[PlanRule]) -> tuple[Pair, ...]:
    statuses = {status.value: status for status in PairStatus}
    rule_sets: dict[tuple[int, ...], tuple[PlanRule, ...]] = {}
    pairs = []
    for account_id, member_id, contact_id, every_days, indexes, last, due, status, days in (
        frame.select(
            "account_id", "member_id", "contact_id", "every_days", "rules", "last_contact",
            "due_date", "status", "days_overdue",
        ).iter_rows()
    ):  # fmt: skip
        key = tuple(indexes)
        pair_rules = rule_sets.get(key)
        if pair_rules is None:
            pair_rules = rule_sets[key] = tuple(rules[index] for index in key)
        pairs.append(
            Pair(account_id, member_id, contact_id, every_days, pair_rules, last, due,
                 statuses[status], days)
        )  # fmt: skip
    return tuple(pairs)


def _gaps(matrix: ContactMatrix) -> tuple[Gap, ...]:
    frame = matrix.gap_table()
    codes = {code.value: code for code in GapCode}
    dmus: dict[str | None, DmuRole] = {role.value: role for role in DmuRole}
    psus: dict[str | None, PsuRole] = {role.value: role for role in PsuRole}
    return tuple(
        Gap(account_id, codes[code], dmus.get(dmu), psus.get(psu), *rest)
        for account_id, code, dmu, psu, *rest in frame.iter_rows()
    )


def build_contact_matrix(
    segments_in_order: Iterable[tuple[str, Segment]],
    contacts_by_account: Mapping[str, Sequence[Contact]],
    team_by_account: Mapping[str, Sequence[TeamMember]],
    history: ContactHistory,
    as_of: date,
    settings: PlanSettings,
) -> ContactMatrix:
    """:func:`contact_matrix` for records grouped by account."""
    people = People.of(
        (contact for group in contacts_by_account.values() for contact in group),
        (member for group in team_by_account.values() for member in group),
    )
    return contact_matrix(order_frame(segments_in_order), people, history, as_of, settings)
