"""The Excel workbook: its sheets, the live rating formulas (METHOD.md 1b), the DMU-PSU matrices.

The rating sheet's formulas are evaluated by ``xlsx_formulas.py`` beside this file, an evaluator
written apart from the workbook code, and compared with the product's own rating.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from openpyxl.cell.cell import Cell
from openpyxl.worksheet.worksheet import Worksheet

from crm_accounts.domain import (
    Account,
    Activity,
    Better,
    Contact,
    CriterionSettings,
    DmuRole,
    Member,
    MethodInput,
    MethodResult,
    MethodSettings,
    Period,
    PsuRole,
    RatingSettings,
    RevenueLine,
    TeamMember,
    run_method,
    summarize_activities,
    summarize_revenue,
)
from crm_accounts.domain.rating import Rating, rate_accounts
from crm_accounts.domain.settings import METRICS
from crm_accounts.reports.palette import NOT_PLANNED, STATUS_COLOURS
from crm_accounts.reports.workbook import write_workbook
from crm_accounts.sync.report import Movement
from tests.reports.xlsx_formulas import SheetEvaluator

AS_OF = date(2026, 11, 27)
TABLE_SHEETS = [
    "Segments", "Groups", "Rating", "Gaps", "Plan", "Movements", "Whitespace", "Matrices",
]  # fmt: skip
EXACT = 1e-9


@pytest.fixture(scope="module")
def demo_book(demo_result: MethodResult, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("book") / "demo.xlsx"
    return write_workbook(demo_result, path, movements=[Movement("acc-0001", "B", "A", None, 4)])


# --- reading the rating sheet back -------------------------------------------------------------


@dataclass(frozen=True)
class SheetRating:
    """What the rating sheet shows for one account after evaluating its formulas."""

    position: int
    points: float
    ranks: dict[str, float]


class RatingSheet:
    """Finds the rating sheet's parts by their header labels, not by fixed cell addresses."""

    def __init__(self, sheet: Worksheet, criteria: Sequence[CriterionSettings]) -> None:
        self.sheet = sheet
        header_row = next(
            row for row in range(1, 20) if sheet.cell(row=row, column=2).value == "Account id"
        )
        self.header_row = header_row
        headers = {
            sheet.cell(row=header_row, column=column).value: column
            for column in range(1, sheet.max_column + 1)
        }
        self.position_column = headers["Position"]
        self.points_column = headers["Points"]
        self.revenue_column = headers["Revenue (for ties)"]
        labels = {c.key: c.label or c.key for c in criteria}
        self.score_column = {key: headers[label] for key, label in labels.items()}
        self.rank_column = {key: headers[f"Rank: {label}"] for key, label in labels.items()}
        self.direction_row = next(
            row
            for row in range(1, header_row)
            if str(sheet.cell(row=row, column=4).value).startswith("Better")
        )
        self.rows = range(header_row + 1, sheet.max_row + 1)

    def row_of(self, account_id: str) -> int:
        return next(
            row for row in self.rows if self.sheet.cell(row=row, column=2).value == account_id
        )

    def first_empty_row(self) -> int:
        return next(
            row
            for row in self.rows
            if self.sheet.cell(row=row, column=2).value is None
            and self.sheet.cell(row=row, column=self.points_column).data_type == "f"
        )

    def set_score(self, account_id: str, key: str, value: float | str | None) -> None:
        self.sheet.cell(row=self.row_of(account_id), column=self.score_column[key]).value = value

    def add_account(
        self, account_id: str, revenue: float, scores: Mapping[str, float | None]
    ) -> None:
        row = self.first_empty_row()
        self.sheet.cell(row=row, column=2).value = account_id
        self.sheet.cell(row=row, column=3).value = account_id.upper()
        self.sheet.cell(row=row, column=self.revenue_column).value = revenue
        for key, value in scores.items():
            self.sheet.cell(row=row, column=self.score_column[key]).value = value

    def set_direction(self, key: str, better: str) -> None:
        self.sheet.cell(row=self.direction_row, column=self.score_column[key]).value = better

    def evaluate(self) -> dict[str, SheetRating]:
        evaluator = SheetEvaluator(self.sheet)
        shown: dict[str, SheetRating] = {}
        for row in self.rows:
            account_id = self.sheet.cell(row=row, column=2).value
            if account_id is None:
                if self.sheet.cell(row=row, column=self.points_column).data_type == "f":
                    assert evaluator.value(row, self.points_column) == ""
                    assert evaluator.value(row, self.position_column) == ""
                continue
            position = evaluator.value(row, self.position_column)
            assert float(position).is_integer()
            shown[str(account_id)] = SheetRating(
                int(position),
                evaluator.value(row, self.points_column),
                {key: evaluator.value(row, col) for key, col in self.rank_column.items()},
            )
        return shown


