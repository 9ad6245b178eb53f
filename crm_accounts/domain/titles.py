"""DMU roles suggested from job titles (METHOD.md section 4). Pure; no I/O.

A title is cut into words (case, umlaut spelling, hyphens and punctuation ignored); a word that
is not in the vocabulary is split into known pieces when it is a compound (``Einkaufsleiter`` =
``einkauf`` + ``leiter``), or read by its known ending (``Zorginkoper``). Phrases then match
the longest run of words first. The rules, in order:

1. a stop word (``intern``, ``sales``, ``former``, ...) means no suggestion;
2. a support word (``assistant``, ``secretaresse``, ...) means ``supporter`` only;
3. otherwise the most senior role named wins: ``decider`` and ``buyer`` (kept together, as in
   ``Purchasing Director``), else ``advisor``, else ``influencer``, else ``user``, else
   ``supporter``.

A title that names no role gets no suggestion: precision matters more than reach.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

from .model import DmuRole
from .title_vocabulary import COMPOUND_PIECES, ROLE_WORDS, STOP_WORDS, SUPPORT_ONLY_WORDS

__all__ = ["RoleSuggestion", "TitleMatcher", "normalize_title"]

_SPLIT = re.compile(r"[^0-9a-z]+")
_UMLAUTS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue"})
#: Shortest piece of a compound, and shortest known ending read as a compound's head word.
_MIN_PIECE = 3
_MIN_HEAD = 5
#: Rank of each role; the best rank present wins (decider and buyer share the first).
_RANK = {
    DmuRole.DECIDER: 0,
    DmuRole.BUYER: 0,
    DmuRole.ADVISOR: 1,
    DmuRole.INFLUENCER: 2,
    DmuRole.USER: 3,
    DmuRole.SUPPORTER: 4,
}
_STOP = "stop"
_SUPPORT = "support"
_PIECE = "piece"


def normalize_title(text: str) -> tuple[str, ...]:
    """The words of ``text``: lower case, ``ä`` as ``ae``, other accents dropped."""
    folded = unicodedata.normalize("NFKD", text.casefold().translate(_UMLAUTS))
    plain = "".join(ch for ch in folded if not unicodedata.combining(ch))
    return tuple(word for word in _SPLIT.split(plain) if word)


@dataclass(frozen=True, slots=True)
class RoleSuggestion:
    """Roles suggested for a title, and the vocabulary words that matched."""

    roles: frozenset[DmuRole]
    matched: tuple[str, ...]

    def role_keys(self) -> tuple[str, ...]:
        """The suggested role keys in the order of METHOD.md."""
        return tuple(role.value for role in DmuRole if role in self.roles)


@dataclass(frozen=True, slots=True)
class _Entry:
    kind: str  # "role", or one of _STOP, _SUPPORT, _PIECE
    roles: frozenset[DmuRole]
    text: str


class TitleMatcher:
    """The shipped vocabulary with the configuration's ``[roles.title_words]`` on top.

    ``extra`` maps a word or phrase to role keys (already validated); it replaces a shipped
    entry for the same words, and an empty list makes them match nothing.
    """

    def __init__(self, extra: Mapping[str, Sequence[DmuRole]] | None = None) -> None:
        entries: dict[tuple[str, ...], _Entry] = {}

        def put(text: str, kind: str, roles: frozenset[DmuRole] = frozenset()) -> None:
            words = normalize_title(text)
            if words:
                entries[words] = _Entry(kind, roles, text)

        for text in COMPOUND_PIECES:
            put(text, _PIECE)
        for text, keys in ROLE_WORDS.items():
            put(text, "role", frozenset(DmuRole(key) for key in keys))
        for text in SUPPORT_ONLY_WORDS:
            put(text, _SUPPORT, frozenset({DmuRole.SUPPORTER}))
        for text in STOP_WORDS:
            put(text, _STOP)
        for text, roles in (extra or {}).items():
            words = normalize_title(text)
            if roles:
                put(text, "role", frozenset(roles))
            elif words in entries:
                entries[words] = _Entry(_PIECE, frozenset(), text)
        self._entries = entries
        self._longest = max((len(words) for words in entries), default=1)
        self._single = frozenset(words[0] for words in entries if len(words) == 1)
        self._heads = sorted(
            (w for w in self._single if len(w) >= _MIN_HEAD and entries[(w,)].kind != _PIECE),
            key=len,
            reverse=True,
        )
        self.suggest = lru_cache(maxsize=65_536)(self._suggest)

    def _suggest(self, title: str) -> RoleSuggestion | None:
        """The roles ``title`` suggests, or ``None`` when it names none."""
        words: list[str] = []
        for word in normalize_title(title):
            words.extend(self._pieces(word))
        found = self._match(words)
        if any(entry.kind == _STOP for entry in found):
            return None
        support = [entry for entry in found if entry.kind == _SUPPORT]
        if support:
            return RoleSuggestion(frozenset({DmuRole.SUPPORTER}), (support[0].text,))
        named = [entry for entry in found if entry.kind in ("role", _SUPPORT) and entry.roles]
        if not named:
            return None
        best = min(_RANK[role] for entry in named for role in entry.roles)
        roles = frozenset(role for entry in named for role in entry.roles if _RANK[role] == best)
        matched = tuple(dict.fromkeys(entry.text for entry in named if entry.roles & roles))
        return RoleSuggestion(roles, matched)

    def _pieces(self, word: str) -> list[str]:
        """``word``, or the known pieces of a compound, or its known head word."""
        if word in self._single:
            return [word]
        split = self._split(word)
        if split:
            return split
        for head in self._heads:
            if word.endswith(head) and len(word) - len(head) >= _MIN_PIECE:
                return [head]
        return [word]

    def _split(self, word: str) -> list[str] | None:
        """``word`` as known pieces, optionally joined by a linking ``s``; ``None`` if not."""
        best: dict[int, list[str]] = {0: []}
        for end in range(_MIN_PIECE, len(word) + 1):
            for start in sorted(best):
                if end - start < _MIN_PIECE or start not in best:
                    continue
                piece = word[start:end]
                if piece in self._single:
                    best.setdefault(end, best[start] + [piece])
                    if end < len(word) and word[end] == "s":
                        best.setdefault(end + 1, best[start] + [piece])
        found = best.get(len(word))
        return found if found and len(found) > 1 else None

    def _match(self, words: Sequence[str]) -> list[_Entry]:
        found: list[_Entry] = []
        index = 0
        while index < len(words):
            for size in range(min(self._longest, len(words) - index), 0, -1):
                entry = self._entries.get(tuple(words[index : index + size]))
                if entry is not None:
                    found.append(entry)
                    index += size
                    break
            else:
                index += 1
        return found
