"""The DMU-PSU matrix of one account as plain rows and cells, for the HTML page and the workbook.

Pure: reads a :class:`~crm_accounts.domain.method.MethodResult`. A cell is the pair's status in
the ideal contact plan, or :data:`~.palette.NOT_PLANNED` where the plan asks for no contact.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from ..domain.contact_plan import Pair
from ..domain.method import MethodResult
from ..domain.model import Contact, Segment
from ..domain.suggestions import role_labels
from .palette import NOT_PLANNED

__all__ = ["AccountMatrix", "Cell", "ContactRow", "MemberColumn", "account_matrix", "top_accounts"]


@dataclass(frozen=True, slots=True)
class ContactRow:
    contact_id: str
    name: str
    roles: tuple[str, ...]
    gatekeeper: bool


@dataclass(frozen=True, slots=True)
class MemberColumn:
    member_id: str
    name: str
    roles: tuple[str, ...]
    pioneer: bool


@dataclass(frozen=True, slots=True)
class Cell:
    """``status`` is a pair status value or ``not_planned``; ``detail`` the last contact date
    (empty when there was none in the lookback period)."""

    status: str
    detail: str


@dataclass(frozen=True, slots=True)
class AccountMatrix:
    account_id: str
    contacts: tuple[ContactRow, ...]
    members: tuple[MemberColumn, ...]
    cells: tuple[tuple[Cell, ...], ...]  # one row per contact, one cell per member


def _cell(pair: Pair | None) -> Cell:
    if pair is None:
        return Cell(NOT_PLANNED, "")
    last = pair.last_contact.isoformat() if pair.last_contact is not None else ""
    return Cell(pair.status.value, last)


def account_matrix(
    result: MethodResult,
    account_id: str,
    contacts: Sequence[Contact],
    pairs: Mapping[tuple[str, str], Pair],
) -> AccountMatrix:
    """The matrix of one account from its contacts and its pairs by (member id, contact id)."""
    contacts = sorted(contacts, key=lambda c: (c.name, c.id))
    rows = tuple(
        ContactRow(c.id, c.name, role_labels(c, result.suggestions), c.gatekeeper) for c in contacts
    )
    columns = []
    for team_member in sorted(result.team.get(account_id, ()), key=lambda t: t.member_id):
        member = result.members.get(team_member.member_id)
        columns.append(
            MemberColumn(
                team_member.member_id,
                member.name if member is not None else team_member.member_id,
                tuple(sorted(r.value for r in team_member.psu_roles)),
                team_member.pioneer,
            )
        )
    cells = tuple(
        tuple(_cell(pairs.get((column.member_id, row.contact_id))) for column in columns)
        for row in rows
    )
    return AccountMatrix(account_id, rows, tuple(columns), cells)


def top_accounts(result: MethodResult, limit: int) -> tuple[list[AccountMatrix], int]:
    """Matrices of the rated accounts (by position), then segment A (by revenue), at most ``limit``.

    Returns the matrices and how many top accounts were left out by the limit.
    """
    ordered = list(
        dict.fromkeys(
            [rated.account_id for rated in result.rating.accounts]
            + [c.account_id for c in result.segmentation.customers if c.segment is Segment.A]
        )
    )
    chosen = ordered[: max(limit, 0)]
    wanted = set(chosen)
    pairs: dict[str, dict[tuple[str, str], Pair]] = {account_id: {} for account_id in chosen}
    for pair in result.matrix.pairs:
        if pair.account_id in wanted:
            pairs[pair.account_id][(pair.member_id, pair.contact_id)] = pair
    contacts: dict[str, list[Contact]] = {account_id: [] for account_id in chosen}
    for contact in result.contacts.values():
        if contact.account_id in wanted:
            contacts[contact.account_id].append(contact)
    matrices = [
        account_matrix(result, account_id, contacts[account_id], pairs[account_id])
        for account_id in chosen
    ]
    return matrices, len(ordered) - len(chosen)