def assert_same_rating(shown: Mapping[str, SheetRating], product: Rating) -> None:
    assert set(shown) == {rated.account_id for rated in product.accounts}
    for rated in product.accounts:
        sheet = shown[rated.account_id]
        assert sheet.position == rated.position, rated.account_id
        assert sheet.points == pytest.approx(float(rated.points), abs=EXACT)
        for key, rank in rated.ranks.items():
            assert sheet.ranks[key] == pytest.approx(float(rank), abs=EXACT), (
                rated.account_id,
                key,
            )


def load_rating(path: Path, criteria: Sequence[CriterionSettings]) -> RatingSheet:
    return RatingSheet(openpyxl.load_workbook(path)["Rating"], criteria)


# --- the demo ----------------------------------------------------------------------------------


def test_the_workbook_reloads_with_every_table_sheet_and_a_matrix_per_top_account(
    demo_result: MethodResult, demo_book: Path
) -> None:
    book = openpyxl.load_workbook(demo_book)
    assert book.sheetnames[: len(TABLE_SHEETS)] == TABLE_SHEETS
    matrices = book.sheetnames[len(TABLE_SHEETS) :]
    top = {r.account_id for r in demo_result.rating.accounts} | {
        c.account_id for c in demo_result.segmentation.customers if c.segment.value == "A"
    }
    assert len(matrices) == min(len(top), 50)
    index = book["Matrices"]
    linked = [index.cell(row=row, column=5).value for row in range(5, 5 + len(matrices))]
    assert linked == matrices
    assert all(1 <= len(name) <= 31 and not re.search(r"[\[\]:*?/\\]", name) for name in matrices)


def test_the_table_sheets_hold_one_row_per_record(
    demo_result: MethodResult, demo_book: Path
) -> None:
    book = openpyxl.load_workbook(demo_book)
    header = 4
    assert book["Segments"].max_row - header == len(demo_result.accounts)
    assert book["Gaps"].max_row - header == len(demo_result.matrix.gaps)
    assert book["Plan"].max_row - header == len(demo_result.plan)
    movements = [c.value for c in book["Movements"][header + 1]]
    assert movements[0] == "acc-0001"
    assert movements[2:] == ["B", "A", None, 4]


def test_the_segments_sheet_keeps_numbers_as_numbers(
    demo_result: MethodResult, demo_book: Path
) -> None:
    sheet = openpyxl.load_workbook(demo_book)["Segments"]
    headers = [cell.value for cell in sheet[4]]
    first = demo_result.segmentation.customers[0]
    row = [cell.value for cell in sheet[5]]
    assert row[headers.index("Account id")] == first.account_id
    assert row[headers.index("Revenue")] == pytest.approx(float(first.revenue))
    assert row[headers.index("Revenue share")] == pytest.approx(float(first.revenue_share))
    assert sheet.cell(row=5, column=headers.index("Revenue share") + 1).number_format == "0.0%"
    assert headers[-1] == "Integration stage"


