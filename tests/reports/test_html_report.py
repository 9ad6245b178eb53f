"""The HTML report: well-formed, every section, nothing external, values escaped and exact."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import replace
from datetime import UTC, datetime
from html.parser import HTMLParser

import pytest

from crm_accounts.domain.contact_plan import PairStatus
from crm_accounts.domain.method import MethodResult
from crm_accounts.domain.model import Account, Segment
from crm_accounts.reports.html import MAX_ROWS, render_html
from crm_accounts.reports.matrix import top_accounts
from crm_accounts.reports.palette import NOT_PLANNED, STATUS_COLOURS
from crm_accounts.sync.report import Movement

SECTIONS = ("identify", "rating", "accounts", "matrices", "gaps", "plan", "movements")
VOID = {"meta", "br", "hr", "img", "input", "link", "col", "wbr", "source", "area", "base"}
# The only URLs an inline SVG carries are XML namespace names, which are never fetched.
NAMESPACES = {"http://www.w3.org/2000/svg", "http://www.w3.org/1999/xlink"}


class _Page(HTMLParser):
    """Collects ids, references and tag nesting errors."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.errors: list[str] = []
        self.ids: Counter[str] = Counter()
        self.references: list[tuple[str, str, str]] = []
        self.tags: Counter[str] = Counter()
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags[tag] += 1
        for name, value in attrs:
            if name == "id" and value:
                self.ids[value] += 1
            if name in {"src", "href", "xlink:href", "action", "data", "poster"} or (
                name.startswith("xmlns")
            ):
                self.references.append((tag, name, value or ""))
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in VOID:
            self.stack.pop()

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes {self.stack[-1:] or 'nothing'}")
            return
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def _parse(page: str) -> _Page:
    parser = _Page()
    parser.feed(page)
    parser.close()
    return parser


def _render(result: MethodResult, **options: object) -> str:
    return render_html(result, default_capacity=10, **options)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def page(demo_result: MethodResult) -> str:
    return _render(demo_result, generated_at=datetime(2026, 11, 27, 6, 0, tzinfo=UTC))


def test_the_report_is_well_formed_with_every_section_once(page: str) -> None:
    parsed = _parse(page)

    assert parsed.errors == []
    assert parsed.stack == []
    assert page.startswith("<!DOCTYPE html>")
    for section in SECTIONS:
        assert parsed.ids[section] == 1, section
    duplicated = [name for name, count in parsed.ids.items() if count > 1]
    assert duplicated == [], "two charts on one page must not share element ids"


def test_the_report_references_nothing_outside_itself(page: str) -> None:
    parsed = _parse(page)

    # One inline script: the account index's filter (a plain list of links without it); a
    # script with a src would be in the references below and fail there.
    assert parsed.tags["script"] == 1
    script = page[page.index("<script") : page.index("</script>")]
    for network in ("fetch", "XMLHttpRequest", "import", "WebSocket", "http", "src"):
        assert network not in script, network
    assert parsed.tags["link"] == 0
    assert parsed.tags["img"] == 0
    assert parsed.tags["iframe"] == 0
    for tag, attribute, value in parsed.references:
        if attribute.startswith("xmlns"):
            assert value in NAMESPACES, (tag, attribute, value)
        else:
            # in-page anchors, and the heat map's pixels embedded as a data URI
            assert value.startswith(("#", "data:image/png;base64,")), (tag, attribute, value)
    assert "@import" not in page
    assert re.findall(r"url\((?!#)", page) == []
    assert "<!DOCTYPE svg" not in page, "the SVG's own DTD reference must be stripped"


def test_the_pareto_chart_is_an_inline_svg_with_the_headline(
    page: str, demo_result: MethodResult
) -> None:
    share = demo_result.pareto.customers_share_for_80pct_revenue
    assert share is not None

    headline = f"{share * 100:.1f}% of customers make 80% of revenue"

    assert headline in page
    assert page.count("<svg") == 2  # the Pareto chart and the weekly load
    assert "80% of revenue" in page
    for segment in ("A", "B", "C"):
        count = sum(1 for c in demo_result.segmentation.customers if c.segment.value == segment)
        assert f"{segment}: {count:,} customers" in page


def test_every_rated_account_appears_in_the_rating_table_with_its_points(
    page: str, demo_result: MethodResult
) -> None:
    rating = page[page.index('id="rating"') : page.index('id="accounts"')]
    for rated in demo_result.rating.accounts:
        name = demo_result.accounts[rated.account_id].name
        assert name.replace("&", "&amp;") in rating
        assert f"<td class=num>{rated.points.normalize():f}</td>" in rating


