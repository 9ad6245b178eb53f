"""What ``check`` and ``setup --apply`` report, shared by the CRM connectors. No I/O."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

__all__ = ["CheckResult", "Level", "suggest"]

Level = Literal["ok", "warning", "error"]


@dataclass(frozen=True, slots=True)
class CheckResult:
    """One finding: ``level`` ``ok``, ``warning`` or ``error`` about ``object.field``."""

    level: Level
    object: str
    field: str | None
    message: str

    @property
    def ok(self) -> bool:
        return self.level != "error"

    def __str__(self) -> str:
        where = f"{self.object}.{self.field}" if self.field else self.object
        return f"{self.level:<7} {where}: {self.message}"


def suggest(name: str, choices: Iterable[str]) -> str:
    """``"; did you mean 'X'?"`` for up to three close names, else empty."""
    close = difflib.get_close_matches(name, list(choices), n=3, cutoff=0.6)
    return f"; did you mean {', '.join(repr(c) for c in close)}?" if close else ""