def test_the_rating_formulas_reproduce_the_products_ranks_points_and_positions(
    demo_result: MethodResult, demo_book: Path
) -> None:
    rating = demo_result.rating
    assert demo_result.warnings, "the demo has a non-numeric score: a missing value is covered"
    shown = load_rating(demo_book, rating.criteria).evaluate()
    assert_same_rating(shown, rating)


def _rate_edited(
    result: MethodResult,
    ids: Sequence[str],
    scores: Mapping[tuple[str, str], Decimal | None],
    revenue: Mapping[str, Decimal] | None = None,
    criteria: Sequence[CriterionSettings] | None = None,
) -> Rating:
    """The product's rating of ``ids`` with some criterion values replaced."""
    criteria = criteria or result.rating.criteria
    by_key = {c.key: c for c in criteria}
    sources = {(account_id, by_key[key].source): v for (account_id, key), v in scores.items()}
    revenues = revenue or {}

    def metric(account_id: str, name: str) -> Decimal | None:
        if (account_id, name) in sources:
            return sources[(account_id, name)]
        if name == "revenue":
            return result.revenue.revenue_of(account_id)
        if name == "margin":
            return result.revenue.margin_of(account_id)
        return result.revenue.products_per_year(account_id)

    def attributes(account_id: str) -> dict[str, str]:
        account = result.accounts.get(account_id)
        values = dict(account.attributes) if account is not None else {}
        for (edited_id, source), value in sources.items():
            if edited_id == account_id and source not in METRICS:
                values[source] = "" if value is None else str(value)
        return values

    def money(account_id: str) -> Decimal:
        return revenues.get(account_id, result.revenue.revenue_of(account_id))

    return rate_accounts(ids, criteria, metric, attributes, money)


def test_changing_scores_reorders_the_rating_as_the_product_would(
    demo_result: MethodResult, demo_book: Path
) -> None:
    rating = demo_result.rating
    ids = [rated.account_id for rated in rating.accounts]
    last = ids[-1]
    sheet = load_rating(demo_book, rating.criteria)
    # the last account gets the best payment days and the best fit: it must climb
    edits = {(last, "payment"): Decimal(1), (last, "fit"): Decimal(10), (ids[0], "fit"): None}
    for (account_id, key), value in edits.items():
        sheet.set_score(account_id, key, None if value is None else float(value))
    expected = _rate_edited(demo_result, ids, edits)
    assert [r.account_id for r in expected.accounts] != ids
    assert_same_rating(sheet.evaluate(), expected)


def test_an_account_added_in_an_empty_row_is_ranked_with_the_others(
    demo_result: MethodResult, demo_book: Path
) -> None:
    rating = demo_result.rating
    ids = [rated.account_id for rated in rating.accounts]
    sheet = load_rating(demo_book, rating.criteria)
    revenue = Decimal("2000000.50")
    scores = {"revenue": revenue, "fit": Decimal(9), "payment": None}
    sheet.add_account("new-1", float(revenue), {k: v and float(v) for k, v in scores.items()})
    expected = _rate_edited(
        demo_result,
        [*ids, "new-1"],
        {("new-1", key): value for key, value in scores.items()},
        revenue={"new-1": revenue},
    )
    assert_same_rating(sheet.evaluate(), expected)


def test_flipping_a_criterions_direction_reranks_it(
    demo_result: MethodResult, demo_book: Path
) -> None:
    rating = demo_result.rating
    ids = [rated.account_id for rated in rating.accounts]
    sheet = load_rating(demo_book, rating.criteria)
    sheet.set_direction("payment", "higher")
    flipped = [
        CriterionSettings(c.key, c.source, Better.HIGHER, c.label) if c.key == "payment" else c
        for c in rating.criteria
    ]
    expected = _rate_edited(demo_result, ids, {}, criteria=flipped)
    assert [r.ranks["payment"] for r in expected.accounts] != [
        r.ranks["payment"] for r in rating.accounts
    ]
    assert_same_rating(sheet.evaluate(), expected)


