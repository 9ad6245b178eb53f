"""``crm-accounts init``: propose a configuration from what a source holds. No I/O here.

Modules: :mod:`.facts` (what a source holds; the ``Surveys`` port the connectors implement),
:mod:`.vocabulary` (role names in English, Dutch and German), :mod:`.matching` (fuzzy matching of
values to roles), :mod:`.propose` (facts -> a :class:`~.draft.Draft`), :mod:`.draft` (the draft
and its commented TOML) and :mod:`.review` (accept, change or skip each proposal).
"""

from .draft import Draft, Setting, Table, render
from .facts import SourceFacts, Surveys
from .matching import THRESHOLD, RoleMatch, best_role
from .propose import propose
from .review import Ask, review

__all__ = [
    "THRESHOLD",
    "Ask",
    "Draft",
    "RoleMatch",
    "Setting",
    "SourceFacts",
    "Surveys",
    "Table",
    "best_role",
    "propose",
    "render",
    "review",
]
