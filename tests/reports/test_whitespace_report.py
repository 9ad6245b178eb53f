"""Whitespace in the reports: a section per rated account in the HTML report and the Whitespace
sheet of the workbook (METHOD.md section 4)."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from crm_accounts.domain.method import MethodResult
from crm_accounts.domain.whitespace import WhitespaceRow
from crm_accounts.reports.html import render_html
from crm_accounts.reports.workbook import write_workbook


def section(result: MethodResult) -> str:
    page = render_html(result, default_capacity=10)
    start = page.index('<section id="whitespace">')
    return page[start : page.index("</section>", start)]


def test_the_demo_has_whitespace_for_its_rated_accounts(demo_result: MethodResult) -> None:
    rated = {r.account_id for r in demo_result.rating.accounts}

    assert rated & {row.account_id for row in demo_result.whitespace}


def test_the_report_shows_each_rated_accounts_whitespace_in_position_order(
    demo_result: MethodResult,
) -> None:
    text = section(demo_result)

    names = [demo_result.accounts[r.account_id].name for r in demo_result.rating.accounts]
    places = [text.index(f"{r.position}. {name}") for r, name in
              zip(demo_result.rating.accounts, names, strict=True)]  # fmt: skip
    assert places == sorted(places)
    for row in demo_result.whitespace:
        if row.account_id in {r.account_id for r in demo_result.rating.accounts}:
            assert f"<td>{row.product}</td>" in text


def test_a_product_name_is_escaped_in_the_report(demo_result: MethodResult) -> None:
    first = demo_result.rating.accounts[0].account_id
    rows = (WhitespaceRow(first, "<b>P&Q</b>", 2, 4),)

    text = section(replace(demo_result, whitespace=rows))

    assert "&lt;b&gt;P&amp;Q&lt;/b&gt;" in text
    assert "50.0%" in text


def test_without_products_the_report_says_there_is_no_whitespace(
    demo_result: MethodResult,
) -> None:
    revenue = replace(demo_result.revenue, has_products=False, bought={})

    text = section(replace(demo_result, revenue=revenue, whitespace=()))

    assert "no products" in text


@pytest.fixture(scope="module")
def sheet_rows(
    demo_result: MethodResult, tmp_path_factory: pytest.TempPathFactory
) -> list[tuple[object, ...]]:
    path = write_workbook(demo_result, tmp_path_factory.mktemp("ws") / "report.xlsx")
    sheet = openpyxl.load_workbook(path)["Whitespace"]
    return list(sheet.iter_rows(min_row=4, values_only=True))


def test_the_whitespace_sheet_holds_every_row_of_the_export(
    demo_result: MethodResult, sheet_rows: list[tuple[object, ...]]
) -> None:
    assert sheet_rows[0] == ("Account id", "Account", "Product", "Peers buying", "Peers",
                             "Peer share")  # fmt: skip
    assert [(r[0], r[2], r[3], r[4]) for r in sheet_rows[1:]] == [
        (row.account_id, row.product, row.peers_buying, row.peers) for row in demo_result.whitespace
    ]
    for shown, row in zip(sheet_rows[1:], demo_result.whitespace, strict=True):
        assert abs(Decimal(str(shown[5])) - row.peer_share) < Decimal("1e-9")


def test_a_formula_like_product_stays_text_in_the_sheet(
    demo_result: MethodResult, tmp_path: Path
) -> None:
    first = demo_result.rating.accounts[0].account_id
    result = replace(demo_result, whitespace=(WhitespaceRow(first, "=1+1", 1, 2),))

    sheet = openpyxl.load_workbook(write_workbook(result, tmp_path / "r.xlsx"))["Whitespace"]

    assert sheet.cell(row=5, column=3).value == "=1+1"
    assert sheet.cell(row=5, column=3).data_type == "s"