# --- a small example worked out by hand ----------------------------------------------------------

FIT = CriterionSettings("fit", "fit", Better.HIGHER, "Fit")
PAYMENT = CriterionSettings("payment", "payment", Better.LOWER, "Payment days")
#: id: (revenue, fit, payment days); "n/a" is not a number, "" is empty: both are missing.
HAND = {
    "a": (300, "8", "30"),
    "b": (300, "8", "30"),
    "c": (500, "n/a", "20"),
    "d": (100, "6", ""),
    "e": (200, "9", "45"),
}


def hand_result(prefix: str = "", name: str | None = None) -> MethodResult:
    """The accounts of :data:`HAND`, ids prefixed with ``prefix``, all called ``name`` if given."""
    accounts = [
        Account(prefix + i, name or (f'=HYPERLINK("x") {i}' if i == "a" else f"Account {i}"),
                attributes={"fit": fit, "payment": pay})
        for i, (_, fit, pay) in HAND.items()
    ]  # fmt: skip
    lines = [
        RevenueLine(prefix + i, AS_OF, Decimal(revenue)) for i, (revenue, _, _) in HAND.items()
    ]
    contacts = [
        Contact("c-1", prefix + "c", "Ann", frozenset({DmuRole.DECIDER}), gatekeeper=True),
        Contact("c-2", prefix + "c", "Bob", frozenset({DmuRole.USER})),
    ]
    team = [
        TeamMember(prefix + "c", "m-1", frozenset({PsuRole.ACCOUNT_MANAGER}), pioneer=True),
        TeamMember(prefix + "c", "m-2", frozenset({PsuRole.SALES_REP})),
    ]
    history = summarize_activities([Activity("m-1", "c-1", date(2026, 11, 1))], AS_OF, 365)
    data = MethodInput(
        accounts=accounts,
        revenue=summarize_revenue(lines, Period.ending(AS_OF, 12)),
        history=history,
        members={"m-1": Member("m-1", "Mia"), "m-2": Member("m-2", "Max")},
        contacts=contacts,
        team=team,
        attribute_names=frozenset({"fit", "payment"}),
    )
    rated = tuple(prefix + i for i in HAND)
    settings = MethodSettings(rating=RatingSettings(accounts=rated, criteria=(FIT, PAYMENT)))
    return run_method(data, settings, AS_OF)


def test_a_hand_worked_rating_with_ties_missing_values_and_a_lower_is_better_criterion(
    tmp_path: Path,
) -> None:
    # Worked by hand from METHOD.md 1b:
    # fit (higher): e 9 -> 1; a, b 8 -> ranks 2 and 3 -> 2.5 each; d 6 -> 4; c missing -> 5.
    # payment (lower): c 20 -> 1; a, b 30 -> 2.5 each; e 45 -> 4; d missing -> 5.
    # points: a 5, b 5, c 6, d 9, e 5. Ties at 5 by revenue (a 300, b 300, e 200), then id.
    expected = {
        "a": (1, 5.0, 2.5, 2.5),
        "b": (2, 5.0, 2.5, 2.5),
        "e": (3, 5.0, 1.0, 4.0),
        "c": (4, 6.0, 5.0, 1.0),
        "d": (5, 9.0, 4.0, 5.0),
    }
    result = hand_result()
    path = write_workbook(result, tmp_path / "hand.xlsx")
    shown = load_rating(path, (FIT, PAYMENT)).evaluate()
    assert {
        i: (s.position, s.points, s.ranks["fit"], s.ranks["payment"]) for i, s in shown.items()
    } == expected
    sheet = openpyxl.load_workbook(path)["Rating"]
    scores = {
        sheet.cell(row=row, column=2).value: (
            sheet.cell(row=row, column=5).value,
            sheet.cell(row=row, column=6).value,
        )
        for row in range(6, 11)
    }
    # missing scores are empty cells, whether the attribute was "n/a" or empty
    assert scores["c"] == (None, 20)
    assert scores["d"] == (6, None)


