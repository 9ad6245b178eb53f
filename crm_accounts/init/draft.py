"""A proposed configuration as tables of settings, and its rendering as commented TOML. No I/O.

Each :class:`Setting` is one ``key = value`` line with a comment saying where the value came
from (a match score, a count, the CRM's own flag). A setting that is off is written commented
out, so the reader sees what was considered; a table whose settings are all off is commented out
as a whole, since an empty role table would replace the connector's defaults with nothing.
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal

__all__ = ["Draft", "Setting", "Table", "Value", "render", "toml_key", "toml_value"]

Value = str | int | bool | Decimal | list[str]

_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")


def toml_key(key: str) -> str:
    """A key as TOML writes it: bare when it can be, else a quoted string."""
    return key if _BARE_KEY.match(key) else toml_string(key)


def toml_string(text: str) -> str:
    """A TOML basic string: JSON's escapes are TOML's ("\\/" is never produced), plus DEL,
    which JSON leaves as is and TOML forbids."""
    return json.dumps(text, ensure_ascii=False).replace("\x7f", "\\u007f")


def _plain(text: str) -> str:
    """Comment text on one line: control characters (a CRM label may hold a line break)
    become spaces."""
    return "".join(" " if unicodedata.category(c) == "Cc" else c for c in text)


def toml_value(value: Value) -> str:
    """A value as TOML writes it."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | Decimal):
        return str(value)
    if isinstance(value, list):
        return "[" + ", ".join(toml_string(v) for v in value) + "]"
    return toml_string(value)


@dataclass
class Setting:
    """One ``key = value`` line; ``choices`` limit what a person may change it to."""

    key: str
    value: Value
    note: str = ""
    enabled: bool = True
    proposal: bool = False  # asked about on a terminal
    choices: tuple[str, ...] = ()
    required: bool = False  # skipping it skips its whole table (a criterion without a source)


@dataclass
class Table:
    """A TOML table (``[name]``) or one element of an array of tables (``[[name]]``)."""

    name: str
    settings: list[Setting] = field(default_factory=list)
    intro: tuple[str, ...] = ()
    array: bool = False

    def add(
        self,
        key: str,
        value: Value,
        note: str = "",
        *,
        enabled: bool = True,
        proposal: bool = False,
        choices: tuple[str, ...] = (),
        required: bool = False,
    ) -> Setting:
        setting = Setting(key, value, note, enabled, proposal, choices, required)
        self.settings.append(setting)
        return setting

    @property
    def enabled(self) -> bool:
        return any(s.enabled for s in self.settings) or (not self.settings and not self.array)


@dataclass
class Draft:
    """The whole proposed file: a heading and the tables in order."""

    heading: tuple[str, ...]
    tables: list[Table] = field(default_factory=list)

    def table(self, name: str, *intro: str, array: bool = False) -> Table:
        made = Table(name, intro=intro, array=array)
        self.tables.append(made)
        return made

    def proposals(self) -> list[tuple[Table, Setting]]:
        return [(t, s) for t in self.tables for s in t.settings if s.proposal]


def _comment(text: str) -> str:
    return f"# {_plain(text)}".rstrip()


def _line(setting: Setting) -> str:
    text = f"{toml_key(setting.key)} = {toml_value(setting.value)}"
    if setting.note:
        text += f"  # {_plain(setting.note)}"
    return text if setting.enabled else f"# {text}"


def render(draft: Draft) -> str:
    """The draft as TOML text: comments, tables, settings (off ones commented out)."""
    lines = [_comment(text) for text in draft.heading]
    for table in draft.tables:
        lines.append("")
        lines += [_comment(text) for text in table.intro]
        header = f"[[{table.name}]]" if table.array else f"[{table.name}]"
        on = table.enabled
        lines.append(header if on else f"# {header}")
        for setting in table.settings:
            line = _line(setting)
            lines.append(line if on or line.startswith("#") else f"# {line}")
    return "\n".join(lines) + "\n"
