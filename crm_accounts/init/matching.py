"""Fuzzy matching of CRM values (picklist entries, enumeration options, CSV cells) to role keys.
No I/O.

A value is compared with every spelling of every role in :mod:`.vocabulary` after folding case,
accents and punctuation (``"Beïnvloeder"``, ``"BEINVLOEDER"`` and ``"beinvloeder"`` are alike;
``"END_USER"`` reads as ``"end user"``), both as written and with the spaces taken out (so
``"Accountmanager"`` is ``"Account Manager"``). The score (0-100) is rapidfuzz's normalized
Indel similarity, ``fuzz.ratio``: it forgives a typo or a missing letter but not a different
word, so ``"Channel Manager"`` does not become ``"Sales Manager"``. Below :data:`THRESHOLD` a value
stays unmapped; the best candidate is still reported so a person can decide.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import TypeVar

from rapidfuzz import fuzz

from .vocabulary import RoleName

__all__ = ["PURPOSES", "THRESHOLD", "RoleMatch", "best_role", "field_for", "fold"]

#: The lowest score that maps a value; tuned on no profile: one letter off in a ten-letter word
#: scores about 90, a different word of the same length below 70.
THRESHOLD = 85.0

_R = TypeVar("_R", bound=StrEnum)

_PUNCTUATION = re.compile(r"[\W_]+")


def fold(text: str) -> str:
    """Lower case, no accents, words separated by single spaces."""
    decomposed = unicodedata.normalize("NFKD", text.replace("ß", "ss"))
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _PUNCTUATION.sub(" ", plain.casefold()).strip()


@dataclass(frozen=True, slots=True)
class RoleMatch:
    """The best role for a value: ``score`` 0-100 and the spelling that scored it."""

    value: str
    role: str
    score: float
    name: str
    language: str

    @property
    def accepted(self) -> bool:
        """Whether the score is high enough to propose the role."""
        return self.score >= THRESHOLD

    def note(self) -> str:
        """The comment written beside the proposal, e.g. ``match 100: "Beslisser" (nl)``."""
        return f'match {self.score:.0f}: "{self.name}" ({self.language})'


def _score(value: str, name: str) -> float:
    joined = fuzz.ratio(value.replace(" ", ""), name.replace(" ", ""))
    return max(float(fuzz.ratio(value, name)), float(joined))


def best_role(
    value: str, names: Mapping[_R, Iterable[RoleName]], *, label: str | None = None
) -> RoleMatch | None:
    """The role whose spelling is closest to ``value`` (or to its ``label``, whichever scores
    higher); ties go to the role listed first. ``None`` when ``value`` holds no letters."""
    texts = [fold(t) for t in (value, label) if t]
    texts = [t for t in texts if t]
    if not texts:
        return None
    best: RoleMatch | None = None
    for role, spellings in names.items():
        for name, language in spellings:
            folded = fold(name)
            score = max(_score(text, folded) for text in texts)
            if best is None or score > best.score:
                best = RoleMatch(value, role.value, score, name, language)
    return best


#: Words that name a field's purpose (English, Dutch, German, folded), per purpose.
PURPOSES: Mapping[str, tuple[str, ...]] = {
    "integration_stage": ("integration stage", "integratiefase", "integrationsstufe"),
    "margin": ("margin", "marge", "gross margin"),
    "gatekeeper": ("gatekeeper", "portier", "pfortner"),
    "pioneer": ("pioneer", "pionier", "door opener"),
    "capacity": ("capacity per week", "capacity", "capaciteit", "kapazitat"),
}


def field_for(purpose: str, fields: Iterable[tuple[str, str]]) -> str | None:
    """The first ``(name, label)`` whose name or label holds a word of ``purpose`` as whole
    words (``KAM_Pioneer__c``, ``"Gatekeeper"``), by its name; ``None`` when none does."""
    words = PURPOSES[purpose]
    for name, label in fields:
        text = f" {fold(name.removesuffix('__c'))} {fold(label)} "
        if any(f" {w} " in text or f" {w.replace(' ', '')} " in text for w in words):
            return name
    return None