def test_a_second_tie_on_points_and_revenue_is_broken_by_account_id(tmp_path: Path) -> None:
    result = hand_result()
    sheet = load_rating(write_workbook(result, tmp_path / "hand.xlsx"), (FIT, PAYMENT))
    # d gets e's scores and revenue: d and e tie on everything but their ids.
    sheet.set_score("d", "fit", 9)
    sheet.set_score("d", "payment", 45)
    sheet.sheet.cell(row=sheet.row_of("d"), column=sheet.revenue_column).value = 200
    shown = sheet.evaluate()
    # fit: d, e 9 -> 1.5; a, b 8 -> 3.5; c missing -> 5. payment: c 1; a, b 2.5; d, e 4.5.
    # points: a 6, b 6, c 6, d 6, e 6: all tie; revenue c 500, a 300, b 300, d 200, e 200.
    assert {i: s.position for i, s in shown.items()} == {"c": 1, "a": 2, "b": 3, "d": 4, "e": 5}
    assert {i: s.points for i, s in shown.items()} == dict.fromkeys("abcde", 6.0)


def test_text_that_looks_like_a_formula_stays_text(tmp_path: Path) -> None:
    sheet = load_rating(write_workbook(hand_result(), tmp_path / "hand.xlsx"), (FIT, PAYMENT))
    cell = sheet.sheet.cell(row=sheet.row_of("a"), column=3)
    assert cell.value == '=HYPERLINK("x") a'
    assert cell.data_type == "s"


def test_the_groups_sheet_states_the_pareto_share_worked_by_hand(tmp_path: Path) -> None:
    # revenues 500, 300, 300, 200, 100 (total 1400): 80% is 1120, reached by the first four.
    book = openpyxl.load_workbook(write_workbook(hand_result(), tmp_path / "hand.xlsx"))
    texts = [str(c.value) for row in book["Groups"].iter_rows() for c in row if c.value]
    assert "80.0% of customers make 80% of revenue" in texts


# --- DMU-PSU matrices ----------------------------------------------------------------------------


def _fill(cell: Cell) -> str:
    return str(cell.fill.fgColor.rgb)[-6:].upper()


def test_matrix_cells_are_coloured_by_pair_status_and_show_the_last_contact(
    demo_result: MethodResult, demo_book: Path
) -> None:
    book = openpyxl.load_workbook(demo_book)
    account_id = demo_result.rating.accounts[0].account_id
    title = next(name for name in book.sheetnames if name.startswith(account_id + " "))
    sheet = book[title]
    contacts = {c.name: c for c in demo_result.contacts.values() if c.account_id == account_id}
    seats = {demo_result.members[s.member_id].name: s for s in demo_result.team[account_id]}
    pairs = {
        (p.member_id, p.contact_id): p
        for p in demo_result.matrix.pairs
        if p.account_id == account_id
    }
    assert pairs, "the top account has pairs to show"
    header_row = 4
    columns = {}
    for column in range(3, sheet.max_column + 1):
        first_line = str(sheet.cell(row=header_row, column=column).value).split("\n")[0]
        name = first_line.removesuffix(" [P]")
        columns[column] = seats[name]
        assert first_line.endswith(" [P]") == seats[name].pioneer
    assert len(columns) == len(seats)
    seen_pairs = 0
    seen_contacts = 0
    for row in range(header_row + 1, sheet.max_row + 1):
        label = str(sheet.cell(row=row, column=1).value)
        contact = contacts[label.removesuffix(" [G]")]
        assert label.endswith(" [G]") == contact.gatekeeper
        seen_contacts += 1
        for column, seat in columns.items():
            cell = sheet.cell(row=row, column=column)
            pair = pairs.get((seat.member_id, contact.id))
            if pair is None:
                assert _fill(cell) == STATUS_COLOURS[NOT_PLANNED]
                continue
            seen_pairs += 1
            assert _fill(cell) == STATUS_COLOURS[pair.status.value]
            if pair.last_contact is None:
                assert cell.value == "never"
            else:
                assert isinstance(cell.value, datetime)
                assert cell.value.date() == pair.last_contact
    assert seen_contacts == len(contacts)
    assert seen_pairs == len(pairs)