def test_each_matrix_cell_has_the_colour_of_its_pair_status(
    page: str, demo_result: MethodResult
) -> None:
    matrices, _ = top_accounts(demo_result, 100)
    first = matrices[0]
    pairs = {
        (p.member_id, p.contact_id): p.status
        for p in demo_result.matrix.pairs
        if p.account_id == first.account_id
    }
    expected = [
        pairs[(column.member_id, row.contact_id)].value
        if (column.member_id, row.contact_id) in pairs
        else NOT_PLANNED
        for row in first.contacts
        for column in first.members
    ]
    section = page[page.index('id="matrices"') :]
    table = section[section.index('<table class="matrix"') : section.index("</table>")]
    colours = re.findall(r'<td class="cell" style="background:#([0-9A-F]{6})">', table)

    assert colours == [STATUS_COLOURS[status] for status in expected]
    assert set(expected) - {NOT_PLANNED}, "the first matrix should hold some real pairs"


def test_the_demo_matrices_show_every_status_somewhere(demo_result: MethodResult) -> None:
    matrices, _ = top_accounts(demo_result, 100)
    shown = {cell.status for m in matrices for row in m.cells for cell in row}

    assert shown == {status.value for status in PairStatus} | {NOT_PLANNED}


def test_matrices_cover_rated_accounts_first_then_segment_a_up_to_the_limit(
    demo_result: MethodResult,
) -> None:
    segment_a = [c.account_id for c in demo_result.segmentation.customers if c.segment is Segment.A]
    rated = [r.account_id for r in demo_result.rating.accounts]

    matrices, left_out = top_accounts(demo_result, 10)

    assert [m.account_id for m in matrices][: len(rated)] == rated
    assert len(matrices) == 10
    assert left_out == len(set(rated) | set(segment_a)) - 10


def test_crm_values_are_escaped(demo_result: MethodResult) -> None:
    account_id = demo_result.rating.accounts[0].account_id
    hostile = '<script>alert("x")</script> & <b>Co</b>'
    accounts = dict(demo_result.accounts)
    accounts[account_id] = replace(accounts[account_id], name=hostile)
    page = _render(replace(demo_result, accounts=accounts))

    assert "<script>" not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &lt;b&gt;Co&lt;/b&gt;" in page
    assert _parse(page).errors == []


def test_movements_are_listed_with_before_and_now(demo_result: MethodResult) -> None:
    account_id = demo_result.rating.accounts[0].account_id
    moved = [Movement(account_id, "B", "A", None, 1)]

    page = _render(demo_result, movements=moved)
    section = page[page.index('id="movements"') :]

    assert demo_result.accounts[account_id].name.replace("&", "&amp;") in section
    assert section.count('<span class="badge"') == 2
    assert "No movements" not in section
    assert "No movements" in _render(demo_result)


def test_account_names_link_to_the_crm_when_the_connector_knows_the_page(
    demo_result: MethodResult,
) -> None:
    account_id = demo_result.rating.accounts[0].account_id

    page = _render(
        demo_result, link=lambda a: f"https://crm.example/{a}" if a == account_id else None
    )

    assert f'<a href="https://crm.example/{account_id}">' in page


def test_long_tables_are_cut_with_a_note_and_the_count(demo_result: MethodResult) -> None:
    many = {f"x{i:05d}": Account(f"x{i:05d}", f"Extra {i}") for i in range(MAX_ROWS + 5)}
    gaps = demo_result.matrix.gaps
    extra = tuple(replace(gaps[0], account_id=a) for a in many)
    segments = {**demo_result.segments, **dict.fromkeys(many, Segment.C)}
    result = replace(
        demo_result,
        accounts={**demo_result.accounts, **many},
        segments=segments,
        matrix=replace(demo_result.matrix, gaps=gaps + extra),
    )

    page = _render(result)
    section = page[page.index('id="gaps"') : page.index('id="plan"')]
    accounts_with_gaps = len({g.account_id for g in result.matrix.gaps})

    assert f"Showing the first {MAX_ROWS:,} of {accounts_with_gaps:,} accounts with gaps" in section
    assert section.count("<tr>") == MAX_ROWS + 2  # header, the all-accounts row, the shown rows


def test_a_source_without_contacts_says_so_instead_of_empty_matrices(
    demo_result: MethodResult,
) -> None:
    from crm_accounts.domain.contact_plan import ContactMatrix

    bare = replace(
        demo_result, has_contact_plan=False, matrix=ContactMatrix((), ()), plan=(), coverage=None
    )

    page = _render(bare)

    assert "The source has no contacts or account teams." in page
    assert "Nothing to plan" in page
    assert _parse(page).errors == []
