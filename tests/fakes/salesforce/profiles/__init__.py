"""The shipped org profiles (JSON files beside this module); see :mod:`..profile`. No I/O.

``PROFILES`` maps each profile's name to its file: ``standard`` (a standard org),
``custom_nl`` (custom statuses and roles in Dutch, Shared Activities, a sandbox), ``no_acr``
(no AccountContactRelation; roles on ``Contact.Buying_Role__c``) and ``multi_currency``
(multi-currency, person accounts).
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["FOLDER", "PROFILES", "shipped_profiles"]

FOLDER = Path(__file__).resolve().parent
PROFILES: dict[str, Path] = {
    name: FOLDER / f"{name}.json" for name in ("standard", "custom_nl", "no_acr", "multi_currency")
}


def shipped_profiles() -> dict[str, Path]:
    """A copy of :data:`PROFILES` (name -> profile file)."""
    return dict(PROFILES)