def test_sheet_titles_are_valid_and_unique_whatever_the_account_names(tmp_path: Path) -> None:
    # ids this long make every title the same 31 characters before it is made unique
    result = hand_result("a-very-long-account-identifier/", "Bouw: [Noord]*? \\ Techniek")
    book = openpyxl.load_workbook(write_workbook(result, tmp_path / "ugly.xlsx"))
    titles = book.sheetnames
    assert len({t.casefold() for t in titles}) == len(titles)
    for title in titles:
        assert 1 <= len(title) <= 31
        assert not re.search(r"[\[\]:*?/\\]", title)
        assert title.casefold() != "history"
    assert len(titles) == len(TABLE_SHEETS) + len(HAND)


def test_a_score_typed_as_text_counts_as_missing(tmp_path: Path) -> None:
    sheet = load_rating(write_workbook(hand_result(), tmp_path / "hand.xlsx"), (FIT, PAYMENT))
    sheet.set_score("d", "fit", "n/a")
    shown = sheet.evaluate()
    # fit: e 9 -> 1; a, b 8 -> 2.5; c and d both missing share ranks 4 and 5 -> 4.5 each.
    assert shown["d"].ranks["fit"] == 4.5
    assert shown["c"].ranks["fit"] == 4.5
    assert shown["d"].points == 9.5


# --- issue 13: stored results, error values, directions, the id tie-break -------------------------


def test_a_reader_that_does_not_calculate_sees_the_products_positions_points_and_ranks(
    demo_result: MethodResult, demo_book: Path
) -> None:
    """openpyxl with ``data_only`` reads the stored results only, like previews and pandas."""
    rating = demo_result.rating
    layout = load_rating(demo_book, rating.criteria)
    stored = openpyxl.load_workbook(demo_book, data_only=True)["Rating"]
    assert rating.accounts
    for rated in rating.accounts:
        row = layout.row_of(rated.account_id)
        assert stored.cell(row=row, column=layout.position_column).value == rated.position
        points = stored.cell(row=row, column=layout.points_column).value
        assert points == pytest.approx(float(rated.points), abs=EXACT)
        for key, column in layout.rank_column.items():
            rank = stored.cell(row=row, column=column).value
            assert rank == pytest.approx(float(rated.ranks[key]), abs=EXACT)
    spare = layout.first_empty_row()
    assert stored.cell(row=spare, column=layout.points_column).value in ("", None)


def test_the_stored_results_are_what_the_formulas_compute(
    demo_result: MethodResult, demo_book: Path
) -> None:
    formulas = openpyxl.load_workbook(demo_book)["Rating"]
    stored = openpyxl.load_workbook(demo_book, data_only=True)["Rating"]
    evaluator = SheetEvaluator(formulas)
    checked = 0
    for row in formulas.iter_rows():
        for cell in row:
            if cell.data_type == "f":
                computed = evaluator.value(cell.row, cell.column)
                kept = stored.cell(row=cell.row, column=cell.column).value
                if computed == "":
                    assert kept in ("", None), cell.coordinate
                else:
                    assert kept == pytest.approx(computed, abs=EXACT), cell.coordinate
                checked += 1
    assert checked > 4 * len(demo_result.rating.accounts)


