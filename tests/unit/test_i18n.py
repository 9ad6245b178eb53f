"""Output languages: the catalogs cover every message, and numbers and dates follow the language.

The catalogs are read from their ``.po`` sources at run time (nothing is compiled), so the only
way for a language to fall behind the code is a message without a translation: the first test
extracts every message from the package, as ``pybabel extract -F babel.cfg`` does, and asks each
catalog for it.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po
from hypothesis import given
from hypothesis import strategies as st

from crm_accounts.config import parse_config
from crm_accounts.errors import ConfigError
from crm_accounts.i18n import (
    CATALOG_DOMAIN,
    LOCALE_DIR,
    SOURCE_LANGUAGE,
    available_languages,
    catalog_path,
    language,
)

ROOT = Path(__file__).resolve().parents[2]
PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def _method_map() -> list[tuple[str, str]]:
    """babel.cfg's sections as the (pattern, method) pairs the extractor takes."""
    sections = re.findall(r"^\[(\w+): ([^\]]+)\]", (ROOT / "babel.cfg").read_text(), re.M)
    return [(pattern, method) for method, pattern in sections]


Message = tuple[str | None, str | tuple[str, str]]  # (context, id or singular and plural)


def _extracted() -> set[Message]:
    found: set[Message] = set()
    options = {"crm_accounts/reports/templates/**.j2": {"extensions": "jinja2.ext.i18n"}}
    keywords = {"_": None, "N_": None, "n_": (1, 2), "p_": ((1, "c"), 2), "pgettext": ((1, "c"), 2)}
    for _file, _line, message, _comments, context in extract_from_dir(
        str(ROOT), _method_map(), options, keywords
    ):
        found.add((context, message if isinstance(message, str) else (message[0], message[1])))
    return found


def _catalog(path: Path) -> dict[Message, Any]:
    with path.open("rb") as handle:
        return {
            (m.context, m.id if isinstance(m.id, str) else (m.id[0], m.id[1])): m
            for m in read_po(handle)
            if m.id
        }


@pytest.fixture(scope="module")
def extracted() -> set[Message]:
    messages = _extracted()
    assert len(messages) > 200, "the extraction should find the report's words"
    return messages


@pytest.mark.parametrize("code", [c for c in available_languages() if c != SOURCE_LANGUAGE])
def test_every_message_in_the_code_has_a_translation_in_each_catalog(
    code: str, extracted: set[Message]
) -> None:
    translated = {
        key
        for key, m in _catalog(catalog_path(code)).items()
        if not m.fuzzy and all(m.string if isinstance(m.string, tuple) else [m.string])
    }

    missing = sorted(str(message) for message in extracted if message not in translated)

    assert missing == [], f"translate these in {catalog_path(code)}"


@pytest.mark.parametrize("code", [c for c in available_languages() if c != SOURCE_LANGUAGE])
def test_translations_keep_every_placeholder_of_their_message(code: str) -> None:
    with catalog_path(code).open("rb") as handle:
        catalog = read_po(handle)
    for message in catalog:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        wanted = set(PLACEHOLDER.findall(ids[-1]))
        for text in strings:
            assert set(PLACEHOLDER.findall(text)) == wanted, (message.id, text)


def test_the_template_of_messages_lists_what_the_code_holds(extracted: set[Message]) -> None:
    template = set(_catalog(LOCALE_DIR / f"{CATALOG_DOMAIN}.pot"))

    assert template == extracted, "rerun pybabel extract (docs/reports.md, Output language)"


def test_dutch_is_available_and_english_needs_no_catalog() -> None:
    assert available_languages() == ("en", "nl")
    assert not catalog_path("en").exists()


def test_english_formats_are_the_ones_the_product_always_printed() -> None:
    en = language("en")

    assert en.money(Decimal("-1234567.505")) == f"{Decimal('-1234567.505'):,.2f}"
    assert en.percent(Decimal("0.197044")) == "19.7%"
    assert en.day(date(2026, 11, 27)) == "2026-11-27"
    assert en.week(date(2026, 11, 27)) == "27 Nov"
    assert en.moment(datetime(2026, 11, 27, 6, 5)) == "2026-11-27 06:05"
    assert en.plain(Decimal("2.50")) == "2.5"
    assert en.exact(Decimal("8.50")) == "8.50"
    assert en.count(12345) == "12,345"


def test_dutch_numbers_and_dates_use_comma_decimals_and_day_month_year() -> None:
    nl = language("nl")

    assert nl.money(Decimal("1234567.5")) == "1.234.567,50"
    assert nl.percent(Decimal("0.197044")) == "19,7%"
    assert nl.day(date(2026, 11, 27)) == "27-11-2026"
    assert nl.plain(Decimal("12.5")) == "12,5"
    assert nl.exact(Decimal("8.50")) == "8,50"
    assert nl.count(12345) == "12.345"
    assert nl._("Customer rating") == "Klantrating"
    assert nl.n_("overdue by %(days)s day", "overdue by %(days)s days", 1) % {"days": 1} == (
        "1 dag te laat"
    )


@given(st.decimals(min_value=-(10**9), max_value=10**9, places=2, allow_nan=False))
def test_english_money_matches_the_old_format_for_any_amount(amount: Decimal) -> None:
    assert language("en").money(amount) == f"{amount:,.2f}"


@given(st.decimals(min_value=0, max_value=1, places=6, allow_nan=False))
def test_english_percentages_match_the_old_format_for_any_share(share: Decimal) -> None:
    assert language("en").percent(share) == f"{share * 100:.1f}%"


def test_the_output_language_defaults_to_english() -> None:
    assert parse_config("").output.language == "en"
    assert parse_config('[output]\nlanguage = " NL "').output.language == "nl"


def test_an_unknown_language_is_a_configuration_error_naming_key_and_value() -> None:
    with pytest.raises(ConfigError) as error:
        parse_config('[output]\nlanguage = "fr"', origin="crm.toml")

    message = str(error.value)
    assert "crm.toml: key 'output.language': value 'fr'" in message
    assert "en, nl" in message


def test_an_unknown_key_in_output_is_refused() -> None:
    with pytest.raises(ConfigError, match=r"key 'output.lang': unknown key"):
        parse_config('[output]\nlang = "nl"')
