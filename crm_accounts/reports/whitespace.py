"""Whitespace and role suggestions in the reports: an HTML section per rated account and the
workbook's Whitespace sheet (METHOD.md section 4). No file I/O; the callers write the files.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal

from openpyxl.worksheet.worksheet import Worksheet

from ..domain.method import MethodResult
from ..domain.whitespace import WhitespaceRow
from .cells import INTEGER, SHARE, header, put, title_rows

__all__ = ["SECTION_ID", "SECTION_TITLE", "whitespace_section", "whitespace_sheet"]

SECTION_ID = "whitespace"
SECTION_TITLE = "Whitespace per rated account"

Table = Callable[[Sequence[str], Iterable[Sequence[str]], Iterable[int]], str]
_HEADERS = ("product", "peers buying", "peers", "peer share")


def _share(value: Decimal) -> str:
    return f"{value * 100:.1f}%"


def _by_account(result: MethodResult) -> dict[str, list[WhitespaceRow]]:
    rows: dict[str, list[WhitespaceRow]] = {}
    for row in result.whitespace:
        rows.setdefault(row.account_id, []).append(row)
    return rows


def _suggestions_note(result: MethodResult) -> str:
    suggestions = result.suggestions
    if not suggestions.without_role:
        return ""
    use = (
        "they count as the contacts' roles in this report, marked (suggested)"
        if suggestions.used
        else "they are listed in role_suggestions.csv and do not count in the matrices"
    )
    return (
        f'<p class="note">Role suggestions: {suggestions.without_role:,} contacts without a '
        f"role, {len(suggestions.by_contact):,} with a suggestion from their job title; {use}. "
        "Suggestions are never written to the CRM.</p>"
    )


def whitespace_section(result: MethodResult, account: Callable[[str], str], table: Table) -> str:
    """The report section: per rated account, the products its peers buy and it does not.

    Args:
        account: an account's name as HTML (linked when the CRM page is known).
        table: the report's table helper (headers, rows of cell HTML, numeric columns).
    """
    intro = (
        "<p>Products that comparable segment-A customers buy and the account does not buy yet: "
        "peers buying, of its peers, and their share.</p>"
    )
    if not result.revenue.has_products:
        body = '<p class="note">The revenue data has no products, so there is no whitespace.</p>'
    elif not result.rating.accounts:
        body = '<p class="note">No accounts are rated.</p>'
    else:
        rows = _by_account(result)
        parts = []
        for rated in result.rating.accounts:
            own = rows.get(rated.account_id, [])
            heading = f"<h3>{rated.position}. {account(rated.account_id)}</h3>"
            if not own:
                parts.append(heading + '<p class="note">No whitespace.</p>')
                continue
            cells = [
                [html.escape(r.product), str(r.peers_buying), str(r.peers), _share(r.peer_share)]
                for r in own
            ]
            parts.append(heading + table(_HEADERS, cells, range(1, 4)))
        body = "".join(parts)
    return (
        f'<section id="{SECTION_ID}"><h2>{SECTION_TITLE}</h2>{intro}{body}'
        f"{_suggestions_note(result)}</section>"
    )


def whitespace_sheet(ws: Worksheet, result: MethodResult) -> None:
    """The Whitespace sheet: every whitespace row, segment-A customers in segmentation order."""
    title_rows(
        ws, "Whitespace: products peers buy and the account does not",
        "Per segment-A customer, each product its peers (the other A customers, or those with "
        "the same peer attribute) bought in the period and it did not, with the share of peers "
        "buying it (METHOD.md section 4). Empty when the revenue data has no products.",
        6,
    )  # fmt: skip
    header(ws, 4, ["Account id", "Account", "Product", "Peers buying", "Peers", "Peer share"],
           [14, 28, 20, 12, 10, 12])  # fmt: skip
    ws.freeze_panes = "A5"
    for number, row in enumerate(result.whitespace, start=5):
        account = result.accounts.get(row.account_id)
        put(ws, number, 1, row.account_id)
        put(ws, number, 2, account.name if account is not None else "")
        put(ws, number, 3, row.product)
        put(ws, number, 4, row.peers_buying, INTEGER)
        put(ws, number, 5, row.peers, INTEGER)
        put(ws, number, 6, float(row.peer_share), SHARE)
