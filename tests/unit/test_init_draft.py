"""The proposed configuration: rendering as commented TOML the config accepts, and the review
on a terminal (accept, change, skip) with scripted answers instead of a person."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crm_accounts.config import parse_config
from crm_accounts.init.draft import Draft, render
from crm_accounts.init.facts import Choice, Field, RoleSource, SourceFacts, Status
from crm_accounts.init.propose import propose
from crm_accounts.init.review import review

TODAY = date(2026, 11, 27)


def _salesforce() -> SourceFacts:
    return SourceFacts(
        "salesforce",
        "https://example.my.salesforce.com",
        dmu=RoleSource(
            "AccountContactRelation.Roles",
            (Choice("Beslisser"), Choice("Inkoper"), Choice("Other"), Choice('Say "hi" \\ me')),
        ),
        psu=RoleSource("AccountTeamMember.TeamMemberRole", (Choice("Accountmanager"),)),
        numbers=(Field("Payment_Days__c", "Payment Days"), Field("Strategic_Fit__c")),
        statuses=(Status("Open", False), Status("Afgerond", True), Status("Geannuleerd", True)),
        named={"gatekeeper": "Gatekeeper__c"},
        settings={"auth": "client_credentials"},
    )


def _scripted(*answers: str) -> tuple[Iterator[str], list[str]]:
    asked: list[str] = []
    queue = iter(answers)

    def ask(question: str) -> str:
        asked.append(question)
        return next(queue, "")

    return ask, asked  # type: ignore[return-value]


def test_the_proposal_for_an_org_is_a_configuration_the_config_accepts() -> None:
    config = parse_config(render(propose(_salesforce(), today=TODAY)))

    assert config.source.kind == "salesforce"
    assert config.salesforce.contact_roles == {"Beslisser": "decider", "Inkoper": "buyer"}
    assert config.salesforce.team_roles == {"Accountmanager": "account_manager"}
    assert config.plan.closed_status == "Afgerond"  # the first closed status, not "Open"
    assert config.salesforce.gatekeeper_field == "Gatekeeper__c"
    assert config.salesforce.attributes == {
        "payment_days": "Payment_Days__c", "strategic_fit": "Strategic_Fit__c",
    }  # fmt: skip
    criteria = {c.key: (c.source, c.better.value) for c in config.rating.criteria}
    assert criteria == {
        "revenue": ("revenue", "higher"),
        "payment_days": ("payment_days", "lower"),
        "strategic_fit": ("strategic_fit", "higher"),
    }


def test_unmapped_values_are_written_commented_out_with_their_best_candidate() -> None:
    text = render(propose(_salesforce(), today=TODAY))
    line = next(x for x in text.splitlines() if "Other" in x)
    assert line.startswith('# Other = ""  # no role: best match')


def test_a_role_table_with_nothing_mapped_is_commented_out_so_the_defaults_stay() -> None:
    facts = _salesforce()
    facts = SourceFacts(**{**facts.__dict__, "dmu": RoleSource("X.Roles", (Choice("Other"),))})
    text = render(propose(facts, today=TODAY))
    assert "# [salesforce.contact_roles]" in text
    config = parse_config(text)
    assert config.salesforce.contact_roles["Decision Maker"] == "decider"  # the default map


def test_more_numeric_fields_than_five_criteria_are_listed_not_rated() -> None:
    facts = SourceFacts("csv", "data", numbers=tuple(Field(f"n{i}") for i in range(8)))
    config = parse_config(render(propose(facts, today=TODAY)))
    assert len(config.rating.criteria) == 5
    assert "Other numeric fields: n4, n5, n6, n7" in render(propose(facts, today=TODAY))


def test_pressing_enter_throughout_accepts_everything_as_without_a_terminal() -> None:
    quiet = render(propose(_salesforce(), today=TODAY))
    draft = propose(_salesforce(), today=TODAY)
    ask, asked = _scripted()
    assert review(draft, ask) == len(asked) == len(draft.proposals()) > 0
    assert render(draft) == quiet


def test_change_and_skip_on_review_end_up_in_the_file() -> None:
    draft = propose(_salesforce(), today=TODAY)
    order = [f"[{t.name}] {s.key}" for t, s in draft.proposals()]
    answers = ["a"] * len(order)
    answers[order.index("[salesforce.contact_roles] Inkoper")] = "s"
    answers[order.index("[salesforce.contact_roles] Beslisser")] = "c\nnobody\nadvisor"
    answers[order.index("[plan] closed_status")] = "c\nOpen\nGeannuleerd"
    flat = [part for answer in answers for part in answer.split("\n")]
    ask, asked = _scripted(*flat)

    review(draft, ask)
    config = parse_config(render(draft))

    assert config.salesforce.contact_roles == {"Beslisser": "advisor"}
    assert config.plan.closed_status == "Geannuleerd"
    assert any("choose one of: decider, buyer" in q for q in asked)  # "nobody" was refused
    assert any("choose one of: Afgerond, Geannuleerd" in q for q in asked)  # open: refused
    assert '# Inkoper = "buyer"  # skipped on review' in render(draft)


@settings(deadline=None)  # timing is not the property
@given(st.text(min_size=1, max_size=30), st.sampled_from(["decider", "user"]))
def test_any_crm_value_is_written_as_a_toml_key_that_reads_back_the_same(
    value: str, role: str
) -> None:
    draft = Draft(heading=("x",))
    table = draft.table("salesforce.contact_roles")
    table.add(value, role)
    config = parse_config(render(draft))
    assert config.salesforce.contact_roles == {value: role}


@pytest.mark.parametrize("kind", ["csv", "salesforce", "hubspot"])
def test_a_source_with_nothing_in_it_still_gives_a_valid_file(kind: str, tmp_path: Path) -> None:
    facts = SourceFacts(kind, "data" if kind == "csv" else "https://api.example.com")  # type: ignore[arg-type]
    config = parse_config(render(propose(facts, today=TODAY)), base_dir=tmp_path)
    assert config.source.kind == kind


@settings(deadline=None)  # timing is not the property
@given(st.text(max_size=30))
def test_any_note_or_heading_stays_a_comment(text: str) -> None:
    draft = Draft(heading=(text,))
    draft.table("rating", text).add("top", 5, text)
    assert parse_config(render(draft)).rating.top == 5
