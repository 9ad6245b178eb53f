"""The score behind each rank of the customer rating, and why a score is missing, in words.

Pure: reads a :class:`~crm_accounts.domain.method.MethodResult` (the report's rating table and
the workbook's Rating sheet show these); the ranking itself is the domain's.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from ..domain.method import MethodResult
from ..domain.rating import criterion_value
from ..i18n import Language

__all__ = ["Score", "rating_scores"]


@dataclass(frozen=True, slots=True)
class Score:
    """One criterion of one rated account: the score it was ranked on, its rank, and why a
    score is missing (``note``; empty when the score is there)."""

    value: str  # as the language writes it; empty when missing
    rank: Decimal
    note: str


def rating_scores(result: MethodResult, lang: Language) -> tuple[dict[str, list[Score]], list[str]]:
    """Per rated account its scores beside its ranks, and one warning line per unusable score."""
    scores: dict[str, list[Score]] = {}
    warnings: list[str] = []
    for rated in result.rating.accounts:
        row = []
        for criterion in result.rating.criteria:
            value, warning = criterion_value(
                criterion, rated.account_id, result.revenue.metric,
                lambda a: result.accounts[a].attributes,
            )  # fmt: skip
            note = ""
            if warning is not None:
                raw = result.accounts[rated.account_id].attributes.get(criterion.source, "")
                note = lang._("'%(value)s' is not a number: counted as missing") % {"value": raw}
                warnings.append(
                    lang._(
                        "%(account)s: %(field)s '%(value)s' is not a number; the rating counts it"
                        " as missing (criterion %(key)s)"
                    )
                    % {
                        "account": result.accounts[rated.account_id].name,
                        "field": criterion.source,
                        "value": raw,
                        "key": criterion.key,
                    }
                )
            elif value is None:
                note = lang._("no value: ranked after the accounts with one")
            shown = (
                lang.money(value) if criterion.source in ("revenue", "margin") and value is not None
                else lang.plain(value) if value is not None
                else ""
            )  # fmt: skip
            row.append(Score(shown, rated.ranks[criterion.key], note))
        scores[rated.account_id] = row
    return scores, warnings