@pytest.mark.parametrize("error", ["#N/A", "#DIV/0!", "#VALUE!"])
def test_an_error_value_in_a_score_counts_as_missing(tmp_path: Path, error: str) -> None:
    sheet = load_rating(write_workbook(hand_result(), tmp_path / "hand.xlsx"), (FIT, PAYMENT))
    sheet.set_score("d", "fit", error)
    assert (
        sheet.sheet.cell(row=sheet.row_of("d"), column=sheet.score_column["fit"]).data_type == "e"
    )
    shown = sheet.evaluate()
    # as with text: fit e 9 -> 1; a, b 8 -> 2.5; c and d missing share ranks 4 and 5 -> 4.5.
    assert shown["d"].ranks["fit"] == 4.5
    assert shown["e"].ranks["fit"] == 1
    assert shown["d"].points == 9.5


@pytest.mark.parametrize("typo", ["lower ", "Lowest", "", "hihger"])
def test_a_direction_that_is_neither_higher_nor_lower_shows_check_instead_of_ranks(
    tmp_path: Path, typo: str
) -> None:
    sheet = load_rating(write_workbook(hand_result(), tmp_path / "hand.xlsx"), (FIT, PAYMENT))
    sheet.set_direction("payment", typo)
    evaluator = SheetEvaluator(sheet.sheet)
    row = sheet.row_of("a")
    assert evaluator.value(row, sheet.rank_column["payment"]) == "check row 3"
    assert evaluator.value(row, sheet.points_column) == "check row 3"
    assert evaluator.value(row, sheet.position_column) == "check row 3"
    assert evaluator.value(row, sheet.rank_column["fit"]) == 2.5  # the other criterion still ranks


def test_the_direction_cells_refuse_other_entries_with_an_error_alert(tmp_path: Path) -> None:
    sheet = load_rating(write_workbook(hand_result(), tmp_path / "hand.xlsx"), (FIT, PAYMENT))
    [validation] = sheet.sheet.data_validations.dataValidation
    assert validation.type == "list"
    assert validation.formula1 == '"higher,lower"'
    assert validation.showErrorMessage
    assert validation.errorStyle in (None, "stop")  # "stop" is the default and refuses entry
    cells = {str(c) for c in validation.sqref.ranges}
    assert {sheet.sheet.cell(row=sheet.direction_row, column=c).coordinate
            for c in sheet.score_column.values()} <= cells  # fmt: skip


def test_a_full_tie_is_broken_in_plain_string_order_as_the_method_says(tmp_path: Path) -> None:
    """Upper case sorts before lower case by code point: ``Zeta`` before ``acme``, while a
    spreadsheet comparing text would put ``acme`` first."""
    accounts = [
        Account(i, i.title(), attributes={"fit": "7", "payment": "30"}) for i in ("acme", "Zeta")
    ]
    data = MethodInput(
        accounts=accounts,
        revenue=summarize_revenue(
            [RevenueLine(a.id, AS_OF, Decimal(100)) for a in accounts], Period.ending(AS_OF, 12)
        ),
        history=summarize_activities([], AS_OF, 365),
        members={},
        attribute_names=frozenset({"fit", "payment"}),
    )
    settings = MethodSettings(
        rating=RatingSettings(accounts=("acme", "Zeta"), criteria=(FIT, PAYMENT))
    )
    result = run_method(data, settings, AS_OF)
    ratings = {r.account_id: r.position for r in result.rating.accounts}
    assert ratings == {"Zeta": 1, "acme": 2}
    path = write_workbook(result, tmp_path / "tie.xlsx")
    sheet = load_rating(path, result.rating.criteria)
    assert {i: s.position for i, s in sheet.evaluate().items()} == ratings
    stored = openpyxl.load_workbook(path, data_only=True)["Rating"]
    positions = {i: stored.cell(row=sheet.row_of(i), column=sheet.position_column).value
                 for i in ratings}  # fmt: skip
    assert positions == ratings
