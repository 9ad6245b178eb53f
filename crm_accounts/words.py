"""Words for the method's codes in what people read: role keys, stages, gap codes, directions.

The codes stay as they are in configuration, CSV exports and JSON (CONTRACTS.md); reports, task
texts and summaries show them through the output language's catalog. In English a code reads as
itself (``account_manager``), as it always did. Pure; no I/O.
"""

from __future__ import annotations

from .domain.suggestions import SUGGESTED_MARK
from .i18n import N_, Language

__all__ = ["CODE_WORDS", "code_word", "role_word"]

#: Every code that a report or a task text shows, marked for the catalogs.
CODE_WORDS = (
    # DMU roles (METHOD.md 2)
    N_("decider"), N_("buyer"), N_("advisor"), N_("influencer"), N_("user"), N_("supporter"),
    # PSU roles
    N_("account_manager"), N_("sales_rep"), N_("sales_manager"), N_("executive"),
    N_("support"), N_("delivery"), N_("administration"),
    # integration stages (METHOD.md 3)
    N_("transactional"), N_("collaborative"), N_("integrated"), N_("not recorded"),
    # criterion directions
    N_("higher"), N_("lower"),
    # pair statuses and plan statuses
    N_("never"), N_("overdue"), N_("due"), N_("ok"), N_("scheduled"), N_("unscheduled"),
    N_("(suggested)"),
    # gap codes and the unscheduled reason, as the workbook's code columns show them
    N_("dmu_role_missing"), N_("psu_role_missing"), N_("contact_never"), N_("contact_overdue"),
    N_("single_threaded"), N_("gatekeeper_only"), N_("over_capacity"),
)  # fmt: skip


def code_word(lang: Language, code: str) -> str:
    """A code in the output language (the code itself when the catalog has no word for it)."""
    return lang._(code)


def role_word(lang: Language, label: str) -> str:
    """A role label from :func:`~crm_accounts.domain.suggestions.role_labels` in the output
    language, its "(suggested)" mark included."""
    if label.endswith(f" {SUGGESTED_MARK}"):
        key = label.removesuffix(f" {SUGGESTED_MARK}")
        return f"{lang._(key)} {lang._(SUGGESTED_MARK)}"
    return lang._(label)
