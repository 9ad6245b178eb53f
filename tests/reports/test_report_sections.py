"""The report's readability: scores beside ranks, warnings where they belong, words for codes,
an index of accounts that jumps to each matrix, print rules, and the three Movements cases."""

from __future__ import annotations

import re
from html import unescape

import pytest

from crm_accounts.domain.method import MethodResult
from crm_accounts.domain.planning import PlanStatus
from crm_accounts.domain.rating import criterion_value
from crm_accounts.i18n import language
from crm_accounts.reports.html import matrix_anchors, render_html
from crm_accounts.reports.matrix import AccountMatrix, top_accounts
from crm_accounts.sync.report import Movement


def _render(result: MethodResult, **options: object) -> str:
    return render_html(result, default_capacity=10, **options)  # type: ignore[arg-type]


def _section(page: str, name: str) -> str:
    start = page.index(f'<section id="{name}">')
    return page[start : page.index("</section>", start)]


def _rows(table_html: str) -> list[list[str]]:
    """Cell texts per body row (tags stripped, entities decoded, spaces collapsed)."""
    body = table_html[table_html.index("<tbody>") :]
    return [
        [" ".join(unescape(re.sub(r"<[^>]+>", " ", cell)).split()) for cell in cells]
        for cells in (
            re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
            for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)
        )
    ]


@pytest.fixture(scope="module")
def page(demo_result: MethodResult) -> str:
    return _render(demo_result)


def test_each_rank_has_the_score_it_was_ranked_on_beside_it(
    page: str, demo_result: MethodResult
) -> None:
    rows = _rows(_section(page, "rating"))
    criteria = demo_result.rating.criteria
    en = language("en")

    for rated, cells in zip(demo_result.rating.accounts, rows, strict=True):
        for index, criterion in enumerate(criteria):
            value, _ = criterion_value(
                criterion, rated.account_id, demo_result.revenue.metric,
                lambda a: demo_result.accounts[a].attributes,
            )  # fmt: skip
            score, rank = cells[4 + 2 * index], cells[5 + 2 * index]
            assert rank == en.plain(rated.ranks[criterion.key])
            if value is None:
                assert score.startswith("missing ")
            elif criterion.source == "revenue":
                assert score == en.money(value)
            else:
                assert score == en.plain(value)


def test_a_score_that_is_not_a_number_is_flagged_in_its_own_cell(
    page: str, demo_result: MethodResult
) -> None:
    assert demo_result.rating.warnings, "the demo holds a non-numeric strategic fit"
    rating = _section(page, "rating")

    flagged = re.findall(r'<td class="num warn">missing<small class="warn">([^<]*)</small>', rating)

    assert "&#x27;n/a&#x27; is not a number: counted as missing" in flagged
    assert "no value: ranked after the accounts with one" in flagged
    assert "is not a number; the rating counts it as missing" in _section(page, "warnings")


def test_unscheduled_contacts_show_their_segment_and_the_reason_in_words(
    page: str, demo_result: MethodResult
) -> None:
    unscheduled = [p for p in demo_result.plan if p.status is PlanStatus.UNSCHEDULED]
    assert unscheduled, "the demo plans more than its members can take"
    plan = _section(page, "plan")
    table = plan[plan.index("<details>") :]

    rows = _rows(table)

    assert len(rows) == len(unscheduled)
    for planned, cells in zip(unscheduled, rows, strict=True):
        assert cells[1] == demo_result.segments[planned.pair.account_id].value
        assert cells[6].startswith("over capacity: no week in the horizon has room left for ")
    assert "over_capacity" not in plan


def test_the_index_links_every_drawn_matrix_by_a_unique_anchor(
    page: str, demo_result: MethodResult
) -> None:
    matrices, _ = top_accounts(demo_result, 100)
    index = page[page.index('<ul id="account-index">') :]
    index = index[: index.index("</ul>")]

    targets = re.findall(r'<a href="#([^"]+)">', index)
    anchors = re.findall(r'<section class="account" id="([^"]+)">', page)

    assert len(targets) == len(matrices) == len(anchors)
    assert targets == anchors
    assert len(set(anchors)) == len(anchors)
    assert re.search(r'<input id="account-search" type="search" hidden', page)


def test_anchors_stay_unique_when_account_ids_differ_only_in_unsafe_characters() -> None:
    matrices = [AccountMatrix(account_id, (), (), ()) for account_id in ("x y", "x/y", "x-y", "")]

    anchors = matrix_anchors(matrices)

    assert len(set(anchors.values())) == 4
    assert all(re.fullmatch(r"account-[A-Za-z0-9_-]+", a) for a in anchors.values())


def test_printing_keeps_headings_with_what_follows(page: str) -> None:
    style = page[page.index("<style>") : page.index("</style>")]
    printing = style[style.index("@media print") :]

    assert re.search(r"h1, h2, h3 \{ break-after: avoid;", printing)
    assert "h2 + *, h3 + * { break-before: avoid;" in printing
    assert "section.account { break-inside: avoid; }" in style


def test_movements_say_whether_there_was_nothing_to_compare_or_nothing_changed(
    demo_result: MethodResult,
) -> None:
    no_run = _section(_render(demo_result, movements=None), "movements")
    no_change = _section(_render(demo_result, movements=[]), "movements")
    account_id = demo_result.rating.accounts[0].account_id
    moved = _section(
        _render(demo_result, movements=[Movement(account_id, "B", "A", 3, 1)]), "movements"
    )

    assert "no previous sync to compare with" in no_run
    assert "no account changed segment or rating position since the previous sync" in no_change
    assert "no previous sync" not in no_change
    assert "No movements" not in moved
    assert "<td class=num>3</td><td class=num>1</td>" in moved


def test_the_dutch_page_says_so_and_writes_numbers_the_dutch_way(
    demo_result: MethodResult,
) -> None:
    page = _render(demo_result, lang=language("nl"))
    total = language("nl").money(demo_result.segmentation.total)

    assert page.startswith('<!DOCTYPE html>\n<html lang="nl">')
    assert f"(totaal {total})" in page
    assert "," in total
    assert "Klantrating" in _section(page, "rating")
    assert "boven capaciteit: geen week binnen de horizon heeft nog ruimte voor" in page
