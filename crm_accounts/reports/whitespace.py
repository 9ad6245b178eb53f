"""Whitespace and role suggestions in the reports: the rows of the HTML section (drawn by the
report template) and the workbook's Whitespace sheet (METHOD.md section 4). No file I/O; the
callers write the files.
"""

from __future__ import annotations

from dataclasses import dataclass

from openpyxl.worksheet.worksheet import Worksheet

from ..domain.method import MethodResult
from ..domain.whitespace import WhitespaceRow
from ..i18n import Language
from .cells import INTEGER, SHARE, header, put, title_rows

__all__ = ["SuggestionCounts", "suggestions_counts", "whitespace_by_account", "whitespace_sheet"]


@dataclass(frozen=True, slots=True)
class SuggestionCounts:
    """Contacts without a DMU role, those with a suggestion, and whether suggestions count."""

    without_role: int
    suggested: int
    used: bool


def whitespace_by_account(result: MethodResult) -> dict[str, list[WhitespaceRow]]:
    """The whitespace rows per account, in the method's order (the report's section)."""
    rows: dict[str, list[WhitespaceRow]] = {}
    for row in result.whitespace:
        rows.setdefault(row.account_id, []).append(row)
    return rows


def suggestions_counts(result: MethodResult) -> SuggestionCounts:
    suggestions = result.suggestions
    return SuggestionCounts(suggestions.without_role, len(suggestions.by_contact), suggestions.used)


def whitespace_sheet(ws: Worksheet, result: MethodResult, lang: Language) -> None:
    """The Whitespace sheet: every whitespace row, segment-A customers in segmentation order."""
    _ = lang._
    title_rows(
        ws, _("Whitespace: products peers buy and the account does not"),
        _("Per segment-A customer, each product its peers (the other A customers, or those with "
          "the same peer attribute) bought in the period and it did not, with the share of peers "
          "buying it (METHOD.md section 4). Empty when the revenue data has no products."),
        6,
    )  # fmt: skip
    labels = [_("Account id"), _("Account"), _("Product"), _("Peers buying"), _("Peers"),
              _("Peer share")]  # fmt: skip
    header(ws, 4, labels, [14, 28, 20, 12, 10, 12])
    ws.freeze_panes = "A5"
    for number, row in enumerate(result.whitespace, start=5):
        account = result.accounts.get(row.account_id)
        put(ws, number, 1, row.account_id)
        put(ws, number, 2, account.name if account is not None else "")
        put(ws, number, 3, row.product)
        put(ws, number, 4, row.peers_buying, INTEGER)
        put(ws, number, 5, row.peers, INTEGER)
        put(ws, number, 6, float(row.peer_share), SHARE)
