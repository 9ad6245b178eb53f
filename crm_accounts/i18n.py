"""Output languages: message catalogs, and numbers and dates as the language writes them.

The product's messages are written in English in the code and the templates; every other
language is one gettext catalog, ``locale/<code>/LC_MESSAGES/crm_accounts.po``, shipped in the
package. The ``.po`` file is read at run time (with Babel, once per language and process), so a
fresh install needs no compile step and there is no compiled file to fall out of date. Adding a
language is adding a catalog (docs/reports.md says how).

Numbers and dates on screen and in reports follow the language's locale (Babel, CLDR data);
the CSV exports never come here: they keep the formats CONTRACTS.md publishes.

Reads the packaged catalog files; nothing else does I/O.
"""

from __future__ import annotations

import gettext
import io
from datetime import date, datetime
from decimal import Decimal
from functools import cache
from pathlib import Path

from babel import Locale
from babel.dates import format_date, format_time
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal, get_decimal_symbol

__all__ = [
    "CATALOG_DOMAIN",
    "LOCALE_DIR",
    "N_",
    "SOURCE_LANGUAGE",
    "Language",
    "available_languages",
    "catalog_path",
    "language",
]

#: The language the messages are written in: it needs no catalog.
SOURCE_LANGUAGE = "en"
CATALOG_DOMAIN = "crm_accounts"
LOCALE_DIR = Path(__file__).parent / "locale"


def N_(message: str) -> str:  # noqa: N802 (the name gettext tools look for)
    """Mark ``message`` for the catalogs where it is defined; it is translated where shown."""
    return message


def catalog_path(code: str) -> Path:
    """Where the catalog of language ``code`` lives in the package."""
    return LOCALE_DIR / code / "LC_MESSAGES" / f"{CATALOG_DOMAIN}.po"


@cache
def available_languages() -> tuple[str, ...]:
    """The source language and every language with a catalog, in code order."""
    found = (
        {path.parent.parent.name for path in LOCALE_DIR.glob(f"*/LC_MESSAGES/{CATALOG_DOMAIN}.po")}
        if LOCALE_DIR.is_dir()
        else set()
    )
    return tuple(sorted(found | {SOURCE_LANGUAGE}))


class Language:
    """Translations and formats of one output language.

    ``_`` and ``n_`` translate (gettext and ngettext); :meth:`day`, :meth:`money`,
    :meth:`percent` and :meth:`number` format values for people. In the source language
    the formats are the ones the product always printed (ISO dates, ``1,234.50``).
    """

    def __init__(self, code: str, locale: Locale, translations: gettext.NullTranslations) -> None:
        self.code = code
        self.locale = locale
        self._translations = translations
        # Translators: the CLDR pattern of a date in reports and summaries (ISO in English).
        self._date_pattern = self._("yyyy-MM-dd")
        # Translators: the CLDR pattern of a week's first day in column headings ("27 Nov").
        self._week_pattern = self._("dd MMM")

    @property
    def translations(self) -> gettext.NullTranslations:
        """The gettext object (for the report templates)."""
        return self._translations

    def _(self, message: str) -> str:
        return self._translations.gettext(message)

    def n_(self, singular: str, plural: str, count: int) -> str:
        return self._translations.ngettext(singular, plural, count)

    def p_(self, context: str, message: str) -> str:
        """``message`` in ``context``, for a word that translates differently by use."""
        return self._translations.pgettext(context, message)

    def day(self, value: date | None) -> str:
        """A date as the language writes it; ``-`` for none."""
        return "-" if value is None else format_date(value, self._date_pattern, locale=self.locale)

    def iso_day(self, text: str) -> str:
        """An ISO date text (``2026-11-27``) as :meth:`day` writes it; empty stays empty."""
        return self.day(date.fromisoformat(text)) if text else ""

    def week(self, value: date) -> str:
        """A week's first day in a column heading."""
        return format_date(value, self._week_pattern, locale=self.locale)

    def moment(self, value: datetime) -> str:
        """A date and time of day (hours and minutes)."""
        return f"{self.day(value.date())} {format_time(value, 'HH:mm', locale=self.locale)}"

    def number(self, value: Decimal | float | int | None, digits: int = 2) -> str:
        """A number with ``digits`` decimals and no grouping; ``-`` for none."""
        if value is None:
            return "-"
        pattern = "0." + "0" * digits if digits else "0"
        return format_decimal(value, pattern, locale=self.locale)

    def count(self, value: int) -> str:
        """A whole number with thousands grouped (``1,234``)."""
        return format_decimal(value, "#,##0", locale=self.locale)

    def money(self, value: Decimal | None) -> str:
        """An amount with two decimals and grouping; ``-`` for none."""
        return "-" if value is None else format_decimal(value, "#,##0.00", locale=self.locale)

    def percent(self, share: Decimal | float | None, digits: int = 1) -> str:
        """A share (0.25) as a percentage (``25.0%``); ``-`` for none."""
        if share is None:
            return "-"
        return self.number(Decimal(str(share)) * 100, digits) + "%"

    def exact(self, value: Decimal) -> str:
        """A decimal with every digit it has (``8.50``), in the language's decimal symbol."""
        return format(value, "f").replace(".", get_decimal_symbol(self.locale))

    def plain(self, value: Decimal) -> str:
        """A rank, points or score without trailing zeros (``2.5``, ``12``)."""
        text = f"{value.normalize():f}"
        if "." not in text:
            return text
        return self.number(value, len(text.split(".")[1]))


@cache
def language(code: str = SOURCE_LANGUAGE) -> Language:
    """The :class:`Language` of ``code`` (an entry of :func:`available_languages`).

    Raises:
        ValueError: ``code`` has no catalog.
    """
    if code == SOURCE_LANGUAGE:
        return Language(code, Locale.parse("en"), gettext.NullTranslations())
    if code not in available_languages():
        raise ValueError(f"unknown language {code!r}; one of {', '.join(available_languages())}")
    with catalog_path(code).open("rb") as handle:
        catalog = read_po(handle, locale=code, domain=CATALOG_DOMAIN)
    compiled = io.BytesIO()
    write_mo(compiled, catalog)  # fuzzy entries are left out, as msgfmt does
    compiled.seek(0)
    # The catalog's Language header names the locale of its formats (nl_NL for nl).
    header = dict(catalog.mime_headers).get("Language") or code
    locale = Locale.parse(header)
    return Language(code, locale, gettext.GNUTranslations(compiled))
