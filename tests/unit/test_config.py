"""The TOML configuration (CONTRACTS.md): unknown keys and bad values are errors naming the key and
the value, every key has a default, floats are exact decimals, paths are relative to the file."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crm_accounts.config import MAX_CRITERIA, Config, load_config, parse_config
from crm_accounts.domain.model import DmuRole, PsuRole
from crm_accounts.domain.settings import Better, SegmentationRule
from crm_accounts.errors import ConfigError, UsageError


def refusal(text: str) -> str:
    """The message of the ConfigError that ``text`` raises."""
    with pytest.raises(ConfigError) as info:
        parse_config(text, origin="crm.toml")
    return str(info.value)


def assert_names(message: str, key: str, *values: str) -> None:
    line = next((line for line in message.splitlines() if key in line), None)
    assert line is not None, f"{key!r} not named in:\n{message}"
    for value in values:
        assert value in line, f"{value!r} not named next to {key!r}:\n{message}"


def criteria(count: int, *, key: str = "k{i}") -> str:
    return "".join(
        f'[[rating.criteria]]\nkey = "{key.format(i=i)}"\nsource = "revenue"\n'
        for i in range(count)
    )


# -- errors ------------------------------------------------------------------------------------


def test_config_error_is_a_usage_error_so_the_cli_exits_with_code_2() -> None:
    assert issubclass(ConfigError, UsageError)


def test_an_unknown_top_level_key_is_named_with_its_value() -> None:
    message = refusal("reprot = 'weekly'\n")

    assert_names(message, "reprot", "weekly")
    assert "crm.toml" in message


def test_an_unknown_top_level_table_is_named() -> None:
    assert_names(refusal("[sgments]\nrule = 'customer_share'\n"), "sgments", "customer_share")


@pytest.mark.parametrize(
    ("text", "key", "value"),
    [
        ('[segments]\nrul = "customer_share"\n', "segments.rul", "customer_share"),
        ("[plan]\nhorizon = 3\n", "plan.horizon", "3"),
        ("[period]\nmonth = 6\n", "period.month", "6"),
        ("[source]\nfolder = 'data'\n", "source.folder", "data"),
        ("[rating]\nbottom = 2\n", "rating.bottom", "2"),
        ('[[rating.criteria]]\nkey = "fit"\nsource = "revenue"\nweight = 2\n',
         "rating.criteria[0].weight", "2"),
        ('[[plan.rules]]\nsegment = "A"\npsu = "support"\ndmu = "user"\nevery_days = 30\n'
         "every = 7\n", "plan.rules[0].every", "7"),
    ],
)  # fmt: skip
def test_an_unknown_nested_key_is_named_with_its_dotted_path_and_value(
    text: str, key: str, value: str
) -> None:
    assert_names(refusal(text), key, value)


@pytest.mark.parametrize(
    ("text", "key", "value"),
    [
        ('[period]\nmonths = "twelve"\n', "period.months", "twelve"),
        ("[period]\nmonths = 12.5\n", "period.months", "12.5"),
        ('[segments]\na = "high"\n', "segments.a", "high"),
        ("[segments]\nrule = 3\n", "segments.rule", "3"),
        ('[rating]\naccounts = "a1"\n', "rating.accounts", "a1"),
        ("[rating]\ntop = [5]\n", "rating.top", "5"),
        ("[plan]\nclosed_status = 3\n", "plan.closed_status", "3"),
        ('[plan]\nrules = "none"\n', "plan.rules", "none"),
        ("period = 12\n", "period", "12"),
        ("[source]\npath = 7\n", "source.path", "7"),
    ],
)
def test_a_value_of_the_wrong_type_is_named_with_its_key(text: str, key: str, value: str) -> None:
    assert_names(refusal(text), key, value)


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("[period]\nmonths = true\n", "period.months"),
        ("[rating]\ntop = false\n", "rating.top"),
        ("[plan]\nhorizon_days = true\n", "plan.horizon_days"),
    ],
)
def test_a_boolean_where_a_number_belongs_is_refused_not_read_as_0_or_1(
    text: str, key: str
) -> None:
    """``months = true`` is a typo, not one month: typos must not pass silently."""
    assert_names(refusal(text), key)


@pytest.mark.parametrize(
    ("text", "key", "value"),
    [
        ("[period]\nmonths = 0\n", "period.months", "0"),
        ("[period]\nmonths = 121\n", "period.months", "121"),
        ("[segments]\na = 0\n", "segments.a", "0"),
        ("[segments]\na = 1.5\n", "segments.a", "1.5"),
        ("[segments]\nb = -0.1\n", "segments.b", "-0.1"),
        ("[rating]\ntop = 0\n", "rating.top", "0"),
        ("[plan]\nlookback_days = 0\n", "plan.lookback_days", "0"),
        ("[plan]\nhorizon_days = -1\n", "plan.horizon_days", "-1"),
        ("[plan]\ncapacity_per_week = -1\n", "plan.capacity_per_week", "-1"),
        ('[plan]\nclosed_status = ""\n', "plan.closed_status", "''"),
        ('[[plan.rules]]\nsegment = "A"\npsu = "support"\ndmu = "user"\nevery_days = 0\n',
         "plan.rules[0].every_days", "0"),
    ],
)  # fmt: skip
def test_a_value_out_of_range_is_named_with_its_key(text: str, key: str, value: str) -> None:
    assert_names(refusal(text), key, value)


@pytest.mark.parametrize(
    ("text", "key", "value"),
    [
        ('[source]\nkind = "excel"\n', "source.kind", "excel"),
        ('[segments]\nrule = "pareto"\n', "segments.rule", "pareto"),
        ('[[rating.criteria]]\nkey = "fit"\nsource = "revenue"\nbetter = "best"\n',
         "rating.criteria[0].better", "best"),
        ('[[rating.criteria]]\nkey = "my fit"\nsource = "revenue"\n',
         "rating.criteria[0].key", "my fit"),
        ('[[rating.criteria]]\nkey = "fit"\nsource = ""\n', "rating.criteria[0].source", "''"),
        ('[[rating.criteria]]\nsource = "revenue"\n', "rating.criteria[0].key", "revenue"),
        ('[[plan.rules]]\nsegment = "D"\npsu = "support"\ndmu = "user"\nevery_days = 30\n',
         "plan.rules[0].segment", "D"),
        ('[[plan.rules]]\nsegment = "A"\npsu = "ceo"\ndmu = "user"\nevery_days = 30\n',
         "plan.rules[0].psu", "ceo"),
        ('[[plan.rules]]\nsegment = "A"\npsu = "support"\ndmu = "boss"\nevery_days = 30\n',
         "plan.rules[0].dmu", "boss"),
    ],
)  # fmt: skip
def test_a_value_outside_its_choices_is_named_with_its_key(text: str, key: str, value: str) -> None:
    assert_names(refusal(text), key, value)


def test_a_greater_than_b_names_both_values() -> None:
    assert_names(refusal("[segments]\na = 0.9\nb = 0.5\n"), "segments", "0.9", "0.5")


def test_a_above_the_default_b_of_customer_share_names_both_values() -> None:
    message = refusal('[segments]\nrule = "customer_share"\na = 0.6\n')

    assert_names(message, "segments", "0.6", "0.5")


def test_a_sixth_rating_criterion_is_refused_with_the_limit_and_the_reason() -> None:
    message = refusal(criteria(MAX_CRITERIA + 1))

    assert MAX_CRITERIA == 5
    assert_names(message, "rating.criteria")
    assert re.search(r"\b(5|five)\b", message), message
    reason = message.split("rating.criteria", 1)[1]
    assert re.search(r"because|few|meaningful|blur|more than", reason), message


def test_five_rating_criteria_are_accepted() -> None:
    config = parse_config(criteria(MAX_CRITERIA))

    assert [c.key for c in config.settings().rating.criteria] == [f"k{i}" for i in range(5)]


def test_duplicate_criterion_keys_are_refused_naming_the_key() -> None:
    text = (
        '[[rating.criteria]]\nkey = "fit"\nsource = "revenue"\n'
        '[[rating.criteria]]\nkey = "fit"\nsource = "margin"\n'
    )

    assert_names(refusal(text), "rating.criteria", "fit")


def test_repeated_rating_accounts_are_refused_naming_the_id() -> None:
    assert_names(refusal('[rating]\naccounts = ["a1", "a2", "a1"]\n'), "rating.accounts", "a1")


def test_an_empty_rating_account_id_is_refused() -> None:
    assert_names(refusal('[rating]\naccounts = ["a1", ""]\n'), "rating.accounts")


def test_every_bad_key_of_a_file_is_listed_at_once() -> None:
    message = refusal("[period]\nmonths = 0\n[rating]\ntop = 0\n[plan]\nhorizon = 3\n")

    assert_names(message, "period.months", "0")
    assert_names(message, "rating.top", "0")
    assert_names(message, "plan.horizon", "3")


@pytest.mark.parametrize(
    "text",
    ["[segments\nrule = 'revenue_share'\n", "a = \n", "x = 'unclosed\n", "[[rating.criteria]\n",
     "[plan]\nhorizon_days = 28\nhorizon_days = 7\n"],
)  # fmt: skip
def test_bad_toml_syntax_is_refused_naming_the_file_and_the_line(text: str) -> None:
    message = refusal(text)

    assert "crm.toml" in message
    assert re.search(r"line \d+|end of document", message), message
    assert "TOML" in message


def test_a_missing_config_file_is_refused_naming_the_path(tmp_path: Path) -> None:
    path = tmp_path / "missing.toml"

    with pytest.raises(ConfigError, match=re.escape(str(path))):
        load_config(path)


def test_a_config_file_that_is_not_utf8_is_refused_naming_the_path(tmp_path: Path) -> None:
    path = tmp_path / "latin.toml"
    path.write_bytes(b'[plan]\nclosed_status = "Report\xe9"\n')

    with pytest.raises(ConfigError, match=re.escape(str(path))):
        load_config(path)


def test_a_bad_value_in_a_file_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "crm.toml"
    path.write_text("[period]\nmonths = 0\n", encoding="utf-8")

    with pytest.raises(ConfigError) as info:
        load_config(path)

    assert_names(str(info.value), str(path), "period.months", "0")


# -- accepted values and defaults --------------------------------------------------------------


def test_an_empty_file_gives_every_default() -> None:
    config = parse_config("")

    assert config == Config()
    settings_ = config.settings()
    assert settings_.months == 12
    assert settings_.segmentation.rule is SegmentationRule.REVENUE_SHARE
    assert (settings_.segmentation.a, settings_.segmentation.b) == (
        Decimal("0.80"),
        Decimal("0.95"),
    )
    assert settings_.rating.top == 5
    assert settings_.rating.accounts is None
    assert settings_.plan.lookback_days == 365
    assert settings_.plan.horizon_days == 28
    assert settings_.plan.capacity_per_week == 10
    assert settings_.plan.closed_status == "Deferred"


def test_a_float_is_read_as_the_exact_decimal_written() -> None:
    config = parse_config("[segments]\na = 0.8\nb = 0.95\n")

    a = config.settings().segmentation.a
    assert isinstance(a, Decimal)
    assert a == Decimal("0.8")
    assert a * 5 == 4  # 0.8 as a binary float is 0.8000000000000000444...
    assert config.settings().segmentation.b == Decimal("0.95")


def test_customer_share_defaults_to_20_and_50_percent_when_a_and_b_are_unset() -> None:
    segmentation = parse_config('[segments]\nrule = "customer_share"\n').settings().segmentation

    assert segmentation.rule is SegmentationRule.CUSTOMER_SHARE
    assert (segmentation.a, segmentation.b) == (Decimal("0.20"), Decimal("0.50"))


def test_revenue_share_defaults_to_80_and_95_percent_when_a_and_b_are_unset() -> None:
    segmentation = parse_config('[segments]\nrule = "revenue_share"\n').settings().segmentation

    assert (segmentation.a, segmentation.b) == (Decimal("0.80"), Decimal("0.95"))


def test_only_the_unset_threshold_takes_the_rule_default() -> None:
    segmentation = parse_config('[segments]\nrule = "customer_share"\nb = 0.6\n').settings()

    assert (segmentation.segmentation.a, segmentation.segmentation.b) == (
        Decimal("0.20"),
        Decimal("0.6"),
    )


@pytest.mark.parametrize("written", [" Customer_Share ", "CUSTOMER_SHARE", "customer_share"])
def test_the_rule_name_is_case_insensitive_and_trimmed(written: str) -> None:
    config = parse_config(f'[segments]\nrule = "{written}"\n')

    assert config.settings().segmentation.rule is SegmentationRule.CUSTOMER_SHARE


def test_role_keys_segments_and_better_in_plan_rules_and_criteria_are_case_insensitive() -> None:
    config = parse_config(
        '[[rating.criteria]]\nkey = "fit"\nsource = "revenue"\nbetter = " Lower "\n'
        '[[plan.rules]]\nsegment = " b "\npsu = " Account_Manager "\ndmu = "DECIDER"\n'
        "every_days = 45\n"
    )

    rule = config.settings().plan.rules[0]
    assert (rule.segment.value, rule.psu, rule.dmu) == (
        "B",
        PsuRole.ACCOUNT_MANAGER,
        DmuRole.DECIDER,
    )
    assert config.settings().rating.criteria[0].better is Better.LOWER


def test_given_plan_rules_replace_the_default_template() -> None:
    config = parse_config(
        '[[plan.rules]]\nsegment = "A"\npsu = "support"\ndmu = "user"\nevery_days = 14\n'
    )

    assert len(config.settings().plan.rules) == 1


def test_a_relative_source_path_is_resolved_against_the_config_files_folder(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "project" / "conf"
    folder.mkdir(parents=True)
    path = folder / "crm.toml"
    path.write_text('[source]\npath = "../data"\n', encoding="utf-8")

    config = load_config(path)

    assert config.source_path().resolve() == (tmp_path / "project" / "data").resolve()


def test_an_absolute_source_path_is_kept(tmp_path: Path) -> None:
    path = tmp_path / "crm.toml"
    path.write_text(f"[source]\npath = '{tmp_path / 'elsewhere'}'\n", encoding="utf-8")

    assert load_config(path).source_path() == tmp_path / "elsewhere"


def test_the_default_source_path_is_data_beside_the_config_file(tmp_path: Path) -> None:
    path = tmp_path / "crm.toml"
    path.write_text("", encoding="utf-8")

    assert load_config(path).source_path() == tmp_path / "data"


def test_a_config_file_with_a_utf8_bom_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "crm.toml"
    path.write_bytes(b"\xef\xbb\xbf[period]\nmonths = 6\n")

    assert load_config(path).settings().months == 6


# -- properties --------------------------------------------------------------------------------


@settings(max_examples=200, deadline=None, database=None, derandomize=True)
@given(text=st.text(max_size=300))
def test_any_text_either_parses_or_raises_config_error(text: str) -> None:
    try:
        parse_config(text, origin="crm.toml")
    except ConfigError as exc:
        message = str(exc)
    else:
        return
    assert message.startswith("crm.toml"), message


TOML_SCALARS = st.one_of(
    st.integers(-(2**63), 2**63 - 1).map(str),
    st.decimals(-2, 200, places=3).map(lambda d: format(d, "f")),
    st.booleans().map(lambda b: "true" if b else "false"),
    st.text(
        st.characters(min_codepoint=0x20, max_codepoint=0x7E, exclude_characters='"\\'),
        max_size=12,
    ).map(lambda s: f'"{s}"'),
)
KEYS = st.sampled_from(
    ["months", "rule", "a", "b", "top", "accounts", "lookback_days", "horizon_days",
     "capacity_per_week", "closed_status", "kind", "path", "bogus"]
)  # fmt: skip
SECTION_NAMES = st.sampled_from(["period", "segments", "rating", "plan", "source", "extra"])


@settings(max_examples=200, deadline=None, database=None, derandomize=True)
@given(
    sections=st.dictionaries(
        SECTION_NAMES, st.dictionaries(KEYS, TOML_SCALARS, max_size=4), max_size=4
    )
)
def test_any_config_shaped_document_either_parses_or_names_a_key(
    sections: dict[str, dict[str, str]],
) -> None:
    text = "".join(
        f"[{section}]\n" + "".join(f"{key} = {value}\n" for key, value in keys.items())
        for section, keys in sections.items()
    )
    try:
        config = parse_config(text, origin="crm.toml")
    except ConfigError as exc:
        message = str(exc)
    else:
        config.settings()  # a parsed config always converts to domain settings
        return
    assert re.search(r"key '[\w.\[\]]+'", message), message


# -- [csv.fields], statuses and secrets (issue 13) ----------------------------------------------


def test_target_column_names_are_trimmed_so_the_header_reads_back() -> None:
    config = parse_config('[csv.fields]\nsegment = "  kam_seg  "\n')
    assert config.csv.fields["segment"] == "kam_seg"


def test_a_target_column_that_trims_to_a_source_column_is_refused() -> None:
    with pytest.raises(ConfigError, match="name"):
        parse_config('[csv.fields]\nsegment = " name "\n')


def test_target_columns_equal_after_trimming_are_refused_as_repeated() -> None:
    with pytest.raises(ConfigError, match="distinct"):
        parse_config('[csv.fields]\nsegment = "kam_x"\nrevenue = " kam_x"\n')


def test_a_target_column_a_rating_criterion_reads_is_refused_naming_both() -> None:
    text = (
        '[csv.fields]\nsegment = "strategic_fit"\n'
        '[[rating.criteria]]\nkey = "fit"\nsource = "strategic_fit"\n'
    )
    with pytest.raises(ConfigError, match=r"segment = 'strategic_fit'.*rating criterion"):
        parse_config(text)


def test_the_closed_status_is_trimmed_and_cannot_be_blank() -> None:
    assert parse_config('[plan]\nclosed_status = " Deferred "\n').plan.closed_status == "Deferred"
    with pytest.raises(ConfigError, match="closed_status"):
        parse_config('[plan]\nclosed_status = "   "\n')


@pytest.mark.parametrize(
    "value",
    [
        "pat-na1-0b1c2d3e-4f5a-6b7c-8d9e-0f1a2b3c4d5e",
        "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ1c2VyQGV4YW1wbGUuY29tIn0.c2lnbmF0dXJlMTIz",
        "00D5g000004ABCD!AQ0AQH8Xr3xJ_rP4vW8dq2sT6uY9zB1cE5fG7hJ0kL3mN6oP9qR2",
        "a8f5f167f44f4964e6c998dee827110c3b5e9d41ab",
    ],
)
def test_a_value_that_looks_like_a_secret_is_never_echoed(value: str) -> None:
    for text in (f'token = "{value}"\n', f'[salesforce]\npassword = "{value}"\n',
                 f'[hubspot]\nhost = "{value}"\n'):  # fmt: skip
        with pytest.raises(ConfigError) as info:
            parse_config(text)
        assert value not in str(info.value)
        assert "looks like a secret" in str(info.value)


def test_an_ordinary_bad_value_is_still_echoed() -> None:
    with pytest.raises(ConfigError, match="'sometimes'"):
        parse_config('[segments]\nrule = "sometimes"\n')


@pytest.mark.parametrize("status", [" open ", "Open", "OPEN"])
def test_a_closed_status_that_reads_as_open_in_a_csv_folder_is_refused(status: str) -> None:
    with pytest.raises(ConfigError, match="status of an open task"):
        parse_config(f'[plan]\nclosed_status = "{status}"\n')


def test_more_won_stages_than_one_search_filter_takes_are_refused_naming_the_key() -> None:
    stages = ", ".join(f'"stage{n}"' for n in range(101))
    message = refusal(f'[source]\nkind = "hubspot"\n[hubspot]\nwon_stages = [{stages}]\n')
    assert "won_stages" in message
    parse_config(
        '[source]\nkind = "hubspot"\n[hubspot]\nwon_stages = ["closedwon"]\n', origin="crm.toml"
    )
